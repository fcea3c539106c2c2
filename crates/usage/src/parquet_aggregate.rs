//! The aggregation straight from Parquet, in parallel over row groups.
//!
//! Life of a row group: each worker thread takes the next row group, reads only the columns
//! the aggregation needs, and keeps text as dictionary ids. Each entry of a text column's
//! value table is converted and checked for control characters once (a bad one is refused at
//! the first row that holds it). Each dictionary entry of the
//! stored key's text (account, service, unit, month) is given its shared string id once;
//! each distinct (provider, service, usage type, operation) is classified once and each
//! (provider, region) given its region class once. Rows are then summed under a key of eight
//! ids (account, month, service, capability, region class, unit, billing account, billing
//! period) — three lookups per row, no strings. Partial sums are added up in row-group order, so the result does not depend on
//! which thread read what; memory holds one row group per thread and the distinct groups
//! (64 bytes each, [`crate::groups`]), whatever the file's length.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::focus::{self, Error, Nonconformance, ReadOptions, ReadReport};
use crate::fold::{Key, Sums, day_text, month_text};
use crate::groups::{DaySums, FileAggregate, GroupKey, GroupTable, Interner};
use crate::line_classes::LineClasses;
use crate::parquet::meta::{Leaf, Logical, Physical};
use crate::parquet::page::{Column, NULL, Scratch};
use crate::parquet::{ParquetFile, convert};
use crate::taxonomy::{Line, Taxonomy};

/// Text fields read as dictionary ids.
const TEXT: [&str; 8] =
    ["account", "provider", "service", "usage_type", "operation", "region", "unit", "billing_account"];

/// Which leaf column holds each field.
struct Plan {
    text: [Option<usize>; 8],
    quantity: Option<usize>,
    cost: usize,
    period: usize,
    /// The billing period's start (the charge period's month where absent).
    billing_period: Option<usize>,
    /// CUR 2.0: the provider is AWS.
    cur: bool,
}

fn plan(file: &ParquetFile, opts: ReadOptions, report: &mut ReadReport) -> Result<Plan, Error> {
    let path = file.path();
    let top: Vec<&str> = file.meta.leaves.iter().filter(|l| l.path.len() == 1).map(|l| l.path[0].as_str()).collect();
    let chosen = focus::choose_columns(&top);
    let cur = top.contains(&"line_item_usage_account_id");
    let leaf_of = |field: &str| -> Option<usize> {
        let name = chosen.iter().find(|(f, _)| *f == field).and_then(|(_, n)| n.as_deref())?;
        file.meta.leaves.iter().position(|l| l.path.len() == 1 && l.path[0] == name)
    };
    for required in ["account", "service", "cost", "period"] {
        if leaf_of(required).is_none() {
            return Err(Error::BadFile {
                path: path.into(),
                message: format!("not a FOCUS or CUR export: no column for {required}"),
            });
        }
    }
    let text = TEXT.map(|f| if f == "provider" && cur { None } else { leaf_of(f) });
    let p = Plan {
        text,
        quantity: leaf_of("quantity"),
        cost: leaf_of("cost").unwrap_or(0),
        period: leaf_of("period").unwrap_or(0),
        billing_period: leaf_of("billing_period"),
        cur,
    };
    if opts.strict {
        strict_schema(file, &p, cur, report);
    }
    Ok(p)
}

fn note(report: &mut ReadReport, row: u64, column: &str, kind: &str, message: String) {
    let n = report.nonconformance_counts.entry(kind.to_string()).or_insert(0);
    *n += 1;
    if *n <= 100 {
        report.nonconformance.push(Nonconformance { row, column: column.into(), message });
    }
}

/// Schema-level departures from FOCUS (row 0).
fn strict_schema(file: &ParquetFile, p: &Plan, cur: bool, report: &mut ReadReport) {
    let leaves = &file.meta.leaves;
    let period = &leaves[p.period];
    let name = period.path.join(".");
    match (period.physical, period.logical) {
        (Physical::Int96, _) => note(
            report,
            0,
            &name,
            "INT96 timestamp",
            format!("{name} is an INT96 timestamp (deprecated in Parquet; FOCUS date-times are UTC instants)"),
        ),
        (_, Logical::Timestamp { utc: false, .. }) => {
            note(report, 0, &name, "date-time not UTC", format!("{name} is a local timestamp, not adjusted to UTC"))
        }
        _ => {}
    }
    for leaf in [Some(p.cost), p.quantity].into_iter().flatten().map(|i| &leaves[i]) {
        if matches!(leaf.physical, Physical::Double | Physical::Float) {
            let name = leaf.path.join(".");
            note(
                report,
                0,
                &name,
                "amount stored as floating point",
                format!("{name} is a binary floating-point {} (FOCUS amounts are decimals)", leaf.physical.name()),
            );
        }
    }
    for f in &file.meta.top {
        if f.logical == Logical::Map {
            note(
                report,
                0,
                &f.name,
                "MAP column",
                format!("{} is a Parquet MAP (FOCUS key-value columns are JSON objects)", f.name),
            );
        }
        if !cur && !f.name.starts_with("x_") && !focus::is_focus_column(&f.name) {
            note(
                report,
                0,
                &f.name,
                "custom column without x_ prefix",
                format!("{:?} is not a FOCUS column and does not start with x_", f.name),
            );
        }
    }
}

