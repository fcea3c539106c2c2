//! The OpenAPI 3.1 document served at `/openapi.json`. Written by hand next to the routes
//! (lib.rs); a test walks it and calls every operation, so the two cannot drift apart.

use axum::Json;
use serde_json::{Value, json};

/// A score band of the review queue's `score` filter: `LOW-HIGH`, `LOW-`, `-HIGH` or `LOW`,
/// each end 0, 1, 0.xyz or 1.000 (what `app::review` accepts, no more).
pub const SCORE_BAND_PATTERN: &str =
    r"^((0(\.[0-9]+)?|1(\.0+)?)(-(0(\.[0-9]+)?|1(\.0+)?)?)?|-(0(\.[0-9]+)?|1(\.0+)?))$";

fn query(name: &str, description: &str, required: bool) -> Value {
    query_with(name, description, required, json!({"type": "string"}))
}

fn query_with(name: &str, description: &str, required: bool, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": required, "description": description, "schema": schema})
}

/// A reason: text that holds more than white space and no control character but tab and line
/// feed, of at most `max` characters.
fn some_text(max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": crate::extract::reason_pattern()})
}

/// Search text: more than white space, of at most `max` characters.
fn search_text(max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": crate::extract::has_text_pattern()})
}

/// A JSON request body of `schema`, at most `limit` bytes: enough for any body the schema
/// allows, whatever characters its text holds and however a writer escapes them.
fn body(schema: &str, limit: usize) -> Value {
    json!({"required": true,
           "description": format!("At most {limit} bytes (lengths in the schema count characters; the limit leaves room for any of them written as JSON escapes)"),
           "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

/// `answers` with `links` on its 200 answer (what the stateful phase of an API tester follows).
fn with_links(mut answers: Value, links: Value) -> Value {
    answers["200"]["links"] = links;
    answers
}

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

fn responses(codes: &[(&str, &str)], ok_schema: &str) -> Value {
    let mut m = serde_json::Map::new();
    for (code, description) in codes {
        let schema = if code.starts_with('2') { ok_schema } else { "#/components/schemas/Error" };
        m.insert(
            code.to_string(),
            json!({"description": description, "content": {"application/json": {"schema": {"$ref": schema}}}}),
        );
    }
    Value::Object(m)
}

fn text(description: &str, media: &str) -> Value {
    json!({"200": {"description": description, "content": {media: {"schema": {"type": "string"}}}}})
}

/// The document, with the answers any operation may get from the layers in front of its
/// handler (see [`with_common_answers`]). `actions` are the capabilities (and groups) the
/// decision point knows, where it runs: a request naming another is refused, so the schema
/// lists them.
/// `records` says whether it records decisions on request.
pub fn spec(actions: Option<&[String]>, records: bool) -> Value {
    let mut doc = operations();
    with_common_answers(&mut doc);
    let request = &mut doc["components"]["schemas"]["AuthorizeRequest"]["properties"];
    if let Some(actions) = actions {
        request["capability"]["enum"] = json!(actions);
    }
    if !records {
        request["record"] = json!({"const": false,
            "description": "This server does not record decisions (it runs without --record); true is refused"});
    }
    doc
}

/// Adds to every operation the answers the server's layers give before or around its handler:
/// 408 (request not sent or answered in time) and 503 (over the connection limit, with
/// `Retry-After`); and for operations with a body, 400, 413 (too large), 415 (not JSON) and 422
/// (JSON of the wrong shape). An answer an operation already documents is kept as written.
fn with_common_answers(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for item in paths.values_mut() {
        let Some(ops) = item.as_object_mut() else { continue };
        for op in ops.values_mut() {
            let has_body = op.get("requestBody").is_some();
            let Some(answers) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            let mut common = vec![
                ("408", "The request was not sent or answered in time"),
                ("503", "The server is at its connection limit or lacks this part; retry (Retry-After)"),
            ];
            if has_body {
                common.extend([
                    ("400", "Bad request"),
                    ("413", "Body too large"),
                    ("415", "The body is not application/json"),
                    ("422", "JSON of the wrong shape"),
                ]);
            }
            for (code, description) in common {
                if !answers.contains_key(code) {
                    let error = json!({"$ref": "#/components/schemas/Error"});
                    answers.insert(
                        code.into(),
                        json!({"description": description, "content": {"application/json": {"schema": error}}}),
                    );
                }
            }
        }
    }
}

/// Every operation, as each handler answers it.
fn operations() -> Value {
    let list = "#/components/schemas/List";
    // Every public listing is paged: `count` says how many match, `rows` holds one page.
    let paging = [
        query_with(
            "offset",
            "Skip this many matching rows",
            false,
            json!({"type": "integer", "minimum": 0, "maximum": i64::MAX}),
        ),
        query_with(
            "limit",
            &format!("At most this many rows ({} unless given)", crate::api::MAX_LIMIT),
            false,
            json!({"type": "integer", "minimum": 1, "maximum": crate::api::MAX_LIMIT}),
        ),
    ];
    let object = "#/components/schemas/Object";
    let bearer = json!([{"bearer": []}]);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "candor",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A provider's transparency report on law-enforcement use of its services. Public routes are read-only and say only what the signed disclosure records in the transparency log say. The log itself is served as C2SP tlog-tiles: /checkpoint, /tile/<L>/<N>[.p/<W>] and /tile/entries/<N>[.p/<W>]. Routes that change anything, or show customer accounts, need a bearer token with a role.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}
        },
        "paths": {
            "/v1/organisations": {"get": {
                "operationId": "listOrganisations", "summary": "Disclosed organisations (agencies and suppliers)",
                "parameters": [query("role", "agency or supplier", false), query("kind", "local_agency, company, …", false),
                               query("q", "part of the name", false), paging[0].clone(), paging[1].clone()],
                "responses": with_links(responses(&[("200", "The organisations"), ("400", "offset or limit out of range")], list), json!({
                    "GetFirstOrganisation": {"operationId": "getOrganisation",
                                             "parameters": {"slug": "$response.body#/rows/0/slug"}}}))}},
            "/v1/organisations/{slug}": {"get": {
                "operationId": "getOrganisation", "summary": "One organisation with its usage rows",
                "parameters": [path_param("slug", "The organisation's slug (from listOrganisations)", json!({"type": "string"}))],
                "responses": responses(&[("200", "The organisation"), ("404", "No such organisation")], object)}},
            "/v1/usage": {"get": {
                "operationId": "listUsage", "summary": "Disclosed usage: organisation, period, capability, service, region class, volume",
                "parameters": [query("period", "YYYY-Qn", false), query("capability", "Capability id", false),
                               query("service", "Service", false), query("region_class", "Region class", false),
                               query("organisation", "Organisation name", false),
                               query("law_enforcement_role", "agency or supplier", false), paging[0].clone(), paging[1].clone()],
                "responses": responses(&[("200", "Usage rows"), ("400", "offset or limit out of range")], list)}},
            "/v1/disclosures": {"get": {
                "operationId": "listDisclosures", "summary": "Disclosure records in the log, newest first",
                "parameters": [query("type", "organisation_usage, classification, correction, period_summary or policy_version", false),
                               query("period", "YYYY-Qn", false), paging[0].clone(), paging[1].clone()],
                "responses": with_links(responses(&[("200", "Records"), ("400", "offset or limit out of range")], list), json!({
                    "GetFirstDisclosure": {"operationId": "getDisclosure",
                                           "parameters": {"index": "$response.body#/rows/0/index"}}}))}},
            "/v1/disclosures/{index}": {"get": {
                "operationId": "getDisclosure", "summary": "One record with its log entry (base64), inclusion proof and checkpoint",
                "parameters": [path_param("index", "Log index", json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}))],
                "responses": responses(&[("200", "The record and its proof"), ("400", "Not an index"), ("404", "No such record")], object)}},
            "/v1/search": {"get": {
                "operationId": "search", "summary": "Search by agency, supplier, service or capability",
                "parameters": [query_with("q", "What to look for (part of a name, service or capability)", true,
                                          search_text(crate::api::MAX_QUERY)),
                               query_with("in", "agency, supplier, service or capability (default: all)", false,
                                          json!({"type": "string", "enum": ["all", "agency", "supplier", "service", "capability"]})),
                               paging[0].clone(), paging[1].clone()],
                "responses": responses(&[("200", "Matches"), ("400", "q missing or too long, in unknown, or offset or limit out of range")], list)}},
            "/v1/authorize": {"post": {
                "operationId": "authorize", "summary": "Decide one request under the active use policy (authorizer or admin token)",
                "security": bearer,
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuthorizeRequest"}}}},
                "responses": responses(&[("200", "The decision"), ("400", "Bad request"), ("401", "No valid token"),
                                         ("403", "Token of another role"), ("413", "Body too large"),
                                         ("503", "No active policy")], object)}},
            "/v1/review/queue": {"get": {
                "operationId": "reviewQueue",
                "summary": "Proposed account-to-organisation links waiting for review, ordered by consequence, filtered and paged, each with the account's and the organisation's facts and, for a pair a reviewer had rejected, why it was proposed again (proposed_again: which rejection, what is new) (reviewer or admin token)",
                "security": bearer,
                "parameters": [
                    query_with("sort", "impact (a link that would make a deny first, then usage volume, then score), score, age (oldest first), or value (the expected value of a review: the chance it is right, calibrated on reviewers' decisions, times what accepting it changes)", false,
                               json!({"type": "string", "enum": ["impact", "score", "age", "value"]})),
                    query_with("offset", "Skip this many", false, json!({"type": "integer", "minimum": 0, "maximum": i64::MAX})),
                    query_with("limit", "At most this many (50 unless given)", false, json!({"type": "integer", "minimum": 1, "maximum": 500})),
                    query("kind", "The organisation's kind (local_agency, company, …)", false),
                    query("role", "Its law-enforcement role (agency, supplier, none)", false),
                    query("status", "That role's status (confirmed, proposed, none)", false),
                    query("country", "The organisation's country (else the account's)", false),
                    query("state", "The organisation's state (else the account's)", false),
                    query("capability", "A capability the account used", false),
                    query_with("score", "A score band, LOW-HIGH (either end may be left out)", false,
                               json!({"type": "string", "pattern": SCORE_BAND_PATTERN})),
                    query_with("age", "Waiting at least this many days", false,
                               json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX})),
                    query_with("would_deny", "Only links that would (true) or would not (false) make a deny", false,
                               json!({"type": "boolean"}))],
                "responses": with_links(responses(&[("200", "A page of the queue"), ("400", "A parameter the queue does not take"),
                                         ("401", "No valid token"), ("403", "Token of another role"),
                                         ("404", "No registry")], list), json!({
                    "DecideFirstProposal": {"operationId": "reviewDecide",
                                            "requestBody": {"proposal_id": "$response.body#/rows/0/proposal_id",
                                                            "accept": false, "reason": "checked: not this organisation"}}}))}},
            "/v1/review/decisions": {"post": {
                "operationId": "reviewDecide", "summary": "Accept or reject a proposed link (reviewer or admin token)",
                "security": bearer,
                "requestBody": body("ReviewDecision", crate::review::DECISION_BODY),
                "responses": responses(&[("200", "Recorded"), ("400", "Bad request"), ("401", "No valid token"),
                                         ("403", "Token of another role"), ("404", "No such proposal, or the organisation is not one of its candidates"),
                                         ("409", "Decided before (send override to reverse it), or accepted first by this same reviewer (four eyes), or an ambiguous proposal accepted without choosing a candidate"),
                                         ("413", "Body too large")], object)}},
            "/v1/proposals/{index}/objections": {"post": {
                "operationId": "objectToProposal",
                "summary": "Object to an open policy proposal (staff or admin token); published under a pseudonym of the token's label",
                "security": bearer,
                "parameters": [path_param("index", "The proposal's log index",
                                          json!({"type": "integer", "minimum": 0, "maximum": i64::MAX}))],
                "requestBody": body("Objection", crate::objections::OBJECTION_BODY),
                "responses": responses(&[("201", "Filed: the objection's log index and pseudonym"), ("400", "Bad request"),
                                         ("401", "No valid token"), ("403", "Token of another role"),
                                         ("404", "No such proposal, or this server takes no objections"),
                                         ("409", "The proposal is not open, or this person already objected"),
                                         ("413", "Body too large")], object)}},
            "/v1/review/bulk-accept": {"post": {
                "operationId": "reviewBulkAccept",
                "summary": "Accept several proposals with one reason, each recorded as its own decision: only exact identifier matches (reviewer or admin token)",
                "security": bearer,
                "requestBody": body("BulkAccept", crate::review::BULK_BODY),
                "responses": responses(&[("200", "Accepted: one decision per proposal"), ("400", "Bad request, or a proposal matched by name"),
                                         ("401", "No valid token"), ("403", "Token of another role"),
                                         ("404", "A proposal not in the queue, or no registry"),
                                         ("409", "Decided meanwhile"), ("413", "Body too large")], object)}},
            "/review": {"get": {"operationId": "reviewPage", "summary": "The review UI (asks for a reviewer token)",
                                "responses": text("The page", "text/html")}},
            "/openapi.json": {"get": {"operationId": "openapi", "summary": "This document",
                                      "responses": responses(&[("200", "OpenAPI 3.1")], object)}},
            "/healthz": {"get": {"operationId": "health", "summary": "Liveness and what this server offers",
                                 "responses": responses(&[("200", "OK")], object)}},
            "/metrics": {"get": {"operationId": "metrics", "summary": "Prometheus metrics",
                                 "responses": text("Metrics in the OpenMetrics text format", "application/openmetrics-text")}},
            "/checkpoint": {"get": {"operationId": "checkpoint", "summary": "The log's latest signed checkpoint (C2SP tlog-checkpoint)",
                                    "responses": text("The checkpoint", "text/plain")}},
            "/index.html": {"get": {"operationId": "overview", "summary": "The report's overview page",
                                    "responses": text("The page", "text/html")}}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token made by `candor policy token`; roles admin, reviewer, authorizer, staff"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "Object": {"type": "object"},
                "List": {"type": "object", "required": ["rows", "count", "offset", "limit"], "properties": {
                    "rows": {"type": "array", "items": {"type": "object"}, "description": "The page of matching rows the query asked for"},
                    "count": {"type": "integer", "description": "How many rows match (all pages)"},
                    "offset": {"type": "integer"},
                    "limit": {"type": "integer"},
                    "demonstration_data": {"type": ["boolean", "null"]},
                    "notice": {"type": ["string", "null"]}}},
                "AuthorizeRequest": {"type": "object", "required": ["account", "capability"], "additionalProperties": false, "properties": {
                    "account": {"type": "string", "maxLength": crate::authorize::MAX_ID},
                    "capability": {"type": "string", "minLength": 1, "maxLength": crate::authorize::MAX_CAPABILITY},
                    "service": {"type": "string", "maxLength": crate::authorize::MAX_ID},
                    "region_class": {"type": "string", "enum": ["commercial", "government", "secret", ""]},
                    "purpose": {"type": "string", "maxLength": crate::authorize::MAX_ID}, "record": {"type": "boolean"}}},
                "Objection": {"type": "object", "required": ["reason"], "additionalProperties": false, "properties": {
                    "reason": some_text(crate::objections::MAX_REASON)}},
                "BulkAccept": {"type": "object", "required": ["proposal_ids", "reason"], "additionalProperties": false, "properties": {
                    "proposal_ids": {"type": "array", "minItems": 1, "maxItems": crate::review::MAX_BULK,
                                     "items": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}},
                    "reason": some_text(crate::review::MAX_REASON)}},
                "ReviewDecision": {"type": "object", "required": ["proposal_id", "accept", "reason"],
                                   "additionalProperties": false, "properties": {
                    "proposal_id": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX}, "accept": {"type": "boolean"},
                    "reason": some_text(crate::review::MAX_REASON),
                    "org_id": {"type": ["integer", "null"], "minimum": i64::MIN, "maximum": i64::MAX,
                               "description": "For an ambiguous proposal: the candidate accepted (one of its candidates' org_id)"},
                    "override": {"type": "boolean",
                                 "description": "Decide a proposal decided before; recorded as a reversal (else 409)"}}}
            }
        }
    })
}

