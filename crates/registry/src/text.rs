//! The registry's reports as plain text (`Display`), for people at a terminal. The same
//! structs serialize to JSON for `--json`, so the two outputs cannot drift apart.

use std::fmt::{self, Display, Formatter};

use crate::classify::{AccountExplanation, ClassifyReport, Explanation};
use crate::eval::EvalReport;
use crate::import::ImportReport;
use crate::screen::{NameScreening, ScreenReport};
use crate::store::Counts;

impl Display for ImportReport {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.already_imported {
            return writeln!(f, "{}: imported before (same SHA-256); nothing changed", self.file);
        }
        let (b, a) = (&self.before, &self.after);
        writeln!(
            f,
            "{} ({}): {} rows; +{} organisations, +{} relationships, +{} accounts",
            self.file,
            self.kind,
            self.rows,
            a.organisations - b.organisations,
            a.relationships - b.relationships,
            a.accounts - b.accounts
        )?;
        for (what, n) in &self.tallies {
            writeln!(f, "  {what}: {n}")?;
        }
        if !self.kept.is_empty() {
            writeln!(f, "  {} name(s) fit no organisation of the registry; kept as new ones:", self.kept.len())?;
            for k in &self.kept {
                writeln!(f, "    {k}")?;
            }
        }
        for s in &self.skipped {
            writeln!(f, "  skipped line {}, column {}: {}", s.line, s.column, s.message)?;
        }
        Ok(())
    }
}

impl Display for ClassifyReport {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "agencies by reference:          {}", self.reference_agencies)?;
        writeln!(f, "agencies proposed from awards:  {}", self.proposed_agencies)?;
        writeln!(f, "suppliers (own awards):         {}", self.suppliers)?;
        writeln!(f, "suppliers proposed by roll-up:  {}", self.proposed_by_rollup)?;
        writeln!(f, "history events appended:        {}", self.events_appended)
    }
}

impl Display for Counts {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "organisations          {}", self.organisations)?;
        writeln!(f, "aliases                {}", self.aliases)?;
        writeln!(f, "identifiers            {}", self.identifiers)?;
        writeln!(f, "relationships          {}", self.relationships)?;
        writeln!(f, "customer accounts      {}", self.accounts)?;
        writeln!(f, "link events            {}", self.link_events)?;
        writeln!(f, "classification events  {}", self.classification_events)?;
        writeln!(f, "imported files         {}", self.imports)
    }
}

impl Display for AccountExplanation {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let a = &self.account;
        let state = a.state.as_deref().map(|s| format!(", {s}")).unwrap_or_default();
        writeln!(f, "customer account {} ({}{state})", a.account_id, a.legal_name)?;
        if self.links.is_empty() {
            writeln!(f, "  not linked to any organisation (run candor screen, then candor review)")?;
        }
        for l in &self.links {
            let score =
                l.proposal.as_ref().and_then(|p| p.score).map(|s| format!(" (score {s:.2})")).unwrap_or_default();
            let e = &l.latest;
            writeln!(
                f,
                "  → {} (#{}){score}: {} by {} at {}: {}",
                l.org_name, e.org_id, e.status, e.actor, e.at, e.reason
            )?;
        }
        match &self.organisation {
            Some(e) => write!(f, "{e}"),
            None => Ok(()),
        }
    }
}

/// Enablement paths shown before "use --json for all".
const PATHS_SHOWN: usize = 20;

impl Display for Explanation {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let o = &self.organisation;
        let j = &o.jurisdiction;
        let place: Vec<&str> = [&j.city, &j.county, &j.state, &j.country].iter().filter_map(|x| x.as_deref()).collect();
        let place = if place.is_empty() { "place unknown".into() } else { place.join(", ") };
        writeln!(f, "{} (#{}, {}, {place})", o.name, o.id, o.kind)?;
        if !self.identifiers.is_empty() {
            writeln!(f, "  identifiers: {}", self.identifiers.join(", "))?;
        }
        let others: Vec<&str> = self.aliases.iter().filter(|a| **a != o.name).map(String::as_str).collect();
        if !others.is_empty() {
            writeln!(f, "  also known as: {}", others.join("; "))?;
        }
        match &self.current {
            None => {
                writeln!(f, "  classification: none (no reference lists it and no law-enforcement award names it)")?
            }
            Some(c) => writeln!(f, "  classification: {} ({}) — {}", c.role, c.status, c.reason)?,
        }
        for h in &self.history {
            writeln!(f, "    {} {} {} by {}: {}", h.at, h.role, h.status, h.actor, h.reason)?;
        }
        if !self.technologies.is_empty() {
            writeln!(
                f,
                "  surveillance technologies (EFF Atlas of Surveillance, federal AI use-case inventory, FedRAMP):"
            )?;
        }
        for t in &self.technologies {
            let ev = &t.evidence;
            let links: String = [ev.citation.as_deref(), ev.permalink.as_deref()]
                .into_iter()
                .flatten()
                .map(|x| format!(", {x}"))
                .collect();
            writeln!(
                f,
                "    {} {} {} {}: {}{links} [{}:{}]",
                t.relation,
                t.technology,
                if t.relation == "supplies" { "to" } else { "from" },
                t.counterpart,
                ev.award_id.as_deref().unwrap_or("Atlas row"),
                ev.source.file,
                ev.source.line
            )?;
        }
        if self.paths.is_empty() {
            return Ok(());
        }
        writeln!(f, "  enablement paths ({}):", self.paths.len())?;
        for p in self.paths.iter().take(PATHS_SHOWN) {
            write!(f, "    {}", o.name)?;
            for s in &p.steps {
                let ev = &s.evidence;
                let amount = ev.amount.map(|a| format!(" ${a:.2}")).unwrap_or_default();
                let award = ev.award_id.as_deref().map(|a| format!(" {a}")).unwrap_or_default();
                let technology = ev.technology.as_deref().map(|t| format!(" {t}")).unwrap_or_default();
                write!(
                    f,
                    " —{}{award}{technology}{amount} [{}:{}]→ {}",
                    s.relation, ev.source.file, ev.source.line, s.to_name
                )?;
            }
            writeln!(f)?;
        }
        if self.paths.len() > PATHS_SHOWN {
            writeln!(f, "    … {} more (use --json for all)", self.paths.len() - PATHS_SHOWN)?;
        }
        Ok(())
    }
}

