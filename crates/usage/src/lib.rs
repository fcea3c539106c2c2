//! candor's billing-data side ("how"): the capability taxonomy that turns a provider's
//! billing lines into what a customer did — face identification, face detection, compute —
//! and which class of region it did it in.
//!
//! So far: [`taxonomy`] (rules as data, a caching [`taxonomy::Classifier`] that counts
//! unmapped lines) and [`focus`] (a streaming FOCUS CSV reader, plain or gzip, lenient or
//! strict), [`aggregate`] (stored aggregation per account, month, service, capability and region
//! class; reports per owner and period) and [`generate`] (demonstration billing files, FOCUS or
//! CUR). Parquet readers and SQL generation come next.
#![deny(missing_docs)]

pub mod aggregate;
pub mod columnar;
pub mod focus;
pub mod generate;
pub mod parquet;
pub mod scan;
pub mod sql;
pub mod taxonomy;
