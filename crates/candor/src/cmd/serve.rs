//! `candor serve`: the report, the log's tiles, the JSON API, the decision point and the
//! review UI from one server. Each part is on when its files exist: the report when the log
//! has published, the decision point when a policy is active, review when there is a registry.

use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use registry::SqliteStore;
use tlog::LocalLog;

use crate::cli::{PolicyPlaces, ServeArgs};

/// Builds the server's state from the places on disk.
pub fn state(
    log_dir: &Path,
    places: &PolicyPlaces,
    usage_db: &Path,
    tokens: &Path,
    record: bool,
) -> Result<server::AppState> {
    let tokens = server::auth::Tokens::load(tokens)?;
    let mut state = server::AppState::new(tokens);
    let public = LocalLog::at(log_dir).public_dir();
    if public.join(tlog::CHECKPOINT_PATH).exists() {
        state.report = Some(server::api::Report::at(public));
    }
    if places.db.exists() {
        state.registry = Some(Mutex::new(
            SqliteStore::open(&places.db).with_context(|| format!("opening {}", places.db.display()))?,
        ));
    }
    if places.policy_db.exists() && places.db.exists() {
        let store = super::policy::open_store(places)?;
        if store.active()?.is_some() {
            state.decider = Some(super::policy::serving_decider(places, usage_db, &store)?);
            if record {
                state.store = Some(Mutex::new(store));
            }
        }
    }
    Ok(state)
}

/// Serves `state` on `listen` until Ctrl-C or SIGTERM; `banner` is printed once listening.
pub fn serve_until_signal(state: server::AppState, listen: &str, banner: &dyn Fn(&str)) -> Result<()> {
    // Structured request logs on stderr; never headers, so never tokens.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).with_ansi(ansi).with_target(false).try_init();
    let state = Arc::new(state);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
        banner(&format!("http://{}", listener.local_addr()?));
        server::serve(listener, server::router(state)).await?;
        anyhow::Ok(())
    })
}

pub fn run(args: &ServeArgs) -> Result<ExitCode> {
    let state = state(&args.log.dir, &args.policy, &args.usage_db, &args.tokens, args.record)?;
    let parts = [
        ("report and log tiles", state.report.is_some()),
        ("decision point", state.decider.is_some()),
        ("review", state.registry.is_some()),
    ];
    let vkey = LocalLog::at(&args.log.dir).verifier().map(|v| v.to_vkey()).ok();
    serve_until_signal(state, &args.listen, &|url| {
        let on: Vec<&str> = parts.iter().filter(|p| p.1).map(|p| p.0).collect();
        println!("serving {} on {url}/ (OpenAPI: {url}/openapi.json; Ctrl-C to stop)", on.join(", "));
        if let Some(k) = &vkey {
            println!("verifier key: {k}");
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
