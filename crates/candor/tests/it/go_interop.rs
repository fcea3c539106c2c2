//! Interop with an independent implementation: a Go program built against Debian's
//! golang.org/x/mod 0.7.0 opens candor's checkpoints with sumdb/note, checks candor's tiles,
//! record and tree proofs with sumdb/tlog, and checks candor's tlog-proof files; keys and
//! signatures cross between the two in both directions. Skips, saying why, without Go.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const GOPATH: &str = "/usr/share/gocode";

fn candor(args: &[&str], home: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_candor")).args(args).arg("--dir").arg(home).output().expect("candor");
    assert!(out.status.success(), "candor {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds the Go checker, or explains why it cannot be built here.
fn build_checker() -> Option<PathBuf> {
    build_go("interop", "tests/go/interop.go")
}

/// Builds one Go program of `tests/go`, or explains why it cannot be built here.
fn build_go(name: &str, source: &str) -> Option<PathBuf> {
    if Command::new("go").arg("version").output().is_err() {
        crate::skip("no Go toolchain (apt-get install golang-go golang-golang-x-mod-dev)");
        return None;
    }
    if !Path::new(GOPATH).join("src/golang.org/x/mod/sumdb/tlog").exists() {
        crate::skip(&format!("{GOPATH} has no golang.org/x/mod (apt-get install golang-golang-x-mod-dev)"));
        return None;
    }
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("go-interop");
    std::fs::create_dir_all(&work).expect("mkdir");
    let bin = work.join(name);
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(source);
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(&src)
        .env("GOPATH", GOPATH)
        .env("GO111MODULE", "off")
        .env("GOCACHE", work.join("cache"))
        .env("GOFLAGS", "")
        .output()
        .expect("go build");
    assert!(out.status.success(), "go build failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(bin)
}

fn run_checker(bin: &Path, args: &[&str]) -> String {
    let out = Command::new(bin).args(args).output().expect("run checker");
    assert!(
        out.status.success(),
        "Go checker {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn go_sumdb_accepts_candor_checkpoints_tiles_and_proofs() {
    let Some(bin) = build_checker() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("log");
    candor(&["log", "init", "--origin", "interop.candor.example/log"], &home);
    let vkey = std::fs::read_to_string(home.join("log.vkey")).expect("vkey").trim().to_string();

    // Batches of uneven sizes, past a full level-1 tile (65,536 entries), keeping every
    // checkpoint the log signs along the way.
    let mut olds = vec![tmp.path().join("cp-0")];
    std::fs::copy(home.join("public/checkpoint"), &olds[0]).expect("copy");
    let mut next = 0u64;
    for (n, batch) in [1u64, 2, 253, 1, 511, 66_000, 300, 7].into_iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_candor"))
            .args(["log", "append", "--batch-size", "100000", "--dir"])
            .arg(&home)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("append");
        let mut stdin = child.stdin.take().expect("stdin");
        for i in next..next + batch {
            writeln!(stdin, "interop entry {i}").expect("write");
        }
        drop(stdin);
        assert!(child.wait().expect("wait").success());
        next += batch;
        let cp = tmp.path().join(format!("cp-{}", n + 1));
        std::fs::copy(home.join("public/checkpoint"), &cp).expect("copy");
        olds.push(cp);
    }
    let mut proofs = Vec::new();
    for index in [0u64, 1, 255, 256, 65_535, 65_536, next - 1] {
        let p = tmp.path().join(format!("entry-{index}.tlog-proof"));
        candor(&["log", "prove", &index.to_string(), "--out", p.to_str().expect("utf8")], &home);
        proofs.push(p);
    }
    let join = |ps: &[PathBuf]| ps.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(",");
    let out = run_checker(
        &bin,
        &[
            "-dir",
            home.join("public").to_str().expect("utf8"),
            "-vkey",
            &vkey,
            "-old",
            &join(&olds),
            "-proofs",
            &join(&proofs),
        ],
    );
    assert!(out.starts_with(&format!("ok: size {next}")), "{out}");
    assert!(out.contains(&format!("{} tree proofs, {} tlog-proof files", olds.len() - 2, proofs.len())), "{out}");
}

#[test]
fn keys_and_signatures_cross_between_go_and_candor() {
    let Some(bin) = build_checker() else { return };
    // Go generates a key and signs; candor parses both key strings and verifies.
    let out = run_checker(&bin, &["-genkey", "go.example/key"]);
    let mut lines = out.lines();
    let (skey, vkey, note_b64) =
        (lines.next().expect("skey"), lines.next().expect("vkey"), lines.next().expect("note"));
    let signer = tlog::Signer::from_private_key(skey).expect("candor parses Go's private key");
    assert_eq!(signer.verifier().to_vkey(), vkey);
    let verifier = tlog::Verifier::from_vkey(vkey).expect("candor parses Go's vkey");
    let note = base64_decode(note_b64);
    let opened = tlog::note::open(&note, std::slice::from_ref(&verifier)).expect("candor verifies Go's signature");
    assert_eq!(opened.text, "signed by go\n");
    // Candor and Go produce the same signed note from the same key (Ed25519 is deterministic).
    assert_eq!(signer.sign("signed by go\n").expect("sign").into_bytes(), note);

    // Go signs with a private key file candor wrote; candor verifies with its vkey.
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("log");
    candor(&["log", "init", "--origin", "keys.candor.example/log"], &home);
    let signed = run_checker(&bin, &["-sign-with", home.join("log.key").to_str().expect("utf8")]);
    let v = tlog::LocalLog::at(&home).verifier().expect("vkey");
    let opened = tlog::note::open(signed.as_bytes(), &[v]).expect("candor verifies Go's signature with candor's key");
    assert_eq!(opened.text, "signed by go with candor's key\n");
}

fn base64_decode(s: &str) -> Vec<u8> {
    // Tiny decoder so the test needs no extra dependency.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.trim().bytes().filter(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Witness cosignatures (tlog-cosignature, Ed25519 `cosignature/v1`) cross between candor and a
/// Go program written from the spec with crypto/ed25519 and sumdb/note, both ways: Go verifies
/// candor's cosignature line (and x/mod opens the log's signature beside it), and candor
/// verifies a cosignature Go made; a changed timestamp fails in Go.
#[test]
fn witness_cosignatures_cross_between_go_and_candor() {
    use tlog::cosignature::{CosignatureVerifier, Cosigned, Cosigner, check_cosignatures};
    let Some(bin) = build_go("cosignature", "tests/go/cosignature/main.go") else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = tlog::Signer::generate("candor.example/log").expect("log key");
    let body = "candor.example/log\n42\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let witness = Cosigner::generate("witness.example/w1").expect("witness key");
    let mut signed = log.sign(body).expect("sign");
    signed.push_str(&witness.cosign(body, 1_764_460_800).expect("cosign"));
    let file = tmp.path().join("checkpoint");
    std::fs::write(&file, &signed).expect("write");
    let wkey = witness.verifier().to_vkey().expect("vkey");
    let path = file.display().to_string();
    let out = run_checker(&bin, &["-check", &path, "-log", &log.verifier().to_vkey(), "-witness", &wkey]);
    assert_eq!(out, "cosigned witness.example/w1 1764460800\n");
    // A cosignature whose timestamp was changed fails in Go.
    let line = signed.lines().last().expect("line").to_string();
    let b64 = line.rsplit(' ').next().expect("blob");
    let mut blob = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).expect("b64");
    blob[11] ^= 1;
    let moved = signed.replace(b64, &base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &blob));
    std::fs::write(&file, &moved).expect("write");
    let refused = Command::new(&bin)
        .args(["-check", &path, "-log", &log.verifier().to_vkey(), "-witness", &wkey])
        .output()
        .expect("run");
    assert!(!refused.status.success(), "Go accepted a moved timestamp");
    // The other way: Go cosigns, candor verifies.
    std::fs::write(&file, log.sign(body).expect("sign")).expect("write");
    let out = run_checker(&bin, &["-cosign", &path, "-name", "witness.example/go", "-time", "1764460801"]);
    let (go_vkey, go_signed) = out.split_once('\n').expect("vkey line");
    let go_witness = CosignatureVerifier::from_vkey(go_vkey).expect("Go's witness key");
    let verdicts = check_cosignatures(go_signed.as_bytes(), &[go_witness, witness.verifier()], 1_900_000_000)
        .expect("candor checks Go's cosignature");
    assert_eq!(verdicts[0], ("witness.example/go".to_string(), Cosigned::Verified { timestamp: 1_764_460_801 }));
    assert_eq!(verdicts[1].1, Cosigned::Absent);
}
