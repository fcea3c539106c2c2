//! The requests the gate benchmark sends: a fixed list rotating over accounts (most linked to
//! no organisation, drawn from the million; some police agencies', some suppliers', some
//! ordinary companies') and over two Rekognition operations, face identification
//! (`SearchFacesByImage`) and face detection (`DetectFaces`). The same list drives wrk (as a
//! Lua script, through NGINX or straight at the gate) and the in-process measurement, so the
//! share of refusals wrk sees can be checked against what the gate decides in process.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use app::fixtures::Rng;
use gate::ask::{Ask, recognise};

use super::stores::{Built, Population, unlinked_id};

/// Rekognition's operations, as the `X-Amz-Target` header names them.
pub(crate) const SEARCH: &str = "RekognitionService.SearchFacesByImage";
pub(crate) const DETECT: &str = "RekognitionService.DetectFaces";
/// The account header the gate reads by default.
pub(crate) const ACCOUNT_HEADER: &str = "X-Candor-Account";
/// The region header the gate reads by default.
pub(crate) const REGION_HEADER: &str = "X-Candor-Region-Class";
/// A Rekognition request body (the gate never reads it; NGINX passes it to the backend).
pub(crate) const BODY: &str =
    r#"{"CollectionId":"bench-demonstration-data","Image":{"S3Object":{"Bucket":"b","Name":"n"}}}"#;

/// Whose account a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Who {
    Unlinked,
    Police,
    Supplier,
    Company,
}

/// Shares of the mix, in percent: unlinked, police, supplier (the rest: companies).
const SHARES: [usize; 3] = [80, 10, 4];

/// One request of the mix.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) account: String,
    pub(crate) who: Who,
    /// Face identification (`SearchFacesByImage`); otherwise face detection.
    pub(crate) identify: bool,
}

/// `n` requests: 80% unlinked accounts drawn from all of them, 10% police, 4% suppliers, 6%
/// companies (a group with no accounts gives its share to the unlinked), half of each asking
/// for face identification.
pub(crate) fn mix(pop: &Population, n: usize) -> Vec<Entry> {
    let mut rng = Rng(0x6a7e_2026_0002);
    (0..n)
        .map(|_| {
            let r = rng.below(100);
            let pick = |rng: &mut Rng, v: &[String]| (!v.is_empty()).then(|| v[rng.below(v.len())].clone());
            let (who, account) = if r < SHARES[0] {
                (Who::Unlinked, None)
            } else if r < SHARES[0] + SHARES[1] {
                (Who::Police, pick(&mut rng, &pop.police))
            } else if r < SHARES[0] + SHARES[1] + SHARES[2] {
                (Who::Supplier, pick(&mut rng, &pop.suppliers))
            } else {
                (Who::Company, pick(&mut rng, &pop.companies))
            };
            let (who, account) = match account {
                Some(a) => (who, a),
                None => (Who::Unlinked, unlinked_id(rng.below(pop.unlinked.max(1)))),
            };
            Entry { account, who, identify: rng.below(2) == 0 }
        })
        .collect()
}

/// Requests the default policy refuses: a confirmed police agency asking for face
/// identification (no purpose is declared, so the missing-persons exception never applies).
pub(crate) fn policy_denials(entries: &[Entry]) -> usize {
    entries.iter().filter(|e| e.who == Who::Police && e.identify).count()
}

/// How a wrk script sends each entry.
pub(crate) struct Request<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    /// Headers every request carries besides the operation and the account.
    pub(crate) headers: Vec<(&'a str, String)>,
    pub(crate) body: Option<&'a str>,
}

/// A wrk Lua script sending `entries` in turn (each wrk thread from the first), every
/// request formatted once when the thread starts.
pub(crate) fn lua(entries: &[Entry], req: &Request<'_>) -> String {
    let mut data = String::with_capacity(entries.len() * 24);
    for e in entries {
        data.push_str(&e.account);
        data.push(' ');
        data.push(if e.identify { '1' } else { '0' });
        data.push('\n');
    }
    let mut headers = format!(
        "[\"Host\"] = wrk.headers[\"Host\"], [\"X-Amz-Target\"] = targets[op + 1], [\"{ACCOUNT_HEADER}\"] = account"
    );
    for (name, value) in &req.headers {
        headers.push_str(&format!(", [\"{name}\"] = {}", crate::wrk::lua_string(value)));
    }
    let body = req.body.map_or("nil".to_string(), crate::wrk::lua_string);
    format!(
        r#"-- candor-bench gate: demonstration data (fictional accounts)
local data = {data}
local targets = {{"{DETECT}", "{SEARCH}"}}
local built = nil
local i = 0
local function build()
  built = {{}}
  for account, op in data:gmatch("(%S+) (%d)\n") do
    op = tonumber(op)
    built[#built + 1] = wrk.format("{method}", "{path}", {{{headers}}}, {body})
  end
end
request = function()
  if not built then build() end
  i = i % #built + 1
  return built[i]
end
"#,
        data = crate::wrk::lua_string(&format!("\n{data}")),
        method = req.method,
        path = req.path,
    )
}

/// Latency of one kind of decision in process.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub(crate) label: String,
    pub(crate) decisions: usize,
    pub(crate) per_second: f64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    pub(crate) p999_us: f64,
}

