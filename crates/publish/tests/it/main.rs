//! The publish crate's integration tests, in one test binary (one link, shared fixtures built
//! once per run). Each module is one area; `cargo test -p publish --test it MODULE` runs one.

mod check_read_twice;
#[cfg(target_os = "linux")]
mod check_stamps;
mod hostile_log;
mod hostile_pages;
mod incremental_site;
mod kept_history;
mod kept_parts;
mod listing_pages;
mod old_log;
mod publish_flow;
mod record_index;
mod site_stamp;
mod stored_entries;
mod streamed_files;
mod usage_index;
