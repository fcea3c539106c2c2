//! FOCUS billing exports (FinOps Open Cost and Usage Specification 1.0, 1.1, 1.2) and AWS Cost
//! and Usage Report 2.0 exports in CSV, plain or gzip, read as a stream with only the columns
//! candor needs, mapped by header name (the layout is recognised from the headers).
//!
//! Real exports are not always conformant (the FinOps Foundation's own sample writes nulls as
//! `NULL`, date-times as `2024-09-01 00:00:00`, and has a custom column without the `x_`
//! prefix). The default, lenient mode reads them; strict mode reports every non-conformance
//! with its row and column.
//!
//! Life of a row: the CSV record is read into a reused buffer; the mapped columns are parsed
//! (amounts as decimals, date-times to their month); the row goes to the caller's closure.
//! A value that cannot be read even leniently is an error naming file, row and column; so is
//! a text the caller refuses ([`Refused`]: the fold checks each distinct text once, as it
//! interns it, for control characters).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use crate::csv_input::{LineBounded, Opened, open};

/// Errors reading a billing file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a FOCUS export candor can read.
    #[error("{}: {message}", path.display())]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A sum overflowed; nothing was stored.
    #[error("{}: {what}; nothing was stored", path.display())]
    Overflow {
        /// The file.
        path: PathBuf,
        /// Which sum.
        what: Overflowed,
    },
    /// A value cannot be read, even leniently.
    #[error("{}: row {row}, column {column}: {message}", path.display())]
    BadValue {
        /// The file.
        path: PathBuf,
        /// 1-based data row.
        row: u64,
        /// Column name.
        column: String,
        /// What is wrong.
        message: String,
    },
}

/// Summing a column overflowed: the total is beyond what a 64-bit float holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflowed {
    /// Account.
    pub account: String,
    /// Month.
    pub month: String,
    /// Service.
    pub service: String,
    /// `quantity` or `cost`.
    pub column: &'static str,
}

impl std::fmt::Display for Overflowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} of account {} in {} ({}) adds up beyond the largest number a sum can hold",
            self.column, self.account, self.month, self.service
        )
    }
}

/// One billing line, with what the taxonomy and aggregation need.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageLine {
    /// Provider name.
    pub provider: String,
    /// The account that used the service (sub-account where there is one).
    pub account: String,
    /// Service name.
    pub service: String,
    /// SKU, usage type, meter or charge description: the most specific one present.
    pub usage_type: String,
    /// Operation, where the export has one (`x_Operation`).
    pub operation: String,
    /// Region id.
    pub region: String,
    /// Consumed quantity.
    pub quantity: f64,
    /// Its unit.
    pub unit: String,
    /// Billed cost.
    pub cost: f64,
    /// Month of the charge period start, `YYYY-MM`.
    pub month: String,
    /// Day of the charge period start, `YYYY-MM-DD`.
    pub day: String,
    /// The billing account the line was billed to (empty where the export has none).
    pub billing_account: String,
    /// Month of the billing period's start, `YYYY-MM` (the charge month where the export
    /// names no billing period). With the billing account, what a re-export replaces.
    pub billing_period: String,
}

/// A field of a line the caller will not take (its text holds a control character): the reader
/// names the file, the row and the field's column. The field is named as [`choose_columns`]
/// names it (`"unit"`, `"service"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub &'static str);

/// How strictly to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Report non-conformance instead of accepting it.
    pub strict: bool,
}

/// A departure from the FOCUS specification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Nonconformance {
    /// 1-based data row (0: the header).
    pub row: u64,
    /// Column.
    pub column: String,
    /// What is wrong.
    pub message: String,
}

/// What reading a file found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReadReport {
    /// Data rows read.
    pub rows: u64,
    /// Non-conformance (strict mode lists the first 100 of each kind).
    pub nonconformance: Vec<Nonconformance>,
    /// Non-conformance counted by kind.
    pub nonconformance_counts: BTreeMap<String, u64>,
}

