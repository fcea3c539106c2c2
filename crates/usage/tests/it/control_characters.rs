//! Finding F7 of the outside attack: billing text that reaches the stored aggregate (and from
//! there published records, pages and `data/usage.csv`) may hold no control character. A
//! billing file — CSV, gzip CSV or Parquet, FOCUS or CUR 2.0 — or an aggregate computed
//! elsewhere with one in any text the fold reads is refused, naming file, row and column, and
//! the store is left as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

use usage::aggregate::AGGREGATE_COLUMNS;
use usage::focus::ReadOptions;
use usage::generate::{GenConfig, Layout, write_csv};
use usage::parquet::write::{Data, Field, Kind, Writer};
use usage::store::UsageStore;
use usage::taxonomy::Taxonomy;

/// What the attack sent, and more of each kind the rule refuses.
const BAD: [&str; 9] = [
    "Images\u{1}",
    "Images\u{7f}",
    "Images\u{85}",
    "Images\u{fffe}",
    "\u{1b}[31mImages",
    "Images\r",
    "Images\n",
    "Images\t",
    "AWS Lambda\u{1}",
];

fn cfg() -> GenConfig {
    GenConfig {
        rows: 500,
        accounts: (1..=20).map(|i| format!("demo-acct-{i:05}")).collect(),
        face_accounts: vec!["demo-acct-00001".into()],
        start_month: (2026, 6),
        months: 2,
        seed: 11,
    }
}

/// A store holding one good file, and its rows.
fn store_with_a_good_file(dir: &Path) -> (UsageStore, Vec<(usage::fold::Key, usage::fold::Sums)>) {
    let good = dir.join("good.csv");
    write_csv(&mut std::fs::File::create(&good).expect("create"), &cfg(), Layout::Focus).expect("csv");
    let mut store = UsageStore::in_memory().expect("store");
    store.ingest(&Taxonomy::builtin().expect("taxonomy"), &good, ReadOptions::default()).expect("ingest good");
    let rows = store.rows().expect("rows");
    assert!(!rows.is_empty());
    (store, rows)
}

/// A generated file in `layout` with `column` of data row `row` (1-based) set to `value`,
/// gzip-compressed when `name` ends in `.gz`.
fn csv_with(dir: &Path, name: &str, layout: Layout, column: &str, row: usize, value: &str) -> PathBuf {
    let mut generated = Vec::new();
    write_csv(&mut generated, &cfg(), layout).expect("csv");
    let mut rdr = csv::Reader::from_reader(generated.as_slice());
    let headers = rdr.headers().expect("headers").clone();
    let i = headers.iter().position(|h| h == column).unwrap_or_else(|| panic!("no column {column}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&headers).expect("header");
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.expect("record");
        let fields: Vec<&str> =
            rec.iter().enumerate().map(|(j, v)| if n + 1 == row && j == i { value } else { v }).collect();
        out.write_record(&fields).expect("record");
    }
    let text = out.into_inner().expect("csv");
    let path = dir.join(name);
    if name.ends_with(".gz") {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&text).expect("gzip");
        std::fs::write(&path, e.finish().expect("gzip")).expect("write");
    } else {
        std::fs::write(&path, text).expect("write");
    }
    path
}

/// Ingesting `path` fails naming it, `row` and `column`, and the store keeps `before`.
fn check_refused(
    store: &mut UsageStore,
    before: &[(usage::fold::Key, usage::fold::Sums)],
    path: &Path,
    row: u64,
    column: &str,
    value: &str,
) {
    let t = Taxonomy::builtin().expect("taxonomy");
    let name = path.file_name().and_then(|n| n.to_str()).expect("name");
    let e = match store.ingest(&t, path, ReadOptions::default()) {
        Ok(r) => panic!("{name}: {column} = {value:?} was accepted: {r}"),
        Err(e) => e.to_string(),
    };
    let bad = value.chars().find(|c| !input::allowed(*c, input::Lines::One)).expect("a refused character");
    assert!(
        e.contains(name)
            && e.contains(&format!("row {row}, column {column}:"))
            && e.contains(&format!("U+{:04X}", bad as u32)),
        "{column} = {value:?}: {e}"
    );
    assert_eq!(store.rows().expect("rows"), before, "the store is unchanged after {name}");
}

