// candor: checks the records on this page against the signed transparency log, in the
// reader's browser, with no trust in the server that sent the page.
//
// - The checkpoint (C2SP signed note) must carry a valid Ed25519 signature by the log's key
//   (WebCrypto), and name the log's origin.
// - Each record's bytes must hash (RFC 6962 leaf hash) to a leaf included in the signed tree.
//   Online, the inclusion proof is built from the log's own tiles (C2SP tlog-tiles) and the
//   entry is compared with the log's entry bundle; offline (file:// or no network) the proof
//   embedded in the page is used. Either way the proof is checked (RFC 9162 2.1.3.2).
// - The page's checkpoint must be consistent with the log's latest one, and the latest with
//   the one this browser remembers from an earlier visit (RFC 9162 2.1.4.2).
// - When the log has a trust policy (C2SP tlog-cosignature, Sigsum policy grammar), each
//   witness it names is checked: an Ed25519 cosignature/v1 line by its key must verify and not
//   be dated in the future (5 minutes' grace for a slow clock); the quorum must be met, or the
//   page says plainly that it is not witnessed. ML-DSA-44 witnesses are reported as not
//   verifiable here. A bad cosignature by a known witness fails the page.
"use strict";
(function () {
  const enc = new TextEncoder();

  function b64(text) {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function toB64(bytes) {
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }
  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }
  const leafHash = (entry) => sha256(concat(new Uint8Array([0]), entry));
  const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));

  class Failure extends Error {}
  const fail = (msg) => {
    throw new Failure(msg);
  };

  // ---- signed notes and checkpoints (C2SP signed-note, tlog-checkpoint) ----

  async function parseVkey(vkey) {
    // The key's base64 may itself hold "+": split at the first two only.
    const a = vkey.indexOf("+"), b = a < 0 ? -1 : vkey.indexOf("+", a + 1);
    if (a <= 0 || b < 0) fail("the verifier key is not name+id+key");
    const [name, id, key] = [vkey.slice(0, a), vkey.slice(a + 1, b), vkey.slice(b + 1)];
    const raw = b64(key);
    if (raw.length !== 33 || raw[0] !== 1) fail("the verifier key is not an Ed25519 key");
    const want = (await sha256(concat(enc.encode(name + "\n"), raw))).slice(0, 4);
    if (hex(want) !== id) fail("the verifier key's id does not match its key");
    const pub = raw.slice(1);
    const cryptoKey = await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]);
    return { name, id: want, cryptoKey };
  }

  async function openCheckpoint(text, key, origin, what) {
    const split = text.indexOf("\n\n");
    if (split < 0) fail(what + " is not a signed note");
    const body = text.slice(0, split + 1);
    const lines = body.split("\n");
    if (lines.length < 4) fail(what + " has too few lines");
    const [cpOrigin, sizeText, rootText] = lines;
    if (cpOrigin !== origin) fail(what + " is for log " + JSON.stringify(cpOrigin) + ", not " + JSON.stringify(origin));
    if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) fail(what + " has a bad tree size");
    const size = Number(sizeText);
    const root = b64(rootText);
    if (root.length !== 32) fail(what + " has a bad root hash");
    let verified = false;
    for (const line of text.slice(split + 2).split("\n")) {
      if (!line.startsWith("\u2014 ")) continue;
      const [name, sig64] = line.slice(2).split(" ");
      if (name !== key.name) continue;
      const sig = b64(sig64 || "");
      if (sig.length !== 68 || !equal(sig.slice(0, 4), key.id)) continue;
      if (await crypto.subtle.verify({ name: "Ed25519" }, key.cryptoKey, sig.slice(4), enc.encode(body))) {
        verified = true;
      } else {
        fail("the Ed25519 signature on " + what + " is not valid");
      }
    }
    if (!verified) fail(what + " carries no signature by " + key.name);
    return { size, root, text };
  }

  // ---- witnesses (C2SP tlog-cosignature) and the trust policy ----

  function parsePolicy(text) {
    const witnesses = [], groups = new Map();
    let quorum = null;
    const defined = (n) => witnesses.some((w) => w.name === n) || groups.has(n);
    text.split("\n").forEach((raw, i) => {
      const words = raw.split("#")[0].trim().split(/\s+/).filter((w) => w);
      if (words.length === 0) return;
      const where = "trust policy line " + (i + 1);
      if (words[0] === "witness") {
        if (words.length < 3) fail(where + ": witness NAME VKEY [URL]");
        witnesses.push({ name: words[1], vkey: words[2] });
      } else if (words[0] === "group") {
        if (words.length < 4) fail(where + ": group NAME all|any|K MEMBER...");
        const members = words.slice(3);
        for (const m of members) if (!defined(m)) fail(where + ": " + m + " is not defined above");
        const t = words[2] === "all" ? members.length : words[2] === "any" ? 1 : Number(words[2]);
        if (!Number.isInteger(t) || t < 1 || t > members.length) fail(where + ": bad threshold " + words[2]);
        groups.set(words[1], { threshold: t, members });
      } else if (words[0] === "quorum") {
        if (words[1] !== "none" && !defined(words[1])) fail(where + ": quorum " + words[1] + " is not defined");
        quorum = words[1] === "none" ? null : words[1];
      } else if (words[0] !== "log") {
        fail(where + ": unknown keyword " + words[0]);
      }
    });
    return { witnesses, groups, quorum };
  }

  async function parseCosignerKey(vkey) {
    const a = vkey.indexOf("+"), b = a < 0 ? -1 : vkey.indexOf("+", a + 1);
    if (a <= 0 || b < 0) fail("a witness key is not name+id+key");
    const [name, id, key] = [vkey.slice(0, a), vkey.slice(a + 1, b), vkey.slice(b + 1)];
    const raw = b64(key);
    const want = (await sha256(concat(enc.encode(name + "\n"), raw))).slice(0, 4);
    if (hex(want) !== id) fail("witness key " + name + ": its id does not match its key");
    if (raw[0] === 6) return { name, id: want, mlDsa: true };
    if (raw.length !== 33 || raw[0] !== 4) fail("witness key " + name + " is not an Ed25519 cosigner key");
    const cryptoKey = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    return { name, id: want, cryptoKey };
  }

  // Per witness of the policy: "cosigned", "absent" or "not verifiable here"; and the quorum.
  async function checkWitnesses(checkpointText, policy) {
    const split = checkpointText.indexOf("\n\n");
    const body = checkpointText.slice(0, split + 1);
    const lines = checkpointText.slice(split + 2).split("\n").filter((l) => l.startsWith("\u2014 "));
    const now = Date.now() / 1000 + 300;
    const status = new Map();
    for (const w of policy.witnesses) {
      const key = await parseCosignerKey(w.vkey);
      let verdict = "absent";
      for (const line of lines) {
        const [name, sig64] = line.slice(2).split(" ");
        if (name !== key.name) continue;
        const blob = b64(sig64 || "");
        if (blob.length < 4 || !equal(blob.slice(0, 4), key.id)) continue;
        if (key.mlDsa) { verdict = "not verifiable here"; continue; }
        if (blob.length !== 76) fail("the cosignature of witness " + w.name + " is malformed");
        let time = 0;
        for (const byte of blob.slice(4, 12)) time = time * 256 + byte;
        const message = enc.encode("cosignature/v1\ntime " + time + "\n" + body);
        if (!(await crypto.subtle.verify({ name: "Ed25519" }, key.cryptoKey, blob.slice(12), message))) {
          fail("the cosignature of witness " + w.name + " is not valid");
        }
        if (time > now) fail("the cosignature of witness " + w.name + " is dated in the future");
        verdict = "cosigned";
      }
      status.set(w.name, verdict);
    }
    const met = (name) => {
      if (status.has(name)) return status.get(name) === "cosigned";
      const g = policy.groups.get(name);
      return g.members.filter(met).length >= g.threshold;
    };
    return { status, quorum: policy.quorum, met: policy.quorum === null || met(policy.quorum) };
  }

  // ---- RFC 9162 proof checks ----

  async function verifyInclusion(index, size, leaf, proof, root) {
    if (index >= size) fail("record index " + index + " is beyond the tree size " + size);
    let f = index, s = size - 1, r = leaf;
    for (const p of proof) {
      if (s === 0) fail("the inclusion proof is too long");
      if (f % 2 === 1 || f === s) {
        r = await nodeHash(p, r);
        if (f % 2 === 0) while (f % 2 === 0 && f !== 0) { f = Math.floor(f / 2); s = Math.floor(s / 2); }
      } else {
        r = await nodeHash(r, p);
      }
      f = Math.floor(f / 2);
      s = Math.floor(s / 2);
    }
    if (s !== 0) fail("the inclusion proof is too short");
    if (!equal(r, root)) fail("the inclusion proof does not lead to the signed root");
  }

  async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
    if (oldSize > newSize) fail("the log shrank from " + oldSize + " to " + newSize + " entries");
    if (oldSize === newSize) {
      if (!equal(oldRoot, newRoot)) fail("two different trees of the same size " + oldSize);
      return;
    }
    if (oldSize === 0) return;
    const path = (oldSize & (oldSize - 1)) === 0 ? [oldRoot, ...proof] : proof.slice();
    if (path.length === 0) fail("the consistency proof is empty");
    let f = oldSize - 1, s = newSize - 1;
    while (f % 2 === 1) { f = Math.floor(f / 2); s = Math.floor(s / 2); }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (s === 0) fail("the consistency proof is too long");
      if (f % 2 === 1 || f === s) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        if (f % 2 === 0) while (f % 2 === 0 && f !== 0) { f = Math.floor(f / 2); s = Math.floor(s / 2); }
      } else {
        sr = await nodeHash(sr, c);
      }
      f = Math.floor(f / 2);
      s = Math.floor(s / 2);
    }
    if (s !== 0) fail("the consistency proof is too short");
    if (!equal(fr, oldRoot)) fail("the older tree is not a prefix of the newer one");
    if (!equal(sr, newRoot)) fail("the consistency proof does not lead to the newer root");
  }

  // ---- the log's tiles (C2SP tlog-tiles) ----

  function indexPath(n) {
    let digits = String(n);
    while (digits.length % 3 !== 0) digits = "0" + digits;
    const groups = digits.match(/.../g);
    return groups.map((g, i) => (i < groups.length - 1 ? "x" + g : g)).join("/");
  }
  const largestPow2Below = (n) => { let k = 1; while (k * 2 < n) k *= 2; return k; };
  const isPow2 = (n) => n > 0 && (n & (n - 1)) === 0;

  class Tiles {
    constructor(root, size) {
      this.root = root;
      this.size = size;
      this.cache = new Map();
    }
    width(level, index) {
      const count = Math.floor(this.size / Math.pow(256, level));
      return Math.min(256, count - index * 256);
    }
    async get(prefix, index, width) {
      const full = prefix + indexPath(index);
      const path = width < 256 ? full + ".p/" + width : full;
      if (!this.cache.has(path)) {
        this.cache.set(path, (async () => {
          let r = await fetch(this.root + path, { cache: "no-store" });
          // A log may delete a partial tile once the full one exists.
          if (r.status === 404 && width < 256) r = await fetch(this.root + full, { cache: "no-store" });
          if (!r.ok) fail("could not fetch " + path + " (HTTP " + r.status + ")");
          return new Uint8Array(await r.arrayBuffer());
        })());
      }
      return this.cache.get(path);
    }
    async hashTile(level, index) {
      const w = this.width(level, index);
      if (w <= 0) fail("tile " + level + "/" + index + " is beyond the tree");
      const bytes = await this.get("tile/" + level + "/", index, w);
      if (bytes.length < w * 32) fail("tile " + level + "/" + indexPath(index) + " is too short");
      const out = [];
      for (let i = 0; i < w; i++) out.push(bytes.slice(i * 32, i * 32 + 32));
      return out;
    }
    async subtree(level, index) {
      const tl = Math.floor(level / 8), h = level % 8;
      const first = index * Math.pow(2, h), count = Math.pow(2, h);
      const tile = await this.hashTile(tl, Math.floor(first / 256));
      let hashes = tile.slice(first % 256, (first % 256) + count);
      if (hashes.length !== count) fail("tile " + tl + "/" + Math.floor(first / 256) + " is too short");
      while (hashes.length > 1) {
        const next = [];
        for (let i = 0; i < hashes.length; i += 2) next.push(await nodeHash(hashes[i], hashes[i + 1]));
        hashes = next;
      }
      return hashes[0];
    }
    async rangeHash(lo, hi) {
      const n = hi - lo;
      if (isPow2(n) && lo % n === 0) return this.subtree(Math.log2(n), lo / n);
      const k = largestPow2Below(n);
      return nodeHash(await this.rangeHash(lo, lo + k), await this.rangeHash(lo + k, hi));
    }
    async inclusion(m, size) {
      const out = [];
      const path = async (m, lo, hi) => {
        const n = hi - lo;
        if (n === 1) return;
        const k = largestPow2Below(n);
        if (m < k) { await path(m, lo, lo + k); out.push(await this.rangeHash(lo + k, hi)); }
        else { await path(m - k, lo + k, hi); out.push(await this.rangeHash(lo, lo + k)); }
      };
      await path(m, 0, size);
      return out;
    }
    async consistency(old, size) {
      const out = [];
      const sub = async (m, lo, hi, whole) => {
        const n = hi - lo;
        if (m === n) { if (!whole) out.push(await this.rangeHash(lo, hi)); return; }
        const k = largestPow2Below(n);
        if (m <= k) { await sub(m, lo, lo + k, whole); out.push(await this.rangeHash(lo + k, hi)); }
        else { await sub(m - k, lo + k, hi, false); out.push(await this.rangeHash(lo, lo + k)); }
      };
      if (old > 0 && old < size) await sub(old, 0, size, true);
      return out;
    }
    async entry(i) {
      const bundle = Math.floor(i / 256);
      const bytes = await this.get("tile/entries/", bundle, this.width(0, bundle));
      let o = 0;
      for (let n = 0; o + 2 <= bytes.length; n++) {
        const len = (bytes[o] << 8) | bytes[o + 1];
        if (o + 2 + len > bytes.length) break;
        if (n === i % 256) return bytes.slice(o + 2, o + 2 + len);
        o += 2 + len;
      }
      fail("the log's entry bundle does not hold entry " + i);
    }
  }

  // ---- the page ----

  function show(el, ok, text) {
    el.dataset.state = ok ? "verified" : "failed";
    el.textContent = (ok ? "\u2714 Verified: " : "\u2718 FAILED: ") + text;
  }

  async function checkRecord(section, cp, embedded, tiles) {
    const p = JSON.parse(section.querySelector("script.candor-proof").textContent);
    const entry = b64(p.entry);
    const shown = section.querySelector("pre.entry");
    if (shown && shown.textContent !== new TextDecoder().decode(entry)) {
      fail("the record shown differs from the record's bytes in its proof");
    }
    // Every value the section shows must be the value the record holds at that place.
    let record;
    try {
      record = JSON.parse(new TextDecoder().decode(entry));
    } catch (e) {
      fail("the record is not JSON");
    }
    // No page can show NUL (an HTML parser drops it): a record holding one fails here, and in
    // candor verify, so the two always agree.
    const nulAt = (v, at) => {
      if (typeof v === "string") return v.includes("\u0000") ? at || "/" : null;
      if (v === null || typeof v !== "object") return null;
      for (const k of Object.keys(v)) {
        const here = at + "/" + k.replace(/~/g, "~0").replace(/\//g, "~1");
        if (k.includes("\u0000")) return here;
        const found = nulAt(v[k], here);
        if (found) return found;
      }
      return null;
    };
    const nul = nulAt(record, "");
    if (nul) fail(nul + " holds a NUL character, which no page can show and the disclosure format does not allow");
    for (const el of section.querySelectorAll("[data-v]")) {
      let want = record;
      for (const key of el.dataset.v.split("/").slice(1)) {
        want = want === null || want === undefined ? undefined : want[/^[0-9]+$/.test(key) ? Number(key) : key];
      }
      const text = typeof want === "string" ? want : want === undefined || want === null ? undefined : String(want);
      if (text === undefined || el.textContent !== text) {
        fail("the page shows " + el.dataset.v + " as " + JSON.stringify(el.textContent) +
          ", but the record says " + JSON.stringify(text === undefined ? null : text));
      }
    }
    const leaf = await leafHash(entry);
    if (tiles) {
      const logged = await tiles.entry(p.index);
      if (!equal(logged, entry)) fail("the log's entry #" + p.index + " differs from the record on this page");
      await verifyInclusion(p.index, cp.size, leaf, await tiles.inclusion(p.index, cp.size), cp.root);
    } else {
      await verifyInclusion(p.index, embedded.size, leaf, p.inclusion.map(b64), embedded.root);
    }
    return p.index;
  }

  async function run() {
    const log = JSON.parse(document.getElementById("candor-log").textContent);
    const summary = document.getElementById("verification-summary");
    const sections = Array.from(document.querySelectorAll("section.record"));
    const problems = [];
    let cp = null, tiles = null, embedded = null, consistency = "";
    try {
      if (!window.crypto || !crypto.subtle) fail("this browser offers no WebCrypto here (open the page over https or from a file)");
      const key = await parseVkey(log.vkey);
      embedded = await openCheckpoint(log.checkpoint, key, log.origin, "the page's checkpoint");
      cp = embedded;
      let latestText = null;
      try {
        const r = await fetch(log.root + "checkpoint", { cache: "no-store" });
        if (r.ok) latestText = await r.text();
      } catch (e) {
        latestText = null; // offline or file://: the embedded proofs are used
      }
      if (latestText !== null) {
        cp = await openCheckpoint(latestText, key, log.origin, "the log's checkpoint");
        tiles = new Tiles(log.root, cp.size);
        if (cp.size < embedded.size) fail("the log's checkpoint (size " + cp.size + ") is older than the page's (size " + embedded.size + ")");
        await verifyConsistency(embedded.size, cp.size, embedded.root, cp.root, await tiles.consistency(embedded.size, cp.size))
          .catch((e) => fail("the page's checkpoint is not consistent with the log's: " + e.message));
      }
      const memoryKey = "candor-checkpoint:" + log.origin + ":" + log.vkey;
      const remembered = JSON.parse(localStorage.getItem(memoryKey) || "null");
      if (remembered) {
        const oldRoot = b64(remembered.root);
        const where = "the checkpoint you saw on " + remembered.seen + " (size " + remembered.size + ")";
        if (remembered.size > cp.size) {
          fail("the log is smaller than " + where + ": it was rolled back or replaced");
        } else if (tiles) {
          await verifyConsistency(remembered.size, cp.size, oldRoot, cp.root, await tiles.consistency(remembered.size, cp.size))
            .catch((e) => fail("the log is not consistent with " + where + ": " + e.message));
          consistency = "; consistent with " + where;
        } else if (remembered.size === cp.size) {
          if (!equal(oldRoot, cp.root)) fail("the log is not consistent with " + where);
          consistency = "; consistent with " + where;
        } else {
          consistency = "; consistency with " + where + " needs the log's tiles (not checked offline)";
        }
      }
      for (const s of sections) {
        const el = s.querySelector("p.verification");
        try {
          const i = await checkRecord(s, cp, embedded, tiles);
          show(el, true, "record #" + i + " is in the log, in the tree of " + cp.size + " entries signed by " + key.name);
        } catch (e) {
          problems.push("record #" + s.dataset.index + ": " + e.message);
          show(el, false, e.message);
        }
      }
      if (problems.length === 0) {
        const prev = remembered ? remembered.size : -1;
        if (cp.size >= prev) {
          localStorage.setItem(memoryKey, JSON.stringify({ size: cp.size, root: toB64(cp.root), seen: new Date().toISOString() }));
        }
      }
    } catch (e) {
      problems.push(e instanceof Failure ? e.message : "could not verify: " + e.message);
    }
    let witnessed = null;
    if (problems.length === 0 && log.policy) {
      try {
        witnessed = await checkWitnesses(cp.text, parsePolicy(log.policy));
      } catch (e) {
        problems.push(e instanceof Failure ? e.message : "could not check the witnesses: " + e.message);
      }
    }
    const notice = document.getElementById("witnessing");
    if (witnessed && notice) {
      const cosigned = Array.from(witnessed.status).filter(([, v]) => v === "cosigned").map(([n]) => n);
      const each = Array.from(witnessed.status).map(([n, v]) => n + ": " + v).join(", ");
      notice.dataset.quorum = witnessed.met ? "met" : "not-met";
      notice.dataset.state = witnessed.met ? "witnessed" : "not-witnessed";
      notice.textContent = witnessed.met
        ? "\u2714 Witnessed by " + cosigned.join(", ") + " (quorum " + (witnessed.quorum || "none") +
          " met; cosignatures checked in your browser: " + each + ")."
        : "\u2718 Not witnessed: quorum " + witnessed.quorum + " of the log's trust policy is not met (" + each +
          "). This log could be showing you a history that others do not see.";
      document.body.dataset.witnessing = witnessed.met ? "witnessed" : "not-witnessed";
    }
    if (problems.length === 0) {
      const where = tiles ? "the log's latest checkpoint" : "the checkpoint embedded in this page (the log could not be fetched; offline check)";
      show(summary, true, sections.length + " record(s) on this page checked against " + where + ", size " + cp.size +
        ", signature valid" + consistency + ".");
      document.body.dataset.verification = "verified";
    } else {
      show(summary, false, problems.join("; "));
      document.body.dataset.verification = "failed";
      if (log.policy) document.body.dataset.witnessing = "failed";
      for (const s of sections) {
        const el = s.querySelector("p.verification");
        if (el && el.dataset.state === "pending") show(el, false, problems[0]);
      }
    }
  }

  run();
})();
