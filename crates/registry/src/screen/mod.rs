//! Screening: linking customer accounts to registry organisations.
//!
//! Identifier matches come first (an account's UEI held by an organisation). Then names, in
//! [`matcher`]: normalised, blocked by rare tokens, scored by weighted token overlap and by
//! what tells organisations apart (state, function, numbers, legal form), with typos,
//! compounds and acronyms recognised.
//!
//! Every proposal carries its score and the reasons behind it; proposals go to the review
//! queue, and only a reviewer's confirmation links an account to an organisation. When
//! several organisations fit equally well (one company name registered twice, a county's
//! two offices of one name), the proposal lists every candidate and the reviewer picks one:
//! nothing is dropped.
//!
//! A rejection is remembered ([`history`], [`evidence`]): each proposal stores what the
//! screening saw, and a pair a reviewer rejected is proposed again only when something new is
//! known of it, its reason saying what and after which rejection.

pub mod bands;
mod evidence;
mod federal;
mod history;
mod matcher;
pub mod quality;

use std::collections::{HashMap, HashSet};

use serde::Serialize;

pub use evidence::{AccountEvidence, Again, Evidence, OrgEvidence, PROPOSED_AGAIN, why_proposed_again};
pub use matcher::{MAX_CANDIDATES, Matcher, Scratch};

use crate::error::Result;
use crate::model::LinkCandidate;
use crate::store::Store;
use evidence::OrgFacts;
use history::{History, Pair};

/// Actor recorded on proposals made by the matcher.
pub const SCREEN_ACTOR: &str = "candor:screen";

/// Matching thresholds.
#[derive(Debug, Clone, Copy)]
pub struct ScreenConfig {
    /// Least score for a proposal.
    pub threshold: f64,
    /// Score multiplier when account and organisation are in different states.
    pub state_mismatch_factor: f64,
    /// Score multiplier when the names name different functions (police, fire, schools, …).
    pub function_mismatch_factor: f64,
    /// Organisations scoring within this margin of the best are all candidates of one
    /// ambiguous proposal.
    pub ambiguity_margin: f64,
}

impl Default for ScreenConfig {
    fn default() -> ScreenConfig {
        ScreenConfig {
            threshold: 0.82,
            state_mismatch_factor: 0.5,
            function_mismatch_factor: 0.6,
            ambiguity_margin: 0.02,
        }
    }
}

/// One organisation a proposal may link the account to, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The organisation.
    pub org_id: i64,
    /// Its name.
    pub org_name: String,
    /// The alias that matched.
    pub matched_alias: String,
    /// Score, 0 to 1.
    pub score: f64,
    /// Why.
    pub reasons: Vec<String>,
}

/// A proposed link with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    /// The account.
    pub account_id: String,
    /// The organisation (for an ambiguous proposal, the first candidate).
    pub org_id: i64,
    /// Its name.
    pub org_name: String,
    /// The alias that matched.
    pub matched_alias: String,
    /// Score, 0 to 1.
    pub score: f64,
    /// Why.
    pub reasons: Vec<String>,
    /// For an ambiguous proposal, every organisation that fits (the first is the one
    /// above); empty when one organisation fits best.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
}

impl Proposal {
    fn from_candidate(account_id: &str, c: Candidate) -> Proposal {
        Proposal {
            account_id: account_id.to_string(),
            org_id: c.org_id,
            org_name: c.org_name,
            matched_alias: c.matched_alias,
            score: c.score,
            reasons: c.reasons,
            candidates: Vec::new(),
        }
    }

    /// Several organisations fit equally well: a reviewer chooses.
    pub fn is_ambiguous(&self) -> bool {
        self.candidates.len() > 1
    }

    /// The organisations this proposal may link to, best first.
    pub fn org_ids(&self) -> Vec<i64> {
        if self.candidates.is_empty() { vec![self.org_id] } else { self.candidates.iter().map(|c| c.org_id).collect() }
    }
}

