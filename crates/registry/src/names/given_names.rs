//! Given names that differ by a letter and belong to different people: "Giulio" and
//! "Giulia", "Ivan" and "Ivana", "Daniel" and "Daniela". A company named after a person
//! ("Giulia Romano Design S.r.l.") is not the company of another person whose name is one
//! letter off, so the matcher never reads one of these names as a typo of another.
//!
//! The list is short on purpose: the given names common in company names across Europe and
//! the Americas whose feminine, masculine or national forms are one or two edits apart. A
//! name missing from it is read as any other word (a typo may then link two people).

/// Given names, lowercase ASCII, sorted (looked up by binary search).
const GIVEN_NAMES: &[&str] = &[
    "adrian", "adriana", "adriano", "aleksandar", "aleksander", "aleksandr", "aleksandra", "alessandra",
    "alessandro", "alexander", "alexandra", "alexandre", "alexandru", "andrea", "andreas", "andrei", "andrej",
    "andres", "angela", "angelo", "anna", "anne", "antonia", "antonio", "carl", "carla", "carlo", "carlos", "carol",
    "carola", "caroline", "christian", "christiane", "christina", "christine", "claudia", "claudio", "cristian",
    "cristina", "daniel", "daniela", "daniele", "danielle", "denis", "denise", "dmitri", "dmitrii", "dmitriy",
    "dmitry", "dmytro", "elena", "eleni", "elina", "emil", "emile", "emilia", "emilio", "eva", "evan", "fabia",
    "fabian", "fabio", "federica", "federico", "francesca", "francesco", "francis", "francisca", "francisco",
    "franco", "gabriel", "gabriela", "gabriele", "gabriella", "giovanna", "giovanni", "giulia", "giuliana",
    "giuliano", "giulio", "hanna", "hannah", "hanne", "hans", "helena", "helene", "ivan", "ivana", "ivo", "jan",
    "jana", "janna", "jean", "jeanne", "johan", "johann", "johanna", "johannes", "josef", "josefa", "joseph",
    "juan", "juana", "julia", "julian", "juliana", "julie", "julio", "karl", "karla", "karolina", "katarina",
    "katerina", "laura", "lauro", "lena", "leon", "leona", "lucas", "lucia", "luciana", "luciano", "lucie", "lucio",
    "luis", "luisa", "luise", "marc", "marco", "marek", "margareta", "margarita", "maria", "marian", "mariana",
    "mariano", "marie", "marina", "marino", "mario", "marko", "marta", "martha", "martin", "martina", "matea",
    "mateo", "michael", "michaela", "michal", "michel", "michela", "michele", "mihai", "mihail", "mikhail", "milan",
    "milana", "milena", "miriam", "natalia", "natalie", "nicola", "nicolas", "nicole", "nikola", "nikolai",
    "nikolay", "oleg", "oleksandr", "oleksandra", "olga", "paola", "paolo", "patricia", "patricio", "patrick",
    "paul", "paula", "paulo", "pavel", "pavla", "peter", "petr", "petra", "pieter", "pietro", "renata", "renato",
    "roberta", "roberto", "roman", "romana", "sergei", "sergey", "sergii", "sergio", "silvia", "silvio", "simon",
    "simona", "simone", "sofia", "sofie", "sonia", "sonja", "stefan", "stefania", "stefano", "stephan", "stephane",
    "stephanie", "tatiana", "tatjana", "teresa", "tereza", "valentin", "valentina", "valentino", "vera", "victor",
    "victoria", "viktor", "viktoria", "vincent", "vincenza", "vincenzo", "yana", "yuri", "yuriy", "yury"
];

/// Whether `w` is one of the listed given names.
pub fn is_given_name(w: &str) -> bool {
    GIVEN_NAMES.binary_search(&w).is_ok()
}

/// Whether `a` and `b` are two different listed given names: never one read for the other.
pub fn different_people(a: &str, b: &str) -> bool {
    a != b && is_given_name(a) && is_given_name(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_for_binary_search() {
        assert!(GIVEN_NAMES.windows(2).all(|w| w[0] < w[1]), "GIVEN_NAMES must be sorted and distinct");
    }

    #[test]
    fn names_one_letter_apart_are_different_people() {
        assert!(different_people("giulio", "giulia"));
        assert!(different_people("ivan", "ivana"));
        assert!(!different_people("giulia", "giulia"));
        assert!(!different_people("giulia", "giula"), "a typo of a name is not another name");
    }
}
