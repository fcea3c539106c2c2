//! candor's use cases: what a command or a server does, as functions over the library crates,
//! with options structs for their inputs and plain structs for their results. The `candor`
//! binary only parses flags, calls one of these and prints what it returns; the benchmarks
//! call them too.
//!
//! By use case, each in its folder:
//!
//! - [`policy`]: the built-in schema and default policy applied — activate a version through
//!   the log, decide, audit, compare, replay, the serving decider;
//! - [`notice`]: policy changes announced before they take effect — proposals with their
//!   effect, objections, withdrawals, the minimum notice; `notice::log`: the log they read and
//!   append to, and the activation gate;
//! - [`billing`]: how — billing files ingested, usage per organisation, the aggregation as SQL;
//! - [`organisations`]: which organisations — import public records and accounts, classify,
//!   explain, export and count the registry;
//! - [`period`]: publish a period (records in the log, the static report beside its tiles);
//!   `period::owners`: accounts named by their confirmed organisation;
//! - [`reconcile`]: a period held against the public records that tie law-enforcement
//!   organisations to the provider's offerings (FedRAMP, the AI use-case inventory);
//!   [`reconcile_outside`]: the same check by anyone, from a published report and the files;
//! - [`enforcement`]: enforcement actions recorded, and a period's audit with them for publishing;
//! - [`serving`]: the server's state over its stores;
//! - [`stores`]: the registry, usage and policy stores a process works on, opened once and
//!   passed to every use case; a read moment of each;
//! - [`review`]: the review queue ordered by consequence, with each proposal's facts side by
//!   side, filtered and paged; decisions from it (`review::decide`: four eyes for links that
//!   would make a deny, reversals included; bulk acceptance of identifier matches); the
//!   server's cached queue and a page as text (`review::serve`);
//! - [`log`]: create a log, read its checkpoint, prove an entry, verify the log or a proof;
//!   `log::append`: entries appended in batches, each index reported once durable;
//!   `log::witnessed`: a checkpoint judged by a trust policy (witness cosignatures, quorum);
//!   `log::witnessing`: the log's side: ask the policy's witnesses, publish on a quorum;
//!   `log::remote`: a published report read over HTTP(S) as a log's storage;
//! - [`demo`]: the whole pipeline on demonstration data;
//! - [`fixtures`]: fictional names and a seeded generator, shared by the demo and the benchmarks.
//!
//! Errors are `anyhow` here: these functions sit one step from the edge and add the context a
//! person needs (which file, which step) to the typed errors of the crates below.

pub mod billing;
pub mod demo;
pub mod enforcement;
pub mod fixtures;
pub mod gate;
pub mod log;
pub mod notice;
pub mod organisations;
pub mod period;
pub mod policy;
pub mod reconcile;
pub mod reconcile_outside;
pub mod review;
pub mod serving;
pub mod stores;