/// Per table entry (month key, day) and per row an entry id.
type Times = (Vec<(u32, i32)>, Vec<u32>);

struct Worker<'a> {
    file: &'a ParquetFile,
    plan: &'a Plan,
    strict: bool,
    scratch: Scratch,
    classes: LineClasses<'a>,
    /// This row group's sums (its room kept from one row group to the next).
    groups: GroupTable,
}

/// A text column as a table of strings (null and `NULL` are empty) and per-row ids.
struct TextColumn {
    table: Vec<String>,
    ids: Vec<u32>,
    /// Entries that were the text `NULL`.
    null_text: Vec<u32>,
}

impl Worker<'_> {
    fn column(&mut self, rg: usize, leaf: usize, first: u64, dedupe: bool) -> Result<Column, Error> {
        self.file.read_column(rg, leaf, first, dedupe, &mut self.scratch)
    }

    fn bad_value(&self, leaf: usize, row: u64, message: String) -> Error {
        Error::BadValue {
            path: self.file.path().into(),
            row: row + 1,
            column: self.file.meta.leaves[leaf].path.join("."),
            message,
        }
    }

    /// Converts each entry of a column's value table once; a bad entry is reported at the first
    /// row that holds it, and one no row holds is never used (a dictionary may hold more than
    /// its rows do). With `null`, nulls become an extra last entry holding that value.
    fn table<T: Default>(
        &self,
        leaf: usize,
        first: u64,
        col: &mut Column,
        null: Option<T>,
        convert: impl Fn(&Leaf, &[u8]) -> Result<T, String>,
    ) -> Result<Vec<T>, Error> {
        let l = &self.file.meta.leaves[leaf];
        let mut table = Vec::with_capacity(col.values.len() + 1);
        for i in 0..col.values.len() {
            match convert(l, col.values.get(i)) {
                Ok(v) => table.push(v),
                Err(e) => match col.ids.iter().position(|&id| id as usize == i) {
                    Some(row) => return Err(self.bad_value(leaf, first + row as u64, e)),
                    None => table.push(T::default()),
                },
            }
        }
        if let Some(v) = null {
            let id = table.len() as u32;
            table.push(v);
            for x in col.ids.iter_mut().filter(|x| **x == NULL) {
                *x = id;
            }
        }
        Ok(table)
    }

    fn text(&mut self, rg: usize, leaf: Option<usize>, first: u64, rows: usize) -> Result<TextColumn, Error> {
        let Some(leaf) = leaf else {
            return Ok(TextColumn { table: vec![String::new()], ids: vec![0; rows], null_text: Vec::new() });
        };
        let mut col = self.column(rg, leaf, first, true)?;
        // Text reaches the stored key or the taxonomy: no control character (checked per
        // distinct value, not per row).
        let mut table = self.table(leaf, first, &mut col, Some(String::new()), |l, v| {
            let text = convert::text(l, v)?;
            input::check("", &text, input::Lines::One).map_err(|m| m.trim_start_matches(": ").to_string())?;
            Ok(text.into_owned())
        })?;
        // The text `NULL` is read as empty, as in CSV (and reported in strict mode).
        let mut null_text = Vec::new();
        for (i, t) in table.iter_mut().enumerate().filter(|(_, t)| *t == "NULL") {
            null_text.push(i as u32);
            t.clear();
        }
        Ok(TextColumn { table, ids: col.ids, null_text })
    }

    fn numbers(
        &mut self,
        rg: usize,
        leaf: Option<usize>,
        first: u64,
        rows: usize,
    ) -> Result<(Vec<f64>, Vec<u32>), Error> {
        let Some(leaf) = leaf else { return Ok((vec![0.0], vec![0; rows])) };
        let mut col = self.column(rg, leaf, first, false)?;
        let table = self.table(leaf, first, &mut col, Some(0.0), convert::number)?;
        Ok((table, col.ids))
    }

    /// (month key, day) per entry and ids; a null date-time is an error unless `null` gives
    /// its entry.
    fn times(&mut self, rg: usize, leaf: usize, first: u64, null: Option<(u32, i32)>) -> Result<Times, Error> {
        let mut col = self.column(rg, leaf, first, true)?;
        if null.is_none()
            && let Some(row) = col.ids.iter().position(|&id| id == NULL)
        {
            return Err(self.bad_value(leaf, first + row as u64, "no date-time (null)".into()));
        }
        let table = self.table(leaf, first, &mut col, null, |l, v| {
            let d = convert::day(l, v)?;
            let (y, m, _) = convert::civil_from_days(i64::from(d));
            u32::try_from(y * 12 + i64::from(m) - 1).map(|mk| (mk, d)).map_err(|_| "date out of range".to_string())
        })?;
        Ok((table, col.ids))
    }

    /// Aggregates one row group and hands its sums to the merge.
    fn row_group(&mut self, rg: usize, first: u64, shared: &Shared) -> Result<(), Error> {
        let rows = self.file.meta.row_groups[rg].num_rows as usize;
        let mut text = Vec::with_capacity(TEXT.len());
        for leaf in self.plan.text {
            text.push(self.text(rg, leaf, first, rows)?);
        }
        let (qt, qid) = self.numbers(rg, self.plan.quantity, first, rows)?;
        let (ct, cid) = self.numbers(rg, Some(self.plan.cost), first, rows)?;
        let (tt, tid) = self.times(rg, self.plan.period, first, None)?;
        // A billing period's month key per row, or none where the file names no billing period
        // (the charge month then stands in); a null one is marked by the key u32::MAX.
        let billing = match self.plan.billing_period {
            Some(leaf) => Some(self.times(rg, leaf, first, Some((u32::MAX, 0)))?),
            None => None,
        };
        let mut report = ReadReport { rows: rows as u64, ..ReadReport::default() };
        if self.strict {
            for (col, leaf) in text.iter().zip(self.plan.text) {
                let Some(leaf) = leaf else { continue };
                for &e in &col.null_text {
                    let name = self.file.meta.leaves[leaf].path.join(".");
                    for (r, _) in col.ids.iter().enumerate().filter(|(_, id)| **id == e) {
                        note(
                            &mut report,
                            first + r as u64 + 1,
                            &name,
                            "NULL written as text",
                            "null written as the text NULL (FOCUS nulls are empty)".into(),
                        );
                    }
                }
            }
        }
        // The stored key's text as shared string ids, once per dictionary entry.
        let poisoned = || Error::BadFile { path: self.file.path().into(), message: "a reader thread failed".into() };
        let (accounts, services, units, months, payers, billing_months) = {
            let mut strings = shared.strings.lock().map_err(|_| poisoned())?;
            let mut ids = |col: &TextColumn| col.table.iter().map(|t| strings.id(t)).collect::<Vec<u32>>();
            let (a, s, u, b) = (ids(&text[0]), ids(&text[2]), ids(&text[6]), ids(&text[7]));
            let m: Vec<u32> = tt.iter().map(|&(mk, _)| strings.id(&month_text(mk))).collect();
            let bm: Vec<u32> = billing
                .as_ref()
                .map(|(table, _)| {
                    table.iter().map(|&(mk, _)| if mk == u32::MAX { u32::MAX } else { strings.id(&month_text(mk)) })
                })
                .into_iter()
                .flatten()
                .collect();
            (a, s, u, m, b, bm)
        };
        // One lookup per row in each of two small tables (classification) and one in the
        // group table.
        let [acct, prov, svc, usg, op, reg, unit, payer] = [0, 1, 2, 3, 4, 5, 6, 7].map(|i| text[i].ids.as_slice());
        let provider = |p: u32| if self.plan.cur { "AWS" } else { text[1].table[p as usize].as_str() };
        let table = |col: usize, id: u32| text[col].table[id as usize].as_str();
        self.classes.forget();
        for r in 0..rows {
            let (p, s) = (prov[r], svc[r]);
            let capability = self.classes.capability([p, s, usg[r], op[r]], || Line {
                provider: provider(p),
                service: table(2, s),
                usage_type: table(3, usg[r]),
                operation: table(4, op[r]),
            });
            let class = self.classes.region_class([p, reg[r]], || (provider(p), table(5, reg[r])));
            let t = tid[r] as usize;
            let day = tt[t].1;
            let billing_month = match &billing {
                Some((_, bid)) => match billing_months[bid[r] as usize] {
                    u32::MAX => months[t],
                    m => m,
                },
                None => months[t],
            };
            let key = [
                accounts[acct[r] as usize],
                months[t],
                services[s as usize],
                capability,
                class,
                units[unit[r] as usize],
                payers[payer[r] as usize],
                billing_month,
            ];
            self.groups.sums(key, day).add_line(qt[qid[r] as usize], ct[cid[r] as usize], day);
        }
        let partial = self.groups.take();
        let mut merge = shared.merge.lock().map_err(|_| poisoned())?;
        merge.pending.insert(rg, (partial, report));
        merge.advance();
        Ok(())
    }
}

