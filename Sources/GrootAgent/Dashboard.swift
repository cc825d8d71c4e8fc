/// groot-agent's page at `/`: the four golden signals of its stores, live, with
/// max and p99 beside p50, the watchdog's D-state figures and the store probes. One
/// self-contained page (no asset from the network: it must work on a cell without
/// one) that reads `/snapshot` and `/healthz` every two seconds.
enum Dashboard {
  static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>groot-agent</title>
    <style>
      body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2330; background: #f7f8fa; }
      h1 { font-size: 1.3em; margin: 0 0 .2em; } h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
      .meta { color: #5b6578; } .ok { color: #17803d; } .bad { color: #c0262d; font-weight: 600; }
      table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px #0001; }
      th, td { padding: .35em .8em; border-bottom: 1px solid #e6e8ee; text-align: right; }
      th:first-child, td:first-child { text-align: left; } th { background: #eef0f5; font-weight: 600; }
      td.max { font-weight: 600; } td.spike { color: #c0262d; font-weight: 700; }
      .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 0 2em; }
    </style>
    </head>
    <body>
    <h1>groot-agent <span id="health" class="meta">…</span></h1>
    <div class="meta" id="labels"></div>
    <div class="grid">
    <section><h2>Latency (current window: p50, p99 and the true max)</h2>
    <table id="latency"><thead><tr><th>operation</th><th>count</th><th>p50</th><th>p99</th><th>max</th><th>last window max</th></tr></thead><tbody></tbody></table></section>
    <section><h2>Traffic and errors</h2>
    <table id="traffic"><thead><tr><th>store / operation</th><th>success</th><th>failure</th><th>errors by kind</th></tr></thead><tbody></tbody></table></section>
    <section><h2>Saturation</h2>
    <table id="saturation"><thead><tr><th>store</th><th>used</th><th>free inodes</th><th>layers</th><th>images</th><th>cache</th><th>committed</th><th>probe</th></tr></thead><tbody></tbody></table></section>
    <section><h2>D-state watchdog</h2>
    <table id="watchdog"><tbody></tbody></table>
    <table id="stuck"><thead><tr><th>stuck thread</th><th>pid</th><th>command</th><th>seconds</th></tr></thead><tbody></tbody></table></section>
    </div>
    <section id="cohorts-section" hidden><h2>Cohorts (from Prometheus): <span id="cohort-verdict"></span></h2>
    <ul id="cohort-reasons"></ul>
    <table id="cohorts"><thead><tr><th>signal</th><th>operation</th><th>baseline</th><th>canary</th><th>difference</th><th>test</th><th>p</th><th>result</th></tr></thead><tbody></tbody></table></section>
    <p class="meta" id="updated"></p>
    <script>
    const ms = s => (s * 1000).toFixed(s < 0.01 ? 2 : 1) + " ms";
    const pct = v => v.toFixed(1) + "%";
    const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; };
    function fill(id, rows) {
      const body = document.querySelector("#" + id + " tbody"); body.replaceChildren();
      if (!rows.length) { const tr = document.createElement("tr"); const td = cell("none yet"); td.colSpan = 8; td.className = "meta"; tr.appendChild(td); body.appendChild(tr); }
      for (const [key, cells] of rows) { const tr = document.createElement("tr"); tr.dataset.key = key; cells.forEach(c => tr.appendChild(c)); body.appendChild(tr); }
    }
    async function refresh() {
      try {
        const [snapshot, health] = await Promise.all([fetch("snapshot").then(r => r.json()), fetch("healthz").then(async r => [r.status, await r.text()])]);
        const h = document.getElementById("health");
        h.textContent = health[0] === 200 ? "healthy" : "unhealthy: " + health[1].trim(); h.className = health[0] === 200 ? "ok" : "bad";
        document.getElementById("labels").textContent = Object.entries(snapshot.labels || {}).map(([k, v]) => k + "=" + v).join("  ") + "  window " + snapshot.windowSeconds + " s";
        fill("latency", Object.entries(snapshot.currentWindow || {}).sort().map(([op, w]) => {
          const last = (snapshot.lastWindow || {})[op];
          return [op, [cell(op), cell(w.count), cell(ms(w.p50)), cell(ms(w.p99)), cell(ms(w.max), w.max >= 0.7 || w.max > 10 * w.p50 ? "max spike" : "max"), cell(last ? ms(last.max) : "-")]];
        }));
        const traffic = [];
        for (const [store, totals] of Object.entries(snapshot.stores || {})) {
          const ops = {};
          for (const [key, n] of Object.entries(totals.operations || {})) { const [op, outcome] = key.split(" "); (ops[op] ||= {success: 0, failure: 0})[outcome] = n; }
          const kinds = {};
          for (const [key, n] of Object.entries(totals.errors || {})) { const [op, kind] = key.split(" "); (kinds[op] ||= []).push(kind + " " + n); }
          for (const [op, o] of Object.entries(ops).sort()) traffic.push([store + " " + op, [cell(store + " " + op), cell(o.success), cell(o.failure, o.failure ? "bad" : ""), cell((kinds[op] || []).join(", ") || "-")]]);
        }
        fill("traffic", traffic);
        const watchdog = snapshot.watchdog || {};
        fill("saturation", Object.entries(snapshot.saturation || {}).map(([store, s]) => {
          const probe = (watchdog.probes || {})[store];
          return [store, [cell(store), cell(pct(100 * s.usedBytes / Math.max(1, s.capacityBytes))), cell(s.freeInodes), cell(s.layers), cell(s.images), cell(pct(s.cachePercentage)), cell(pct(s.committedPercentage)),
            cell(probe ? (probe.healthy ? "ok" : probe.reason || "failing") : "-", probe && !probe.healthy ? "bad" : "ok")]];
        }));
        fill("watchdog", [
          ["threads-in-d", [cell("threads in D now"), cell(watchdog.threadsInD ?? "-")]],
          ["stuck-now", [cell("stuck now"), cell((watchdog.stuck || []).length, (watchdog.stuck || []).length ? "bad" : "ok")]],
          ["detections", [cell("stuck threads found since start"), cell(watchdog.detectionsTotal ?? "-")]],
          ["sample", [cell("last sample / longest"), cell((watchdog.lastSampleSeconds !== undefined) ? ms(watchdog.lastSampleSeconds) + " / " + ms(watchdog.maxSampleSeconds) : "-")]],
          ["overruns", [cell("samples over the interval"), cell(watchdog.overrunsTotal ?? "-")]],
          ["bundles", [cell("evidence bundles"), cell((watchdog.bundlesTotal ?? 0) + (watchdog.lastBundle ? " (last " + watchdog.lastBundle + ")" : ""))]],
        ]);
        fill("stuck", (watchdog.stuck || []).map(t => [String(t.tid), [cell(t.tid), cell(t.pid), cell(t.command), cell(t.seconds.toFixed(0))]]));
        const cohorts = await fetch("cohorts");
        if (cohorts.status === 200) {
          const j = await cohorts.json();
          document.getElementById("cohorts-section").hidden = false;
          const v = document.getElementById("cohort-verdict"); v.textContent = j.verdict; v.className = j.verdict === "promote" ? "ok" : "bad";
          const reasons = document.getElementById("cohort-reasons"); reasons.replaceChildren();
          for (const r of j.reasons) { const li = document.createElement("li"); li.textContent = r; reasons.appendChild(li); }
          fill("cohorts", j.checks.map(c => [c.signal + " " + c.operation, [cell(c.signal), cell(c.operation), cell(c.baseline), cell(c.canary), cell(c.difference), cell(c.test), cell(c.p === undefined ? "-" : c.p.toPrecision(2)), cell(c.result, c.result === "pass" ? "ok" : "bad")]]));
        }
        document.getElementById("updated").textContent = "updated " + new Date().toISOString();
        document.body.dataset.loaded = "true";
      } catch (error) {
        document.getElementById("health").textContent = "agent not answering: " + error; document.getElementById("health").className = "bad";
      }
    }
    refresh(); setInterval(refresh, 2000);
    </script>
    </body>
    </html>
    """#
}
