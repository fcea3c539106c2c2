//! The log as the notice steps use it: opened for writing with its records read, so a step
//! decides from exactly what the public can read, appends one record, and serves it (witnessed
//! when the log has a trust policy, the report's pages rebuilt); and the gate an activation
//! passes against the log's proposals.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use policy::engine::PolicyVersion;
use publish::index::{Cache, RecordIndex};
use publish::notices::{self, ProposalState};
use records::{Link, Parsed, Record};
use tlog::{DirStorage, LocalLog, LogWriter};

/// A log opened for writing, with its record index, its policy notices and its customer
/// statements read: what every notice step decides from.
pub struct NoticeLog {
    pub(crate) home: LocalLog,
    writer: LogWriter<DirStorage>,
    trust: Option<tlog::trust::Policy>,
    /// Every entry, indexed (extended by what was appended since the last step).
    pub(crate) index: RecordIndex,
    /// The policy notices (`candor.policy_*` records) and customer statements, read whole: a
    /// handful of entries.
    pub(crate) records: Vec<(u64, Parsed)>,
}

/// Whether records of `kind` are read whole by the steps on a [`NoticeLog`]: the policy
/// notices and the customer statements (what the notice and statement steps decide from).
fn is_notice(kind: &str) -> bool {
    kind.starts_with("candor.policy_") || kind == "candor.customer_statement"
}

impl NoticeLog {
    /// Opens the log in `log_dir` (taking its writer lock), brings its record index up to date
    /// (reading only the entries appended since) and reads its policy notices.
    pub fn open(log_dir: &Path) -> Result<NoticeLog> {
        let home = LocalLog::at(log_dir);
        let (writer, trust) = crate::log::witnessing::open_writer(&home)?;
        let cache = index_file(&home);
        let (index, _) = RecordIndex::open(writer.storage(), writer.size(), &writer.root(), Cache::ReadWrite(&cache))?;
        let records = index.read_kinds(writer.storage(), &is_notice)?;
        Ok(NoticeLog { home, writer, trust, index, records })
    }

    /// Every proposal with what later records say of it.
    pub fn proposals(&self) -> BTreeMap<u64, ProposalState> {
        notices::proposals(self.known())
    }

    /// The records of kinds this format defines, with their indexes.
    pub(crate) fn known(&self) -> impl Iterator<Item = (u64, &Record)> + Clone {
        self.records.iter().filter_map(|(i, r)| Some((*i, r.known()?)))
    }

    /// A link to the entry at `index`.
    pub fn link(&self, index: u64) -> Option<Link> {
        self.index.link(index)
    }

    /// Whether the log's records are demonstration data (a demo's log).
    pub(crate) fn demonstration(&self) -> bool {
        self.index.iter().any(|(_, e)| e.demonstration)
    }

    /// The writer, for a step that appends through another crate (a policy activation).
    pub fn writer(&mut self) -> &mut LogWriter<DirStorage> {
        &mut self.writer
    }

    /// Appends one record (canonical JSON); durable when this returns.
    pub(crate) fn append(&mut self, record: Record) -> Result<u64> {
        let (range, entries) = records::append(&mut self.writer, std::slice::from_ref(&record))
            .map_err(|e| anyhow::Error::new(e).context("shorten the text or reason"))?;
        for entry in &entries {
            self.index.push(entry);
        }
        if is_notice(record.kind()) {
            self.records.push((range.start, Parsed::Known(record)));
        }
        Ok(range.start)
    }

    /// Serves what was appended: witnessed first when the log has a trust policy, then the
    /// report's pages rebuilt when the log already has a report.
    pub fn finish(self) -> Result<()> {
        let NoticeLog { home, writer, trust, .. } = self;
        if let Some(trust) = trust {
            let round = crate::log::witnessing::witness_and_publish(&home, &writer, &trust, false)?;
            if !round.published {
                return Err(round.unpublished_error().context("the record is in the log, but not yet served"));
            }
        }
        drop(writer);
        if home.public_dir().join("index.html").exists() {
            crate::log::update_site(&home, false)?;
        }
        Ok(())
    }
}

/// Where the log's record index is kept: its private state folder, beside the writer's state.
pub fn index_file(home: &LocalLog) -> std::path::PathBuf {
    home.home().join(tlog::STATE_DIR).join(publish::index::FILE_NAME)
}

/// Today, `YYYY-MM-DD` (UTC).
pub fn today() -> String {
    registry::model::now().chars().take(10).collect()
}

/// The gate an activation of `version` passes today, and what its record says of notice.
pub fn activation_notice(
    log: &NoticeLog,
    version: &PolicyVersion,
    emergency: Option<&str>,
) -> Result<policy::store::ActivationNotice> {
    if let Some(why) = emergency {
        registry::input::check("--reason", why, registry::input::Lines::Many).map_err(anyhow::Error::msg)?;
    }
    let gate = notices::gate(&log.proposals(), &version.sha256, &today(), emergency.is_some())?;
    let proposal = match gate {
        notices::Gate::AfterNotice(i) | notices::Gate::Emergency(Some(i)) => log.link(i),
        notices::Gate::WithoutNotice | notices::Gate::Emergency(None) => None,
    };
    Ok(policy::store::ActivationNotice { proposal, emergency: emergency.map(str::to_string) })
}
