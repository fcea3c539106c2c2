//! candor's billing-data side ("how"): the capability taxonomy that turns a provider's
//! billing lines into what a customer did — face identification, face detection, compute —
//! and which class of region it did it in.
//!
//! [`taxonomy`]: rules as data, a caching [`taxonomy::Classifier`] that counts unmapped lines.
//! [`focus`]: the FOCUS / CUR 2.0 CSV reader (plain or gzip), lenient or strict.
//! [`parquet`]: candor's own Parquet reader and writer. [`columnar`]: the aggregation over
//! Parquet on every core. [`aggregate`]: the aggregation of any billing file, the usage store,
//! reports per owner and period. [`scan`]: the same without the store. [`generate`]:
//! demonstration billing files (FOCUS or CUR; CSV, gzip CSV or Parquet). [`sql`]: the
//! aggregation as SQL for DuckDB, Spark, Trino and BigQuery.
#![deny(missing_docs)]

pub mod aggregate;
pub mod columnar;
pub mod focus;
pub mod generate;
pub mod parquet;
pub mod scan;
pub mod sql;
pub mod taxonomy;
