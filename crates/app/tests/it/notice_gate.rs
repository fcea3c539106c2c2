//! A version proposed with notice cannot be activated before its effective day, except as a
//! recorded emergency, which the log's record then says.

use records::Body;

#[test]
fn a_proposed_version_waits_for_its_notice_unless_an_emergency_is_recorded() {
    let demo = crate::demo();
    let stores = demo.stores();
    let log_dir = demo.dir.join("log");
    let file = demo.dir.join("proposed-policy.cedar");
    let today = app::notice::log::today();
    let effective =
        publish::notices::day_number(&today).map(|d| publish::notices::day_text(d + 45)).expect("today's date");
    let request = app::notice::Propose {
        file: file.clone(),
        effective: effective.clone(),
        reason: "a test of the notice gate (demonstration data)".into(),
        by: "operator-test".into(),
    };
    let proposed = app::notice::propose(&stores, &log_dir, &request).expect("proposed");
    let normal = app::policy::Activate { emergency: None };
    let refused = app::policy::activate_file(&stores, &log_dir, &file, "operator-test", &normal)
        .expect_err("activating before the effective day is refused");
    assert!(format!("{refused:#}").contains(&effective), "{refused:#}");

    let urgent = app::policy::Activate { emergency: Some("a test emergency (demonstration data)".into()) };
    let activated = app::policy::activate_file(&stores, &log_dir, &file, "operator-test", &urgent).expect("activated");
    let app::policy::Activation::Activated { activated, .. } = activated else {
        panic!("not activated: {activated:?}")
    };
    let records = records::parse_all(&demo.entries());
    let version = records.iter().find(|(i, _)| *i == activated.log_index).and_then(|(_, r)| match r.body() {
        Some(Body::PolicyVersion(v)) => Some(v.clone()),
        _ => None,
    });
    let version = version.expect("the activation is a policy version record");
    assert_eq!(version.proposal.as_ref().map(|p| p.index), Some(proposed.index));
    assert!(version.emergency.is_some(), "the record says it was an emergency");
}