/// What the workers share: the string ids of every key, and the merge.
#[derive(Default)]
struct Shared {
    strings: Mutex<Interner>,
    merge: Mutex<Merge>,
}

/// Row groups' sums, added up in row-group order as they become ready (so the result does not
/// depend on thread timing).
#[derive(Default)]
struct Merge {
    /// The next row group to add.
    next: usize,
    /// Finished row groups waiting for an earlier one (at most about one per thread).
    pending: BTreeMap<usize, (Vec<(GroupKey, DaySums)>, ReadReport)>,
    total: GroupTable,
    read: ReadReport,
}

impl Merge {
    fn advance(&mut self) {
        while let Some((partial, report)) = self.pending.remove(&self.next) {
            self.next += 1;
            self.read.rows += report.rows;
            for (k, n) in report.nonconformance_counts {
                *self.read.nonconformance_counts.entry(k).or_insert(0) += n;
            }
            for nc in report.nonconformance {
                if self.read.nonconformance.iter().filter(|x| x.message == nc.message).count() < 100 {
                    self.read.nonconformance.push(nc);
                }
            }
            for (k, s) in &partial {
                self.total.add(*k, s);
            }
        }
    }
}

/// Aggregates a FOCUS or CUR Parquet file on `threads` threads (0: one per core), calling
/// `progress(bytes done, bytes to read)` as row groups finish.
pub fn aggregate_parquet(
    taxonomy: &Taxonomy,
    path: &Path,
    opts: ReadOptions,
    threads: usize,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<FileAggregate, Error> {
    let file = ParquetFile::open(path)?;
    let mut read = ReadReport::default();
    let plan = plan(&file, opts, &mut read)?;
    let needed: Vec<usize> = plan
        .text
        .iter()
        .flatten()
        .copied()
        .chain(plan.quantity)
        .chain([plan.cost, plan.period])
        .chain(plan.billing_period)
        .collect();
    let rg_bytes: Vec<u64> =
        file.meta.row_groups.iter().map(|rg| needed.iter().map(|&l| rg.chunks[l].len).sum()).collect();
    let total: u64 = rg_bytes.iter().sum();
    let firsts = file.first_rows();
    let threads =
        if threads == 0 { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) } else { threads };
    let threads = threads.clamp(1, file.meta.row_groups.len().max(1));
    let next = AtomicUsize::new(0);
    let done = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let errors: Mutex<Vec<(usize, Error)>> = Mutex::new(Vec::new());
    let mut strings = Interner::default();
    let classes = LineClasses::new(taxonomy, &mut strings);
    let shared = Shared { strings: Mutex::new(strings), merge: Mutex::default() };
    // Each worker says when it is done; the caller's thread shows progress meanwhile.
    let (finished_tx, finished) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (file, plan, next, done, stop, errors, rg_bytes, firsts, shared) =
                (&file, &plan, &next, &done, &stop, &errors, &rg_bytes, &firsts, &shared);
            let classes = classes.clone();
            let finished_tx = finished_tx.clone();
            scope.spawn(move || {
                let mut w = Worker {
                    file,
                    plan,
                    strict: opts.strict,
                    scratch: Scratch::default(),
                    classes,
                    groups: GroupTable::default(),
                };
                loop {
                    let rg = next.fetch_add(1, Ordering::Relaxed);
                    if rg >= file.meta.row_groups.len() || stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Err(e) = w.row_group(rg, firsts[rg], shared) {
                        stop.store(true, Ordering::Relaxed);
                        if let Ok(mut errs) = errors.lock() {
                            errs.push((rg, e));
                        }
                        break;
                    }
                    done.fetch_add(rg_bytes[rg], Ordering::Relaxed);
                }
                let _ = finished_tx.send(());
            });
        }
        drop(finished_tx);
        let mut running = threads;
        while running > 0 {
            match finished.recv_timeout(std::time::Duration::from_millis(100)) {
                Ok(()) => running -= 1,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => progress(done.load(Ordering::Relaxed), total),
                // A worker that panicked sends nothing; the scope reports its panic.
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
    });
    progress(total, total);
    let mut errors = errors.into_inner().unwrap_or_default();
    errors.sort_by_key(|(rg, _)| *rg);
    if let Some((_, e)) = errors.into_iter().next() {
        return Err(e);
    }
    let failed = || Error::BadFile { path: path.into(), message: "a reader thread failed".into() };
    let merge = shared.merge.into_inner().map_err(|_| failed())?;
    let strings = shared.strings.into_inner().map_err(|_| failed())?;
    if merge.next != file.meta.row_groups.len() {
        return Err(Error::BadFile { path: path.into(), message: "a reader thread stopped early".into() });
    }
    read.rows += merge.read.rows;
    for (k, n) in merge.read.nonconformance_counts {
        *read.nonconformance_counts.entry(k).or_insert(0) += n;
    }
    read.nonconformance.extend(merge.read.nonconformance);
    FileAggregate::new(path, read, strings, merge.total.into_entries())
}

