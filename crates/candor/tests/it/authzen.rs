//! `candor gate`'s AuthZEN 1.0 API: its discovery document names the URL the gate is reached
//! at (the address bound, its port resolved, unless `--base-url` says otherwise).

use crate::common::{Server, demo_copy, http};

#[test]
fn the_discovery_document_names_the_address_the_gate_listens_on() {
    let demo = demo_copy();
    let dir = demo.path();
    // Port 0: the listen address is no URL; the bound one is.
    let gate = Server::gate(dir, &dir.join("policy.db"), &[]);
    let meta = http(&gate.addr, "GET", "/.well-known/authzen-configuration", None, b"").json();
    let base = format!("http://{}", gate.addr);
    assert_eq!(meta["policy_decision_point"], base.as_str(), "{meta}");
    assert_eq!(meta["access_evaluation_endpoint"], format!("{base}/access/v1/evaluation"), "{meta}");
    assert_eq!(meta["access_evaluations_endpoint"], format!("{base}/access/v1/evaluations"), "{meta}");
    // A configured URL (TLS in front, say) wins.
    let gate = Server::gate(dir, &dir.join("policy.db"), &["--base-url", "https://gate.example/pdp"]);
    let meta = http(&gate.addr, "GET", "/.well-known/authzen-configuration", None, b"").json();
    assert_eq!(meta["policy_decision_point"], "https://gate.example/pdp", "{meta}");
    assert_eq!(meta["access_evaluation_endpoint"], "https://gate.example/pdp/access/v1/evaluation", "{meta}");
}
