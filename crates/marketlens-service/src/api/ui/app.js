// marketlens web UI: one page, views chosen by the URL fragment, reading the /v1 API.
//
// Rule of this file: text that comes from data (queries, product titles, messages,
// names) is only ever inserted as text (text nodes, `textContent`), never as HTML.
// `h()` below is the one way elements are built; it has no way to set HTML.
"use strict";

const KEY_STORAGE = "marketlens.apiKey";
const STAGE_MARKS = { done: "✓", failed: "✗", running: "…", pending: "○" };
const HISTORY_PAGE = 20;

// ---------------------------------------------------------------- DOM helpers

/** An element with attributes (`on…` functions become listeners) and children
 * (strings become text nodes). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

function fmtDate(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

function fmtNum(n, digits) {
  if (n === null || n === undefined) return "–";
  return Number(n).toLocaleString(undefined, { maximumFractionDigits: digits ?? 2 });
}

function fmtPct(rate) {
  return rate === null || rate === undefined ? "–" : `${fmtNum(rate * 100, 1)} %`;
}

function fmtSecs(s) {
  if (s === null || s === undefined) return "–";
  return s < 1 ? `${fmtNum(s * 1000, 0)} ms` : `${fmtNum(s, 2)} s`;
}

function statusBadge(status) {
  return h("span", { class: `status status-${status}`, "data-status": status }, status);
}

function figure(label, value) {
  return h("div", { class: "figure" }, h("span", { class: "label" }, label), h("span", { class: "value" }, value));
}

// ---------------------------------------------------------------- API access

function apiKey() {
  try { return sessionStorage.getItem(KEY_STORAGE) || ""; } catch (_) { return ""; }
}

/** Request headers, with the API key when one was entered. */
function authHeaders(extra) {
  const headers = Object.assign({ Accept: "application/json" }, extra || {});
  const key = apiKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  return headers;
}

class ApiFailure extends Error {
  constructor(status, body) {
    const detail = body && body.error ? body.error : null;
    super(detail ? detail.message : `HTTP ${status}`);
    this.status = status;
    this.errorType = detail ? detail.error_type : null;
    this.field = detail ? detail.field : null;
  }
}

async function api(path, options) {
  const opts = Object.assign({}, options || {});
  opts.headers = authHeaders(opts.headers);
  let response;
  try {
    response = await fetch(path, opts);
  } catch (e) {
    throw new ApiFailure(0, { error: { error_type: "network", message: `cannot reach the server: ${e.message}` } });
  }
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const failure = new ApiFailure(response.status, body);
    if (response.status === 401 || response.status === 403) {
      failure.message = `${failure.message} — enter a valid API key under “API key” at the top.`;
    }
    throw failure;
  }
  return { status: response.status, body, headers: response.headers };
}

function failureBox(error) {
  return h("div", { class: "alert", role: "alert" }, error.message || String(error));
}

/**
 * The body of `GET path` for a view, or null when the view was left meanwhile or the
 * request failed (the failure then shown in `slot`).
 */
async function loadInto(slot, path, signal) {
  try {
    const body = (await api(path, { signal })).body;
    return signal.aborted ? null : body;
  } catch (e) {
    if (!signal.aborted) slot.append(failureBox(e));
    return null;
  }
}

// ---------------------------------------------------------------- routing

let currentView = null; // { abort: AbortController }

