//! Name normalisation for matching organisation names written by different hands.
//!
//! `normalize` turns "The Fairfax Cnty. Sheriff's Off., Inc." and "Sheriff of Fairfax
//! County" into the same token list, in steps that each live in their own module:
//!
//! 1. [`tokenize`]: transliteration to ASCII (any script, with `deunicode`), lowercase,
//!    apostrophes and dots dropped, initials joined ("L.L.C." → `llc`), the name cut into
//!    segments at commas, colons, brackets and "d/b/a";
//! 2. [`legal_forms`]: legal forms at the end of a segment or the start of the name, from
//!    GLEIF's ISO 20275 list, are taken out of the name and kept aside as *weak* evidence;
//! 3. [`numbers`]: numbers written out, ordinals and Roman numerals become digits;
//! 4. abbreviations are expanded (Dept, Cnty, Univ, …);
//! 5. [`government`]: agency-type synonyms become one function word (Police Department,
//!    PD → `police`; Sheriff's Office, SO → `sheriffs`; DPS → `publicsafety`), parishes are
//!    counties, a university's own police is the university;
//! 6. articles and connectives (`the`, `of`, `and`) are dropped, so word order and
//!    jurisdiction inversions ("Marin, County of") do not matter: the matcher compares
//!    token sets.

pub mod given_names;
pub mod government;
pub mod legal_forms;
pub mod numbers;
mod particles;
mod regions;
pub mod transliterate;

pub use government::FUNCTION_WORDS;
use legal_forms::FormId;

/// Abbreviations and their canonical word(s). Agency types are [`government`]'s.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("dept", "department"),
    ("dep", "department"),
    ("depts", "department"),
    ("dpt", "department"),
    ("off", "office"),
    ("ofc", "office"),
    ("cnty", "county"),
    ("cty", "county"),
    ("twp", "township"),
    ("univ", "university"),
    ("svcs", "services"),
    ("svc", "services"),
    ("service", "services"),
    ("srvcs", "services"),
    ("intl", "international"),
    ("natl", "national"),
    ("assn", "association"),
    ("assoc", "association"),
    ("ctr", "center"),
    ("centre", "center"),
    ("mgmt", "management"),
    ("tech", "technologies"),
    ("technology", "technologies"),
    ("sys", "systems"),
    ("system", "systems"),
    ("solution", "solutions"),
    ("grp", "group"),
    ("hosp", "hospital"),
    ("st", "state"),
    ("ft", "fort"),
    ("mt", "mount"),
    ("div", "division"),
];

/// Words that carry no identity: articles and connectives. Dropped after the steps that
/// read them ("County of X" is parsed before "of" goes).
const STOP_WORDS: &[&str] = &["the", "of", "and", "&", "dba"];

/// Marks a *soft* token: a word that counts fully when the other name has it too and little
/// when it does not. Designators ("City of", "Town of") and legal-form words left inside a
/// name ("Grant LLP Thornton") are soft.
pub const SOFT_MARK: char = '~';

/// One normalised name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NormalizedName {
    /// Canonical identity tokens in their original order: legal forms removed, numbers as
    /// digits, abbreviations expanded, agency types canonical.
    pub tokens: Vec<String>,
    /// The legal forms the name carries (weak evidence: they confirm a match, never make one).
    pub forms: Vec<FormId>,
    /// Initials of the name's words before agency types were canonicalised ("Los Angeles
    /// Police Department" → `lapd`), when it has at least three words.
    pub initials: Option<String>,
    /// The name is one word written in capitals, at least three letters ("NTSB"): perhaps
    /// an acronym.
    pub acronym: Option<String>,
    /// Words the name wrote in another script (Cyrillic, Greek, …), transliterated: the
    /// matcher compares them by their transliteration key as well.
    pub foreign: Vec<String>,
}

impl NormalizedName {
    /// The tokens sorted and joined: equal for names that differ only in word order.
    pub fn sorted_key(&self) -> String {
        let mut t = self.tokens.clone();
        t.sort();
        t.dedup();
        t.join(" ")
    }

