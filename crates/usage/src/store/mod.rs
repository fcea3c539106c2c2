//! The usage store: aggregate rows and the files they came from, in a SQLite file or a
//! PostgreSQL database ([`sqlite`] and [`postgres`] behind the private [`Backend`] trait; this
//! module decides what is stored, they store it).
//!
//! A file's SHA-256 is checked first (a file ingested before, and still in force, adds
//! nothing); the file is folded in memory ([`crate::aggregate`]); only then is the aggregate
//! stored, in one transaction, so a bad row leaves the store as it was.
//!
//! Re-exports replace, as cost tools treat FOCUS and CUR exports: a provider re-delivers a
//! billing period's file whenever charges change, with other quoting, a byte-order mark or
//! compression. So rows are kept per billing account and billing period (a "slice"), and a
//! file's lines for a slice replace whatever an earlier file stored for it; adding them would
//! count the period twice. Lines with no billing account (a non-conformant export, or an
//! aggregate computed elsewhere) cannot be attributed to a slice and are only added.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::aggregate::{Error, aggregate_file, read_aggregate};
use crate::focus::{ReadOptions, ReadReport};
use crate::fold::{Key, Sums, UNMAPPED};
use crate::taxonomy::Taxonomy;

mod merge;
mod packed;
mod postgres;
mod sqlite;

/// A file about to be ingested: new (with its hash and name), or seen before.
enum Identified {
    New { sha: String, file: String },
    Seen(IngestReport),
}

/// The largest magnitude a group's quantity or cost may have in one stored file. No bill comes
/// near it; below it, one group summed over fewer than 10^8 files stays finite, so the store
/// never holds sums that overflow when the report adds them (a store that keeps each file's
/// groups apart cannot check the sum at ingest without reading every other file).
pub const MAX_MAGNITUDE: f64 = 1e300;

/// The first sum beyond [`MAX_MAGNITUDE`] among `groups` (account, month, service, quantity,
/// cost), as the error naming it.
fn too_large<'a>(
    path: &Path,
    groups: impl Iterator<Item = (&'a str, &'a str, &'a str, f64, f64)>,
) -> Result<(), Error> {
    for (account, month, service, quantity, cost) in groups {
        // NaN is not within either.
        let within = |x: f64| x.abs() <= MAX_MAGNITUDE;
        let column = if !within(quantity) {
            "quantity"
        } else if !within(cost) {
            "cost"
        } else {
            continue;
        };
        let what =
            crate::focus::Overflowed { account: account.into(), month: month.into(), service: service.into(), column };
        return Err(Error::TooLarge { path: path.display().to_string(), what });
    }
    Ok(())
}

/// What an ingest is doing, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading and folding the file (counted in bytes).
    Reading,
    /// Writing the groups to the store (counted in groups).
    Writing,
}

/// The usage store: aggregate rows and the files they came from.
pub struct UsageStore {
    backend: Box<dyn Backend>,
}

/// One aggregate row to store: key (account, month, service, capability, region class, unit),
/// slice (billing account, billing period), sums.
pub(crate) type Row<'a> = ([&'a str; 6], (&'a str, &'a str), RowSums<'a>);

/// A row's sums as a backend stores them, its days borrowed (formatted once per day, not per
/// group: millions of groups share a few hundred days).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowSums<'a> {
    pub(crate) quantity: f64,
    pub(crate) cost: f64,
    pub(crate) lines: u64,
    pub(crate) first: &'a str,
    pub(crate) last: &'a str,
}