#[test]
fn regression_csv_text_with_control_characters_is_refused_naming_row_and_column() {
    let d = tempfile::tempdir().expect("tempdir");
    let (mut store, before) = store_with_a_good_file(d.path());
    let mut n = 0;
    let mut case = |layout: Layout, column: &str, value: &str, gz: bool| {
        n += 1;
        let name = format!("bad-{n}.csv{}", if gz { ".gz" } else { "" });
        // Row 37 is where the bad text first appears.
        let path = csv_with(d.path(), &name, layout, column, 37, value);
        check_refused(&mut store, &before, &path, 37, column, value);
    };
    for value in BAD {
        case(Layout::Focus, "ConsumedUnit", value, false);
    }
    case(Layout::Focus, "ServiceName", "AWS Lambda\u{1}", true);
    for column in ["SubAccountId", "ProviderName", "RegionId", "x_UsageType", "x_Operation", "BillingAccountId"] {
        case(Layout::Focus, column, "x\u{1}", false);
    }
    for column in [
        "line_item_usage_account_id",
        "line_item_product_code",
        "line_item_usage_type",
        "line_item_operation",
        "product_region_code",
        "pricing_unit",
        "bill_payer_account_id",
    ] {
        case(Layout::Cur, column, "x\u{9b}", true);
    }
}

/// A FOCUS Parquet file of two row groups of 50 rows written by the crate's writer (dictionary
/// text), with `column`'s text in row `bad_row` of the second row group set to `value`; the
/// first row group's `column` dictionary also holds `unused`, which no row refers to.
fn parquet_with(dir: &Path, name: &str, column: &str, bad_row: usize, value: &str, unused: &str) -> PathBuf {
    let text = ["SubAccountId", "ProviderName", "ServiceName", "x_UsageType", "RegionId", "ConsumedUnit"];
    let mut fields: Vec<Field> = text.iter().map(|n| Field { name: n.to_string(), kind: Kind::Text }).collect();
    fields.push(Field { name: "ConsumedQuantity".into(), kind: Kind::Double });
    fields.push(Field { name: "BilledCost".into(), kind: Kind::Decimal { scale: 6 } });
    fields.push(Field { name: "ChargePeriodStart".into(), kind: Kind::TimestampMicros });
    let good = ["demo-acct-00001", "AWS", "Amazon Rekognition", "USE1-ImagesProcessed", "us-east-1", "Images"];
    let path = dir.join(name);
    let mut w = Writer::new(std::fs::File::create(&path).expect("create"), fields, 20, "candor test").expect("writer");
    let (quantity, cost) = (vec![1.0; 50], vec![0.001; 50]);
    let (days, day_ids) = ([1_782_864_000_000_000i64], [0u32; 50]); // 2026-07-01T00:00:00Z
    for rg in 0..2 {
        let dicts: Vec<Vec<String>> = text
            .iter()
            .zip(good)
            .map(|(n, g)| {
                let mut dict = vec![g.to_string()];
                if *n == column {
                    dict.push(if rg == 0 { unused.to_string() } else { value.to_string() });
                }
                dict
            })
            .collect();
        let ids: Vec<Vec<u32>> = text
            .iter()
            .map(|n| (0..50).map(|r| u32::from(rg == 1 && *n == column && r == bad_row)).collect())
            .collect();
        let mut data: Vec<Data> = dicts.iter().zip(&ids).map(|(dict, ids)| Data::Text { dict, ids }).collect();
        data.push(Data::Double(&quantity));
        data.push(Data::Double(&cost));
        data.push(Data::Time { dict: &days, ids: &day_ids });
        w.write_row_group(&data).expect("row group");
    }
    w.finish().expect("finish");
    path
}

