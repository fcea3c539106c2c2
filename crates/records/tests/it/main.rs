//! The records crate from outside: old logs read and written back byte for byte, records of
//! other kinds or shapes kept whole, the entry limit, and the schemas.

mod fixture_log;
mod forward;
mod hostile;
mod schemas;
mod vectors;
