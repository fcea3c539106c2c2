//! `candor verify` from the outside: passes on the demo's report (folder and URL), and fails,
//! naming the fault, on altered copies: a tile byte, the record index, a page that shows a
//! record differently from the log, the checkpoint's signature, the wrong key, and a history
//! inconsistent with a checkpoint trusted (or remembered) earlier.

use std::path::Path;
use std::process::Command;

use crate::common::{Server, candor, demo_copy, text, vkey};

fn verify(args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    let o = candor(&all);
    (o.status.code(), text(&o))
}

fn public(dir: &Path) -> String {
    dir.join("log/public").display().to_string()
}

#[test]
fn verify_passes_on_the_demo_and_names_each_fault_on_altered_copies() {
    let demo = demo_copy();
    let key = vkey(demo.path());
    let site = public(demo.path());
    let (code, out) = verify(&[&site, "--vkey", &key]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("VERIFIED"), "{out}");
    // Over HTTP, as an auditor would.
    let server = Server::start(demo.path(), "127.0.0.1:0");
    let (code, out) = verify(&[&server.url(""), "--vkey", &key, "--json"]);
    assert_eq!(code, Some(0), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["verified"], true);
    assert!(v["report"]["records_on_pages"].as_u64().expect("n") > 5);
    drop(server);
    // Without --vkey the site's own key is used, with a warning.
    let (code, out) = verify(&[&site]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("warning: no --vkey"), "{out}");
    // Another key: refused.
    let other = tempfile::tempdir().expect("tmp");
    let o = candor(&[
        "log",
        "init",
        "--origin",
        "candor.example/demo-log",
        "--dir",
        &other.path().join("l").display().to_string(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let other_key = std::fs::read_to_string(other.path().join("l/log.vkey")).expect("vkey");
    let (code, out) = verify(&[&site, "--vkey", other_key.trim()]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("signature"), "{out}");

    let size: u64 = std::fs::read_to_string(demo.path().join("log/public/checkpoint"))
        .expect("cp")
        .lines()
        .nth(1)
        .expect("size")
        .parse()
        .expect("n");
    let altered = |file: &str, edit: &dyn Fn(Vec<u8>) -> Vec<u8>, expect: &str| {
        let copy = demo_copy();
        let path = copy.path().join("log/public").join(file);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
        std::fs::write(&path, edit(bytes)).expect("write");
        let (code, out) = verify(&[&public(copy.path()), "--vkey", &key]);
        assert_eq!(code, Some(1), "{file}: {out}");
        assert!(out.contains("FAILED") && out.contains(expect), "{file}: expected {expect:?} in {out}");
    };
    let flip = |at: usize| {
        move |mut b: Vec<u8>| {
            b[at] ^= 1;
            b
        }
    };
    altered(&format!("tile/0/000.p/{size}"), &flip(3), "tile/0/000");
    altered(
        &format!("tile/entries/000.p/{size}"),
        &|mut b: Vec<u8>| {
            let i = b.len() - 7;
            b[i] ^= 1;
            b
        },
        "tile/entries/000",
    );
    altered(
        "data/records/0.json",
        &|b| String::from_utf8_lossy(&b).replacen("Lakemoor", "Lakemore", 1).into_bytes(),
        "data/records/0.json: record #",
    );
    // The record page that shows face-recognition usage (its index moves as the demo gains organisations).
    let k = (0..size)
        .find(|i| {
            std::fs::read_to_string(demo.path().join(format!("log/public/record/{i}.html")))
                .map(|h| h.contains("Amazon Rekognition"))
                .unwrap_or(false)
        })
        .expect("a record page showing Amazon Rekognition");
    altered(
        &format!("record/{k}.html"),
        &|b| String::from_utf8_lossy(&b).replacen("Amazon Rekognition", "Amazon Textract", 1).into_bytes(),
        &format!("record/{k}.html: record #{k}: the page shows it differently"),
    );
    altered(
        "index.html",
        &|b| String::from_utf8_lossy(&b).replacen("\"entry\":\"", "\"entry\":\"AAAA", 1).into_bytes(),
        "index.html",
    );
    // An organisation's requests at the gates, shown on its page as part of the period's gate
    // record: a refusal shown as allowed is caught, and so is the part moved to another name.
    let harbor = "org/harbor-city-police-department-fictional.html";
    let refused = "<bdi data-v=\"/organisations/5/outcome\">denied</bdi>";
    assert!(
        std::fs::read_to_string(demo.path().join("log/public").join(harbor)).expect("page").contains(refused),
        "the demo's police department has refused requests on its page"
    );
    altered(
        harbor,
        &|b| {
            String::from_utf8_lossy(&b)
                .replacen(refused, "<bdi data-v=\"/organisations/5/outcome\">allowed</bdi>", 1)
                .into_bytes()
        },
        &format!("{harbor}: record #"),
    );
    altered(
        harbor,
        &|b| {
            String::from_utf8_lossy(&b)
                .replacen(
                    "data-organisation=\"Harbor City Police Department (fictional)\"",
                    "data-organisation=\"Someone Else\"",
                    1,
                )
                .into_bytes()
        },
        &format!("{harbor}: record #"),
    );
    // Listings and downloads derived from the records: hiding an organisation from the overview,
    // or changing a figure in a download, is caught too.
    altered(
        "index.html",
        &|b| {
            String::from_utf8_lossy(&b)
                .replacen("Northwind Detention Services Inc. (fictional)</bdi></a>", "(withheld)</bdi></a>", 1)
                .into_bytes()
        },
        "index.html: differs from what the log's records make",
    );
    altered(
        "data/usage/2026-q3.csv",
        &|b| String::from_utf8_lossy(&b).replacen("Amazon Rekognition", "Amazon Textract", 1).into_bytes(),
        "data/usage/2026-q3.csv: differs",
    );
    // One character of a signature line of the checkpoint, `at` characters into its base64:
    // line 0 is the log's own signature, the next ones the witnesses' cosignatures.
    let signature_char = |line: usize, at: usize| {
        move |b: Vec<u8>| {
            let mut t = String::from_utf8_lossy(&b).into_owned();
            let start = t.match_indices("\n\u{2014} ").nth(line).expect("signature line").0 + 1;
            let sig = start + t[start..].find(' ').expect("name") + 1;
            let sig = sig + t[sig..].find(' ').expect("signature") + 1 + at;
            let c = if t.as_bytes()[sig] == b'A' { "B" } else { "A" };
            t.replace_range(sig..sig + 1, c);
            t.into_bytes()
        }
    };
    altered("checkpoint", &signature_char(0, 10), "signature");
    // A witness's key id changed: that witness is absent, and the 2-of-2 quorum is not met.
    altered("checkpoint", &signature_char(2, 1), "quorum both not met");
    // A forged cosignature by a known witness fails outright.
    altered("checkpoint", &signature_char(1, 40), "witness cosignatures: invalid signature");
}

#[test]
fn verify_catches_a_rewritten_history_against_a_trusted_or_remembered_checkpoint() {
    let demo = demo_copy();
    let key = vkey(demo.path());
    let memory = demo.path().join("remembered-checkpoint");
    let memory_arg = memory.display().to_string();
    let (code, out) = verify(&[&public(demo.path()), "--vkey", &key, "--remember", &memory_arg]);
    assert_eq!(code, Some(0), "{out}");
    assert!(memory.is_file(), "the checkpoint is remembered");
    // Checked again from that memory: only what changed (here nothing) is checked.
    let (code, out) = verify(&[&public(demo.path()), "--vkey", &key, "--remember", &memory_arg]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("from what was verified before:"), "{out}");
    let trusted = demo.path().join("trusted-checkpoint").display().to_string();

    let b = crate::common::rewrite_history(demo.path());
    // The rewritten log is signed and self-consistent...
    let (code, out) = verify(&[&public(b.path()), "--vkey", &key]);
    assert_eq!(code, Some(0), "{out}");
    // ...but not consistent with what was seen before.
    let (code, out) = verify(&[&public(b.path()), "--vkey", &key, "--trusted", &trusted]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("consisten"), "{out}");
    let (code, out) = verify(&[&public(b.path()), "--vkey", &key, "--remember", &memory_arg]);
    assert_eq!(code, Some(1), "{out}");
    let remembered: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&memory).expect("memory")).expect("a memory is JSON");
    assert_eq!(
        remembered["checkpoint"].as_str().map(str::as_bytes),
        Some(&std::fs::read(demo.path().join("log/public/checkpoint")).expect("cp")[..]),
        "a failed check does not replace the memory"
    );
    // A full check from the memory proves the same.
    let (code, out) = verify(&[&public(b.path()), "--vkey", &key, "--remember", &memory_arg, "--full"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("consisten"), "{out}");
    // A memory in the earlier form (the checkpoint alone) is held as a trusted checkpoint.
    std::fs::copy(demo.path().join("log/public/checkpoint"), &memory).expect("old form");
    let (code, out) = verify(&[&public(b.path()), "--vkey", &key, "--remember", &memory_arg]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("consisten"), "{out}");
}

#[test]
fn verify_names_huge_special_and_escaping_files_and_finishes_in_bounded_memory() {
    // Regression: a 4 GiB index.html aborted verify on allocation, an unlisted 4 GiB file was
    // read to memory first, a link to /dev/zero read until memory ran out and a FIFO hung it.
    let demo = demo_copy();
    let key = vkey(demo.path());
    let site = demo.path().join("log/public");
    let sparse = |name: &str| {
        let f = std::fs::File::create(site.join(name)).expect("create");
        f.set_len(4 << 30).expect("a sparse 4 GiB file");
    };
    std::fs::rename(site.join("index.html"), demo.path().join("index.html.real")).expect("move");
    sparse("index.html");
    sparse("unlisted.bin");
    std::os::unix::fs::symlink("/dev/zero", site.join("zero.html")).expect("link");
    std::os::unix::fs::symlink("/etc/hostname", site.join("outside.html")).expect("link");
    let fifo = Command::new("mkfifo").arg(site.join("pipe.html")).status().expect("mkfifo");
    assert!(fifo.success());
    // A folder nested deeper than a path can name (PATH_MAX) cannot be listed: its files are
    // not silently left out.
    let deep = Command::new("python3")
        .arg("-c")
        .arg(
            "import os, sys\nos.chdir(sys.argv[1])\nfor _ in range(300):\n    os.mkdir('d0123456789abcdef')\n    \
             os.chdir('d0123456789abcdef')\nopen('page.html', 'w').write('hidden')\n",
        )
        .arg(&site)
        .status()
        .is_ok_and(|s| s.success());
    if !deep {
        crate::skip("python3 is not installed (it makes a folder nested deeper than PATH_MAX)");
    }
    // At most 1 GiB of address space: reading any of these whole would fail, not pass.
    let bounded = Command::new("prlimit").arg("--version").output().is_ok_and(|o| o.status.success());
    if !bounded {
        crate::skip("prlimit is not installed (util-linux); memory is not bounded in this run");
    }
    let mut cmd = if bounded {
        let mut c = Command::new("prlimit");
        c.arg(format!("--as={}", 1u64 << 30)).arg(env!("CARGO_BIN_EXE_candor"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_candor"))
    };
    let mut child = cmd
        .args(["verify", &site.display().to_string(), "--vkey", &key])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("verify");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > std::time::Duration::from_secs(300) {
            let _ = child.kill();
            panic!("verify did not finish (a FIFO or /dev/zero held it)");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let o = child.wait_with_output().expect("output");
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "faults, not a crash: {out}");
    for (file, why) in [
        ("index.html", "over the 67108864 bytes a reader takes"),
        ("zero.html", "not a regular file"),
        ("pipe.html", "not a regular file"),
        ("outside.html", "a link that leads out of the folder"),
        ("unlisted.bin", "not part of the report"),
        ("d0123456789abcdef/", "a folder that cannot be listed"),
    ] {
        if file.ends_with('/') && !deep {
            continue;
        }
        assert!(out.lines().any(|l| l.contains(file) && l.contains(why)), "{file}: {why}:\n{out}");
    }
}
