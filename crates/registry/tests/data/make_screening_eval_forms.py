"""The extended screening evaluation set: real agencies and suppliers from the public files,
written the ways customers write them that the first set leaves out, one category (`how`)
each, and for every category near misses that must not match.

Positive categories (expect = the organisation's identifier):
  jurisdiction: city police       "City of X Police Department", "Police Department, City of X", "Town of X Police"
  jurisdiction: sheriff           "Sheriff of X County", "X County Sheriff", "Office of the X County Sheriff"
  jurisdiction: county/city gov   "County of X" for "X, COUNTY OF", "X, City of" for "CITY OF X"
  jurisdiction: university        "University of X-Y Police Department" for the FBI's "University of X: Y"
  article and punctuation         "The X", apostrophes written O'Brien'S or with a typographic quote, & and "and"
  legal form written out          "X Limited Liability Company" for "X LLC", "X Incorporated" for "X INC", …
  legal form abbreviated          "X LLC" for "X LIMITED LIABILITY COMPANY", "X Corp." for "X CORPORATION", …
  legal form, other language      "PGS Group Aktiebolag" for "PGS GROUP AB", "Serco Group Public Limited Company"
  numbers                         "Range Fifty-Four" for "RANGE 54", "Twenty-First Judicial District", "Partners 2"
  acronym                         "SAIC" for "Science Applications International Corporation" (unique initials)
  transliteration                 the name in Cyrillic, as a Russian-speaking customer would type it letter by letter
  compound                        "NorthWind" for "NORTH WIND", "Data Works" for "DATAWORKS"
  two typos                       two typing errors in one long, rare word
  shared name                     a name several registrations carry (expect = all of them, joined by |)

Near misses (expect empty), named "near miss: …":
  other body                      "City of X" or "X Fire Department" where the registry has only X's police
  sheriff, not city police        "X County Sheriff" where the registry has only X's city police
  city police, not sheriff        "X Police Department" where the registry has only X County's sheriff
  legal form only                 another company's distinctive words with this one's legal form
  other number                    "Range 55", "Partners III", "22nd Judicial District" (absent from the registry)
  acronym not unique              initials that several organisations' names share, and made-up letters
  transliteration                 a fictional company in Cyrillic
  three typos                     three typing errors in a one-word name
"""
import csv
import os
import random
import re
import unicodedata

RNG = random.Random(20261130)

FORM_WORDS = {"inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "corp", "corporation", "co", "company",
              "plc", "pllc", "pc", "pa", "ab", "pty", "gmbh", "ag", "sa", "lc", "liability"}
STOP = {"the", "of", "and", "dba"}
# Words of the kind every other name has: typos and compounds are made in the words that
# tell a name apart (a customer who joins "North Wind" does not join "Police Department").
GENERIC = {"police", "department", "county", "sheriff", "sheriff's", "sheriffs", "office", "city", "town", "village",
           "township", "borough", "university", "college", "state", "services", "service", "systems", "technologies",
           "technology", "solutions", "international", "corporation", "incorporated", "company", "enterprises",
           "group", "management", "consulting", "associates", "national", "american", "federal", "public", "safety",
           "limited", "liability", "community", "regional", "district", "authority", "commission", "center"}
AGENCY = [("police department", "police"), ("sheriff's office", "sheriffs"), ("sheriffs office", "sheriffs"),
          ("sheriff", "sheriffs")]


def key(name):
    """A rough normalisation (independent of candor's): the words that identify a name."""
    s = unicodedata.normalize("NFKD", name.lower())
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("'", "").replace("\u2019", "").replace(".", "")
    for a, b in AGENCY:
        s = s.replace(a, b)
    words = re.sub(r"[^a-z0-9]+", " ", s).split()
    return " ".join(sorted(set(w for w in words if w not in FORM_WORDS and w not in STOP
                               and not re.fullmatch(r"\d{4,}", w))))


def initials(name):
    s = re.sub(r"[^A-Za-z0-9 ]+", " ", name.replace(".", "").replace("'", ""))
    words = [w for w in s.lower().split() if w not in STOP and w not in {"&"}]
    while words and words[-1] in FORM_WORDS:
        words.pop()
    if len(words) < 3 or not all(w[0].isalpha() for w in words):
        return None
    return "".join(w[0] for w in words)