impl<'a> RowSums<'a> {
    fn of(s: &'a Sums) -> RowSums<'a> {
        RowSums { quantity: s.quantity, cost: s.cost, lines: s.lines, first: &s.first, last: &s.last }
    }
}

/// What a backend does; [`UsageStore`] decides what.
pub(crate) trait Backend: Send {
    /// True when the file with this SHA-256 was ingested and is still wholly in force.
    fn in_force(&self, sha: &str) -> Result<bool, Error>;
    /// Stores a file's rows as [`UsageStore`]'s `store` describes, in one transaction under
    /// the store's writer lock; `None` when another writer stored the same file meanwhile.
    fn store(
        &mut self,
        rows: &mut dyn Iterator<Item = Row<'_>>,
        slices: &std::collections::BTreeSet<(&str, &str)>,
        sha: &str,
        file: &str,
        lines: u64,
    ) -> Result<Option<Vec<Replacement>>, Error>;
    /// Every stored row of a month `month` accepts, one per key and slice, ordered bytewise by
    /// key, then billing account and period (the order [`UsageStore::rows`] adds them in),
    /// passed to `each`.
    fn for_each_slice_row(&self, month: &dyn Fn(&str) -> bool, each: &mut dyn FnMut(Key, Sums)) -> Result<(), Error>;
    /// How many times a file changed the store (one more in each such file's transaction).
    fn generation(&self) -> Result<u64, Error>;
}

/// A billing account's billing period that a file replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replacement {
    /// The billing account.
    pub billing_account: String,
    /// The billing period (`YYYY-MM`).
    pub billing_period: String,
    /// The earlier files whose lines for it were replaced.
    pub files: Vec<String>,
    /// Billing lines those files had stored for it.
    pub lines: u64,
}

/// What ingesting a file did.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    /// File.
    pub file: String,
    /// The same file (by SHA-256) was ingested before and is still in force; nothing changed.
    pub already_ingested: bool,
    /// Billing periods of billing accounts this file's lines replaced.
    pub replaced: Vec<Replacement>,
    /// Reading.
    pub read: ReadReport,
    /// Aggregate rows added or grown.
    pub rows: usize,
    /// Unmapped lines by service.
    pub unmapped: BTreeMap<String, u64>,
}

impl std::fmt::Display for IngestReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.already_ingested {
            return writeln!(f, "{}: ingested before (same SHA-256); nothing added", self.file);
        }
        let unmapped: u64 = self.unmapped.values().sum();
        writeln!(
            f,
            "{}: {} lines into {} aggregate rows; {unmapped} unmapped line(s)",
            self.file, self.read.rows, self.rows
        )?;
        for r in &self.replaced {
            writeln!(
                f,
                "  replaces billing account {} period {}: {} line(s) from {}",
                r.billing_account,
                r.billing_period,
                r.lines,
                r.files.join(", ")
            )?;
        }
        Ok(())
    }
}

impl UsageStore {
    /// Opens (creating) the usage database at `place`: a `postgres://` URL, or a SQLite file.
    pub fn open(place: &Path) -> Result<UsageStore, Error> {
        pg::opens::note("usage");
        let backend: Box<dyn Backend> = match place.to_str() {
            Some(url) if pg::is_url(url) => Box::new(postgres::PgBackend::connect(url)?),
            _ => Box::new(sqlite::SqliteBackend::open(place)?),
        };
        Ok(UsageStore { backend })
    }

    /// An in-memory store (tests).
    pub fn in_memory() -> Result<UsageStore, Error> {
        Ok(UsageStore { backend: Box::new(sqlite::SqliteBackend::in_memory()?) })
    }

    /// Moves the usage database in the SQLite file `from` into the PostgreSQL database `to`.
    pub fn move_to_postgres(
        from: &Path,
        to: &str,
        progress: &mut dyn FnMut(&str, u64),
    ) -> Result<Vec<pg::moving::Moved>, Error> {
        let mut source = sqlite::SqliteBackend::open(from)?;
        // PostgreSQL keeps one row per group (filled by COPY): chunks are unpacked into rows first.
        sqlite::unpack_chunks(source.connection_mut())?;
        let target = postgres::PgBackend::connect(to)?;
        Ok(pg::moving::from_sqlite(source.connection(), target.database(), sqlite::TABLES, progress)?)
    }

    /// Ingests one FOCUS or CUR file (CSV, gzip CSV or Parquet): all of it, or (on any error)
    /// nothing.
    pub fn ingest(&mut self, taxonomy: &Taxonomy, path: &Path, opts: ReadOptions) -> Result<IngestReport, Error> {
        self.ingest_with_progress(taxonomy, path, opts, &mut |_, _, _| {})
    }

