//! Command-line flags, as clap parses them: the first of two typed stages (each command then
//! turns its flags into the options struct of the use case it calls). No work happens here.
//! One file per command group.

mod enforce;
mod gate;
mod log;
mod policy;
mod registry;
mod report;
mod usage;
mod witness;

pub use enforce::*;
pub use gate::*;
pub use log::*;
pub use policy::*;
pub use registry::*;
pub use report::*;
pub use usage::*;
pub use witness::*;

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
    /// Hold a period against public records (FedRAMP authorizations, the AI use-case
    /// inventory): every law-enforcement organisation they tie to the provider's offerings, and
    /// whether the report discloses it, withholds it (why), or has no linked account for it.
    Reconcile(ReconcileArgs),
    /// The same reconciliation from outside: verify a published report, import the public files
    /// given, and report every organisation they tie to the provider's offerings that the
    /// report's reconciliation does not account for (exit 1 when one is missing).
    ReconcileReport(ReconcileReportArgs),
    /// State, with a reason, that a law-enforcement organisation a public record ties to the
    /// provider's offerings is not a customer (appended to the log at once; the next
    /// reconciliation shows it), or withdraw that statement.
    ReconcileStatement(ReconcileStatementArgs),
    /// Serve the report, the log's tiles, the JSON API (OpenAPI at /openapi.json), the decision
    /// point and the review UI.
    Serve(ServeArgs),
    /// Run the gate a gateway asks on every request to the provider's APIs (NGINX
    /// auth_request, Envoy ext_authz, AuthZEN 1.0): the operation recognised by the taxonomy,
    /// decided by the active policy, counted for the report.
    Gate(GateArgs),
    /// Check a published report from the outside (a folder or an http(s) URL): checkpoint
    /// signature, every entry, every record the site shows, consistency with trusted checkpoints.
    Verify(VerifyArgs),
    /// Run a witness (C2SP tlog-witness): cosign a log's checkpoints only while they stay
    /// consistent.
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// Record and list what the provider did about its use policy's findings (warned,
    /// suspended, terminated, exception granted, no action).
    #[command(subcommand)]
    Enforce(EnforceCommand),
    /// Follow logs as a monitor: verify each whole on every poll, prove it extends what was
    /// verified before, compare it with its witnesses' views (split views kept as proof), and
    /// alert on the organisations, capabilities and record kinds you watch.
    Monitor {
        /// The configuration file (TOML: state_dir, [[log]] source/vkey/policy, [watch],
        /// [alerts] stdout/exec/webhook/atom; see the guide).
        #[arg(long)]
        config: std::path::PathBuf,
        /// Poll every log once and exit (for cron and tests).
        #[arg(long)]
        once: bool,
    },
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

/// Where `registry migrate`, `usage migrate` and `policy migrate` move a store: from its SQLite
/// file into PostgreSQL (ids kept; resumable; checked by row counts and content hashes).
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The SQLite database (`sqlite:PATH` or a path).
    #[arg(long)]
    pub from: String,
    /// The PostgreSQL database (postgres://user@host/db): an empty one, or one an interrupted run
    /// of this command began.
    #[arg(long)]
    pub to: String,
    #[arg(long)]
    pub json: bool,
}

/// `--db`, `--usage-db`, `--policy-db`: a store's place, parsed once here. Its error names the
/// flag and the URL without its password (clap's own would repeat the value as given).
#[derive(Debug, Clone, Copy)]
pub struct PlaceParser;

impl clap::builder::TypedValueParser for PlaceParser {
    type Value = pg::Place;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<pg::Place, clap::Error> {
        use clap::error::ErrorKind;
        let flag = arg.map(|a| a.to_string()).unwrap_or_else(|| "a store's place".into());
        let text = value
            .to_str()
            .ok_or_else(|| clap::Error::raw(ErrorKind::InvalidUtf8, format!("{flag}: not UTF-8\n")).with_cmd(cmd))?;
        pg::Place::parse(text)
            .map_err(|why| clap::Error::raw(ErrorKind::ValueValidation, format!("{flag}: {why}\n")).with_cmd(cmd))
    }
}
