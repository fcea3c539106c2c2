//! `candor.correction`: an earlier record was wrong or is no longer true. The corrected
//! record stays in the log; readers treat it as superseded.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Link;

/// A correction of an earlier record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Correction {
    /// The record corrected.
    pub corrects: Link,
    /// What was wrong, or why it no longer holds.
    pub reason: String,
    /// The record that replaces its content; `null` when nothing does (a withdrawal).
    pub replacement: Option<Link>,
}
