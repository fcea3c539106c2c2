//! candor's billing-data side ("how"): the capability taxonomy that turns a provider's
//! billing lines into what a customer did — face identification, face detection, compute —
//! and which class of region it did it in.
//!
//! [`taxonomy`]: rules as data, a caching [`taxonomy::Classifier`] that counts unmapped lines;
//! [`listing`]: the taxonomy and one line's classification as people and programs read them.
//! [`focus`]: the FOCUS / CUR 2.0 CSV reader (plain or gzip), lenient or strict;
//! [`conformance`]: the FOCUS 1.0 rules strict mode checks, named as the FinOps validator names them.
//! [`parquet`]: Parquet through the `parquet` crate, with a dictionary-id fast path.
//! [`fold`]: the aggregate row every file is folded into, as stored; [`groups`]: the fold
//! itself, compact (interned ids, 64 bytes a group); `line_classes`: each line classified
//! through two small tables. [`parquet_aggregate`]: that fold over
//! Parquet on every core. [`aggregate`]: the fold of any billing file, aggregates read back,
//! reports per owner and period. [`store`]: the usage store. [`scan`]: the fold without the
//! store. [`generate`]: demonstration billing files (FOCUS or CUR; CSV, gzip CSV or Parquet).
//! [`sql`]: the aggregation as SQL for DuckDB, Spark, Trino and BigQuery.
#![deny(missing_docs)]

pub mod aggregate;
pub mod conformance;
mod csv_input;
pub mod focus;
pub mod fold;
pub mod generate;
mod glob;
pub mod groups;
mod line_classes;
pub mod listing;
pub mod operations;
pub mod parquet;
pub mod parquet_aggregate;
pub mod scan;
pub mod sql;
pub mod store;
pub mod taxonomy;
