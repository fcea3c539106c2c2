//! An enforcement action recorded after a period is published is disclosed when the period is
//! published again: the record
//! names the action and the rule, the reviewer only as a pseudonym, and the summary counts it.

use records::Body;

#[test]
fn an_action_recorded_is_disclosed_with_the_reviewer_as_a_pseudonym() {
    let demo = crate::demo();
    let suspended = &demo.run.suspended;
    assert_eq!(suspended.action, "suspended");
    let listed = app::enforcement::list(&demo.stores()).expect("actions");
    assert!(listed.iter().any(|a| a.id == suspended.id), "the action is stored");
    let records = records::parse_all(&demo.entries());
    let disclosed: Vec<&records::Enforcement> = records
        .iter()
        .filter_map(|(_, r)| match r.body() {
            Some(Body::Enforcement(e)) => Some(e),
            _ => None,
        })
        .collect();
    // The period's first record shows the findings open; the one published after the action
    // (which corrects it) shows the suspension.
    let e = disclosed
        .iter()
        .find(|e| e.organisation == suspended.organisation && e.actions.iter().any(|a| a.action == "suspended"))
        .unwrap_or_else(|| panic!("no record discloses the suspension of {}: {disclosed:?}", suspended.organisation));
    let action = e.actions.iter().find(|a| a.action == "suspended").expect("the suspension");
    assert!(e.findings.iter().any(|f| f.status == "suspended"), "the finding shows the action: {:?}", e.findings);
    assert_eq!(action.policy, suspended.policy);
    assert!(action.decided_by.starts_with("reviewer-"), "{}", action.decided_by);
    assert!(!action.decided_by.contains(&suspended.reviewer), "the reviewer's id is never published");
    let counted = records.iter().any(|(_, r)| {
        matches!(r.body(), Some(Body::PeriodSummary(s)) if s.period == e.period
            && s.enforcement.as_ref().is_some_and(|c| c.actions.iter().any(|a| a.action == "suspended" && a.count >= 1)))
    });
    assert!(counted, "the period summary counts the action");
}
