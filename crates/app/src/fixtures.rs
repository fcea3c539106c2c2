//! Fictional names and a seeded generator, shared by the demo and the benchmarks. Every name
//! made from these lists is fictional; a name variant of a real organisation (see [`vary`]) is
//! only ever used to test screening, never given usage.

/// Deterministic xorshift generator (fixed seed: reproducible inputs).
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

/// One way of writing a name differently, as customers do.
pub fn vary(name: &str, rng: &mut Rng) -> String {
    let upper = name.to_uppercase();
    match rng.below(7) {
        0 => name.to_lowercase(),
        1 => upper.replace(" INC.", " Incorporated").replace(" LLC", " L.L.C.").replace(" CORPORATION", " Corp"),
        2 => name.replace([',', '.'], ""),
        3 => upper.replace("DEPARTMENT", "DEPT").replace("COUNTY", "CNTY").replace("SHERIFF'S OFFICE", "SO"),
        4 => {
            let mut w: Vec<&str> = name.split_whitespace().collect();
            if w.len() >= 2 {
                let i = rng.below(w.len() - 1);
                w.swap(i, i + 1);
            }
            w.join(" ")
        }
        5 => {
            // Swap two adjacent letters inside the longest word.
            let mut w: Vec<String> = name.split_whitespace().map(str::to_string).collect();
            if let Some(long) = w.iter_mut().filter(|x| x.len() >= 7 && x.is_ascii()).max_by_key(|x| x.len()) {
                let j = 1 + rng.below(long.len() - 3);
                let mut b = long.clone().into_bytes();
                b.swap(j, j + 1);
                *long = String::from_utf8(b).unwrap_or_default();
            }
            w.join(" ")
        }
        _ => name.to_string(),
    }
}

/// First words of fictional company names.
pub const FIRST: &[&str] = &[
    "Bluebird",
    "Granite",
    "Harbor",
    "Maple",
    "Silverline",
    "Copperfield",
    "Northstar",
    "Juniper",
    "Redwood",
    "Brightwater",
    "Oakridge",
    "Sunfield",
    "Lakeshore",
    "Pinecrest",
    "Riverbend",
    "Stonegate",
    "Amberly",
    "Fernhill",
    "Quillon",
    "Tidewell",
];
/// Second words of fictional company names (a trade).
pub const SECOND: &[&str] = &[
    "Bakery",
    "Dental Care",
    "Logistics",
    "Software",
    "Design Studio",
    "Veterinary Clinic",
    "Florists",
    "Analytics",
    "Outfitters",
    "Brewing",
    "Tutoring",
    "Architects",
    "Robotics",
    "Media Lab",
    "Yoga",
    "Plumbing",
    "Print Shop",
];
/// Legal forms (or none) for fictional company names.
pub const FORMS: &[&str] = &["LLC", "Inc.", "Ltd", "GmbH", "Corporation", "", "& Sons", "Partners"];
/// US states fictional accounts are placed in.
pub const STATES: &[&str] =
    &["AL", "AZ", "CA", "CO", "FL", "GA", "IL", "MA", "MI", "MN", "NC", "NY", "OH", "OR", "PA", "TX", "VA", "WA"];