/// AWS Cost and Usage Report 2.0 column names per field.
const CUR_COLUMNS: &[(&str, &[&str])] = &[
    ("account", &["line_item_usage_account_id"]),
    ("service", &["line_item_product_code", "product_servicecode"]),
    ("usage_type", &["line_item_usage_type"]),
    ("operation", &["line_item_operation"]),
    ("region", &["product_region_code", "product_region"]),
    ("quantity", &["line_item_usage_amount"]),
    ("unit", &["pricing_unit"]),
    ("cost", &["line_item_unblended_cost"]),
    ("period", &["line_item_usage_start_date"]),
    ("billing_account", &["bill_payer_account_id"]),
    ("billing_period", &["bill_billing_period_start_date"]),
];

/// Column names per field, newest FOCUS name first.
const COLUMNS: &[(&str, &[&str])] = &[
    ("provider", &["ServiceProviderName", "ProviderName"]),
    ("account", &["SubAccountId", "BillingAccountId"]),
    ("service", &["ServiceName"]),
    ("usage_type", &["x_UsageType", "SkuMeter", "x_SkuMeterName", "SkuId", "ChargeDescription"]),
    ("operation", &["x_Operation"]),
    ("region", &["RegionId"]),
    ("quantity", &["ConsumedQuantity"]),
    ("unit", &["ConsumedUnit"]),
    ("cost", &["BilledCost"]),
    ("period", &["ChargePeriodStart"]),
    ("billing_account", &["BillingAccountId"]),
    ("billing_period", &["BillingPeriodStart"]),
];

/// For each field, the column a file with these headers provides it in (FOCUS or CUR 2.0,
/// newest name first), or `None`. The CSV reader and the SQL generator both use this choice.
pub fn choose_columns(headers: &[&str]) -> Vec<(&'static str, Option<String>)> {
    let cur = headers.contains(&"line_item_usage_account_id");
    let layout = if cur { CUR_COLUMNS } else { COLUMNS };
    layout
        .iter()
        .map(|(field, names)| (*field, names.iter().find(|n| headers.contains(n)).map(|n| n.to_string())))
        .collect()
}

fn names_lookup<'a>(
    layout: &[(&str, &'a [&'a str])],
    field: &str,
    name: &str,
    index: &HashMap<&str, usize>,
) -> (usize, &'a str) {
    let names = layout.iter().find(|(f, _)| *f == field).map(|(_, n)| *n).unwrap_or(&[]);
    let n = names.iter().find(|n| **n == name).copied().unwrap_or("");
    (index.get(n).copied().unwrap_or(0), n)
}

/// Reads a FOCUS or CUR CSV file, calling `each` for every line. Text is passed on as read:
/// what is stored goes through the fold (`aggregate_file`), which refuses control characters.
pub fn read_csv(path: &Path, opts: ReadOptions, mut each: impl FnMut(&UsageLine)) -> Result<ReadReport, Error> {
    read_csv_with_progress(path, opts, &mut |_, _| {}, |l| {
        each(l);
        Ok(())
    })
}