function route() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, queryString] = raw.split("?");
  const params = new URLSearchParams(queryString || "");
  const parts = path.split("/").filter(Boolean);
  if (currentView) currentView.abort();
  const controller = new AbortController();
  controller.moveFocus = !firstRoute;
  firstRoute = false;
  currentView = controller;
  const view = clear(document.getElementById("view"));
  let nav = null;
  if (parts.length === 0 || parts[0] === "new") { nav = "new"; newAnalysisView(view, controller.signal, params); }
  else if (parts[0] === "analyses" && parts[1]) { nav = "history"; analysisView(view, controller.signal, decodeURIComponent(parts[1])); }
  else if (parts[0] === "history") { nav = "history"; historyView(view, controller.signal, params); }
  else if (parts[0] === "stats") { nav = "stats"; statsView(view, controller.signal); }
  else if (parts[0] === "experiments" && parts[1]) { nav = "experiments"; experimentView(view, controller.signal, decodeURIComponent(parts[1])); }
  else if (parts[0] === "experiments") { nav = "experiments"; experimentsView(view, controller.signal); }
  else append(view, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/" }, "Start a new analysis")));
  for (const a of document.querySelectorAll("[data-nav]")) {
    if (a.dataset.nav === nav) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

let firstRoute = true;

/** Moves focus to the new view's heading so keyboard and screen-reader users land on
 * it; not on the first view, where the page's own order (skip link first) applies. */
function focusHeading(view) {
  if (!currentView || !currentView.moveFocus) return;
  const heading = view.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
}

// ---------------------------------------------------------------- new analysis

const FIELD_LABELS = {
  query: "Product query", currency: "Currency", market: "Market", sources: "Sources", condition: "Condition",
  min_price: "Minimum price", max_price: "Maximum price", language: "Review language", max_products: "Products to analyse",
};

async function newAnalysisView(view, signal, params) {
  document.title = "New analysis · marketlens";
  const formAlert = h("div", { class: "alert", role: "alert", id: "form-alert" });
  append(view, h("h1", {}, "New analysis"), formAlert);
  let options;
  try {
    options = (await api("/v1/analysis-options", { signal })).body;
  } catch (e) {
    if (signal.aborted) return;
    formAlert.textContent = `The form's choices could not be loaded: ${e.message}`;
    return;
  }
  if (signal.aborted) return;
  const d = options.defaults;
  const errorEl = (name) => h("p", { class: "error", id: `err-${name}`, "data-error-for": name, "aria-live": "polite" });
  const field = (name, label, control, hint) =>
    h("div", { class: "field" },
      h("label", { for: `f-${name}` }, label, hint ? h("span", { class: "hint", id: `hint-${name}` }, hint) : null),
      control, errorEl(name));
  const select = (name, choices, selected, describedBy) =>
    h("select", { id: `f-${name}`, name, "aria-describedby": [describedBy, `err-${name}`].filter(Boolean).join(" ") },
      choices.map(([value, text]) => h("option", { value, selected: value === selected }, text)));

  const sourceBoxes = options.sources.map((s) =>
    h("label", {}, h("input", { type: "checkbox", name: "sources", value: s }), s));
  const form = h("form", { id: "analysis-form", class: "card", novalidate: true, "aria-describedby": "form-alert" },
    field("query", "Product query",
      h("input", { id: "f-query", name: "query", type: "text", required: true, maxlength: options.max_query_chars,
        autocomplete: "off", "aria-describedby": "hint-query err-query", placeholder: "e.g. wireless headphones" }),
      `What to analyse, 1 to ${options.max_query_chars} characters.`),
    h("div", { class: "grid" },
      field("currency", "Currency", select("currency", options.currencies.map((c) => [c, c]), d.currency, "hint-currency"),
        "Statistics are given in it."),
      field("market", "Market", select("market", options.markets.map((m) => [m, m]), d.market, "hint-market"),
        "Country: tax rules and the meaning of $."),
      field("condition", "Condition", select("condition", options.conditions.map((c) => [c, c]), "any")),
      field("language", "Review language",
        select("language", [["", "any language"], ...options.languages.map((l) => [l, l])], ""),
        "Only reviews in this language are analysed."),
      field("min_price", "Minimum price",
        h("input", { id: "f-min_price", name: "min_price", type: "text", inputmode: "decimal", autocomplete: "off",
          "aria-describedby": "hint-min_price err-min_price" }), "Optional, in the currency above."),
      field("max_price", "Maximum price",
        h("input", { id: "f-max_price", name: "max_price", type: "text", inputmode: "decimal", autocomplete: "off",
          "aria-describedby": "hint-max_price err-max_price" }), "Optional, in the currency above."),
      field("max_products", "Products to analyse",
        h("input", { id: "f-max_products", name: "max_products", type: "number", min: 1, max: options.max_products_limit,
          value: d.max_products, "aria-describedby": "hint-max_products err-max_products" }),
        `1 to ${options.max_products_limit}.`)),
    h("div", { class: "field" },
      h("fieldset", { id: "f-sources", "aria-describedby": "hint-sources err-sources" },
        h("legend", {}, "Sources"),
        h("p", { class: "hint", id: "hint-sources" }, "None ticked: every enabled source."),
        h("div", { class: "checks" }, sourceBoxes)),
      errorEl("sources")),
    h("div", { class: "actions" },
      h("button", { type: "submit", id: "submit-analysis" }, "Analyse"),
      h("span", { class: "muted" }, `Configuration version ${options.agent_config_version}`)));
  view.append(form);
  focusHeading(view);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form, formAlert);
    const data = new FormData(form);
    const body = { query: data.get("query") };
    for (const name of ["currency", "market", "condition", "language"]) {
      const value = data.get(name);
      if (value) body[name] = value;
    }
    for (const name of ["min_price", "max_price"]) {
      const value = String(data.get(name) || "").trim();
      if (value) body[name] = value;
    }
    const maxProducts = String(data.get("max_products") || "").trim();
    if (maxProducts) {
      const n = Number(maxProducts);
      // The API judges the number; text that is not one is sent as is, and refused.
      body.max_products = Number.isInteger(n) ? n : maxProducts;
    }
    const sources = data.getAll("sources");
    if (sources.length) body.sources = sources;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answer = await api("/v1/analyses", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal,
      });
      location.hash = `#/analyses/${encodeURIComponent(answer.body.id)}`;
    } catch (e) {
      if (signal.aborted) return;
      showError(form, formAlert, e);
    } finally {
      button.disabled = false;
    }
  });
}

