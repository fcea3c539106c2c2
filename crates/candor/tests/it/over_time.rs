//! Every period side by side, on the demo's two quarters: the overview lists what changed
//! first (the suspended sheriff's office stopped face recognition, the fictional vendor
//! started), each organisation's page shows the periods in a table and a chart with a text
//! equivalent, and each organisation and capability has its own Atom feed.

use crate::common::demo;

fn page(rel: &str) -> String {
    std::fs::read_to_string(demo().join("log/public").join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn changes_come_first_and_periods_sit_side_by_side() {
    let index = page("index.html");
    let changes = index.find("<section id=\"changes\">").expect("a changes section");
    let first_period = index.find("Period 2026-").expect("periods");
    assert!(changes < first_period, "the changes come before the periods");
    let section = &index[changes..index[changes..].find("</section>").map_or(index.len(), |e| changes + e)];
    assert!(section.contains("What changed in 2026-Q4 (compared with 2026-Q3)"), "{section}");
    assert!(section.contains("Lakemoor County Sheriff&#39;s Office (fictional)</bdi></a>: new nothing; stopped face_detection_analysis, face_identification"), "{section}");
    assert!(
        section.contains("Examplar Vision Ltd (fictional)</bdi></a>: new face_detection_analysis, face_identification"),
        "{section}"
    );

    let sheriff = page("org/lakemoor-county-sheriff-s-office-fictional.html");
    assert!(sheriff.contains("<th scope=\"col\">2026-Q3</th><th scope=\"col\">2026-Q4</th>"), "both periods");
    assert!(sheriff.contains("<strong>stopped</strong>: Face detection and analysis, Face identification"), "stopped");
    // The chart says every value in words.
    let desc = sheriff.split("<desc id=\"timeline-d\">").nth(1).and_then(|d| d.split("</desc>").next()).expect("desc");
    assert!(desc.contains("Face identification: 2026-Q3 ") && desc.contains("2026-Q4 none"), "{desc}");
    let capability = page("capability/face-identification.html");
    assert!(capability.contains("<h2>Over time</h2>") && capability.contains("Examplar Vision Ltd (fictional)"));
}

#[test]
fn each_organisation_and_capability_has_its_own_feed() {
    let feed = page("feed/org/lakemoor-county-sheriff-s-office-fictional.xml");
    assert!(feed.contains("<title>candor transparency report (demonstration data): Lakemoor County Sheriff"), "{feed}");
    let entries = feed.matches("<entry>").count();
    assert!(entries >= 4, "usage of both periods, classification, enforcement: {entries}");
    assert!(feed.contains("<link href=\"../../record/") && !feed.contains("Averly"), "only its own records");
    let face = page("feed/capability/face-identification.xml");
    assert!(face.contains("<entry>") && face.contains(":capability:face-identification</id>"));
    for r in face.split("<link href=\"../../").skip(1) {
        let rel = r.split('"').next().expect("href");
        assert!(demo().join("log/public").join(rel).exists(), "{rel}");
    }
}
