//! A process opens each store once: every open migrates and, on PostgreSQL, would build a
//! connection pool, and a period must be published from one read of each store. The command
//! line and the server make one `Stores` and pass it to every use case. Its own test binary,
//! because the open counts are process-wide and another test running beside it would add to
//! them; the tests here take one lock so they do not count each other's opens.

use std::sync::{Arc, Mutex};

use app::period::publish_period;
use app::stores::Stores;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn opens() -> [u64; 3] {
    ["registry", "usage", "policy"].map(pg::opens::count)
}

fn since(before: [u64; 3]) -> Vec<u64> {
    opens().iter().zip(before).map(|(a, b)| a - b).collect()
}

/// A demo in a new folder; the folder lives as long as the returned guard.
fn demo() -> (tempfile::TempDir, std::path::PathBuf, app::demo::DemoRun) {
    let tmp = tempfile::tempdir().expect("tempdir");
    // The demo makes its folder itself (it refuses to replace one it did not make).
    let dir = tmp.path().join("demo");
    let run = app::demo::run(&dir).expect("the demo");
    (tmp, dir, run)
}

/// Publishing, serving, deciding and listing the review queue over one `Stores`.
fn every_use_case(stores: Arc<Stores>, dir: &std::path::Path) {
    let request = app::demo::publish_request(dir, app::demo::SECOND_PERIOD).expect("request");
    let published = publish_period(&stores, &request).expect("publish");
    // Nothing changed since the demo published the period: nothing is appended.
    assert!(published.outcome.appended.is_empty(), "{:?}", published.outcome.appended);
    let tokens = dir.join("tokens");
    let places =
        app::serving::ServePlaces { log_dir: dir.join("log"), tokens: tokens.clone(), record: true, four_eyes: true };
    let state = app::serving::state(stores.clone(), &places).expect("the server's state");
    assert!(state.registry.is_some() && state.decider.is_some() && state.store.is_some());
    let ask = policy::engine::Request {
        account: "acct-none".into(),
        capability: "face_identification".into(),
        service: String::new(),
        region_class: "commercial".into(),
        purpose: String::new(),
    };
    let ask = app::policy::Authorize { request: ask, policy_file: None, record: false };
    app::policy::authorize(&stores, ask).expect("a decision");
    app::review::QueueIndex::build(&stores, &app::notice::log::today()).expect("the review queue");
    app::enforcement::list(&stores).expect("the enforcement actions");
}

#[test]
fn a_process_opens_each_store_once() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (_tmp, dir, demo) = demo();
    let before = opens();
    every_use_case(Arc::new(Stores::in_folder(&dir)), &dir);
    assert_eq!(since(before), [1, 1, 1], "opens of the registry, usage and policy stores");
    drop(demo);
}

#[test]
fn on_postgresql_a_process_has_one_pool() {
    let Some(admin) = std::env::var("CANDOR_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "nothing may be skipped under CI=true: CANDOR_TEST_POSTGRES is not set"
        );
        eprintln!("skipped: CANDOR_TEST_POSTGRES is not set (run the tests under .ci/with-postgres)");
        return;
    };
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (_tmp, dir, demo) = demo();
    let url = pg::scratch::create(&admin).expect("a scratch database");
    registry::moving::to_postgres(&dir.join("registry.db"), &url, &mut |_, _| {}).expect("registry moved");
    usage::store::UsageStore::move_to_postgres(&dir.join("usage.db"), &url, &mut |_, _| {}).expect("usage moved");
    policy::store::PolicyStore::move_to_postgres(&dir.join("policy.db"), &url, &mut |_, _| {}).expect("policy moved");
    let (before, pools) = (opens(), pg::pools_built());
    every_use_case(Arc::new(Stores::at(&url, &url, &url)), &dir);
    assert_eq!(since(before), [1, 1, 1], "opens of the registry, usage and policy stores");
    assert_eq!(pg::pools_built() - pools, 1, "the three stores in one database share one pool");
    drop(demo);
}