function clearErrors(form, formAlert) {
  formAlert.textContent = "";
  for (const el of form.querySelectorAll("[data-error-for]")) el.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/** The API's message next to the field it names, or above the form. */
function showError(form, formAlert, error) {
  const name = error.field && FIELD_LABELS[error.field] ? error.field : null;
  const slot = name ? form.querySelector(`[data-error-for="${name}"]`) : null;
  if (slot) {
    slot.textContent = error.message;
    const control = form.querySelector(`#f-${name}`);
    if (control) {
      control.setAttribute("aria-invalid", "true");
      const focusable = control.matches("fieldset") ? control.querySelector("input") : control;
      if (focusable) focusable.focus();
    }
    formAlert.textContent = `${FIELD_LABELS[name]}: ${error.message}`;
  } else {
    formAlert.textContent = error.message;
    formAlert.focus && formAlert.setAttribute("tabindex", "-1");
    formAlert.focus();
  }
}

// ---------------------------------------------------------------- one analysis

async function analysisView(view, signal, id) {
  document.title = "Analysis · marketlens";
  const path = `/v1/analyses/${encodeURIComponent(id)}`;
  const heading = h("h1", {}, "Analysis");
  const meta = h("p", { class: "meta" });
  const liveMode = h("p", { class: "muted", id: "live-mode" });
  const statusLine = h("p", { id: "analysis-status", role: "status", "aria-live": "polite" });
  const stages = h("ol", { class: "stages", id: "stages", "aria-label": "Stages" });
  const outcome = h("div", { id: "outcome" });
  append(view, heading, meta, statusLine, h("h2", {}, "Stages"), stages, liveMode, outcome);
  focusHeading(view);

  let shownFinal = false;
  const render = (a) => {
    heading.textContent = a.query;
    clear(meta);
    append(meta,
      h("span", {}, `Submitted ${fmtDate(a.created_at)}`),
      h("span", {}, `${a.params.currency}, market ${a.params.market}`),
      a.params.sources.length ? h("span", {}, `sources: ${a.params.sources.join(", ")}`) : null,
      a.cache_hit ? h("span", {}, "answered from an earlier identical analysis") : null);
    clear(statusLine);
    append(statusLine, "Status: ", statusBadge(a.status));
    clear(stages);
    for (const s of a.progress) {
      stages.append(h("li", { class: `stage-${s.state}`, "data-stage": s.stage, "data-state": s.state },
        h("span", { class: "stage-mark", "aria-hidden": "true" }, STAGE_MARKS[s.state] || "?"),
        h("span", { class: "stage-name" }, s.stage,
          h("span", { class: "visually-hidden" }, ` ${s.state}`)),
        h("span", { class: "stage-detail" },
          [s.state, s.duration_ms !== null && s.duration_ms !== undefined ? `${fmtNum(s.duration_ms, 0)} ms` : null, s.detail]
            .filter((x) => x !== null && x !== undefined && x !== "").join(" · "))));
    }
    if (!a.progress.length) stages.append(h("li", {}, h("span"), h("span", { class: "muted" }, "Waiting for a worker…")));
    if (!shownFinal && (a.status === "completed" || a.status === "failed")) {
      shownFinal = true;
      showOutcome(outcome, a, signal);
    }
  };

  try {
    render((await api(path, { signal })).body);
  } catch (e) {
    if (signal.aborted) return;
    clear(view).append(h("h1", {}, "Analysis"), failureBox(e), h("p", {}, h("a", { href: "#/history" }, "Back to history")));
    return;
  }
  if (shownFinal) { liveMode.textContent = ""; return; }
  followAnalysis(id, render, signal, (mode) => { liveMode.textContent = mode; });
}

/** Follows an analysis until it is completed or failed: the server's event stream
 * (read with fetch, so the API key can be sent), else polling every second. */
async function followAnalysis(id, onChange, signal, onMode) {
  const path = `/v1/analyses/${encodeURIComponent(id)}`;
  let final = false;
  try {
    const response = await fetch(`${path}/events`, { headers: authHeaders({ Accept: "text/event-stream" }), signal });
    if (!response.ok || !response.body) throw new Error(`events answered ${response.status}`);
    onMode("Live updates from the server.");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer = (buffer + value).replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = { name: "message", data: [] };
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const val = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") event.name = val;
          else if (field === "data") event.data.push(val);
        }
        if (!event.data.length) continue;
        onChange(JSON.parse(event.data.join("\n")));
        if (event.name === "completed" || event.name === "failed") final = true;
      }
    }
  } catch (e) {
    if (signal.aborted) return;
  }
  if (final || signal.aborted) { onMode(""); return; }
  // The stream is unavailable or broke off: poll.
  onMode("Checking for updates every second.");
  while (!signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (signal.aborted) return;
    try {
      const a = (await api(path, { signal })).body;
      onChange(a);
      if (a.status === "completed" || a.status === "failed") { onMode(""); return; }
    } catch (e) {
      if (signal.aborted) return;
      onMode(`Updates paused: ${e.message}. Retrying…`);
    }
  }
}

