//! candor's billing-data side ("how"): the capability taxonomy that turns a provider's
//! billing lines into what a customer did — face identification, face detection, compute —
//! and which class of region it did it in.
//!
//! So far: [`taxonomy`] (rules as data, a caching [`taxonomy::Classifier`] that counts
//! unmapped lines) and [`focus`] (a streaming FOCUS CSV reader, plain or gzip, lenient or
//! strict). Parquet and CUR readers, stored aggregation and SQL generation come next.
#![deny(missing_docs)]

pub mod focus;
pub mod scan;
pub mod taxonomy;
