//! What the gate answers, and when its fail modes answer instead.

use std::time::Duration;

use gate::{Outcome, RoleClass};

use crate::{DEFAULT, Fake, ask, capabilities_failing_open, gate, stricter};

#[test]
fn police_face_identification_is_refused_under_the_active_version_and_the_rest_allowed() {
    let g = gate(Fake::with_policy(DEFAULT), |_| {});
    let refused = g.decide(&ask("police", "face_identification")).expect("decided");
    assert!(!refused.allow);
    assert_eq!(refused.outcome, Outcome::Denied);
    assert_eq!(refused.role_class, RoleClass::Agency);
    assert_eq!(refused.policies, vec!["no-face-recognition-for-police".to_string()]);
    let version = refused.policy_version.clone().expect("a version");
    assert_eq!(version.len(), 64);
    for (account, capability, class) in [
        ("police", "face_detection_analysis", RoleClass::Agency),
        ("shop", "face_identification", RoleClass::None),
        ("somebody-unlinked", "face_identification", RoleClass::Unknown),
    ] {
        let v = g.decide(&ask(account, capability)).expect("decided");
        assert!(v.allow, "{account} {capability}: {v:?}");
        assert_eq!((v.outcome, v.role_class), (Outcome::Allowed, class));
        assert_eq!(v.policy_version.as_deref(), Some(version.as_str()));
    }
}

#[test]
fn without_an_active_policy_every_capability_fails_closed_unless_configured_open() {
    let source = Fake::with_policy(DEFAULT);
    source.set("none", None);
    let g = gate(source, |c| c.fail_open = capabilities_failing_open(&["face_detection_analysis"]));
    let closed = g.decide(&ask("police", "face_identification")).expect("decided");
    assert_eq!((closed.allow, closed.outcome), (false, Outcome::FailedClosed));
    assert!(closed.reason.is_some());
    let open = g.decide(&ask("police", "face_detection_analysis")).expect("decided");
    assert_eq!((open.allow, open.outcome), (true, Outcome::FailedOpen));
    // Counted by the caller's class even with no policy: a police account failing open shows.
    assert_eq!((closed.role_class, open.role_class), (RoleClass::Agency, RoleClass::Agency));
    assert_eq!(open.policy_version, None);
    assert!(g.status().failing);
    // Even when a fail mode decides, a capability the taxonomy does not know is refused before
    // it is counted: no caller's text reaches the counts.
    for junk in ["face_identification\u{7}", "<script>", "no_such_capability"] {
        assert!(g.decide(&ask("police", junk)).is_err(), "{junk}");
    }
    assert_eq!(g.shutdown().expect("flushed"), 2, "only the two decided requests are counted");
}

#[test]
fn an_unreachable_store_is_trusted_for_the_outage_ttl_then_the_fail_modes_decide() {
    let source = Fake::with_policy(DEFAULT);
    let g = gate(source.clone(), |c| c.outage_ttl = Duration::from_millis(300));
    *source.unreachable.lock().expect("lock") = true;
    g.refresh();
    // Within the outage TTL: the last snapshot still decides.
    let early = g.decide(&ask("shop", "face_identification")).expect("decided");
    assert_eq!(early.outcome, Outcome::Allowed);
    std::thread::sleep(Duration::from_millis(400));
    g.refresh();
    let late = g.decide(&ask("shop", "face_identification")).expect("decided");
    assert_eq!((late.allow, late.outcome), (false, Outcome::FailedClosed), "{late:?}");
    assert!(g.status().last_error.is_some_and(|e| e.contains("unreachable")));
    // The store answers again: decisions again.
    *source.unreachable.lock().expect("lock") = false;
    g.refresh();
    assert_eq!(g.decide(&ask("shop", "face_identification")).expect("decided").outcome, Outcome::Allowed);
}

#[test]
fn a_new_version_ends_cached_decisions_at_once() {
    let source = Fake::with_policy(DEFAULT);
    let g = gate(source.clone(), |c| c.cache_ttl = Duration::from_secs(3600));
    let before = g.decide(&ask("police", "face_detection_analysis")).expect("decided");
    assert!(before.allow);
    // Cached: the same answer again, however long the TTL.
    assert_eq!(g.decide(&ask("police", "face_detection_analysis")).expect("decided"), before);
    source.set("2", Some(&stricter()));
    g.refresh();
    let after = g.decide(&ask("police", "face_detection_analysis")).expect("decided");
    assert!(!after.allow, "{after:?}");
    assert_eq!(after.policies, vec!["no-face-detection-for-police".to_string()]);
    assert_ne!(after.policy_version, before.policy_version);
    // An unchanged stamp builds nothing.
    let builds = *source.builds.lock().expect("lock");
    g.refresh();
    assert_eq!(*source.builds.lock().expect("lock"), builds);
}

#[test]
fn a_failed_build_keeps_the_last_good_snapshot() {
    let source = Fake::with_policy(DEFAULT);
    let g = gate(source.clone(), |_| {});
    source.set("2", Some("this is not Cedar"));
    g.refresh();
    let v = g.decide(&ask("police", "face_identification")).expect("decided");
    assert_eq!(v.outcome, Outcome::Denied, "the last good version still decides");
    assert!(g.status().last_error.is_some());
}

#[test]
fn unrecognised_operations_get_the_configured_answer_and_malformed_asks_are_refused() {
    let g = gate(Fake::with_policy(DEFAULT), |c| c.unrecognised = gate::Unrecognised::Deny);
    let mut unknown = ask("shop", "x");
    unknown.capability = None;
    let v = g.decide(&unknown).expect("decided");
    assert_eq!((v.allow, v.capability.as_str()), (false, "unrecognised"));
    for bad in [
        ask("", "face_identification"),
        ask(&"a".repeat(300), "face_identification"),
        ask("a\nb", "face_identification"),
    ] {
        assert!(g.decide(&bad).is_err(), "{bad:?}");
    }
    let mut region = ask("shop", "face_identification");
    region.region_class = "moon".into();
    assert!(g.decide(&region).is_err());
    assert!(g.decide(&ask("shop", "no_such_capability")).is_err());
}
