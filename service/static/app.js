// The officers' page: uploads scans to /v1/screenings with the key kept in
// sessionStorage, shows progress, the verdict in words, the evidence image
// and the checks. No external assets; no framework.
"use strict";

const KEY = "docscreen.key";
const $ = (id) => document.getElementById(id);

const VERDICT_WORDS = {
  pass: "PASS: no sign of forgery was found.",
  review: "REVIEW: something needs an examiner's look.",
  fail: "FAIL: evidence of forgery or of an invalid document.",
};
const STATUS_WORDS = { pass: "passed", warn: "warning", fail: "failed", not_performed: "not applicable", error: "could not run" };
const CHECK_NAMES = {
  "mrz.present": "Machine-readable zone found",
  "mrz.structure": "Machine-readable zone layout",
  "mrz.check_digits": "Check digits",
  "mrz.codes": "Country and document codes",
  "mrz.dates": "Dates",
  "mrz.specimen": "Specimen document",
  "document.watchlist": "Lost, stolen or revoked documents",
  "template.layout": "Layout against the document model",
  "template.background": "Background print against the model",
  "template.text_print": "Printing of the personal data",
  "template.mrz_position": "Position of the MRZ",
  "template.portrait": "Portrait: seal and ghost image",
  "viz.mrz_agreement": "Printed data against the MRZ",
  "viz.consistency": "Printed dates and values",
  "viz.mrz_in_print": "MRZ values in the print (unknown model)",
  "forensics.copy_move": "Copied and pasted areas",
  "forensics.compression": "JPEG compression history",
  "forensics.noise": "Image noise",
  "forensics.edges": "Pasting edges",
  "anomaly.map": "Areas edited after scanning (learned)",
};
const AGREEMENT_WORDS = { agree: "agrees", disagree: "DIFFERS", unreadable: "not readable", not_in_mrz: "not in the MRZ" };

function key() { return sessionStorage.getItem(KEY) || ""; }

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

function announce(text) { $("live").textContent = text; }

function upload(file, onProgress) {
  return new Promise((resolve) => {
    const form = new FormData();
    form.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/screenings");
    xhr.setRequestHeader("Authorization", "Bearer " + key());
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.upload.onload = () => onProgress(null);
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (_) { body = null; }
      resolve({ status: xhr.status, body, retryAfter: xhr.getResponseHeader("Retry-After") });
    };
    xhr.onerror = () => resolve({ status: 0, body: { detail: "the server could not be reached" } });
    xhr.send(form);
  });
}

async function poll(url) {
  for (let i = 0; i < 600; i++) {
    const r = await fetch(url, { headers: { Authorization: "Bearer " + key() } });
    const body = await r.json().catch(() => null);
    if (!r.ok || !body || body.status !== "pending") return { status: r.status, body };
    await new Promise((ok) => setTimeout(ok, 1000));
  }
  return { status: 0, body: { detail: "the screening took too long; look for it later" } };
}

async function evidence(url) {
  const r = await fetch(url, { headers: { Authorization: "Bearer " + key() } });
  if (!r.ok) return null;
  return URL.createObjectURL(await r.blob());
}

function showProblem(card, body, status) {
  const detail = (body && body.detail) || "the request failed (HTTP " + status + ")";
  card.querySelector(".state").replaceWith(el("p", { class: "problem state", role: "alert", text: "Not screened: " + detail }));
  announce(card.dataset.name + ": not screened");
}

