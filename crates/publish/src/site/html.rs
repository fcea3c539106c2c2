//! HTML building blocks: escaping, the page frame, embedded JSON, slugs.

use std::fmt::Write as _;

use serde_json::Value;

/// Escapes text for HTML element content and attribute values, so that a browser's DOM holds
/// exactly `text`: an HTML parser turns a raw CR into LF, but keeps a CR written `&#13;`; C0
/// controls are written as references too (kept by the parser). NUL is the one character no
/// page can show (a parser drops or replaces it); it is written as U+FFFD, which is what a
/// browser would show, and both verifiers refuse a record that holds it.
pub fn esc(text: &str) -> String {
    // Every character it replaces is ASCII, so runs between them are copied whole (a page's
    // entry text is kilobytes; this runs for every value of every section).
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut run = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            0 => "\u{fffd}",
            b'\t' | b'\n' => continue,
            b if b < 0x20 => "",
            _ => continue,
        };
        out.push_str(&text[run..i]);
        if entity.is_empty() {
            let _ = write!(out, "&#{b};");
        } else {
            out.push_str(entity);
        }
        run = i + 1;
    }
    out.push_str(&text[run..]);
    out
}

/// Escapes text for XML 1.0 (the Atom feeds): markup characters as entities, CR as `&#13;`
/// (an XML parser would turn a raw one into LF), and the characters XML 1.0 cannot hold at all
/// (C0 controls but tab, LF and CR; U+FFFE, U+FFFF) as U+FFFD, so a feed always parses.
pub fn xml_esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Text isolated for a feed's title (FSI … PDI) when it holds bidi controls, so a
/// right-to-left override in a name cannot reorder the title around it.
pub fn bidi_isolated(text: &str) -> std::borrow::Cow<'_, str> {
    let controls =
        |c: char| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}');
    if text.contains(controls) { format!("\u{2068}{text}\u{2069}").into() } else { text.into() }
}

/// A name for element content, isolated from the text around it (`<bdi>`): a name holding a
/// right-to-left override (U+202E) or other bidi controls cannot reorder the page beside it.
pub fn name(text: &str) -> String {
    format!("<bdi>{}</bdi>", esc(text))
}

/// JSON for a `<script type="application/json">` block. A script block ends at `</script`, and
/// `<!--` followed by `<script` puts an HTML parser in a state where the next `</script>` does
/// not end it (swallowing the verifier's own script): so `<`, `>` and `&` are written as the
/// JSON escapes `\u003c`, `\u003e`, `\u0026`, which any JSON parser reads back as themselves.
/// They can only occur inside strings, where the escapes mean the same text.
pub fn script_json(value: &serde_json::Value) -> String {
    let json = value.to_string();
    // Most hold none of the three (a record's proof: base64 and numbers): no copy made.
    if !json.bytes().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        return json;
    }
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// A file-name-safe slug: lowercase ASCII letters and digits joined by single dashes.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    let cut = out.char_indices().nth(80).map_or(out.len(), |(i, _)| i);
    if cut == 0 { "organisation".into() } else { out[..cut].trim_end_matches('-').to_string() }
}

/// `base`, or `base-2`, `base-3` … the first that is not `taken` (then taken): names of pages
/// and files made from texts that may slug alike.
pub(crate) fn unique_name(base: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// The value at JSON pointer `ptr` (RFC 6901) in `v`, as `Value::pointer` finds it, without
/// making a string of each reference token that holds no escape (every value of every section
/// is found this way: the copies were a twentieth of writing a site).
fn pointer<'v>(v: &'v Value, ptr: &str) -> Option<&'v Value> {
    if ptr.is_empty() {
        return Some(v);
    }
    let tokens = ptr.strip_prefix('/')?;
    tokens.split('/').try_fold(v, |target, token| {
        let token: std::borrow::Cow<'_, str> =
            if token.contains('~') { token.replace("~1", "/").replace("~0", "~").into() } else { token.into() };
        match target {
            Value::Object(map) => map.get(&*token),
            // An array index: digits, without a leading zero or sign (as `Value::pointer` reads it).
            Value::Array(list) => {
                let index_like =
                    token.bytes().all(|b| b.is_ascii_digit()) && !(token.starts_with('0') && token.len() > 1);
                index_like.then(|| token.parse::<usize>().ok()).flatten().and_then(|i| list.get(i))
            }
            _ => None,
        }
    })
}

