//! FOCUS 1.0 conformance as strict mode checks it, rule by rule: every mandatory column is
//! present, columns that may not be null are not, amounts are decimals, date-times are ISO 8601
//! UTC, the currency is a currency code, `Tags` is a JSON object, enumerated columns hold one of
//! their values, and `SkuPriceId` is set on usage and purchase charges.
//!
//! Each finding is named after the rule it breaks, `{Column}_{Check}`, the names the FinOps
//! Foundation's `focus-validator` uses, so the two reports can be compared line by line (CI
//! does). Where the validator's 1.0 rule set still uses the 1.0 preview's column names
//! (`Provider`, `Publisher`, `InvoiceIssuer`, `ResourceID`), this module uses FOCUS 1.0's
//! (`ProviderName`, `PublisherName`, `InvoiceIssuerName`, `ResourceId`).

use std::collections::HashMap;

/// What a column's values must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Decimal,
    DateTime,
    CurrencyCode,
    JsonObject,
}

/// One column's rules.
struct ColumnRule {
    name: &'static str,
    /// The column must be present.
    required: bool,
    /// Its values may be null.
    nullable: bool,
    kind: Kind,
    /// The values it may hold, where the specification lists them.
    allowed: &'static [&'static str],
}

const fn col(name: &'static str, required: bool, nullable: bool, kind: Kind) -> ColumnRule {
    ColumnRule { name, required, nullable, kind, allowed: &[] }
}

const fn one_of(name: &'static str, nullable: bool, allowed: &'static [&'static str]) -> ColumnRule {
    ColumnRule { name, required: true, nullable, kind: Kind::Text, allowed }
}

use Kind::*;

/// FOCUS 1.0's columns and their rules. `AvailabilityZone` and `ChargeFrequency` are
/// recommended, not mandatory; the rest are mandatory.
const RULES: &[ColumnRule] = &[
    col("AvailabilityZone", false, true, Text),
    col("BilledCost", true, false, Decimal),
    col("BillingAccountId", true, false, Text),
    col("BillingAccountName", true, true, Text),
    col("BillingCurrency", true, false, CurrencyCode),
    col("BillingPeriodEnd", true, false, DateTime),
    col("BillingPeriodStart", true, false, DateTime),
    one_of("ChargeCategory", false, &["Usage", "Purchase", "Tax", "Credit", "Adjustment"]),
    one_of("ChargeClass", true, &["Correction"]),
    col("ChargeDescription", true, true, Text),
    ColumnRule {
        name: "ChargeFrequency",
        required: false,
        nullable: false,
        kind: Text,
        allowed: &["One-Time", "Recurring", "Usage-Based"],
    },
    col("ChargePeriodEnd", true, false, DateTime),
    col("ChargePeriodStart", true, false, DateTime),
    one_of("CommitmentDiscountCategory", true, &["Spend", "Usage"]),
    col("CommitmentDiscountId", true, true, Text),
    col("CommitmentDiscountName", true, true, Text),
    one_of("CommitmentDiscountStatus", true, &["Used", "Unused"]),
    col("CommitmentDiscountType", true, true, Text),
    col("ConsumedQuantity", true, true, Decimal),
    col("ConsumedUnit", true, true, Text),
    col("ContractedCost", true, false, Decimal),
    col("ContractedUnitPrice", true, true, Decimal),
    col("EffectiveCost", true, false, Decimal),
    col("InvoiceIssuerName", true, false, Text),
    col("ListCost", true, false, Decimal),
    col("ListUnitPrice", true, true, Decimal),
    one_of("PricingCategory", true, &["Standard", "Dynamic", "Committed", "Other"]),
    col("PricingQuantity", true, true, Decimal),
    col("PricingUnit", true, true, Text),
    col("ProviderName", true, false, Text),
    col("PublisherName", true, false, Text),
    col("RegionId", true, true, Text),
    col("RegionName", true, true, Text),
    col("ResourceId", true, true, Text),
    col("ResourceName", true, true, Text),
    col("ResourceType", true, true, Text),
    one_of(
        "ServiceCategory",
        false,
        &[
            "AI and Machine Learning",
            "Analytics",
            "Business Applications",
            "Compute",
            "Databases",
            "Developer Tools",
            "Multicloud",
            "Identity",
            "Integration",
            "Internet of Things",
            "Management and Governance",
            "Media",
            "Migration",
            "Mobile",
            "Networking",
            "Security",
            "Storage",
            "Web",
            "Other",
        ],
    ),
    col("ServiceName", true, false, Text),
    col("SkuId", true, true, Text),
    col("SkuPriceId", true, true, Text),
    col("SubAccountId", true, true, Text),
    col("SubAccountName", true, true, Text),
    col("Tags", true, true, JsonObject),
];

/// A rule broken, where, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule, `{Column}_{Check}`.
    pub rule: String,
    /// The column.
    pub column: &'static str,
    /// What is wrong.
    pub message: String,
}

