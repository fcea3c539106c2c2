//! Flags of `candor demo`, `candor publish`, `candor serve` and `candor verify`.

use std::path::PathBuf;

use clap::Args;

use super::log::LogDir;
use super::policy::PolicyPlaces;

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
    #[arg(long, value_parser = |s: &str| publish::gather::Period::parse(s).map_err(|e| e.to_string()))]
    pub period: publish::gather::Period,
    #[command(flatten)]
    pub policy: PolicyPlaces,
    #[command(flatten)]
    pub log: LogDir,
    /// The usage database: a SQLite file, or a PostgreSQL database (postgres://user@host/db).
    #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
    pub usage_db: pg::Place,
    /// Publish exact quantities instead of volume bands.
    #[arg(long)]
    pub exact_quantities: bool,
    /// Mark every record and page as demonstration data (for generated usage).
    #[arg(long)]
    pub demonstration_data: bool,
    /// Publish the report even if the log's witnesses miss their quorum (bootstrap only; the
    /// period summary and every page say so).
    #[arg(long)]
    pub witness_fail_open: bool,
    /// The provider's offerings (TOML, see `candor reconcile`): the period is held against the
    /// imported public records and the reconciliation published with it.
    #[arg(long)]
    pub provider: Option<std::path::PathBuf>,
    /// Write every page of the report again, even when the log has not changed since it was
    /// last written (by default an unchanged report is left as it is)
    #[arg(long)]
    pub rebuild_site: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The period: YYYY-Qn (published or not: before publishing, what it would disclose).
    #[arg(long, value_parser = |s: &str| publish::gather::Period::parse(s).map_err(|e| e.to_string()))]
    pub period: publish::gather::Period,
    /// The provider's offerings (TOML: name, uei, fedramp_offerings, inventory_names; see the
    /// guide's section on reconciliation).
    #[arg(long, default_value = "provider.toml")]
    pub provider: std::path::PathBuf,
    /// The registry, with the FedRAMP Marketplace and the AI use-case inventory imported.
    #[command(flatten)]
    pub db: super::RegistryDb,
    #[command(flatten)]
    pub log: LogDir,
    /// The usage database (what the period withholds and why).
    #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
    pub usage_db: pg::Place,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReconcileStatementArgs {
    /// The organisation: a name, #id, key or identifier of the registry (a law-enforcement
    /// organisation a public record ties to the provider's offerings).
    #[arg(long)]
    pub org: String,
    /// Why it is not a customer: what you checked (published with the statement).
    #[arg(long)]
    pub reason: String,
    /// Your reviewer id (published as a salted pseudonym).
    #[arg(long)]
    pub reviewer: String,
    /// Withdraw the statement in force instead.
    #[arg(long)]
    pub withdraw: bool,
    #[command(flatten)]
    pub db: super::RegistryDb,
    #[command(flatten)]
    pub log: LogDir,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReconcileReportArgs {
    /// The published report: its folder (the log's public folder) or its http(s) URL.
    pub source: String,
    /// A FedRAMP Marketplace file (JSON; repeatable).
    #[arg(long)]
    pub fedramp: Vec<std::path::PathBuf>,
    /// A federal AI use-case inventory file (CSV; repeatable).
    #[arg(long)]
    pub ai_inventory: Vec<std::path::PathBuf>,
    /// An extra reference of law-enforcement agencies (TOML, as `candor registry import
    /// reference` reads; repeatable); candor's own is always read.
    #[arg(long)]
    pub reference: Vec<std::path::PathBuf>,
    /// The provider's offerings (TOML), as the provider declares them.
    #[arg(long)]
    pub provider: std::path::PathBuf,
    /// The period (the last one the report published when not given).
    #[arg(long)]
    pub period: Option<String>,
    /// The log's verifier key (a vkey or a file holding one); the site's own when not given.
    #[arg(long)]
    pub vkey: Option<String>,
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
    #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
    pub usage_db: pg::Place,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The tokens file (role, SHA-256 of the token, label; see `candor policy token`).
    #[arg(long, env = "CANDOR_TOKENS", default_value = "candor-data/tokens")]
    pub tokens: PathBuf,
    /// Let callers of /v1/authorize record decisions ("record": true).
    #[arg(long)]
    pub record: bool,
    /// Which accepted links need a second reviewer: deny (those that would make the active
    /// policy deny something the account uses) or off.
    #[arg(long, default_value = "deny", value_parser = ["deny", "off"])]
    pub four_eyes: String,
    #[command(flatten)]
    pub limits: ServeLimits,
}

/// How many connections and for how long.
#[derive(Debug, Args)]
pub struct ServeLimits {
    /// Connections served at once; more are answered 503 with Retry-After (health checks are
    /// still answered).
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
    /// Connections served at once to one client (an IP address; an IPv6 /64), so that one
    /// client cannot take them all; more are treated as beyond --max-connections [default: a
    /// quarter of --max-connections]. 0: no cap, for a server behind a proxy, where every
    /// client has the proxy's address.
    #[arg(long)]
    pub max_per_client: Option<usize>,
    /// Seconds a client has to send a request's headers, and the longest an open connection may
    /// wait for its next request.
    #[arg(long, default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a client has to send a request's body and get its answer (else 408).
    #[arg(long, default_value_t = 30)]
    pub request_timeout: u64,
}

impl ServeLimits {
    pub fn limits(&self) -> server::Limits {
        server::Limits {
            header_timeout: std::time::Duration::from_secs(self.header_timeout.max(1)),
            request_timeout: std::time::Duration::from_secs(self.request_timeout.max(1)),
            max_connections: self.max_connections.max(1),
            max_per_client: self
                .max_per_client
                .unwrap_or_else(|| server::Limits::per_client_for(self.max_connections.max(1))),
        }
    }
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
    /// A file that remembers what was verified (the checkpoint, its tree's frontier, every
    /// file's SHA-256): when it exists, the log must extend that tree and only what changed is
    /// checked (new entries and tiles, changed files, pages whose records changed); replaced
    /// when everything verifies. A file holding only a checkpoint (as earlier versions wrote
    /// it) is held as a trusted checkpoint.
    #[arg(long)]
    pub remember: Option<PathBuf>,
    /// With --remember: check everything, as without a memory, but still prove the log
    /// extends the remembered checkpoint.
    #[arg(long, requires = "remember")]
    pub full: bool,
    /// A trust policy (log, witness, group, quorum lines): the site's checkpoint must carry
    /// its quorum of witness cosignatures. Without it, the policy the site serves
    /// (trust-policy) is used, if any, with a warning.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}
