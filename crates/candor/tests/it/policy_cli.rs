//! The policy commands end to end on the demo's (fictional) registry and usage: the demo's
//! active version is in the log; audits, decisions, registered uses, a refused invalid
//! policy (nothing appended), a second version with its dry run, recorded decisions that
//! replay, and tokens stored as hashes.

use std::path::Path;
use std::process::{Command, Output};

fn candor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_candor")).args(args).output().expect("run candor")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

struct Demo {
    _tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
}

impl Demo {
    fn new() -> Demo {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("demo");
        let o = candor(&["demo", "--no-serve", "--dir", dir.to_str().expect("utf8")]);
        assert!(o.status.success(), "{}", text(&o));
        crate::common::without_witnesses(&dir);
        Demo { _tmp: tmp, dir }
    }
    fn p(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
    /// Runs a command with the demo's databases.
    fn run(&self, args: &[&str]) -> Output {
        let (db, pdb) = (self.p("registry.db"), self.p("policy.db"));
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--db", &db, "--policy-db", &pdb]);
        candor(&all)
    }
}

fn checkpoint(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("log/public/checkpoint")).expect("checkpoint")
}

#[test]
fn policy_commands_end_to_end() {
    let d = Demo::new();
    // The demo activated the default policy through the log.
    let h = json(&d.run(&["policy", "history", "--json"]));
    assert_eq!(h.as_array().expect("list").len(), 1);
    let index = h[0]["log_index"].as_u64().expect("index");
    let o = candor(&["log", "verify", &d.p("log"), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(json(&o)["size"].as_u64().expect("size") > index);

    // Audit: the fictional sheriff's face recognition, nothing about anyone real.
    let usage = d.p("usage.db");
    let o = d.run(&["policy", "audit", "--usage-db", &usage, "--period", "2026-Q3", "--json"]);
    assert_eq!(o.status.code(), Some(1), "violations exit 1: {}", text(&o));
    let v = json(&o);
    let list = v["violations"].as_array().expect("violations");
    assert!(!list.is_empty());
    assert!(list.iter().all(|x| x["organisation"].as_str().expect("org").contains("(fictional)")));
    let account = list[0]["accounts"][0].as_str().expect("account").to_string();

    // A decision, and the missing-persons exception once registered and declared.
    let ask = |purpose: &str| {
        d.run(&[
            "authorize",
            "--account",
            &account,
            "--capability",
            "face_identification",
            "--purpose",
            purpose,
            "--json",
        ])
    };
    let o = ask("missing_persons");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(json(&o)["decision"]["policies"][0], "no-face-recognition-for-police");
    let register = |extra: &[&str]| {
        let mut args = vec![
            "policy",
            "register-use",
            "--account",
            &account,
            "--use",
            "missing_persons",
            "--reviewer",
            "reviewer-7",
            "--reason",
            "reviewed demonstration use case",
        ];
        args.extend_from_slice(extra);
        d.run(&args)
    };
    // Without its declaration a use is not registered, and every missing field is named.
    let o = register(&["--purpose", "find missing persons"]);
    assert!(!o.status.success(), "{}", text(&o));
    for field in [
        "authority",
        "human_review",
        "confidence_threshold",
        "reference_data",
        "sharing",
        "retention",
        "start",
        "approved_by",
    ] {
        assert!(text(&o).contains(field), "{field} not named: {}", text(&o));
    }
    assert_eq!(ask("missing_persons").status.code(), Some(1), "nothing was registered");
    // A declaration file, with one field from the command line.
    let file = d.dir.join("declaration.toml");
    std::fs::write(
        &file,
        "purpose = \"find missing persons (demonstration data)\"\nauthority = \"warrant\"\nhuman_review = true\n\
         human_review_by = \"trained examiner\"\nconfidence_threshold = 0.99\nreference_data = [\"family photographs\"]\n\
         sharing = [\"none\"]\nretention = \"30 days\"\nstart = \"2026-07-01\"\n",
    )
    .expect("write");
    let o = register(&["--declaration", file.to_str().expect("utf8"), "--approved-by", "approver-2"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(ask("missing_persons").status.code(), Some(0));
    assert_eq!(ask("").status.code(), Some(1));
    // A reviewer id is required.
    let o = d.run(&["policy", "register-use", "--account", &account, "--use", "x", "--reviewer", "", "--reason", "r"]);
    assert_eq!(o.status.code(), Some(2));

    // An invalid policy is refused with Cedar's diagnostics and nothing is appended.
    let bad = d.dir.join("bad.cedar");
    std::fs::write(&bad, "@id(\"x\") forbid (principal, action, resource) when { principal.colour == \"red\" };")
        .expect("write");
    let before = checkpoint(&d.dir);
    let log = d.p("log");
    let o = d.run(&["policy", "activate", bad.to_str().expect("utf8"), "--by", "operator-1", "--dir", &log]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("not valid") && text(&o).contains("colour"), "{}", text(&o));
    assert_eq!(checkpoint(&d.dir), before);

    // Record a decision under version 1, then activate version 2.
    let o = d.run(&["authorize", "--account", &account, "--capability", "compute", "--record", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let strict = d.dir.join("strict.cedar");
    let policy_text = std::fs::read_to_string(d.dir.join("policy.cedar")).expect("policy");
    std::fs::write(
        &strict,
        format!("{policy_text}\n@id(\"no-compute-for-police\")\nforbid (principal, action == Candor::Action::\"compute\", resource) when {{ principal.law_enforcement_role == \"agency\" }};\n"),
    )
    .expect("write");
    let o = d.run(&["policy", "diff", "--usage-db", &usage, "active", strict.to_str().expect("utf8"), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(json(&o)["accounts_newly_denied"].as_u64().expect("n") >= 1);
    let o =
        d.run(&["policy", "activate", strict.to_str().expect("utf8"), "--by", "operator-1", "--dir", &log, "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&o)["version"], 2);
    assert_ne!(checkpoint(&d.dir), before);
    // Activating the same text again changes nothing.
    let again = checkpoint(&d.dir);
    assert!(
        d.run(&["policy", "activate", strict.to_str().expect("utf8"), "--by", "operator-1", "--dir", &log])
            .status
            .success()
    );
    assert_eq!(checkpoint(&d.dir), again);
    // Now compute is denied, but the recorded decision replays as it was.
    assert_eq!(d.run(&["authorize", "--account", &account, "--capability", "compute"]).status.code(), Some(1));
    let o = d.run(&["policy", "replay", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&o)["same"], 1);
    let h = json(&d.run(&["policy", "history", "--json"]));
    assert_eq!(h.as_array().expect("list").len(), 2);

    // Tokens: printed once, stored hashed, 0600.
    let tokens = d.p("tokens");
    let o = candor(&["policy", "token", "--role", "authorizer", "--tokens", &tokens]);
    assert!(o.status.success(), "{}", text(&o));
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert_eq!(token.len(), 64);
    let stored = std::fs::read_to_string(&tokens).expect("tokens");
    assert!(stored.starts_with("authorizer\t") && !stored.contains(&token));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&tokens).expect("meta").permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(candor(&["policy", "token", "--role", "superuser", "--tokens", &tokens]).status.code(), Some(2));
}
