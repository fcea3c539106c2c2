//! candor's billing-data side ("how"): the capability taxonomy that turns a provider's
//! billing lines into what a customer did — face identification, face detection, compute —
//! and which class of region it did it in.
//!
//! So far: [`taxonomy`] (rules as data, a caching [`taxonomy::Classifier`] that counts
//! unmapped lines). The FOCUS and CUR readers, aggregation and SQL generation come next.
#![deny(missing_docs)]

pub mod taxonomy;
