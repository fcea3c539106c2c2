//! Importers: public records and customer accounts into the registry.
//!
//! Every importer is streaming, idempotent and all-or-nothing per file: the file's SHA-256
//! is recorded and a file imported before changes nothing; all its rows go in one
//! transaction; the first bad row aborts the file (reported with its line and column)
//! unless `skip_bad_rows` is set, in which case every skipped row is listed.
//!
//! Life of a row: the CSV reader yields a record with its line number; the importer maps
//! columns by header name, resolves the organisations it names (by identifier first, then by
//! natural key), and stores relationships with the file and line as evidence.

mod accounts;
mod ai_inventory;
mod atlas;
mod fbi;
pub(crate) mod fedramp;
mod reference;
mod usaspending;

pub use accounts::import_accounts;
pub use ai_inventory::{Technology, import_ai_inventory, named_vendors};
pub use atlas::{atlas_date, import_atlas};
pub use fbi::import_fbi_agencies;
pub use fedramp::{LAW_ENFORCEMENT, import_fedramp};
pub use reference::{REFERENCE_FILE, immigration_enforcement_codes, import_reference};
pub use usaspending::import_usaspending;

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{Jurisdiction, Kind, NewOrganisation, Scheme};
use crate::names::{normalize, normalize_identifier};
use crate::store::{Counts, Store, Tx};

/// How to treat bad rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Skip bad rows (listing each) instead of refusing the whole file.
    pub skip_bad_rows: bool,
}

/// A row left out with `skip_bad_rows`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRow {
    /// 1-based line.
    pub line: u64,
    /// Column (header name).
    pub column: String,
    /// What is wrong.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// File name.
    pub file: String,
    /// Importer.
    pub kind: String,
    /// Data rows read.
    pub rows: u64,
    /// Rows skipped as bad.
    pub skipped: Vec<SkippedRow>,
    /// The same file (by SHA-256) was imported before; nothing changed.
    pub already_imported: bool,
    /// Registry counts before.
    pub before: Counts,
    /// Registry counts after.
    pub after: Counts,
    /// What the importer counted in the file, by what it is ("agencies", "authorizations",
    /// "use cases of computer vision", …), for a person to hold against the file.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tallies: std::collections::BTreeMap<String, u64>,
    /// Names the file gives that fit no organisation the registry had (not in the reference):
    /// kept as new organisations, never dropped, and listed here for a reviewer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<String>,
}

/// Progress callback: bytes read so far, file size.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// A row-level failure: a bad row, or something fatal (the database).
pub(crate) enum RowFail {
    Bad { column: String, message: String },
    Fatal(Error),
}

impl From<Error> for RowFail {
    fn from(e: Error) -> RowFail {
        RowFail::Fatal(e)
    }
}

pub(crate) fn bad(column: &str, message: impl Into<String>) -> RowFail {
    RowFail::Bad { column: column.to_string(), message: message.into() }
}

/// One CSV row with access by header name.
pub(crate) struct Row<'a> {
    pub record: &'a csv::StringRecord,
    pub columns: &'a HashMap<String, usize>,
    pub line: u64,
}

