//! `candor serve`: the report, the log's tiles, the JSON API, the decision point and the
//! review UI from one server (each part on when its files exist).

use std::process::ExitCode;

use anyhow::Result;
use tlog::LocalLog;

use crate::cli::ServeArgs;

pub fn run(args: &ServeArgs) -> Result<ExitCode> {
    // The server's stores, opened once and shared by every handler for the process's life.
    let stores = std::sync::Arc::new(args.policy.stores().with_usage(args.usage_db.path()));
    let mut state = app::serving::state(
        stores,
        &app::serving::ServePlaces {
            log_dir: args.log.dir.clone(),
            tokens: args.tokens.clone(),
            record: args.record,
            four_eyes: args.four_eyes == "deny",
        },
    )?;
    state.limits = args.limits.limits();
    let parts = [
        ("report and log tiles", state.report.is_some()),
        ("decision point", state.decider.is_some()),
        ("review", state.registry.is_some()),
    ];
    let vkey = LocalLog::at(&args.log.dir).verifier().map(|v| v.to_vkey()).ok();
    crate::console::init_request_logs();
    server::run_until_signal(state, &args.listen, &|url| {
        let on: Vec<&str> = parts.iter().filter(|p| p.1).map(|p| p.0).collect();
        println!("serving {} on {url}/ (OpenAPI: {url}/openapi.json; Ctrl-C to stop)", on.join(", "));
        if let Some(k) = &vkey {
            println!("verifier key: {k}");
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