/// Reads an aggregate computed elsewhere from Parquet: one row per stored key, with the
/// columns named in `columns` (account, month, service, capability, region class, unit,
/// quantity, cost, lines, first, last; names compared without case). `first` and `last` may
/// be text, dates or timestamps. Text holding a control character is refused.
pub(crate) fn read_aggregate(path: &Path, columns: &[&str; 11]) -> Result<Vec<(Key, Sums)>, Error> {
    let file = ParquetFile::open(path)?;
    let leaf_of =
        |name: &str| file.meta.leaves.iter().position(|l| l.path.len() == 1 && l.path[0].eq_ignore_ascii_case(name));
    let leaves: Vec<usize> = columns.iter().map(|c| leaf_of(c)).collect::<Option<_>>().ok_or_else(|| {
        Error::BadFile { path: path.into(), message: format!("expected the columns {}", columns.join(", ")) }
    })?;
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    for (rg, first_row) in file.first_rows().into_iter().enumerate() {
        let mut cols = Vec::with_capacity(leaves.len());
        for &leaf in &leaves {
            cols.push(file.read_column(rg, leaf, first_row, true, &mut scratch)?);
        }
        let rows = file.meta.row_groups[rg].num_rows as usize;
        for r in 0..rows {
            let row = first_row + r as u64;
            let bad = |i: usize, message: String| Error::BadValue {
                path: path.into(),
                row: row + 1,
                column: file.meta.leaves[leaves[i]].path.join("."),
                message,
            };
            let raw = |i: usize| match cols[i].ids[r] {
                NULL => None,
                id => Some(cols[i].values.get(id as usize)),
            };
            let leaf = |i: usize| &file.meta.leaves[leaves[i]];
            let text = |i: usize| -> Result<String, Error> {
                match raw(i) {
                    None => Ok(String::new()),
                    Some(v) => {
                        let text = convert::text(leaf(i), v).map_err(|e| bad(i, e))?;
                        input::check("", &text, input::Lines::One)
                            .map_err(|m| bad(i, m.trim_start_matches(": ").to_string()))?;
                        Ok(text.into_owned())
                    }
                }
            };
            let number = |i: usize| -> Result<f64, Error> {
                raw(i).map_or(Ok(0.0), |v| convert::number(leaf(i), v).map_err(|e| bad(i, e)))
            };
            let day = |i: usize| -> Result<String, Error> {
                match (raw(i), leaf(i).physical) {
                    (None, _) => Ok(String::new()),
                    (Some(_), Physical::ByteArray) => text(i),
                    (Some(v), _) => convert::day(leaf(i), v).map(day_text).map_err(|e| bad(i, e)),
                }
            };
            let lines = number(8)?;
            if lines < 0.0 || lines.fract() != 0.0 {
                return Err(bad(8, format!("{lines} is not a count")));
            }
            let key = Key {
                account: text(0)?,
                month: text(1)?,
                service: text(2)?,
                capability: text(3)?,
                region_class: text(4)?,
                unit: text(5)?,
            };
            out.push((
                key,
                Sums { quantity: number(6)?, cost: number(7)?, lines: lines as u64, first: day(9)?, last: day(10)? },
            ));
        }
    }
    Ok(out)
}
