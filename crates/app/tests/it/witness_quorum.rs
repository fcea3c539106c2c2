//! A witnessed log serves a new checkpoint only once its quorum cosigned it: with the demo's
//! witnesses stopped, a notice step's record is in the log but the served checkpoint does not
//! move, and the step says so.

#[test]
fn without_the_witnesses_a_record_is_logged_but_not_served() {
    let demo = crate::demo();
    let served_before = std::fs::read(demo.dir.join("log/public/checkpoint")).expect("checkpoint");
    let crate::Demo { run, dir, _tmp } = demo;
    drop(run); // stops the witnesses
    let err = app::notice::set_notice_days(&dir.join("log"), 45, "longer notice (demonstration data)", "operator-test")
        .expect_err("no quorum, nothing served");
    assert!(format!("{err:#}").contains("not yet served"), "{err:#}");
    let served_after = std::fs::read(dir.join("log/public/checkpoint")).expect("checkpoint");
    assert_eq!(served_before, served_after, "the served checkpoint stays where the witnesses left it");
}
