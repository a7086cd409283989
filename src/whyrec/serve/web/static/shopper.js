// The shopper's view: the explained list, a "why" panel per card with what-if switches, feedback, the profile.
"use strict";

const K = 10;
const ACTIONS = { like: "click", bought: "purchase", not_interested: "not_interested" };
const S = { user: null, view: null, profile: null, open: new Set(), off: new Map(), whatif: new Map(), last: null };
const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

function status(text) { $("status").textContent = text || ""; }

async function guarded(work) {
  try { await work(); } catch (e) { status(Lang.ui("error", { message: e.message })); }
}

function tagLabel(tag) {
  const [name, value] = tag.split("=", 2);
  if (Lang.current === "en" || value === undefined) return value === undefined ? tag : name + ": " + value;
  const names = { category: "类别", year: "年份", brand: "品牌", platform: "平台", price_band: "价位" };
  return (names[name] || name) + "：" + (WORDS.values_zh[value] || value);
}

function titleOf(itemId) {
  const v = S.view;
  const hit = v.history.find((h) => h.item_id === itemId) || v.recommendations.items.find((r) => r.item_id === itemId);
  return hit ? hit.title : itemId;
}

async function load() {
  const u = enc(S.user);
  const [view, profile] = await Promise.all([
    api("GET", `/v1/users/${u}/view?k=${K}&lang=${Lang.current}`), api("GET", `/v1/users/${u}/profile`)]);
  const before = S.view ? new Map(S.view.recommendations.items.map((r) => [r.item_id, r.rank])) : null;
  S.view = view; S.profile = profile; S.whatif.clear(); S.off.clear();
  render(before);
}

function render(before) {
  const recs = S.view.recommendations;
  const fresh = recs.cold_start || S.user.startsWith("guest-");
  $("list-heading").textContent = fresh ? Lang.ui("for_new", { events: recs.history_size })
    : Lang.ui("for_user", { user: S.user });
  $("list-sub").textContent = recs.model === "pop" ? Lang.ui("by_popularity")
    : Lang.ui("by_model", { model: recs.model, events: recs.history_size });
  $("cards").replaceChildren(...recs.items.map((r) => card(r, before)));
  renderProfile();
  renderHistory();
  Lang.apply($("shopper"));
  if (!performance.getEntriesByName("whyrec-rendered").length) performance.mark("whyrec-rendered");  // benchmarks/web.py
}

function trustLine(e) {
  const t = e.trust;
  const conf = t.confidence === null ? Lang.card("uncalibrated", { run_dir: S.view.run })
    : Lang.card("confidence", { confidence: t.confidence, horizon: S.view.horizon });
  let strength = Lang.card("strength", { strength: t.evidence_strength });
  if (t.evidence_strength > 1) strength += Lang.card("strength_against");
  const cf = e.counterfactual;
  const how = cf === null ? "not asked" : cf.verified === null ? "no" : cf.verified;
  return Lang.card("trust_label") + " " + [conf, strength, Lang.card("verified", { how: Lang.how(how) })]
    .join(Lang.card("trust_sep"));
}

function cfSentence(e) {
  const cf = e.counterfactual;
  if (!cf || cf.removed.length === 0) return null;
  const removed = cf.removed.map((i) => `${titleOf(i)} [${i}]`).join(Lang.card("removed_sep"));
  if (cf.verified === null) return Lang.card("cf_label") + " " + Lang.card("cf_unverified", { size: cf.removed.length, removed });
  const rank = cf.new_rank ? Lang.card("cf_rank", { rank: cf.new_rank }) : Lang.card("cf_unranked");
  return Lang.card("cf_label") + " " + Lang.card(cf.verified === "retrained" ? "cf_retrained" : "cf_rescored", { removed, k: K, rank });
}