/// What a screening run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScreenReport {
    /// Accounts screened.
    pub accounts: usize,
    /// Proposals made (including ones already in the queue).
    pub proposals: Vec<Proposal>,
    /// New proposals appended to the review queue.
    pub queued: usize,
    /// Of those, proposals of pairs a reviewer had rejected, made again because something new
    /// is known of them.
    pub again: usize,
    /// Proposals not queued because a reviewer rejected the pair and nothing new is known.
    pub dismissed: usize,
    /// Accounts whose proposal lists several candidates (awaiting review: ambiguous).
    pub ambiguous: usize,
}

/// One name screened on its own (`candor screen --name`): how it was read and what it matched.
#[derive(Debug, Clone, Serialize)]
pub struct NameScreening {
    /// The name as given.
    pub name: String,
    /// The score a match had to reach.
    pub threshold: f64,
    /// How the name was read.
    pub reading: crate::names::Reading,
    /// What it matched, if anything reached the threshold.
    pub proposal: Option<Proposal>,
}

/// Screens one name (in a state, if given) against the registry, without storing anything.
pub fn screen_name(store: &dyn Store, name: &str, state: Option<&str>, cfg: &ScreenConfig) -> Result<NameScreening> {
    let matcher = Matcher::build(store)?;
    let account = crate::model::Account {
        account_id: "(name given on the command line)".into(),
        legal_name: name.to_string(),
        country: None,
        state: state.map(str::to_string),
        city: None,
        uei: None,
        domain: None,
    };
    let proposal = matcher.screen(&account, cfg, &mut Scratch::default());
    Ok(NameScreening {
        name: name.to_string(),
        threshold: cfg.threshold,
        reading: crate::names::reading(name),
        proposal,
    })
}

/// Screens every account in the store and queues new proposals for review.
///
/// A pair already proposed or confirmed is not proposed again, nor is an ambiguous proposal one
/// of whose candidates is. A pair a reviewer rejected is proposed again only when something is
/// new since the proposal they rejected (see [`Evidence`]): for an ambiguous proposal, for any
/// of its candidates, or a candidate never proposed before beside rejected ones. A rejection
/// whose proposal stored no evidence (made before candor kept it) knows nothing to compare,
/// so it stands until a new candidate appears beside it or a reviewer reverses it.
pub fn screen_all(store: &mut dyn Store, cfg: &ScreenConfig) -> Result<ScreenReport> {
    let matcher = Matcher::build(store)?;
    let accounts = store.accounts()?;
    let mut scratch = Scratch::default();
    let found: Vec<(usize, Proposal)> =
        accounts.iter().enumerate().filter_map(|(i, a)| matcher.screen(a, cfg, &mut scratch).map(|p| (i, p))).collect();
    drop(matcher);
    let history = History::new(store.link_events()?);
    let plans: Vec<Plan> = found.iter().enumerate().filter_map(|(i, (_, p))| Plan::of(i, p, &history)).collect();
    // The evidence of the rejected proposals, and the organisations' side of what is stored
    // now: read only for the proposals that are stored or compared, so screening an unchanged
    // registry again reads no more than before.
    let earlier_ids: Vec<i64> = {
        let ids: std::collections::BTreeSet<i64> =
            plans.iter().flat_map(|p| p.rejected.iter().flat_map(|r| r.earlier.iter().copied())).collect();
        ids.into_iter().collect()
    };
    let earlier: HashMap<i64, Evidence> = store
        .link_evidence(&earlier_ids)?
        .into_iter()
        .filter_map(|(id, text)| Some((id, Evidence::parse(&text)?)))
        .collect();
    let orgs: HashSet<i64> = plans.iter().flat_map(|p| found[p.found].1.org_ids()).collect();
    let facts = OrgFacts::read(&*store, &orgs)?;
    let mut tx = store.begin()?;
    let (mut queued, mut again, mut dismissed) = (0, 0, 0);
    for plan in &plans {
        let (account, p) = (&accounts[found[plan.found].0], &found[plan.found].1);
        let org_ids = p.org_ids();
        let mut evidence = Evidence::of(account, &org_ids, &facts);
        let mut reason = p.reasons.join("; ");
        if !plan.rejected.is_empty() {
            let news = plan.news(p, &evidence, &earlier, &facts);
            if news.is_empty() {
                dismissed += 1;
                continue;
            }
            let mut rejections: Vec<i64> = plan.rejected.iter().map(|r| r.rejection).collect();
            rejections.sort_unstable();
            rejections.dedup();
            let why = Again { rejections, changes: news };
            reason = format!("proposed again {}; {reason}", why.why());
            evidence.again = Some(why);
            again += 1;
        }
        let candidates: Vec<LinkCandidate> = p
            .candidates
            .iter()
            .map(|c| LinkCandidate { org_id: c.org_id, score: c.score, reason: c.reasons.join("; ") })
            .collect();
        let evidence = evidence.to_json()?;
        tx.append_proposal(&p.account_id, p.org_id, p.score, &reason, SCREEN_ACTOR, &candidates, Some(&evidence))?;
        queued += 1;
    }
    tx.commit()?;
    let proposals: Vec<Proposal> = found.into_iter().map(|(_, p)| p).collect();
    let ambiguous = proposals.iter().filter(|p| p.is_ambiguous()).count();
    Ok(ScreenReport { accounts: accounts.len(), proposals, queued, again, dismissed, ambiguous })
}