/// A value of the record, marked with its JSON pointer so the page's script can check that
/// what the page shows is what the verified record says (`—` when absent).
pub(crate) fn val(v: &Value, ptr: &str) -> String {
    let shown: std::borrow::Cow<'_, str> = match pointer(v, ptr) {
        Some(Value::String(s)) => s.as_str().into(),
        // As a browser's String(number) writes it (ECMAScript), so the page's check agrees.
        Some(Value::Number(n)) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => u.to_string().into(),
            (None, Some(i), _) => i.to_string().into(),
            (None, None, Some(f)) => records::canonical::es_number(f).unwrap_or_else(|_| "—".into()).into(),
            _ => return "—".into(),
        },
        Some(Value::Bool(b)) => b.to_string().into(),
        _ => return "—".into(),
    };
    // `<bdi>`: a value (a name, a reason) is isolated from the text around it, so bidi
    // controls in it cannot reorder the page beside it.
    format!("<bdi data-v=\"{}\">{}</bdi>", esc(ptr), esc(&shown))
}

/// What every page shares.
pub struct Frame<'a> {
    /// Path from the page to the site root (`""` or `"../"`).
    pub root: &'a str,
    /// The log's origin line.
    pub origin: &'a str,
    /// The verifier key (signed-note vkey).
    pub vkey: &'a str,
    /// The signed checkpoint the page's proofs are for, cosignatures included.
    pub checkpoint: &'a str,
    /// The log's trust policy, when it has one.
    pub policy: Option<&'a str>,
    /// Who witnessed the checkpoint (HTML; `ROOT/` stands for the path to the site root).
    pub witnessing: &'a str,
    /// Whether the report holds demonstration data.
    pub demonstration: bool,
}

/// The notice every page, record and file made from demonstration data carries.
pub const DEMO_NOTICE: &str = "demonstration data: fictional organisations and generated figures";

impl Frame<'_> {
    /// A whole page around `body`.
    pub fn page(&self, title: &str, body: &str) -> String {
        let root = self.root;
        let mut out = String::new();
        let _ = write!(
            out,
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; img-src 'self' data:; object-src 'none'\">\n\
             <title>{title} — candor transparency report{demo_title}</title>\n\
             <link rel=\"stylesheet\" href=\"{root}assets/style.css\">\n\
             <link rel=\"alternate\" type=\"application/atom+xml\" title=\"New records\" href=\"{root}feed.xml\">\n\
             </head>\n<body data-verification=\"pending\">\n\
             <header><a class=\"home\" href=\"{root}index.html\">candor transparency report</a>\
             <nav><a href=\"{root}index.html#organisations\">Organisations</a> \
             <a href=\"{root}index.html#capabilities\">Capabilities</a> \
             <a href=\"{root}policies.html\">Policies</a> \
             <a href=\"{root}review.html\">Review</a> \
             <a href=\"{root}reconciliation.html\">Reconciliation</a> \
             <a href=\"{root}gates.html\">Gates</a> \
             <a href=\"{root}data/dictionary.html\">Data</a> \
             <a href=\"{root}search.html\">Search</a> \
             <a href=\"{root}feed.xml\">Feed</a></nav></header>\n<main>\n",
            title = esc(title),
            demo_title = if self.demonstration { " (demonstration data)" } else { "" },
        );
        if self.demonstration {
            let _ = writeln!(
                out,
                "<p class=\"demo\" role=\"note\"><strong>Demonstration data.</strong> Every organisation with usage \
                 on this site is fictional and every figure is generated; nothing here describes any real \
                 organisation's conduct.</p>"
            );
        }
        let _ = write!(
            out,
            "<p id=\"verification-summary\" class=\"verification\" data-state=\"pending\" aria-live=\"polite\">\
             Checking this page against the signed log… (needs JavaScript; the proofs are also in each record's details)</p>\n\
             {witnessing}{body}\n</main>\n<footer>\n<p>Log <code>{origin}</code>. Verifier key: <code>{vkey}</code>. \
             Compare the key with the one the provider publishes elsewhere before trusting a \"verified\".</p>\n\
             <p>Downloads: <a href=\"{root}data/organisations.csv\">organisations.csv</a>, \
             <a href=\"{root}data/dictionary.html#usage\">usage by period</a>, <a href=\"{root}data/records.json\">records</a>, \
             <a href=\"{root}data/dictionary.html\">data dictionary</a>. Log: <a href=\"{root}checkpoint\">checkpoint</a>, \
             tiles under <code>tile/</code> (C2SP tlog-tiles).</p>\n</footer>\n\
             <script type=\"application/json\" id=\"candor-log\">{log}</script>\n\
             <script src=\"{root}assets/verify.js\"></script>\n</body>\n</html>\n",
            origin = esc(self.origin),
            vkey = esc(self.vkey),
            witnessing = self.witnessing.replace("ROOT/", root),
            log = script_json(&serde_json::json!({
                "origin": self.origin, "vkey": self.vkey, "checkpoint": self.checkpoint, "root": root,
                "policy": self.policy,
            })),
        );
        out
    }
}