#[test]
fn regression_parquet_text_with_control_characters_is_refused_naming_row_and_column() {
    let d = tempfile::tempdir().expect("tempdir");
    let (mut store, before) = store_with_a_good_file(d.path());
    let t = Taxonomy::builtin().expect("taxonomy");
    // A dictionary entry no row refers to reaches nothing: the file is read (and names no row
    // that does not hold it).
    let clean = parquet_with(d.path(), "unused.parquet", "ConsumedUnit", 13, "Images", "Images\u{1}");
    let read = usage::aggregate::aggregate_file(&t, &clean, ReadOptions::default(), &mut |_, _| {}).expect("read");
    assert_eq!(read.read.rows, 100);
    for (n, value) in BAD.iter().enumerate() {
        // Row 13 of the second row group is the file's row 64.
        let path = parquet_with(d.path(), &format!("bad-{n}.parquet"), "ConsumedUnit", 13, value, "Images");
        check_refused(&mut store, &before, &path, 64, "ConsumedUnit", value);
    }
    for column in ["SubAccountId", "ProviderName", "ServiceName", "x_UsageType", "RegionId"] {
        let path = parquet_with(d.path(), &format!("bad-{column}.parquet"), column, 0, "x\u{1}", "x");
        check_refused(&mut store, &before, &path, 51, column, "x\u{1}");
    }
}

/// `candor usage ingest-aggregate`: CSV and Parquet.
#[test]
fn regression_an_aggregate_with_control_characters_is_refused_naming_row_and_column() {
    let d = tempfile::tempdir().expect("tempdir");
    let (mut store, before) = store_with_a_good_file(d.path());
    let good = [
        "demo-acct-00001",
        "2026-07",
        "Amazon Rekognition",
        "face_identification",
        "commercial",
        "Images",
        "10",
        "0.01",
        "10",
        "2026-07-01",
        "2026-07-09",
    ];
    // Every text column (the numbers are read as numbers).
    for i in [0, 1, 2, 3, 4, 5, 9, 10] {
        let column = AGGREGATE_COLUMNS[i];
        for value in ["x\u{1}", "x\u{85}", "x\r", "\u{1b}[0m"] {
            let mut out = csv::Writer::from_writer(Vec::new());
            out.write_record(AGGREGATE_COLUMNS).expect("header");
            for row in 1..=3 {
                let mut rec = good;
                if row == 2 {
                    rec[i] = value;
                }
                out.write_record(rec).expect("row");
            }
            let csv = d.path().join(format!("aggregate-{column}.csv"));
            std::fs::write(&csv, out.into_inner().expect("csv")).expect("write");
            // The same aggregate as Parquet (text columns as text, numbers as doubles).
            let parquet = d.path().join(format!("aggregate-{column}.parquet"));
            let text = |j: usize| !(6..=8).contains(&j);
            let fields = AGGREGATE_COLUMNS
                .iter()
                .enumerate()
                .map(|(j, n)| Field { name: n.to_string(), kind: if text(j) { Kind::Text } else { Kind::Double } })
                .collect();
            let mut w = Writer::new(std::fs::File::create(&parquet).expect("create"), fields, 10, "t").expect("writer");
            let dicts: Vec<Vec<String>> =
                (0..11).map(|j| vec![good[j].to_string(), if j == i { value } else { good[j] }.to_string()]).collect();
            let ids: Vec<u32> = vec![0, 1, 0];
            let numbers: Vec<Vec<f64>> = (0..11).map(|j| vec![good[j].parse().unwrap_or(0.0); 3]).collect();
            let data: Vec<Data> = (0..11)
                .map(|j| if text(j) { Data::Text { dict: &dicts[j], ids: &ids } } else { Data::Double(&numbers[j]) })
                .collect();
            w.write_row_group(&data).expect("row group");
            w.finish().expect("finish");
            for path in [csv, parquet] {
                let name = path.file_name().and_then(|n| n.to_str()).expect("name").to_string();
                let e = store.ingest_aggregate(&path).expect_err("refused").to_string();
                let bad = value.chars().find(|c| !input::allowed(*c, input::Lines::One)).expect("refused");
                assert!(
                    e.contains(&name)
                        && e.contains(&format!("row 2, column {column}:"))
                        && e.contains(&format!("U+{:04X}", bad as u32)),
                    "{name}: {column} = {value:?}: {e}"
                );
                assert_eq!(store.rows().expect("rows"), before);
            }
        }
    }
}