/// A proposal the screening may store: new, or of pairs a reviewer rejected (stored only when
/// something is new of them).
struct Plan {
    /// Its index among the proposals found.
    found: usize,
    /// The rejected pairs among its organisations.
    rejected: Vec<Rejected>,
    /// Its organisations never proposed to the account before.
    fresh: Vec<i64>,
}

/// A rejected pair of a proposal.
struct Rejected {
    org: i64,
    rejection: i64,
    /// The proposal the rejection followed.
    proposal: Option<i64>,
    /// Every proposal of the screening that named the pair (what reviewers were shown of it).
    earlier: Vec<i64>,
}

impl Plan {
    /// The plan for proposal `p` (the `found`th), or `None` when one of its pairs is open.
    fn of(found: usize, p: &Proposal, history: &History) -> Option<Plan> {
        let mut plan = Plan { found, rejected: Vec::new(), fresh: Vec::new() };
        for org in p.org_ids() {
            match history.pair(&p.account_id, org) {
                Pair::Open => return None,
                Pair::New => plan.fresh.push(org),
                Pair::Rejected { rejection, proposal } => {
                    let earlier = history.proposals(&p.account_id, org).to_vec();
                    plan.rejected.push(Rejected { org, rejection, proposal, earlier })
                }
            }
        }
        Some(plan)
    }

