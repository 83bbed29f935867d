// The page script of `embodied serve` (no build step, nothing from the internet): the folder page
// (upload, settings) and the model page (progress, tabs, mapping editor, 3D view). Every number shown
// comes from the server's fragments, rendered from the report model.

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const lang = document.body.dataset.lang || "zh+en";
const withLang = (url) => url + (url.includes("?") ? "&" : "?") + "lang=" + encodeURIComponent(lang);

async function fetchJSON(url, options = {}) {
  const response = await fetch(url, options);
  let body = {};
  try { body = await response.json(); } catch (e) { body = { error: `${response.status} ${response.statusText}` }; }
  if (!response.ok || body.error) throw new Error(body.error || `${response.status}`);
  return body;
}

async function fetchText(url) {
  const response = await fetch(withLang(url));
  if (!response.ok) {
    let message = `${response.status}`;
    try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return response.text();
}

function postJSON(url, data) {
  return fetchJSON(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
}

function showError(el, message) {
  if (!el) return;
  el.textContent = message || "";
  el.hidden = !message;
}

// --- settings (on both pages) ------------------------------------------------------------------
async function loadSettings(container, url, onSaved) {
  container.innerHTML = await fetchText(url);
  const form = $("#settings-form", container);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = {};
    for (const [key, value] of new FormData(form).entries()) fields[key] = String(value).trim();
    await saveSettings(container, { fields }, url, onSaved);
  });
  const textForm = $("#settings-text-form", container);
  textForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    await saveSettings(container, { text: $("#settings-text", container).value }, url, onSaved);
  });
}

async function saveSettings(container, data, url, onSaved) {
  const error = $("#settings-error", container);
  try {
    const saved = await postJSON("/api/settings", data);
    await loadSettings(container, url, onSaved);
    $("#settings-status", container).textContent = "✓ " + saved.saved;
    if (onSaved) await onSaved();
  } catch (e) {
    showError(error, e.message);
  }
}

// --- the folder page ---------------------------------------------------------------------------
function folderPage() {
  const form = $("#upload-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("#upload-file").files[0];
    const error = $("#upload-error");
    showError(error, "");
    if (!file) { showError(error, "upload: no file chosen"); return; }
    const data = new FormData();
    data.append("model", file, file.name);
    $("#upload-status").hidden = false;
    try {
      const body = await fetchJSON("/api/upload", { method: "POST", body: data });
      window.location.href = body.url;
    } catch (e) {
      showError(error, e.message);
    } finally {
      $("#upload-status").hidden = true;
    }
  });
  const settings = $("#settings");
  if (settings) loadSettings(settings, "/part/settings").catch((e) => { settings.textContent = e.message; });
}

