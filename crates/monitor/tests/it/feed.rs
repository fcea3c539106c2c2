//! The Atom feed is well-formed XML whatever the alerts carry: text from logs and
//! configurations is escaped, and characters XML 1.0 forbids are replaced (issue 26, finding 5).

use std::process::Command;

use monitor::alert::{Alert, Sinks};
use monitor::config::Alerts;

/// An alert carrying every character XML 1.0 forbids, and markup.
#[test]
fn a_feed_of_hostile_alerts_is_well_formed_xml() {
    let tmp = tempfile::tempdir().expect("tmp");
    let atom = tmp.path().join("alerts.xml");
    let alerts = Alerts { stdout: false, exec: None, webhook: None, atom: Some(atom.clone()) };
    let controls: String = (0u8..0x20).map(char::from).collect();
    let hostile = format!("{controls}\u{fffe}\u{ffff} </title><x>&amp; \"quoted\" 'single'");
    let mut alert = Alert::new("watch", &format!("log {hostile}"), format!("message {hostile}"));
    alert.item = Some(format!("item {hostile}"));
    let agent = monitor::source::agent();
    let mut out = Vec::new();
    Sinks { alerts: &alerts, state_dir: tmp.path(), out: &mut out, agent: &agent }.deliver(&[alert]);
    let feed = std::fs::read_to_string(&atom).expect("the feed is written");
    assert!(!feed.contains("<x>") && feed.contains("&lt;/title&gt;&lt;x&gt;&amp;amp;"), "{feed}");
    assert!(!feed.chars().any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r')), "{feed:?}");

    let parse = "import sys, xml.dom.minidom as m\n\
                 d = m.parse(sys.argv[1])\n\
                 t = d.getElementsByTagName('entry')[0].getElementsByTagName('title')[0].firstChild.data\n\
                 sys.stdout.write(t)\n";
    let Ok(o) = Command::new("python3").args(["-c", parse]).arg(&atom).output() else {
        return crate::skip("no python3 to parse the feed with an XML parser");
    };
    assert!(o.status.success(), "the feed does not parse: {}\n{feed}", String::from_utf8_lossy(&o.stderr));
    let title = String::from_utf8(o.stdout).expect("utf-8");
    assert!(title.starts_with("watch: log ") && title.contains("</title><x>&amp; \"quoted\" 'single'"), "{title:?}");
}
