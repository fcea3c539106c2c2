//! Each fault the monitor checks for, as a table: shown, it alerts; while it stands, it does
//! not alert again; once a poll finds it gone, the same fault coming back alerts again (issue
//! 26, finding 8: the second time went unsaid, and sizes near 2^64 went unsaid at all). The
//! monitor has verified the honest log at size 3; faults in what the log adds are found, a
//! change to what it verified before is not reread (its guarantee is consistency).

use crate::Fixture;

/// A fault: its name, the alert kind it raises, and how to show it (the fixture shows the
/// honest state again afterwards).
type Row = (&'static str, &'static str, fn(&Fixture));

/// Flips a bit of the byte `at(length)` of the mirror's `path`.
fn flip(f: &Fixture, path: &str, at: fn(usize) -> usize) {
    let path = f.mirror.join(path);
    let mut bytes = std::fs::read(&path).expect("read");
    let i = at(bytes.len());
    bytes[i] ^= 1;
    std::fs::write(path, bytes).expect("write");
}

fn tampered_new_entry(f: &Fixture) {
    f.show(&f.grown);
    flip(f, "tile/entries/000.p/5", |len| len - 3);
}

fn tampered_new_tile(f: &Fixture) {
    f.show(&f.grown);
    flip(f, "tile/0/000.p/5", |len| len - 1);
}

fn tampered_old_part_of_a_grown_tile(f: &Fixture) {
    f.show(&f.grown);
    flip(f, "tile/0/000.p/5", |_| 32);
}

fn impostor_view(f: &Fixture) {
    let impostor = tlog::Signer::generate(crate::ORIGIN).expect("key");
    let honest = f.honest_checkpoint();
    let text = tlog::note::parse(&honest).expect("note").0.to_string();
    f.witness_serves(Some(impostor.sign(&text).expect("sign").into_bytes()));
}

fn split_view(f: &Fixture) {
    f.witness_serves(Some(std::fs::read(f.fork.join("checkpoint")).expect("fork")));
}

fn rewritten_history(f: &Fixture) {
    f.show(&f.fork);
}

fn rewritten_and_grown_history(f: &Fixture) {
    f.show(&f.fork_grown);
}

fn near_2_64(f: &Fixture) {
    std::fs::write(f.mirror.join("checkpoint"), f.claiming(u64::MAX)).expect("write");
}

fn just_over_2_63(f: &Fixture) {
    std::fs::write(f.mirror.join("checkpoint"), f.claiming(1 << 63)).expect("write");
}

fn view_near_2_64(f: &Fixture) {
    f.witness_serves(Some(f.claiming(u64::MAX - 1)));
}

const FAULTS: [Row; 10] = [
    ("a new entry that does not hash to its tile", "verification", tampered_new_entry),
    ("a new tile that does not hold the log's entries", "verification", tampered_new_tile),
    ("a grown tile whose old part changed", "verification", tampered_old_part_of_a_grown_tile),
    ("a witness's view the log's key did not sign", "verification", impostor_view),
    ("a witness's view of another history", "split_view", split_view),
    ("a history that does not extend the one verified", "consistency", rewritten_history),
    ("a longer history that does not extend the one verified", "consistency", rewritten_and_grown_history),
    ("the log's checkpoint claiming 2^64 - 1 entries", "verification", near_2_64),
    ("the log's checkpoint claiming 2^63 entries", "verification", just_over_2_63),
    ("a witness's view claiming 2^64 - 2 entries", "verification", view_near_2_64),
];

#[test]
fn regression_a_fault_that_comes_back_after_a_recovery_alerts_again() {
    let f = Fixture::new();
    assert_eq!(f.poll(), Vec::<&str>::new(), "an honest log raises nothing");
    let healthy = |f: &Fixture| {
        f.show(&f.honest);
        f.witness_serves(Some(f.honest_checkpoint()));
    };
    for (what, kind, show) in FAULTS {
        show(&f);
        assert_eq!(f.poll(), [kind], "{what}: alerts when it appears");
        assert_eq!(f.poll(), Vec::<&str>::new(), "{what}: a standing fault alerts once");
        healthy(&f);
        assert_eq!(f.poll(), Vec::<&str>::new(), "{what}: recovered");
        show(&f);
        assert_eq!(f.poll(), [kind], "{what}: alerts again when it comes back");
        healthy(&f);
        assert_eq!(f.poll(), Vec::<&str>::new(), "{what}: recovered again");
    }
}

/// What the monitor verified is not read again: an old entry changed in place goes unseen,
/// and the log it shows still extends the base (the monitor's guarantee is that consistency).
#[test]
fn a_changed_old_entry_is_not_reread() {
    let f = Fixture::new();
    assert_eq!(f.poll(), Vec::<&str>::new(), "an honest log raises nothing");
    // Byte 10 is in entry 0, verified at the first poll.
    flip(&f, "tile/entries/000.p/3", |_| 10);
    assert_eq!(f.poll(), Vec::<&str>::new(), "not reread, so not seen");
    // Once the log grows into that bundle, it is read again with the new entries, and seen.
    f.show(&f.grown);
    flip(&f, "tile/entries/000.p/5", |_| 10);
    assert_eq!(f.poll(), ["verification"]);
}
