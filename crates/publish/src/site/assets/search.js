// candor: the report's search, in the reader's browser, over data/search.json (a static index
// the report ships). Every word typed must appear in an entry's name, kind, role, state,
// capabilities (ids, for capabilities and services); at most 100 results are listed.
"use strict";
(function () {
  const input = document.getElementById("q");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  let rows = null;
  // A query in the address (search.html?q=…) is searched at once, so results can be linked.
  input.value = new URLSearchParams(location.search).get("q") || "";
  fetch("data/search.json")
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status))))
    .then((index) => {
      // Each row: [name, kind, role (or a capability's id, a service's capabilities), state, page].
      rows = index.rows.map((e) => ({ e, text: e.slice(0, 4).join(" ").toLowerCase() }));
      status.textContent = rows.length + " entries; type to search.";
      if (input.value) search();
    })
    .catch((e) => {
      status.textContent = "The search index could not be loaded (" + e.message + ").";
    });
  function search() {
    if (!rows) return;
    const words = input.value.toLowerCase().split(/\s+/).filter((w) => w);
    list.textContent = "";
    if (words.length === 0) {
      status.textContent = rows.length + " entries; type to search.";
      return;
    }
    const hits = rows.filter((r) => words.every((w) => r.text.includes(w)));
    status.textContent = hits.length + " result(s)" + (hits.length > 100 ? ", the first 100 shown" : "") + ".";
    for (const { e } of hits.slice(0, 100)) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = e[4];
      a.textContent = e[0];
      li.appendChild(a);
      const what = [e[1], e[2], e[3]].filter(Boolean).join(", ");
      if (what) li.appendChild(document.createTextNode(" — " + what.replace(/_/g, " ")));
      list.appendChild(li);
    }
  }
  input.addEventListener("input", search);
  // Enter searches in place (an inline onsubmit would be refused by the page's own
  // Content-Security-Policy).
  document.getElementById("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    search();
  });
})();