/// The FOCUS 1.0 checks for a file with these headers.
pub struct Conformance {
    /// (position in the row, rule) for each rule's column the file has.
    present: Vec<(usize, &'static ColumnRule)>,
    charge_category: Option<usize>,
    charge_class: Option<usize>,
    sku_price_id: Option<usize>,
}

/// A null in a FOCUS CSV: empty, or (leniently, as real exports write it) the text `NULL`.
fn is_null(v: &str) -> bool {
    v.is_empty() || v == "NULL"
}

impl Conformance {
    /// The checks for `headers`, and what the header itself breaks (missing mandatory columns).
    pub fn new(headers: &[&str]) -> (Conformance, Vec<Finding>) {
        let index: HashMap<&str, usize> = headers.iter().enumerate().map(|(i, h)| (*h, i)).collect();
        let mut present = Vec::new();
        let mut missing = Vec::new();
        for rule in RULES {
            match index.get(rule.name) {
                Some(&i) => present.push((i, rule)),
                None if rule.required => missing.push(Finding {
                    rule: format!("{}_Required", rule.name),
                    column: rule.name,
                    message: format!("the mandatory column {} is missing", rule.name),
                }),
                None => {}
            }
        }
        let at = |name: &str| index.get(name).copied();
        let c = Conformance {
            present,
            charge_category: at("ChargeCategory"),
            charge_class: at("ChargeClass"),
            sku_price_id: at("SkuPriceId"),
        };
        (c, missing)
    }

    /// Checks one row, calling `found` for each rule it breaks.
    pub fn check_row(&self, record: &csv::StringRecord, mut found: impl FnMut(Finding)) {
        for &(i, rule) in &self.present {
            let v = record.get(i).unwrap_or("");
            if is_null(v) {
                if !rule.nullable {
                    found(Finding {
                        rule: format!("{}_NotNull", rule.name),
                        column: rule.name,
                        message: format!("{} may not be null", rule.name),
                    });
                }
                continue;
            }
            let (check, ok) = match rule.kind {
                Text if !rule.allowed.is_empty() => ("Enum", rule.allowed.contains(&v)),
                Text => continue,
                Decimal => ("IsDecimal", is_decimal(v)),
                DateTime => ("IsDateTime", is_utc_date_time(v)),
                CurrencyCode => ("IsCurrencyCode", v.len() == 3 && v.bytes().all(|b| b.is_ascii_uppercase())),
                JsonObject => {
                    ("IsJSONObject", serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(v).is_ok())
                }
            };
            if !ok {
                let what = match check {
                    "Enum" => format!("one of {}", rule.allowed.join(", ")),
                    "IsDecimal" => "a decimal number".into(),
                    "IsDateTime" => "an ISO 8601 UTC date-time (YYYY-MM-DDTHH:MM:SSZ)".into(),
                    "IsCurrencyCode" => "an ISO 4217 currency code".into(),
                    _ => "a JSON object".into(),
                };
                found(Finding {
                    rule: format!("{}_{check}", rule.name),
                    column: rule.name,
                    message: format!("{v:?} is not {what}"),
                });
            }
        }
        // SkuPriceId is set on every usage or purchase charge that is not a correction.
        if let (Some(cat), Some(sku)) = (self.charge_category, self.sku_price_id) {
            let category = record.get(cat).unwrap_or("");
            let correction = self.charge_class.and_then(|i| record.get(i)) == Some("Correction");
            if matches!(category, "Usage" | "Purchase") && !correction && is_null(record.get(sku).unwrap_or("")) {
                found(Finding {
                    rule: "SkuPriceId_Nullable".into(),
                    column: "SkuPriceId",
                    message: format!("SkuPriceId may not be null on a {category} charge"),
                });
            }
        }
    }
}

/// A finite decimal number (FOCUS allows no `inf` or `NaN`).
fn is_decimal(v: &str) -> bool {
    v.parse::<f64>().is_ok_and(f64::is_finite)
}

/// `YYYY-MM-DDTHH:MM:SS` with optional fractional seconds, then `Z`, naming a real instant.
fn is_utc_date_time(v: &str) -> bool {
    let b = v.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        s.iter().all(u8::is_ascii_digit).then(|| s.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let fixed = b.len() >= 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[b.len() - 1] == b'Z';
    if !fixed {
        return false;
    }
    let fraction = &b[19..b.len() - 1];
    if !(fraction.is_empty()
        || (fraction.len() >= 2 && fraction[0] == b'.' && fraction[1..].iter().all(u8::is_ascii_digit)))
    {
        return false;
    }
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) =
        (num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19))
    else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d) && h < 24 && mi < 60 && s < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_are_iso_8601_utc_and_real() {
        for ok in ["2024-09-01T00:00:00Z", "2024-02-29T23:59:59Z", "2024-09-01T00:00:00.123Z"] {
            assert!(is_utc_date_time(ok), "{ok}");
        }
        for bad in [
            "2024-09-01 00:00:00",
            "2024-09-01T00:00:00",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-09-01T24:00:00Z",
            "2024-09-01T00:00:00.Z",
            "yesterday",
        ] {
            assert!(!is_utc_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn each_broken_rule_is_named() {
        let headers = ["BilledCost", "ChargeCategory", "SkuPriceId", "Tags", "BillingCurrency", "ServiceCategory"];
        let (c, missing) = Conformance::new(&headers);
        assert!(missing.iter().any(|f| f.rule == "ProviderName_Required"));
        assert!(!missing.iter().any(|f| f.rule == "ChargeFrequency_Required"), "recommended, not mandatory");
        let row = csv::StringRecord::from(vec!["1e400", "Usage", "", "[1]", "usd", "Cloud"]);
        let mut rules = Vec::new();
        c.check_row(&row, |f| rules.push(f.rule));
        rules.sort();
        assert_eq!(
            rules,
            [
                "BilledCost_IsDecimal",
                "BillingCurrency_IsCurrencyCode",
                "ServiceCategory_Enum",
                "SkuPriceId_Nullable",
                "Tags_IsJSONObject"
            ]
        );
        let good = csv::StringRecord::from(vec!["0.5", "Tax", "", "{}", "EUR", "Compute"]);
        c.check_row(&good, |f| panic!("{f:?}"));
    }
}