/// Like [`read_csv`], calling `progress(bytes read, file size)` as it goes; `each` may refuse a
/// line's field, which ends the read with an error naming its row and column.
pub fn read_csv_with_progress(
    path: &Path,
    opts: ReadOptions,
    progress: &mut dyn FnMut(u64, u64),
    mut each: impl FnMut(&UsageLine) -> Result<(), Refused>,
) -> Result<ReadReport, Error> {
    let Opened { reader, size, read: bytes_read } =
        open(path).map_err(|source| Error::Io { path: path.into(), source })?;
    let reader = LineBounded::new(reader);
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers =
        rdr.headers().map_err(|e| Error::BadFile { path: path.into(), message: format!("header row: {e}") })?.clone();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if let Some(first) = index.insert(h, i) {
            // Which of the two is meant cannot be known; reading either would be a guess.
            return Err(Error::BadFile {
                path: path.into(),
                message: format!(
                    "line 1 (the header): the column {h:?} appears twice (columns {} and {}); which one to read is unclear",
                    first + 1,
                    i + 1
                ),
            });
        }
    }
    // CUR 2.0 names its columns in snake_case; it is AWS's own, so the provider is AWS.
    let cur = index.contains_key("line_item_usage_account_id");
    let layout = if cur { CUR_COLUMNS } else { COLUMNS };
    let mut cols: HashMap<&str, (usize, &str)> = HashMap::new();
    let header_names: Vec<&str> = headers.iter().collect();
    for (field, name) in choose_columns(&header_names) {
        if let Some(name) = name {
            let (i, name) = names_lookup(layout, field, &name, &index);
            cols.insert(field, (i, name));
        }
    }
    for required in ["account", "service", "cost", "period"] {
        if !cols.contains_key(required) {
            let names = COLUMNS.iter().find(|(f, _)| *f == required).map(|(_, n)| n.join(" or ")).unwrap_or_default();
            return Err(Error::BadFile {
                path: path.into(),
                message: format!("not a FOCUS export: no {names} column"),
            });
        }
    }
    let mut report = ReadReport::default();
    let note = |report: &mut ReadReport, row: u64, column: &str, kind: &str, message: String| {
        let n = report.nonconformance_counts.entry(kind.to_string()).or_insert(0);
        *n += 1;
        if *n <= 100 {
            report.nonconformance.push(Nonconformance { row, column: column.to_string(), message });
        }
    };
    let conformance = (opts.strict && !cur).then(|| {
        let (checks, missing) = crate::conformance::Conformance::new(&header_names);
        for f in missing {
            note(&mut report, 0, f.column, &f.rule, f.message);
        }
        checks
    });
    if opts.strict && !cur {
        for h in headers.iter() {
            if !h.starts_with("x_") && !KNOWN_FOCUS_COLUMNS.contains(&h) {
                note(
                    &mut report,
                    0,
                    h,
                    "custom column without x_ prefix",
                    format!("{h:?} is not a FOCUS column and does not start with x_"),
                );
            }
        }
    }
    let mut record = csv::StringRecord::new();
    let mut line = UsageLine::default();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(Error::BadValue {
                    path: path.into(),
                    row: report.rows + 1,
                    column: "(row)".into(),
                    message: e.to_string(),
                });
            }
        }
        report.rows += 1;
        let row = report.rows;
        if record.len() != headers.len() {
            return Err(Error::BadValue {
                path: path.into(),
                row,
                column: "(row)".into(),
                message: format!("has {} fields but the header has {}", record.len(), headers.len()),
            });
        }
        if row % 8192 == 0 {
            progress(bytes_read.load(Ordering::Relaxed), size);
        }
        if let Some(checks) = &conformance {
            checks.check_row(&record, |f| note(&mut report, row, f.column, &f.rule, f.message));
        }
        let get = |field: &str| cols.get(field).and_then(|(i, name)| record.get(*i).map(|v| (v, *name)));
        // Text fields: `NULL` is read as empty (and reported in strict mode).
        let text = |field: &str, out: &mut String, report: &mut ReadReport| {
            out.clear();
            if let Some((v, name)) = get(field) {
                if v == "NULL" {
                    if opts.strict {
                        note(
                            report,
                            row,
                            name,
                            "NULL written as text",
                            "null written as the text NULL (FOCUS nulls are empty)".into(),
                        );
                    }
                } else {
                    out.push_str(v);
                }
            }
        };
        text("provider", &mut line.provider, &mut report);
        if cur {
            line.provider.push_str("AWS");
        }
        text("account", &mut line.account, &mut report);
        text("service", &mut line.service, &mut report);
        text("usage_type", &mut line.usage_type, &mut report);
        text("operation", &mut line.operation, &mut report);
        text("region", &mut line.region, &mut report);
        text("unit", &mut line.unit, &mut report);
        let number = |field: &str| -> Result<f64, Error> {
            match get(field) {
                None | Some(("" | "NULL", _)) => Ok(0.0),
                Some((v, name)) => {
                    let bad = |what: &str| Error::BadValue {
                        path: path.into(),
                        row,
                        column: name.to_string(),
                        message: format!("{v:?} is not a {what}"),
                    };
                    let n = v.trim().parse::<f64>().map_err(|_| bad("number"))?;
                    if n.is_finite() { Ok(n) } else { Err(bad("finite number")) }
                }
            }
        };
        line.quantity = number("quantity")?;
        line.cost = number("cost")?;
        let (period, name) = get("period").unwrap_or(("", "ChargePeriodStart"));
        let month = month_of(period).ok_or_else(|| Error::BadValue {
            path: path.into(),
            row,
            column: name.to_string(),
            message: format!("{period:?} is not a date-time"),
        })?;
        line.month.clear();
        line.month.push_str(month);
        line.day.clear();
        line.day.push_str(&period[..10]);
        text("billing_account", &mut line.billing_account, &mut report);
        line.billing_period.clear();
        match get("billing_period") {
            None | Some(("" | "NULL", _)) => line.billing_period.push_str(month),
            Some((v, name)) => line.billing_period.push_str(month_of(v).ok_or_else(|| Error::BadValue {
                path: path.into(),
                row,
                column: name.to_string(),
                message: format!("{v:?} is not a date-time"),
            })?),
        }
        if let Err(Refused(field)) = each(&line) {
            let (value, column) = get(field).unwrap_or(("", field));
            let message = input::check("", value, input::Lines::One)
                .err()
                .map_or_else(|| "refused".to_string(), |m| m.trim_start_matches(": ").to_string());
            return Err(Error::BadValue { path: path.into(), row, column: column.to_string(), message });
        }
    }
    progress(size, size);
    Ok(report)
}

