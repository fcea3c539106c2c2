//! The gate decided against a fake source: fail modes, the outage TTL, the cache and a new
//! snapshot, unrecognised and ambiguous operations, paths read as a server reads them, and
//! counts that keep no request detail and survive a failed flush.

mod counts;
mod decisions;
mod paths;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gate::{Built, Gate, GateConfig, Source, SourceError};
use policy::engine::{Decider, PolicyVersion};
use policy::facts::{AccountFacts, Facts, OrgFacts, Principal};
use policy::store::GateCount;

/// A source the test steers: its stamp, whether reads fail, the policy text, what was flushed.
#[derive(Default)]
pub struct Fake {
    pub stamp: Mutex<String>,
    pub unreachable: Mutex<bool>,
    pub policy: Mutex<Option<String>>,
    pub flushed: Mutex<Vec<GateCount>>,
    pub flush_fails: Mutex<bool>,
    pub builds: Mutex<u32>,
}

impl Fake {
    pub fn with_policy(text: &str) -> Arc<Fake> {
        let f = Fake::default();
        *f.policy.lock().expect("lock") = Some(text.to_string());
        *f.stamp.lock().expect("lock") = "1".into();
        Arc::new(f)
    }

    pub fn set(&self, stamp: &str, policy: Option<&str>) {
        *self.stamp.lock().expect("lock") = stamp.into();
        *self.policy.lock().expect("lock") = policy.map(str::to_string);
    }
}

fn principal(name: &str, role: &str, status: &str) -> Principal {
    Principal {
        name: name.into(),
        kind: "local_agency".into(),
        law_enforcement_role: role.into(),
        role_status: status.into(),
        ..Principal::unknown()
    }
}

/// Facts with a confirmed police agency (org 1, account `police`) and a company with no
/// law-enforcement role (org 2, account `shop`); every other account is unlinked.
pub fn facts() -> Facts {
    let mut f = Facts::default();
    for (id, account, p) in [
        (1, "police", principal("Fictional Police Department", "agency", "confirmed")),
        (2, "shop", principal("Fictional Shop Ltd", "none", "none")),
    ] {
        f.orgs.insert(id, OrgFacts { id, parent: None, principal: p.clone() });
        f.accounts.insert(account.into(), AccountFacts { org: Some(id), principal: p });
    }
    f
}

impl Source for Fake {
    fn stamp(&self) -> Result<String, SourceError> {
        if *self.unreachable.lock().expect("lock") {
            return Err("the store is unreachable".into());
        }
        Ok(self.stamp.lock().expect("lock").clone())
    }

    fn build(&self) -> Result<Built, SourceError> {
        *self.builds.lock().expect("lock") += 1;
        let Some(text) = self.policy.lock().expect("lock").clone() else { return Ok(Built::NoPolicy(facts())) };
        let schema = policy::schema::builtin()?;
        let version = PolicyVersion::parse(&text, "test policy", &schema)?;
        Ok(Built::Decider(Decider::with_services(schema, version, facts(), &["Amazon Rekognition".to_string()])?))
    }

    fn flush(&self, counts: &[GateCount]) -> Result<(), SourceError> {
        if *self.flush_fails.lock().expect("lock") {
            return Err("the store refused the write".into());
        }
        self.flushed.lock().expect("lock").extend_from_slice(counts);
        Ok(())
    }
}

/// A gate over `source` whose background thread never runs during a test (tests call
/// `refresh` themselves), with the settings `tune` changes.
pub fn gate(source: Arc<Fake>, tune: impl FnOnce(&mut GateConfig)) -> Arc<Gate> {
    let mut config =
        GateConfig { refresh: Duration::from_secs(3600), flush: Duration::from_secs(3600), ..GateConfig::default() };
    tune(&mut config);
    let taxonomy = usage::taxonomy::Taxonomy::builtin().expect("the built-in taxonomy");
    Gate::start(source, taxonomy, config)
}

/// A request for `capability` of Rekognition from `account`.
pub fn ask(account: &str, capability: &str) -> gate::ask::Ask {
    gate::ask::Ask {
        account: account.into(),
        capability: Some(capability.into()),
        service: "Amazon Rekognition".into(),
        region_class: String::new(),
        purpose: String::new(),
    }
}

/// The headers of a request, for `recognise`.
pub fn headers(pairs: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
    let mut h: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in pairs {
        h.entry(k.to_ascii_lowercase()).or_default().push(v.to_string());
    }
    h
}

pub const DEFAULT: &str = policy::DEFAULT_POLICY;

/// The default policy plus a rule refusing face detection to police too.
pub fn stricter() -> String {
    format!(
        "{DEFAULT}\n@id(\"no-face-detection-for-police\")\nforbid (principal, action == Candor::Action::\"face_detection_analysis\", resource)\nwhen {{ principal.law_enforcement_role == \"agency\" && principal.role_status == \"confirmed\" }};\n"
    )
}

pub fn capabilities_failing_open(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}
