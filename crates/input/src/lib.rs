//! What text candor takes from outside. Control characters have no place in a name, an id or
//! a reason, and several break what is made of them: PostgreSQL's text refuses NUL, an HTML
//! page cannot show NUL and turns CR into LF (so the browser's check of a record would fail
//! while `candor verify` passes), XML 1.0 (the Atom feeds) forbids most C0 characters and
//! U+FFFE/U+FFFF. So every input refuses them, naming the field: C0 controls (U+0000–U+001F)
//! except tab and line feed where the text may run over lines, DEL, the C1 controls
//! (U+0080–U+009F) and the noncharacters U+FFFE and U+FFFF.
//!
//! ```
//! use input::{Lines, check};
//! assert!(check("reason", "two\nlines", Lines::Many).is_ok());
//! assert!(check("name", "a\u{0}b", Lines::One).is_err());
//! ```
#![deny(missing_docs)]

/// Which layout characters a text may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// A name, an id, a label: no tab, no line break.
    One,
    /// A reason or a note: tab and line feed allowed (not CR: lines end with LF).
    Many,
    /// A field of a data file read whole (a CSV cell, a policy file): tab, LF and CR allowed,
    /// as public data files carry CRLF inside quoted descriptions.
    Data,
}

/// The first character `text` may not hold, with its position (in characters, from 1).
pub fn refused(text: &str, lines: Lines) -> Option<(usize, char)> {
    text.chars().enumerate().find(|(_, c)| !allowed(*c, lines)).map(|(i, c)| (i + 1, c))
}

/// Whether `c` may appear in a text of this kind.
pub fn allowed(c: char, lines: Lines) -> bool {
    match c {
        '\t' | '\n' => lines != Lines::One,
        '\r' => lines == Lines::Data,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => false,
        _ => true,
    }
}

/// `Ok` when `text` holds no refused character; else a message naming `field`, the character
/// and where it is (`reason: contains the control character U+0000 at character 12`).
pub fn check(field: &str, text: &str, lines: Lines) -> Result<(), String> {
    match refused(text, lines) {
        None => Ok(()),
        Some((at, c)) => Err(format!("{field}: {} at character {at}; remove it", describe(c))),
    }
}

/// A refused character in words.
fn describe(c: char) -> String {
    let what = match c {
        '\u{0}' => "the NUL character",
        '\t' => "a tab",
        '\n' | '\r' => "a line break",
        '\u{fffe}' | '\u{ffff}' => "the noncharacter",
        _ => "the control character",
    };
    format!("contains {what} U+{:04X}", c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_text_refuses_what_it_must() {
        for (text, lines, want) in [
            ("Lakemoor County Sheriff's Office", Lines::One, None),
            ("Şirket Ünvanı — Ölçüm", Lines::One, None),
            ("\u{202e}evil", Lines::One, None),
            ("a\u{0}b", Lines::One, Some((2, '\u{0}'))),
            ("a\u{0}b", Lines::Data, Some((2, '\u{0}'))),
            ("a\tb", Lines::One, Some((2, '\t'))),
            ("a\tb\nc", Lines::Many, None),
            ("a\r\nb", Lines::Many, Some((2, '\r'))),
            ("a\r\nb", Lines::Data, None),
            ("bell\u{7}", Lines::Many, Some((5, '\u{7}'))),
            ("esc\u{1b}[31m", Lines::Data, Some((4, '\u{1b}'))),
            ("del\u{7f}", Lines::Many, Some((4, '\u{7f}'))),
            ("c1\u{85}", Lines::Many, Some((3, '\u{85}'))),
            ("x\u{ffff}", Lines::Data, Some((2, '\u{ffff}'))),
        ] {
            assert_eq!(refused(text, lines), want, "{text:?} as {lines:?}");
        }
        let e = check("reason", "why\u{0}", Lines::Many).expect_err("NUL");
        assert!(e.starts_with("reason: contains the NUL character U+0000 at character 4"), "{e}");
    }
}
