//! The registry commands as a user runs them, on a small fictional file in USAspending's
//! award-summary layout (no real data needed): import, refusal of a bad row, idempotent
//! re-import, classify, explain, screen, review.

use std::path::Path;
use std::process::{Command, Output};

fn candor(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_candor")).args(args).arg("--db").arg(db).output().expect("run candor")
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const HEADER: &str = "contract_award_unique_key,award_id_piid,recipient_uei,recipient_duns,recipient_name,recipient_name_raw,recipient_parent_name,recipient_parent_uei,awarding_agency_code,awarding_agency_name,awarding_sub_agency_code,awarding_sub_agency_name,funding_sub_agency_code,funding_sub_agency_name,total_obligated_amount,period_of_performance_start_date,period_of_performance_current_end_date,recipient_state_code,recipient_city_name,usaspending_permalink";

// Fictional test records: fictional companies, and candor's own reference agency code 7012.
const ROWS: [&str; 2] = [
    "TEST_AWD_1,TEST-0001,TESTUEI00001,,EXAMPLE DETENTION LOGISTICS LLC,EXAMPLE DETENTION LOGISTICS LLC,EXAMPLE HOLDINGS INC,TESTUEI00009,070,Department of Homeland Security,7012,U.S. Immigration and Customs Enforcement,7012,U.S. Immigration and Customs Enforcement,250000.00,2026-01-01,2026-12-31,MN,EXAMPLEVILLE,",
    "TEST_AWD_2,TEST-0002,TESTUEI00002,,SAMPLE ANALYTICS CORP,SAMPLE ANALYTICS CORP,,,070,Department of Homeland Security,7012,U.S. Immigration and Customs Enforcement,7012,U.S. Immigration and Customs Enforcement,1000.00,2026-02-01,2026-03-31,TX,SAMPLETOWN,",
];

#[test]
fn import_classify_explain_screen_review() {
    let d = tempfile::tempdir().expect("tempdir");
    let db = d.path().join("registry.db");
    let awards = d.path().join("awards.csv");
    std::fs::write(&awards, format!("{HEADER}\n{}\n{}\n", ROWS[0], ROWS[1])).expect("write");

    ok(candor(&db, &["registry", "import", "reference"]));
    let out = ok(candor(&db, &["registry", "import", "usaspending", awards.to_str().expect("utf8")]));
    assert!(out.contains("2 rows"), "{out}");
    let again = ok(candor(&db, &["registry", "import", "usaspending", awards.to_str().expect("utf8")]));
    assert!(again.contains("imported before"), "{again}");

    // A bad amount refuses the whole file and names line and column; nothing is stored.
    let bad = d.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{HEADER}\n{}\n{}\n",
            ROWS[0].replace("TEST_AWD_1", "TEST_AWD_3"),
            ROWS[1].replace("1000.00", "one thousand")
        ),
    )
    .expect("write");
    let before = ok(candor(&db, &["registry", "stats", "--json"]));
    let o = candor(&db, &["registry", "import", "usaspending", bad.to_str().expect("utf8")]);
    let msg = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(msg.contains("line 3") && msg.contains("total_obligated_amount"), "{msg}");
    assert_eq!(ok(candor(&db, &["registry", "stats", "--json"])), before);

    // A threshold leaves the small award out; the large one makes a supplier, rolled up to its parent.
    let out = ok(candor(&db, &["registry", "classify", "--min-amount", "5000", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["suppliers"], 1);
    assert_eq!(v["proposed_by_rollup"], 1);
    let out = ok(candor(&db, &["explain", "EXAMPLE DETENTION LOGISTICS LLC"]));
    assert!(
        out.contains("supplier (confirmed)")
            && out.contains("contract_award TEST_AWD_1")
            && out.contains("awards.csv:2"),
        "{out}"
    );
    let out = ok(candor(&db, &["explain", "TESTUEI00009"]));
    assert!(out.contains("through its subsidiary EXAMPLE DETENTION LOGISTICS LLC"), "{out}");

    // Screening: an account with a variant of the name is proposed; review needs a reviewer and a reason.
    let accounts = d.path().join("accounts.csv");
    std::fs::write(
        &accounts,
        "account_id,legal_name,state\nacct-1,Example Detention Logistics L.L.C.,MN\nacct-2,Example Bakery,MN\n",
    )
    .expect("write");
    ok(candor(&db, &["registry", "import", "accounts", accounts.to_str().expect("utf8")]));
    let out = ok(candor(&db, &["screen"]));
    assert!(out.contains("acct-1") && !out.contains("acct-2"), "{out}");
    assert!(out.contains("2 accounts screened, 1 proposals, 1 new"), "{out}");
    let again = ok(candor(&db, &["screen"]));
    assert!(again.contains("0 new"), "{again}");
    let list = ok(candor(&db, &["review", "list", "--json"]));
    let items: serde_json::Value = serde_json::from_str(&list).expect("json");
    assert_eq!(items["total"], 1, "{items}");
    let id = items["rows"][0]["proposal_id"].as_i64().expect("id").to_string();
    let o = candor(&db, &["review", "accept", &id, "--reviewer", "", "--reason", "x"]);
    assert_eq!(o.status.code(), Some(2));
    ok(candor(
        &db,
        &["review", "accept", &id, "--reviewer", "reviewer-7", "--reason", "same company per its contract file"],
    ));
    // Deciding it again is refused unless overridden, and an override is a recorded reversal.
    let again = candor(&db, &["review", "reject", &id, "--reviewer", "reviewer-8", "--reason", "changed my mind"]);
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("already decided") && err.contains("confirmed by reviewer-7"), "{err}");
    assert!(ok(candor(&db, &["explain", "acct-1"])).contains("confirmed by reviewer-7"), "still confirmed");
    ok(candor(&db, &["review", "reject", &id, "--reviewer", "reviewer-8", "--reason", "wrong company", "--override"]));
    let out = ok(candor(&db, &["explain", "acct-1"]));
    assert!(out.contains("rejected by reviewer-8") && out.contains("reversal of event"), "{out}");
    ok(candor(
        &db,
        &["review", "accept", &id, "--reviewer", "reviewer-7", "--reason", "right company after all", "--override"],
    ));
    let all = ok(candor(&db, &["review", "list", "--all"]));
    assert!(all.contains("confirmed"), "{all}");
    assert!(ok(candor(&db, &["review", "list"])).contains("0 link(s) waiting"));

    // The whole chain for the customer: account → organisation → agency, with evidence.
    let out = ok(candor(&db, &["explain", "acct-1"]));
    assert!(out.contains("customer account acct-1") && out.contains("confirmed by reviewer-7"), "{out}");
    assert!(
        out.contains("—contract_award TEST_AWD_1") && out.contains("U.S. Immigration and Customs Enforcement"),
        "{out}"
    );
    let out = ok(candor(&db, &["explain", "acct-2"]));
    assert!(out.contains("not linked"), "{out}");

    // Usage: ingested per account, reported per organisation through the confirmed link.
    let focus = d.path().join("focus.csv");
    std::fs::write(
        &focus,
        "ProviderName,SubAccountId,ServiceName,x_UsageType,x_Operation,RegionId,ConsumedQuantity,ConsumedUnit,BilledCost,ChargePeriodStart\n\
         AWS,acct-1,Amazon Rekognition,USE1-Group1-ImagesProcessed,SearchFacesByImage,us-east-1,1000,Images,1.00,2026-07-01T00:00:00Z\n\
         AWS,acct-2,Amazon Elastic Compute Cloud,BoxUsage:m5.large,RunInstances,us-east-1,24,Hours,2.30,2026-08-01T00:00:00Z\n",
    )
    .expect("write");
    let usage_db = d.path().join("usage.db");
    let u = usage_db.to_str().expect("utf8");
    ok(candor(&db, &["usage", "report", "--usage-db", u]));
    let out = Command::new(env!("CARGO_BIN_EXE_candor"))
        .args(["usage", "ingest", "--usage-db", u, focus.to_str().expect("utf8")])
        .output()
        .expect("ingest");
    assert!(out.status.success());
    let out = ok(candor(&db, &["usage", "report", "--usage-db", u, "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&out).expect("json");
    let rows = rows.as_array().expect("rows");
    assert!(
        rows.iter().any(|r| r["owner"] == "EXAMPLE DETENTION LOGISTICS LLC"
            && r["capability"] == "face_identification"
            && r["period"] == "2026-Q3"),
        "{out}"
    );
    assert!(rows.iter().any(|r| r["owner"] == "account acct-2 (not linked)" && r["capability"] == "compute"), "{out}");
}

/// One fictional company name registered twice in one state (two UEIs): screening queues one
/// proposal listing both, and the reviewer picks one; nothing is dropped or guessed.
#[test]
fn an_ambiguous_proposal_lists_every_candidate_and_the_reviewer_picks_one() {
    let d = tempfile::tempdir().expect("tempdir");
    let db = d.path().join("registry.db");
    let awards = d.path().join("awards.csv");
    let twin = ROWS[1]
        .replace("TEST_AWD_2", "TEST_AWD_4")
        .replace("TEST-0002", "TEST-0004")
        .replace("TESTUEI00002", "TESTUEI00004");
    std::fs::write(&awards, format!("{HEADER}\n{}\n{twin}\n", ROWS[1])).expect("write");
    ok(candor(&db, &["registry", "import", "reference"]));
    ok(candor(&db, &["registry", "import", "usaspending", awards.to_str().expect("utf8")]));
    let accounts = d.path().join("accounts.csv");
    std::fs::write(&accounts, "account_id,legal_name,state\nacct-9,Sample Analytics Corporation,TX\n").expect("write");
    ok(candor(&db, &["registry", "import", "accounts", accounts.to_str().expect("utf8")]));

    let out = ok(candor(&db, &["screen"]));
    assert!(out.contains("acct-9  →  ambiguous: SAMPLE ANALYTICS CORP"), "{out}");
    assert!(out.contains("1 new in the review queue") && out.contains("1 awaiting review: ambiguous"), "{out}");
    let list = ok(candor(&db, &["review", "list"]));
    assert!(list.contains("ambiguous, 2 candidates (accept with --org)"), "{list}");
    let items: serde_json::Value = serde_json::from_str(&ok(candor(&db, &["review", "list", "--json"]))).expect("json");
    let proposal = &items["rows"][0];
    let candidates = proposal["candidates"].as_array().expect("candidates");
    assert_eq!(candidates.len(), 2);
    let id = proposal["proposal_id"].as_i64().expect("id").to_string();
    let second = candidates[1]["id"].as_i64().expect("org");

    // Accepting needs a choice, and the choice must be a candidate.
    let o = candor(&db, &["review", "accept", &id, "--reviewer", "reviewer-7", "--reason", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is ambiguous: choose one of its 2 candidates"));
    let o = candor(&db, &["review", "accept", &id, "--org", "#1", "--reviewer", "reviewer-7", "--reason", "x"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a candidate"), "{o:?}");
    let out = ok(candor(
        &db,
        &[
            "review",
            "accept",
            &id,
            "--org",
            "uei:TESTUEI00004",
            "--reviewer",
            "reviewer-7",
            "--reason",
            "UEI on the contract",
        ],
    ));
    assert!(out.contains(&format!("to organisation #{second}")), "{out}");
    assert!(ok(candor(&db, &["review", "list"])).contains("0 link(s) waiting"));
    let explained = ok(candor(&db, &["explain", "acct-9"]));
    assert!(
        explained.contains(&format!("(#{second})")) && explained.contains("confirmed by reviewer-7"),
        "{explained}"
    );
    // The other candidate is not linked: its pair was closed, saying why.
    let all: serde_json::Value =
        serde_json::from_str(&ok(candor(&db, &["review", "list", "--all", "--json"]))).expect("json");
    let statuses: Vec<(i64, String)> = all
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            (l["latest"]["org_id"].as_i64().unwrap_or(0), l["latest"]["status"].as_str().unwrap_or("").to_string())
        })
        .collect();
    assert!(statuses.contains(&(second, "confirmed".into())), "{statuses:?}");
    assert_eq!(statuses.iter().filter(|(_, s)| s == "confirmed").count(), 1, "{statuses:?}");
    // Screening again proposes nothing new for this account.
    assert!(ok(candor(&db, &["screen"])).contains("0 new"));
}