    /// Like [`UsageStore::ingest`], calling `progress(phase, done, total)` as it goes: bytes
    /// of the file while reading, groups while writing to the store.
    pub fn ingest_with_progress(
        &mut self,
        taxonomy: &Taxonomy,
        path: &Path,
        opts: ReadOptions,
        progress: &mut dyn FnMut(Phase, u64, u64),
    ) -> Result<IngestReport, Error> {
        let (sha, file) = match self.identify(path)? {
            Identified::New { sha, file } => (sha, file),
            Identified::Seen(report) => return Ok(report),
        };
        let agg = aggregate_file(taxonomy, path, opts, &mut |done, total| progress(Phase::Reading, done, total))?;
        too_large(path, agg.groups.iter().map(|g| (g.account, g.month, g.service, g.sums.quantity, g.sums.cost)))?;
        let total = agg.groups.len() as u64;
        let slices: std::collections::BTreeSet<(&str, &str)> =
            agg.groups.iter().map(|g| (g.billing_account, g.billing_period)).collect();
        let mut days: rustc_hash::FxHashMap<i32, String> = rustc_hash::FxHashMap::default();
        for g in agg.groups.iter() {
            for day in [g.sums.first, g.sums.last] {
                days.entry(day).or_insert_with(|| crate::fold::day_text(day));
            }
        }
        let mut rows = agg.groups.iter().enumerate().map(|(i, g)| {
            if i % 65_536 == 0 {
                progress(Phase::Writing, i as u64, total);
            }
            let key = [g.account, g.month, g.service, g.capability, g.region_class, g.unit];
            let day = |d: i32| days.get(&d).map_or("", String::as_str);
            let s = &g.sums;
            let sums =
                RowSums { quantity: s.quantity, cost: s.cost, lines: s.lines, first: day(s.first), last: day(s.last) };
            (key, (g.billing_account, g.billing_period), sums)
        });
        let Some(replaced) = self.backend.store(&mut rows, &slices, &sha, &file, agg.read.rows)? else {
            return Ok(IngestReport::seen(file));
        };
        progress(Phase::Writing, total, total);
        Ok(IngestReport {
            file,
            already_ingested: false,
            replaced,
            rows: agg.groups.len(),
            read: agg.read,
            unmapped: agg.unmapped,
        })
    }

    /// Hashes a file and tells whether it was ingested before and is still wholly in force
    /// (then with the report to return). A file some of whose slices a later file replaced is
    /// not: ingesting it again replaces them back.
    fn identify(&self, path: &Path) -> Result<Identified, Error> {
        let sha = sha256_file(path)?;
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(if self.backend.in_force(&sha)? {
            Identified::Seen(IngestReport::seen(file))
        } else {
            Identified::New { sha, file }
        })
    }

    /// Ingests an aggregate computed elsewhere (the result of `candor usage sql` run on another
    /// engine, as CSV with header `account, month, service, capability, region_class, unit,
    /// quantity, cost, lines, first, last`, or as Parquet with those columns): all of it or
    /// nothing, and only once.
    pub fn ingest_aggregate(&mut self, path: &Path) -> Result<IngestReport, Error> {
        let (sha, file) = match self.identify(path)? {
            Identified::New { sha, file } => (sha, file),
            Identified::Seen(report) => return Ok(report),
        };
        let rows = read_aggregate(path)?;
        let mut agg: BTreeMap<Key, Sums> = BTreeMap::new();
        let mut unmapped: BTreeMap<String, u64> = BTreeMap::new();
        let read = ReadReport { rows: rows.len() as u64, ..ReadReport::default() };
        for (key, sums) in rows {
            if key.capability == UNMAPPED {
                *unmapped.entry(key.service.clone()).or_insert(0) += sums.lines;
            }
            agg.entry(key).or_default().add(&sums);
        }
        too_large(path, agg.iter().map(|(k, v)| (&*k.account, &*k.month, &*k.service, v.quantity, v.cost)))?;
        // An aggregate names no billing account or period: it is only added, never replaces.
        let mut rows = agg.iter().map(|(k, v)| {
            ([&*k.account, &k.month, &k.service, &k.capability, &k.region_class, &k.unit], ("", ""), RowSums::of(v))
        });
        let Some(replaced) = self.backend.store(&mut rows, &Default::default(), &sha, &file, read.rows)? else {
            return Ok(IngestReport::seen(file));
        };
        Ok(IngestReport { file, already_ingested: false, replaced, rows: agg.len(), read, unmapped })
    }

