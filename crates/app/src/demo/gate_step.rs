//! The demo's gate: fictional requests to the face API, as a provider's gateway would send them
//! (Rekognition's `X-Amz-Target`), recognised by the taxonomy and decided under the active
//! policy; the counts go to the policy store, and publishing the second period discloses them.
//! Every account is one of the demo's fictional accounts; the counted day is fixed inside the
//! demo's second period, so the demo publishes the same record whenever it runs.

use std::sync::Arc;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::stores::Stores;

/// The day the demo's gate counts its decisions on (inside the second period).
pub const DAY: &str = "2026-11-16";

/// What the step did.
pub struct Summary {
    /// For people.
    pub text: String,
    /// For machines.
    pub json: Value,
}

/// Sends `rounds` face searches and face detections from each of `police` (a fictional police
/// agency's accounts) and `others` (fictional accounts of organisations without a
/// law-enforcement role or of none) through a gate over `stores`.
pub fn run(stores: &Arc<Stores>, police: &[String], others: &[String], rounds: usize) -> Result<Summary> {
    let config = gate::GateConfig {
        counting_day: Some(DAY.into()),
        refresh: std::time::Duration::from_secs(3600),
        flush: std::time::Duration::from_secs(3600),
        ..gate::GateConfig::default()
    };
    let g = crate::gate::start(stores.clone(), None, config)?;
    let (mut refused, mut allowed) = (0u64, 0u64);
    for account in police.iter().chain(others) {
        for _ in 0..rounds {
            for target in ["RekognitionService.SearchFacesByImage", "RekognitionService.DetectFaces"] {
                let headers =
                    |name: &str| if name.eq_ignore_ascii_case("x-amz-target") { vec![target] } else { vec![] };
                let (capability, service, _) = gate::ask::recognise(g.taxonomy(), "POST", "/", &headers)?
                    .context("the taxonomy recognises Rekognition's operations")?;
                let ask = gate::ask::Ask {
                    account: account.clone(),
                    capability: Some(capability),
                    service,
                    region_class: "commercial".into(),
                    purpose: String::new(),
                };
                if g.decide(&ask)?.allow { allowed += 1 } else { refused += 1 }
            }
        }
    }
    let written = g.shutdown().map_err(|e| anyhow::anyhow!("writing the demo gate's counts: {e}"))?;
    let text = format!(
        "   a gateway asked candor's gate about {} fictional requests to the face API on {DAY}: {refused} refused \
         (face identification by accounts of fictional police agencies), {allowed} let through; {written} decisions counted, \
         no account, path or body kept\n",
        refused + allowed
    );
    Ok(Summary { text, json: json!({"day": DAY, "refused": refused, "allowed": allowed, "counted": written}) })
}
