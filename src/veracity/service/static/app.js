"use strict";
// Upload page: POST the file to /api/check, then show the verdict and the report.
// Everything from the server is inserted with textContent, never as HTML.
(function () {
  const STYLE = {
    "tampered": "bad", "signed-then-altered": "bad", "likely-manipulated": "bad", "ai-generated-declared": "warn",
    "uncertain": "warn", "authentic-signed": "good", "watermarked": "info", "no-evidence": "",
  };
  const $ = (id) => document.getElementById(id);
  const form = $("upload-form"), input = $("file-input"), zone = $("drop-zone");

  function row(tbody, label, value) {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    const td = document.createElement("td");
    th.textContent = label;
    td.textContent = value;
    tr.append(th, td);
    tbody.append(tr);
  }

  function evidenceRows(result) {
    const tbody = $("evidence").tBodies[0];
    tbody.replaceChildren();
    const c = result.credentials;
    row(tbody, "Content Credentials", c ? c.state + (c.signer ? " (signer: " + c.signer + ")" : "")
      + (c.ai_generated ? ", declares AI generation" : "")
      + (c.recovered_via && c.recovered_via !== "embedded" ? ", recovered via " + c.recovered_via : "")
      : "not checked");
    const w = result.watermark;
    row(tbody, "Watermark", w ? (w.detected ? "found, payload " + w.payload : "none found")
      + " (p=" + Number(w.p_value).toExponential(1) + ")" : "not checked");
    const d = result.detection;
    row(tbody, "Detectors", d ? d.label + " (fused score " + d.score.toFixed(3) + ")" : "not checked");
    for (const s of (d ? d.detectors : [])) row(tbody, "  " + s.name, s.score.toFixed(3));
    for (const n of result.notes) row(tbody, n.component + " (" + n.status + ")", n.message);
  }

  function clearError() {
    const box = $("error");
    box.hidden = true;
    box.textContent = "";
  }

  function show(result, file) {
    clearError();
    $("result-name").textContent = result.path;
    const badge = $("verdict");
    badge.textContent = result.verdict;
    badge.className = "badge " + (STYLE[result.verdict] || "");
    $("modality").textContent = result.modality + ", " + result.size + " bytes";
    const reasons = $("reasons");
    reasons.replaceChildren();
    for (const r of result.reasons) {
      const li = document.createElement("li");
      li.textContent = r;
      reasons.append(li);
    }
    evidenceRows(result);
    $("report-link").href = result.report_url;
    $("report-frame").src = result.report_url;
    showPreview(file);
    $("result").hidden = false;
  }

  let previewUrl = null;
  function showPreview(file) {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = URL.createObjectURL(file);
    const kinds = { image: $("preview"), video: $("preview-video"), audio: $("preview-audio") };
    const kind = (file.type || "").split("/")[0];
    for (const [name, el] of Object.entries(kinds)) {
      el.hidden = name !== kind;
      if (name === kind) el.src = previewUrl; else el.removeAttribute("src");
    }
  }

  function fail(message) {
    $("result").hidden = true;
    const box = $("error");
    box.textContent = "Could not check this file: " + message;
    box.hidden = false;
  }

  async function submit(event) {
    event.preventDefault();
    const file = input.files[0];
    if (!file) { fail("choose a file first"); return; }
    const body = new FormData();
    body.append("file", file);
    clearError();
    $("result").hidden = true; // never leave the previous file's verdict on screen
    $("check-button").disabled = true;
    $("status").textContent = "Checking " + file.name + "\u2026";
    const job = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
    const poll = setInterval(async () => {
      try {
        const r = await fetch("/api/status/" + job);
        if (!r.ok) return;
        const s = await r.json();
        $("status").textContent = "Checking " + file.name + ": " + s.stage + " (step " + s.step + ", " + Math.round(s.elapsed_s) + " s)\u2026";
      } catch (err) { /* the check's own answer reports failures */ }
    }, 700);
    try {
      const response = await fetch("/api/check?job=" + job, { method: "POST", body });
      const data = await response.json();
      if (response.ok) show(data, file); else fail(data.error || data.detail || response.statusText);
    } catch (err) {
      fail(String(err));
    } finally {
      clearInterval(poll);
      $("check-button").disabled = false;
      $("status").textContent = "";
    }
  }

  input.addEventListener("change", () => {
    $("file-name").textContent = input.files[0] ? input.files[0].name : "";
  });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    input.files = e.dataTransfer.files;
    input.dispatchEvent(new Event("change"));
  });
  form.addEventListener("submit", submit);
})();