async function showScreening(card, s) {
  const state = card.querySelector(".state");
  const report = s.report || {};
  if (s.status === "failed" || report.error) {
    showProblem(card, { detail: s.error || report.error }, 422);
    return;
  }
  const v = s.verdict;
  const box = el("div", { class: "state" });
  box.append(el("p", { class: "verdict", "data-verdict": v, id: "verdict-" + s.id, text: VERDICT_WORDS[v] || v }));
  const reasons = (report.checks || []).filter((c) => c.status === "fail" || c.status === "warn");
  if (reasons.length) {
    const ul = el("ul", { class: "reasons" });
    for (const c of reasons) ul.append(el("li", { text: (CHECK_NAMES[c.id] || c.id) + ": " + c.message }));
    box.append(el("h4", { text: "Why" }), ul);
  }
  if (s.evidence) {
    const src = await evidence(s.evidence);
    if (src) {
      box.append(el("figure", { class: "evidence" },
        el("img", { src, alt: "The scan with the flagged regions outlined (red: failed checks, amber: warnings, blue: the document)" }),
        el("figcaption", { text: "Red: failed checks. Amber: warnings. Blue: the document's outline." })));
    }
  }
  const fields = Object.entries((report.document || {}).fields || {});
  if (fields.length) {
    const ft = el("table", {}, el("caption", { text: "Printed data read on the document" }));
    ft.append(el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Field" }), el("th", { scope: "col", text: "Printed" }), el("th", { scope: "col", text: "MRZ" }), el("th", { scope: "col", text: "" }))));
    const fb = el("tbody");
    for (const [name, f] of fields) {
      const a = f.agreement || "";
      fb.append(el("tr", {}, el("td", { text: name.replace(/_/g, " ") }), el("td", { text: f.value }), el("td", { text: f.mrz || "" }),
        el("td", { class: a === "disagree" ? "st-fail" : a === "agree" ? "st-pass" : "", text: AGREEMENT_WORDS[a] || a })));
    }
    ft.append(fb);
    box.append(el("details", {}, el("summary", { text: "Printed data (" + fields.length + " fields)" }), ft));
  }
  const table = el("table", {}, el("caption", { class: "visually-hidden", text: "Checks" }));
  table.append(el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Check" }), el("th", { scope: "col", text: "Result" }), el("th", { scope: "col", text: "Details" }))));
  const tb = el("tbody");
  for (const c of report.checks || []) {
    tb.append(el("tr", {}, el("td", { text: CHECK_NAMES[c.id] || c.id }), el("td", { class: "st-" + c.status, text: STATUS_WORDS[c.status] || c.status }), el("td", { text: c.message })));
  }
  table.append(tb);
  box.append(el("details", {}, el("summary", { text: "All checks (" + (report.checks || []).length + ")" }), table));
  state.replaceWith(box);
  card.dataset.verdict = v;
  announce(card.dataset.name + ": " + (VERDICT_WORDS[v] || v));
}

async function screen(file) {
  $("empty").hidden = true;
  const progress = el("progress", { max: "1", "aria-label": "Upload of " + file.name });
  const card = el("li", { class: "card", tabindex: "-1" },
    el("h3", { text: file.name }),
    el("div", { class: "state" }, el("p", { class: "status", text: "Uploading…" }), progress));
  card.dataset.name = file.name;
  $("results").prepend(card);
  announce("Screening " + file.name);
  const r = await upload(file, (p) => {
    if (p === null) {
      progress.removeAttribute("value");
      card.querySelector(".status").textContent = "Screening…";
    } else {
      progress.value = p;
    }
  });
  if (r.status === 200 && r.body && r.body.screenings) {
    for (const s of r.body.screenings) await showScreening(card, s);
  } else if (r.status === 202 && r.body && r.body.screenings) {
    card.querySelector(".status").textContent = "Queued; screening…";
    const p = await poll("/v1/screenings/" + r.body.screenings[0].id);
    if (p.status === 200) await showScreening(card, p.body); else showProblem(card, p.body, p.status);
  } else {
    let body = r.body;
    if (r.status === 401) body = { detail: "the key was refused: enter a valid API key above" };
    if (r.status === 503 && r.retryAfter) body = { detail: "the service is busy: try again in " + r.retryAfter + " s" };
    showProblem(card, body, r.status);
  }
}

function screenAll(files) {
  if (!key()) {
    $("key-state").textContent = "Enter your API key first.";
    $("key").focus();
    return;
  }
  for (const f of files) screen(f);
}

document.addEventListener("DOMContentLoaded", () => {
  if (key()) $("key-state").textContent = "A key is set for this tab.";
  $("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, $("key").value.trim());
    $("key").value = "";
    $("key-state").textContent = "A key is set for this tab.";
  });
  $("file").addEventListener("change", (e) => { screenAll([...e.target.files]); e.target.value = ""; });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    screenAll([...e.dataTransfer.files]);
  });
});