impl Row<'_> {
    /// Refuses a row of a one-line-per-row format (the FBI list, account lists) with a value
    /// that runs over several lines: the mark of an unclosed quote, which would otherwise merge
    /// the rows that follow into this one.
    pub fn one_line(&self) -> Result<(), RowFail> {
        if let Some(i) = self.record.iter().position(|v| v.contains(['\r', '\t'])) {
            let column = self.columns.iter().find(|(_, c)| **c == i).map(|(n, _)| n.as_str()).unwrap_or("(row)");
            return Err(bad(column, "contains a tab or a carriage return; this file has one line per row"));
        }
        let Some(i) = self.record.iter().position(|v| v.contains('\n')) else { return Ok(()) };
        let column = self.columns.iter().find(|(_, c)| **c == i).map(|(n, _)| n.as_str()).unwrap_or("(row)");
        let lines = self.record.get(i).map_or(0, |v| v.matches('\n').count()) + 1;
        Err(bad(column, format!("the value runs over {lines} lines; is a quote left open?")))
    }

    /// The trimmed value of a column; `None` when the column is absent or the value empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        let v = self.record.get(*self.columns.get(column)?)?.trim();
        if v.is_empty() || v.eq_ignore_ascii_case("null") { None } else { Some(v) }
    }

    /// A required column.
    pub fn require(&self, column: &str) -> Result<&str, RowFail> {
        self.get(column).ok_or_else(|| bad(column, "is empty"))
    }

    /// A money amount ("1234.5", "1,234.50", "-20"); `None` when empty.
    pub fn amount(&self, column: &str) -> Result<Option<f64>, RowFail> {
        match self.get(column) {
            None => Ok(None),
            Some(v) => {
                let cleaned: String = v.chars().filter(|&c| c != ',' && c != '$').collect();
                cleaned
                    .parse::<f64>()
                    .ok()
                    .filter(|a| a.is_finite())
                    .map(Some)
                    .ok_or_else(|| bad(column, format!("{v:?} is not an amount")))
            }
        }
    }

    /// The identifiers found in the given columns, in the order given (strongest first).
    pub fn identifiers(&self, columns: &[(Scheme, &str)]) -> Vec<(Scheme, String)> {
        columns.iter().filter_map(|(scheme, col)| self.get(col).map(|v| (*scheme, v.to_string()))).collect()
    }

    /// A boolean flag column ("t", "true", "y", "1").
    pub fn flag(&self, column: &str) -> bool {
        matches!(self.get(column).map(|v| v.to_ascii_lowercase()).as_deref(), Some("t" | "true" | "y" | "yes" | "1"))
    }
}

/// SHA-256 and size of a file.
pub(crate) fn file_digest(path: &Path) -> Result<(String, u64)> {
    regular_file(path)?;
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex::encode(h.finalize()), total))
}

/// Refuses what is not a regular file (a device such as `/dev/zero`, a FIFO, a folder): an
/// importer hashes and reads a file whole, and those never end or block.
pub(crate) fn regular_file(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_file() {
        Ok(())
    } else {
        Err(Error::BadFile { file: path.into(), message: "not a regular file (a device, a FIFO or a folder)".into() })
    }
}

/// What in a public file's name looks like personal data, which candor never imports: an
/// e-mail address. (The files candor reads had their contact columns removed; one that comes
/// back in a name is refused, never stored.)
pub(crate) fn personal_data(text: &str) -> Option<&'static str> {
    let at = text.find('@')?;
    let (local, domain) = (&text[..at], &text[at + 1..]);
    let word = |s: &str| s.chars().any(|c| c.is_alphanumeric());
    (word(local.rsplit(char::is_whitespace).next().unwrap_or(""))
        && domain.split(char::is_whitespace).next().is_some_and(|d| d.contains('.') && word(d)))
    .then_some("an e-mail address")
}

/// Whether `name` reads as a person's ("John Smith"): two or three words, the first a listed
/// given name, no legal form. A vendor field naming a person is not a supplier to import.
pub(crate) fn person_name(name: &str) -> bool {
    let n = normalize(name);
    let words: Vec<&str> = name.split_whitespace().collect();
    (2..=3).contains(&words.len())
        && n.forms.is_empty()
        && words.first().is_some_and(|w| crate::names::given_names::is_common_given_name(&w.to_lowercase()))
}

/// The file name only: evidence names the source file, not the importer's directories.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Longest record (a CSV record, with every line of its quoted fields, or a FollowTheMoney
/// line) an importer holds in memory, in bytes. Real records are a few kilobytes; a file with an
/// unclosed quote or no line ends is refused, naming where the record began, rather than read
/// whole into memory.
pub(crate) const MAX_RECORD: u64 = 1 << 20;

