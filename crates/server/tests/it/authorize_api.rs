//! `POST /v1/authorize` over real HTTP on loopback: decisions for an authorizer (and an
//! admin), refusals without a token, with a wrong token and with a reviewer's token,
//! malformed and oversized bodies refused, unknown capabilities refused, decisions recorded
//! only when the server records them; the tokens file must not be readable by others.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};

use policy::engine::{Decider, PolicyVersion};
use policy::facts::Facts;
use policy::store::PolicyStore;
use registry::model::{Account, Jurisdiction, Kind, NewOrganisation, Role, Status};
use registry::{SqliteStore, Store};
use server::auth::{Role as TokenRole, Tokens};

const DEFAULT: &str = policy::DEFAULT_POLICY;

fn decider() -> Decider {
    let mut store = SqliteStore::in_memory().expect("store");
    let mut tx = store.begin().expect("tx");
    let sheriff = tx
        .insert_organisation(&NewOrganisation {
            key: "test:sheriff".into(),
            name: "Lakemoor County Sheriff's Office (fictional)".into(),
            kind: Kind::LocalAgency,
            jurisdiction: Jurisdiction::default(),
        })
        .expect("org");
    tx.append_classification(sheriff, Role::Agency, Status::Confirmed, "test", "test-reviewer").expect("class");
    tx.upsert_account(&Account {
        account_id: "acct-sheriff".into(),
        legal_name: "test account (fictional)".into(),
        country: None,
        state: None,
        city: None,
        uei: None,
        domain: None,
    })
    .expect("account");
    tx.append_link("acct-sheriff", sheriff, Status::Confirmed, None, "test", "test-reviewer").expect("link");
    tx.commit().expect("commit");
    let schema = policy::schema::builtin().expect("schema");
    let version = PolicyVersion::parse(DEFAULT, "default.cedar", &schema).expect("policy");
    Decider::new(schema, version, Facts::from_registry(&store, &[]).expect("facts")).expect("decider")
}

struct Running {
    addr: SocketAddr,
    _rt: tokio::runtime::Runtime,
}

fn start(tokens: Tokens, store: Option<PolicyStore>) -> (Running, Arc<server::AppState>) {
    let state = Arc::new(server::AppState {
        decider: Some(decider()),
        store: store.map(|s| std::sync::Arc::new(Mutex::new(s))),
        ..server::AppState::new(tokens)
    });
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = server::router(state.clone());
    rt.spawn(async move {
        let _ = server::serve_until_dropped(listener, app).await;
    });
    (Running { addr, _rt: rt }, state)
}

/// One HTTP/1.1 request; returns status and body.
fn request(addr: SocketAddr, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("write");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

fn tokens(dir: &std::path::Path) -> (Tokens, String, String, String) {
    let path = dir.join("tokens");
    let authorizer = Tokens::issue(&path, TokenRole::Authorizer, "test").expect("issue");
    let admin = Tokens::issue(&path, TokenRole::Admin, "test").expect("issue");
    let reviewer = Tokens::issue(&path, TokenRole::Reviewer, "test").expect("issue");
    (Tokens::load(&path).expect("load"), authorizer, admin, reviewer)
}

const FACE: &str = r#"{"account":"acct-sheriff","capability":"face_identification","service":"Amazon Rekognition","region_class":"commercial"}"#;

#[test]
fn the_decision_point_answers_authorizers_and_refuses_everyone_else() {
    let d = tempfile::tempdir().expect("tempdir");
    let (t, authorizer, admin, reviewer) = tokens(d.path());
    let (srv, _) = start(t, None);
    let (status, body) = request(srv.addr, "POST", "/v1/authorize", Some(&authorizer), FACE);
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["allow"], false);
    assert_eq!(v["policies"][0], "no-face-recognition-for-police");
    assert_eq!(v["attributes"]["principal.law_enforcement_role"], "agency");
    assert_eq!(request(srv.addr, "POST", "/v1/authorize", Some(&admin), FACE).0, 200);
    let compute = FACE.replace("face_identification", "compute");
    let (_, body) = request(srv.addr, "POST", "/v1/authorize", Some(&authorizer), &compute);
    assert!(body.contains("\"allow\":true"), "{body}");
    // Refusals.
    assert_eq!(request(srv.addr, "POST", "/v1/authorize", None, FACE).0, 401);
    assert_eq!(request(srv.addr, "POST", "/v1/authorize", Some("not-a-token"), FACE).0, 401);
    assert_eq!(request(srv.addr, "POST", "/v1/authorize", Some(&reviewer), FACE).0, 403);
    assert_eq!(request(srv.addr, "POST", "/v1/authorize", Some(&authorizer), "{not json").0, 400);
    let unknown = FACE.replace("face_identification", "mind_reading");
    let (status, body) = request(srv.addr, "POST", "/v1/authorize", Some(&authorizer), &unknown);
    assert_eq!(status, 400, "{body}");
    let big = format!(r#"{{"account":"{}","capability":"compute"}}"#, "x".repeat(20_000));
    assert_eq!(request(srv.addr, "POST", "/v1/authorize", Some(&authorizer), &big).0, 413);
    // Recording needs a server that records.
    let rec = FACE.replace('}', r#","record":true}"#);
    assert_eq!(request(srv.addr, "POST", "/v1/authorize", Some(&authorizer), &rec).0, 400);
    // Health is public.
    let (status, body) = request(srv.addr, "GET", "/healthz", None, "");
    assert_eq!(status, 200);
    assert!(body.contains("policy_version"));
}

#[test]
fn a_recording_server_stores_decisions_for_replay() {
    let d = tempfile::tempdir().expect("tempdir");
    let (t, authorizer, _, _) = tokens(d.path());
    let (srv, state) = start(t, Some(PolicyStore::in_memory().expect("db")));
    let rec = FACE.replace('}', r#","record":true}"#);
    assert_eq!(request(srv.addr, "POST", "/v1/authorize", Some(&authorizer), &rec).0, 200);
    let store = state.store.as_ref().expect("store").lock().expect("lock");
    let decisions = store.decisions().expect("decisions");
    assert_eq!(decisions.len(), 1);
    assert!(!decisions[0].allow);
}

#[cfg(unix)]
#[test]
fn a_tokens_file_others_can_read_is_refused_and_only_hashes_are_stored() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().expect("tempdir");
    let path = d.path().join("tokens");
    let token = Tokens::issue(&path, TokenRole::Admin, "test").expect("issue");
    assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(!text.contains(&token), "the token itself is never stored");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    assert!(Tokens::load(&path).expect_err("too open").to_string().contains("chmod 600"));
}
