//! The HTTP API as schemathesis (PyPI) reads its OpenAPI document: every operation of
//! `candor serve` on the demo, called with an admin token, with every check schemathesis has
//! (server errors, status codes and headers the document does not list, responses that break
//! their schema, schema-valid requests refused, schema-invalid ones accepted, methods not
//! allowed). A bounded budget and a fixed seed, so a failure reproduces; zero failures
//! required. Skips, saying why, where schemathesis is absent.

use std::process::Command;

use crate::common::{Server, demo_copy, token};

#[test]
fn schemathesis_finds_no_failure_in_the_api() {
    let installed = Command::new("schemathesis").arg("--version").output().is_ok_and(|o| o.status.success());
    if !installed {
        return crate::skip("schemathesis is not installed (python3 -m pip install schemathesis)");
    }
    let _alone = crate::common::machine_to_myself();
    let demo = demo_copy();
    let admin = token(demo.path(), "admin", "schemathesis");
    let server = Server::start(demo.path(), "127.0.0.1:0");
    let out = Command::new("schemathesis")
        .args(["run", &format!("http://{}/openapi.json", server.addr), "--checks", "all"])
        .args(["--header", &format!("Authorization: Bearer {admin}")])
        .args(["--max-examples", "40", "--seed", "20261130", "--workers", "2", "--no-color"])
        .output()
        .expect("schemathesis");
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "schemathesis found failures:\n{report}");
    assert!(report.contains(" passed") && !report.contains("Tested: 0"), "{report}");
}
