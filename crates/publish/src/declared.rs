//! The facts a provider declares of a registered use, and the oversight regimes that ask for
//! each: one table, read by the policy crate (which fields are mandatory) and printed in the
//! report's data dictionary.

/// One declared field: its name, whether it is mandatory, what it means, and the regimes
/// that ask for it.
pub struct Field {
    /// Field name.
    pub name: &'static str,
    /// Required to register a use.
    pub mandatory: bool,
    /// Its meaning.
    pub meaning: &'static str,
    /// The regimes that ask for it.
    pub asked_by: &'static [&'static str],
}

const CCOPS: &str = "ACLU CCOPS model bill (surveillance use policy)";
const OAKLAND: &str = "Oakland OMC 9.64 (use policy, annual report)";
const SF: &str = "San Francisco Admin Code 19B (surveillance technology policy, annual report)";
const POST: &str = "NYC POST Act (impact and use policy)";
const ART26: &str = "EU AI Act Art. 26(10) (post remote biometric identification)";
const ART5: &str = "EU AI Act Art. 5(2)-(7) (real-time remote biometric identification)";
const ANNEX8: &str = "EU AI Act Annex VIII (registration)";
const AWS: &str = "AWS public-safety terms for face recognition (human review, confidence threshold)";

/// Every declared field, with the regimes that ask for it.
pub const FIELDS: &[Field] = &[
    Field {
        name: "purpose",
        mandatory: true,
        meaning: "What the use is for",
        asked_by: &[CCOPS, OAKLAND, SF, POST, ART26, ART5, ANNEX8],
    },
    Field {
        name: "authority",
        mandatory: true,
        meaning: "Legal authority or authorisation type: court-order, warrant, administrative, statute or consent",
        asked_by: &[CCOPS, ART26, ART5],
    },
    Field {
        name: "authority_detail",
        mandatory: false,
        meaning: "The legal basis in words",
        asked_by: &[CCOPS, ART26, ART5],
    },
    Field {
        name: "human_review",
        mandatory: true,
        meaning: "Whether a person reviews every result before it is acted on",
        asked_by: &[AWS, ART26, ART5, POST],
    },
    Field {
        name: "human_review_by",
        mandatory: false,
        meaning: "Who reviews (a role), required when human_review is true",
        asked_by: &[AWS, POST],
    },
    Field {
        name: "confidence_threshold",
        mandatory: true,
        meaning: "The similarity or confidence threshold a result must meet, 0 to 1",
        asked_by: &[AWS],
    },
    Field {
        name: "reference_data",
        mandatory: true,
        meaning: "The reference data searched",
        asked_by: &[CCOPS, OAKLAND, SF, POST, ART5],
    },
    Field {
        name: "sharing",
        mandatory: true,
        meaning: "Who receives results outside the organisation (none when nobody)",
        asked_by: &[CCOPS, OAKLAND, SF, POST],
    },
    Field {
        name: "retention",
        mandatory: true,
        meaning: "How long inputs and results are kept",
        asked_by: &[CCOPS, OAKLAND, SF, POST],
    },
    Field {
        name: "start",
        mandatory: true,
        meaning: "First day of the use (YYYY-MM-DD)",
        asked_by: &[ART5, OAKLAND, SF],
    },
    Field { name: "end", mandatory: false, meaning: "Last day of the use, when it ends", asked_by: &[ART5] },
    Field {
        name: "approved_by",
        mandatory: true,
        meaning: "Who approved it (a pseudonym or role)",
        asked_by: &[CCOPS, OAKLAND, SF, ART26, ART5],
    },
];
