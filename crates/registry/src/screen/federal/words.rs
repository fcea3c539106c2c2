//! The words of the federal reading: abbreviations, "United States", departments, the
//! generic words a name may lose, the words of sub-units, and the words that say a name is a
//! business's, an association's or a local government's, never an agency's unit.

use crate::names::SOFT_MARK;

/// Abbreviations federal accounts use, beyond those every name reads ([`crate::names`]).
pub(super) const ABBREVIATIONS: &[(&str, &str)] = &[
    ("admin", "administration"),
    ("adm", "administration"),
    ("admn", "administration"),
    ("enf", "enforcement"),
    ("enfc", "enforcement"),
    ("enfcmt", "enforcement"),
    ("insp", "inspection"),
    ("prot", "protection"),
    ("bur", "bureau"),
    ("fed", "federal"),
    ("invest", "investigation"),
    ("investig", "investigation"),
    ("inv", "investigation"),
    ("immig", "immigration"),
    ("imm", "immigration"),
    ("trng", "training"),
    ("hq", "headquarters"),
    ("lab", "laboratory"),
];

/// "United States" as names write it; set aside, remembered as present.
pub(super) const DESIGNATORS: &[&[&str]] = &[&["united", "state", "america"], &["united", "state"], &["us"], &["usa"]];

/// Departments as accounts name them, with a key word their full name holds. "Justice" and
/// "Interior" alone count too: the normaliser drops "Department" from a name that holds
/// "Police" or "Marshals" ("Department of Justice, U.S. Marshals Service").
pub(super) const DEPARTMENTS: &[(&[&str], &str)] = &[
    (&["justice"], "justice"),
    (&["interior"], "interior"),
    (&["usdoj"], "justice"),
    (&["doj"], "justice"),
    (&["department", "justice"], "justice"),
    (&["justice", "department"], "justice"),
    (&["dhs"], "homeland"),
    (&["department", "homeland", "security"], "homeland"),
    (&["homeland", "security", "department"], "homeland"),
    (&["homeland", "security"], "homeland"),
    (&["doi"], "interior"),
    (&["department", "interior"], "interior"),
    (&["interior", "department"], "interior"),
    (&["department", "state"], "state"),
    (&["state", "department"], "state"),
    (&["department", "treasury"], "treasury"),
    (&["treasury", "department"], "treasury"),
    (&["treasury"], "treasury"),
];

/// Words an agency's name may lose ("Drug Enforcement [Administration]").
pub(super) const GENERIC: &[&str] = &["service", "administration", "bureau", "agency", "office", "division", "center"];
/// Generic words an account may write instead of the dropped one ("Drug Enforcement Agency").
pub(super) const GENERIC_SWAPS: &[&str] = &["agency", "administration"];
/// Words too general to identify an agency with one other word ("Federal Investigation").
pub(super) const WEAK: &[&str] = &["federal", "national"];

/// Words that end a sub-unit's name, or start one written "Office of …".
pub(super) const UNIT_WORDS: &[&str] = &[
    "office",
    "field",
    "division",
    "sector",
    "port",
    "entry",
    "district",
    "region",
    "regional",
    "headquarter",
    "directorate",
    "laboratory",
    "station",
    "resident",
    "academy",
    "unit",
    "branch",
    "section",
    "center",
    "operation",
];
/// Unit words that say "an agency's own unit" strongly enough for a short, word-like acronym
/// or a name holding a local function word ("Park Police"): not "station" or "center", which
/// many businesses and local bodies use.
pub(super) const STRONG_UNIT_WORDS: &[&str] =
    &["office", "field", "division", "sector", "port", "entry", "district", "region", "headquarter", "directorate"];
/// Unit words that may start a sub-unit's name without "of" ("Sector San Diego").
pub(super) const LEADING_UNIT_WORDS: &[&str] = &["sector"];
/// Words of federal sub-units' names, allowed beside place names after an acronym alone.
pub(super) const UNIT_VOCABULARY: &[&str] = &[
    "diversion",
    "control",
    "laboratory",
    "criminal",
    "investigative",
    "investigation",
    "intelligence",
    "training",
    "national",
    "central",
    "uniformed",
    "air",
    "marine",
    "special",
    "cyber",
    "forensic",
    "enforcement",
    "removal",
    "response",
    "tactical",
    "information",
    "justice",
    "protective",
    "international",
    "agent",
    "charge",
    "counterterrorism",
    "narcotic",
    "firearm",
    "explosive",
    "technical",
    "operation",
    "service",
];
/// Words of a business, an association or a cause: a name holding one is not the agency's
/// unit, whatever agency it names ("FBI Agents Association", "Coast Guard Marine Supply").
pub(super) const NOT_A_UNIT: &[&str] = &[
    "association",
    "associate",
    "foundation",
    "union",
    "credit",
    "league",
    "club",
    "coalition",
    "alliance",
    "society",
    "council",
    "federation",
    "fund",
    "friend",
    "network",
    "project",
    "watch",
    "committee",
    "campaign",
    "memorial",
    "scholarship",
    "charity",
    "benevolent",
    "advocate",
    "advocacy",
    "right",
    "abolish",
    "reform",
    "oversight",
    "accountability",
    "transparency",
    "lawyer",
    "clinic",
    "retiree",
    "retired",
    "alumni",
    "graduate",
    "veteran",
    "employee",
    "worker",
    "survivor",
    "famil",
    "familie",
    "family",
    "heritage",
    "solution",
    "system",
    "technologie",
    "consulting",
    "consultant",
    "group",
    "partner",
    "holding",
    "enterprise",
    "logistic",
    "distributor",
    "supply",
    "supplie",
    "store",
    "shop",
    "outlet",
    "restaurant",
    "grill",
    "kitchen",
    "bakery",
    "lounge",
    "cafe",
    "bar",
    "brewing",
    "furniture",
    "plumbing",
    "heating",
    "landscaping",
    "staffing",
    "beverage",
    "hockey",
    "skating",
    "news",
];
/// Words of local government: "Lincoln Park Police" is a city's.
pub(super) const LOCAL: &[&str] = &["county", "city", "town", "township", "village", "borough", "municipal"];

/// A word as this reading compares it: soft mark gone, federal abbreviations expanded, a
/// plural "s" dropped (both sides read alike, so "Centers" meets "Ctr", "Marshal" meets
/// "Marshals").
pub(super) fn word(raw: &str) -> &str {
    let w = raw.trim_start_matches(SOFT_MARK);
    let w = ABBREVIATIONS.iter().find(|(a, _)| *a == w).map_or(w, |(_, full)| full);
    if w.len() > 4 && w.ends_with('s') && !w.ends_with("ss") { &w[..w.len() - 1] } else { w }
}