async function showOutcome(outcome, a, signal) {
  clear(outcome);
  if (a.status === "failed") {
    const error = a.error || { error_type: "error", message: "" };
    append(outcome, h("h2", {}, "Failed"),
      h("div", { class: "alert", role: "alert" }, h("strong", {}, error.error_type), ": ", error.message));
    return;
  }
  const reportHref = a.links.report;
  const resultHref = a.links.result;
  const figures = h("div", { id: "result-figures" });
  const details = h("div", { id: "summary" });
  const frameSlot = h("div", { id: "report-slot" });
  append(outcome,
    h("h2", {}, "Result"),
    figures,
    h("div", { class: "actions" },
      h("a", { class: "button", href: reportHref, id: "open-report", target: "_blank", rel: "noopener" }, "Open report"),
      downloadLink(reportHref, `marketlens-${a.id}.html`, "Download HTML", "download-html"),
      downloadLink(resultHref, `marketlens-${a.id}.json`, "Download JSON", "download-json")),
    h("h2", {}, "Report"),
    frameSlot,
    feedbackWidget(a),
    details);
  renderReportFrame(frameSlot, reportHref, signal);
  try {
    const result = (await api(resultHref, { signal })).body;
    renderSummary(figures, details, result);
  } catch (e) {
    if (!signal.aborted) figures.append(failureBox(e));
  }
}

/** A download link: a plain link without an API key; with one, the file is fetched
 * with it and saved from memory. */
