//! Flags of `candor registry`, `candor screen`, `candor review` and `candor explain`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::MigrateArgs;

/// Where the registry database is.
#[derive(Debug, Args, Clone)]
pub struct RegistryDb {
    /// The registry: a SQLite file, or a PostgreSQL database (postgres://user@host/db).
    #[arg(long, env = "CANDOR_DB", default_value = "candor-data/registry.db", value_parser = super::PlaceParser)]
    pub db: pg::Place,
}

impl RegistryDb {
    /// The registry these flags name, not opened yet.
    pub fn stores(&self) -> app::stores::Stores {
        app::stores::Stores::default().with_registry(self.db.path())
    }
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Import files (each all-or-nothing; a file imported before changes nothing).
    Import {
        #[command(flatten)]
        db: RegistryDb,
        /// What the files are.
        #[arg(value_enum)]
        kind: ImportKind,
        /// The files (none for `reference`: candor's own reference is used).
        files: Vec<PathBuf>,
        /// Skip bad rows, listing each, instead of refusing the file.
        #[arg(long)]
        skip_bad_rows: bool,
        #[arg(long)]
        json: bool,
    },
    /// Derive classifications (agencies, suppliers, roll-ups) and append changes to the history.
    Classify {
        #[command(flatten)]
        db: RegistryDb,
        /// Least total amount (US dollars) from law-enforcement contracts for a supplier.
        #[arg(long, default_value_t = 0.0)]
        min_amount: f64,
        /// Only awards dated on or after this ISO date (YYYY-MM-DD) count.
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write the registry as FollowTheMoney JSON lines (for OpenSanctions and Aleph tooling).
    ExportFtm {
        #[command(flatten)]
        db: RegistryDb,
        /// Output file [default: stdout].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Move the registry from its SQLite file into PostgreSQL (ids kept; resumable; checked by
    /// row counts and content hashes).
    Migrate(MigrateArgs),
    /// Counts of what the registry holds.
    Stats {
        #[command(flatten)]
        db: RegistryDb,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Proposals waiting for a decision, ordered by consequence, with the account's and the
    /// organisation's facts (or every link with its state, with --all).
    List {
        #[command(flatten)]
        db: RegistryDb,
        /// The usage database (what each account used, for the order and the facts).
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
        usage_db: pg::Place,
        /// The policy database (the active policy says which links would make a deny).
        #[arg(long, env = "CANDOR_POLICY_DB", default_value = "candor-data/policy.db", value_parser = super::PlaceParser)]
        policy_db: pg::Place,
        /// Only proposals with KEY=VALUE (repeatable): kind, role, status, country, state,
        /// capability, score=LOW-HIGH, age=DAYS (waiting at least), would_deny=true|false.
        #[arg(long = "filter", value_name = "KEY=VALUE")]
        filters: Vec<String>,
        /// impact (a link that would make a deny first, then usage volume, then score), score,
        /// age (oldest first) or value (the chance it is right, calibrated on reviewers'
        /// decisions, times what accepting it changes).
        #[arg(long, default_value = "impact")]
        sort: String,
        /// Skip this many proposals.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Show at most this many (up to 500).
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Show every link with its current state, not only pending ones (no order or filters).
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Accept a proposed link: the account belongs to the organisation. A link that would make
    /// the active policy deny something the account uses needs a second reviewer (four eyes).
    Accept(Decision),
    /// Accept several proposals with one reason, each recorded as its own decision: only exact
    /// identifier matches (UEI, DUNS, ORI); refused as a whole otherwise.
    BulkAccept {
        #[command(flatten)]
        db: RegistryDb,
        /// The proposals' ids (from `candor review list`).
        #[arg(required = true)]
        ids: Vec<i64>,
        /// Your reviewer id (a pseudonym; it may be published).
        #[arg(long)]
        reviewer: String,
        /// Why (recorded with each link).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        queue: QueueStores,
        #[arg(long)]
        json: bool,
    },
    /// Reject a proposed link.
    Reject(Decision),
}

/// A reviewer's decision on one proposal.
#[derive(Debug, Args)]
pub struct Decision {
    #[command(flatten)]
    pub db: RegistryDb,
    /// The proposal's event id (from `candor review list`).
    pub id: i64,
    /// For an ambiguous proposal, the candidate chosen: its id (#123), natural key or
    /// identifier (uei:…, duns:…, ori:…).
    #[arg(long)]
    pub org: Option<String>,
    /// Your reviewer id (a pseudonym; it may be published).
    #[arg(long)]
    pub reviewer: String,
    /// Why.
    #[arg(long)]
    pub reason: String,
    /// Decide a proposal that was decided before; recorded as a reversal of that decision.
    #[arg(long = "override")]
    pub overrides: bool,
    #[command(flatten)]
    pub queue: QueueStores,
}

/// What the review queue reads besides the registry, and its four-eyes rule.
#[derive(Debug, Args, Clone)]
pub struct QueueStores {
    /// The usage database (what each account used).
    #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
    pub usage_db: pg::Place,
    /// The policy database (the active policy says which links would make a deny).
    #[arg(long, env = "CANDOR_POLICY_DB", default_value = "candor-data/policy.db", value_parser = super::PlaceParser)]
    pub policy_db: pg::Place,
    /// Which accepted links need a second reviewer: deny (those that would make the active
    /// policy deny something the account uses) or off.
    #[arg(long, default_value = "deny", value_parser = ["deny", "off"])]
    pub four_eyes: String,
}

impl QueueStores {
    /// The stores the queue reads: the registry `db` and these.
    pub fn stores(&self, db: &RegistryDb) -> app::stores::Stores {
        db.stores().with_usage(self.usage_db.path()).with_policy(self.policy_db.path())
    }
}

/// Importable file kinds.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportKind {
    /// USAspending contract downloads (award summaries, transactions, subawards).
    Usaspending,
    /// The FBI UCR agency list.
    Fbi,
    /// The EFF Atlas of Surveillance CSV (agencies' surveillance technologies and their vendors).
    Atlas,
    /// A federal law-enforcement reference (TOML); candor's own when no file is given.
    Reference,
    /// Customer accounts (CSV: account_id, legal_name, country, state, city, uei, domain).
    Accounts,
    /// FollowTheMoney JSON lines (Organization, Company, PublicBody, Contract, ContractAward, Ownership).
    Ftm,
    /// The FedRAMP Marketplace (JSON): which federal agencies authorized which cloud offerings
    /// (the Marketplace's data), or the offerings' providers with their UEI (the products export).
    Fedramp,
    /// The federal AI use-case inventory (OMB's CSV): vendors of face recognition, biometrics
    /// and computer vision to law-enforcement bureaus become their suppliers.
    AiInventory,
}

#[derive(Debug, Args)]
pub struct ScreenArgs {
    #[command(flatten)]
    pub db: RegistryDb,
    /// Least score for a proposal (0 to 1).
    #[arg(long, default_value_t = 0.82)]
    pub threshold: f64,
    /// Score a labelled evaluation set (CSV: account_id, legal_name, state, expect, how)
    /// instead of the stored accounts, printing precision and recall overall and per category.
    #[arg(long, conflicts_with = "name")]
    pub evaluate: Option<PathBuf>,
    /// Screen one name (and --state) without storing anything: what would be proposed, and why.
    #[arg(long)]
    pub name: Option<String>,
    /// The state of the name given with --name (e.g. MN).
    #[arg(long, requires = "name")]
    pub state: Option<String>,
    #[arg(long)]
    pub json: bool,
}