function card(r, before) {
  const e = r.explanation;
  const li = el("li", { class: "card", id: `card-${r.item_id}`, "data-item": r.item_id, "aria-labelledby": `t-${r.item_id}` });
  if (before) {
    if (!before.has(r.item_id) && S.last) {
      li.classList.add("changed");
      li.append(el("span", { class: "badge new", text: Lang.ui("new_because", { action: Lang.ui("action_" + S.last.action), title: S.last.title }) }));
    } else if (before.has(r.item_id) && before.get(r.item_id) !== r.rank) {
      li.append(el("span", { class: "badge", text: Lang.ui("moved", { before: before.get(r.item_id) }) }));
    }
  }
  li.append(el("h3", { id: `t-${r.item_id}` }, Lang.ui("rank", { rank: r.rank }) + " · " + r.title));
  if (S.view.shown[r.item_id]) li.append(el("p", { class: "attrs", text: S.view.shown[r.item_id] }));
  if (e && e.reason) li.append(el("p", { class: "reason", text: e.reason.text }));
  if (e && e.trust) li.append(el("p", { class: "trust", text: trustLine(e) }));
  const open = S.open.has(r.item_id);
  const panelId = `why-${r.item_id}`;
  const actions = el("div", { class: "actions" },
    el("button", { type: "button", class: "why-toggle", "aria-expanded": String(open), "aria-controls": panelId,
      text: Lang.ui(open ? "hide_why" : "why"), onclick: () => { open ? S.open.delete(r.item_id) : S.open.add(r.item_id); render(null); } }));
  for (const action of Object.keys(ACTIONS)) {
    actions.append(el("button", { type: "button", "data-action": action, text: Lang.ui(action),
      "aria-label": Lang.ui(action) + ": " + r.title, onclick: () => guarded(() => feedback(r, action)) }));
  }
  li.append(actions);
  if (open && e) li.append(whyPanel(r, e, panelId));
  return li;
}

function evidenceChart(r, e) {
  const labels = S.view.evidence_labels[r.item_id] || [];
  const rows = e.evidence.map((x, i) => ({ label: labels[i] || x.label, weight: x.weight, kind: "evidence" }));
  const shown = rows.reduce((a, x) => a + x.weight, 0);
  const other = r.score - e.baseline - shown;
  if (Math.abs(other) > 1e-6 * Math.max(1, Math.abs(r.score))) rows.push({ label: Lang.ui("other"), weight: other, kind: "other" });
  rows.push({ label: Lang.ui("baseline"), weight: e.baseline, kind: "baseline" });
  const sum = Lang.ui("sum", { baseline: fmt(e.baseline), evidence: fmt(rows.filter((x) => x.kind !== "baseline").reduce((a, x) => a + x.weight, 0)), score: fmt(r.score) });
  return [barChart(rows, sum, "evidence"), el("p", { class: "sum", text: sum })];
}

function fieldChart(r, f) {  // DeepFM: integrated gradients per input field, from the all-zero input
  const labels = S.view.field_labels[r.item_id] || [];
  const rows = f.fields.map((x, i) => ({ label: labels[i] || x.field, weight: x.weight, kind: "field", field: x.field }));
  if (Math.abs(f.residual) > 1e-6 * Math.max(1, Math.abs(r.score))) rows.push({ label: Lang.ui("field_residual"), weight: f.residual, kind: "other" });
  rows.push({ label: Lang.ui("field_baseline"), weight: f.baseline_score, kind: "baseline" });
  const sum = Lang.ui("field_sum", { baseline: fmt(f.baseline_score), fields: fmt(rows.filter((x) => x.kind !== "baseline").reduce((a, x) => a + x.weight, 0)), score: fmt(r.score) });
  return [el("p", { class: "legend", text: Lang.ui("fields") }), barChart(rows, sum, "fields"), el("p", { class: "sum", text: sum })];
}

