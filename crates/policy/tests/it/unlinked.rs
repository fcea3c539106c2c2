//! Accounts linked to no organisation: the facts do not hold them (a large provider has
//! millions), and the decider decides them as one stand-in account in its prepared store —
//! with the very answers it gives when it builds each one's entity per request, and not at all
//! when a policy names an account, which must still decide that account alone.

use policy::engine::{Decider, Decision, PolicyVersion, Request};
use policy::facts::{AccountFacts, Facts, Principal};
use registry::Store;

use crate::policies::{DEFAULT, account, fictional, schema};

const SERVICES: [&str; 2] = ["Amazon Rekognition", "Amazon EC2"];

/// A decider told about [`SERVICES`], so requests naming them take its prepared paths.
fn prepared(text: &str, facts: Facts) -> Decider {
    let version = PolicyVersion::parse(text, "test.cedar", &schema()).expect("valid policy");
    let services: Vec<String> = SERVICES.iter().map(|s| s.to_string()).collect();
    Decider::with_services(schema(), version, facts, &services).expect("decider")
}

/// A decider told about no service: every request gets its entities built for it.
fn per_request(text: &str, facts: Facts) -> Decider {
    let version = PolicyVersion::parse(text, "test.cedar", &schema()).expect("valid policy");
    Decider::new(schema(), version, facts).expect("decider")
}

fn request(account: &str, capability: &str, service: &str, region_class: &str, purpose: &str) -> Request {
    Request {
        account: account.into(),
        capability: capability.into(),
        service: service.into(),
        region_class: region_class.into(),
        purpose: purpose.into(),
    }
}

