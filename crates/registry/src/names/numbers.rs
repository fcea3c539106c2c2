//! Numbers in names, written one way: "Second Street" and "2nd Street" are `2nd street`,
//! "Squadron Twenty-One" and "Squadron 21" are `squadron 21`, "Partners VII" is
//! `partners 7`. The matcher then requires the numbers of two names to agree: "Partners
//! VII" is never "Partners VIII", "Series 2019-1" never "Series 2019-2".

const UNITS: &[&str] = &[
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const UNIT_ORDINALS: &[&str] = &[
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
];
const TENS: &[&str] = &["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
const TEN_ORDINALS: &[&str] =
    &["", "", "twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth", "eightieth", "ninetieth"];

/// A number read from words: its value and whether it is an ordinal.
fn word_value(w: &str) -> Option<(u32, bool)> {
    if let Some(i) = UNITS.iter().position(|u| *u == w) {
        return Some((i as u32, false));
    }
    if let Some(i) = UNIT_ORDINALS.iter().position(|u| *u == w) {
        return Some((i as u32, true));
    }
    if let Some(i) = TENS.iter().position(|u| !u.is_empty() && *u == w) {
        return Some((i as u32 * 10, false));
    }
    if let Some(i) = TEN_ORDINALS.iter().position(|u| !u.is_empty() && *u == w) {
        return Some((i as u32 * 10, true));
    }
    None
}

/// A tens word and a unit written as one word ("twentytwo", "fortyfifth"): its value and
/// whether it is an ordinal. Names typed into forms run the two words together as often as
/// they hyphenate them.
fn compound_value(w: &str) -> Option<(u32, bool)> {
    let (tens, rest) = TENS.iter().enumerate().filter(|(_, t)| !t.is_empty()).find_map(|(i, t)| {
        let rest = w.strip_prefix(t)?;
        Some((i as u32 * 10, rest))
    })?;
    let (unit, ord) = word_value(rest)?;
    (1..=9).contains(&unit).then_some((tens + unit, ord))
}

/// The ordinal form of `n`: `1st`, `2nd`, `3rd`, `11th`, `21st`.
pub fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The value of a Roman numeral made of I, V and X (1 to 39), strictly formed.
pub fn roman(w: &str) -> Option<u32> {
    if w.is_empty() || w.len() > 6 || !w.bytes().all(|b| matches!(b, b'i' | b'v' | b'x')) {
        return None;
    }
    for n in 1..=39u32 {
        let tens = "x".repeat((n / 10) as usize);
        let units = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"][(n % 10) as usize];
        if format!("{tens}{units}") == w {
            return Some(n);
        }
    }
    None
}

/// Whether a canonical token is a number (digits, or an ordinal such as `21st`).
pub fn is_number(t: &str) -> bool {
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && (digits == t.len() || matches!(&t[digits..], "st" | "nd" | "rd" | "th"))
}

/// Rewrites number words, ordinals and Roman numerals in `tokens` as digits.
pub fn canonicalize(tokens: &mut Vec<String>) {
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let n = tokens.len();
    let mut i = 0;
    while i < n {
        let t = tokens[i].as_str();
        // Digits: leading zeros carry no meaning ("007" is 7); ordinals keep their suffix.
        if is_number(t) {
            let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
            let value = digits.trim_start_matches('0');
            let value = if value.is_empty() { "0" } else { value };
            if digits.len() == t.len() {
                out.push(value.to_string());
            } else {
                out.push(match value.parse::<u64>() {
                    Ok(v) => ordinal(v),
                    Err(_) => t.to_string(),
                });
            }
            i += 1;
            continue;
        }
        if let Some((v, ord)) = word_value(t).or_else(|| compound_value(t)) {
            // "twenty one", "twenty-first": tens followed by a unit.
            if v >= 20
                && v % 10 == 0
                && !ord
                && i + 1 < n
                && let Some((u, uord)) = word_value(&tokens[i + 1])
                && (1..=9).contains(&u)
            {
                let total = u64::from(v + u);
                out.push(if uord { ordinal(total) } else { total.to_string() });
                i += 2;
                continue;
            }
            // "Twenty 2": tens in words, the unit in digits, as one number.
            if v >= 20
                && v % 10 == 0
                && !ord
                && let Some(next) = tokens.get(i + 1)
                && next.len() == 1
                && let Ok(u @ 1..=9) = next.parse::<u32>()
            {
                out.push((v + u).to_string());
                i += 2;
                continue;
            }
            out.push(if ord { ordinal(u64::from(v)) } else { v.to_string() });
            i += 1;
            continue;
        }
        // "No. 3", "Number 3": the word says nothing the digit does not.
        if matches!(t, "no" | "nr" | "number") && tokens.get(i + 1).is_some_and(|x| is_number(x)) {
            i += 1;
            continue;
        }
        // Roman numerals after the first word ("Partners VII", "Holdings II"); a lone I, V
        // or X only as the last word, where it numbers a series.
        if i > 0
            && let Some(v) = roman(t)
            && (t.len() >= 2 || i + 1 == n)
        {
            out.push(v.to_string());
            i += 1;
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    *tokens = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(words: &str) -> String {
        let mut t: Vec<String> = words.split(' ').map(str::to_string).collect();
        canonicalize(&mut t);
        t.join(" ")
    }

    #[test]
    fn numbers_written_out_become_digits() {
        assert_eq!(canon("second street holdings"), "2nd street holdings");
        assert_eq!(canon("2nd street holdings"), "2nd street holdings");
        assert_eq!(canon("squadron twenty one"), "squadron 21");
        assert_eq!(canon("twenty first judicial district"), "21st judicial district");
        assert_eq!(canon("precinct no 3"), "precinct 3");
        assert_eq!(canon("agent 007"), "agent 7");
        assert_eq!(canon("one stop environmental"), "1 stop environmental");
    }

    #[test]
    fn numbers_run_together_or_half_in_digits_are_one_number() {
        assert_eq!(canon("unit twentytwo"), "unit 22");
        assert_eq!(canon("unit twenty 2"), "unit 22");
        assert_eq!(canon("unit twenty two"), "unit 22");
        assert_eq!(canon("fortyfifth street"), "45th street");
        assert_eq!(canon("unit twenty 3"), "unit 23", "another unit stays another number");
        assert_eq!(canon("unit twenty 22"), "unit 20 22", "two digits are their own number");
        assert_eq!(canon("twentyish partners"), "twentyish partners", "not a number word");
    }

    #[test]
    fn roman_numerals_become_digits_but_not_words() {
        assert_eq!(canon("partners vii"), "partners 7");
        assert_eq!(canon("partners viii"), "partners 8");
        assert_eq!(canon("holdings i"), "holdings 1");
        assert_eq!(canon("vi technologies"), "vi technologies", "the first word is a name");
        assert_eq!(canon("i see solutions"), "i see solutions");
        assert_eq!(canon("holdings iix"), "holdings iix", "not a numeral");
    }

    #[test]
    fn ordinals_and_numbers_are_recognised() {
        assert!(is_number("21st") && is_number("2019") && is_number("3rd"));
        assert!(!is_number("g4s") && !is_number("3m") && !is_number("st"));
        assert_eq!(ordinal(11), "11th");
        assert_eq!(ordinal(22), "22nd");
    }
}
