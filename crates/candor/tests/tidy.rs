//! Tidy checks that run with the tests: every Rust file opens with a `//!` comment saying
//! what it is, and the tlog crate depends on nothing but what a log needs.

use std::fs;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_rust_file_starts_with_a_module_comment() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates"), &mut files);
    rust_files(&workspace().join("fuzz/fuzz_targets"), &mut files);
    assert!(files.len() > 10);
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        assert!(text.starts_with("//!"), "{} must start with a //! comment saying what it is", f.display());
    }
}

#[test]
fn the_log_crate_knows_nothing_of_the_rest() {
    let manifest = fs::read_to_string(workspace().join("crates/tlog/Cargo.toml")).expect("manifest");
    let deps = manifest.split("[dependencies]").nth(1).and_then(|s| s.split("\n[").next()).expect("dependencies");
    let names: Vec<&str> =
        deps.lines().filter_map(|l| l.split(['=', '.', ' ']).next()).filter(|n| !n.is_empty()).collect();
    let allowed = ["base64", "ed25519-dalek", "getrandom", "sha2", "thiserror"];
    for n in &names {
        assert!(
            allowed.contains(n),
            "tlog must not depend on {n}: it knows nothing of HTTP, SQL, Arrow, Cedar or candor"
        );
    }
}
