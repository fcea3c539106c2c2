//! Publishing a period opens each store once: every open migrates and, on PostgreSQL, builds a
//! connection pool, and a period must be published from one read of each store. Its own test
//! binary, because the open counts are process-wide and another test running beside it would
//! add to them.

use app::period::publish_period;

#[test]
fn publishing_a_period_opens_each_store_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // The demo makes its folder itself (it refuses to replace one it did not make).
    let dir = tmp.path().join("demo");
    let demo = app::demo::run(&dir).expect("the demo");
    let request = app::demo::publish_request(&dir, app::demo::SECOND_PERIOD).expect("request");
    let before = ["registry", "usage", "policy"].map(pg::opens::count);
    let published = publish_period(&request).expect("publish");
    let after = ["registry", "usage", "policy"].map(pg::opens::count);
    let opened: Vec<u64> = after.iter().zip(before).map(|(a, b)| a - b).collect();
    assert_eq!(opened, [1, 1, 1], "opens of the registry, usage and policy stores in one publish");
    // Nothing changed since the demo published the period: nothing is appended.
    assert!(published.outcome.appended.is_empty(), "{:?}", published.outcome.appended);
    drop(demo);
}
