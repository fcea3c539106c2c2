//! Alerts and where they go: JSON lines on stdout, a program run with the alert on stdin, a
//! webhook (POST JSON), and an Atom feed of the latest alerts. Every alert also goes to
//! `state_dir/alerts.jsonl`, the feed's source. A sink that fails is reported on stderr and
//! never stops the others.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde::Serialize;
use sha2::Digest as _;

use crate::config::Alerts;

/// Alerts kept in the Atom feed.
const FEED_ALERTS: usize = 100;

/// One alert.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Alert {
    /// When (RFC 3339, UTC).
    pub time: String,
    /// `watch`, `consistency`, `split_view`, `verification`, `unparseable_entry`,
    /// `unreachable` or `heartbeat`.
    pub kind: &'static str,
    /// The log's origin (or its source, before its checkpoint could be read).
    pub log: String,
    /// The watch item that matched, as the user wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The log entry concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// What happened.
    pub message: String,
    /// For a conflict: the signed checkpoints that cannot both be honest, and the file keeping them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof: Option<Proof>,
}

/// Two signed checkpoints of one log that no consistent history explains.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Proof {
    /// Where they are kept.
    pub file: PathBuf,
    /// The checkpoints, as signed.
    pub checkpoints: Vec<String>,
}

impl Alert {
    /// An alert of `kind` about `log`, now.
    pub fn new(kind: &'static str, log: &str, message: String) -> Alert {
        Alert { time: rfc3339(now()), kind, log: log.to_string(), item: None, index: None, message, proof: None }
    }
}

/// Delivers alerts to every configured sink.
pub struct Sinks<'a> {
    /// The configuration's `[alerts]`.
    pub alerts: &'a Alerts,
    /// The monitor's state folder (alert history).
    pub state_dir: &'a Path,
    /// Where JSON lines go (stdout, or a buffer in tests).
    pub out: &'a mut dyn Write,
    /// For the webhook.
    pub agent: &'a ureq::Agent,
}

impl Sinks<'_> {
    /// Sends each alert everywhere.
    pub fn deliver(&mut self, alerts: &[Alert]) {
        if alerts.is_empty() {
            return;
        }
        let history = self.state_dir.join("alerts.jsonl");
        let mut lines = Vec::new();
        for a in alerts {
            let json = serde_json::to_string(a).unwrap_or_default();
            if self.alerts.stdout {
                let _ = writeln!(self.out, "{json}");
            }
            if let Some(cmd) = &self.alerts.exec
                && let Err(e) = run(cmd, &json)
            {
                eprintln!("alert exec {}: {e}", cmd.join(" "));
            }
            if let Some(url) = &self.alerts.webhook
                && let Err(e) = post(self.agent, url, &json)
            {
                eprintln!("alert webhook {url}: {e}");
            }
            lines.push(json);
        }
        let _ = self.out.flush();
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&history)
            .and_then(|mut f| f.write_all(format!("{}\n", lines.join("\n")).as_bytes()));
        if let Err(e) = appended {
            eprintln!("{}: {e}", history.display());
        }
        if let Some(atom) = &self.alerts.atom
            && let Err(e) = write_feed(atom, &history)
        {
            eprintln!("alert feed {}: {e}", atom.display());
        }
    }
}

fn run(cmd: &[String], json: &str) -> std::io::Result<()> {
    let (program, args) = cmd.split_first().ok_or_else(|| std::io::Error::other("no program"))?;
    let mut child = Command::new(program).args(args).stdin(Stdio::piped()).spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(json.as_bytes())?;
        stdin.write_all(b"\n")?;
    }
    let status = child.wait()?;
    if status.success() { Ok(()) } else { Err(std::io::Error::other(format!("exited with {status}"))) }
}

fn post(agent: &ureq::Agent, url: &str, json: &str) -> Result<(), String> {
    let res = agent
        .post(url)
        .config()
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .header("Content-Type", "application/json")
        .send(json.as_bytes())
        .map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    if (200..300).contains(&status) { Ok(()) } else { Err(format!("answered {status}")) }
}

/// Rewrites the Atom feed from the last alerts in the history.
fn write_feed(atom: &Path, history: &Path) -> std::io::Result<()> {
    let text = std::fs::read_to_string(history)?;
    let recent: Vec<serde_json::Value> =
        text.lines().rev().take(FEED_ALERTS).filter_map(|l| serde_json::from_str(l).ok()).collect();
    let updated = recent.first().and_then(|a| a["time"].as_str()).unwrap_or("1970-01-01T00:00:00Z").to_string();
    let mut feed = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>candor monitor alerts</title>\n<id>urn:candor:monitor:{}</id>\n<updated>{updated}</updated>\n",
        esc(&atom.display().to_string())
    );
    for a in &recent {
        let str_of = |k: &str| a[k].as_str().unwrap_or("").to_string();
        let title = match a["item"].as_str() {
            Some(item) => format!("{}: {} ({item})", str_of("kind"), str_of("log")),
            None => format!("{}: {}", str_of("kind"), str_of("log")),
        };
        feed.push_str(&format!(
            "<entry>\n<title>{}</title>\n<id>urn:candor:monitor:alert:{}</id>\n<updated>{}</updated>\n\
             <content type=\"text\">{}</content>\n</entry>\n",
            esc(&title),
            // Stable: the same alert keeps its id however many follow it.
            sha2::Sha256::digest(a.to_string().as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>(),
            esc(&str_of("time")),
            esc(&a.to_string())
        ));
    }
    feed.push_str("</feed>\n");
    crate::state::write_atomic(atom, feed.as_bytes()).map_err(|e| std::io::Error::other(e.to_string()))
}

/// `s` as XML 1.0 text or attribute value: markup characters escaped, and every character XML
/// 1.0 does not allow (C0 controls but tab, newline and carriage return; U+FFFE, U+FFFF)
/// replaced by U+FFFD. Alerts carry what logs and configurations say, and one such character
/// would make the whole feed unreadable to every feed reader.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `secs` since the epoch as RFC 3339 in UTC (days to civil date: Howard Hinnant's algorithm).
pub fn rfc3339(secs: u64) -> String {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_text_is_xml_escaped_and_has_only_characters_xml_allows() {
        assert_eq!(esc("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
        assert_eq!(esc("tab\tline\ncr\r"), "tab\tline\ncr\r");
        assert_eq!(esc("nul\u{0}bell\u{7}esc\u{1b}us\u{1f}"), "nul\u{fffd}bell\u{fffd}esc\u{fffd}us\u{fffd}");
        assert_eq!(esc("\u{fffe}\u{ffff}\u{fffd}\u{7f}\u{10000}"), "\u{fffd}\u{fffd}\u{fffd}\u{7f}\u{10000}");
    }

    #[test]
    fn times_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_092_316), "2026-12-01T02:31:56Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