/// A table with a header row; cells are HTML already.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table>\n<thead><tr>");
    for h in headers {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pointer_finds_what_serde_json_finds() {
        let v = serde_json::json!({
            "a": {"b": [10, {"c/d": 1, "e~f": 2, "": 3, "~1": 4}], "0": "zero", "01": "one"},
            "list": [[1, 2], [3]],
        });
        let pointers = [
            "",
            "/",
            "/a",
            "/a/b",
            "/a/b/0",
            "/a/b/1/c~1d",
            "/a/b/1/e~0f",
            "/a/b/1/",
            "/a/b/1/~01",
            "/a/0",
            "/a/01",
            "/a/b/01",
            "/a/b/+1",
            "/a/b/-1",
            "/a/b/2",
            "/a/b/",
            "/list/0/1",
            "/list/1/0",
            "/list/00",
            "a",
            "/a/b/0/x",
            "/a/b/1/c/d",
            "/a/b/99999999999999999999999",
            "/a/b/1/~2",
            "/a/b/1/~",
        ];
        for p in pointers {
            assert_eq!(pointer(&v, p), v.pointer(p), "{p}");
        }
    }

    #[test]
    fn script_json_escapes_what_would_end_a_script() {
        let v = serde_json::json!({"a": "</script><b>&", "b": "plain"});
        assert_eq!(script_json(&v), r#"{"a":"\u003c/script\u003e\u003cb\u003e\u0026","b":"plain"}"#);
        assert_eq!(script_json(&serde_json::json!({"b": "plain+/="})), r#"{"b":"plain+/="}"#);
    }

    /// The escaping as first written, a character at a time: what `esc` must still give.
    fn esc_by_char(text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                '\0' => out.push('\u{fffd}'),
                '\t' | '\n' => out.push(c),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "&#{};", c as u32);
                }
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn escaping_copies_runs_and_replaces_what_a_character_at_a_time_did() {
        let mut alphabet: Vec<char> = (0u8..128).map(char::from).collect();
        alphabet.extend(['é', '\u{202e}', '\u{fffd}', '\u{1f600}', '\u{7f}', '\u{85}']);
        for a in &alphabet {
            for b in &alphabet {
                let text = format!("{a}x{b}{b}é{a}");
                assert_eq!(esc(&text), esc_by_char(&text), "{text:?}");
            }
        }
        assert_eq!(esc(""), "");
        assert_eq!(esc("plain"), "plain");
    }

    #[test]
    fn escaping_and_slugs() {
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(script_json(&serde_json::json!("</script>")), "\"\\u003c/script\\u003e\"");
        let hostile = serde_json::json!({"origin": "ex.com/<!--<script>", "x": "a&b"});
        let written = script_json(&hostile);
        assert!(!written.contains(['<', '>', '&']), "{written}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&written).expect("json"), hostile);
        assert_eq!(slug("Lakemoor County Sheriff's Office (fictional)"), "lakemoor-county-sheriff-s-office-fictional");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("—"), "organisation");
    }

    #[test]
    fn hostile_text_stays_text_in_html_and_xml() {
        assert_eq!(esc("a\r\nb\u{1}c\u{0}d\te"), "a&#13;\nb&#1;c\u{fffd}d\te");
        assert_eq!(xml_esc("a\r\nb\u{1}c\u{0}d\u{ffff}<'&"), "a&#13;\nb\u{fffd}c\u{fffd}d\u{fffd}&lt;&apos;&amp;");
        assert_eq!(name("\u{202e}evil"), "<bdi>\u{202e}evil</bdi>");
    }
}
