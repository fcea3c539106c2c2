//! Prometheus metrics (`GET /metrics`, text format) and the per-request log line.
//!
//! Counted per method, route template and status class; timed per route; decisions counted by
//! outcome. Every label comes from a closed set (known methods or `other`, route templates or
//! `(files)`, `2xx`…`5xx`), so no client can grow `/metrics` by inventing methods, paths or
//! statuses. The log line carries method, route,
//! path, status and duration — never headers, so tokens are never logged.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    decision: String,
}

type Timings = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Timings,
    decisions: Family<DecisionLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::with_prefix("candor");
        let requests = Family::<RequestLabels, Counter>::default();
        // 50 µs to about 13 s.
        let durations: Timings =
            Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.000_05, 4.0, 10)));
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by method, route and status", requests.clone());
        registry.register("http_request_duration_seconds", "Time to answer, by route", durations.clone());
        registry.register("authorize_decisions", "Policy decisions by outcome", decisions.clone());
        Metrics { registry, requests, durations, decisions }
    }
}

impl Metrics {
    pub(crate) fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = RequestLabels {
            method: method_label(method).into(),
            route: route.into(),
            status: status_class(status).into(),
        };
        self.requests.get_or_create(&labels).inc();
        self.durations.get_or_create(&RouteLabels { route: route.into() }).observe(seconds);
    }

    /// Counts one decision.
    pub fn decision(&self, allow: bool) {
        self.decisions.get_or_create(&DecisionLabels { decision: if allow { "allow" } else { "deny" }.into() }).inc();
    }

    /// The metrics in Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// The method as a label: one of HTTP's registered methods, else `other`.
fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("other")
}

/// The status as a label: its class.
fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// `GET /metrics`.
pub async fn render(State(metrics): State<Arc<Metrics>>) -> Response {
    let mut res = (StatusCode::OK, metrics.encode()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    res
}

/// Middleware: counts, times and logs every request.
pub async fn observe(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route =
        req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "(files)".into());
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    let seconds = start.elapsed().as_secs_f64();
    metrics.request(&method, &route, status, seconds);
    tracing::info!(method = %method, route = %route, path = %path, status, ms = seconds * 1e3, "request");
    res
}
