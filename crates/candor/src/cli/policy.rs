//! Flags of `candor authorize` and `candor policy`: where the policy decision reads from.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::MigrateArgs;
use super::log::LogDir;

/// The databases a policy decision reads.
#[derive(Debug, Args, Clone)]
pub struct PolicyPlaces {
    /// The registry: a SQLite file, or a PostgreSQL database (postgres://user@host/db).
    #[arg(long, env = "CANDOR_DB", default_value = "candor-data/registry.db", value_parser = super::PlaceParser)]
    pub db: pg::Place,
    /// The policy database (versions, registered uses, decisions, enforcement): a SQLite file, or
    /// a PostgreSQL database (postgres://user@host/db).
    #[arg(long, env = "CANDOR_POLICY_DB", default_value = "candor-data/policy.db", value_parser = super::PlaceParser)]
    pub policy_db: pg::Place,
}

/// What the provider declares of a use it registers: the facts oversight regimes ask for
/// (mandatory unless noted). Give them as flags, in a TOML file (`--declaration`), or both
/// (flags win).
#[derive(Debug, Args, Clone, Default)]
pub struct Declared {
    /// A TOML file with the fields below (purpose = "…", authority = "warrant", …).
    #[arg(long)]
    pub declaration: Option<PathBuf>,
    /// What the use is for.
    #[arg(long)]
    pub purpose: Option<String>,
    /// Authorisation type: court-order, warrant, administrative, statute or consent.
    #[arg(long)]
    pub authority: Option<String>,
    /// The legal basis in words (optional).
    #[arg(long)]
    pub authority_detail: Option<String>,
    /// Whether a person reviews every result before it is acted on.
    #[arg(long, value_parser = ["yes", "no"])]
    pub human_review: Option<String>,
    /// Who reviews (a role), required with --human-review yes.
    #[arg(long)]
    pub human_review_by: Option<String>,
    /// The similarity or confidence threshold a result must meet (0 to 1).
    #[arg(long)]
    pub confidence_threshold: Option<f64>,
    /// Reference data searched (repeatable).
    #[arg(long)]
    pub reference_data: Vec<String>,
    /// Who receives results outside the organisation (repeatable; "none" when nobody).
    #[arg(long)]
    pub sharing: Vec<String>,
    /// How long inputs and results are kept.
    #[arg(long)]
    pub retention: Option<String>,
    /// First day of the use, YYYY-MM-DD.
    #[arg(long)]
    pub start: Option<String>,
    /// Last day, when it ends (optional).
    #[arg(long)]
    pub end: Option<String>,
    /// Who approved it (a pseudonym or role).
    #[arg(long)]
    pub approved_by: Option<String>,
}