/// How many bytes the current record has taken so far: reset after each record.
#[derive(Clone, Default)]
pub(crate) struct RecordBudget(std::rc::Rc<std::cell::Cell<u64>>);

impl RecordBudget {
    /// A record ended: the next one starts from nothing.
    pub(crate) fn reset(&self) {
        self.0.set(0);
    }
}

/// A reader that fails once more than [`MAX_RECORD`] bytes pass between two resets of its
/// budget. (The CSV reader reads ahead by its buffer, 8 KiB, so a record may reach that much
/// beyond the limit.)
pub(crate) struct RecordBounded<R> {
    inner: R,
    budget: RecordBudget,
}

impl<R: Read> RecordBounded<R> {
    pub(crate) fn new(inner: R) -> (RecordBounded<R>, RecordBudget) {
        let budget = RecordBudget::default();
        (RecordBounded { inner, budget: budget.clone() }, budget)
    }
}

impl<R: Read> Read for RecordBounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let taken = self.budget.0.get() + n as u64;
        self.budget.0.set(taken);
        if n > 0 && taken > MAX_RECORD {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a record longer than {MAX_RECORD} bytes (1 MiB; an unclosed quote?), refused rather than held in memory"
                ),
            ));
        }
        Ok(n)
    }
}

/// A CSV reader over a file, its records bounded.
pub(crate) type CsvReader = csv::Reader<RecordBounded<File>>;

/// Opens a CSV file and maps its header names to column positions; the budget is to be reset
/// after each record.
pub(crate) fn open_csv(path: &Path) -> Result<(CsvReader, HashMap<String, usize>, RecordBudget)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let (file, budget) = RecordBounded::new(file);
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let headers =
        rdr.headers().map_err(|e| Error::BadFile { file: path.into(), message: format!("header row: {e}") })?;
    let columns =
        headers.iter().enumerate().map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i)).collect();
    budget.reset();
    Ok((rdr, columns, budget))
}

/// Physical line numbers (1-based, as `grep -n` counts them: every `\n`, inside quotes too)
/// of byte offsets in a file, read a second time beside the CSV reader. The csv crate's own
/// line numbers are not those (they drift after blank lines and around the header), and
/// evidence and errors must cite the line a person finds in the file.
pub(crate) struct PhysicalLines {
    reader: std::io::BufReader<File>,
    offset: u64,
    newlines: u64,
}

impl PhysicalLines {
    pub(crate) fn open(path: &Path) -> Result<PhysicalLines> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(PhysicalLines { reader: std::io::BufReader::new(file), offset: 0, newlines: 0 })
    }

    /// The line where a record starts, given where the previous one ended (the reader's
    /// position before reading it): the first line after `end` that is not a line end (the
    /// CSV reader skips blank lines). Offsets must not go backwards.
    pub(crate) fn record_line(&mut self, end: u64, path: &Path) -> Result<u64> {
        use std::io::BufRead;
        let io = |e| Error::io(path, e);
        while self.offset < end {
            let buf = self.reader.fill_buf().map_err(io)?;
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min(usize::try_from(end - self.offset).unwrap_or(usize::MAX));
            self.newlines += buf[..take].iter().filter(|&&b| b == b'\n').count() as u64;
            self.reader.consume(take);
            self.offset += take as u64;
        }
        loop {
            let buf = self.reader.fill_buf().map_err(io)?;
            match buf.first() {
                Some(b'\n') => self.newlines += 1,
                Some(b'\r') => {}
                _ => break,
            }
            self.reader.consume(1);
            self.offset += 1;
        }
        Ok(self.newlines + 1)
    }
}

