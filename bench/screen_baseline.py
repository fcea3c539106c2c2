#!/usr/bin/env python3
"""A straightforward Python screening baseline for `candor bench screen`, with rapidfuzz.

For each account: rapidfuzz's extractOne over the registry aliases in the account's state
(plus those with no state), scorer token_set_ratio on default-processed strings, cut-off 90.
Usage: screen_baseline.py REGISTRY.csv ACCOUNTS.csv OUT.csv   (prints the seconds it took)
"""
import csv
import sys
import time

from rapidfuzz import fuzz, process, utils

registry, accounts, out = sys.argv[1:4]
start = time.perf_counter()
by_state, stateless = {}, ([], [])
for r in csv.DictReader(open(registry, encoding="utf-8")):
    target = by_state.setdefault(r["state"], ([], [])) if r["state"] else stateless
    target[0].append(utils.default_process(r["alias"]))
    target[1].append(r["org_id"])
loaded = time.perf_counter()
with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["account_id", "org_id", "score"])
    for a in csv.DictReader(open(accounts, encoding="utf-8")):
        names, ids = by_state.get(a["state"], ([], []))
        choices = names + stateless[0]
        owners = ids + stateless[1]
        best = process.extractOne(utils.default_process(a["legal_name"]), choices, scorer=fuzz.token_set_ratio,
                                  processor=None, score_cutoff=90)
        w.writerow([a["account_id"], owners[best[2]] if best else "", f"{best[1]:.1f}" if best else ""])
done = time.perf_counter()
print(f"{done - start:.3f} {loaded - start:.3f}")
