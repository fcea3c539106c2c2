//! Counting: by day, capability, role class, outcome, version, rule and organisation; nothing
//! else; flushed on shutdown; kept when a flush fails.

use crate::{DEFAULT, Fake, ask, gate};

#[test]
fn decisions_are_counted_by_class_and_outcome_and_written_on_shutdown() {
    let source = Fake::with_policy(DEFAULT);
    let g = gate(source.clone(), |_| {});
    for _ in 0..3 {
        g.decide(&ask("police", "face_identification")).expect("decided");
    }
    g.decide(&ask("police", "face_detection_analysis")).expect("decided");
    for n in 0..5 {
        g.decide(&ask(&format!("customer-{n}"), "face_identification")).expect("decided");
    }
    assert_eq!(g.shutdown().expect("flushed"), 9);
    let rows = source.flushed.lock().expect("lock").clone();
    let sum = |class: &str, outcome: &str| -> u64 {
        rows.iter().filter(|r| r.role_class == class && r.outcome == outcome).map(|r| r.count).sum()
    };
    assert_eq!((sum("agency", "denied"), sum("agency", "allowed"), sum("unknown", "allowed")), (3, 1, 5));
    let denied = rows.iter().find(|r| r.outcome == "denied").expect("a denied row");
    assert_eq!((denied.policy.as_str(), denied.organisation), ("no-face-recognition-for-police", Some(1)));
    // No account id reaches a count.
    for r in &rows {
        for field in [&r.day, &r.capability, &r.role_class, &r.outcome, &r.policy_version, &r.policy] {
            assert!(!field.contains("customer-") && field != "police", "{r:?}");
        }
    }
    assert!(rows.iter().all(|r| r.day.len() == 10));
}

#[test]
fn counts_a_failed_flush_could_not_write_are_written_by_the_next() {
    let source = Fake::with_policy(DEFAULT);
    let g = gate(source.clone(), |_| {});
    g.decide(&ask("police", "face_identification")).expect("decided");
    *source.flush_fails.lock().expect("lock") = true;
    assert!(g.flush().is_err());
    g.decide(&ask("police", "face_identification")).expect("decided");
    *source.flush_fails.lock().expect("lock") = false;
    assert_eq!(g.flush().expect("flushed"), 2);
    let rows = source.flushed.lock().expect("lock").clone();
    assert_eq!(rows.iter().map(|r| r.count).sum::<u64>(), 2);
}