    /// A number that grows whenever a file changes what the store holds (never otherwise): a
    /// reader that derived something from the rows can tell, cheaply, whether to derive it
    /// again (the review queue does, before it lets one reviewer confirm a link).
    pub fn generation(&self) -> Result<u64, Error> {
        self.backend.generation()
    }

    /// Every stored aggregate row, billing accounts and periods added up.
    /// The sums are added here, in one fixed order, not by the database: SQLite and
    /// PostgreSQL add floating-point numbers in their own orders, and a report must not change
    /// in its last digit when the store moves.
    pub fn rows(&self) -> Result<Vec<(Key, Sums)>, Error> {
        let mut out: Vec<(Key, Sums)> = Vec::new();
        self.for_each_row(&mut |key, sums| out.push((key, sums)))?;
        Ok(out)
    }

    /// [`UsageStore::rows`] one at a time, in the same order and with the same sums, without
    /// holding them all: a SQLite store merges its files' chunks as it reads them.
    pub fn for_each_row(&self, each: &mut dyn FnMut(Key, Sums)) -> Result<(), Error> {
        self.for_each_row_in(&|_| true, each)
    }

    /// [`UsageStore::for_each_row`] for the months `month` accepts (`YYYY-MM`): a step about
    /// one period reads its rows without making rows of the others (a period of eight quarters
    /// of rows made in an eighth of the time).
    pub fn for_each_row_in(&self, month: &dyn Fn(&str) -> bool, each: &mut dyn FnMut(Key, Sums)) -> Result<(), Error> {
        let mut pending: Option<(Key, Sums)> = None;
        self.backend.for_each_slice_row(month, &mut |key, sums| match &mut pending {
            Some((k, s)) if *k == key => s.add(&sums),
            _ => {
                if let Some((k, s)) = pending.replace((key, sums)) {
                    each(k, s);
                }
            }
        })?;
        if let Some((k, s)) = pending {
            each(k, s);
        }
        Ok(())
    }
}

impl IngestReport {
    /// The report of a file found already ingested (nothing changed).
    fn seen(file: String) -> IngestReport {
        IngestReport {
            file,
            already_ingested: true,
            replaced: Vec::new(),
            read: ReadReport::default(),
            rows: 0,
            unmapped: BTreeMap::new(),
        }
    }
}

