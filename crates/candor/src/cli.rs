//! Command-line flags, as clap parses them. No work happens here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// candor makes a provider's dealings with law enforcement transparent, enforceable and
/// verifiable: disclosures go into an append-only, signed transparency log (C2SP tlog-tiles)
/// that anyone can check.
#[derive(Debug, Parser)]
#[command(name = "candor", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole pipeline on built-in demonstration data and show where the results are.
    Demo(DemoArgs),
    /// Create, append to, prove and verify a transparency log.
    #[command(subcommand)]
    Log(LogCommand),
    /// Import public records and customer accounts; classify organisations.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// Link customer accounts to registry organisations and queue the proposals for review.
    Screen(ScreenArgs),
    /// List, accept and reject proposed account-to-organisation links.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// The capability taxonomy: how billing lines become capabilities.
    #[command(subcommand)]
    Usage(UsageCommand),
    /// Generate demonstration data.
    #[command(subcommand)]
    Gen(GenCommand),
    /// Decide whether an account may use a capability, under the active use policy.
    Authorize {
        #[command(flatten)]
        policy: PolicyPlaces,
        /// The provider's account id.
        #[arg(long)]
        account: String,
        /// A capability of the taxonomy (see `candor usage taxonomy`), e.g. face_identification.
        #[arg(long)]
        capability: String,
        /// Service name.
        #[arg(long, default_value = "")]
        service: String,
        /// Region class: commercial, government or secret.
        #[arg(long = "region", default_value = "commercial")]
        region_class: String,
        /// Declared purpose (e.g. missing_persons).
        #[arg(long, default_value = "")]
        purpose: String,
        /// Decide under this policy file instead of the active version (nothing is recorded).
        #[arg(long)]
        policy_file: Option<PathBuf>,
        /// Record the decision and the entities it used, for replay.
        #[arg(long)]
        record: bool,
        #[arg(long)]
        json: bool,
    },
    /// Use policies: validate, activate (into the transparency log), audit, compare, serve.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Publish a period: append its disclosure records to the log, sign the checkpoint, and
    /// write the static report next to the log's tiles.
    Publish(PublishArgs),
    /// Serve the report, the log's tiles, the JSON API (OpenAPI at /openapi.json), the decision
    /// point and the review UI.
    Serve(ServeArgs),
    /// Check a published report from the outside (a folder or an http(s) URL): checkpoint
    /// signature, every entry, every record the site shows, consistency with trusted checkpoints.
    Verify(VerifyArgs),
    /// Explain why an organisation (or a customer account) is classified as it is, with its evidence.
    Explain {
        #[command(flatten)]
        db: RegistryDb,
        /// A customer account id, or an organisation: natural key (agency:7012), identifier (UEI,
        /// DUNS, ORI, agency code), #id or exact name.
        org: String,
        /// Only awards of at least this many dollars count (as for classify).
        #[arg(long, default_value_t = 0.0)]
        min_amount: f64,
        /// Only awards dated on or after this ISO date count.
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// Where the registry database is.
#[derive(Debug, Args, Clone)]
pub struct RegistryDb {
    /// The registry's SQLite database.
    #[arg(long, env = "CANDOR_DB", default_value = "candor-data/registry.db")]
    pub db: PathBuf,
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
    /// Proposals waiting for a decision (or every link with --all).
    List {
        #[command(flatten)]
        db: RegistryDb,
        /// Show every link with its current state, not only pending ones.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Accept a proposed link: the account belongs to the organisation.
    Accept(Decision),
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
}

#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// Write a generated billing file (FOCUS or CUR 2.0; CSV, gzip CSV or Parquet), every row
    /// marked demonstration data.
    Usage {
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
        /// Billing lines.
        #[arg(long, default_value_t = 100_000)]
        rows: u64,
        /// Number of (fictional) accounts, named demo-acct-00001 and on.
        #[arg(long, default_value_t = 1_000)]
        accounts: usize,
        /// Accounts that also use face identification (comma-separated ids).
        #[arg(long, value_delimiter = ',', default_value = "demo-acct-00001,demo-acct-00007")]
        face_accounts: Vec<String>,
        /// Layout.
        #[arg(long, default_value = "focus", value_parser = ["focus", "cur"])]
        format: String,
        /// First month (YYYY-MM).
        #[arg(long, default_value = "2026-07")]
        start: String,
        /// Months covered.
        #[arg(long, default_value_t = 3)]
        months: u32,
        /// Compress with gzip (CSV only; implied by a .gz file name).
        #[arg(long)]
        gzip: bool,
        /// Write Parquet (Snappy, dictionary-encoded; implied by a .parquet file name).
        #[arg(long)]
        parquet: bool,
        /// Rows per Parquet row group.
        #[arg(long, default_value_t = 1 << 20)]
        row_group_rows: usize,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsageCommand {
    /// List the capabilities and the rules that map billing lines to them.
    Taxonomy {
        /// Your own taxonomy file (TOML, same format); its rules come first.
        #[arg(long)]
        extra: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Read FOCUS or CUR 2.0 exports (CSV, gzip CSV or Parquet) and sum every line per
    /// capability and region class; unmapped lines are counted by service.
    Scan {
        /// The billing files (format recognised by content).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Report every departure from the FOCUS specification (by row and column).
        #[arg(long)]
        strict: bool,
        /// Your own taxonomy file; its rules come first.
        #[arg(long)]
        extra: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Ingest FOCUS or CUR 2.0 exports (CSV, gzip CSV or Parquet) into the usage store (each
    /// file all or nothing, once).
    Ingest {
        /// The billing files (format recognised by content).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The usage database.
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db")]
        usage_db: PathBuf,
        /// Refuse non-conformant files instead of reading them leniently.
        #[arg(long)]
        strict: bool,
        /// Your own taxonomy file; its rules come first.
        #[arg(long)]
        extra: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// How each organisation used the services: per period, service, capability and region class.
    Report {
        /// The usage database.
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db")]
        usage_db: PathBuf,
        #[command(flatten)]
        db: RegistryDb,
        /// Period: month or quarter.
        #[arg(long, default_value = "quarter", value_parser = ["month", "quarter"])]
        period: String,
        #[arg(long)]
        json: bool,
    },
    /// Print the aggregation as SQL for an engine you already have; its result goes back in
    /// with `usage ingest-aggregate`.
    Sql {
        /// Target engine.
        #[arg(long, value_parser = ["duckdb", "spark", "trino", "bigquery"])]
        dialect: String,
        /// A billing file (or its header line) whose columns the query should use
        /// [default: FOCUS 1.0 column names].
        #[arg(long)]
        columns_from: Option<PathBuf>,
        /// The table (or view) holding the billing lines.
        #[arg(long, default_value = "focus")]
        table: String,
        /// Your own taxonomy file; its rules come first.
        #[arg(long)]
        extra: Option<PathBuf>,
    },
    /// Ingest aggregates computed by another engine with `usage sql` (CSV or Parquet with the
    /// columns account, month, service, capability, region_class, unit, quantity, cost, lines,
    /// first, last).
    IngestAggregate {
        /// The aggregate files (CSV or Parquet).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The usage database.
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db")]
        usage_db: PathBuf,
    },
    /// Classify one billing line: its capability, the rule that decided it, its region class.
    Classify {
        /// Provider name as the export writes it (AWS, Microsoft, Google Cloud).
        #[arg(long)]
        provider: String,
        /// Service name (FOCUS ServiceName) or product code (CUR).
        #[arg(long)]
        service: String,
        /// SKU, usage type or meter.
        #[arg(long, default_value = "")]
        usage_type: String,
        /// Operation (API).
        #[arg(long, default_value = "")]
        operation: String,
        /// Region id.
        #[arg(long, default_value = "")]
        region: String,
        /// Your own taxonomy file; its rules come first.
        #[arg(long)]
        extra: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
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
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's files; replaced if it holds an earlier demo.
    #[arg(long, default_value = "candor-demo")]
    pub dir: PathBuf,
    /// Address to serve the report on at the end.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Do not serve the report at the end; exit once it is published and verified.
    #[arg(long)]
    pub no_serve: bool,
    /// Print a machine-readable summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The period to publish: YYYY-Qn.
    #[arg(long)]
    pub period: String,
    #[command(flatten)]
    pub policy: PolicyPlaces,
    #[command(flatten)]
    pub log: LogDir,
    /// The usage database.
    #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db")]
    pub usage_db: PathBuf,
    /// Publish exact quantities instead of volume bands.
    #[arg(long)]
    pub exact_quantities: bool,
    /// Mark every record and page as demonstration data (for generated usage).
    #[arg(long)]
    pub demonstration_data: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub log: LogDir,
    #[command(flatten)]
    pub policy: PolicyPlaces,
    /// The usage database (its services are prepared for fast decisions).
    #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db")]
    pub usage_db: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The tokens file (role, SHA-256 of the token, label; see `candor policy token`).
    #[arg(long, env = "CANDOR_TOKENS", default_value = "candor-data/tokens")]
    pub tokens: PathBuf,
    /// Let callers of /v1/authorize record decisions ("record": true).
    #[arg(long)]
    pub record: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The report: the log's public folder, or its http(s) URL.
    pub source: String,
    /// The log's verifier key (or a file holding it). Without it the key the site itself
    /// serves is used, which proves the site is self-consistent, not that it is the provider's.
    #[arg(long)]
    pub vkey: Option<String>,
    /// Older checkpoints you trust (files); the log must be consistent with each.
    #[arg(long)]
    pub trusted: Vec<PathBuf>,
    /// A file that remembers the last checkpoint verified: checked for consistency when it
    /// exists, then replaced by the new checkpoint when everything verifies.
    #[arg(long)]
    pub remember: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

/// The databases a policy decision reads.
#[derive(Debug, Args, Clone)]
pub struct PolicyPlaces {
    /// The registry's SQLite database.
    #[arg(long, env = "CANDOR_DB", default_value = "candor-data/registry.db")]
    pub db: PathBuf,
    /// The policy database (versions, registered uses, recorded decisions).
    #[arg(long, env = "CANDOR_POLICY_DB", default_value = "candor-data/policy.db")]
    pub policy_db: PathBuf,
}

impl PolicyPlaces {
    /// The places as the use cases take them.
    pub fn places(&self) -> app::PolicyPlaces {
        app::PolicyPlaces { registry_db: self.db.clone(), policy_db: self.policy_db.clone() }
    }
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the Cedar schema policies are validated against.
    Schema,
    /// Print candor's default policy (the two demands, with exceptions).
    Default,
    /// Validate a policy file against the schema (Cedar's diagnostics on failure).
    Validate {
        /// The policy file (Cedar).
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Validate a policy file, append it to the transparency log, and make it the active version.
    Activate {
        #[command(flatten)]
        policy: PolicyPlaces,
        #[command(flatten)]
        log: LogDir,
        /// The policy file (Cedar).
        file: PathBuf,
        /// Who activates it (a pseudonymous operator id, recorded and published).
        #[arg(long)]
        by: String,
        #[arg(long)]
        json: bool,
    },
    /// List the policy versions with their log indexes.
    History {
        #[command(flatten)]
        policy: PolicyPlaces,
        #[arg(long)]
        json: bool,
    },
    /// Run a policy over the stored usage and list every violation.
    Audit {
        #[command(flatten)]
        policy: PolicyPlaces,
        /// The usage database.
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db")]
        usage_db: PathBuf,
        /// Only this period (2026-Q3 or 2026-07).
        #[arg(long)]
        period: Option<String>,
        /// A past version (number or hash prefix) instead of the active one.
        #[arg(long)]
        policy_version: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// What changing from OLD to NEW would change on the stored usage (a dry run).
    Diff {
        #[command(flatten)]
        policy: PolicyPlaces,
        /// The usage database.
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db")]
        usage_db: PathBuf,
        /// A policy file, a version number or hash prefix, or `active`.
        old: String,
        /// A policy file, a version number or hash prefix, or `active`.
        new: String,
        #[arg(long)]
        json: bool,
    },
    /// Register (or withdraw) a reviewed use case for an account, e.g. missing_persons.
    RegisterUse {
        #[command(flatten)]
        policy: PolicyPlaces,
        /// The provider's account id.
        #[arg(long)]
        account: String,
        /// The use case (one word).
        #[arg(long = "use")]
        use_case: String,
        /// Reviewer id (a pseudonym).
        #[arg(long)]
        reviewer: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Withdraw it instead.
        #[arg(long)]
        withdraw: bool,
        #[arg(long)]
        json: bool,
    },
    /// Evaluate every recorded decision again under its own version; report any difference.
    Replay {
        #[command(flatten)]
        policy: PolicyPlaces,
        #[arg(long)]
        json: bool,
    },
    /// Serve the decision point over HTTP (POST /v1/authorize).
    Serve {
        #[command(flatten)]
        policy: PolicyPlaces,
        /// The usage database (its services are prepared for fast decisions).
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db")]
        usage_db: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8181")]
        listen: String,
        /// The tokens file (role, SHA-256 of the token, label; see `candor policy token`).
        #[arg(long, env = "CANDOR_TOKENS", default_value = "candor-data/tokens")]
        tokens: PathBuf,
        /// Let callers record decisions ("record": true).
        #[arg(long)]
        record: bool,
    },
    /// Make a bearer token for the server; prints it once and stores only its hash.
    Token {
        /// admin, reviewer or authorizer.
        #[arg(long)]
        role: String,
        /// A label to recognise it by.
        #[arg(long, default_value = "")]
        label: String,
        /// The tokens file.
        #[arg(long, env = "CANDOR_TOKENS", default_value = "candor-data/tokens")]
        tokens: PathBuf,
    },
}

/// Where the log lives: a home folder with `log.key`, `log.vkey`, `public/` and `state/`.
#[derive(Debug, Args, Clone)]
pub struct LogDir {
    /// The log's home folder.
    #[arg(long, env = "CANDOR_LOG_DIR", default_value = "candor-log")]
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Create a new log: generate its Ed25519 key and sign the empty checkpoint.
    Init {
        #[command(flatten)]
        log: LogDir,
        /// The log's origin (also its key name), a schema-less URL such as example.com/log.
        #[arg(long)]
        origin: String,
        #[arg(long)]
        json: bool,
    },
    /// Append entries: each FILE is one entry; without files, each line of stdin is one.
    Append {
        #[command(flatten)]
        log: LogDir,
        /// Files to append, one entry each (`-` is stdin as a single entry).
        files: Vec<PathBuf>,
        /// Treat every line of the FILES as its own entry.
        #[arg(long)]
        lines: bool,
        /// Most entries integrated under one checkpoint.
        #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        batch_size: u32,
        /// One JSON object per entry instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the latest signed checkpoint (after checking its signature).
    Checkpoint {
        #[command(flatten)]
        log: LogDir,
        /// Also save it to this file (to pass later as `verify --trusted`).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write a tlog-proof file proving that entry INDEX is in the log.
    Prove {
        #[command(flatten)]
        log: LogDir,
        /// Index of the entry.
        index: u64,
        /// Where to write the proof [default: entry-INDEX.tlog-proof].
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Check a whole log folder: every entry rehashed, every tile and the root recomputed,
    /// the signature checked, and consistency with older trusted checkpoints.
    Verify {
        /// A log home (with public/) or a bare tlog-tiles folder [default: --dir].
        target: Option<PathBuf>,
        #[command(flatten)]
        log: LogDir,
        /// The log's verifier key, or a file holding it [default: the home's log.vkey].
        #[arg(long)]
        vkey: Option<String>,
        /// An older signed checkpoint the latest must be consistent with (repeatable).
        #[arg(long)]
        trusted: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Check a tlog-proof file for an entry, offline.
    VerifyProof {
        /// The .tlog-proof file.
        proof: PathBuf,
        /// The entry the proof is for (`-` for stdin).
        #[arg(long)]
        entry: PathBuf,
        /// The log's verifier key, or a file holding it [default: log.vkey of --dir].
        #[arg(long)]
        vkey: Option<String>,
        #[command(flatten)]
        log: LogDir,
        #[arg(long)]
        json: bool,
    },
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
