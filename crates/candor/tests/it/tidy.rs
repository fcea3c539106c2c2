//! Tidy checks that run with the tests: every Rust file opens with a `//!` comment saying
//! what it is; the tlog crate depends on nothing but what a log needs; no source file imports
//! another that imports it back (directly or around a longer loop); no source file is longer
//! than 600 lines (tests excluded) unless its opening comment says why.

use std::collections::{BTreeMap, BTreeSet};
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

/// A crate's source files by module path (`["usage", "parquet", "meta"]` → its file), the
/// module path of `lib.rs`/`main.rs` being empty.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut out = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(src).expect("inside").with_extension("");
        let mut path: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        if matches!(path.last().map(String::as_str), Some("mod" | "lib" | "main")) {
            path.pop();
        }
        out.insert(path, f);
    }
    out
}

/// The code of a file before its unit tests.
fn code(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |i| &text[..i])
}

/// The modules of its crate a file refers to through `crate::…`, `super::…` or a `use` of a
/// sibling (`use super::x`), resolved to the longest module path that is a file.
fn imports(
    module: &[String],
    is_dir_module: bool,
    text: &str,
    known: &BTreeMap<Vec<String>, PathBuf>,
) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    let text = code(text);
    for (start, prefix) in text
        .match_indices("crate::")
        .map(|(i, _)| (i, "crate"))
        .chain(text.match_indices("super::").map(|(i, _)| (i, "super")))
    {
        let before = text[..start].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &text[start + prefix.len() + 2..];
        let segs: Vec<String> = rest
            .split("::")
            .map(|s| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>())
            .take_while(|s| !s.is_empty())
            .collect();
        let mut base: Vec<String> = if prefix == "crate" {
            Vec::new()
        } else {
            // `super` of a file `a/b.rs` (module a::b) is `a`; of `a/mod.rs` (module a) it is the root.
            let mut m = module.to_vec();
            if !is_dir_module || !m.is_empty() {
                m.pop();
            }
            m
        };
        let mut best = None;
        for s in segs {
            base.push(s);
            if known.contains_key(&base) {
                best = Some(base.clone());
            }
        }
        if let Some(b) = best.filter(|b| b.as_slice() != module) {
            out.insert(b);
        }
    }
    out
}

#[test]
fn no_source_file_imports_one_that_imports_it_back() {
    let mut loops = Vec::new();
    for krate in fs::read_dir(workspace().join("crates")).expect("crates").flatten() {
        let src = krate.path().join("src");
        if !src.is_dir() {
            continue;
        }
        let known = modules(&src);
        let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
        for (m, f) in &known {
            let text = fs::read_to_string(f).expect("read");
            let dir_module = f.file_stem().is_some_and(|s| s == "mod" || s == "lib" || s == "main");
            // A parent declares its children (`mod x;`); that is containment, not an import.
            let mut deps = imports(m, dir_module, &text, &known);
            deps.retain(|d| !(d.len() > m.len() && d.starts_with(m)));
            graph.insert(m.clone(), deps);
        }
        // A loop: a module reaches itself again through what it imports.
        for start in graph.keys() {
            let mut seen = BTreeSet::new();
            let mut stack: Vec<Vec<String>> = graph[start].iter().cloned().collect();
            while let Some(m) = stack.pop() {
                if &m == start {
                    loops.push(format!("{}: {}", krate.file_name().to_string_lossy(), start.join("::")));
                    break;
                }
                if seen.insert(m.clone()) {
                    stack.extend(graph.get(&m).into_iter().flatten().cloned());
                }
            }
        }
    }
    assert!(loops.is_empty(), "modules that import themselves back through others: {loops:#?}");
}

