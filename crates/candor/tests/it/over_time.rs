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
    // Labelled axes, a legend naming each line, each point's value on hover.
    let chart = sheriff.split("<svg").find(|c| c.contains("timeline-d")).expect("the chart");
    assert!(chart.contains(">Volume band</text>") && chart.contains(">Period</text>"), "axis titles");
    assert!(chart.contains("<line x1=") && chart.contains(">Face identification</text>"), "a legend entry per line");
    assert!(chart.contains("<title>Face identification, 2026-Q3: "), "each point's value on hover");
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

#[test]
fn every_feed_parses_as_xml_whatever_a_record_holds() {
    // Regression: a record's text with NUL or other C0 controls made the Atom feeds invalid XML.
    if std::process::Command::new("python3").arg("--version").output().is_err() {
        return crate::skip("python3 is not installed (the XML parser the test uses)");
    }
    let demo = crate::common::demo_copy();
    let dir = demo.path();
    crate::common::without_witnesses(dir);
    let records: serde_json::Value = crate::common::published_records(&dir.join("log/public"));
    let mut proposal = records["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["type"] == "candor.policy_proposal")
        .map(|r| r["record"].clone())
        .expect("the demo's proposal");
    // The feed's entry title names a proposal's file.
    proposal["file"] = "evil\u{0}\u{1}\u{8}\u{b}\u{1b}[31m\u{7f}\u{85}\u{fffe}\u{ffff} <x> & ' \" \r\n]]>".into();
    let file = dir.join("hostile.json");
    std::fs::write(&file, records::canonical::to_vec(&proposal).expect("canonical")).expect("write");
    let log = dir.join("log").display().to_string();
    let o = crate::common::candor(&["log", "append", "--dir", &log, &file.display().to_string()]);
    assert!(o.status.success(), "{}", crate::common::text(&o));
    crate::common::publish_demo(dir, "2026-Q4");
    let feeds: Vec<String> =
        publish::check::folder_files(&dir.join("log/public")).into_iter().filter(|f| f.ends_with(".xml")).collect();
    assert!(feeds.iter().any(|f| f == "feed.xml") && feeds.len() > 3, "{feeds:?}");
    let feed = std::fs::read_to_string(dir.join("log/public/feed.xml")).expect("feed");
    assert!(feed.contains("evil"), "the hostile record is in the feed");
    let script = "import sys, xml.dom.minidom\n\
                  for p in sys.argv[1:]:\n    xml.dom.minidom.parse(p)\nprint('ok', len(sys.argv) - 1)\n";
    let o = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(feeds.iter().map(|f| dir.join("log/public").join(f)))
        .output()
        .expect("python3");
    assert!(o.status.success(), "a feed is not XML: {}", crate::common::text(&o));
}