impl Display for NameScreening {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let r = &self.reading;
        let forms = if r.legal_forms.is_empty() {
            String::new()
        } else {
            format!(" (legal form: {})", r.legal_forms.join(", "))
        };
        writeln!(f, "read as: {}{forms}", r.tokens.join(" "))?;
        let name = &self.name;
        match &self.proposal {
            None => writeln!(f, "{name:?}: no organisation reaches {:.2}", self.threshold),
            Some(p) if p.is_ambiguous() => {
                writeln!(f, "{name:?}: ambiguous, {} candidates for a reviewer:", p.candidates.len())?;
                for c in &p.candidates {
                    writeln!(f, "  {} (#{})  score {:.2}: {}", c.org_name, c.org_id, c.score, c.reasons.join("; "))?;
                }
                Ok(())
            }
            Some(p) => {
                writeln!(
                    f,
                    "{name:?}  →  {} (#{})  score {:.2}: {}",
                    p.org_name,
                    p.org_id,
                    p.score,
                    p.reasons.join("; ")
                )
            }
        }
    }
}

impl Display for ScreenReport {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for p in &self.proposals {
            if p.is_ambiguous() {
                let names: Vec<String> =
                    p.candidates.iter().map(|c| format!("{} (#{}, {:.2})", c.org_name, c.org_id, c.score)).collect();
                writeln!(f, "{}  →  ambiguous: {}", p.account_id, names.join(" | "))?;
            } else {
                let reasons = p.reasons.join("; ");
                writeln!(f, "{}  →  {} (#{})  score {:.2}: {reasons}", p.account_id, p.org_name, p.org_id, p.score)?;
            }
        }
        writeln!(
            f,
            "{} accounts screened, {} proposals, {} new in the review queue (candor review list); {} awaiting review: ambiguous",
            self.accounts,
            self.proposals.len(),
            self.queued,
            self.ambiguous
        )?;
        if self.again > 0 || self.dismissed > 0 {
            writeln!(
                f,
                "rejected before: {} proposed again (something new is known of them), {} not (nothing new)",
                self.again, self.dismissed
            )?;
        }
        Ok(())
    }
}

impl Display for EvalReport {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for m in &self.misses {
            let proposed = if m.proposed.is_empty() {
                "nothing".to_string()
            } else {
                format!("{} ({:.2})", m.proposed, m.score.unwrap_or(0.0))
            };
            let expected = if m.expected.is_empty() { "no match" } else { &m.expected };
            writeln!(f, "miss [{}] {:?}: expected {expected}, proposed {proposed}", m.how, m.legal_name)?;
        }
        if self.categories.len() > 1 {
            writeln!(
                f,
                "{:<44} {:>6} {:>9} {:>10} {:>8} {:>9}",
                "category (how)", "rows", "positives", "precision", "recall", "unlinked"
            )?;
            let num = |x: Option<f64>| x.map(|x| format!("{x:.4}")).unwrap_or_else(|| "-".into());
            for (how, c) in &self.categories {
                writeln!(
                    f,
                    "{:<44} {:>6} {:>9} {:>10.4} {:>8} {:>9}",
                    if how.is_empty() { "(none)" } else { how },
                    c.tally.rows,
                    c.tally.positives,
                    c.precision,
                    num(c.recall),
                    num(c.rejected)
                )?;
            }
        }
        if !self.bands.is_empty() {
            writeln!(f, "{:<12} {:>9} {:>8} {:>10}", "score band", "proposals", "correct", "precision")?;
            for band in crate::screen::bands::BANDS.iter().rev() {
                if let Some(b) = self.bands.get(*band) {
                    let precision = b.precision().map(|p| format!("{p:.4}")).unwrap_or_else(|| "-".into());
                    writeln!(f, "{band:<12} {:>9} {:>8} {precision:>10}", b.proposals, b.correct)?;
                }
            }
        }
        writeln!(
            f,
            "{} rows ({} positives): precision {:.4}, recall {:.4}, F1 {:.4} (TP {}, FP {}, FN {}; {} true positives ambiguous)",
            self.rows,
            self.positives,
            self.precision,
            self.recall,
            self.f1,
            self.true_positives,
            self.false_positives,
            self.false_negatives,
            self.ambiguous
        )
    }
}