impl PolicyPlaces {
    /// The stores these flags name, none opened yet (the command opens each once, when used).
    pub fn stores(&self) -> app::stores::Stores {
        app::stores::Stores::default().with_registry(self.db.path()).with_policy(self.policy_db.path())
    }
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the Cedar schema policies are validated against.
    Schema,
    /// Move the policy database from its SQLite file into PostgreSQL (ids kept; resumable;
    /// checked by row counts and content hashes).
    Migrate(MigrateArgs),
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
    /// A version proposed with notice (candor policy propose) is refused before its effective
    /// date unless --emergency; one never proposed is shown as "activated without notice".
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
        /// Activate before the proposal's notice ran out; recorded and shown as an emergency
        /// activation on every page that names the version. Needs --reason.
        #[arg(long, requires = "reason")]
        emergency: bool,
        /// Why it cannot wait (published with an emergency activation).
        #[arg(long, requires = "emergency")]
        reason: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Announce a policy version before it takes effect: validated as activate does, its
    /// effect on the last published period's usage computed, appended to the log.
    Propose {
        #[command(flatten)]
        policy: PolicyPlaces,
        #[command(flatten)]
        log: LogDir,
        /// The usage database the effect is computed on.
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
        usage_db: pg::Place,
        /// The proposed policy file (Cedar).
        file: PathBuf,
        /// First day it may take effect (YYYY-MM-DD), at least the log's minimum notice away.
        #[arg(long)]
        effective: String,
        /// Why the change is proposed (published; the pages say when none was given).
        #[arg(long, default_value = "")]
        reason: String,
        /// Who proposes it (an operator id; published as a pseudonym).
        #[arg(long)]
        by: String,
        #[arg(long)]
        json: bool,
    },
    /// List the policy proposals in the log, with their status and objections.
    Proposals {
        #[command(flatten)]
        log: LogDir,
        #[arg(long)]
        json: bool,
    },
    /// Object to an open proposal (published under a salted pseudonym of --objector).
    Object {
        #[command(flatten)]
        log: LogDir,
        /// The proposal's log index.
        proposal: u64,
        /// Why (published).
        #[arg(long)]
        reason: String,
        /// Who objects (a staff id; only a pseudonym of it is published).
        #[arg(long)]
        objector: String,
        #[arg(long)]
        json: bool,
    },
    /// Withdraw an open proposal (a record too).
    Withdraw {
        #[command(flatten)]
        log: LogDir,
        /// The proposal's log index.
        proposal: u64,
        /// Why (published).
        #[arg(long)]
        reason: String,
        /// Who withdraws it (an operator id; published as a pseudonym).
        #[arg(long)]
        by: String,
        #[arg(long)]
        json: bool,
    },
    /// Set the log's minimum notice for later proposals (a record; 30 days until set).
    SetNotice {
        #[command(flatten)]
        log: LogDir,
        /// Days between a proposal and its effective date, at least.
        #[arg(long = "notice-days", visible_alias = "days")]
        days: u32,
        /// Why (published).
        #[arg(long)]
        reason: String,
        /// Who sets it (an operator id; published as a pseudonym).
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
        /// The usage database: a SQLite file, or a PostgreSQL database (postgres://user@host/db).
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
        usage_db: pg::Place,
        /// Only this period (2026-Q3 or 2026-07).
        #[arg(long, value_parser = usage::fold::PeriodSpec::parse)]
        period: Option<usage::fold::PeriodSpec>,
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
        /// The usage database: a SQLite file, or a PostgreSQL database (postgres://user@host/db).
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
        usage_db: pg::Place,
        /// A policy file, a version number or hash prefix, or `active`.
        old: String,
        /// A policy file, a version number or hash prefix, or `active`.
        new: String,
        /// Only this period's usage (2026-Q3 or 2026-07).
        #[arg(long, value_parser = usage::fold::PeriodSpec::parse)]
        period: Option<usage::fold::PeriodSpec>,
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
        #[command(flatten)]
        declared: Box<Declared>,
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
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
        usage_db: pg::Place,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8181")]
        listen: String,
        /// The tokens file (role, SHA-256 of the token, label; see `candor policy token`).
        #[arg(long, env = "CANDOR_TOKENS", default_value = "candor-data/tokens")]
        tokens: PathBuf,
        /// Let callers record decisions ("record": true).
        #[arg(long)]
        record: bool,
        #[command(flatten)]
        limits: super::ServeLimits,
    },
    /// Make a bearer token for the server; prints it once and stores only its hash.
    Token {
        /// admin, reviewer, authorizer or staff (staff may object to policy proposals).
        #[arg(long, value_parser = token_role())]
        role: server::auth::Role,
        /// A label to recognise it by.
        #[arg(long, default_value = "")]
        label: String,
        /// The tokens file.
        #[arg(long, env = "CANDOR_TOKENS", default_value = "candor-data/tokens")]
        tokens: PathBuf,
    },
}

/// `--role`: a token's role, listed in `--help` and in the error.
fn token_role() -> impl clap::builder::TypedValueParser<Value = server::auth::Role> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(["admin", "reviewer", "authorizer", "staff"])
        .try_map(|s| server::auth::Role::parse(&s).ok_or("admin, reviewer, authorizer or staff"))
}
