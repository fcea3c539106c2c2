//! One type per record kind, grouped by what they are about.

pub mod correction;
pub mod enforcement;
pub mod gate;
pub mod period;
pub mod policy;
pub mod reconciliation;
pub mod usage;
