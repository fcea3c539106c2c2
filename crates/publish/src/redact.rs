//! What records say instead of exact figures and people: volume bands (a scale, when exact
//! quantities are withheld) and reviewers' salted pseudonyms. Records name organisations,
//! never people: reviewers appear as pseudonyms, account ids never.

/// The band a volume falls in: `0`, then powers of ten (`1–9`, `10–99`, …, `1,000,000–9,999,999`),
/// so a report can disclose scale without exact figures.
pub fn volume_band(quantity: f64) -> String {
    if !quantity.is_finite() || quantity < 1.0 {
        return if quantity > 0.0 { "under 1".into() } else { "0".into() };
    }
    let exp = quantity.log10().floor() as i32;
    // Guard against log10 rounding at exact powers of ten.
    let exp = if 10f64.powi(exp + 1) <= quantity { exp + 1 } else { exp };
    let low = 10u128.pow(exp.max(0) as u32);
    let high = low * 10 - 1;
    format!("{}–{}", thousands(low), thousands(high))
}

fn thousands(n: u128) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A reviewer's pseudonym in published records: stable for one provider (`salt`), not
/// reversible to the reviewer id without the salt.
pub fn pseudonym(reviewer: &str, salt: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(salt);
    h.update([0]);
    h.update(reviewer.as_bytes());
    let d = h.finalize();
    format!("reviewer-{}", hex::encode(&d[..4]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_fall_in_bands() {
        for (q, band) in [
            (0.0, "0"),
            (0.4, "under 1"),
            (1.0, "1–9"),
            (9.99, "1–9"),
            (10.0, "10–99"),
            (999.0, "100–999"),
            (1000.0, "1,000–9,999"),
            (31_689.0, "10,000–99,999"),
            (1e6, "1,000,000–9,999,999"),
        ] {
            assert_eq!(volume_band(q), band, "{q}");
        }
    }

    #[test]
    fn pseudonyms_are_stable_per_salt_and_hide_the_id() {
        let a = pseudonym("alice@example.org", b"provider-salt");
        assert_eq!(a, pseudonym("alice@example.org", b"provider-salt"));
        assert_ne!(a, pseudonym("alice@example.org", b"other-salt"));
        assert_ne!(a, pseudonym("bob@example.org", b"provider-salt"));
        assert!(a.starts_with("reviewer-") && !a.contains("alice"));
    }

    #[test]
    fn a_correction_names_the_record_it_corrects_and_entries_are_canonical() {
        use records::{Body, Classification, Correction, Record, canonical, link_to};
        let first = Record::new(
            Body::Classification(Classification {
                organisation: "Example Retail Co (fictional)".into(),
                role: "supplier".into(),
                status: "confirmed".into(),
                reason: "holds award TEST-1 (fictional-records.csv line 3)".into(),
                decided_by: pseudonym("reviewer-7", b"salt"),
                decided_at: "2026-10-01T00:00:00Z".into(),
            }),
            true,
        );
        let e1 = first.entry().expect("entry");
        let fix = Record::new(
            Body::Correction(Correction {
                corrects: link_to(41, &e1),
                reason: "the award was a grant".into(),
                replacement: None,
            }),
            true,
        );
        let e2 = fix.entry().expect("entry");
        let v: serde_json::Value = serde_json::from_slice(&e2).expect("json");
        assert_eq!(v["corrects"]["index"], 41);
        assert_eq!(v["corrects"]["sha256"].as_str().expect("hash").len(), 64);
        assert_eq!(v["demonstration_data"], true);
        assert_eq!(canonical::to_vec(&v).expect("canonical"), e2);
        assert!(!String::from_utf8_lossy(&e1).contains("reviewer-7\""));
    }
}