    /// The tokens in order, joined by spaces.
    pub fn joined(&self) -> String {
        self.tokens.join(" ")
    }
}

/// How candor reads a name, for people: the tokens it compares and the legal forms it set
/// aside (`candor screen --name`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reading {
    /// Identity tokens; soft ones start with `~`.
    pub tokens: Vec<String>,
    /// Legal forms found, as spelled in the ISO 20275 table.
    pub legal_forms: Vec<String>,
    /// Initials, when the name has at least three words.
    pub initials: Option<String>,
}

/// Reads a name as the matcher does.
pub fn reading(name: &str) -> Reading {
    let n = normalize(name);
    let table = legal_forms::legal_forms();
    Reading {
        tokens: n.tokens,
        legal_forms: n.forms.iter().map(|f| table.name(*f).to_string()).collect(),
        initials: n.initials,
    }
}

/// A word of a name as written, after transliteration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Lowercase ASCII letters and digits.
    pub text: String,
    /// Every letter was a capital in the original.
    pub upper: bool,
    /// Written in a non-Latin script in the original (Cyrillic, Greek, …).
    pub foreign: bool,
}

/// Splits a name into segments of words. Segments end at commas, semicolons, colons,
/// brackets, quotes and "d/b/a"/"aka"/"fka"; hyphens, slashes and other punctuation only
/// separate words; apostrophes join ("Sheriff's" → `sheriffs`); runs of single letters
/// join ("L. L. C." → `llc`, "U.S.A." → `usa`).
pub fn tokenize(name: &str) -> Vec<Vec<Word>> {
    let mut segments: Vec<Vec<Word>> = vec![Vec::new()];
    let mut cur = Word { text: String::new(), upper: true, foreign: false };
    let mut has_letter = false;
    fn end_word(segments: &mut [Vec<Word>], cur: &mut Word, has_letter: &mut bool) {
        if !cur.text.is_empty() {
            let mut w = std::mem::replace(cur, Word { text: String::new(), upper: true, foreign: false });
            w.upper &= *has_letter;
            if let Some(s) = segments.last_mut() {
                s.push(w);
            }
        }
        cur.upper = true;
        cur.foreign = false;
        *has_letter = false;
    }
    fn end_segment(segments: &mut Vec<Vec<Word>>) {
        if segments.last().is_some_and(|s| !s.is_empty()) {
            segments.push(Vec::new());
        }
    }
    for c in name.chars() {
        if c.is_ascii() {
            match c {
                'a'..='z' | '0'..='9' => {
                    cur.text.push(c);
                    if c.is_ascii_lowercase() {
                        cur.upper = false;
                        has_letter = true;
                    }
                }
                'A'..='Z' => {
                    cur.text.push(c.to_ascii_lowercase());
                    has_letter = true;
                }
                '\'' | '`' => {}
                ',' | ';' | ':' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | '|' => {
                    end_word(&mut segments, &mut cur, &mut has_letter);
                    end_segment(&mut segments);
                }
                '&' => {
                    end_word(&mut segments, &mut cur, &mut has_letter);
                    cur.text.push('&');
                    end_word(&mut segments, &mut cur, &mut has_letter);
                }
                _ => end_word(&mut segments, &mut cur, &mut has_letter),
            }
            continue;
        }
        if matches!(c, '\u{2018}' | '\u{2019}' | '\u{02bc}' | '\u{00b4}') {
            continue; // typographic apostrophes
        }
        if matches!(c, '\u{00ab}' | '\u{00bb}' | '\u{201c}' | '\u{201d}' | '\u{201e}') {
            end_word(&mut segments, &mut cur, &mut has_letter);
            end_segment(&mut segments);
            continue;
        }
        let latin = matches!(c as u32, 0x00c0..=0x024f | 0x1e00..=0x1eff);
        let upper = c.is_uppercase();
        let lower = c.is_lowercase();
        let ascii = deunicode::deunicode_char(c).unwrap_or("");
        if ascii.is_empty() || !ascii.bytes().any(|b| b.is_ascii_alphanumeric()) {
            if !c.is_alphanumeric() {
                end_word(&mut segments, &mut cur, &mut has_letter);
            }
            continue;
        }
        // A transliteration may hold several words ("Zhu Shi " for CJK) or an apostrophe
        // (Cyrillic soft sign): run it through the same rules.
        for b in ascii.bytes() {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => {
                    cur.text.push((b as char).to_ascii_lowercase());
                    if !latin {
                        cur.foreign = true;
                    }
                    if b.is_ascii_alphabetic() {
                        has_letter = true;
                    }
                }
                b'\'' | b'`' => {}
                _ => end_word(&mut segments, &mut cur, &mut has_letter),
            }
        }
        if lower {
            cur.upper = false;
        } else if !upper && c.is_alphabetic() {
            // Scripts without case (CJK, Arabic) say nothing about acronyms.
            cur.upper = false;
        }
    }
    end_word(&mut segments, &mut cur, &mut has_letter);
    for seg in &mut segments {
        split_markers(seg);
        join_initials(seg);
    }
    // "d/b/a", "aka", "fka" start a new segment: each name on the account ends its own way.
    let mut out: Vec<Vec<Word>> = Vec::with_capacity(segments.len());
    for seg in segments {
        let mut part = Vec::new();
        for w in seg {
            if matches!(w.text.as_str(), "dba" | "aka" | "fka") {
                if !part.is_empty() {
                    out.push(std::mem::take(&mut part));
                }
            } else {
                part.push(w);
            }
        }
        if !part.is_empty() {
            out.push(part);
        }
    }
    drop_registration_noise(&mut out);
    out
}