/// `GET /openapi.json`.
pub async fn document(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<crate::AppState>>,
) -> Json<Value> {
    let actions = state.decider.as_ref().map(|d| d.action_ids());
    Json(spec(actions.as_deref(), state.store.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_documents_the_answers_of_the_layers_in_front_of_it() {
        let doc = spec(None, true);
        let paths = doc["paths"].as_object().expect("paths");
        let mut with_body = 0;
        for (path, item) in paths {
            for (method, op) in item.as_object().expect("operations") {
                let answers = op["responses"].as_object().expect("responses");
                for code in ["408", "503"] {
                    assert!(answers.contains_key(code), "{method} {path} lacks {code}");
                }
                if op.get("requestBody").is_some() {
                    with_body += 1;
                    for code in ["400", "413", "415", "422"] {
                        assert!(answers.contains_key(code), "{method} {path} lacks {code}");
                    }
                }
            }
        }
        assert!(with_body >= 2, "the write routes have bodies");
        // What a handler documents itself is kept.
        assert_eq!(
            doc["paths"]["/v1/review/decisions"]["post"]["responses"]["409"]["description"],
            "Decided before (send override to reverse it), or accepted first by this same reviewer (four eyes), or an ambiguous proposal accepted without choosing a candidate"
        );
    }
}
