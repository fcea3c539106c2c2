//! The benchmarks' flags, as clap parses them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// candor's benchmarks: each measures real work on this machine, side by side with a named
/// baseline in the same run, and prints the numbers (or JSON with --json).
#[derive(Debug, Parser)]
#[command(name = "candor-bench", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: BenchCommand,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Durable appends per second at several batch sizes, Merkle and tile work against raw
    /// SHA-256, and inclusion proofs per second from the tiles.
    Log(BenchLogArgs),
    /// Screening of generated accounts against the registry built from the real public files,
    /// side by side with a Python rapidfuzz baseline on the same inputs.
    Screen(BenchScreenArgs),
    /// Usage aggregation of a generated FOCUS file (Parquet and gzip CSV), side by side with
    /// DuckDB running the `candor usage sql` query on the same files.
    Usage(BenchUsageArgs),
    /// Policy decisions per second and their latency, in process and over HTTP (wrk), side by
    /// side with cedar-policy called directly.
    Policy(BenchPolicyArgs),
    /// Publishing a period for many (fictional) organisations: gathering, appending, writing
    /// the site, publishing again (nothing new), and the outside check of the whole report.
    Publish(BenchPublishArgs),
    /// One step of `publish`, in a process of its own so its peak memory is its own (run by
    /// `publish`; prints JSON).
    #[command(hide = true)]
    PublishStep(BenchPublishStepArgs),
    /// Witness cosignatures per second and their latency for many logs, durable state, in
    /// process and over HTTP on loopback.
    Witness(BenchWitnessArgs),
    /// The stores on SQLite and on PostgreSQL side by side: importing the real files,
    /// screening accounts, recording decisions, two server replicas over HTTP.
    Stores(BenchStoresArgs),
    /// The review queue at a large provider's shape: listing, ordering by consequence and
    /// filtering some 100,000 proposals, in process and over HTTP (p50, p95; target p95 under
    /// 200 ms).
    Review(BenchReviewArgs),
    /// Importing the FedRAMP Marketplace and the AI use-case inventory (time, peak memory) and
    /// reconciling a period on a registry of 1,000,000 fictional accounts, beside the ties
    /// computed from the file by a Python script.
    Reconcile(BenchReconcileArgs),
    /// The gate behind NGINX at a large provider's shape (a million accounts): requests per
    /// second and p50/p99 through NGINX without auth_request, with the gate (cache on and
    /// off), and at the gate alone (wrk); the gate's start time and peak memory; in process,
    /// gate.decide for linked and unlinked accounts.
    Gate(BenchGateArgs),
}

