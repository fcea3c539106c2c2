//! The report's pages verify themselves in a real browser (headless Chromium): the overview
//! and a record page show "verified"; one altered byte of a tile, of an entry bundle or of a
//! record on disk makes the page show the failure; a log replaced by an inconsistent one
//! (same key, different history) fails the consistency check against the checkpoint the
//! browser remembers; the static files alone (file://) verify offline; the checkpoint's
//! witness cosignatures are checked against the log's trust policy (quorum met → witnessed by
//! name; one cosignature missing under 2-of-2 → "not witnessed"; a forged one → failed).
//! Screenshots of the
//! overview and a record page are saved under target/tmp/screenshots/.
//!
//! The review page is driven by keyboard alone from a harness page with two same-origin frames
//! (two reviewers' tabs): a link that would make a deny comes first and takes two reviewers, a
//! filtered view, an ambiguous proposal resolved by picking a candidate, two tabs deciding one
//! proposal (one decision, one conflict message).
//!
//! Skips (passing, with a message) where no Chromium is installed; `.ci/run` installs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Server, demo_copy, rewrite_history};

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Runs headless Chromium with `profile` (its localStorage persists between runs).
fn chrome(bin: &Path, profile: &Path, extra: &[&str], url: &str) -> String {
    let out = Command::new("timeout")
        .arg("120")
        .arg(bin)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--virtual-time-budget=20000")
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The page after its script ran: (outcome on <body>, the summary line).
fn visit(bin: &Path, profile: &Path, url: &str) -> (String, String) {
    let dom = chrome(bin, profile, &["--dump-dom"], url);
    let outcome = dom
        .split("<body data-verification=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("(no body)")
        .to_string();
    let summary = dom
        .split("id=\"verification-summary\"")
        .nth(1)
        .and_then(|r| r.split_once('>'))
        .and_then(|(_, r)| r.split("</p>").next())
        .unwrap_or("")
        .to_string();
    (outcome, summary)
}

use crate::common::size;

/// Flips one byte of `file` at `at` (from the end when negative), returning the original.
fn flip(file: &Path, at: isize) -> Vec<u8> {
    let original = std::fs::read(file).expect("read");
    let mut b = original.clone();
    let i = if at < 0 { (b.len() as isize + at) as usize } else { at as usize };
    b[i] ^= 0x01;
    std::fs::write(file, b).expect("write");
    original
}

#[test]
fn pages_verify_in_the_browser_and_show_altered_bytes_as_failures() {
    let Some(bin) = chromium() else {
        crate::skip("no chromium on PATH (apt-get install chromium)");
        return;
    };
    // Chromium loads both cores; the timing tests must not run beside it.
    let _alone = crate::common::machine_to_myself();
    let demo = demo_copy();
    let public = demo.path().join("log/public");
    let server = Server::start(demo.path(), "127.0.0.1:0");
    let profile = tempfile::tempdir().expect("profile");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");

    let (outcome, summary) = visit(&bin, profile.path(), &server.url("/index.html"));
    assert_eq!(outcome, "verified", "{summary}");
    assert!(summary.contains("Verified"), "{summary}");
    // A policy proposal's page (the demo's, withdrawn after two objections) verifies its
    // proposal, objection and withdrawal records like every other page.
    let proposal = std::fs::read_dir(public.join("proposal")).expect("proposal pages").flatten().next().expect("one");
    let url = server.url(&format!("/proposal/{}", proposal.file_name().to_string_lossy()));
    let (outcome, summary) = visit(&bin, profile.path(), &url);
    assert_eq!(outcome, "verified", "{summary}");
    assert!(summary.contains("4 record(s)"), "the proposal, two objections and the withdrawal: {summary}");
    // The review page shows each period's summary, verified like every other record.
    let (outcome, summary) = visit(&bin, profile.path(), &server.url("/review.html"));
    assert_eq!(outcome, "verified", "{summary}");
    // The reconciliation page: each period's reconciliation record, verified value by value.
    let (outcome, summary) = visit(&bin, profile.path(), &server.url("/reconciliation.html"));
    assert_eq!(outcome, "verified", "{summary}");
    // The record page that shows face-recognition usage (its index moves as the demo gains organisations).
    let k = (0..size(&public) as usize)
        .find(|i| {
            std::fs::read_to_string(public.join(format!("record/{i}.html")))
                .map(|h| h.contains(">Amazon Rekognition<"))
                .unwrap_or(false)
        })
        .expect("a record page showing Amazon Rekognition");
    let record = server.url(&format!("/record/{k}.html"));
    let (outcome, summary) = visit(&bin, profile.path(), &record);
    assert_eq!(outcome, "verified", "{summary}");
    assert!(summary.contains("consistent with the checkpoint you saw"), "remembered from the first visit: {summary}");
    for (name, url) in [("overview.png", server.url("/index.html")), ("record.png", record.clone())] {
        let shot = shots.join(name);
        let _ = std::fs::remove_file(&shot);
        chrome(&bin, profile.path(), &["--window-size=1200,1800", &format!("--screenshot={}", shot.display())], &url);
        assert!(std::fs::metadata(&shot).map(|m| m.len() > 10_000).unwrap_or(false), "{}", shot.display());
    }

    // Offline, from the files alone: the proofs embedded in the page are checked.
    let offline = tempfile::tempdir().expect("profile");
    let file_url = format!("file://{}", public.join(format!("record/{k}.html")).display());
    let (outcome, summary) = visit(&bin, offline.path(), &file_url);
    assert_eq!(outcome, "verified", "{summary}");
    assert!(summary.contains("offline"), "{summary}");

    let n = size(&public);
    // One byte of the entry bundle (inside record k's entry): the log no longer holds the record shown.
    let bundle = public.join(format!("tile/entries/000.p/{n}"));
    let entries = tlog::tile::parse_bundle(&std::fs::read(&bundle).expect("bundle"))
        .expect("parse")
        .iter()
        .map(|e| e.len())
        .collect::<Vec<_>>();
    // Each entry is preceded by its two-byte length.
    let offset = 2 * (k + 1) + entries[..k].iter().sum::<usize>() + entries[k] / 2;
    let original = flip(&bundle, offset as isize);
    let (outcome, summary) = visit(&bin, profile.path(), &record);
    assert_eq!(outcome, "failed", "{summary}");
    assert!(summary.contains("differs from the record on this page"), "{summary}");
    std::fs::write(&bundle, original).expect("restore");

    // One byte of a hash tile: the inclusion proof built from the tiles no longer reaches the signed root.
    let tile = public.join(format!("tile/0/000.p/{n}"));
    let original = flip(&tile, 5);
    let (outcome, summary) = visit(&bin, profile.path(), &record);
    assert_eq!(outcome, "failed", "{summary}");
    assert!(summary.contains("FAILED"), "{summary}");
    std::fs::write(&tile, original).expect("restore");

    // One byte of the record as the page shows it.
    let page = public.join(format!("record/{k}.html"));
    let html = std::fs::read_to_string(&page).expect("page");
    let pre = html.find("<pre class=\"entry\">").expect("entry shown") + "<pre class=\"entry\">".len() + 10;
    let original = flip(&page, pre as isize);
    let (outcome, summary) = visit(&bin, profile.path(), &record);
    assert_eq!(outcome, "failed", "{summary}");
    assert!(summary.contains("the record shown differs"), "{summary}");
    std::fs::write(&page, original).expect("restore");

    // A value in the readable table, changed: the page shows something the record does not say.
    let altered = html.replacen(">Amazon Rekognition<", ">Amazon Textract<", 1);
    assert_ne!(altered, html);
    std::fs::write(&page, &altered).expect("write");
    let (outcome, summary) = visit(&bin, profile.path(), &record);
    assert_eq!(outcome, "failed", "{summary}");
    assert!(summary.contains("the page shows /usage/") && summary.contains("Amazon Textract"), "{summary}");
    std::fs::write(&page, &html).expect("restore");

    // Restored: verified again.
    assert_eq!(visit(&bin, profile.path(), &record).0, "verified");
}

#[test]
fn a_log_replaced_by_an_inconsistent_one_fails_the_consistency_check() {
    let Some(bin) = chromium() else {
        crate::skip("no chromium on PATH (apt-get install chromium)");
        return;
    };
    // Chromium loads both cores; the timing tests must not run beside it.
    let _alone = crate::common::machine_to_myself();
    let demo = demo_copy();
    let profile = tempfile::tempdir().expect("profile");
    let addr = {
        let a = Server::start(demo.path(), "127.0.0.1:0");
        let (outcome, summary) = visit(&bin, profile.path(), &a.url("/record/2.html"));
        assert_eq!(outcome, "verified", "{summary}");
        a.addr.clone()
    };
    let b = rewrite_history(demo.path());
    // The same address (so the same browser storage), now serving the rewritten log.
    let served = Server::start(b.path(), &addr);
    let url = served.url("/record/2.html");
    let (outcome, summary) = visit(&bin, profile.path(), &url);
    assert_eq!(outcome, "failed", "{summary}");
    assert!(summary.contains("not consistent with the checkpoint you saw"), "{summary}");
    // A reader who never saw the old log cannot tell from this page alone: the rewritten log
    // is signed and self-consistent. That is what remembered (or witnessed) checkpoints are for.
    let fresh = tempfile::tempdir().expect("profile");
    assert_eq!(visit(&bin, fresh.path(), &url).0, "verified");
}

/// The page's witnessing outcome (`data-witnessing` on <body>) and the notice's text.
fn witnessing(bin: &Path, profile: &Path, url: &str) -> (String, String, String) {
    let dom = chrome(bin, profile, &["--dump-dom"], url);
    let attr = |name: &str| {
        dom.split(&format!("{name}=\"")).nth(1).and_then(|r| r.split('"').next()).unwrap_or("(none)").to_string()
    };
    let notice = dom
        .split("id=\"witnessing\"")
        .nth(1)
        .and_then(|r| r.split_once('>'))
        .and_then(|(_, r)| r.split("</p>").next())
        .unwrap_or("")
        .to_string();
    (attr("data-verification"), attr("data-witnessing"), notice)
}

/// Replaces the served checkpoint's signature lines after the log's own with `lines(old)`.
fn rewrite_cosignatures(public: &Path, lines: &dyn Fn(Vec<String>) -> Vec<String>) {
    let path = public.join("checkpoint");
    let text = std::fs::read_to_string(&path).expect("checkpoint");
    let (body, sigs) = text.split_once("\n\n").expect("signed note");
    let mut sigs: Vec<String> = sigs.lines().map(str::to_string).collect();
    let cosigs = sigs.split_off(1);
    sigs.extend(lines(cosigs));
    std::fs::write(&path, format!("{body}\n\n{}\n", sigs.join("\n"))).expect("write");
}

#[test]
fn the_browser_checks_the_witnesses_of_the_checkpoint() {
    let Some(bin) = chromium() else {
        crate::skip("no chromium on PATH (apt-get install chromium)");
        return;
    };
    let _alone = crate::common::machine_to_myself();
    let demo = demo_copy();
    let public = demo.path().join("log/public");
    let server = Server::start(demo.path(), "127.0.0.1:0");
    let page = server.url("/index.html");

    let profile = tempfile::tempdir().expect("profile");
    let (verification, witnessed, notice) = witnessing(&bin, profile.path(), &page);
    assert_eq!((verification.as_str(), witnessed.as_str()), ("verified", "witnessed"), "{notice}");
    assert!(notice.contains("Witnessed by witness-a, witness-b") && notice.contains("quorum both met"), "{notice}");

    // witness-b's cosignature is gone from the log's checkpoint: the quorum (2 of 2) is not met.
    let original = std::fs::read(public.join("checkpoint")).expect("checkpoint");
    rewrite_cosignatures(&public, &|mut c| {
        c.retain(|l| !l.starts_with("\u{2014} witness-b."));
        c
    });
    let profile = tempfile::tempdir().expect("profile");
    let (verification, witnessed, notice) = witnessing(&bin, profile.path(), &page);
    assert_eq!((verification.as_str(), witnessed.as_str()), ("verified", "not-witnessed"), "{notice}");
    assert!(notice.contains("Not witnessed") && notice.contains("witness-b: absent"), "{notice}");

    // witness-a's cosignature forged (one signature byte changed): the page fails.
    std::fs::write(public.join("checkpoint"), &original).expect("restore");
    rewrite_cosignatures(&public, &|c| {
        c.into_iter()
            .map(|l| {
                if !l.starts_with("\u{2014} witness-a.") {
                    return l;
                }
                let at = l.len() - 20;
                let swap = if &l[at..at + 1] == "A" { "B" } else { "A" };
                format!("{}{swap}{}", &l[..at], &l[at + 1..])
            })
            .collect()
    });
    let profile = tempfile::tempdir().expect("profile");
    let (verification, witnessed, _) = witnessing(&bin, profile.path(), &page);
    assert_eq!((verification.as_str(), witnessed.as_str()), ("failed", "failed"));
    let (_, summary) = visit(&bin, profile.path(), &page);
    assert!(summary.contains("the cosignature of witness witness-a is not valid"), "{summary}");
}

/// axe-core (from the npm registry; `.ci/run` puts `axe.min.js` under `target/tools/axe-core/`).
fn axe_core() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/axe-core/axe.min.js");
    p.is_file().then_some(p)
}

/// Runs axe-core on the page (its scripts added to the served copy) and returns the violations
/// it reports, as JSON.
fn axe_violations(bin: &Path, profile: &Path, url: &str) -> Vec<serde_json::Value> {
    let dom = chrome(bin, profile, &["--dump-dom"], url);
    let json = dom
        .split("<pre id=\"axe-results\">")
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .unwrap_or_else(|| panic!("axe did not report on {url}"))
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

#[test]
fn pages_pass_axe_core_with_no_serious_or_critical_violation() {
    let Some(bin) = chromium() else {
        crate::skip("no chromium on PATH (apt-get install chromium)");
        return;
    };
    let Some(axe) = axe_core() else {
        crate::skip("no axe-core in target/tools/axe-core (run .ci/run, which fetches it from the npm registry)");
        return;
    };
    let _alone = crate::common::machine_to_myself();
    let demo = demo_copy();
    let public = demo.path().join("log/public");
    std::fs::copy(&axe, public.join("assets/axe.min.js")).expect("copy axe");
    std::fs::write(
        public.join("assets/axe-run.js"),
        "axe.run(document, { resultTypes: ['violations'] }).then((r) => {\n\
         const pre = document.createElement('pre'); pre.id = 'axe-results';\n\
         pre.textContent = JSON.stringify(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,\n\
           nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })));\n\
         document.body.appendChild(pre); });\n",
    )
    .expect("runner");
    // Every kind of page: overview, organisation (with findings and a registered use), record,
    // capability, the data dictionary.
    let pick = |dir: &str, contains: &str| -> String {
        let mut names: Vec<String> = std::fs::read_dir(public.join(dir))
            .expect("dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".html"))
            .filter(|n| std::fs::read_to_string(public.join(dir).join(n)).is_ok_and(|t| t.contains(contains)))
            .collect();
        names.sort();
        format!("{dir}/{}", names.first().unwrap_or_else(|| panic!("no page in {dir} with {contains:?}")))
    };
    let pages = [
        "index.html".to_string(),
        pick("org", "Use-policy findings"),
        pick("org", "registered use"),
        pick("record", "candor.enforcement"),
        pick("capability", "face"),
        "data/dictionary.html".to_string(),
        "search.html".to_string(),
        pick("proposal", "Objections"),
        "policies.html".to_string(),
        "review.html".to_string(),
        "reconciliation.html".to_string(),
    ];
    for page in &pages {
        let path = public.join(page);
        let html = std::fs::read_to_string(&path).expect("page");
        let root = if page.contains('/') { "../" } else { "" };
        let with_axe = html.replace(
            "</body>",
            &format!("<script src=\"{root}assets/axe.min.js\"></script>\n<script src=\"{root}assets/axe-run.js\"></script>\n</body>"),
        );
        std::fs::write(&path, with_axe).expect("write");
    }
    let server = Server::start(demo.path(), "127.0.0.1:0");
    let profile = tempfile::tempdir().expect("profile");
    let mut serious = Vec::new();
    for page in &pages {
        for v in axe_violations(&bin, profile.path(), &server.url(&format!("/{page}"))) {
            if matches!(v["impact"].as_str(), Some("serious" | "critical")) {
                serious.push(format!("{page}: {v}"));
            }
        }
    }
    assert!(serious.is_empty(), "serious or critical accessibility violations:\n{}", serious.join("\n"));
}

#[test]
fn the_search_finds_an_agency_a_capability_and_a_service_in_the_browser() {
    let Some(bin) = chromium() else {
        crate::skip("no chromium on PATH (apt-get install chromium)");
        return;
    };
    let _alone = crate::common::machine_to_myself();
    let demo = demo_copy();
    let server = Server::start(demo.path(), "127.0.0.1:0");
    let profile = tempfile::tempdir().expect("profile");
    let results = |q: &str| -> String {
        let dom = chrome(&bin, profile.path(), &["--dump-dom"], &server.url(&format!("/search.html?q={q}")));
        dom.split("<ul id=\"search-results\">").nth(1).and_then(|r| r.split("</ul>").next()).unwrap_or("").to_string()
    };
    let sheriff = results("lakemoor%20sheriff");
    assert!(sheriff.contains("org/lakemoor-county-sheriff-s-office-fictional.html"), "{sheriff}");
    assert!(!sheriff.contains("harbor-city"), "every word must match: {sheriff}");
    assert!(results("face_identification").contains("capability/face-identification.html"));
    assert!(results("rekognition").contains(">Amazon Rekognition</a>"));
    assert!(results("no-such-thing-anywhere").is_empty());
}

/// Drives the review page by keyboard in two same-origin frames (two reviewers' tabs) from a
/// harness page, and leaves what each step showed in `<pre id="result">`.
const REVIEW_HARNESS: &str = r##"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>harness</title></head>
<body><iframe id="f1" title="reviewer one" width="1200" height="700"></iframe>
<iframe id="f2" title="reviewer two" width="1200" height="700"></iframe><pre id="result">running</pre>
<script>
"use strict";
const A = "TOKEN_A", B = "TOKEN_B", out = {};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(cond, what) {
  for (let i = 0; i < 400; i++) { try { if (cond()) return; } catch (e) {} await sleep(50); }
  throw new Error("timed out waiting for " + what);
}
const doc = (f) => document.getElementById(f).contentDocument;
const status = (f) => doc(f).getElementById("status").textContent;
const rows = (f) => [...doc(f).querySelectorAll("#rows tr")];
async function keys(f, list) {
  const w = document.getElementById(f).contentWindow;
  for (const k of list) { doc(f).dispatchEvent(new w.KeyboardEvent("keydown", {key: k, bubbles: true})); await sleep(30); }
}
async function open(f, token) {
  sessionStorage.setItem("candor-token", token);
  const el = document.getElementById(f), nonce = String(Math.random()).slice(2);
  el.src = "/review?" + nonce;
  // The frame's new document, not the one it is leaving.
  await until(() => el.contentDocument.URL.includes(nonce) && el.contentDocument.readyState === "complete" &&
                    rows(f).length > 0, f + " rows");
}
async function filter(f, capability) {
  doc(f).getElementById("f-capability").value = capability;
  const before = status(f);
  doc(f).getElementById("filters").requestSubmit();
  await until(() => status(f) !== before || rows(f).length === 1, "the filtered view");
}
async function main() {
  await open("f1", A);
  out.first = rows("f1")[0].id;
  // Keyboard only: template 1, accept. The link would make a deny: four eyes.
  await keys("f1", ["1", "a"]);
  await until(() => /accepted once|Conflict|Refused/.test(status("f1")), "the first acceptance");
  out.first_acceptance = status("f1");
  // A filtered view, in the second reviewer's tab, then the second acceptance.
  await open("f2", B);
  await filter("f2", "face_identification");
  out.filtered_rows = rows("f2").length;
  out.filtered_text = rows("f2")[0].textContent;
  sessionStorage.setItem("candor-token", B);
  await keys("f2", ["1", "a"]);
  await until(() => /confirmed|Conflict|Refused/.test(status("f2")), "the second acceptance");
  out.second_acceptance = status("f2");
  // An ambiguous proposal: move to it, pick its second candidate, accept.
  await open("f1", A);
  const all = rows("f1"), at = all.findIndex((tr) => tr.querySelector("select"));
  out.ambiguous = at >= 0 ? all[at].id : null;
  if (at >= 0) {
    await keys("f1", Array(at).fill("j"));
    const select = all[at].querySelector("select");
    await keys("f1", ["c", "1", "a"]);
    out.chosen = select.value;
    await until(() => /confirmed|Conflict|Refused/.test(status("f1")), "the ambiguous acceptance");
    out.ambiguous_status = status("f1");
  }
  // Two tabs decide the same proposal at once: one decision, one conflict.
  await open("f1", A);
  await open("f2", A);
  out.same = [rows("f1")[0].id, rows("f2")[0].id];
  await Promise.all([keys("f1", ["3", "r"]), keys("f2", ["3", "r"])]);
  await until(() => [status("f1"), status("f2")].every((s) => /rejected|Conflict|Refused/.test(s)), "both answers");
  out.race = [status("f1"), status("f2")];
}
main().then(() => { document.getElementById("result").textContent = JSON.stringify(out); },
            (e) => { out.error = String(e); document.getElementById("result").textContent = JSON.stringify(out); });
</script></body></html>"##;

#[test]
fn a_reviewer_works_through_the_queue_by_keyboard_with_four_eyes_and_conflicts() {
    let Some(bin) = chromium() else {
        crate::skip("no chromium on PATH (apt-get install chromium)");
        return;
    };
    let _alone = crate::common::machine_to_myself();
    let demo = demo_copy();
    let dir = demo.path();
    let lookalike = crate::review_queue::sheriff_lookalike(dir);
    // Two fictional bodies of one name in two states, and an account of that name giving no
    // state: ambiguous.
    let p = |n: &str| dir.join(n).display().to_string();
    std::fs::write(
        dir.join("twins.ftm.json"),
        "{\"id\": \"test-twin-1\", \"schema\": \"PublicBody\", \"properties\": {\"name\": [\"Millbrook Police Department (fictional)\"], \"region\": [\"MN\"], \"country\": [\"us\"]}}\n\
         {\"id\": \"test-twin-2\", \"schema\": \"PublicBody\", \"properties\": {\"name\": [\"Millbrook Police Department (fictional)\"], \"region\": [\"WI\"], \"country\": [\"us\"]}}\n",
    )
    .expect("twins");
    std::fs::write(
        dir.join("twin-account.csv"),
        "account_id,legal_name,state\nacct-twin-1,Millbrook Police Department (fictional),\n",
    )
    .expect("account");
    for args in [
        vec!["registry", "import", "ftm", &p("twins.ftm.json")],
        vec!["registry", "import", "accounts", &p("twin-account.csv")],
        vec!["screen"],
    ] {
        let mut all = args.clone();
        let db = p("registry.db");
        all.extend(["--db", &db]);
        let o = crate::common::candor(&all);
        assert!(o.status.success(), "{}", crate::common::text(&o));
    }
    let a = crate::common::token(dir, "reviewer", "Rev A");
    let b = crate::common::token(dir, "reviewer", "Rev B");
    std::fs::write(
        dir.join("log/public/review-harness.html"),
        REVIEW_HARNESS.replace("TOKEN_A", &a).replace("TOKEN_B", &b),
    )
    .expect("harness");
    let server = Server::start(dir, "127.0.0.1:0");
    let profile = tempfile::tempdir().expect("profile");
    let dom = chrome(
        &bin,
        profile.path(),
        &["--dump-dom", "--virtual-time-budget=60000"],
        &server.url("/review-harness.html"),
    );
    let result = dom.split("<pre id=\"result\">").nth(1).and_then(|r| r.split("</pre>").next()).unwrap_or("");
    let out: serde_json::Value = serde_json::from_str(&result.replace("&quot;", "\"").replace("&amp;", "&"))
        .unwrap_or_else(|e| panic!("{e}: {result}"));
    assert!(out.get("error").is_none(), "{out}");
    assert_eq!(out["first"], format!("p-{lookalike}"), "the link that would make a deny comes first: {out}");
    assert!(out["first_acceptance"].as_str().expect("status").contains("accepted once"), "{out}");
    assert_eq!(out["filtered_rows"], 1, "{out}");
    assert!(out["filtered_text"].as_str().expect("text").contains("Accepted once by Rev_A"), "{out}");
    assert!(out["second_acceptance"].as_str().expect("status").contains("confirmed"), "{out}");
    // The demo's queue holds ambiguous proposals (names that fit several organisations).
    assert!(out["ambiguous"].is_string(), "{out}");
    assert!(out["ambiguous_status"].as_str().expect("status").contains("confirmed"), "{out}");
    let chosen = out["chosen"].as_str().expect("the candidate picked").to_string();
    let o = crate::common::candor(&["explain", "acct-twin-1", "--db", &p("registry.db")]);
    let text = crate::common::text(&o);
    assert!(text.contains(&format!("(#{chosen})")) && text.contains("confirmed by Rev_A"), "{chosen}: {text}");
    assert_eq!(out["same"][0], out["same"][1], "both tabs show the same first proposal: {out}");
    let race: Vec<&str> = out["race"].as_array().expect("race").iter().filter_map(|s| s.as_str()).collect();
    assert_eq!(race.iter().filter(|s| s.starts_with("Proposal") && s.ends_with("rejected.")).count(), 1, "{race:?}");
    assert_eq!(race.iter().filter(|s| s.starts_with("Conflict on proposal")).count(), 1, "{race:?}");
    // The registry holds what the page said: the look-alike confirmed by two reviewers.
    let p = |n: &str| dir.join(n).display().to_string();
    let o = crate::common::candor(&["explain", "acct-lookalike-1", "--db", &p("registry.db")]);
    let text = crate::common::text(&o);
    assert!(text.contains("second acceptance (four eyes; first by Rev_A)"), "{text}");
}

/// Headless Chromium's console while it loads `url` (its `CONSOLE` log lines).
fn console(bin: &Path, profile: &Path, url: &str) -> String {
    let out = Command::new("timeout")
        .arg("120")
        .arg(bin)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=20000", "--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(url)
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stderr).lines().filter(|l| l.contains("CONSOLE")).collect::<Vec<_>>().join("\n")
}

#[test]
fn no_page_breaks_its_own_content_security_policy() {
    // Regression: the search page's inline onsubmit was refused by the page's own
    // Content-Security-Policy, a console error on every load.
    let Some(bin) = chromium() else {
        crate::skip("no chromium on PATH (apt-get install chromium)");
        return;
    };
    let _alone = crate::common::machine_to_myself();
    let demo = demo_copy();
    let server = Server::start(demo.path(), "127.0.0.1:0");
    let profile = tempfile::tempdir().expect("profile");
    for page in ["index.html", "search.html?q=sheriff", "policies.html", "data/dictionary.html", "record/0.html"] {
        let log = console(&bin, profile.path(), &server.url(&format!("/{page}")));
        assert!(!log.contains("Content Security Policy"), "{page} breaks its own policy:\n{log}");
    }
}

#[test]
fn hostile_text_verifies_alike_in_the_browser_and_in_candor_verify() {
    // Regression: a record whose text held CR (or NUL) showed "FAILED" in the browser while
    // `candor verify` said verified. Every string the format allows now verifies in both;
    // NUL, which no page can show, fails in both.
    let Some(bin) = chromium() else {
        crate::skip("no chromium on PATH (apt-get install chromium)");
        return;
    };
    let _alone = crate::common::machine_to_myself();
    let records = |dir: &Path| -> serde_json::Value { crate::common::published_records(&dir.join("log/public")) };
    // An objection (a record type whose reason a page shows) holding `reason`, appended to a
    // copy of the demo's log and published; returns the copy and the record's index.
    let with_reason = |reason: &str| -> (tempfile::TempDir, u64) {
        let demo = demo_copy();
        let dir = demo.path();
        crate::common::without_witnesses(dir);
        let objection = records(dir)["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["type"] == "candor.policy_objection")
            .map(|r| r["record"].clone())
            .expect("the demo's objection");
        let mut hostile = objection;
        hostile["reason"] = reason.into();
        let file = dir.join("hostile.json");
        std::fs::write(&file, records::canonical::to_vec(&hostile).expect("canonical")).expect("write");
        let o = crate::common::candor(&[
            "log",
            "append",
            "--dir",
            &dir.join("log").display().to_string(),
            &file.display().to_string(),
        ]);
        assert!(o.status.success(), "{}", crate::common::text(&o));
        crate::common::publish_demo(dir, "2026-Q4");
        let index = records(dir)["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["record"]["reason"] == reason)
            .filter_map(|r| r["index"].as_u64())
            .next()
            .expect("the hostile record");
        (demo, index)
    };
    let allowed = "tab\there, line\nbreak, CRLF\r\nand a lone CR\r; a bell \u{7}, DEL \u{7f}, NEL \u{85}; \
                   \u{202e}reversed, \u{feff}BOM, <script>alert(1)</script> &amp; \"quotes\" 'single'; 😀 é é";
    let (demo, index) = with_reason(allowed);
    let server = Server::start(demo.path(), "127.0.0.1:0");
    let profile = tempfile::tempdir().expect("profile");
    let (outcome, summary) = visit(&bin, profile.path(), &server.url(&format!("/record/{index}.html")));
    assert_eq!(outcome, "verified", "the browser: {summary}");
    let o = crate::common::candor(&[
        "verify",
        &demo.path().join("log/public").display().to_string(),
        "--vkey",
        &crate::common::vkey(demo.path()),
    ]);
    assert!(o.status.success(), "candor verify: {}", crate::common::text(&o));
    drop(server);

    let (demo, index) = with_reason("a NUL \u{0} here");
    let server = Server::start(demo.path(), "127.0.0.1:0");
    let profile = tempfile::tempdir().expect("profile");
    let (outcome, summary) = visit(&bin, profile.path(), &server.url(&format!("/record/{index}.html")));
    assert_eq!(outcome, "failed", "the browser: {summary}");
    assert!(summary.contains("NUL"), "{summary}");
    let o = crate::common::candor(&[
        "verify",
        &demo.path().join("log/public").display().to_string(),
        "--vkey",
        &crate::common::vkey(demo.path()),
    ]);
    let out = crate::common::text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(&format!("record #{index}: /reason holds a NUL character")), "{out}");
}

#[test]
fn text_in_the_page_s_own_json_cannot_hide_its_verifier() {
    // Regression: a witness named `w.example/<!--<script>` (or such a log origin, or a trust
    // policy's comment) in the page's JSON put the HTML parser in a state that swallowed the
    // verifier's script: every page stayed "Checking…" while `candor verify` passed.
    let Some(bin) = chromium() else {
        crate::skip("no chromium on PATH (apt-get install chromium)");
        return;
    };
    let _alone = crate::common::machine_to_myself();
    let demo = demo_copy();
    let dir = demo.path();
    let policy = dir.join("log/public/trust-policy");
    let log_line = std::fs::read_to_string(&policy)
        .expect("policy")
        .lines()
        .find(|l| l.starts_with("log "))
        .expect("the log line")
        .to_string();
    std::fs::write(&policy, format!("# <!--<script> and </script> in a comment\n{log_line}\nquorum none\n"))
        .expect("policy");
    crate::common::publish_demo(dir, "2026-Q4");
    let server = Server::start(dir, "127.0.0.1:0");
    let profile = tempfile::tempdir().expect("profile");
    let (outcome, summary) = visit(&bin, profile.path(), &server.url("/index.html"));
    assert_eq!(outcome, "verified", "the verifier ran: {summary}");
    let index = std::fs::read_to_string(dir.join("log/public/index.html")).expect("index");
    assert!(index.contains("\\u003c!--\\u003cscript"), "the comment is in the page's JSON, escaped");
}