/// Runs one CSV file through `per_row` inside one transaction, with the idempotency,
/// all-or-nothing and bad-row rules of this module.
pub(crate) fn run_csv(
    store: &mut dyn Store,
    path: &Path,
    kind: &str,
    required: &[&str],
    opts: ImportOptions,
    progress: Progress<'_>,
    mut per_row: impl FnMut(&mut dyn Tx, &Row<'_>) -> Result<(), RowFail>,
) -> Result<ImportReport> {
    let (sha, size) = file_digest(path)?;
    let before = store.counts()?;
    let mut report = ImportReport {
        file: file_name(path),
        kind: kind.to_string(),
        rows: 0,
        skipped: Vec::new(),
        already_imported: false,
        before,
        after: before,
        tallies: Default::default(),
        kept: Vec::new(),
    };
    let (mut rdr, columns, budget) = open_csv(path)?;
    let missing: Vec<&str> = required.iter().copied().filter(|c| !columns.contains_key(*c)).collect();
    if !missing.is_empty() {
        return Err(Error::BadFile {
            file: path.into(),
            message: format!("not a {kind} file: missing column(s) {}", missing.join(", ")),
        });
    }
    let mut tx = store.begin()?;
    if tx.import_seen(&sha)? {
        report.already_imported = true;
        return Ok(report);
    }
    let mut record = csv::StringRecord::new();
    let mut lines = PhysicalLines::open(path)?;
    loop {
        let start = rdr.position().byte();
        let read = rdr.read_record(&mut record);
        budget.reset();
        match read {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines.record_line(start, path)?;
                let message = e.to_string();
                // A record too long to hold is not a row to skip: the rest cannot be trusted.
                let too_long =
                    matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData);
                if opts.skip_bad_rows && !too_long {
                    report.skipped.push(SkippedRow { line, column: "(row)".into(), message });
                    continue;
                }
                return Err(Error::BadRow { file: path.into(), line, column: "(row)".into(), message });
            }
        }
        let line = lines.record_line(start, path)?;
        report.rows += 1;
        let outcome = if record.len() != columns.len() {
            Err(bad("(row)", format!("has {} fields but the header has {}", record.len(), columns.len())))
        } else if let Some((i, message)) =
            record.iter().enumerate().find_map(|(i, v)| input::check("", v, input::Lines::Data).err().map(|m| (i, m)))
        {
            // No name or identifier holds a control character (and PostgreSQL's text refuses
            // NUL): say where. Public files keep line breaks inside quoted descriptions.
            let column = columns.iter().find(|(_, c)| **c == i).map(|(n, _)| n.clone()).unwrap_or("(row)".into());
            Err(RowFail::Bad { column, message: message.trim_start_matches(": ").to_string() })
        } else {
            per_row(tx.as_mut(), &Row { record: &record, columns: &columns, line })
        };
        match outcome {
            Ok(()) => {}
            Err(RowFail::Fatal(e)) => return Err(e),
            Err(RowFail::Bad { column, message }) if opts.skip_bad_rows => {
                report.skipped.push(SkippedRow { line, column, message });
            }
            Err(RowFail::Bad { column, message }) => {
                return Err(Error::BadRow { file: path.into(), line, column, message });
            }
        }
        if report.rows.is_multiple_of(256) {
            progress(record.position().map(|p| p.byte()).unwrap_or(0), size);
        }
    }
    progress(size, size);
    tx.record_import(&sha, &report.file, kind, report.rows)?;
    tx.commit()?;
    report.after = store.counts()?;
    Ok(report)
}

/// An organisation named in a record, to find or create.
pub(crate) struct OrgRef<'a> {
    /// Identifiers, strongest first (UEI, DUNS, CAGE, ORI, agency code).
    pub ids: Vec<(Scheme, String)>,
    /// Name as written.
    pub name: &'a str,
    /// Kind, if a new organisation is created.
    pub kind: Kind,
    /// Where it is.
    pub jurisdiction: Jurisdiction,
    /// A natural key to use instead of one derived from identifiers or the name.
    pub key: Option<String>,
}

