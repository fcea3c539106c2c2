//! Score bands: how the screening's scores are grouped wherever they are counted — the
//! labelled sets' quality per band, the share of proposals reviewers accepted per band (the
//! queue's calibration, a period's published screening quality). One definition, so the
//! figures a reader compares are counted over the same bands.

/// The bands' lower edges, highest first: a score falls in the first band whose edge it
/// reaches. An exact 1.00 (an identifier match, an exact name) is a band of its own.
const EDGES: [(f64, &str); 5] =
    [(1.0, "1.00"), (0.95, "0.95-1.00"), (0.90, "0.90-0.95"), (0.85, "0.85-0.90"), (0.80, "0.80-0.85")];

/// Every band, lowest first (the order reports list them in).
pub const BANDS: [&str; 6] = ["below 0.80", "0.80-0.85", "0.85-0.90", "0.90-0.95", "0.95-1.00", "1.00"];

/// The band of a score.
pub fn band(score: f64) -> &'static str {
    EDGES.iter().find(|(edge, _)| score >= *edge).map_or(BANDS[0], |(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_score_has_one_band() {
        for (score, want) in [
            (1.0, "1.00"),
            (0.999, "0.95-1.00"),
            (0.95, "0.95-1.00"),
            (0.9499, "0.90-0.95"),
            (0.82, "0.80-0.85"),
            (0.5, "below 0.80"),
            (f64::NAN, "below 0.80"),
        ] {
            assert_eq!(band(score), want, "{score}");
            assert!(BANDS.contains(&band(score)));
        }
    }
}
