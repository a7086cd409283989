// The analyst's view: the runs report (drawn by the server, as `whyrec report` draws it) and live numbers
// from /metrics (events per minute, latency percentiles, user cache hit rate), polled every few seconds.
"use strict";

const EVERY_MS = +(new URLSearchParams(location.search).get("every") || 5000);
const live = { samples: [], last: null };

function parseMetrics(text) {
  const rows = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const part of (m[3] || "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[part[1]] = part[2];
    rows.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return rows;
}

function snapshot(rows) {
  const sum = (name, test) => rows.filter((r) => r.name === name && (!test || test(r.labels))).reduce((a, r) => a + r.value, 0);
  const buckets = new Map();
  for (const r of rows) {
    if (r.name !== "whyrec_http_request_duration_seconds_bucket" || r.labels.route === "/metrics") continue;
    const le = r.labels.le === "+Inf" ? Infinity : Number(r.labels.le);
    buckets.set(le, (buckets.get(le) || 0) + r.value);
  }
  return { t: Date.now(), events: sum("whyrec_events_ingested_total"), hits: sum("whyrec_user_cache_lookups_total", (l) => l.result === "hit"),
    misses: sum("whyrec_user_cache_lookups_total", (l) => l.result === "miss"), buckets };
}

function quantile(buckets, q) {  // from cumulative histogram buckets, interpolated within the bucket
  const edges = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) || 0;
  if (total <= 0) return null;
  let prevEdge = 0, prevCount = 0;
  for (const edge of edges) {
    const count = buckets.get(edge);
    if (count >= q * total) {
      if (edge === Infinity) return prevEdge;
      return prevEdge + (edge - prevEdge) * ((q * total - prevCount) / Math.max(count - prevCount, 1e-9));
    }
    prevEdge = edge; prevCount = count;
  }
  return prevEdge;
}

function delta(now, before) {
  if (!before) return { ...now, minutes: null };
  const buckets = new Map([...now.buckets].map(([k, v]) => [k, v - (before.buckets.get(k) || 0)]));
  return { events: now.events - before.events, hits: now.hits - before.hits, misses: now.misses - before.misses,
    buckets, minutes: (now.t - before.t) / 60000 };
}

function sparkline(values, label) {
  const W = 300, H = 60;
  const vs = values.filter((v) => v !== null && Number.isFinite(v));
  const max = Math.max(...vs, 1e-9);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "spark" });
  const pts = values.map((v, i) => (v === null ? null : `${(i / Math.max(values.length - 1, 1)) * (W - 4) + 2},${H - 4 - (v / max) * (H - 10)}`)).filter(Boolean);
  chart.append(svg("polyline", { points: pts.join(" "), fill: "none", stroke: "var(--accent)", "stroke-width": 2 }));
  return chart;
}

function tile(id, title, value, series) {
  return el("figure", { id, class: "tile" }, el("figcaption", { text: title }), el("p", { class: "value", text: value }), sparkline(series, title));
}

async function poll() {
  let text;
  try { text = await api("GET", "/metrics", undefined, "text"); } catch (e) { status(Lang.ui("error", { message: e.message })); return; }
  const now = snapshot(parseMetrics(text));
  const d = delta(now, live.last);
  live.last = now;
  // events per minute over the last poll; latency and the cache hit rate since the worker started
  const perMin = d.minutes ? d.events / d.minutes : null;
  const p = (q) => { const v = quantile(now.buckets, q); return v === null ? null : v * 1000; };
  const lookups = now.hits + now.misses;
  live.samples.push({ perMin, p50: p(0.5), p95: p(0.95), p99: p(0.99), hit: lookups ? now.hits / lookups : null });
  if (live.samples.length > 60) live.samples.shift();
  const s = live.samples;
  const cur = s[s.length - 1];
  const show = (v, unit, digits) => (v === null ? "–" : v.toFixed(digits) + unit);
  document.getElementById("live").replaceChildren(
    tile("live-events", Lang.ui("events_per_min"), show(cur.perMin, "", 1), s.map((x) => x.perMin)),
    tile("live-latency", Lang.ui("latency") + " p50 / p95 / p99", `${show(cur.p50, "", 1)} / ${show(cur.p95, "", 1)} / ${show(cur.p99, " ms", 1)}`, s.map((x) => x.p95)),
    tile("live-cache", Lang.ui("cache_hit"), show(cur.hit === null ? null : cur.hit * 100, "%", 1), s.map((x) => x.hit)));
}

function status(text) { document.getElementById("status").textContent = text || ""; }

async function loadReport() {
  const found = await api("GET", `/v1/analyst/report?lang=${Lang.current}`);
  const box = document.getElementById("report");
  box.innerHTML = found.html;  // drawn by whyrec.report from the runs' files (escaped there)
  box.dataset.runs = String(found.data.runs.length);
}

document.addEventListener("DOMContentLoaded", () => {
  Lang.apply();
  for (const b of document.querySelectorAll("[data-lang]")) {
    b.addEventListener("click", () => {
      Lang.current = b.dataset.lang; Lang.apply(); poll();
      loadReport().catch((e) => status(Lang.ui("error", { message: e.message })));
    });
  }
  loadReport().catch((e) => status(Lang.ui("error", { message: e.message })));
  poll();
  setInterval(poll, EVERY_MS);
});