#[test]
fn no_source_file_is_long_without_a_reason() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|f| f.components().any(|c| c.as_os_str() == "src"))
        .filter_map(|f| {
            let text = fs::read_to_string(f).expect("read");
            let lines = code(&text).lines().count();
            let reason = text.lines().take_while(|l| l.starts_with("//!")).any(|l| l.contains("Long because"));
            (lines > 600 && !reason).then(|| format!("{} ({lines} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these, or say in their opening comment why not (\"Long because …\"): {long:?}");
}

#[test]
fn cargo_run_finds_the_product_binary_alone() {
    // The README's quick start is `cargo run --release -- demo`: the workspace's default members
    // must hold exactly one binary, candor's (the benchmarks' binary is run with -p).
    let manifest = fs::read_to_string(workspace().join("Cargo.toml")).expect("manifest");
    let members: Vec<&str> = manifest
        .split("default-members = [")
        .nth(1)
        .and_then(|s| s.split(']').next())
        .expect("default-members")
        .split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .collect();
    let with_binaries: Vec<&str> = members
        .iter()
        .copied()
        .filter(|m| {
            let toml = fs::read_to_string(workspace().join(m).join("Cargo.toml")).unwrap_or_default();
            toml.contains("[[bin]]") || workspace().join(m).join("src/main.rs").exists()
        })
        .collect();
    assert_eq!(with_binaries, vec!["crates/candor"], "default members with a binary");
    for krate in fs::read_dir(workspace().join("crates")).expect("crates").flatten() {
        let name = format!("crates/{}", krate.file_name().to_string_lossy());
        let has_binary = krate.path().join("src/main.rs").exists();
        assert!(!has_binary || members.contains(&name.as_str()) || name == "crates/bench", "{name}");
    }
}

/// Files that index JSON documents other than log records, and why.
const INDEXES_OTHER_JSON: &[(&str, &str)] = &[
    ("crates/server/src/api.rs", "rows of the site's downloads (usage.json, organisations.json), not log records"),
    ("crates/server/src/report.rs", "the downloads' own facts (log size, demonstration flag)"),
    ("crates/server/src/openapi.rs", "builds the OpenAPI document"),
    ("crates/policy/src/version.rs", "reads Cedar's JSON form of a policy (entity literals), not log records"),
];

#[test]
fn no_code_outside_the_records_crate_reads_a_record_by_a_field_name_string() {
    // Every member name the record format defines, from the kinds' sources.
    let mut names = BTreeSet::new();
    let mut kinds = Vec::new();
    rust_files(&workspace().join("crates/records/src/kinds"), &mut kinds);
    for f in &kinds {
        for line in fs::read_to_string(f).expect("read").lines() {
            if let Some(rest) = line.trim_start().strip_prefix("pub ")
                && let Some((name, _)) = rest.split_once(':')
                && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            {
                names.insert(name.to_string());
            }
        }
    }
    names.extend(["type", "use", "demonstration_data", "notice"].map(String::from));
    assert!(names.contains("organisation") && names.contains("depends_on") && names.len() > 50, "{names:?}");
    let mut files = Vec::new();
    // The crates that read the log (registry and usage read public files and billing data).
    for krate in ["publish", "app", "server", "monitor", "policy", "candor", "witness"] {
        rust_files(&workspace().join("crates").join(krate).join("src"), &mut files);
    }
    let mut found = Vec::new();
    for f in files {
        let rel = f.strip_prefix(workspace()).unwrap_or(&f).to_string_lossy().replace('\\', "/");
        if INDEXES_OTHER_JSON.iter().any(|(p, _)| rel.ends_with(p)) {
            continue;
        }
        let text = fs::read_to_string(&f).expect("read");
        // Tests build records by hand on purpose; only the code is held to it.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            for (open, close) in [("[\"", "\"]"), (".get(\"", "\")"), (".pointer(\"/", "")] {
                let mut rest = line;
                while let Some(at) = rest.find(open) {
                    rest = &rest[at + open.len()..];
                    let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                    if names.contains(&name)
                        && rest[name.len()..].starts_with(if close.is_empty() { "" } else { close })
                    {
                        found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "read records through the records crate's types, not by field names:\n{}",
        found.join("\n")
    );
}