function barChart(rows, sum, cls) {  // signed horizontal bars, one row each (green adds, red counts against)
  const W = 640, L = 250, H = 24, R = 70;
  const max = Math.max(...rows.map((x) => Math.abs(x.weight)), 1e-9);
  const neg = rows.some((x) => x.weight < 0);
  const zero = neg ? L + (W - L - R) / 2 : L;
  const span = neg ? (W - L - R) / 2 : W - L - R;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${rows.length * H + 8}`, role: "img", "aria-label": sum, class: cls });
  rows.forEach((x, i) => {
    const w = Math.max(1, (Math.abs(x.weight) / max) * span);
    const y = i * H + 4;
    const fill = x.kind === "baseline" ? "var(--base)" : x.weight >= 0 ? "var(--plus)" : "var(--minus)";
    const label = x.label.length > 34 ? x.label.slice(0, 33) + "…" : x.label;
    const right = x.weight >= 0 || zero - w - 50 < L;  // a long negative bar's number goes right of the axis
    chart.append(svg("text", { x: L - 6, y: y + 15, "text-anchor": "end", "font-size": 12, class: "label" }, label),
      svg("rect", { class: "bar", x: x.weight >= 0 ? zero : zero - w, y: y + 3, width: w, height: H - 8, fill,
        "data-weight": x.weight, "data-kind": x.kind, "data-field": x.field }, svg("title", {}, `${x.label}: ${fmt(x.weight, 4)}`)),
      svg("text", { x: right ? zero + (x.weight >= 0 ? w : 0) + 4 : zero - w - 4, y: y + 15, "font-size": 11,
        "text-anchor": right ? "start" : "end" }, fmt(x.weight)));
  });
  chart.append(svg("line", { x1: zero, x2: zero, y1: 0, y2: rows.length * H + 8, stroke: "#333", "stroke-width": 1 }));
  return chart;
}

function heatmap(a) {  // attention rollout over the recent history (SASRec): cells in reading order, oldest first
  const cells = a.positions;
  if (cells.length === 0) return [];
  const max = Math.max(...cells.map((x) => x.share), 1e-9);
  const label = Lang.ui("attention");
  const per = Math.min(cells.length, 10);
  const chart = svg("svg", { viewBox: `0 0 ${per * 44} ${Math.ceil(cells.length / per) * 62}`, role: "img", class: "heatmap",
    "aria-label": label, style: `max-width:${per * 66}px` });
  cells.forEach((x, i) => {
    const [cx, cy] = [(i % per) * 44, Math.floor(i / per) * 62];
    const title = titleOf(x.item_id);
    chart.append(svg("rect", { class: "cell", x: cx, y: cy, width: 42, height: 30, fill: "var(--accent)", "data-item": x.item_id,
      "data-share": x.share, "fill-opacity": (0.1 + 0.9 * x.share / max).toFixed(2) }, svg("title", {}, `${title}: ${(x.share * 100).toFixed(1)}%`)),
    svg("text", { x: cx + 21, y: cy + 19, "font-size": 10, "text-anchor": "middle" }, (x.share * 100).toFixed(0) + "%"),
    svg("text", { x: cx + 21, y: cy + 45, "font-size": 9, "text-anchor": "middle" }, title.slice(0, 7)));
  });
  return [el("p", { class: "legend", text: label }), chart];
}

function whyPanel(r, e, panelId) {
  const panel = el("div", { class: "why", id: panelId, role: "region", "aria-label": Lang.ui("why") + " " + r.title });
  panel.append(el("p", { class: "legend", text: Lang.ui("evidence") }), ...evidenceChart(r, e));
  if (e.fields) panel.append(...fieldChart(r, e.fields));
  if (e.attention) panel.append(...heatmap(e.attention));
  const cf = cfSentence(e);
  if (cf) panel.append(el("p", { class: "cf", text: cf }));
  if (e.trust && e.trust.confidence !== null) {
    panel.append(el("p", { class: "confidence", text: `${Lang.ui("confidence")}: ${(e.trust.confidence * 100).toFixed(0)}%` }));
  }
  const history = e.evidence.filter((x) => x.kind === "history_item");
  if (history.length) {
    const off = S.off.get(r.item_id) || new Set();
    const box = el("fieldset", { class: "whatif" }, el("legend", { text: Lang.ui("whatif") }));
    const list = el("ul");
    history.forEach((x) => {
      const id = `wi-${r.item_id}-${x.ref}`;
      list.append(el("li", {}, el("input", { type: "checkbox", id, role: "switch", "data-ref": x.ref, checked: !off.has(x.ref),
        onchange: (ev) => guarded(() => toggle(r, x.ref, ev.target.checked)) }),
      el("label", { for: id, text: " " + Lang.ui("whatif_item", { title: titleOf(x.ref) }) })));
    });
    box.append(list, whatifResult(r));
    panel.append(box);
  }
  return panel;
}

function whatifResult(r) {
  const found = S.whatif.get(r.item_id);
  const box = el("div", { class: "result", role: "status", "aria-live": "polite" });
  if (!found || found.removed.length === 0) { box.append(el("p", { text: Lang.ui("whatif_none") })); return box; }
  const after = found.rank ? Lang.ui("rank", { rank: found.rank }) : Lang.ui("whatif_gone");
  const how = Lang.ui(found.verified === "retrained" ? "how_retrained" : "how_rescored");
  box.append(el("p", { class: "whatif-rank", "data-rank": found.rank, text: Lang.ui("whatif_rank", { n: found.removed.length, before: found.rank_before, after, how }) }),
    el("p", { text: Lang.ui("whatif_list") }),
    el("ol", { class: "whatif-list" }, ...found.items.map((i) => el("li", { "data-item": i.item_id,
      class: i.item_id === r.item_id ? "self" : null, text: i.title + (i.rank_before !== i.rank ? `  (${i.rank_before || "–"} → ${i.rank})` : "") }))));
  return box;
}

async function toggle(r, ref, on) {
  const off = S.off.get(r.item_id) || new Set();
  on ? off.delete(ref) : off.add(ref);
  S.off.set(r.item_id, off);
  const found = await api("POST", `/v1/users/${enc(S.user)}/whatif`, { without: [...off], item_id: r.item_id, k: K });
  S.whatif.set(r.item_id, found);
  const panel = document.querySelector(`#why-${CSS.escape(r.item_id)} .result`);
  if (panel) { const fresh = whatifResult(r); panel.replaceWith(fresh); }
}