fn sha256_file(path: &Path) -> Result<String, Error> {
    let io = |source| Error::Io { path: path.display().to_string(), source };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::report;
    use crate::fold::Granularity;

    std::thread_local! {
        /// The PostgreSQL server this test thread's stores live on (none: in-memory SQLite).
        static ON_POSTGRES: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    }

    /// A new, empty store on this test's backend.
    fn fresh() -> UsageStore {
        match ON_POSTGRES.with(|p| p.borrow().clone()) {
            None => UsageStore::in_memory().expect("store"),
            Some(admin) => {
                let url = pg::scratch::create(&admin).expect("scratch database");
                UsageStore::open(Path::new(&url)).expect("postgres store")
            }
        }
    }

    /// Makes each named test run twice: on SQLite, and on PostgreSQL (the server
    /// `CANDOR_TEST_POSTGRES` names; skipped without one, failing under `CI=true`).
    macro_rules! on_both {
        ($($name:ident),* $(,)?) => {
            mod on_sqlite {
                $(#[test] fn $name() { super::$name() })*
            }
            mod on_postgres {
                $(#[test] fn $name() {
                    match std::env::var("CANDOR_TEST_POSTGRES") {
                        Ok(url) if !url.is_empty() => {
                            super::ON_POSTGRES.with(|p| *p.borrow_mut() = Some(url));
                            super::$name()
                        }
                        _ => {
                            assert!(std::env::var("CI").as_deref() != Ok("true"), "CANDOR_TEST_POSTGRES must be set under CI=true");
                            eprintln!("SKIPPED: CANDOR_TEST_POSTGRES is not set (run the tests under .ci/with-postgres)");
                        }
                    }
                })*
            }
        };
    }

    on_both!(
        ingest_aggregates_once_and_reports_by_owner_and_quarter,
        a_second_file_adds_to_the_groups_it_shares_with_the_first,
        a_re_export_replaces_its_billing_periods_and_a_true_duplicate_changes_nothing,
        sums_that_could_overflow_across_files_are_refused_naming_the_group,
        a_bad_row_leaves_the_store_unchanged,
        a_file_ingested_again_after_a_partial_replacement_does_not_add_its_unattributed_lines_twice,
    );

    const FILE: &str = "ProviderName,SubAccountId,ServiceName,x_UsageType,x_Operation,RegionId,ConsumedQuantity,ConsumedUnit,BilledCost,ChargePeriodStart\n\
        AWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,1000,Images,1.00,2026-07-01T00:00:00Z\n\
        AWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFaces,us-east-1,500,Images,0.50,2026-08-15T00:00:00Z\n\
        AWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,CompareFaces,us-east-1,7,Images,0.01,2026-08-16T00:00:00Z\n\
        AWS,222,Amazon Managed Blockchain,Member-Hours,,us-gov-west-1,3,Hours,0.00,2026-09-30T00:00:00Z\n";

    fn ingest_aggregates_once_and_reports_by_owner_and_quarter() {
        let d = tempfile::tempdir().expect("tempdir");
        let path = d.path().join("focus.csv");
        std::fs::write(&path, FILE).expect("write");
        let t = Taxonomy::builtin().expect("taxonomy");
        let mut s = fresh();
        let r = s.ingest(&t, &path, ReadOptions::default()).expect("ingest");
        assert_eq!(r.read.rows, 4);
        assert_eq!(r.unmapped.get("Amazon Managed Blockchain"), Some(&1));
        assert!(s.ingest(&t, &path, ReadOptions::default()).expect("again").already_ingested);
        let rows = s.rows().expect("rows");
        let report =
            report(
                &rows,
                Granularity::Quarter,
                |a| if a == "111" { "Example Org".into() } else { format!("account {a}") },
            );
        let ident = &report[&(
            "Example Org".to_string(),
            "2026-Q3".to_string(),
            "Amazon Rekognition".to_string(),
            "face_identification".to_string(),
            "commercial".to_string(),
            "Images".to_string(),
        )];
        assert_eq!((ident.quantity, ident.lines), (1500.0, 2));
        assert_eq!((ident.first.as_str(), ident.last.as_str()), ("2026-07-01", "2026-08-15"));
        assert!(report.keys().any(|k| k.3 == "face_verification"));
        assert!(report.keys().any(|k| k.0 == "account 222" && k.3 == UNMAPPED && k.4 == "government"));
    }

    fn a_second_file_adds_to_the_groups_it_shares_with_the_first() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = Taxonomy::builtin().expect("taxonomy");
        let mut s = fresh();
        let first = d.path().join("first.csv");
        std::fs::write(&first, FILE).expect("write");
        s.ingest(&t, &first, ReadOptions::default()).expect("first");
        // The same July group a day earlier, and a new month.
        let second = d.path().join("second.csv");
        let header = FILE.lines().next().expect("header");
        std::fs::write(
            &second,
            format!(
                "{header}\nAWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,250,Images,0.25,2026-06-30T23:00:00Z\n\
                 AWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,250,Images,0.25,2026-07-20T00:00:00Z\n\
                 AWS,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,1,Images,0.01,2026-10-02T00:00:00Z\n"
            ),
        )
        .expect("write");
        let r = s.ingest(&t, &second, ReadOptions::default()).expect("second");
        assert_eq!(r.rows, 3);
        let rows = s.rows().expect("rows");
        let july: Vec<&Sums> = rows
            .iter()
            .filter(|(k, _)| k.account == "111" && k.month == "2026-07" && k.capability == "face_identification")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(july.len(), 1);
        assert_eq!((july[0].quantity, july[0].lines), (1250.0, 2));
        assert_eq!((july[0].first.as_str(), july[0].last.as_str()), ("2026-07-01", "2026-07-20"));
        assert!(rows.iter().any(|(k, v)| k.month == "2026-06" && v.first == "2026-06-30"));
        assert!(rows.iter().any(|(k, v)| k.month == "2026-10" && v.lines == 1));
        assert_eq!(rows.len(), 6);
    }

    /// Billing account P's July and August, with a late July charge billed in August.
    const EXPORT: &str = "ProviderName,BillingAccountId,SubAccountId,ServiceName,x_UsageType,x_Operation,RegionId,ConsumedQuantity,ConsumedUnit,BilledCost,ChargePeriodStart,BillingPeriodStart\n\
        AWS,P,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,1000,Images,1.00,2026-07-01T00:00:00Z,2026-07-01T00:00:00Z\n\
        AWS,P,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,10,Images,0.01,2026-07-30T00:00:00Z,2026-08-01T00:00:00Z\n\
        AWS,P,111,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,500,Images,0.50,2026-08-15T00:00:00Z,2026-08-01T00:00:00Z\n\
        AWS,P,222,Amazon EC2,BoxUsage:m5.large,RunInstances,us-east-1,24,Hrs,2.30,2026-08-02T00:00:00Z,2026-08-01T00:00:00Z\n";

    fn a_re_export_replaces_its_billing_periods_and_a_true_duplicate_changes_nothing() {
        use std::io::Write as _;
        let d = tempfile::tempdir().expect("tempdir");
        let t = Taxonomy::builtin().expect("taxonomy");
        let mut s = fresh();
        let write = |name: &str, bytes: &[u8]| {
            let p = d.path().join(name);
            std::fs::write(&p, bytes).expect("write");
            p
        };
        let slices = |r: &IngestReport| -> Vec<(String, String, Vec<String>, u64)> {
            r.replaced
                .iter()
                .map(|x| (x.billing_account.clone(), x.billing_period.clone(), x.files.clone(), x.lines))
                .collect()
        };
        let a = write("a.csv", EXPORT.as_bytes());
        assert!(s.ingest(&t, &a, ReadOptions::default()).expect("a").replaced.is_empty());
        let once = s.rows().expect("rows");
        // The same lines re-exported: a byte-order mark, every field quoted, gzip.
        let quoted: String = EXPORT
            .lines()
            .map(|l| l.split(',').map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(",") + "\r\n")
            .collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(format!("\u{feff}{quoted}").as_bytes()).expect("gzip");
        let b = write("b.csv.gz", &gz.finish().expect("gzip"));
        let r = s.ingest(&t, &b, ReadOptions::default()).expect("b");
        assert!(!r.already_ingested);
        let a_name = vec!["a.csv".to_string()];
        assert_eq!(
            slices(&r),
            [("P".into(), "2026-07".into(), a_name.clone(), 1), ("P".into(), "2026-08".into(), a_name, 3)]
        );
        assert!(r.to_string().contains("replaces billing account P period 2026-08: 3 line(s) from a.csv"), "{r}");
        assert_eq!(s.rows().expect("rows"), once, "a re-export is not counted twice");
        assert!(s.ingest(&t, &b, ReadOptions::default()).expect("b again").already_ingested);
        assert_eq!(s.rows().expect("rows"), once);

        // August re-billed: only August changes (and the late July charge billed in it goes).
        let august = EXPORT.lines().filter(|l| !l.contains("0.01,") && !l.contains("1.00,")).collect::<Vec<_>>();
        let c = write("c.csv", (august.join("\n").replace("0.50", "0.75") + "\n").as_bytes());
        let r = s.ingest(&t, &c, ReadOptions::default()).expect("c");
        assert_eq!(slices(&r), [("P".into(), "2026-08".into(), vec!["b.csv.gz".into()], 3)]);
        let rows = s.rows().expect("rows");
        let face = |rows: &[(Key, Sums)], month: &str| {
            rows.iter().find(|(k, _)| k.account == "111" && k.month == month).map(|(_, v)| (v.lines, v.cost))
        };
        assert_eq!(face(&rows, "2026-07"), Some((1, 1.00)));
        assert_eq!(face(&rows, "2026-08"), Some((1, 0.75)));

        // The first export ingested again is in force again; another billing account adds.
        let r = s.ingest(&t, &a, ReadOptions::default()).expect("a again");
        assert!(!r.already_ingested && r.replaced.len() == 2, "{r}");
        assert_eq!(s.rows().expect("rows"), once);
        let q = write("q.csv", EXPORT.replace(",P,", ",Q,").as_bytes());
        assert!(s.ingest(&t, &q, ReadOptions::default()).expect("q").replaced.is_empty());
        // July of account 111 under both billing accounts: two July lines and two late ones.
        let (lines, cost) = face(&s.rows().expect("rows"), "2026-07").expect("july");
        assert_eq!((lines, (cost * 100.0).round()), (4, 202.0));
    }

    fn sums_that_could_overflow_across_files_are_refused_naming_the_group() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = Taxonomy::builtin().expect("taxonomy");
        let mut s = fresh();
        let line = |name: &str, day: &str, quantity: &str| {
            let p = d.path().join(name);
            let header = FILE.lines().next().expect("header");
            std::fs::write(
                &p,
                format!(
                    "{header}\nAWS,111,Amazon EC2,BoxUsage:m5.large,RunInstances,us-east-1,{quantity},Hrs,1.00,{day}\n"
                ),
            )
            .expect("write");
            p
        };
        s.ingest(&t, &line("one.csv", "2026-07-01T00:00:00Z", "1e300"), ReadOptions::default()).expect("one");
        let before = s.rows().expect("rows");
        // 1e308 twice would overflow; one file of it is already refused, whatever the store holds.
        let e = s
            .ingest(&t, &line("two.csv", "2026-07-02T00:00:00Z", "1e308"), ReadOptions::default())
            .expect_err("too large");
        let e = e.to_string();
        assert!(e.contains("two.csv") && e.contains("quantity of account 111 in 2026-07 (Amazon EC2)"), "{e}");
        assert_eq!(s.rows().expect("rows"), before, "nothing stored");
        let e = s
            .ingest(&t, &line("three.csv", "2026-07-03T00:00:00Z", "-1.5e300"), ReadOptions::default())
            .expect_err("too large, negative");
        assert!(e.to_string().contains("three.csv"), "{e}");
        // At the bound, files add up to a finite sum.
        s.ingest(&t, &line("four.csv", "2026-07-04T00:00:00Z", "1e300"), ReadOptions::default()).expect("four");
        let total: f64 = s.rows().expect("rows").iter().map(|(_, v)| v.quantity).sum();
        assert!(total.is_finite() && total >= 2e300, "{total}");
    }

    fn a_bad_row_leaves_the_store_unchanged() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = Taxonomy::builtin().expect("taxonomy");
        let mut s = fresh();
        let good = d.path().join("good.csv");
        std::fs::write(&good, FILE).expect("write");
        s.ingest(&t, &good, ReadOptions::default()).expect("ingest");
        let before = s.rows().expect("rows");
        let bad = d.path().join("bad.csv");
        std::fs::write(&bad, FILE.replace("0.50", "fifty cents")).expect("write");
        let err = s.ingest(&t, &bad, ReadOptions::default()).expect_err("bad").to_string();
        assert!(err.contains("row 2") && err.contains("BilledCost"), "{err}");
        assert_eq!(s.rows().expect("rows"), before);
    }

    fn a_file_ingested_again_after_a_partial_replacement_does_not_add_its_unattributed_lines_twice() {
        let d = tempfile::tempdir().expect("tempdir");
        let t = Taxonomy::builtin().expect("taxonomy");
        let mut s = fresh();
        let write = |name: &str, text: &str| {
            let p = d.path().join(name);
            std::fs::write(&p, text).expect("write");
            p
        };
        // P's July and August, and a line with no billing account (only ever added).
        let a = write(
            "a.csv",
            &format!(
                "{EXPORT}AWS,,333,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,5,Images,0.05,2026-07-02T00:00:00Z,2026-07-01T00:00:00Z\n"
            ),
        );
        s.ingest(&t, &a, ReadOptions::default()).expect("a");
        let once = s.rows().expect("rows");
        // August re-billed by another file: a is no longer wholly in force.
        let august = EXPORT.lines().filter(|l| !l.contains("1.00,")).collect::<Vec<_>>().join("\n") + "\n";
        s.ingest(&t, &write("b.csv", &august), ReadOptions::default()).expect("b");
        // a again: in force again, its unattributed line counted once.
        let r = s.ingest(&t, &a, ReadOptions::default()).expect("a again");
        assert!(!r.already_ingested);
        assert_eq!(s.rows().expect("rows"), once);
    }
}
