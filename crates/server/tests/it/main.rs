//! The server crate's integration tests, in one test binary (one link, shared fixtures built
//! once per run). Each module is one area; `cargo test -p server --test it MODULE` runs one.

mod authorize_api;
mod connections;