async function feedback(r, action) {
  await api("POST", "/v1/events", { events: [{ user_id: S.user, item_id: r.item_id, event_type: ACTIONS[action] }] });
  S.last = { action, title: r.title };
  await load();
}

function renderProfile() {
  const p = S.profile;
  const max = Math.max(...p.tags.map((t) => t.weight), 1e-9);
  $("tags").replaceChildren(...(p.tags.length ? p.tags.slice(0, 12).map((t) => el("li", { "data-tag": t.tag },
    el("span", { text: tagLabel(t.tag) }),
    el("div", { class: "w", style: `width:${(100 * t.weight / max).toFixed(0)}%`, role: "meter", "aria-valuenow": t.weight.toFixed(3),
      "aria-valuemin": "0", "aria-valuemax": "1", "aria-label": tagLabel(t.tag) }),
    el("button", { type: "button", class: "remove-tag", text: Lang.ui("remove_tag"), "aria-label": Lang.ui("remove_tag") + " " + tagLabel(t.tag),
      onclick: () => guarded(() => tagChange("DELETE", t.tag)) }))) : [el("li", { text: Lang.ui("profile_empty") })]));
  $("removed").replaceChildren(...p.removed_tags.map((tag) => el("li", { "data-tag": tag }, el("span", { text: tagLabel(tag) }), el("span"),
    el("button", { type: "button", class: "restore-tag", text: Lang.ui("restore_tag"), "aria-label": Lang.ui("restore_tag") + " " + tagLabel(tag),
      onclick: () => guarded(() => tagChange("PUT", tag)) }))));
  $("removed-heading").hidden = p.removed_tags.length === 0;
  $("personalization").checked = p.personalized;
  $("graph").replaceChildren(interestGraph());
}

