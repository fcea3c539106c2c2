//! Flags of `candor gen` and `candor usage`.

use std::path::PathBuf;

use clap::Subcommand;

use super::MigrateArgs;
use super::registry::RegistryDb;

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
    /// Move the usage database from its SQLite file into PostgreSQL (resumable; checked by
    /// row counts and content hashes).
    Migrate(MigrateArgs),
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
        /// The usage database: a SQLite file, or a PostgreSQL database (postgres://user@host/db).
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
        usage_db: pg::Place,
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
        /// The usage database: a SQLite file, or a PostgreSQL database (postgres://user@host/db).
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
        usage_db: pg::Place,
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
        /// The usage database: a SQLite file, or a PostgreSQL database (postgres://user@host/db).
        #[arg(long, env = "CANDOR_USAGE_DB", default_value = "candor-data/usage.db", value_parser = super::PlaceParser)]
        usage_db: pg::Place,
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
