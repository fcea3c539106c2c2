//! The `candor log` commands as a user runs them: outputs, exit codes, refusals and the
//! messages that name what is wrong.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn candor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_candor")).args(args).output().expect("run candor")
}

fn candor_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_candor"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // A command that refuses early (a locked log) may exit before reading: its output says why.
    if let Err(e) = child.stdin.take().expect("stdin").write_all(input) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write: {e}");
    }
    child.wait_with_output().expect("wait")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn init(home: &Path) {
    ok(candor(&["log", "init", "--origin", "cli.candor.example/log", "--dir", home.to_str().expect("utf8")]));
}

fn size_of(home: &Path) -> u64 {
    let out = ok(candor(&["log", "checkpoint", "--json", "--dir", home.to_str().expect("utf8")]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    v["size"].as_u64().expect("size")
}

#[test]
fn init_makes_a_private_key_only_its_owner_can_read_and_refuses_to_overwrite() {
    let d = tempfile::tempdir().expect("tempdir");
    let home = d.path().join("log");
    init(&home);
    let mode = fs::metadata(home.join("log.key")).expect("key").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let again = candor(&["log", "init", "--origin", "cli.candor.example/log", "--dir", home.to_str().expect("utf8")]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again).contains("refusing to overwrite"), "{}", text(&again));
    let bad = candor(&["log", "init", "--origin", "has space", "--dir", d.path().join("x").to_str().expect("utf8")]);
    assert!(text(&bad).contains("--origin"), "{}", text(&bad));
}

#[test]
fn append_prove_verify_round_trip() {
    let d = tempfile::tempdir().expect("tempdir");
    let home = d.path().join("log");
    let h = home.to_str().expect("utf8");
    init(&home);
    let (a, b) = (d.path().join("a.json"), d.path().join("b.json"));
    fs::write(&a, b"{\"record\":\"a\"}").expect("write");
    fs::write(&b, b"{\"record\":\"b\"}").expect("write");
    let out = ok(candor(&["log", "append", "--dir", h, a.to_str().expect("utf8"), b.to_str().expect("utf8")]));
    assert_eq!(out.lines().map(|l| l.split('\t').next().expect("index")).collect::<Vec<_>>(), vec!["0", "1"]);
    let out = ok(candor_stdin(&["log", "append", "--json", "--dir", h], b"line one\nline two\nline three"));
    let first: serde_json::Value = serde_json::from_str(out.lines().next().expect("line")).expect("json");
    assert_eq!(first["index"], 2);
    assert_eq!(first["source"], "stdin:1");
    assert_eq!(size_of(&home), 5);

    let proof = d.path().join("p.tlog-proof");
    ok(candor(&["log", "prove", "1", "--dir", h, "--out", proof.to_str().expect("utf8")]));
    let p = proof.to_str().expect("utf8");
    let out = ok(candor(&["log", "verify-proof", p, "--entry", b.to_str().expect("utf8"), "--dir", h]));
    assert!(out.starts_with("OK: the entry is at index 1"), "{out}");
    let wrong = candor(&["log", "verify-proof", p, "--entry", a.to_str().expect("utf8"), "--dir", h]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(text(&wrong).contains("FAULT"), "{}", text(&wrong));
    let beyond = candor(&["log", "prove", "5", "--dir", h]);
    assert!(text(&beyond).contains("not in the log"), "{}", text(&beyond));

    let out = ok(candor(&["log", "verify", h]));
    assert!(out.starts_with("OK:") && out.contains("5 entries rehashed"), "{out}");
}

#[test]
fn oversized_entries_are_refused_naming_the_file_or_line_and_nothing_is_written() {
    let d = tempfile::tempdir().expect("tempdir");
    let home = d.path().join("log");
    let h = home.to_str().expect("utf8");
    init(&home);
    let (small, big) = (d.path().join("small"), d.path().join("big"));
    fs::write(&small, b"fine").expect("write");
    fs::write(&big, vec![b'x'; 65_536]).expect("write");
    let o = candor(&["log", "append", "--dir", h, small.to_str().expect("utf8"), big.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("big: the entry is 65536 bytes") && text(&o).contains("nothing was written"),
        "{}",
        text(&o)
    );
    assert_eq!(size_of(&home), 0);

    let mut input = b"ok\n".to_vec();
    input.extend(vec![b'y'; 70_000]);
    input.extend(b"\nafter\n");
    let o = candor_stdin(&["log", "append", "--dir", h], &input);
    assert!(text(&o).contains("stdin line 2"), "{}", text(&o));
    assert_eq!(size_of(&home), 0, "the batch holding the bad line is not written");
    // The largest allowed entry goes in.
    fs::write(&big, vec![b'x'; 65_535]).expect("write");
    ok(candor(&["log", "append", "--dir", h, big.to_str().expect("utf8")]));
    assert_eq!(size_of(&home), 1);
}

#[test]
fn a_second_writer_gets_a_clear_error() {
    let d = tempfile::tempdir().expect("tempdir");
    let home = d.path().join("log");
    init(&home);
    let _holder = tlog::LocalLog::at(&home).open().expect("first writer");
    let o = candor_stdin(&["log", "append", "--dir", home.to_str().expect("utf8")], b"x\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("locked by another writer"), "{}", text(&o));
}

#[test]
fn verify_reports_the_first_fault_and_checks_trusted_checkpoints() {
    let d = tempfile::tempdir().expect("tempdir");
    let home = d.path().join("log");
    let h = home.to_str().expect("utf8");
    init(&home);
    let lines: String = (0..300).map(|i| format!("entry {i}\n")).collect();
    ok(candor_stdin(&["log", "append", "--dir", h], lines.as_bytes()));
    let old = d.path().join("old-checkpoint");
    ok(candor(&["log", "checkpoint", "--dir", h, "--out", old.to_str().expect("utf8")]));
    ok(candor_stdin(&["log", "append", "--dir", h], b"more\n"));
    let out = ok(candor(&["log", "verify", h, "--trusted", old.to_str().expect("utf8")]));
    assert!(out.contains("consistent with 1 trusted checkpoint(s) at sizes 300"), "{out}");

    // A checkpoint from another log with the same name is not trusted: its signature fails.
    let other = d.path().join("other");
    init(&other);
    let o = candor(&["log", "verify", h, "--trusted", other.join("public/checkpoint").to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(1));

    // One changed byte in a full level-0 tile is named.
    let tile = home.join("public/tile/0/000");
    let mut bytes = fs::read(&tile).expect("tile");
    bytes[100] ^= 1;
    fs::write(&tile, bytes).expect("write");
    let o = candor(&["log", "verify", "--json", h]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["ok"], false);
    assert!(v["fault"].as_str().expect("fault").contains("tile/0/000"), "{v}");
}

#[test]
fn verifies_the_tessera_log_from_the_command_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/tessera-log");
    if !dir.exists() {
        crate::skip(&format!("{} is absent", dir.display()));
        return;
    }
    let vkey = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
    let mut args = vec!["log".to_string(), "verify".into(), dir.display().to_string(), "--vkey".into(), vkey.into()];
    for n in 0..=15 {
        args.push("--trusted".into());
        args.push(dir.join(format!("checkpoint.{n}")).display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ok(candor(&args));
    assert!(out.contains("15 entries rehashed") && out.contains("consistent with 16 trusted"), "{out}");
    let no_key = candor(&["log", "verify", dir.to_str().expect("utf8")]);
    assert!(text(&no_key).contains("--vkey"), "{}", text(&no_key));
}

#[test]
fn usage_classify_names_the_capability_rule_and_region_class() {
    let out = ok(candor(&[
        "usage",
        "classify",
        "--provider",
        "AWS",
        "--service",
        "Amazon Rekognition",
        "--usage-type",
        "USE1-Group1-ImagesProcessed",
        "--operation",
        "SearchFacesByImage",
        "--region",
        "us-gov-west-1",
        "--json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["capability"], "face_identification");
    assert_eq!(v["region_class"], "government");
    assert!(v["rule"].as_str().expect("rule").contains("#1"));
    let out = ok(candor(&["usage", "classify", "--provider", "AWS", "--service", "Amazon Managed Blockchain"]));
    assert!(out.starts_with("unmapped"), "{out}");
}

/// The subcommands a `--help` text lists.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A command starts at the indent; wrapped descriptions are indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

#[test]
fn every_command_has_help() {
    // Walk the whole command tree from the top-level help, so new commands are covered too.
    let mut todo: Vec<Vec<String>> = vec![vec![]];
    let mut seen = 0;
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = ok(candor(&args));
        assert!(out.contains("Usage:"), "{args:?}: {out}");
        seen += 1;
        for sub in subcommands(&out) {
            let mut next = path.clone();
            next.push(sub);
            todo.push(next);
        }
    }
    assert!(seen > 40, "walked {seen} commands");
}

#[test]
fn the_readme_lists_every_command() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).expect("README");
    let table = readme.split("## Commands").nth(1).and_then(|s| s.split("\n## ").next()).expect("a Commands section");
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !(c.is_alphanumeric() || c == '-')).map(str::to_string).collect()
    };
    // A top-level command is named as `candor X`; a subcommand in the row that names its group.
    let named = |path: &[String], sub: &str| match path.first() {
        None => table.contains(&format!("candor {sub}")),
        Some(group) => table
            .lines()
            .filter(|row| row.starts_with('|') && row.contains(&format!("candor {group}")))
            .any(|row| words(row).iter().any(|w| w == sub)),
    };
    let mut todo: Vec<Vec<String>> = vec![vec![]];
    let mut missing = Vec::new();
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        for sub in subcommands(&ok(candor(&args))) {
            if !named(&path, &sub) {
                missing.push(format!("{} {sub}", path.join(" ")));
            }
            let mut next = path.clone();
            next.push(sub);
            todo.push(next);
        }
    }
    assert!(missing.is_empty(), "commands the README's Commands table does not name: {missing:?}");
}

#[test]
fn demo_runs_and_labels_everything_as_demonstration_data() {
    let d = tempfile::tempdir().expect("tempdir");
    let dir = d.path().join("candor-demo");
    // As the quick start runs it: the default folder, relative to the working directory.
    let out = ok(std::process::Command::new(env!("CARGO_BIN_EXE_candor"))
        .args(["demo", "--no-serve"])
        .current_dir(d.path())
        .output()
        .expect("run candor demo"));
    assert!(out.contains("demonstration data"), "{out}");
    assert!(out.contains("monitor shown that forked view alerted: split view"), "{out}");
    // Every published record about organisations says it is demonstration data (the policy
    // version is candor's real default policy, not data about anyone).
    let records: serde_json::Value = crate::common::published_records(&dir.join("log/public"));
    let rows = records["rows"].as_array().expect("rows");
    assert!(rows.len() > 3);
    for r in rows.iter().filter(|r| r["type"] != "candor.policy_version") {
        assert_eq!(r["record"]["demonstration_data"], true, "{r}");
    }
    // Generated usage (Parquet): every row says it is demonstration data.
    let usage = usage::parquet::ParquetFile::open(&dir.join("usage-focus-demonstration-data.parquet")).expect("usage");
    let note = usage.meta.leaves.iter().position(|l| l.path == ["x_CandorNote"]).expect("note column");
    let (mut scratch, mut rows) = (usage::parquet::page::Scratch::default(), 0);
    for (rg, first) in usage.first_rows().into_iter().enumerate() {
        let col = usage.read_column(rg, note, first, true, &mut scratch).expect("read");
        for &id in &col.ids {
            assert_ne!(id, usage::parquet::page::NULL);
            assert_eq!(col.values.get(id as usize), b"demonstration data generated by candor; not a real bill");
        }
        rows += col.ids.len();
    }
    assert_eq!(rows, 50_000);
    // The demo confirms links only to fictional organisations.
    let db = dir.join("registry.db");
    let out = ok(candor(&["review", "list", "--all", "--json", "--db", db.to_str().expect("utf8")]));
    let links: serde_json::Value = serde_json::from_str(&out).expect("json");
    let confirmed: Vec<&str> = links
        .as_array()
        .expect("links")
        .iter()
        .filter(|l| l["latest"]["status"] == "confirmed")
        .map(|l| l["org_name"].as_str().expect("name"))
        .collect();
    assert!(!confirmed.is_empty());
    assert!(confirmed.iter().all(|n| n.contains("(fictional)")), "{confirmed:?}");

    // A rerun replaces the earlier demo; a folder the demo did not make is refused.
    ok(candor(&["demo", "--no-serve", "--dir", dir.to_str().expect("utf8")]));
    let foreign = d.path().join("foreign");
    fs::create_dir(&foreign).expect("mkdir");
    let o = candor(&["demo", "--no-serve", "--dir", foreign.to_str().expect("utf8")]);
    assert!(text(&o).contains("not made by candor demo"), "{}", text(&o));
}

#[test]
fn a_store_s_place_is_checked_where_it_is_given_and_a_password_never_shown() {
    let o = candor(&["registry", "stats", "--db", "postgres://candor:hunter2@host:notaport/db"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("--db") && t.contains("not a PostgreSQL URL") && !t.contains("hunter2"), "{t}");
    let dir = tempfile::tempdir().expect("tempdir");
    let o = candor(&["usage", "report", "--usage-db", &dir.path().display().to_string()]);
    assert!(text(&o).contains("--usage-db") && text(&o).contains("a folder, not a SQLite file"), "{}", text(&o));
}
