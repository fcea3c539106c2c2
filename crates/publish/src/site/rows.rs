//! The usage rows of current records as the site's model holds them: a million rows at ten
//! thousand organisations over eight quarters, so every text they share is held once.

/// Text many records or rows share (a kind, a period, a capability, a service, a unit): one
/// allocation each, not one per row (a million rows at ten thousand organisations over eight
/// quarters).
pub type Shared = std::sync::Arc<str>;

/// What the usage rows of one record share: one allocation per record, not seven shared texts
/// per row (a million rows at ten thousand organisations over eight quarters).
#[derive(Debug)]
pub struct RowOf {
    /// Period.
    pub period: Shared,
    /// Organisation name.
    pub organisation: Shared,
    /// Organisation page slug.
    pub slug: Shared,
    /// Kind of organisation.
    pub kind: Shared,
    /// Law-enforcement role.
    pub law_enforcement_role: Shared,
    /// Index of the record it comes from.
    pub record_index: u64,
    /// SHA-256 of that record's entry.
    pub record_sha256: Shared,
}

/// One disclosed usage line of a current record.
#[derive(Debug, Clone)]
pub struct UsageRow {
    /// The record it comes from, and what it says of the organisation.
    pub of: std::sync::Arc<RowOf>,
    /// What was used, and its band: one copy per distinct line (a few hundred among a
    /// million rows).
    pub what: std::sync::Arc<LineWhat>,
    /// Exact quantity, when published.
    pub quantity: Option<f64>,
}

/// What a usage line says was used, and its band when exact quantities are withheld.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LineWhat {
    /// Capability id.
    pub capability: Shared,
    /// Service.
    pub service: Shared,
    /// Region class.
    pub region_class: Shared,
    /// Unit.
    pub unit: Shared,
    /// Volume band, when exact quantities are withheld.
    pub volume_band: Option<Shared>,
}

/// A usage row as downloads write it: its record's fields and its own, flat.
#[derive(serde::Serialize)]
struct FlatRow<'a> {
    period: &'a str,
    organisation: &'a str,
    kind: &'a str,
    law_enforcement_role: &'a str,
    capability: &'a str,
    service: &'a str,
    region_class: &'a str,
    unit: &'a str,
    volume_band: Option<&'a str>,
    quantity: Option<f64>,
    record_index: u64,
    record_sha256: &'a str,
}

impl serde::Serialize for UsageRow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (of, what) = (&*self.of, &*self.what);
        FlatRow {
            period: &of.period,
            organisation: &of.organisation,
            kind: &of.kind,
            law_enforcement_role: &of.law_enforcement_role,
            capability: &what.capability,
            service: &what.service,
            region_class: &what.region_class,
            unit: &what.unit,
            volume_band: what.volume_band.as_deref(),
            quantity: self.quantity,
            record_index: of.record_index,
            record_sha256: &of.record_sha256,
        }
        .serialize(s)
    }
}

impl UsageRow {
    /// Its volume as shown: the band when exact quantities are withheld, else the quantity.
    pub fn volume(&self) -> String {
        match (&self.what.volume_band, self.quantity) {
            (Some(band), _) => band.to_string(),
            (None, Some(q)) => q.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// One usage line of a record, its texts shared, before the rows of current records are made.
pub(crate) struct Line {
    pub(crate) what: std::sync::Arc<LineWhat>,
    pub(crate) quantity: Option<f64>,
}

/// What a usage record's rows are made from, read once when the model is built.
pub(crate) struct UsageLines {
    pub(crate) kind: Shared,
    pub(crate) law_enforcement_role: Shared,
    pub(crate) period: Shared,
    pub(crate) lines: Vec<Line>,
}

/// One shared copy of each text (see [`Shared`]) and of each distinct usage line.
#[derive(Default)]
pub(crate) struct Interned(std::collections::HashSet<Shared>, std::collections::HashSet<std::sync::Arc<LineWhat>>);

impl Interned {
    pub(crate) fn get(&mut self, text: &str) -> Shared {
        if let Some(s) = self.0.get(text) {
            return s.clone();
        }
        let s: Shared = text.into();
        self.0.insert(s.clone());
        s
    }

    /// The one copy of `what`.
    pub(crate) fn line(&mut self, what: LineWhat) -> std::sync::Arc<LineWhat> {
        if let Some(w) = self.1.get(&what) {
            return w.clone();
        }
        let w = std::sync::Arc::new(what);
        self.1.insert(w.clone());
        w
    }
}

/// A usage record's lines, their texts shared.
pub(crate) fn usage_lines(u: &records::OrganisationUsage, words: &mut Interned) -> UsageLines {
    UsageLines {
        kind: words.get(&u.organisation.kind),
        law_enforcement_role: words.get(&u.organisation.law_enforcement_role),
        period: words.get(&u.period),
        lines: (u.usage.iter())
            .map(|l| {
                let what = LineWhat {
                    capability: words.get(&l.capability),
                    service: words.get(&l.service),
                    region_class: words.get(&l.region_class),
                    unit: words.get(&l.unit),
                    volume_band: l.volume_band.as_deref().map(|b| words.get(b)),
                };
                Line { what: words.line(what), quantity: l.quantity }
            })
            .collect(),
    }
}