function downloadLink(href, filename, text, id) {
  return h("a", {
    class: "button secondary", href, download: filename, id,
    onclick: async (event) => {
      if (!apiKey()) return;
      event.preventDefault();
      try {
        const response = await fetch(href, { headers: authHeaders({ Accept: "*/*" }) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const url = URL.createObjectURL(await response.blob());
        const a = h("a", { href: url, download: filename });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      } catch (e) {
        alertNear(event.target, `Download failed: ${e.message}`);
      }
    },
  }, text);
}

function alertNear(el, message) {
  el.parentElement.after(h("div", { class: "alert", role: "alert" }, message));
}

/** The report in a sandboxed frame (no script, no same-origin access). Without an API
 * key the frame loads it directly; with one it is fetched with the key and shown from
 * memory. */
async function renderReportFrame(slot, href, signal) {
  const frame = h("iframe", { class: "report-frame", id: "report-frame", title: "Analysis report", sandbox: "" });
  if (!apiKey()) {
    frame.setAttribute("src", href);
    slot.append(frame);
    return;
  }
  try {
    const html = (await api(href, { signal, headers: { Accept: "text/html" } })).body;
    frame.srcdoc = html;
    slot.append(frame);
  } catch (e) {
    if (!signal.aborted) slot.append(failureBox(e));
  }
}

/** The result's key figures, and its summary, recommendations and products as text. */
function renderSummary(figuresEl, detailsEl, result) {
  const m = result.market || {};
  const stats = m.price || null;
  append(figuresEl,
    h("div", { class: "figures" },
      figure("Products", fmtNum((result.products || []).length, 0)),
      figure("Offers", fmtNum(m.offer_count, 0)),
      figure("Reviews", fmtNum(result.sentiment ? result.sentiment.review_count : null, 0)),
      stats ? figure(`Median price (${m.currency})`, fmtNum(stats.median, 2)) : null,
      stats ? figure(`Price range (${m.currency})`, `${fmtNum(stats.min, 2)} – ${fmtNum(stats.max, 2)}`) : null,
      figure("Quality checks", result.quality ? (result.quality.passed ? "passed" : "failed") : "–")),
    (result.data_notices || []).length
      ? h("div", { class: "notice" }, result.data_notices.map((n) => h("p", {}, n)))
      : null);
  const products = result.products || [];
  append(detailsEl,
    h("h2", {}, "Summary"),
    (result.narrative || []).length
      ? h("div", { class: "narrative", id: "narrative" }, result.narrative.map((p) => h("p", {}, p)))
      : null,
    (result.recommendations || []).length
      ? [h("h3", {}, "Recommendations"),
        h("ul", { class: "plain", id: "recommendations" },
          result.recommendations.map((r) => h("li", {}, h("strong", {}, r.title), " — ", r.detail)))]
      : null,
    products.length
      ? [h("h3", {}, `Products (${products.length})`),
        h("table", { class: "responsive", id: "products" },
          h("thead", {}, h("tr", {}, h("th", {}, "Product"), h("th", {}, "Brand"), h("th", { class: "num" }, "Offers"), h("th", { class: "num" }, "Reviews"))),
          h("tbody", {}, products.slice(0, 25).map((p) => h("tr", {},
            h("td", { "data-label": "Product", class: "product-title" }, p.title),
            h("td", { "data-label": "Brand" }, p.brand || ""),
            h("td", { "data-label": "Offers", class: "num" }, fmtNum((p.offers || []).length, 0)),
            h("td", { "data-label": "Reviews", class: "num" }, fmtNum((p.reviews || []).length, 0)))))),
        products.length > 25 ? h("p", { class: "muted" }, `The first 25 of ${products.length}; the report lists them all.`) : null]
      : null);
}

function feedbackWidget(a) {
  const status = h("p", { id: "feedback-status", role: "status", "aria-live": "polite" });
  const error = h("p", { class: "error", id: "feedback-error", "aria-live": "polite" });
  const stars = [1, 2, 3, 4, 5].map((n) =>
    h("label", {}, h("input", { type: "radio", name: "rating", value: n, required: true }), `${n}`));
  const form = h("form", { id: "feedback-form", class: "card", novalidate: true },
    h("h2", {}, "Feedback"),
    h("fieldset", { id: "f-rating", "aria-describedby": "hint-rating feedback-error" },
      h("legend", {}, "Rating"),
      h("p", { class: "hint", id: "hint-rating" }, "1 poor … 5 excellent"),
      h("div", { class: "rating" }, stars)),
    h("fieldset", { id: "f-useful" },
      h("legend", {}, "Was it useful?"),
      h("div", { class: "checks" },
        h("label", {}, h("input", { type: "radio", name: "useful", value: "yes" }), "Yes"),
        h("label", {}, h("input", { type: "radio", name: "useful", value: "no" }), "No"),
        h("label", {}, h("input", { type: "radio", name: "useful", value: "", checked: true }), "Not saying"))),
    h("div", { class: "field" },
      h("label", { for: "f-comment" }, "Comment", h("span", { class: "hint" }, "Optional, at most 2,000 characters.")),
      h("textarea", { id: "f-comment", name: "comment", maxlength: 2000 })),
    error,
    h("div", { class: "actions" }, h("button", { type: "submit", id: "send-feedback" }, "Send feedback")),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    status.textContent = "";
    const data = new FormData(form);
    const rating = data.get("rating");
    if (!rating) {
      error.textContent = "Choose a rating from 1 to 5.";
      form.querySelector("input[name=rating]").focus();
      return;
    }
    const body = { rating: Number(rating) };
    const useful = data.get("useful");
    if (useful) body.useful = useful === "yes";
    const comment = String(data.get("comment") || "").trim();
    if (comment) body.comment = comment;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const answer = await api(`/v1/analyses/${encodeURIComponent(a.id)}/feedback`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      status.textContent = answer.status === 201 ? "Thank you: your feedback is recorded." : "Thank you: your earlier feedback is replaced.";
    } catch (e) {
      error.textContent = e.message;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// ---------------------------------------------------------------- history

async function historyView(view, signal, params) {
  document.title = "History · marketlens";
  const q = params.get("q") || "";
  const status = params.get("status") || "";
  const offset = Math.max(0, parseInt(params.get("offset") || "0", 10) || 0);
  const form = h("form", { class: "filters card", id: "history-filters", role: "search" },
    h("div", { class: "field" }, h("label", { for: "h-q" }, "Search queries"),
      h("input", { id: "h-q", name: "q", type: "search", value: q, maxlength: 200 })),
    h("div", { class: "field" }, h("label", { for: "h-status" }, "Status"),
      h("select", { id: "h-status", name: "status" },
        [["", "any status"], ["queued", "queued"], ["running", "running"], ["completed", "completed"], ["failed", "failed"]]
          .map(([value, text]) => h("option", { value, selected: value === status }, text)))),
    h("div", {}, h("button", { type: "submit" }, "Search")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    location.hash = `#/history?${historyQuery(data.get("q"), data.get("status"), 0)}`;
  });
  const results = h("div", { id: "history-results", "aria-live": "polite" });
  append(view, h("h1", {}, "History"), form, results);
  focusHeading(view);
  const query = new URLSearchParams({ limit: HISTORY_PAGE, offset });
  if (q) query.set("q", q);
  if (status) query.set("status", status);
  const page = await loadInto(results, `/v1/analyses?${query}`, signal);
  if (page === null) return;
  if (!page.items.length) {
    results.append(h("p", {}, q || status ? "No analysis matches." : "No analysis yet. ", q || status ? null : h("a", { href: "#/" }, "Start one.")));
    return;
  }
  results.append(h("table", { class: "responsive", id: "history-table" },
    h("thead", {}, h("tr", {}, h("th", {}, "Query"), h("th", {}, "Status"), h("th", {}, "Submitted"), h("th", {}, "Parameters"))),
    h("tbody", {}, page.items.map((a) => h("tr", { "data-id": a.id },
      h("td", { "data-label": "Query" }, h("a", { href: `#/analyses/${encodeURIComponent(a.id)}` }, a.query)),
      h("td", { "data-label": "Status" }, statusBadge(a.status)),
      h("td", { "data-label": "Submitted" }, fmtDate(a.created_at)),
      h("td", { "data-label": "Parameters" }, `${a.params.currency} · ${a.params.market}${a.cache_hit ? " · cache hit" : ""}`))))));
  const pages = Math.max(1, Math.ceil(page.total / HISTORY_PAGE));
  const current = Math.floor(offset / HISTORY_PAGE) + 1;
  results.append(h("nav", { class: "pager", "aria-label": "Pages" },
    offset > 0 ? h("a", { class: "button secondary", href: `#/history?${historyQuery(q, status, Math.max(0, offset - HISTORY_PAGE))}`, rel: "prev" }, "Newer") : null,
    h("span", {}, `Page ${current} of ${pages} (${page.total} analyses)`),
    offset + HISTORY_PAGE < page.total ? h("a", { class: "button secondary", href: `#/history?${historyQuery(q, status, offset + HISTORY_PAGE)}`, rel: "next" }, "Older") : null));
}

function historyQuery(q, status, offset) {
  const p = new URLSearchParams();
  if (q) p.set("q", q);
  if (status) p.set("status", status);
  if (offset) p.set("offset", offset);
  return p.toString();
}

// ---------------------------------------------------------------- stats

async function statsView(view, signal) {
  document.title = "Stats · marketlens";
  append(view, h("h1", {}, "Stats"),
    h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", id: "stats-refresh", onclick: () => route() }, "Refresh")));
  focusHeading(view);
  const s = await loadInto(view, "/v1/stats", signal);
  if (s === null) return;
  const a = s.analyses;
  const since = new Date(s.since);
  const minutes = Math.max((Date.now() - since.getTime()) / 60000, 1 / 60);
  const finished = a.completed + a.failed;
  append(view,
    h("p", { class: "meta" }, `Figures of this server process since ${fmtDate(s.since)}; percentiles over the last ${s.window.max_samples} samples or ${fmtNum(s.window.max_age_secs / 60, 0)} minutes.`),
    h("h2", {}, "Analyses"),
    h("div", { class: "figures", id: "stats-figures" },
      figure("Completed", fmtNum(a.completed, 0)),
      figure("Failed", fmtNum(a.failed, 0)),
      figure("Throughput", `${fmtNum(finished / minutes, 2)} / min`),
      figure("Error rate", fmtPct(a.error_rate))),
    h("h2", {}, "Time from submission to result"),
    h("div", { class: "figures", id: "stats-latency" },
      figure("p50", fmtSecs(a.latency_seconds.p50)),
      figure("p95", fmtSecs(a.latency_seconds.p95)),
      figure("p99", fmtSecs(a.latency_seconds.p99)),
      figure("Analyses measured", fmtNum(a.latency_seconds.count, 0))),
    h("h2", {}, "Queue"),
    s.queue
      ? h("div", { class: "figures" },
        figure("Queued", fmtNum(s.queue.queued, 0)), figure("Running", fmtNum(s.queue.running, 0)),
        figure("Dead", fmtNum(s.queue.dead, 0)), figure("Oldest job", fmtSecs(s.queue.oldest_job_age_seconds)))
      : h("p", { class: "alert" }, "The queue does not answer."),
    h("h2", {}, "Caches"),
    table(["Cache", "Hits", "Misses", "Hit rate"], Object.entries(s.cache).map(([name, c]) =>
      [name, num(c.hits), num(c.misses), num(fmtPct(c.hit_rate))]), "stats-cache"),
    h("h2", {}, "Stages"),
    table(["Stage", "Runs", "p50", "p95", "p99"], Object.entries(s.stages).sort(byStageOrder).map(([name, l]) =>
      [name, num(l.count), num(fmtSecs(l.p50)), num(fmtSecs(l.p95)), num(fmtSecs(l.p99))])),
    h("h2", {}, "Sources"),
    table(["Source", "Outcomes", "p50", "p95"], Object.entries(s.sources).map(([name, src]) =>
      [name, Object.entries(src.outcomes).map(([k, v]) => `${k}: ${v}`).join(", "), num(fmtSecs(src.latency_seconds.p50)), num(fmtSecs(src.latency_seconds.p95))])),
    Object.keys(a.failed_by_error_type).length
      ? [h("h2", {}, "Failures by type"), table(["Error type", "Count"], Object.entries(a.failed_by_error_type).map(([k, v]) => [k, num(v)]))]
      : null,
    h("h2", {}, "Feedback by rating"),
    table(["Rating", "Feedback"], Object.entries(s.feedback_by_rating || {}).map(([k, v]) => [`${k} of 5`, num(v)]), "stats-feedback"));
}

/** Pipeline order; stages this page does not know go last, by name. */
const STAGE_ORDER = ["fetch_products", "normalize", "analyze_market", "analyze_sentiment", "llm_summarize", "generate_report"];
function byStageOrder([a], [b]) {
  const rank = (s) => (STAGE_ORDER.includes(s) ? STAGE_ORDER.indexOf(s) : STAGE_ORDER.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** A cell value shown right-aligned. */
function num(value) {
  return { num: true, value: typeof value === "number" ? fmtNum(value, 0) : value };
}

function table(headings, rows, id) {
  if (!rows.length) return h("p", { class: "muted" }, "Nothing yet.");
  const cell = (tag, c, label) => (c && typeof c === "object" && "num" in c
    ? h(tag, { class: "num", "data-label": label }, c.value)
    : h(tag, { "data-label": label }, c));
  return h("table", { class: "responsive", id },
    h("thead", {}, h("tr", {}, headings.map((t, i) => h("th", { class: i > 0 && rows[0][i] && rows[0][i].num ? "num" : null }, t)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => cell("td", c, headings[i]))))));
}

// ---------------------------------------------------------------- experiments

async function experimentsView(view, signal) {
  document.title = "Experiments · marketlens";
  append(view, h("h1", {}, "Experiments"));
  focusHeading(view);
  const list = await loadInto(view, "/v1/admin/experiments", signal);
  if (list === null) return;
  if (!list.length) {
    view.append(h("p", {}, "No experiment yet. They are created with ", h("code", {}, "POST /v1/admin/experiments"), " (see ", h("a", { href: "/docs" }, "the API docs"), ")."));
    return;
  }
  view.append(table(["Name", "Status", "Variants", "Created", "Started", "Stopped"], list.map((x) => [
    h("a", { href: `#/experiments/${encodeURIComponent(x.id)}` }, x.name),
    statusBadge(x.status),
    (x.variants || []).map((v) => `${v.name} (${v.weight})`).join(", "),
    fmtDate(x.created_at), fmtDate(x.started_at), fmtDate(x.stopped_at),
  ]), "experiments-table"));
}

async function experimentView(view, signal, id) {
  document.title = "Experiment · marketlens";
  const heading = h("h1", {}, "Experiment");
  append(view, h("p", {}, h("a", { href: "#/experiments" }, "← All experiments")), heading);
  focusHeading(view);
  const r = await loadInto(view, `/v1/experiments/${encodeURIComponent(id)}/results`, signal);
  if (r === null) return;
  heading.textContent = `Experiment ${r.experiment.name}`;
  const rate = (x) => (x ? `${fmtPct(x.rate)} (${fmtPct(x.ci_low)}–${fmtPct(x.ci_high)}, n=${x.trials})` : "–");
  const mean = (x) => (x ? `${fmtNum(x.mean, 2)} (${fmtNum(x.ci_low, 2)}–${fmtNum(x.ci_high, 2)}, n=${x.n})` : "–");
  append(view,
    h("p", { class: "meta" }, h("span", {}, "Status: ", statusBadge(r.experiment.status)), h("span", {}, `created ${fmtDate(r.experiment.created_at)}`)),
    h("h2", {}, "Variants"),
    table(["Variant", "Weight", "Assigned", "Completed", "Failed", "Latency p50", "Rating", "Useful", "Quality failures"],
      r.variants.map((v) => [v.name, num(v.weight), num(v.assigned), num(v.completed), num(v.failed),
        num(v.latency_ms ? `${fmtNum(v.latency_ms.p50, 0)} ms` : "–"), mean(v.rating), rate(v.useful_rate), rate(v.quality_check_failure_rate)]),
      "variants-table"),
    h("h2", {}, "Sample ratio"),
    h("p", { id: "sample-ratio" }, r.sample_ratio
      ? (r.sample_ratio.mismatch
        ? `The split does not match the weights (χ² ${fmtNum(r.sample_ratio.chi_square, 2)}, p = ${fmtNum(r.sample_ratio.p_value, 4)} < ${r.sample_ratio.threshold}): check the assignment before reading the results.`
        : `The split matches the weights (χ² ${fmtNum(r.sample_ratio.chi_square, 2)}, p = ${fmtNum(r.sample_ratio.p_value, 4)}).`)
      : "No query assigned yet."),
    h("h2", {}, "Compared with the control"),
    r.comparisons.length
      ? table(["Variant", "Rating", "Useful rate", "Quality failures", "Latency"], r.comparisons.map((c) =>
        [c.variant, c.rating.summary, c.useful_rate.summary, c.quality_check_failure_rate.summary, c.latency_ms.summary]))
      : h("p", { class: "muted" }, "One variant only: nothing to compare."));
}

// ---------------------------------------------------------------- API key

function setupKey() {
  const form = document.getElementById("key-form");
  const input = document.getElementById("api-key");
  const state = document.getElementById("key-state");
  const show = () => { state.textContent = apiKey() ? "(set)" : "(none)"; };
  show();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    try {
      if (key) sessionStorage.setItem(KEY_STORAGE, key);
      else sessionStorage.removeItem(KEY_STORAGE);
    } catch (_) { /* storage refused: the key is not kept */ }
    input.value = "";
    show();
    document.getElementById("key-panel").open = false;
    route();
  });
  document.getElementById("key-forget").addEventListener("click", () => {
    try { sessionStorage.removeItem(KEY_STORAGE); } catch (_) { /* nothing kept */ }
    input.value = "";
    show();
    route();
  });
}

/** A script error is said on the page, not only in the console. */
function reportUnexpected(message) {
  const view = document.getElementById("view");
  view.prepend(h("div", { class: "alert", role: "alert", "data-unexpected": "" }, `Something went wrong in this page: ${message}`));
}
window.addEventListener("error", (event) => reportUnexpected(event.message));
window.addEventListener("unhandledrejection", (event) => {
  const reason = event.reason;
  if (reason && reason.name === "AbortError") return;
  reportUnexpected(reason && reason.message ? reason.message : String(reason));
});

setupKey();
window.addEventListener("hashchange", route);
route();