/// "d b a" written with slashes or dots arrives as three words: make it one marker. (Words
/// are moved down in one pass: removing two from the middle each time would move the rest of
/// the name again for every marker.)
fn split_markers(seg: &mut Vec<Word>) {
    let n = seg.len();
    let (mut read, mut write) = (0, 0);
    while read < n {
        let marker = read + 2 < n && seg[read].text == "d" && seg[read + 1].text == "b" && seg[read + 2].text == "a";
        if marker {
            seg[read].text = "dba".into();
        }
        seg.swap(write, read);
        write += 1;
        read += if marker { 3 } else { 1 };
    }
    seg.truncate(write);
}

/// Joins runs of two or more one-letter words: "l l c" → `llc`, "u s a" → `usa` (digits
/// stay apart: "Partners 8 L.P." is `partners 8 lp`).
fn join_initials(seg: &mut Vec<Word>) {
    let mut out: Vec<Word> = Vec::with_capacity(seg.len());
    let mut i = 0;
    while i < seg.len() {
        let mut j = i;
        while j < seg.len() && seg[j].text.len() == 1 && seg[j].text.as_bytes()[0].is_ascii_lowercase() {
            j += 1;
        }
        if j - i >= 2 {
            let text: String = seg[i..j].iter().map(|w| w.text.as_str()).collect();
            let upper = seg[i..j].iter().all(|w| w.upper);
            let foreign = seg[i..j].iter().any(|w| w.foreign);
            out.push(Word { text, upper, foreign });
            i = j;
        } else {
            out.push(seg[i].clone());
            i += 1;
        }
    }
    *seg = out;
}

/// US state and territory codes, as registration records append them: "(OH)".
const STATE_CODES: &[&str] = &[
    "al", "ak", "az", "ar", "ca", "co", "ct", "de", "dc", "fl", "ga", "hi", "id", "il", "in", "ia", "ks", "ky", "la",
    "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm", "ny", "nc", "nd", "oh", "ok", "or",
    "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wa", "wv", "wi", "wy", "pr", "gu", "vi", "as", "mp",
];

/// Segments that registration systems add and names do not carry: a bare code of four or
/// more digits anywhere ("… INCORPORATED (OH) (2075)") and a trailing state code.
fn drop_registration_noise(segments: &mut Vec<Vec<Word>>) {
    if segments.len() > 1 {
        let bare_number =
            |s: &Vec<Word>| s.len() == 1 && s[0].text.len() >= 4 && s[0].text.bytes().all(|b| b.is_ascii_digit());
        if segments.iter().any(|s| !bare_number(s)) {
            segments.retain(|s| !bare_number(s));
        }
    }
    while segments.len() > 1 {
        let Some(last) = segments.last() else { break };
        let noise = last.len() == 1
            && (last[0].text.bytes().all(|b| b.is_ascii_digit()) || STATE_CODES.contains(&last[0].text.as_str()));
        if !noise {
            break;
        }
        segments.pop();
    }
}

