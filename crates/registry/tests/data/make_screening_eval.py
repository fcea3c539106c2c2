#!/usr/bin/env python3
"""Builds candor's labelled screening evaluation set from the real public files.

Positives: real organisations (FBI UCR agencies and USAspending recipients, parents and
subawardees) under spellings a customer might type for a billing account: the real
alternative spellings found across recipient_name / recipient_name_raw /
recipient_parent_name / subawardee_dba_name and across files, each put through one realistic
variation (case, legal form, punctuation, abbreviation, word order, a typo, accents).
The expected answer is the organisation's identifier (UEI, DUNS or ORI).

Hard negatives: names that share most words with a real organisation but are another body
(same county, other function; same name, other state), and ordinary fictional companies.

Deterministic (fixed seed). Usage: make_screening_eval.py SHARED_DATA_DIR OUT.csv [FORMS_OUT.csv]

With FORMS_OUT.csv it also writes the extended set (screening-eval-forms.csv): the ways of
writing names that the first set leaves out, one category (`how`) each, every one with near
misses that must not match. See `forms_set` below.
"""
import csv
import random
import sys

random.seed(20261127)
data, out = sys.argv[1], sys.argv[2]
rows = []

LEGAL = {"inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation", "co", "company", "the",
         "plc", "pllc", "pc", "pa", "dba", "of"}


def key(name, state):
    """Roughly candor's normalisation: a label is usable only if name and state decide it."""
    s = "".join(c if c.isalnum() else " " for c in name.lower().replace("'", "").replace(".", ""))
    return (" ".join(sorted(t for t in set(s.split()) if t not in LEGAL)), (state or "").upper())


def variants(name):
    """Realistic ways a customer writes the same legal name."""
    v = []
    t = name.title()
    v.append(("case", t))
    for a, b in [(" INC.", " Incorporated"), (" INC", " Incorporated"), (", INC.", " Inc"), (" LLC", " L.L.C."),
                 (", LLC", " LLC"), (" CORPORATION", " Corp."), (" CORP", " Corporation"), (" COMPANY", " Co."),
                 (" LTD", " Limited")]:
        if name.upper().endswith(a.upper()):
            v.append(("legal form", name[: -len(a)] + b))
            break
    words = name.split()
    if "DEPARTMENT" in name.upper():
        v.append(("abbreviation", name.upper().replace("DEPARTMENT", "DEPT.")))
    if "POLICE DEPARTMENT" in name.upper():
        v.append(("abbreviation", name.upper().replace("POLICE DEPARTMENT", "PD")))
    if "COUNTY" in name.upper():
        v.append(("abbreviation", name.upper().replace("COUNTY", "CNTY")))
    if "SHERIFF'S OFFICE" in name.upper():
        v.append(("abbreviation", name.upper().replace("SHERIFF'S OFFICE", "SO")))
    if "," in name or "." in name:
        v.append(("punctuation", name.replace(",", "").replace(".", "")))
    if len(words) >= 3:
        w = words[:]
        i = random.randrange(len(w) - 1)
        w[i], w[i + 1] = w[i + 1], w[i]
        v.append(("word order", " ".join(w)))
    long_words = [i for i, w in enumerate(words) if len(w) >= 7 and w.isalpha()]
    if long_words:
        i = random.choice(long_words)
        w = words[i]
        j = random.randrange(1, len(w) - 1)
        typo = w[:j] + w[j + 1] + w[j] + w[j + 2:]
        v.append(("typo", " ".join(words[:i] + [typo] + words[i + 1:])))
    if "E" in name.upper():
        k = name.upper().index("E")
        v.append(("accents", name[:k] + "É" + name[k + 1:]))
    return v


def add(name, state, expect, how):
    rows.append({"account_id": f"eval-{len(rows) + 1:05d}", "legal_name": name, "state": state or "",
                 "expect": expect, "how": how})


# Positives from the FBI list.
agencies = list(csv.DictReader(open(f"{data}/agencies/fbi-ucr-agencies-2018.csv", encoding="utf-8")))

# Positives from USAspending: every spelling tied to one identifier.
spellings = {}
def note(ident, name, state):
    if ident and name:
        spellings.setdefault(ident, {}).setdefault(name.strip(), state)