/// Finds the organisation a record names (by any identifier, then by natural key) or creates
/// it; records every identifier and the name as an alias.
/// A name as one line: a public file's name that runs over lines (or holds tabs) is shown
/// with each run of such whitespace as one space.
pub(crate) fn one_line(name: &str) -> String {
    if !name.contains(['\r', '\n', '\t']) {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len());
    for part in name.split(['\r', '\n', '\t']).filter(|p| !p.is_empty()) {
        if !out.is_empty() && !out.ends_with(' ') && !part.starts_with(' ') {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

pub(crate) fn resolve(tx: &mut dyn Tx, r: OrgRef<'_>) -> Result<i64> {
    let ids: Vec<(Scheme, String)> =
        r.ids.into_iter().map(|(s, v)| (s, normalize_identifier(&v))).filter(|(_, v)| !v.is_empty()).collect();
    let mut found = None;
    for (scheme, value) in &ids {
        if let Some(id) = tx.organisation_by_identifier(*scheme, value)? {
            found = Some(id);
            break;
        }
    }
    let key = r.key.clone().unwrap_or_else(|| match ids.first() {
        Some((scheme, value)) => format!("{}:{value}", scheme.as_str()),
        None => format!("name:{}|{}", normalize(r.name).sorted_key(), r.jurisdiction.state.as_deref().unwrap_or("")),
    });
    if found.is_none() {
        found = tx.organisation_by_key(&key)?;
    }
    if found.is_none() {
        // The same organisation is often identified by DUNS in older records and by UEI in
        // newer ones. Same normalised name, same state, and no identifier of the same scheme
        // with a different value: the same organisation.
        for candidate in tx.organisations_by_name(r.name, r.jurisdiction.state.as_deref())? {
            let held = tx.identifiers_of(candidate)?;
            let conflict = ids.iter().any(|(s, v)| held.iter().any(|(hs, hv)| hs == s && hv != v));
            if !conflict {
                found = Some(candidate);
                break;
            }
        }
    }
    let id = match found {
        Some(id) => id,
        None => tx.insert_organisation(&NewOrganisation {
            key,
            name: one_line(r.name),
            kind: r.kind,
            jurisdiction: r.jurisdiction,
        })?,
    };
    for (scheme, value) in &ids {
        tx.add_identifier(id, *scheme, value)?;
    }
    tx.add_alias(id, r.name)?;
    Ok(id)
}

/// The federal agency `name` names: the federal agency of the registry with that exact
/// normalised name or alias (the oldest when several), or a new one under
/// `parent`, listed in `kept` (the report says so: public files name agencies the reference
/// does not hold, and a reviewer should see which).
pub(crate) fn federal_agency(tx: &mut dyn Tx, name: &str, parent: Option<i64>, kept: &mut Vec<String>) -> Result<i64> {
    if normalize(name).sorted_key().is_empty() {
        return Err(Error::Invalid(format!("{name:?} is not an agency's name (no letter or digit to tell it by)")));
    }
    if let Some(what) = personal_data(name) {
        return Err(Error::Invalid(format!("{name:?} holds {what}; candor imports no personal data")));
    }
    let found: Vec<i64> = tx
        .organisations_by_norm(name)?
        .into_iter()
        .filter(|(_, k)| *k == Kind::FederalAgency)
        .map(|(id, _)| id)
        .collect();
    // Several of one name: the oldest (the reference's, imported first).
    if let Some(id) = found.first() {
        return Ok(*id);
    }
    let key = format!("federal-agency:{}", normalize(name).sorted_key());
    let us = Jurisdiction { country: Some("USA".into()), ..Jurisdiction::default() };
    let id = resolve(tx, OrgRef { ids: vec![], name, kind: Kind::FederalAgency, jurisdiction: us, key: Some(key) })?;
    if let Some(p) = parent.filter(|p| *p != id) {
        tx.set_parent(id, p)?;
    }
    let name = one_line(name);
    if !kept.contains(&name) {
        kept.push(name);
    }
    Ok(id)
}
