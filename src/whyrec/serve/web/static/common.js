// whyrec pages: words, the API client, and small DOM/SVG helpers (plain JavaScript: the pages are small, and a
// framework would be the largest file they load).
"use strict";

const WORDS = JSON.parse(document.getElementById("words").textContent);
const SVG_NS = "http://www.w3.org/2000/svg";

// Python's str.format for the few specs the card words use: {x}, {x:.0%}, {x:.4f}, {x:,}, {x:>2}
function pyFormat(template, args) {
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (_, name, spec) => {
    const v = args[name];
    if (v === undefined || v === null) return "";
    if (!spec) return String(v);
    let m = /^\.(\d+)%$/.exec(spec);
    if (m) return (v * 100).toFixed(+m[1]) + "%";
    m = /^\.(\d+)f$/.exec(spec);
    if (m) return Number(v).toFixed(+m[1]);
    if (spec === ",") return Number(v).toLocaleString("en-US");
    m = /^>(\d+)$/.exec(spec);
    if (m) return String(v).padStart(+m[1]);
    return String(v);
  });
}

const Lang = {
  current: new URLSearchParams(location.search).get("lang") === "zh" ? "zh" : "en",
  ui(key, args) { return pyFormat(WORDS[this.current].ui[key] ?? key, args || {}); },
  card(key, args) { return pyFormat(WORDS[this.current].card[key] ?? key, args || {}); },
  how(key) { return WORDS[this.current].card.how[key] ?? key; },
  apply(root) {
    document.documentElement.lang = this.current === "zh" ? "zh-CN" : "en";
    for (const node of (root || document).querySelectorAll("[data-i18n]")) node.textContent = this.ui(node.dataset.i18n);
    for (const node of (root || document).querySelectorAll("[data-i18n-label]")) {
      node.setAttribute("aria-label", this.ui(node.dataset.i18nLabel));
    }
    for (const b of document.querySelectorAll("[data-lang]")) b.setAttribute("aria-pressed", String(b.dataset.lang === this.current));
  },
};

// The credential: a shopper token or an API key given in the URL fragment (#token=...), kept for the tab.
const Credential = (() => {
  const hash = new URLSearchParams(location.hash.slice(1));
  const given = hash.get("token") || hash.get("key");
  if (given) { sessionStorage.setItem("whyrec-credential", given); history.replaceState(null, "", location.pathname + location.search); }
  return sessionStorage.getItem("whyrec-credential");
})();

async function api(method, path, body, accept) {
  const headers = {};
  if (Credential) headers.Authorization = "Bearer " + Credential;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return accept === "text" ? response.text() : response.json();
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) node.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function fmt(x, digits) { return (x < 0 ? "\u2212" : "") + Math.abs(x).toFixed(digits ?? 3); }
