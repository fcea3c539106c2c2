//! `candor witness init|add-log|serve`.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use serde_json::json;
use witness::home::WitnessHome;

use crate::cli::WitnessCommand;
use crate::console::print_json;

pub fn run(cmd: WitnessCommand) -> Result<ExitCode> {
    match cmd {
        WitnessCommand::Init { dir, name, json } => {
            // Names are shown on every page and in every checkpoint: no control character.
            registry::input::check("--name", &name, registry::input::Lines::One).map_err(anyhow::Error::msg)?;
            let v = WitnessHome::at(&dir.dir).init(&name)?;
            let vkey = v.to_vkey().unwrap_or_default();
            if json {
                print_json(&json!({"name": v.name(), "vkey": vkey, "dir": dir.dir}));
            } else {
                println!("witness {} created in {}", v.name(), dir.dir.display());
                println!("verifier key (for trust policies): {vkey}");
            }
        }
        WitnessCommand::AddLog { dir, vkey, origin, json } => {
            let key = tlog::Verifier::from_vkey(&vkey).context("the log's verifier key")?;
            let origin = origin.unwrap_or_else(|| key.name().to_string());
            registry::input::check("--origin", &origin, registry::input::Lines::One).map_err(anyhow::Error::msg)?;
            let mut w = WitnessHome::at(&dir.dir).open()?;
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
            let added = w.state().add_log(&origin, &key, now)?;
            if json {
                print_json(&json!({"origin": origin, "vkey": key.to_vkey(), "added": added}));
            } else if added {
                println!("watching {origin} ({})", key.to_vkey());
            } else {
                println!("already watching {origin} with this key; nothing changed");
            }
        }
        WitnessCommand::Serve { dir, listen, rate_per_log, limits } => {
            if !(rate_per_log.is_finite() && rate_per_log > 0.0) {
                anyhow::bail!("--rate-per-log must be a positive number of submissions a second");
            }
            let limit = witness::rate::RateLimit { per_second: rate_per_log, burst: 2.0 * rate_per_log.max(1.0) };
            let w = WitnessHome::at(&dir.dir).open()?.with_rate_limit(limit).with_replay_limit(limit);
            let name = w.name().to_string();
            let app = witness::http::router(Arc::new(Mutex::new(w)));
            crate::console::init_request_logs();
            server::run_router_until_signal(app, limits.limits(), &listen, &|url| {
                println!("witness {name} on {url}/add-checkpoint (Ctrl-C to stop)");
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