#[derive(Debug, Args)]
pub struct BenchGateArgs {
    /// Customer accounts in the registry (fictional), the linked ones included.
    #[arg(long, default_value_t = 1_000_000)]
    pub accounts: usize,
    /// Accounts confirmed as belonging to a fictional organisation (40% police agencies, 20%
    /// suppliers, 40% ordinary companies); the rest are linked to none.
    #[arg(long, default_value_t = 5_000)]
    pub linked: usize,
    /// Fictional police agencies (confirmed agencies by a generated reference).
    #[arg(long, default_value_t = 200)]
    pub agencies: usize,
    /// Fictional suppliers, each holding a generated award from one of the agencies.
    #[arg(long, default_value_t = 100)]
    pub suppliers: usize,
    /// Fictional ordinary companies.
    #[arg(long, default_value_t = 400)]
    pub companies: usize,
    /// Distinct requests in the mix wrk rotates over (and the in-process check decides).
    #[arg(long, default_value_t = 20_000)]
    pub distinct: usize,
    /// Decisions timed in process for each kind of account (at least 20,000 for a p99).
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(20_000..))]
    pub decisions: u64,
    /// wrk threads, the same for every row.
    #[arg(long, default_value_t = 1)]
    pub threads: u32,
    /// wrk connections, the same for every row.
    #[arg(long, default_value_t = 32)]
    pub connections: u32,
    /// Seconds of wrk load per row.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// NGINX worker_processes.
    #[arg(long, default_value = "auto")]
    pub nginx_workers: String,
    /// The region class NGINX tells the gate (X-Candor-Region-Class); "" to send none.
    #[arg(long, default_value = "commercial")]
    pub region_class: String,
    /// The candor binary [default: beside this one].
    #[arg(long)]
    pub candor: Option<PathBuf>,
    /// Keep the benchmark's folder (stores, NGINX configuration, the gates' logs; printed).
    #[arg(long)]
    pub keep: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchReconcileArgs {
    /// The real public data (usaspending/, agencies/, fedramp/, ai-inventory/).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Fictional accounts stored and screened.
    #[arg(long, default_value_t = 1_000_000)]
    pub accounts: usize,
    /// Reconciliations timed (the median is reported).
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchReviewArgs {
    /// The real public data (usaspending/, agencies/).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Fictional accounts stored and screened (about 5.5% become proposals).
    #[arg(long, default_value_t = 1_850_000)]
    pub accounts: usize,
    /// Times each listing is asked, in process and over HTTP.
    #[arg(long, default_value_t = 40)]
    pub repeats: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchStoresArgs {
    /// The real public data (usaspending/, agencies/).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// A PostgreSQL server's admin URL (a role that may create databases) [default:
    /// CANDOR_TEST_POSTGRES].
    #[arg(long)]
    pub postgres: Option<String>,
    /// Fictional accounts stored and screened.
    #[arg(long, default_value_t = 1_000_000)]
    pub accounts: usize,
    /// Decisions recorded one by one.
    #[arg(long, default_value_t = 1_000_000)]
    pub decisions: usize,
    /// Skip the HTTP measurement.
    #[arg(long)]
    pub no_http: bool,
    /// Seconds of HTTP load.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent HTTP connections per replica.
    #[arg(long, default_value_t = 16)]
    pub connections: u32,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchWitnessArgs {
    /// Logs submitting checkpoints.
    #[arg(long, default_value_t = 100)]
    pub logs: usize,
    /// Checkpoints each log submits, one entry apart.
    #[arg(long, default_value_t = 30)]
    pub checkpoints: u64,
    /// Concurrent keep-alive HTTP clients.
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// Publishing rounds timed with and without a 2-of-2 witness quorum.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub rounds: u64,
    #[arg(long)]
    pub json: bool,
}

/// The steps `publish` runs in a process of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PublishStep {
    /// Write the site as `candor publish` does (with its stamp).
    Site,
    /// Check the whole report from outside, as `candor verify` does.
    Verify,
    /// Publish the period again as `candor publish` does, from the registry and usage store
    /// beside the log's home (`registry.db`, `usage.db`).
    Again,
}

#[derive(Debug, Args)]
pub struct BenchPublishStepArgs {
    /// The step.
    #[arg(value_enum)]
    pub step: PublishStep,
    /// The log's home folder.
    #[arg(long)]
    pub home: std::path::PathBuf,
    /// What a check of an earlier report remembered (verify only).
    #[arg(long)]
    pub memory: Option<std::path::PathBuf>,
    /// The period to publish (again only).
    #[arg(long, default_value = "2026-Q3")]
    pub period: String,
    /// When the site's feed says records were first seen (site only).
    #[arg(long, default_value = "2026-10-01T00:00:00Z")]
    pub now: String,
}

#[derive(Debug, Args)]
pub struct BenchPublishArgs {
    /// Fictional organisations disclosed (one account each).
    #[arg(long, default_value_t = 10_000)]
    pub orgs: usize,
    /// Generated billing lines per organisation and period.
    #[arg(long, default_value_t = 40)]
    pub lines_per_org: u64,
    /// Quarters in the log: the earlier ones are published first (not timed), then the last
    /// one is measured on top of them (2026-Q3 is the last).
    #[arg(long, default_value_t = 1)]
    pub periods: u32,
    /// Keep the benchmark's folder (printed) instead of removing it, with a copy of the log as
    /// it was before the measured period's site was written (`log-before-site`) on which
    /// `publish-step site` repeats that step alone.
    #[arg(long)]
    pub keep: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchPolicyArgs {
    /// The real public data (usaspending/, agencies/) the registry is built from.
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Fictional accounts linked to the registry's organisations.
    #[arg(long, default_value_t = 50_000)]
    pub accounts: usize,
    /// Fictional accounts linked to no organisation (a provider's ordinary customers).
    #[arg(long, default_value_t = 1_000_000)]
    pub unlinked: usize,
    /// Decisions timed in process (each way).
    #[arg(long, default_value_t = 1_000_000)]
    pub decisions: usize,
    /// Skip the HTTP measurement.
    #[arg(long)]
    pub no_http: bool,
    /// Seconds of HTTP load.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Concurrent HTTP connections.
    #[arg(long, default_value_t = 64)]
    pub connections: u32,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchUsageArgs {
    /// Billing lines in the generated file.
    #[arg(long, default_value_t = 100_000_000)]
    pub rows: u64,
    /// Fictional accounts the lines are spread over (the number of groups grows with it).
    #[arg(long, default_value_t = 5_000)]
    pub accounts: usize,
    /// Rows per Parquet row group.
    #[arg(long, default_value_t = 1 << 20)]
    pub row_group_rows: usize,
    /// Threads for candor and DuckDB (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Runs of each measurement; the fastest is reported.
    #[arg(long, default_value_t = 1)]
    pub runs: u32,
    /// Skip the gzip CSV measurements.
    #[arg(long)]
    pub no_csv: bool,
    /// Skip DuckDB.
    #[arg(long)]
    pub no_duckdb: bool,
    /// Measure storing as well (Parquet only): `candor usage ingest` into a new SQLite store
    /// against DuckDB aggregating into a new database file (`CREATE TABLE … AS`).
    #[arg(long)]
    pub store: bool,
    /// The DuckDB side.
    #[arg(long, default_value = "bench/usage_duckdb.py")]
    pub duckdb_script: PathBuf,
    /// Folder for the generated files (kept and reused for the same row count).
    #[arg(long, default_value = "candor-bench-usage")]
    pub dir: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchScreenArgs {
    /// The real public data (usaspending/, agencies/).
    #[arg(long, default_value = "../shared/data")]
    pub data: PathBuf,
    /// Generated accounts to screen.
    #[arg(long, default_value_t = 1_000_000)]
    pub accounts: usize,
    /// Run the Python rapidfuzz baseline (bench/screen_baseline.py) on the same inputs.
    #[arg(long)]
    pub baseline: bool,
    /// The baseline script.
    #[arg(long, default_value = "bench/screen_baseline.py")]
    pub baseline_script: PathBuf,
    /// Folder for the generated inputs and outputs [default: a temporary folder].
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Lengths of the long word (letters) in the long-word comparison, comma-separated;
    /// each run beside one without it; `--long-words 0` skips the comparison.
    #[arg(long, value_delimiter = ',', default_value = "102400")]
    pub long_words: Vec<usize>,
    /// Accounts screened in the long-word comparison (the first of the generated ones).
    #[arg(long, default_value_t = 10_000)]
    pub long_word_accounts: usize,
    /// Also screen the accounts as `candor screen` does (stored in a registry, screened, new
    /// proposals queued), then reject every proposal and screen them again (nothing new is
    /// known, so none comes back), timing both screenings: what the link history costs.
    #[arg(long)]
    pub stored: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BenchLogArgs {
    /// Entries appended at the largest batch size.
    #[arg(long, default_value_t = 10_000_000)]
    pub entries: u64,
    /// Batch sizes to measure; smaller batches append proportionally fewer entries.
    #[arg(long, value_delimiter = ',', default_value = "1,64,1024")]
    pub batch: Vec<u32>,
    /// Size of each entry in bytes.
    #[arg(long, default_value_t = 200)]
    pub entry_size: usize,
    /// Seconds to spend on each small-batch run at most.
    #[arg(long, default_value_t = 20)]
    pub max_seconds: u64,
    /// Threads appending single entries concurrently through the sequencer (0 to skip).
    #[arg(long, default_value_t = 256)]
    pub appenders: usize,
    /// Folder for the benchmark logs (must be on the disk to measure) [default: a temporary folder].
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}
