//! The reviewer's queue, ordered by consequence: every proposed link with what a reviewer needs
//! beside it (`rows`, typed in `server::queue`, the seam the server answers through), and its impact — the capabilities the account used that the active
//! policy would deny once the link is accepted; built once and asked in memory (`index`,
//! `query`); decided with four eyes for links that would make a deny, reversals included, and
//! in bulk for exact identifier matches (`decide`); kept by a server and shown as text
//! (`serve`).

mod index;
mod query;
/// The rows the queue shows, typed in the server, which answers them.
pub use server::queue as rows;

pub mod decide;
pub mod serve;

pub use index::{DecidedLink, QueueIndex, is_identifier_match};
pub use query::{MAX_PAGE, Page, Query, Sort, query_from_pairs};
pub use rows::{
    AccountSide, Calibration, Candidate, CapabilityUse, FIRST_ACCEPTANCE, FirstAcceptance, OrganisationSide,
    PRIOR_WEIGHT, QueueItem,
};
