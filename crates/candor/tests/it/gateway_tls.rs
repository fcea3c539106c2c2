//! `candor gate` over mutual TLS: a gateway with a client certificate the configured authority
//! signed is answered without a token; one without a certificate never gets an answer; a key
//! readable by others is refused before the gate starts. Certificates are made with the
//! `openssl` command and requests sent with `curl` (both Debian packages CI installs).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::common::{candor, demo_copy, text};

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
        || Command::new(tool).arg("version").output().is_ok_and(|o| o.status.success())
}

fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl").current_dir(dir).args(args).output().expect("run openssl");
    assert!(o.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// A certificate authority, a server certificate for 127.0.0.1 and a client certificate.
fn certificates(dir: &Path) {
    let req = |key: &str, out: &str, subject: &str| -> Vec<String> {
        [
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            key,
            "-out",
            out,
            "-subj",
            subject,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |args: Vec<String>| openssl(dir, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let mut ca = req("ca.key", "ca.pem", "/CN=test gateway CA");
    ca.extend(["-x509", "-days", "2"].map(String::from));
    run(ca);
    for (name, usage, subject) in [("server", "serverAuth", "/CN=127.0.0.1"), ("client", "clientAuth", "/CN=gateway")] {
        let (key, csr, pem, ext) =
            (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"), format!("{name}.ext"));
        run(req(&key, &csr, subject));
        let san = if name == "server" { "subjectAltName=IP:127.0.0.1\n" } else { "" };
        std::fs::write(dir.join(&ext), format!("{san}basicConstraints=CA:FALSE\nextendedKeyUsage={usage}\n"))
            .expect("write ext");
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &pem,
                "-days",
                "2",
                "-extfile",
                &ext,
            ],
        );
    }
    set_mode(&dir.join("server.key"), 0o600);
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

struct Gate(Child);

impl Drop for Gate {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn gate_args(demo: &Path, certs: &Path) -> Vec<String> {
    let d = |f: &str| demo.join(f).display().to_string();
    let c = |f: &str| certs.join(f).display().to_string();
    vec![
        "gate".into(),
        "--db".into(),
        d("registry.db"),
        "--policy-db".into(),
        d("policy.db"),
        "--tokens".into(),
        d("no-tokens"),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--tls-cert".into(),
        c("server.pem"),
        "--tls-key".into(),
        c("server.key"),
        "--client-ca".into(),
        c("ca.pem"),
    ]
}

/// `curl` at the gate's `/nginx` asking for `target` for `account`: the status, or `None` when
/// no HTTP answer came.
fn ask(addr: &str, certs: &Path, with_certificate: bool, account: &str, target: &str) -> Option<u16> {
    let c = |f: &str| certs.join(f).display().to_string();
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--cacert", &c("ca.pem")]);
    if with_certificate {
        cmd.args(["--cert", &c("client.pem"), "--key", &c("client.key")]);
    }
    cmd.args(["-H", "X-Original-Method: POST", "-H", "X-Original-URI: /"]);
    cmd.args(["-H", &format!("X-Amz-Target: RekognitionService.{target}")]);
    cmd.args(["-H", &format!("X-Candor-Account: {account}")]);
    let o = cmd.arg(format!("https://{addr}/nginx")).output().expect("run curl");
    String::from_utf8_lossy(&o.stdout).trim().parse().ok().filter(|s| *s != 0)
}

#[test]
fn only_a_gateway_with_a_trusted_client_certificate_is_answered() {
    if !have("openssl") || !have("curl") {
        return crate::skip("openssl and curl are needed (apt install openssl curl)");
    }
    let demo = demo_copy();
    let certs = tempfile::tempdir().expect("tmp");
    certificates(certs.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_candor"))
        .args(gate_args(demo.path(), certs.path()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the gate");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout")).read_line(&mut line).expect("banner");
    let gate = Gate(child);
    let addr = line.split("https://").nth(1).and_then(|r| r.split('/').next()).expect("an https address").to_string();
    // The demo's Lakemoor County Sheriff's Office (fictional) is a confirmed police agency.
    assert_eq!(ask(&addr, certs.path(), true, "demo-acct-00001", "SearchFacesByImage"), Some(403));
    assert_eq!(ask(&addr, certs.path(), true, "demo-acct-00001", "DetectFaces"), Some(204));
    // No token was given: the certificate is the credential. Without one, no answer at all.
    assert_eq!(ask(&addr, certs.path(), false, "demo-acct-00001", "DetectFaces"), None);
    drop(gate);

    // A key others may read is refused, naming the file, before anything listens.
    set_mode(&certs.path().join("server.key"), 0o644);
    let args = gate_args(demo.path(), certs.path());
    let o = candor(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!o.status.success());
    assert!(text(&o).contains("server.key") && text(&o).contains("chmod 600"), "{}", text(&o));
}