// --- the model page ----------------------------------------------------------------------------
function modelPage(root) {
  const name = root.dataset.name;
  const base = `/m/${encodeURIComponent(name)}`;
  const api = `/api/m/${encodeURIComponent(name)}`;
  const loaded = new Set();
  let viewer = null;
  let viewerLoading = null;
  const actionError = $("#action-error");

  async function loadPart(part) {
    const section = $(`#tab-${part}`);
    if (part === "settings") {
      await loadSettings(section, "/part/settings", refresh);
    } else {
      section.innerHTML = await fetchText(`${base}/part/${part}`);
      if (part === "mapping") wireMapping(section);
    }
    loaded.add(part);
  }

  async function refresh() {
    // after an edit: every fragment already shown again, and the 3D colours
    const parts = Array.from(loaded);
    loaded.clear();
    await Promise.all(parts.map(loadPart));
    const status = await fetchJSON(`${api}/status`);
    if (status.state === "error") showError(actionError, status.error);
    if (viewer) await colour();
  }

  function show(tab) {
    for (const button of $$("#tabs button")) button.classList.toggle("active", button.dataset.tab === tab);
    for (const section of $$(".tab")) section.hidden = section.id !== `tab-${tab}`;
    if (tab === "view3d") return openViewer();
    if (!loaded.has(tab) && tab !== "downloads") return loadPart(tab).catch((e) => showError(actionError, e.message));
  }

  async function openViewer() {
    if (!viewerLoading) {
      viewerLoading = (async () => {
        const { createViewer } = await import("/static/viewer.js");
        const container = $("#viewer");
        container.innerHTML = "";
        viewer = await createViewer(container, `${api}/scene.bin`, { onPick: pick });
        const note = $("#scene-note");
        if (viewer.header.skipped > 0) {  // never an element gone from the view without a word
          note.textContent = note.dataset.text.replace("{n}", viewer.header.skipped);
          note.hidden = false;
        }
        await colour();
      })().catch((e) => showError(actionError, e.message));
    }
    return viewerLoading;
  }

  async function colour() {
    const per = $("#colour-by").value;
    const body = await fetchJSON(withLang(`${api}/carbon?per=${per}`));
    const range = viewer.colorBy(body.values, { unit: body.unit });
    const fmt = (v) => (v === undefined || v === null || !isFinite(v)) ? "—" : Number(v).toLocaleString(undefined, { maximumFractionDigits: 1 });
    const legend = $("#legend");
    legend.innerHTML = `<span class="ramp"></span> ${fmt(range.min)} – ${fmt(range.max)} ${body.unit} <span class="none-swatch"></span> `;
    legend.append(legend.dataset.noValue);
  }

  async function pick(id) {
    const detail = $("#element-detail");
    if (!id) { detail.innerHTML = ""; return; }
    viewer.select(id);
    try {
      detail.innerHTML = await fetchText(`${base}/element/${encodeURIComponent(id)}`);
    } catch (e) {
      detail.textContent = e.message;
    }
  }

  async function setFactor(material, factorId) {
    showError(actionError, "");
    try {
      const body = await postJSON(`${api}/mapping`, { material, factor_id: factorId });
      $("#factor-picker")?.setAttribute("hidden", "");
      await refresh();
      $("#recalc").textContent = `${root.dataset.recalcLabel} ${body.recalc_ms.toFixed(0)} ms`;
      document.body.dataset.total = body.total_kgco2e;
      document.body.dataset.edits = String(Number(document.body.dataset.edits || 0) + 1);  // tests wait on it
    } catch (e) {
      showError(actionError, e.message);
    }
  }

  function wireMapping(section) {
    const picker = $("#factor-picker", section);
    const search = $("#factor-search", section);
    const results = $("#factor-results", section);
    let material = null;
    let unit = "";
    let timer = null;

    async function query() {
      const params = new URLSearchParams({ q: search.value.trim(), lang });
      const body = await fetchJSON(`/api/factors?${params}`);
      results.innerHTML = "";
      for (const f of body.factors) {
        const row = document.createElement("tr");
        row.className = "factor-option" + (unit && f.unit !== unit ? " other-unit" : "");
        row.dataset.factor = f.id;
        for (const [text, cls] of [[f.id, "key"], [f.name, ""], [Number(f.gwp).toLocaleString(undefined, { maximumSignificantDigits: 6 }), "num"], [f.unit, ""], [f.source, "small"], [f.verification, "small"]]) {
          const cell = document.createElement("td");
          cell.textContent = text;
          if (cls) cell.className = cls;
          row.appendChild(cell);
        }
        row.addEventListener("click", () => setFactor(material, f.id));
        results.appendChild(row);
      }
    }

    search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => query().catch((e) => showError(actionError, e.message)), 150); });
    $("#picker-close", section).addEventListener("click", () => { picker.hidden = true; });
    for (const row of $$("#mapping-table tbody tr", section)) {
      $(".choose", row).addEventListener("click", () => {
        material = row.dataset.material;
        unit = row.dataset.unit;
        $("#picker-material", section).textContent = material;
        picker.hidden = false;
        picker.scrollIntoView({ block: "nearest" });
        search.value = "";
        search.focus();
        query().catch((e) => showError(actionError, e.message));
      });
      $(".unmap", row)?.addEventListener("click", () => setFactor(row.dataset.material, ""));
      for (const button of $$(".suggestion", row)) button.addEventListener("click", () => setFactor(row.dataset.material, button.dataset.factor));
      $(".show3d", row).addEventListener("click", async () => {
        try {
          const body = await fetchJSON(withLang(`${api}/material/${row.dataset.index}`));
          show("view3d");
          await openViewer();
          viewer.highlight(body.ids);
          if (body.ids.length === 1) viewer.focus(body.ids[0]);
        } catch (e) {
          showError(actionError, e.message);
        }
      });
    }
  }

  async function poll() {
    let status;
    try {
      status = await fetchJSON(`${api}/status`);
    } catch (e) {
      showError($("#load-error"), e.message);
      return;
    }
    const bar = $("#progress-bar");
    const text = $("#progress-text");
    if (status.state === "running" || status.state === "idle") {
      bar.max = status.total || 1;
      bar.value = status.total ? status.done : 0;
      const phases = JSON.parse(text.dataset.phases || "{}");
      const phase = phases[status.phase] || status.phase;
      text.textContent = status.total ? `${phase}: ${status.done} / ${status.total}` : phase;
      setTimeout(poll, 250);
      return;
    }
    if (status.state === "error") {
      showError($("#load-error"), status.error);
      $("#error-actions").hidden = false;
      return;
    }
    $("#progress").hidden = true;
    $("#tabs").hidden = false;
    if (status.load_ms !== null) $("#recalc").textContent = `${root.dataset.loadedLabel} ${(status.load_ms / 1000).toFixed(1)} s`;
    await loadPart("summary").catch((e) => showError(actionError, e.message));
    show("summary");
    root.dataset.ready = "1";
  }

  for (const button of $$("#tabs button")) button.addEventListener("click", () => show(button.dataset.tab));
  $("#colour-by").addEventListener("change", () => viewer && colour());
  $("#reload-button").addEventListener("click", async () => {
    $("#error-actions").hidden = true;
    showError($("#load-error"), "");
    await postJSON(`${api}/reload`, {});
    poll();
  });
  poll();
}

const root = $("#model");
if (root) modelPage(root); else folderPage();
