//! A sound key for words written in Cyrillic or Greek and their Latin spellings: ISO 9
//! ("Ŝeglovskij", "Žukovskaâ"), BGN/PCGN ("Shcheglovskiy", "Zhukovskaya"), ELOT 743
//! ("Chalkidiki") and the loose forms people type ("Sheglovsky", "Halkidiki", "Evvoiki").
//!
//! [`loose_key`] folds what these spellings disagree on: the digraphs of one letter (shch,
//! sch, sh → s; zh → z; kh, ch → h; ts, tz → c; ph → f; th → t; x → ks), the iotated vowels
//! (ya, ia → a; yu, iu → u), the Greek vowel pairs that sound as one (ai → e; ei, oi → i; ou
//! → u; au, af → av; eu, ef → ev) and a vowel before Russian й (ay, aj as ai; oy, ey as oi), the vowels modern Greek pronounces as i (η: e, y → i), β
//! as v, and doubled letters. A Greek υ that `deunicode` writes u against a typed y or i is
//! left to the typo readings: u is Russian у and ISO 9 ю, which must stay u. It is lossy on purpose: the matcher consults it only for a
//! word written in another script, or for an unknown Latin word against the words the
//! registry holds from names written in another script, and the rest of the name must
//! still agree.

/// The multi-letter folds, applied in this order (longest first where they overlap).
const FOLDS: &[(&str, &str)] = &[
    ("shch", "s"),
    ("sch", "s"),
    ("sh", "s"),
    ("zh", "z"),
    ("kh", "h"),
    ("ch", "h"),
    ("ph", "f"),
    ("th", "t"),
    ("ts", "c"),
    ("tz", "c"),
    ("x", "ks"),
    ("au", "av"),
    ("af", "av"),
    ("eu", "ev"),
    ("ef", "ev"),
    ("ou", "u"),
    ("yu", "u"),
    ("iu", "u"),
    ("ju", "u"),
    ("ei", "i"),
    ("oi", "i"),
    ("ya", "a"),
    ("ia", "a"),
    ("ja", "a"),
    ("ai", "e"),
    // Russian й after a vowel is i, y or j: "Tolstoi", "Tolstoy", "Tolstoj" fold as the
    // Greek pairs do.
    ("ey", "i"),
    ("ej", "i"),
    ("oy", "i"),
    ("oj", "i"),
    ("ay", "e"),
    ("aj", "e"),
];

/// The sound key of a word (lowercase ASCII letters, as the tokenizer writes them).
pub fn loose_key(w: &str) -> String {
    let mut s: String = w.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    for (from, to) in FOLDS {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            'e' | 'y' | 'j' => 'i',
            'w' | 'b' => 'v',
            'q' => 'k',
            c => c,
        };
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::loose_key;
    use crate::names::tokenize;

    /// The key of a name's words as the tokenizer reads them (any script).
    fn key(name: &str) -> String {
        tokenize(name).into_iter().flatten().map(|w| loose_key(&w.text)).collect::<Vec<_>>().join(" ")
    }

    fn same(a: &str, b: &str) {
        assert_eq!(key(a), key(b), "{a:?} vs {b:?}");
    }

    #[test]
    fn cyrillic_and_its_latin_spellings_agree() {
        for latin in ["Shcheglovsky", "Sheglovskiy", "Ŝeglovskij", "Shcheglovskii"] {
            same("Щегловский", latin);
        }
        for latin in ["Zhukovskaya", "Žukovskaâ", "Zhukovskaia"] {
            same("Жуковская", latin);
        }
        for latin in ["Yaroslavskaya", "Âroslavskaâ", "Iaroslavskaia"] {
            same("Ярославская", latin);
        }
        for latin in ["Yuryevetskaya", "Ûr'eveckaâ", "Iurevetskaia"] {
            same("Юрьевецкая", latin);
        }
        for latin in ["Zabaykalsky", "Zabajkal'skij", "Zabaikalskii"] {
            same("Забайкальский", latin);
        }
        same("Толстой", "Tolstoy");
        same("Tolstoi", "Tolstoj");
        same("Царицыно", "Caricyno");
        same("Хвалынский", "Hvalynskiy");
    }

    #[test]
    fn greek_and_its_latin_spellings_agree() {
        for latin in ["Thessaliki", "Thessalike"] {
            same("Θεσσαλική", latin);
        }
        for latin in ["Chalkidiki", "Halkidiki", "Khalkidiki"] {
            same("Χαλκιδική", latin);
        }
        for latin in ["Evvoiki", "Euboiki"] {
            same("Ευβοϊκή", latin);
        }
        same("Ηλεκτρική", "Ilektriki");
    }

    #[test]
    fn other_words_keep_other_keys() {
        assert_ne!(key("Щербаковский"), key("Shcheglovsky"));
        assert_ne!(key("Жигулёвская"), key("Zhukovskaya"));
        assert_ne!(key("Соколов"), key("Sobolev"));
        assert_ne!(key("Θεσσαλονίκη"), key("Thessaliki"));
    }
}