for f in ["ice-awards-to-minnesota-vendors.csv", "ice-awards-to-local-governments.csv",
          "ice-awards-to-state-governments.csv", "ice-transactions-fy2018.csv"]:
    for r in csv.DictReader(open(f"{data}/usaspending/{f}", encoding="utf-8")):
        ident = f"uei:{r['recipient_uei']}" if r.get("recipient_uei") else (f"duns:{r['recipient_duns']}" if r.get("recipient_duns") else None)
        state = r.get("recipient_state_code", "")
        note(ident, r.get("recipient_name"), state)
        note(ident, r.get("recipient_name_raw"), state)
        if r.get("recipient_parent_uei") and r.get("recipient_parent_uei") == r.get("recipient_uei"):
            note(ident, r.get("recipient_parent_name"), state)
for r in csv.DictReader(open(f"{data}/usaspending/ice-subawards-since-2020.csv", encoding="utf-8")):
    ident = f"uei:{r['subawardee_uei']}" if r.get("subawardee_uei") else None
    note(ident, r.get("subawardee_name"), r.get("subawardee_address_state_code", ""))
    note(ident, r.get("subawardee_dba_name"), r.get("subawardee_address_state_code", ""))

# A (name, state) written under several identifiers (two registrations of one city, a DBA
# shared by many offices, an FBI agency and a USAspending recipient) cannot label a test:
# the matcher is right to call it ambiguous. Such spellings are left out.
owners = {}
for a in agencies:
    owners.setdefault(key(a["agency_name"], a["state_abbr"]), set()).add(f"ori:{a['ori']}")
for ident, names in spellings.items():
    for n, st in names.items():
        owners.setdefault(key(n, st), set()).add(ident)
decidable = lambda n, st: len(owners.get(key(n, st), ())) == 1

for a in random.sample([a for a in agencies if decidable(a["agency_name"], a["state_abbr"])], 350):
    how, name = random.choice(variants(a["agency_name"]))
    add(name, a["state_abbr"], f"ori:{a['ori']}", how)

idents = sorted(i for i in spellings if any(decidable(n, st) for n, st in spellings[i].items()))
for ident in random.sample(idents, min(450, len(idents))):
    names = sorted(n for n, st in spellings[ident].items() if decidable(n, st))
    name = random.choice(names)
    state = spellings[ident][name]
    how, v = random.choice(variants(name))
    if len(names) > 1:
        how = "other spelling + " + how
    add(v, state, ident, how)

# Hard negatives: another public body in the same place; the same name in another state.
other_bodies = ["Public Schools", "Public Library", "Fire Department", "Parks and Recreation Department",
                "Water Department", "Board of Elections", "Health Department", "Transit Authority"]
states = sorted({a["state_abbr"] for a in agencies})
for a in random.sample(agencies, 300):
    place = a["agency_name"].split(" Police")[0].split(" Sheriff")[0].split(" County")[0].split(" Department")[0]
    if a["agency_type_name"] == "County":
        add(f"{place} County {random.choice(other_bodies)}", a["state_abbr"], "", "other body, same county")
    else:
        add(f"{place} {random.choice(other_bodies)}", a["state_abbr"], "", "other body, same place")
names_in_state = {key(a["agency_name"], a["state_abbr"]) for a in agencies}
for a in random.sample([a for a in agencies if a["agency_type_name"] in ("City", "County")], 150):
    # Another state where no agency has this name (Macon County exists in six states).
    other = random.choice([s for s in states if s != a["state_abbr"] and key(a["agency_name"], s) not in names_in_state])
    add(a["agency_name"], other, "", "same name, other state")

# Ordinary companies (fictional): no match expected.
first = ["Bluebird", "Granite", "Harbor", "Maple", "Silverline", "Copperfield", "Northstar", "Juniper", "Redwood",
         "Brightwater", "Oakridge", "Sunfield", "Lakeshore", "Pinecrest", "Riverbend", "Stonegate"]
second = ["Bakery", "Dental Care", "Logistics", "Software", "Design Studio", "Veterinary Clinic", "Florists",
          "Analytics", "Outfitters", "Brewing", "Tutoring", "Architects", "Robotics", "Media Lab"]
forms = ["LLC", "Inc.", "Ltd", "Co.", "GmbH", "Corporation", ""]
for _ in range(200):
    add(f"{random.choice(first)} {random.choice(second)} {random.choice(forms)}".strip(), random.choice(states), "",
        "ordinary company (fictional)")

with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=["account_id", "legal_name", "state", "expect", "how"])
    w.writeheader()
    w.writerows(rows)
print(f"{len(rows)} rows: {sum(1 for r in rows if r['expect'])} positives, {sum(1 for r in rows if not r['expect'])} negatives")

if len(sys.argv) > 3:
    import make_screening_eval_forms
    make_screening_eval_forms.forms_set(data, sys.argv[3])