# Latin letters as a Russian-speaking customer types a foreign name in Cyrillic, letter by
# letter (digraphs first). This is the test's own table; candor transliterates with a crate.
CYR = [("shch", "щ"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ya", "я"), ("yu", "ю"),
       ("ph", "ф"), ("th", "т"), ("ck", "к"), ("a", "а"), ("b", "б"), ("c", "к"), ("d", "д"), ("e", "е"), ("f", "ф"),
       ("g", "г"), ("h", "х"), ("i", "и"), ("j", "дж"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"),
       ("p", "п"), ("q", "к"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("v", "в"), ("w", "в"), ("x", "кс"),
       ("y", "й"), ("z", "з")]


def cyrillic(word):
    w, out, i = word.lower(), "", 0
    while i < len(w):
        for lat, cyr in CYR:
            if w.startswith(lat, i):
                out += cyr
                i += len(lat)
                break
        else:
            out += w[i]
            i += 1
    return out.upper() if word.isupper() else out.capitalize()


UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORD = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth",
       "twelve": "twelfth"}


def words_for(n, ordinal=False):
    if n < 20:
        w = UNITS[n]
        return (ORD.get(w, w + "th") if ordinal else w).title()
    t, u = TENS[n // 10], n % 10
    if u == 0:
        return (t[:-1] + "ieth" if ordinal else t).title()
    last = UNITS[u]
    return f"{t}-{ORD.get(last, last + 'th') if ordinal else last}".title()


ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


def osa(a, b):
    """Damerau-Levenshtein distance (optimal string alignment), case-insensitive."""
    a, b = a.lower(), b.lower()
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def typo(word, n):
    """`n` typing errors in a word (swaps, substitutions, deletions), at different places, so
    that the word is exactly `n` edits from the original."""
    for _ in range(100):
        t = typo_once(word, n)
        if osa(t, word) == n:
            return t
    return t


def typo_once(word, n):
    w = list(word)
    places = RNG.sample(range(1, len(w) - 2), n)
    for p in sorted(places, reverse=True):
        kind = RNG.choice(["swap", "sub", "del"])
        if kind == "swap":
            w[p], w[p + 1] = w[p + 1], w[p]
        elif kind == "sub":
            w[p] = RNG.choice([c for c in "aeioustrnl" if c != w[p].lower()])
            w[p] = w[p].upper() if word.isupper() else w[p]
        else:
            del w[p]
    return "".join(w)


def forms_set(data, out):
    rows = []

    def add(name, state, expect, how):
        rows.append({"account_id": f"forms-{len(rows) + 1:05d}", "legal_name": name, "state": state or "",
                     "expect": expect, "how": how})

    agencies = list(csv.DictReader(open(f"{data}/agencies/fbi-ucr-agencies-2018.csv", encoding="utf-8")))
    # Every registry name: (name, state, identifier).
    names = [(a["agency_name"].strip(), a["state_abbr"], f"ori:{a['ori']}") for a in agencies]
    # Files in the order candor's tests import them (by name): an organisation keeps the
    # state of the first record that created it, so accounts are placed in that state.
    for f in ["ice-awards-to-local-governments.csv", "ice-awards-to-minnesota-vendors.csv",
              "ice-awards-to-state-governments.csv", "ice-subawards-since-2020.csv", "ice-transactions-fy2018.csv"]:
        for r in csv.DictReader(open(f"{data}/usaspending/{f}", encoding="utf-8")):
            if f.startswith("ice-subawards"):
                if r.get("subawardee_uei") and r.get("subawardee_name"):
                    names.append((r["subawardee_name"].strip(), r.get("subawardee_address_state_code", ""),
                                  f"uei:{r['subawardee_uei']}"))
                continue
            ident = f"uei:{r['recipient_uei']}" if r.get("recipient_uei") else (
                f"duns:{r['recipient_duns']}" if r.get("recipient_duns") else None)
            if ident:
                for col in ["recipient_name", "recipient_name_raw"]:
                    if r.get(col):
                        names.append((r[col].strip(), r.get("recipient_state_code", ""), ident))
            # Parents are organisations of the registry too (without a state).
            parent = f"uei:{r['recipient_parent_uei']}" if r.get("recipient_parent_uei") else (
                f"duns:{r['recipient_parent_duns']}" if r.get("recipient_parent_duns") else None)
            if parent and r.get("recipient_parent_name") and parent != ident:
                names.append((r["recipient_parent_name"].strip(), "", parent))
    first_state = {}
    for n, st, ident in names:
        first_state.setdefault(ident, st)
    names = [(n, first_state[ident], ident) for n, _, ident in names]
    # Who carries each (key, state); which identifiers one organisation has (an identifier
    # seen with the same name under another identifier is the same organisation only if
    # candor merges them, so shared names list every identifier and expect them all).
    owners, by_key_any = {}, {}
    for n, st, ident in names:
        owners.setdefault((key(n), st), set()).add(ident)
        by_key_any.setdefault(key(n), set()).add(ident)
    companies = sorted({(n, st, i) for n, st, i in names if not i.startswith("ori:")})
    unique = lambda n, st, i: owners.get((key(n), st)) == {i}
    fbi = [(a["agency_name"].strip(), a["state_abbr"], f"ori:{a['ori']}", a["agency_type_name"]) for a in agencies]
    in_state = {(key(n), st) for n, st, _ in names}

    def sample(xs, k):
        xs = sorted(xs)
        return RNG.sample(xs, min(k, len(xs)))

    # --- jurisdiction: city police
    city_pd = [(n, st, i) for n, st, i, t in fbi if t == "City" and n.endswith(" Police Department")
               and unique(n, st, i) and " Township " not in n and " Town " not in n and " Village " not in n
               and " City " not in n]
    for n, st, i in sample(city_pd, 120):
        place = n[: -len(" Police Department")]
        form = RNG.choice([f"City of {place} Police Department", f"Police Department, City of {place}",
                           f"Town of {place} Police", f"Village of {place} Police Dept.",
                           f"CITY OF {place.upper()} POLICE DEPT", f"{place} Police"])
        add(form, st, i, "jurisdiction: city police")
    # --- jurisdiction: sheriff
    sheriffs = [(n, st, i) for n, st, i, t in fbi if t == "County" and n.endswith(" County Sheriff's Office")
                and unique(n, st, i)]
    for n, st, i in sample(sheriffs, 120):
        county = n[: -len(" County Sheriff's Office")]
        form = RNG.choice([f"Sheriff of {county} County", f"{county} County Sheriff", f"{county} County Sheriff's Dept",
                           f"Office of the {county} County Sheriff", f"{county} Co. Sheriff's Office",
                           f"{county.upper()} COUNTY SHERIFFS DEPARTMENT", f"County of {county} Sheriff"])
        add(form, st, i, "jurisdiction: sheriff")
    # --- jurisdiction: county or city government (USAspending recipients)
    govs = [(n, st, i) for n, st, i in companies if re.fullmatch(r"(COUNTY|CITY|TOWN) OF [A-Z .'-]+|[A-Z .'-]+, (COUNTY|CITY|TOWN) OF", n)
            and unique(n, st, i)]
    for n, st, i in sample(govs, 60):
        m = re.fullmatch(r"(COUNTY|CITY|TOWN) OF (.+)", n)
        if m:
            kind, place = m.group(1).title(), m.group(2).title()
            form = RNG.choice([f"{place}, {kind} Of", f"{place} {kind}" if kind == "County" else f"{place}, {kind} of"])
        else:
            place, kind = n.rsplit(", ", 1)
            kind = kind.split()[0].title()
            form = RNG.choice([f"{kind} of {place.title()}", f"{place.title()} {kind}" if kind == "County"
                               else f"{kind} of {place.title()}"])
        add(form, st, i, "jurisdiction: county or city government")
    # --- jurisdiction: university police
    unis = [(n, st, i) for n, st, i, t in fbi if t == "University or College" and unique(n, st, i)]
    for n, st, i in sample(unis, 60):
        base = n.replace(": ", "-")
        form = RNG.choice([f"{base} Police Department", f"{base} Campus Police", f"{n.replace(':', '')} Police Dept",
                           f"{base} Police"])
        add(form, st, i, "jurisdiction: university police")
    for n, st, i in companies:
        if n.startswith("REGENTS OF THE UNIVERSITY OF") and unique(n, st, i):
            add(n.replace("REGENTS OF THE ", "").title(), st, i, "jurisdiction: university police")

    # --- articles and punctuation
    plain = [(n, st, i) for n, st, i in companies if unique(n, st, i) and not n.upper().startswith("THE ")
             and len(key(n).split()) >= 2]
    for n, st, i in sample(plain, 60):
        add("The " + n.title(), st, i, "article and punctuation")
    apos = [(n, st, i) for n, st, i in companies + [(a, b, c) for a, b, c, _ in fbi] if "'" in n and unique(n, st, i)]
    for n, st, i in sample(apos, 60):
        t = n.title()  # Python writes "O'Brien'S" as title() does
        form = RNG.choice([t, n.replace("'", "\u2019"), n.replace("'", ""), t.replace("'", "\u2019")])
        add(form, st, i, "article and punctuation")
    amp = [(n, st, i) for n, st, i in companies if " & " in n and unique(n, st, i)]
    for n, st, i in sample(amp, 30):
        add(n.replace(" & ", " and ").title(), st, i, "article and punctuation")

    # --- legal forms
    out_forms = [(" LLC", " Limited Liability Company"), (" L.L.C.", " Limited Liability Company"),
                 (" INC.", " Incorporated"), (" INC", " Incorporated"), (" CORP.", " Corporation"),
                 (" CORP", " Corporation"), (" LTD", " Limited"), (" LTD.", " Limited"), (" PLC", " Public Limited Company"),
                 (" LLP", " Limited Liability Partnership"), (" L.P.", " Limited Partnership"), (" CO.", " Company")]
    short_forms = [(" LIMITED LIABILITY COMPANY", " LLC"), (" INCORPORATED", " Inc."), (" CORPORATION", " Corp."),
                   (" LIMITED", " Ltd"), (" COMPANY", " Co.")]
    done = 0
    for n, st, i in sample([c for c in companies if unique(*c)], 2000):
        for a, b in out_forms:
            if n.upper().endswith(a) and done < 90:
                add(RNG.choice([n[: -len(a)] + b.upper(), (n[: -len(a)]).title() + b]).replace(",,", ","), st, i,
                    "legal form written out")
                done += 1
                break
    done = 0
    for n, st, i in sample([c for c in companies if unique(*c)], 2000):
        for a, b in short_forms:
            if n.upper().endswith(a) and done < 60:
                add(n[: -len(a)] + b, st, i, "legal form abbreviated")
                done += 1
                break
    foreign = [(" AB", [" Aktiebolag", " AKTIEBOLAG", " A.B."]), (" PLC", [" Public Limited Company", " p.l.c."]),
               (" PTY. LTD.", [" Proprietary Limited", " Pty Limited"]), (" GMBH", [" Gesellschaft mit beschränkter Haftung"]),
               (" AG", [" Aktiengesellschaft"]), (" S.A.", [" Sociedad Anónima", " Société Anonyme"])]
    for n, st, i in companies:
        for a, bs in foreign:
            if n.upper().endswith(a) and unique(n, st, i):
                for b in bs:
                    add(n[: -len(a)] + b, st, i, "legal form, other language")

    # --- numbers
    numbered = [(n, st, i) for n, st, i in companies + [(a, b, c) for a, b, c, _ in fbi]
                if re.search(r"\b\d{1,2}(st|nd|rd|th)?\b", n) and unique(n, st, i)]
    for n, st, i in numbered:
        m = re.search(r"\b(\d{1,2})(st|nd|rd|th)?\b", n)
        v = int(m.group(1))
        if v == 0:
            continue
        w = words_for(v, ordinal=bool(m.group(2)))
        add(n[: m.start()] + w + n[m.end():], st, i, "numbers")
        # The near miss: another number, where no such organisation exists.
        other = n[: m.start()] + str(v + 1) + (m.group(2) and ("st" if (v + 1) % 10 == 1 and v + 1 != 11 else "nd" if (v + 1) % 10 == 2 and v + 1 != 12 else "rd" if (v + 1) % 10 == 3 and v + 1 != 13 else "th") or "") + n[m.end():]
        if (key(other), st) not in in_state:
            add(other, st, "", "near miss: other number")
    worded = [(n, st, i) for n, st, i in companies if re.search(r"\b(ONE|TWO|THREE|FOUR|FIVE|FIRST|SECOND|THIRD)\b", n.upper())
              and unique(n, st, i)]
    digits = {"ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5", "FIRST": "1st", "SECOND": "2nd", "THIRD": "3rd"}
    for n, st, i in worded:
        m = re.search(r"\b(ONE|TWO|THREE|FOUR|FIVE|FIRST|SECOND|THIRD)\b", n.upper())
        add(n[: m.start()] + digits[m.group(1)] + n[m.end():], st, i, "numbers")
    for n, st, i in companies:
        m = re.search(r"\b(II|III|IV)\b", n)
        if m and unique(n, st, i):
            v = ROMAN.index(m.group(1))
            add(n[: m.start()] + str(v) + n[m.end():], st, i, "numbers")
            add(n[: m.start()] + ROMAN[v + 1] + n[m.end():], st, "", "near miss: other number")

    # --- acronyms: initials of exactly one organisation, not a word of any name
    # Owners are told apart by identifier and by name: two identifiers under one name may be
    # one organisation (candor merges a DUNS-only and a UEI-only record of one name), so an
    # acronym is only "shared" when different names have it.
    init_owners, init_names = {}, {}
    # Words of every name, and the abbreviations candor's federal reference registers (DHS,
    # ICE): an acronym that is one of those is a name, not initials.
    import tomllib
    reference = tomllib.load(open(os.path.join(os.path.dirname(__file__), "../../data/federal-law-enforcement.toml"), "rb"))
    vocab = {x["abbreviation"].lower() for part in ("department", "agency") for x in reference.get(part, [])}
    for n, st, i in names:
        vocab.update(key(n).split())
        x = initials(n)
        if x:
            init_owners.setdefault(x, set()).add(i)
            init_names.setdefault(x, set()).add(key(n))
    acr = [(n, st, i, initials(n)) for n, st, i in companies + [(a, b, c) for a, b, c, _ in fbi]
           if initials(n) and len(initials(n)) >= 3 and init_owners[initials(n)] == {i} and initials(n) not in vocab
           and unique(n, st, i)]
    seen_acr = set()
    for n, st, i, x in sample(acr, 80):
        if x not in seen_acr:
            seen_acr.add(x)
            add(x.upper(), st, i, "acronym")
    shared_acr = sorted(x for x, o in init_names.items() if len(o) > 1 and len(x) >= 3 and x not in vocab)
    for x in RNG.sample(shared_acr, 40):
        add(x.upper(), "", "", "near miss: acronym not unique")
    for _ in range(20):
        x = "".join(RNG.choice("BCDFGHJKLMNPQRSTVWXZ") for _ in range(4))
        if x.lower() not in init_owners and x.lower() not in vocab:
            add(x, "", "", "near miss: acronym not unique")

    # --- transliteration (Cyrillic)
    translit = [(n, st, i) for n, st, i in plain if re.fullmatch(r"[A-Z]{4,}( [A-Z]{4,}){0,2}(,? (INC|LLC|CORP|CORPORATION)\.?)?", n)]
    for n, st, i in sample(translit, 70):
        m = re.search(r",? (INC|LLC|CORP|CORPORATION)\.?$", n)
        words = n[: m.start()].split() if m else n.split()
        form = " ".join(cyrillic(w.title()) for w in words)
        # The legal form as Russian writes it: ООО before a limited liability company, Инк.
        # after an incorporated one; or none.
        kind = m.group(1) if m else None
        choices = [form] + (["ООО " + form] if kind == "LLC" else []) + ([form + " Инк."] if kind == "INC" else [])
        add(RNG.choice(choices), st, i, "transliteration")
    first = ["Bluebird", "Granite", "Harbor", "Maple", "Silverline", "Copperfield", "Northstar", "Juniper", "Redwood"]
    second = ["Bakery", "Logistics", "Software", "Florists", "Analytics", "Outfitters", "Brewing", "Robotics"]
    for _ in range(30):
        add(" ".join(cyrillic(w) for w in [RNG.choice(first), RNG.choice(second)]), RNG.choice(["MN", "TX", ""]), "",
            "near miss: transliteration")

    # --- compounds: split a joined word the registry also knows in parts, or join two short words
    words_known = {w for n, _, _ in names for w in key(n).split()}
    split, joined = [], []
    for n, st, i in companies + [(a, b, c) for a, b, c, _ in fbi]:
        if not unique(n, st, i):
            continue
        ws = n.split()
        for k, w in enumerate(ws):
            lw = w.lower().strip(",.")
            if lw in GENERIC:
                continue
            for cut in range(3, len(lw) - 2):
                if lw.isalpha() and lw[:cut] in words_known and lw[cut:] in words_known and len(lw) >= 7:
                    split.append((" ".join(ws[:k] + [w[:cut], w[cut:]] + ws[k + 1:]), st, i))
                    break
        for k in range(len(ws) - 1):
            a, b = ws[k].strip(",."), ws[k + 1].strip(",.")
            plain_words = all(x.lower() not in STOP | FORM_WORDS | GENERIC for x in (a, b))
            if a.isalpha() and b.isalpha() and 3 <= len(a) <= 6 and 3 <= len(b) <= 6 and plain_words:
                joined.append((" ".join(ws[:k] + [a + b.lower() if not n.isupper() else a + b] + ws[k + 2:]), st, i))
    for f, st, i in sample(split, 40) + sample(joined, 40):
        add(f, st, i, "compound")

    # --- two typos in one long, rare word
    rare = lambda w: len(w) >= 9 and w.isalpha() and w.lower() not in GENERIC
    long_rare = [(n, st, i) for n, st, i in companies + [(a, b, c) for a, b, c, _ in fbi]
                 if unique(n, st, i) and any(rare(w) for w in n.split())]
    for n, st, i in sample(long_rare, 80):
        ws = n.split()
        k = max(range(len(ws)), key=lambda j: (len(ws[j]) if rare(ws[j]) else 0))
        add(" ".join(ws[:k] + [typo(ws[k], 2)] + ws[k + 1:]), st, i, "two typos")
    single = [(n, st, i) for n, st, i in companies if unique(n, st, i) and len(key(n).split()) == 1
              and len(key(n)) >= 8 and key(n).isalpha()]
    for n, st, i in sample(single, 30):
        word = key(n)
        add(typo(word.upper(), 3) + " LLC", st, "", "near miss: three typos")

    # --- shared names: one name, several registrations (expect all of them)
    for (k, st), ids in sorted(owners.items()):
        if len(ids) >= 2 and len(ids) <= 4 and k and len(k.split()) >= 2 and not any(x.startswith("ori:") for x in ids):
            name = next(n for n, s2, i in companies if key(n) == k and s2 == st)
            if len(rows) % 2 == 0:
                add(name.title(), st, "|".join(sorted(ids)), "shared name")
            else:
                add(name, st, "|".join(sorted(ids)), "shared name")
    for (k, st), ids in sorted(owners.items()):
        if len(ids) >= 2 and len(ids) <= 4 and all(x.startswith("ori:") for x in ids):
            name = next(n for n, s2, _, _ in fbi if key(n) == k and s2 == st)
            add(name, st, "|".join(sorted(ids)), "shared name")

    # --- near misses of jurisdiction words
    pd_by_place = {(n[: -len(" Police Department")], st) for n, st, _, t in fbi if n.endswith(" Police Department")}
    so_by_county = {(n[: -len(" County Sheriff's Office")], st) for n, st, _, t in fbi if n.endswith(" County Sheriff's Office")}
    gov_keys = {(key(n), st) for n, st, _ in companies}
    for n, st, i in sample(city_pd, 80):
        place = n[: -len(" Police Department")]
        form = RNG.choice([f"City of {place}", f"{place} Fire Department", f"City of {place} Public Library",
                           f"{place} Public Works Department"])
        if (key(form), st) not in gov_keys and (key(form), st) not in in_state:
            add(form, st, "", "near miss: other body")
        if (place, st) not in so_by_county:
            add(f"{place} County Sheriff", st, "", "near miss: sheriff, not city police")
    for n, st, i in sample(sheriffs, 80):
        county = n[: -len(" County Sheriff's Office")]
        if (county, st) not in pd_by_place and (key(f"{county} Police Department"), st) not in in_state:
            add(f"{county} Police Department", st, "", "near miss: city police, not sheriff")
    # Another company's distinctive words with this one's legal form ("Acme AG" is not "Zenith AG").
    fictional = ["Bluebird", "Quillon", "Tidewell", "Fernhill", "Amberly", "Cobalt Ridge", "Stonegate", "Pinecrest"]
    for n, st, i in sample([c for c in companies if re.search(r" (LLC|INC\.?|CORPORATION|CORP\.?|LTD|PLC|AB)$", c[0])], 60):
        form = re.search(r" (LLC|INC\.?|CORPORATION|CORP\.?|LTD|PLC|AB)$", n).group(1)
        words = n[: -len(form) - 1].rstrip(",").split()
        if len(words) >= 2:
            other = RNG.choice(fictional) + " " + " ".join(words[1:])
            if (key(other), st) not in in_state and len(key(n).split()) >= 3:
                add(f"{other} {form}", st, "", "near miss: legal form only")
        add(f"{RNG.choice(fictional)} {RNG.choice(['Holdings', 'Ventures', 'Trading'])} {form}", st, "",
            "near miss: legal form only")

    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["account_id", "legal_name", "state", "expect", "how"])
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} rows: {sum(1 for r in rows if r['expect'])} positives, "
          f"{sum(1 for r in rows if not r['expect'])} negatives")