function interestGraph() {
  const tags = S.profile.tags.slice(0, 6);
  const recs = S.view.recommendations.items;
  const carries = (item, tag) => { const [n, v] = tag.split("=", 2); return (S.view.attributes[item]?.[n] || []).includes(v); };
  const products = recs.filter((r) => tags.some((t) => carries(r.item_id, t.tag))).slice(0, 8);
  const H = Math.max(tags.length, products.length, 1) * 30 + 30, W = 460;
  const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": Lang.ui("graph"), class: "graph" });
  const ty = (i) => 20 + i * ((H - 40) / Math.max(tags.length - 1, 1));
  const py = (i) => 20 + i * ((H - 40) / Math.max(products.length - 1, 1));
  const max = Math.max(...tags.map((t) => t.weight), 1e-9);
  tags.forEach((t, i) => {
    g.append(svg("line", { x1: 24, y1: H / 2, x2: 150, y2: ty(i), stroke: "var(--accent)", "stroke-opacity": 0.6, "stroke-width": 1 + 6 * t.weight / max }));
    products.forEach((r, j) => { if (carries(r.item_id, t.tag)) g.append(svg("line", { x1: 150, y1: ty(i), x2: 290, y2: py(j), stroke: "var(--base)", "stroke-opacity": 0.5 })); });
  });
  g.append(svg("circle", { cx: 24, cy: H / 2, r: 18, fill: "var(--accent)" }), svg("text", { x: 24, y: H / 2 + 4, "text-anchor": "middle", fill: "#fff", "font-size": 11 }, Lang.ui("you")));
  tags.forEach((t, i) => g.append(svg("circle", { cx: 150, cy: ty(i), r: 6, fill: "var(--plus)" }), svg("text", { x: 150, y: ty(i) - 9, "font-size": 13, "text-anchor": "middle" }, tagLabel(t.tag))));
  products.forEach((r, j) => g.append(svg("rect", { x: 290, y: py(j) - 5, width: 10, height: 10, fill: "var(--fg)" }),
    svg("text", { x: 304, y: py(j) + 5, "font-size": 13 }, r.title.length > 20 ? r.title.slice(0, 19) + "…" : r.title)));
  return g;
}

function renderHistory() {
  const h = S.view.history;
  $("history").replaceChildren(...(h.length ? h.map((x) => el("li", { "data-item": x.item_id, text: `${x.title} — ${x.shown}` }))
    : [el("li", { text: Lang.ui("history_empty") })]));
}

async function tagChange(method, tag) {
  await api(method, `/v1/users/${enc(S.user)}/profile/tags/${enc(tag)}`);
  await load();
}

function openUser(user, replace) {
  S.user = user; S.view = null; S.last = null; S.open.clear();
  const q = new URLSearchParams(location.search);
  q.set("user", user);
  if (Lang.current === "zh") q.set("lang", "zh"); else q.delete("lang");
  history[replace ? "replaceState" : "pushState"](null, "", "?" + q.toString());
  $("start").hidden = true; $("shopper").hidden = false;
  return guarded(async () => { status(Lang.ui("loading")); await load(); status(""); });
}

function newShopperId() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return "guest-" + [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function wire() {
  for (const b of document.querySelectorAll("[data-lang]")) {
    b.addEventListener("click", () => guarded(async () => {
      Lang.current = b.dataset.lang;
      const q = new URLSearchParams(location.search);
      if (Lang.current === "zh") q.set("lang", "zh"); else q.delete("lang");
      history.replaceState(null, "", "?" + q.toString());
      Lang.apply();
      if (S.user) await load();
    }));
  }
  $("open-form").addEventListener("submit", (ev) => { ev.preventDefault(); openUser($("user-input").value.trim()); });
  $("new-shopper").addEventListener("click", () => openUser(newShopperId()));
  $("personalization").addEventListener("change", (ev) => guarded(async () => {
    await api("PUT", `/v1/users/${enc(S.user)}/settings`, { personalization: ev.target.checked });
    await load();
  }));
  $("download").addEventListener("click", () => guarded(async () => {
    const settings = await api("GET", `/v1/users/${enc(S.user)}/settings`);
    const data = { user_id: S.user, downloaded_at: new Date().toISOString(), settings, profile: S.profile,
      history: S.view.history, recommendations: S.view.recommendations };
    const a = el("a", { href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" })),
      download: `whyrec-${S.user}.json` });
    document.body.append(a); a.click(); a.remove();
  }));
  $("erase").addEventListener("click", () => guarded(async () => {
    if (!confirm(Lang.ui("erase_confirm"))) return;
    const gone = await api("DELETE", `/v1/users/${enc(S.user)}`);
    S.view = null; S.last = null;
    await load();
    status(Lang.ui("erased", { events: gone.events, settings: gone.settings, tags: gone.removed_tags }));
  }));
}

document.addEventListener("DOMContentLoaded", () => {
  Lang.apply();
  wire();
  const user = new URLSearchParams(location.search).get("user");
  if (user) openUser(user, true); else $("start").hidden = false;
});