/// `YYYY-MM` of a date-time written `2024-09-01T00:00:00Z`, `2024-09-01 00:00:00` or `2024-09-01`.
fn month_of(v: &str) -> Option<&str> {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() < 10 || !digits(0..4) || b[4] != b'-' || !digits(5..7) || b[7] != b'-' || !digits(8..10) {
        return None;
    }
    let month: u32 = v[5..7].parse().ok()?;
    (1..=12).contains(&month).then(|| &v[..7])
}

/// Whether `name` is a column FOCUS 1.0 to 1.2 defines.
pub fn is_focus_column(name: &str) -> bool {
    KNOWN_FOCUS_COLUMNS.contains(&name)
}

/// Column names defined by FOCUS 1.0 to 1.2.
const KNOWN_FOCUS_COLUMNS: &[&str] = &[
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    "ServiceProviderName",
    "HostProviderName",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        assert_eq!(month_of("2024-09-01T00:00:00Z"), Some("2024-09"));
        assert_eq!(month_of("2024-09-01 00:00:00"), Some("2024-09"));
        assert_eq!(month_of("2024-13-01"), None);
        assert_eq!(month_of("yesterday"), None);
    }

    fn write(dir: &Path, name: &str, text: &str, gzip: bool) -> PathBuf {
        let p = dir.join(name);
        if gzip {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(text.as_bytes()).expect("gzip");
            std::fs::write(&p, e.finish().expect("gzip")).expect("write");
        } else {
            std::fs::write(&p, text).expect("write");
        }
        p
    }

    const SAMPLE: &str = "ProviderName,SubAccountId,ServiceName,x_UsageType,x_Operation,RegionId,ConsumedQuantity,ConsumedUnit,BilledCost,ChargePeriodStart\n\
        AWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,1000,Images,1.00,2026-07-01T00:00:00Z\n\
        AWS,111,Amazon Rekognition,USE1-Group2-ImagesProcessed,DetectFaces,us-gov-west-1,10,Images,0.01,2026-08-03T00:00:00Z\n";

    #[test]
    fn plain_and_gzip_read_the_same_lines() {
        let d = tempfile::tempdir().expect("tempdir");
        let mut plain = Vec::new();
        let mut gz = Vec::new();
        read_csv(&write(d.path(), "a.csv", SAMPLE, false), ReadOptions::default(), |l| plain.push(l.clone()))
            .expect("plain");
        read_csv(&write(d.path(), "a.csv.gz", SAMPLE, true), ReadOptions::default(), |l| gz.push(l.clone()))
            .expect("gzip");
        assert_eq!(plain, gz);
        assert_eq!(plain.len(), 2);
        assert_eq!(plain[0].operation, "SearchFacesByImage");
        assert_eq!(plain[1].month, "2026-08");
    }

    #[test]
    fn cur_2_0_reads_through_the_same_reader() {
        let d = tempfile::tempdir().expect("tempdir");
        let cur = "identity_line_item_id,line_item_usage_account_id,line_item_product_code,line_item_usage_type,line_item_operation,line_item_usage_amount,pricing_unit,line_item_unblended_cost,line_item_usage_start_date,product_region_code\n\
            x1,123456789012,AmazonRekognition,USE1-Group1-ImagesProcessed,CompareFaces,7,Images,0.007,2026-07-02T00:00:00Z,us-east-1\n";
        let mut lines = Vec::new();
        let r = read_csv(&write(d.path(), "cur.csv.gz", cur, true), ReadOptions { strict: true }, |l| {
            lines.push(l.clone())
        })
        .expect("cur");
        assert_eq!(r.rows, 1);
        assert!(r.nonconformance.is_empty(), "{:?}", r.nonconformance);
        assert_eq!(lines[0].provider, "AWS");
        assert_eq!(lines[0].service, "AmazonRekognition");
        assert_eq!(lines[0].operation, "CompareFaces");
        assert_eq!((lines[0].quantity, lines[0].unit.as_str(), lines[0].month.as_str()), (7.0, "Images", "2026-07"));
    }

    #[test]
    fn non_finite_numbers_short_or_long_rows_and_a_doubled_header_are_refused() {
        let d = tempfile::tempdir().expect("tempdir");
        let read = |name: &str, text: &str| {
            read_csv(&write(d.path(), name, text, false), ReadOptions::default(), |_| {}).map_err(|e| e.to_string())
        };
        for (value, column) in [("inf", "ConsumedQuantity"), ("NaN", "ConsumedQuantity"), ("-infinity", "BilledCost")] {
            let text = if column == "BilledCost" {
                SAMPLE.replace("0.01,", &format!("{value},"))
            } else {
                SAMPLE.replace(",10,", &format!(",{value},"))
            };
            let e = read("nonfinite.csv", &text).expect_err(value);
            assert!(e.contains("row 2") && e.contains(column) && e.contains("not a finite number"), "{value}: {e}");
        }
        let short = SAMPLE.replace(",us-gov-west-1,10,Images,0.01,", ",us-gov-west-1,10,Images,");
        let e = read("short.csv", &short).expect_err("short");
        assert!(e.contains("row 2") && e.contains("has 9 fields but the header has 10"), "{e}");
        let long = SAMPLE.replace("2026-08-03T00:00:00Z", "2026-08-03T00:00:00Z,extra");
        let e = read("long.csv", &long).expect_err("long");
        assert!(e.contains("row 2") && e.contains("has 11 fields"), "{e}");
        let doubled = SAMPLE.replacen("x_Operation", "ServiceName", 1);
        let e = read("doubled.csv", &doubled).expect_err("doubled");
        assert!(e.contains("\"ServiceName\" appears twice (columns 3 and 5)"), "{e}");
    }

    #[test]
    fn a_bad_value_names_row_and_column() {
        let d = tempfile::tempdir().expect("tempdir");
        let bad = SAMPLE.replace("0.01", "a penny");
        let err = read_csv(&write(d.path(), "bad.csv", &bad, false), ReadOptions::default(), |_| {}).expect_err("bad");
        let msg = err.to_string();
        assert!(msg.contains("row 2") && msg.contains("BilledCost") && msg.contains("a penny"), "{msg}");
        let err = read_csv(&write(d.path(), "x.csv", "a,b\n1,2\n", false), ReadOptions::default(), |_| {})
            .expect_err("not focus");
        assert!(err.to_string().contains("not a FOCUS export"), "{err}");
    }
}
