//! `candor gate`: the decision point a gateway (NGINX auth_request, Envoy ext_authz, an
//! AuthZEN client) asks on every request to the provider's APIs.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

use crate::cli::GateArgs;

pub fn run(args: &GateArgs) -> Result<ExitCode> {
    let config = gate::GateConfig {
        fail_open: args.fail_open.iter().cloned().collect(),
        unrecognised: if args.unrecognised == "deny" { gate::Unrecognised::Deny } else { gate::Unrecognised::Allow },
        cache_ttl: Duration::from_secs(args.cache_ttl),
        refresh: Duration::from_millis(args.refresh_ms.max(50)),
        outage_ttl: Duration::from_secs(args.outage_ttl),
        flush: Duration::from_secs(args.flush_secs.max(1)),
        ..gate::GateConfig::default()
    };
    // The TLS files and the tokens are checked before the gate reads its stores.
    let tls = match (&args.tls_cert, &args.tls_key, &args.client_ca) {
        (Some(cert), Some(key), Some(ca)) => Some(server::tls::mutual(cert, key, ca)?),
        _ => None,
    };
    let tokens = server::auth::Tokens::load(&args.tokens)?;
    let stores = Arc::new(args.policy.stores());
    let gate = app::gate::start(stores, args.taxonomy.as_deref(), config)?;
    let status = gate.status();
    let mut state = server::gateway::GateState::new(
        gate.clone(),
        tokens,
        &args.account_header,
        &args.region_header,
        args.base_url.clone(),
    )
    .map_err(|e| anyhow::anyhow!("--account-header/--region-header: {e}"))?;
    state.client_certificates = tls.is_some();
    // Every request comes from the gateway's few addresses: no per-client cap unless asked.
    let mut limits = args.limits.limits();
    if args.limits.max_per_client.is_none() {
        limits.max_per_client = 0;
    }
    if args.json {
        println!("{}", serde_json::to_string(&serde_json::json!({"status": status, "fail_open": args.fail_open}))?);
    }
    crate::console::init_request_logs();
    let state = Arc::new(state);
    let banner = |url: &str| {
        // The discovery document names the address bound (its port resolved, https under
        // mutual TLS) unless --base-url was given.
        state.bound_at(url);
        println!(
            "gate on {url}/ (NGINX: /nginx, Envoy: /envoy, AuthZEN: /access/v1/evaluation); policy version {}; \
             Ctrl-C to stop",
            status.policy_version.as_deref().unwrap_or("none (every capability decided by its fail mode)")
        );
    };
    let router = server::gateway::router(state.clone());
    let served = match tls {
        Some(tls) => server::run_router_until_signal_tls(router, limits, &args.listen, &banner, tls),
        None => server::run_router_until_signal(router, limits, &args.listen, &banner),
    };
    let flushed = gate.shutdown();
    served?;
    match flushed {
        Ok(n) => eprintln!("gate stopped; {n} decisions' counts written"),
        Err(e) => eprintln!("gate stopped; its last counts could not be written: {e}"),
    }
    Ok(ExitCode::SUCCESS)
}
