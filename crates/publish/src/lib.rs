//! candor's public report (issue 6, in progress). So far: [`canonical`], the JSON
//! Canonicalization Scheme (RFC 8785) every disclosure record is written in, so that a
//! record's bytes — and so its log entry and its hash — follow from its content alone; and
//! [`records`], the kinds of disclosure records, volume bands and reviewer pseudonyms.
#![deny(missing_docs)]

pub mod canonical;
pub mod records;