/// Normalises an organisation name for matching.
pub fn normalize(name: &str) -> NormalizedName {
    let mut segments = tokenize(name);
    let forms = legal_forms::strip(&mut segments);
    let words: Vec<Word> = segments.into_iter().flatten().collect();
    let foreign: Vec<String> = words.iter().filter(|w| w.foreign).map(|w| w.text.clone()).collect();
    let hard: Vec<&Word> = words.iter().filter(|w| !w.text.starts_with(SOFT_MARK)).collect();
    let acronym = match hard.as_slice() {
        [w] if w.upper && w.text.len() >= 3 && w.text.bytes().all(|b| b.is_ascii_lowercase()) => Some(w.text.clone()),
        _ => None,
    };
    // A government word written in another script ("Коунтй") is that word, so that its
    // phrases are found ("Публик Сафетй" is public safety).
    let mut tokens: Vec<String> = words
        .into_iter()
        .map(|w| match w.foreign.then(|| government::from_other_script(&w.text)).flatten() {
            Some(word) => word.to_string(),
            None => w.text,
        })
        .collect();
    numbers::canonicalize(&mut tokens);
    let mut expanded = Vec::with_capacity(tokens.len());
    for t in tokens {
        match ABBREVIATIONS.iter().find(|(a, _)| *a == t) {
            Some((_, full)) => expanded.extend(full.split(' ').map(str::to_string)),
            None => expanded.push(t),
        }
    }
    let significant: Vec<&String> = expanded.iter().filter(|t| !STOP_WORDS.contains(&t.as_str())).collect();
    let initials = (significant.len() >= 3)
        .then(|| significant.iter().filter_map(|t| t.chars().next()).collect::<String>())
        .filter(|s| s.bytes().all(|b| b.is_ascii_lowercase()));
    let mut tokens = government::canonicalize(expanded);
    let all = tokens.clone();
    tokens.retain(|t| !STOP_WORDS.contains(&t.as_str()));
    // "Van den Berg" is "Vandenberg"; "Corvanta Iberia" is Corvanta's Iberian company.
    particles::join(&mut tokens);
    regions::soften(&mut tokens);
    // A legal-form word inside the name (the words were written in another order) says as
    // little as one at the end.
    let hard = tokens.iter().filter(|t| !t.starts_with(SOFT_MARK)).count();
    if hard > 1 {
        let table = legal_forms::legal_forms();
        for t in &mut tokens {
            if t.len() >= 3 && !t.starts_with(SOFT_MARK) && table.lookup(&[t.as_str()]).is_some() {
                t.insert(0, SOFT_MARK);
            }
        }
    }
    if tokens.is_empty() {
        // A name made only of connectives or legal-form words ("The Company") keeps its words.
        tokens = all;
    }
    if tokens.is_empty() {
        tokens = tokenize(name).into_iter().flatten().map(|w| w.text).collect();
    }
    NormalizedName { tokens, forms, initials, acronym, foreign }
}

/// True when `a` and `b` differ by one insertion, deletion, substitution or adjacent swap.
pub fn one_edit(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return false;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let p = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        let rest = short.len() - p;
        return short[p + 1..] == long[p + 1..]
            || (rest >= 2 && short[p] == long[p + 1] && short[p + 1] == long[p] && short[p + 2..] == long[p + 2..]);
    }
    short[p..] == long[p + 1..]
}

/// Damerau–Levenshtein distance (optimal string alignment: insertions, deletions,
/// substitutions and swaps of neighbours), or `None` when it exceeds `max`.
pub fn edit_distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    edit_distance_cells(a, b, max).0
}

