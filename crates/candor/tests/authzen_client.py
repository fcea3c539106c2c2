#!/usr/bin/env python3
"""A small AuthZEN 1.0 client (a policy enforcement point), written from the OpenID AuthZEN
Authorization API 1.0 specification with the Python standard library only, to check that
`candor gate` is usable by any client of the specification and not only by candor's own.

    AUTHZEN_TOKEN=... authzen_client.py PDP_URL TABLE.json

PDP_URL is the policy decision point's identifier (its base URL). TABLE.json is a list of
access evaluation requests, each {"subject": …, "action": …, "resource": …, "context": …}.

What it does, as the specification says a client does:
1. reads the PDP's metadata from the well-known URL formed by inserting
   /.well-known/authzen-configuration between the host and the path of PDP_URL, and refuses to
   use it unless its `policy_decision_point` is identical to PDP_URL;
2. sends every request of the table to the metadata's `access_evaluation_endpoint`, one at a
   time, each with its own X-Request-ID, which the PDP must echo;
3. sends the whole table once to the `access_evaluations_endpoint` (the batch API,
   `execute_all`), the first request's subject given once as the batch's default and left
   out of every request that has it, so that defaults and their replacement are exercised.

It prints one JSON object: {"metadata": …, "evaluation": [answers], "evaluations": [answers]},
each answer as the PDP sent it ({"decision": bool, "context": …}). Any deviation from the
specification it can see is an error (exit 1, the reason on stderr). The token, if given, is
sent as `Authorization: Bearer` (the specification leaves the PEP's authentication to the
deployment). A real deployment uses https; this client does not insist, for a loopback test.
"""

import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

WELL_KNOWN = "/.well-known/authzen-configuration"


class SpecError(Exception):
    """The PDP answered in a way the specification does not allow."""


def metadata_url(pdp):
    """The well-known URL of the PDP identifier `pdp`: the well-known string goes between the
    host and any path (RFC 8615 style), so https://pdp.example/tenant-1 has its metadata at
    https://pdp.example/.well-known/authzen-configuration/tenant-1."""
    parts = urllib.parse.urlsplit(pdp)
    if parts.query or parts.fragment:
        raise SpecError(f"a PDP identifier has no query or fragment: {pdp!r}")
    path = parts.path.rstrip("/")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, WELL_KNOWN + path, "", ""))


def call(method, url, token, body=None, request_id=None):
    """One HTTP exchange; returns (status, headers, parsed JSON body)."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if request_id:
        req.add_header("X-Request-ID", request_id)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, headers, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        raise SpecError(f"{method} {url}: HTTP {e.code}: {e.read().decode('utf-8', 'replace')}") from None
    except urllib.error.URLError as e:
        raise SpecError(f"{method} {url}: {e.reason}") from None
    content_type = headers.get("Content-Type", "")
    if not content_type.split(";")[0].strip().lower() == "application/json":
        raise SpecError(f"{method} {url}: content type {content_type!r}, not application/json")
    try:
        return status, headers, json.loads(raw)
    except ValueError as e:
        raise SpecError(f"{method} {url}: not JSON: {e}") from None


def check_answer(answer, where):
    """A decision object: a boolean `decision`, and a `context` that, if present, is an object."""
    if not isinstance(answer, dict) or not isinstance(answer.get("decision"), bool):
        raise SpecError(f"{where}: no boolean decision in {answer!r}")
    if "context" in answer and not isinstance(answer["context"], dict):
        raise SpecError(f"{where}: context is not an object in {answer!r}")
    return answer


def check_request(r, i):
    for key, required in (("subject", ("type", "id")), ("resource", ("type", "id")), ("action", ("name",))):
        entity = r.get(key)
        if not isinstance(entity, dict) or any(not isinstance(entity.get(k), str) for k in required):
            raise SpecError(f"table entry {i}: {key} needs string {', '.join(required)}")
    if "context" in r and not isinstance(r["context"], dict):
        raise SpecError(f"table entry {i}: context must be an object")


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    pdp, table_file = argv[1], argv[2]
    token = os.environ.get("AUTHZEN_TOKEN", "")
    with open(table_file, encoding="utf-8") as f:
        table = json.load(f)
    if not isinstance(table, list) or not table:
        raise SpecError("the table must be a non-empty list of requests")
    for i, r in enumerate(table):
        check_request(r, i)

    # 1. Metadata, validated before anything is sent to the endpoints it names.
    status, _, meta = call("GET", metadata_url(pdp), None)
    if status != 200 or not isinstance(meta, dict):
        raise SpecError(f"metadata: HTTP {status}, {meta!r}")
    if meta.get("policy_decision_point") != pdp:
        raise SpecError(f"metadata names the PDP {meta.get('policy_decision_point')!r}, not {pdp!r}: not used")
    single_url = meta.get("access_evaluation_endpoint")
    batch_url = meta.get("access_evaluations_endpoint")
    if not isinstance(single_url, str) or not single_url:
        raise SpecError("metadata: no access_evaluation_endpoint (REQUIRED)")

    # 2. One evaluation per request.
    singles = []
    for i, r in enumerate(table):
        rid = str(uuid.uuid4())
        status, headers, answer = call("POST", single_url, token, r, rid)
        if status != 200:
            raise SpecError(f"evaluation {i}: HTTP {status}")
        if headers.get("X-Request-ID") != rid:
            raise SpecError(f"evaluation {i}: X-Request-ID {headers.get('X-Request-ID')!r} not echoed as {rid!r}")
        singles.append(check_answer(answer, f"evaluation {i}"))

    # 3. The whole table in one batch.
    batch = None
    if batch_url:
        # The first request's subject is the batch's default: requests with that subject leave
        # it out, the others give their own, which replaces the default.
        first = table[0]["subject"]
        body = {
            "subject": first,
            "evaluations": [{k: v for k, v in r.items() if not (k == "subject" and v == first)} for r in table],
            "options": {"evaluations_semantic": "execute_all"},
        }
        rid = str(uuid.uuid4())
        status, headers, answer = call("POST", batch_url, token, body, rid)
        if status != 200:
            raise SpecError(f"evaluations: HTTP {status}")
        if headers.get("X-Request-ID") != rid:
            raise SpecError("evaluations: X-Request-ID not echoed")
        items = answer.get("evaluations") if isinstance(answer, dict) else None
        if not isinstance(items, list) or len(items) != len(table):
            raise SpecError(f"evaluations: {len(table)} asked (execute_all), answered {answer!r}")
        batch = [check_answer(a, f"evaluations[{i}]") for i, a in enumerate(items)]

    json.dump({"metadata": meta, "evaluation": singles, "evaluations": batch}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except SpecError as e:
        print(f"authzen_client: {e}", file=sys.stderr)
        sys.exit(1)
