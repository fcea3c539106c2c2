//! FOCUS as the FinOps Foundation's validator reads it: `focus-validator` (PyPI) finds no
//! failure in generated FOCUS 1.0, and on broken files and the real sample it reports the same
//! broken rules as `--strict`. Skips, saying why, where the validator is absent.
//!
//! Two shims, neither of which skips a rule: the validator's 1.0 rule set still names four
//! columns as the 1.0 preview did (`Provider`, `Publisher`, `InvoiceIssuer`, `ResourceID` for
//! FOCUS 1.0's `ProviderName`, `PublisherName`, `InvoiceIssuerName`, `ResourceId`) and its
//! `SkuPriceId` rule reads the preview's `ChargeType` (1.0: `ChargeCategory`), so it is given
//! a copy with those names; and it opens its currency list by a path relative to its package
//! folder, so it runs from there. Its version-specific rule names lose their `_1.0` suffix.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use usage::focus::{ReadOptions, read_csv};
use usage::generate::{GenConfig, Layout, write_csv};

const RUN: &str = r#"
import csv, os, subprocess, sys
import focus_validator
src, copy = sys.argv[1], sys.argv[2]
preview = {"ProviderName": "Provider", "PublisherName": "Publisher",
           "InvoiceIssuerName": "InvoiceIssuer", "ResourceId": "ResourceID"}
final = {v: k for k, v in preview.items()}
with open(src, newline="") as f, open(copy, "w", newline="") as g:
    r, w = csv.reader(f), csv.writer(g)
    header = next(r)
    cat = header.index("ChargeCategory") if "ChargeCategory" in header else None
    w.writerow([preview.get(h, h) for h in header] + (["ChargeType"] if cat is not None else []))
    for row in r:
        w.writerow(row + ([row[cat]] if cat is not None else []))
package = os.path.dirname(os.path.dirname(focus_validator.__file__))
out = subprocess.run([sys.executable, "-m", "focus_validator.main", "--data-file", os.path.abspath(copy),
                      "--validate-version", "1.0", "--column-namespace", "x"],
                     cwd=package, capture_output=True, text=True)
print(out.stdout + out.stderr, file=sys.stderr)
for line in out.stdout.splitlines():
    if line.endswith(" failed:"):
        # The validator's version-specific enum rules carry the version: PricingCategory_Enum_1.0.
        rule = line[: -len(" failed:")].removesuffix("_1.0")
        column, _, check = rule.partition("_")
        print(final.get(column, column) + "_" + check)
"#;

fn validator_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import focus_validator.main"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        crate::skip(
            "the focus-validator Python package is not installed (python3 -m pip install focus-validator 'multimethod<1.11')",
        );
    }
    ok
}

/// The rules the validator reports broken in `path`.
fn validator_failures(path: &Path) -> BTreeSet<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("run.py");
    std::fs::write(&script, RUN).expect("write");
    let out =
        Command::new("python3").arg(&script).arg(path).arg(dir.path().join("copy.csv")).output().expect("python3");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(!log.contains("Traceback"), "the validator crashed: {log}");
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

/// The rules `--strict` reports broken in `path` (the validator's kind of finding only).
fn strict_failures(path: &Path) -> BTreeSet<String> {
    let report = read_csv(path, ReadOptions { strict: true }, |_| {}).expect("strict read");
    report.nonconformance_counts.keys().filter(|k| !k.contains(' ')).cloned().collect()
}

fn generated(dir: &Path) -> std::path::PathBuf {
    let cfg = GenConfig {
        rows: 3_000,
        accounts: (1..=40).map(|i| format!("demo-acct-{i:05}")).collect(),
        face_accounts: vec!["demo-acct-00001".into(), "demo-acct-00007".into()],
        start_month: (2026, 7),
        months: 3,
        seed: 7,
    };
    let mut out = Vec::new();
    write_csv(&mut out, &cfg, Layout::Focus).expect("generate");
    let p = dir.join("generated.csv");
    std::fs::write(&p, out).expect("write");
    p
}

#[test]
fn generated_focus_passes_the_finops_validator_and_strict_mode() {
    if !validator_available() {
        return;
    }
    let d = tempfile::tempdir().expect("tempdir");
    let p = generated(d.path());
    assert_eq!(validator_failures(&p), BTreeSet::new());
    let report = read_csv(&p, ReadOptions { strict: true }, |_| {}).expect("strict read");
    assert!(report.nonconformance.is_empty(), "{:?}", report.nonconformance);
}

#[test]
fn on_broken_files_strict_mode_reports_what_the_validator_reports() {
    if !validator_available() {
        return;
    }
    let d = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(generated(d.path())).expect("read");
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| csv::ReaderBuilder::new().has_headers(false).from_reader(l.as_bytes()))
        .map(|mut r| r.records().next().expect("row").expect("csv").iter().map(str::to_string).collect())
        .collect();
    let header = rows[0].clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let breaks = [
        (col("BillingAccountId"), 3, ""),
        (col("ListCost"), 5, "twelve"),
        (col("ServiceCategory"), 8, "Cloud"),
        (col("BillingCurrency"), 9, "dollars"),
        (col("Tags"), 10, "[1, 2]"),
        (col("ChargePeriodEnd"), 11, "2026-02-30T00:00:00Z"),
        (col("PricingCategory"), 12, "Cheap"),
        (col("SkuPriceId"), 13, ""),
        (col("ProviderName"), 14, ""),
    ];
    for (c, row, value) in breaks {
        rows[row][c] = value.to_string();
    }
    // And a mandatory column dropped.
    let unit = col("PricingUnit");
    for r in &mut rows {
        r.remove(unit);
    }
    let broken = d.path().join("broken.csv");
    let mut w = csv::Writer::from_path(&broken).expect("create");
    for r in &rows {
        w.write_record(r).expect("write");
    }
    w.flush().expect("flush");
    let ours = strict_failures(&broken);
    assert_eq!(
        ours.iter().map(String::as_str).collect::<Vec<_>>(),
        [
            "BillingAccountId_NotNull",
            "BillingCurrency_IsCurrencyCode",
            "ChargePeriodEnd_IsDateTime",
            "ListCost_IsDecimal",
            "PricingCategory_Enum",
            "PricingUnit_Required",
            "ProviderName_NotNull",
            "ServiceCategory_Enum",
            "SkuPriceId_Nullable",
            "Tags_IsJSONObject",
        ]
    );
    assert_eq!(validator_failures(&broken), ours);
}

#[test]
fn on_the_real_sample_strict_mode_reports_what_the_validator_reports() {
    if !validator_available() {
        return;
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/focus/focus-1.0-sample.csv");
    if !p.exists() {
        return crate::skip(&format!("{} is absent", p.display()));
    }
    let theirs = validator_failures(&p);
    let ours = strict_failures(&p);
    assert!(theirs.contains("ChargeFrequency_Enum") && theirs.contains("ChargePeriodStart_IsDateTime"), "{theirs:?}");
    assert_eq!(ours, theirs);
}