/// [`edit_distance`], and how many cells of the dynamic programme it filled: at most
/// `(2 * max + 1)` per letter of `a`, whatever the words' lengths.
fn edit_distance_cells(a: &[u8], b: &[u8], max: usize) -> (Option<usize>, usize) {
    if a.len().abs_diff(b.len()) > max {
        return (None, 0);
    }
    // Three rows of the band (two back, for swaps), on the stack for the distances candor
    // asks for (one or two edits).
    const STACK_MAX: usize = 8;
    let width = 2 * max + 3;
    if max > STACK_MAX {
        let mut rows = vec![0usize; 3 * width];
        return osa(a, b, max, &mut rows);
    }
    let mut rows = [0usize; 3 * (2 * STACK_MAX + 3)];
    osa(a, b, max, &mut rows[..3 * width])
}

/// The optimal-string-alignment programme over the diagonal band `|i - j| <= max` only
/// (Ukkonen's cut-off): a cell outside it is more than `max` edits away, so it can never lead
/// to a distance within `max`. Work is `O(len(a) · max)` instead of `len(a) · len(b)`: for
/// two 100 KB words two edits apart, half a million cells instead of ten billion. Cell
/// `(i, j)` of a row is kept at `j + max + 1 - i`; beyond the band, and beyond `max`, a cell
/// holds `max + 1`.
fn osa(a: &[u8], b: &[u8], max: usize, rows: &mut [usize]) -> (Option<usize>, usize) {
    let (n, m) = (a.len(), b.len());
    let width = 2 * max + 3;
    let far = max + 1;
    let (prev2, rest) = rows.split_at_mut(width);
    let (prev, cur) = rest.split_at_mut(width);
    let (mut prev2, mut prev, mut cur) = (prev2, prev, cur);
    // Row 0: the first j letters of b are j insertions away.
    for (k, x) in prev.iter_mut().enumerate() {
        *x = match k.checked_sub(max + 1) {
            Some(j) if j <= m => j.min(far),
            _ => far,
        };
    }
    prev2.fill(far);
    let mut cells = 0;
    for i in 1..=n {
        cur.fill(far);
        let (lo, hi) = (i.saturating_sub(max), (i + max).min(m));
        let mut row_min = far;
        for j in lo..=hi {
            // (i, j) at k; (i - 1, j) at k + 1; (i, j - 1) at k - 1; (i - 1, j - 1) and
            // (i - 2, j - 2) at k in their rows.
            let k = j + max + 1 - i;
            let d = if j == 0 {
                i
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut d = (prev[k + 1] + 1).min(cur[k - 1] + 1).min(prev[k] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d = d.min(prev2[k] + 1);
                }
                d
            }
            .min(far);
            cur[k] = d;
            row_min = row_min.min(d);
            cells += 1;
        }
        if row_min > max {
            return (None, cells);
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[m + max + 1 - n];
    ((d <= max).then_some(d), cells)
}

/// A key under which the Latin spellings of one word written in another script agree: the
/// letters romanisation schemes disagree on are folded together (kh/h, ts/c, zh/dzh/j, ph/f,
/// x/ks, c/k/q, w/v, y/j/i) and doubled letters count once. "Antei" and "Antey", "Iug" and
/// "Yug", "Kounti" and "County" have one key. Only words the account wrote in another
/// script are looked up this way.
pub fn skeleton(w: &str) -> String {
    let mut s = w.to_ascii_lowercase();
    for (from, to) in [
        ("shch", "sh"),
        ("dzh", "j"),
        ("kh", "h"),
        ("ts", "c"),
        ("zh", "j"),
        ("ph", "f"),
        ("th", "t"),
        ("ck", "k"),
        ("x", "ks"),
    ] {
        s = s.replace(from, to);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            'c' | 'q' => 'k',
            'w' => 'v',
            'y' | 'j' => 'i',
            c => c,
        };
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// A US state or territory code as USPS writes it: uppercase, with the codes older records
/// use replaced (the FBI's 2018 agency list writes Nebraska `NB` and Guam `GM`).
pub fn canonical_state(code: &str) -> String {
    let up = code.trim().to_ascii_uppercase();
    match up.as_str() {
        "NB" => "NE".into(),
        "GM" => "GU".into(),
        _ => up,
    }
}

/// Normalises a person-free identifier (UEI, DUNS, ORI, CAGE): uppercase, no separators.
pub fn normalize_identifier(value: &str) -> String {
    value.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        assert_eq!(normalize(a).sorted_key(), normalize(b).sorted_key(), "{a:?} vs {b:?}");
    }

    fn apart(a: &str, b: &str) {
        assert_ne!(normalize(a).sorted_key(), normalize(b).sorted_key(), "{a:?} vs {b:?}");
    }

    #[test]
    fn spellings_of_one_name_agree() {
        same("West Publishing Corporation", "WEST PUBLISHING CORP.");
        same("Lukos, LLC", "LUKOS  L.L.C.");
        same("Fairfax County Sheriff's Office", "FAIRFAX CNTY SHERIFFS OFF");
        same("Fairfax County Sheriff's Office", "Fairfax County SO");
        same("Minneapolis Police Dept.", "MINNEAPOLIS PD");
        same("Thomson Reuters (Markets) LLC", "Thomson Reuters Markets, L.L.C.");
        same("Zürich Versicherungs GmbH", "ZURICH VERSICHERUNGS");
        same("Smith & Wesson Inc", "Smith and Wesson, Incorporated");
        same("Department of Corrections, State of Example", "State of Example Dept of Corrections");
        same("Justice Packaging Coproration", "JUSTICE PACKAGING CORP");
    }

    #[test]
    fn leading_articles_and_punctuation_go() {
        same("The Acme Corp.", "ACME CORPORATION");
        same("O'Brien'S Tactical Supply", "OBRIENS TACTICAL SUPPLY");
        same("O\u{2019}Brien\u{2019}s Tactical Supply", "O'Brien's Tactical Supply");
        same("JOHNS HOPKINS UNIVERSITY, THE", "The Johns Hopkins University");
        same("U.S. Customs and Border Protection", "US Customs & Border Protection");
    }

    #[test]
    fn registration_noise_goes() {
        same("UNITED PARCEL SERVICE INCORPORATED (OH) (2075)", "United Parcel Service, Inc.");
        same("LAKE COUNTY (0777) OF", "Lake, County of");
        // A number that is part of the name stays.
        apart("Range 54, LLC", "Range LLC");
    }

    #[test]
    fn jurisdiction_inversions_agree() {
        same("Marin, County Of", "County of Marin");
        same("County Of Marin", "Marin County");
        same("Grand Rapids, City of", "City of Grand Rapids");
        same("Islip, Town of", "Town of Islip");
        same("Police Department, City of Riverton", "City of Riverton Police Department");
        same("Caddo Parish Sheriff's Office", "Sheriff of Caddo Parish");
    }

    #[test]
    fn initials_and_acronyms() {
        assert_eq!(normalize("Los Angeles Police Department").initials.as_deref(), Some("lapd"));
        assert_eq!(normalize("National Transportation Safety Board").initials.as_deref(), Some("ntsb"));
        assert_eq!(normalize("Federal Bureau of Investigation").initials.as_deref(), Some("fbi"));
        assert_eq!(normalize("NTSB").acronym.as_deref(), Some("ntsb"));
        assert_eq!(normalize("N.T.S.B.").acronym.as_deref(), Some("ntsb"));
        assert_eq!(normalize("Ntsb").acronym, None, "not written as an acronym");
        assert_eq!(normalize("NTSB Inc").acronym.as_deref(), Some("ntsb"), "legal forms aside");
        assert_eq!(normalize("ACME Widgets").acronym, None, "two words");
    }

    #[test]
    fn other_scripts_are_transliterated() {
        let n = normalize("ООО «Ромашка»");
        assert_eq!(n.tokens, vec!["~ooo", "romashka"]);
        assert!(!n.forms.is_empty(), "ООО is a legal form");
        same("Ελληνικά Πετρέλαια", "Ellenika Petrelaia");
    }

    #[test]
    fn near_misses_stay_apart() {
        apart("Fairfax County Police Department", "Fairfax County Public Schools");
        apart("Adams County Sheriff", "Adams Police Department");
        apart("Partners VII", "Partners VIII");
    }

    #[test]
    fn names_of_only_legal_words_keep_their_words() {
        assert_eq!(normalize("The Company").tokens, vec!["company"]);
        assert!(!normalize("Inc.").tokens.is_empty());
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance(b"publishing", b"publishing", 2), Some(0));
        assert_eq!(edit_distance(b"publishing", b"pbulishnig", 2), Some(2), "two swaps");
        assert_eq!(edit_distance(b"publishing", b"publixhinq", 2), Some(2), "two substitutions");
        assert_eq!(edit_distance(b"publishing", b"pblishng", 2), Some(2), "two deletions");
        assert_eq!(edit_distance(b"publishing", b"pxblxshxng", 2), None, "three");
        assert_eq!(edit_distance(b"ab", b"abcd", 1), None);
    }

    /// The whole optimal-string-alignment table, for checking the banded one.
    fn osa_full(a: &[u8], b: &[u8]) -> usize {
        let (n, m) = (a.len(), b.len());
        let mut d = vec![vec![0usize; m + 1]; n + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, x) in d[0].iter_mut().enumerate() {
            *x = j;
        }
        for i in 1..=n {
            for j in 1..=m {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[n][m]
    }

    #[test]
    fn the_banded_edit_distance_agrees_with_the_whole_table() {
        // Every pair of words of up to six letters over three letters (so that swaps and
        // repeats abound), at every cut-off up to three.
        let words: Vec<Vec<u8>> = (0..=6usize)
            .flat_map(|len| {
                (0..3usize.pow(len as u32)).map(move |mut x| {
                    (0..len)
                        .map(|_| {
                            let c = b"abc"[x % 3];
                            x /= 3;
                            c
                        })
                        .collect()
                })
            })
            .collect();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let a = &words[(rng % words.len() as u64) as usize];
            let b = &words[((rng >> 20) % words.len() as u64) as usize];
            let full = osa_full(a, b);
            for max in 0..=3 {
                let want = (full <= max).then_some(full);
                assert_eq!(edit_distance(a, b, max), want, "{:?} {:?} within {max}", a, b);
            }
        }
    }

    /// Issue 26: two long words cost the letters of one times the band, not the product of
    /// their lengths (which for two 100 KB words was 10^10 cells).
    #[test]
    fn edit_distance_work_grows_with_the_length_not_its_square() {
        for len in [1_000usize, 100 * 1024] {
            let a: Vec<u8> = (0..len).map(|i| b'a' + (i * 7 % 26) as u8).collect();
            let mut b = a.clone();
            b[len / 3] = b'!';
            b.swap(2 * len / 3, 2 * len / 3 + 1);
            let (d, cells) = edit_distance_cells(&a, &b, 2);
            assert_eq!(d, Some(2), "a substitution and a swap");
            assert!(cells <= len * 5, "{len} letters: {cells} cells, more than 5 per letter");
            // A third difference: given up at the row where every cell is beyond two.
            b[len / 2] = b'!';
            let (d, cells) = edit_distance_cells(&a, &b, 2);
            assert_eq!(d, None);
            assert!(cells <= len * 5);
        }
    }

    #[test]
    fn registration_markers_start_segments() {
        let texts = |name: &str| -> Vec<Vec<String>> {
            tokenize(name).into_iter().map(|s| s.into_iter().map(|w| w.text).collect()).collect()
        };
        assert_eq!(texts("Acme d/b/a Widgets"), [vec!["acme"], vec!["widgets"]]);
        assert_eq!(texts("D.B.A. Widgets"), [vec!["widgets"]]);
        // "d b d b a": the marker is the last three; the two letters before it are initials.
        assert_eq!(texts("d b d/b/a x"), [vec!["db"], vec!["x"]]);
        // Many markers in one name, each a new segment.
        assert_eq!(texts(&"Acme d/b/a ".repeat(2_000)).len(), 2_000);
    }

    #[test]
    fn identifiers_normalise() {
        assert_eq!(normalize_identifier(" l997db4pejl8 "), "L997DB4PEJL8");
        assert_eq!(normalize_identifier("01-327-4878"), "013274878");
    }
}
