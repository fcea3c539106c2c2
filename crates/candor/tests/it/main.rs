//! The candor crate's integration tests, in one test binary (one link, shared fixtures built
//! once per run). Each module is one area; `cargo test -p candor --test it MODULE` runs one.

mod authzen;
mod browser;
mod cli;
mod common;
mod crash;
mod enforce_cli;
mod gateway_nginx;
mod gateway_tls;
mod go_interop;
mod monitor;
mod notice_cli;
mod open_formats;
mod over_time;
mod policy_cli;
mod postgres_cli;
mod reconcile_cli;
mod registry_cli;
mod review_queue;
mod schemathesis;
mod serve_api;
mod tidy;
mod verify_cli;
mod witness_cli;
mod witnessing;

/// A test that needs a tool or the shared public data skips locally, saying why; under
/// `CI=true` (where CI installed everything) a missing one fails instead, so a broken install
/// cannot pass silently.
pub fn skip(why: &str) {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "nothing may be skipped under CI=true: {why}");
    eprintln!("SKIPPED: {why}");
}