/// The in-process measurement.
pub(crate) struct InProcess {
    /// Seconds `Gate::start` took (reading the stores, building the decider).
    pub(crate) start_s: f64,
    /// This process's peak memory while the gate was started and used, over what it held
    /// before (MB).
    pub(crate) peak_mb: f64,
    pub(crate) cells: Vec<Cell>,
    /// Decisions of the whole mix that refused (with the region class sent through NGINX).
    pub(crate) mix_denied: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// `gate.decide` timed one by one over `asks` in turn, `n` times.
fn time(gate: &gate::Gate, label: String, asks: &[Ask], n: usize) -> Result<Cell> {
    if asks.is_empty() {
        bail!("{label}: no accounts of this kind");
    }
    let mut times = Vec::with_capacity(n);
    let start = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        std::hint::black_box(gate.decide(&asks[i % asks.len()])?);
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let total = start.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    Ok(Cell {
        label,
        decisions: n,
        per_second: n as f64 / total,
        p50_us: percentile(&times, 0.50),
        p99_us: percentile(&times, 0.99),
        p999_us: percentile(&times, 0.999),
    })
}

/// Starts a gate in this process over the built stores with its decision cache off, checks
/// it decides the mix as the policy says, then times `decisions` decisions for linked and
/// for unlinked accounts, with the region class `region` and with none given.
pub(crate) fn in_process(built: &Built, entries: &[Entry], decisions: usize, region: &str) -> Result<InProcess> {
    let stores = Arc::new(app::stores::Stores::default().with_registry(&built.registry).with_policy(&built.policy));
    let config =
        gate::GateConfig { cache_ttl: Duration::ZERO, flush: Duration::from_secs(3600), ..gate::GateConfig::default() };
    crate::memory::reset_peak();
    let before_kb = crate::memory::peak_rss_kb();
    let t = Instant::now();
    let gate = app::gate::start(stores, None, config)?;
    let start_s = t.elapsed().as_secs_f64();
    let status = gate.status();
    if status.failing {
        bail!("the gate started failing: {}", status.last_error.unwrap_or_default());
    }
    let operation = |target: &str| -> Result<(String, String)> {
        let headers = |name: &str| if name.eq_ignore_ascii_case("x-amz-target") { vec![target] } else { Vec::new() };
        let (capability, service, _) = recognise(gate.taxonomy(), "POST", "/", &headers)?
            .with_context(|| format!("the taxonomy does not recognise {target}"))?;
        Ok((capability, service))
    };
    let (search, detect) = (operation(SEARCH)?, operation(DETECT)?);
    let ask = |e: &Entry, region: &str| {
        let (capability, service) = if e.identify { &search } else { &detect };
        Ask {
            account: e.account.clone(),
            capability: Some(capability.clone()),
            service: service.clone(),
            region_class: region.to_string(),
            purpose: String::new(),
        }
    };
    let mut mix_denied = 0;
    for e in entries {
        if !gate.decide(&ask(e, region))?.allow {
            mix_denied += 1;
        }
    }
    let linked: Vec<&Entry> = entries.iter().filter(|e| e.who != Who::Unlinked).collect();
    let unlinked: Vec<&Entry> = entries.iter().filter(|e| e.who == Who::Unlinked).collect();
    let mut cells = Vec::new();
    let mut regions = vec![region.to_string()];
    if !region.is_empty() {
        regions.push(String::new());
    }
    for r in &regions {
        let shown = if r.is_empty() { "no region class".to_string() } else { format!("region class {r}") };
        for (who, list) in [("linked", &linked), ("unlinked", &unlinked)] {
            let asks: Vec<Ask> = list.iter().map(|e| ask(e, r)).collect();
            cells.push(time(&gate, format!("{who} accounts, {shown}"), &asks, decisions)?);
        }
    }
    let peak_mb = crate::memory::peak_rss_kb().saturating_sub(before_kb) as f64 / 1024.0;
    drop(gate);
    Ok(InProcess { start_s, peak_mb, cells, mix_denied })
}