/// Every request of the product of these lists, for every capability of `d`.
fn requests(d: &Decider, accounts: &[&str], purposes: &[&str]) -> Vec<Request> {
    let mut out = Vec::new();
    for a in accounts {
        for c in d.action_ids() {
            for s in SERVICES.iter().chain(&["Some Other Service", ""]) {
                for class in ["commercial", "government", "secret", ""] {
                    for p in purposes {
                        out.push(request(a, &c, s, class, p));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn the_facts_hold_no_unlinked_account_and_their_decisions_are_unchanged() {
    let mut store = fictional();
    let mut tx = store.begin().expect("tx");
    for i in 0..2_000 {
        tx.upsert_account(&account(&format!("acct-free-{i:04}"), "Example Customer (fictional)")).expect("account");
    }
    tx.upsert_account(&account("acct-free-registered", "Example Charity (fictional)")).expect("account");
    tx.commit().expect("commit");
    assert!(store.accounts().expect("accounts").len() > 2_000);
    let uses = [("acct-free-registered".to_string(), "anti_trafficking".to_string())];
    let facts = Facts::from_registry(&store, &uses).expect("facts");
    let mut held: Vec<&str> = facts.accounts.keys().map(String::as_str).collect();
    held.sort_unstable();
    assert_eq!(held, ["acct-edl", "acct-free-registered", "acct-parent", "acct-retail", "acct-sheriff"]);
    assert_eq!(facts.accounts["acct-free-registered"].org, None);
    // Before, the facts held each of them as unknown and unlinked: decided the same.
    let mut before = facts.clone();
    for i in (0..2_000).step_by(97) {
        before
            .accounts
            .insert(format!("acct-free-{i:04}"), AccountFacts { org: None, principal: Principal::unknown() });
    }
    for text in [DEFAULT, OVERFLOWING] {
        let (now, then) = (prepared(text, facts.clone()), prepared(text, before.clone()));
        for r in requests(&now, &["acct-free-0000", "acct-free-0097", "acct-free-1940"], &["", "missing_persons"]) {
            assert_eq!(now.decide(&r).expect("now"), then.decide(&r).expect("before"), "{r:?}");
        }
    }
}

/// A rule whose evaluation errs (integer overflow) for unlinked accounts only: an error's
/// message must not differ between the paths.
const OVERFLOWING: &str = "@id(\"allow\")\npermit (principal, action, resource);\n\
    @id(\"overflows-for-the-unlinked\")\nforbid (principal is Candor::Account, action, resource) when { !principal.linked && 9223372036854775807 + 1 > 0 };\n";

/// The default policy with rules on everything an unlinked account and a resource carry.
fn rich() -> String {
    format!(
        "{DEFAULT}\n{}",
        r#"@id("no-face-for-the-unknown-in-government-regions")
forbid (principal is Candor::Account, action in Candor::Action::"face_recognition", resource in Candor::RegionClass::"government")
when { !principal.linked && principal.kind == "unknown" && principal.law_enforcement_role == "unknown" };
@id("no-rekognition-without-a-purpose")
forbid (principal is Candor::Account, action, resource)
when { resource.name == "Amazon Rekognition" && context.purpose == "" && principal.registered_uses.isEmpty() };
@id("no-storage-for-the-nameless-in-secret-regions")
forbid (principal, action == Candor::Action::"storage", resource)
when { principal.name == "" && principal.country == "" && resource.region_class == "secret" && principal.enables.isEmpty() };
@id("the-charity-may-use-rekognition")
permit (principal, action, resource) when { principal.registered_uses.contains("anti_trafficking") };
"#
    )
}

#[test]
fn the_stand_in_and_per_request_entities_decide_unlinked_accounts_alike() {
    let store = fictional();
    let uses = [("acct-registered".to_string(), "anti_trafficking".to_string())];
    let facts = Facts::from_registry(&store, &uses).expect("facts");
    let sheriff = facts.orgs.values().find(|o| o.principal.name.starts_with("Lakemoor")).expect("sheriff").id;
    let in_org = format!(
        "@id(\"no-compute-under-the-sheriff\")\nforbid (principal in Candor::Organisation::\"org:{sheriff}\", action == Candor::Action::\"compute\", resource);\n"
    );
    // The stand-in's own id, asked for, is one more unlinked account.
    let accounts = ["acct-nobody-knows", "", "\u{0}unlinked account", "acct-registered", "acct-sheriff", "acct-edl"];
    let purposes = ["", "missing_persons", "anti_trafficking"];
    let mut compared = 0;
    for text in [DEFAULT.to_string(), rich(), format!("{DEFAULT}\n{in_org}"), OVERFLOWING.to_string()] {
        let (fast, slow) = (prepared(&text, facts.clone()), per_request(&text, facts.clone()));
        assert!(!fast.version().names_accounts());
        let mut erred = false;
        for r in requests(&fast, &accounts, &purposes) {
            let (a, b): (Decision, Decision) = (fast.decide(&r).expect("fast"), slow.decide(&r).expect("slow"));
            assert_eq!(a, b, "{r:?}");
            erred |= !a.errors.is_empty();
            compared += 1;
        }
        assert_eq!(erred, text == OVERFLOWING, "only the overflowing policy errs");
    }
    assert!(compared > 10_000, "{compared}");
    let d = prepared(&rich(), facts.clone());
    let r = d.decide(&request("acct-nobody-knows", "face_identification", "Amazon EC2", "government", "")).expect("d");
    assert_eq!(
        (r.allow, r.policies.as_slice()),
        (false, &["no-face-for-the-unknown-in-government-regions".to_string()][..])
    );
    assert_eq!(r.attributes["principal.linked"], false);
}

#[test]
fn a_policy_naming_an_account_decides_that_account_alone() {
    let store = fictional();
    let facts = Facts::from_registry(&store, &[]).expect("facts");
    let x = "Candor::Account::\"acct-x\"";
    for rule in [
        format!("forbid (principal == {x}, action, resource);"),
        format!("forbid (principal in {x}, action, resource);"),
        format!("forbid (principal is Candor::Account in {x}, action, resource);"),
        format!("forbid (principal, action, resource) when {{ principal == {x} }};"),
        format!("forbid (principal, action, resource) when {{ principal in [Candor::Account::\"acct-z\", {x}] }};"),
        format!("forbid (principal is Candor::Account, action, resource) when {{ [{x}].contains(principal) }};"),
        format!("forbid (principal, action, resource) unless {{ principal != {x} }};"),
    ] {
        let text = format!("{DEFAULT}\n@id(\"not-acct-x\")\n{rule}\n");
        let d = prepared(&text, facts.clone());
        assert!(d.version().names_accounts(), "{rule}");
        for class in ["commercial", "government"] {
            let ask = |a: &str| d.decide(&request(a, "compute", SERVICES[0], class, "")).expect("decision");
            let (denied, allowed) = (ask("acct-x"), ask("acct-y"));
            assert!(!denied.allow && denied.policies == ["not-acct-x"], "{rule}: {denied:?}");
            assert!(allowed.allow && allowed.policies == ["allow-by-default"], "{rule}: {allowed:?}");
            assert!(ask("acct-retail").allow, "{rule}");
        }
    }
    // An organisation named is no account named.
    let text =
        format!("{DEFAULT}\n@id(\"o\")\nforbid (principal in Candor::Organisation::\"org:1\", action, resource);\n");
    assert!(!prepared(&text, facts).version().names_accounts());
}