    /// What is new of a proposal of rejected pairs: a candidate never proposed before, and per
    /// rejected pair what `now` holds that the rejected proposal's evidence did not.
    fn news(&self, p: &Proposal, now: &Evidence, earlier: &HashMap<i64, Evidence>, facts: &OrgFacts) -> Vec<String> {
        let label = |org: i64| {
            let name = p.candidates.iter().find(|c| c.org_id == org).map_or(p.org_name.as_str(), |c| &c.org_name);
            format!("#{org} {name}")
        };
        let mut news: Vec<String> = self.fresh.iter().map(|&o| format!("a new candidate {}", label(o))).collect();
        for r in &self.rejected {
            // The rejected proposal's evidence must be known (else nothing is known to compare);
            // then a value any earlier proposal of the pair held is not new.
            if let Some(old) = r.proposal.and_then(|id| earlier.get(&id)) {
                let mut olds: Vec<&Evidence> =
                    r.earlier.iter().filter(|&&id| Some(id) != r.proposal).filter_map(|id| earlier.get(id)).collect();
                olds.push(old);
                now.news(&olds, r.org, &label(r.org), facts, &mut news);
            }
        }
        news
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SqliteStore;
    use crate::model::{Account, Jurisdiction, Kind, NewOrganisation};

    /// Fictional companies that give the test registries realistic word weights (a word in
    /// one name of forty is rare; in one name of one it is not).
    const FILLER: &[(&str, &str)] = &[
        ("Bluebird Bakery LLC", "OR"),
        ("Granite Dental Care Inc", "WA"),
        ("Harbor Logistics Corporation", "CA"),
        ("Maple Software Ltd", "NY"),
        ("Silverline Design Studio", "TX"),
        ("Copperfield Veterinary Clinic", "FL"),
        ("Northstar Florists", "MN"),
        ("Juniper Analytics LLC", "CO"),
        ("Redwood Outfitters Inc", "CA"),
        ("Oakridge Brewing Company", "NC"),
        ("Sunfield Tutoring", "AZ"),
        ("Lakeshore Architects PC", "IL"),
        ("Pinecrest Robotics Inc", "PA"),
        ("Riverbend Media Lab", "OH"),
        ("Stonegate Plumbing", "GA"),
        ("Amberly Yoga Studio", "VA"),
        ("Fernhill Print Shop", "MI"),
        ("Quillon Partners LP", "NJ"),
        ("Tidewell Marine Services", "MD"),
        ("Cobalt Ridge Farms", "KS"),
    ];

    /// A registry of `(name, state)` organisations (state "" for none), one alias each, with
    /// [`FILLER`] beside them.
    fn matcher(registry: &[(&str, &str)]) -> Matcher {
        let mut store = SqliteStore::in_memory().expect("store");
        let mut tx = store.begin().expect("tx");
        for (i, (name, state)) in registry.iter().chain(FILLER).enumerate() {
            let id = tx
                .insert_organisation(&NewOrganisation {
                    key: format!("test:{i}"),
                    name: name.to_string(),
                    kind: Kind::LocalAgency,
                    jurisdiction: Jurisdiction {
                        state: (!state.is_empty()).then(|| state.to_string()),
                        ..Jurisdiction::default()
                    },
                })
                .expect("org");
            tx.add_alias(id, name).expect("alias");
        }
        tx.commit().expect("commit");
        Matcher::build(&store).expect("matcher")
    }

    fn screen(m: &Matcher, name: &str, state: &str) -> Option<Proposal> {
        let a = Account {
            account_id: "a".into(),
            legal_name: name.into(),
            country: None,
            state: (!state.is_empty()).then(|| state.into()),
            city: None,
            uei: None,
            domain: None,
        };
        m.screen(&a, &ScreenConfig::default(), &mut Scratch::default())
    }

    /// The account `(name, state)` is linked to `expect` (an organisation name), or to
    /// nothing; an ambiguous proposal counts as nothing here.
    fn check(registry: &[(&str, &str)], account: (&str, &str), expect: Option<&str>) {
        let m = matcher(registry);
        let got = screen(&m, account.0, account.1).filter(|p| !p.is_ambiguous()).map(|p| p.org_name);
        assert_eq!(got.as_deref(), expect, "{account:?}");
    }

    const FAIRFAX: &[(&str, &str)] = &[
        ("Fairfax County Police Department", "VA"),
        ("Fairfax County Public Schools", "VA"),
        ("Fairfax County Sheriff's Office", "VA"),
        ("Fairfax Police Department", "VT"),
        ("Arlington County Police Department", "VA"),
    ];

    #[test]
    fn near_misses_are_not_confused() {
        check(FAIRFAX, ("Fairfax County Public Schools", "VA"), Some("Fairfax County Public Schools"));
        check(FAIRFAX, ("FAIRFAX CNTY PD", "VA"), Some("Fairfax County Police Department"));
        check(FAIRFAX, ("Fairfax County Sheriffs Off.", "VA"), Some("Fairfax County Sheriff's Office"));
        check(FAIRFAX, ("Police Department, Fairfax", "VT"), Some("Fairfax Police Department"));
        check(&FAIRFAX[..1], ("Fairfax County Public Schools", "VA"), None);
        check(&FAIRFAX[..1], ("Fairfax County Public Library", "VA"), None);
        check(&FAIRFAX[..1], ("Fairfax County Police Department", "TX"), None);
    }

    #[test]
    fn typos_transliteration_and_legal_forms() {
        let reg = &[("West Publishing Corporation", "MN"), ("Western Logistics Corporation", "MN")];
        check(reg, ("West Pbulishing Corp.", "MN"), Some("West Publishing Corporation"));
        // Short tokens are not typo-corrected: "Wset" could as well be another word.
        check(reg, ("Wset Publishing Corp.", "MN"), None);
        check(reg, ("WÉST PUBLISHING, INCORPORATED", "MN"), Some("West Publishing Corporation"));
        check(reg, ("West Publishing", "MN"), Some("West Publishing Corporation"));
        check(reg, ("East Publishing Corporation", "MN"), None);
    }

    #[test]
    fn jurisdiction_words_link_to_the_agency_in_its_state() {
        let reg = &[
            ("Springfield Police Department", "IL"),
            ("Springfield Police Department", "MO"),
            ("Sangamon County Sheriff's Office", "IL"),
            ("Adams County Sheriff's Office", "IL"),
            ("Adams Police Department", "IL"),
            ("Riverton Police Department", "WY"),
            ("Marin, County of", "CA"),
            ("Marin County Sheriff's Office", "CA"),
            ("Clinton Township Police Department", "MI"),
            ("Clinton Police Department", "MI"),
            ("University of Wisconsin: River Falls", "WI"),
        ];
        for (name, state, expect) in [
            ("City of Springfield Police Department", "IL", "Springfield Police Department"),
            ("Police Department, City of Riverton", "WY", "Riverton Police Department"),
            ("Town of Riverton Police", "WY", "Riverton Police Department"),
            ("Sheriff of Adams County", "IL", "Adams County Sheriff's Office"),
            ("Adams County Sheriff", "IL", "Adams County Sheriff's Office"),
            ("County Of Marin", "CA", "Marin, County of"),
            ("Marin County", "CA", "Marin, County of"),
            ("Township of Clinton Police Department", "MI", "Clinton Township Police Department"),
            ("City of Clinton Police", "MI", "Clinton Police Department"),
            ("University of Wisconsin-River Falls Police Department", "WI", "University of Wisconsin: River Falls"),
        ] {
            check(reg, (name, state), Some(expect));
        }
        // The right state decides between two Springfields.
        let m = matcher(reg);
        let p = screen(&m, "Springfield PD", "MO").expect("proposal");
        assert!(!p.is_ambiguous() && p.reasons.iter().any(|r| r == "same state MO"), "{p:?}");
        // Near misses: a county sheriff is never the city police of the same place, the county
        // government is not its sheriff, a city government is not its police.
        check(reg, ("Adams County Sheriff", "IL"), Some("Adams County Sheriff's Office"));
        check(&reg[4..5], ("Adams County Sheriff", "IL"), None);
        check(&reg[6..7], ("Marin County Sheriff", "CA"), None);
        check(&reg[..1], ("City of Springfield", "IL"), None);
        check(&reg[5..6], ("Riverton Fire Department", "WY"), None);
    }

    #[test]
    fn legal_forms_confirm_but_never_make_a_match() {
        let reg = &[("Krupp AG", "DE"), ("Krupp GmbH", "DE"), ("Zenith Ventures Inc", "NY")];
        check(reg, ("Krupp Aktiengesellschaft", "DE"), Some("Krupp AG"));
        check(reg, ("Krupp Gesellschaft mit beschränkter Haftung", "DE"), Some("Krupp GmbH"));
        check(&reg[..1], ("Acme AG", "DE"), None);
        check(reg, ("Zenith Ventures Limited Liability Company", "NY"), Some("Zenith Ventures Inc"));
        check(&[("Almaz Joint Stock Company", "")], ("JSC Almaz Corp.", ""), Some("Almaz Joint Stock Company"));
        check(&[("Almaz Joint Stock Company", "")], ("АО «Алмаз»", ""), Some("Almaz Joint Stock Company"));
        check(&[("Almaz Joint Stock Company", "")], ("Almaz Holdings JSC", ""), None);
    }

    #[test]
    fn numbers_must_agree() {
        let reg = &[
            ("Second Street Holdings LLC", "TX"),
            ("Squadron 21 Inc", "TX"),
            ("Granite Partners VIII LP", "TX"),
            ("Harbor Series 2019-1 Trust", "TX"),
        ];
        check(reg, ("2nd Street Holdings", "TX"), Some("Second Street Holdings LLC"));
        check(reg, ("Squadron Twenty-One", "TX"), Some("Squadron 21 Inc"));
        check(reg, ("Granite Partners 8 L.P.", "TX"), Some("Granite Partners VIII LP"));
        check(reg, ("Granite Partners VII LP", "TX"), None);
        check(reg, ("Harbor Series 2019-2 Trust", "TX"), None);
        check(reg, ("Third Street Holdings LLC", "TX"), None);
        check(reg, ("Squadron 22 Inc", "TX"), None);
    }

    #[test]
    fn acronyms_match_unique_initials_only() {
        let reg = &[
            ("National Transportation Safety Board", ""),
            ("Bureau of Justice Statistics", ""),
            ("Bureau of Jail Standards", "TX"),
            ("GEO Group Inc", "FL"),
        ];
        check(reg, ("NTSB", ""), Some("National Transportation Safety Board"));
        check(reg, ("N.T.S.B.", ""), Some("National Transportation Safety Board"));
        // Two organisations have the initials BJS: not an acronym match.
        check(reg, ("BJS", ""), None);
        // Written as a word, not as an acronym.
        check(reg, ("Ntsb", ""), None);
        // Too short.
        check(&[("Great Eastern", "")], ("GE", ""), None);
        // A known word stays a word.
        check(&[("GEO Group Inc", "FL"), ("Georgia Emergency Operations", "GA")], ("GEO", "GA"), None);
        // The other way: the registry knows the acronym, the account writes it out.
        check(&[("ICE", "")], ("Immigration Customs Enforcement", ""), Some("ICE"));
    }

    #[test]
    fn compounds_and_two_typos() {
        let reg = &[("North Wind Services LLC", "ID"), ("Brightwater Analytics Inc", "OR")];
        check(reg, ("Northwind Services", "ID"), Some("North Wind Services LLC"));
        check(reg, ("Bright Water Analytics", "OR"), Some("Brightwater Analytics Inc"));
        check(reg, ("Brigthwatre Analytics", "OR"), Some("Brightwater Analytics Inc"));
        check(reg, ("Northwood Services", "ID"), None);
        // Three typos are another word.
        check(reg, ("Brgthwatre Anlytcs", "OR"), None);
    }

    #[test]
    fn organisations_that_fit_equally_go_to_a_reviewer_together() {
        let m = matcher(&[("Marion County Sheriff's Office", "IA"), ("Marion County Sheriff's Office", "IA")]);
        let p = screen(&m, "Marion County Sheriff's Office", "IA").expect("a proposal, not nothing");
        assert!(p.is_ambiguous(), "{p:?}");
        assert_eq!(p.candidates.len(), 2);
        assert!(p.reasons.iter().any(|r| r.starts_with("ambiguous")), "{:?}", p.reasons);
        assert!(p.candidates.iter().all(|c| c.score >= 0.82 && !c.reasons.is_empty()));
        let ids = p.org_ids();
        assert!(ids[0] != ids[1]);
    }

    #[test]
    fn one_edit_cases_live_in_names() {
        assert!(crate::names::one_edit(b"publishing", b"publshing"));
        assert!(crate::names::one_edit(b"publishing", b"publishingg"));
        assert!(crate::names::one_edit(b"publishing", b"publixhing"));
        assert!(crate::names::one_edit(b"publishing", b"pbulishing"));
        assert!(!crate::names::one_edit(b"publishing", b"publishing"));
        assert!(!crate::names::one_edit(b"publishing", b"pubshing"));
        assert!(!crate::names::one_edit(b"police", b"public"));
    }
}
