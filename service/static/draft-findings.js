// 校对 findings in the editor: underlined in each section's mirror (draft-slots.js draws them,
// through P.findingsOf), their message shown under the text when the caret or the mouse is on
// the words, and listed in the side panel (drafts/_findings.html: jump to the words, apply a
// fix, dismiss with a reason — each a form that makes a new version).  The stored findings are
// the saved version's; after a pause in typing the section is checked again (POST /api/check),
// so the underlines follow the text.  A finding is only drawn while its words are still where
// it says: text typed before it shifts it out until the next check puts it back.
(function () {
  "use strict";
  var P = window.PlanDraft;
  if (!P) return;
  var PAUSE = 700;  // ms after the last keystroke before the section is checked again
  var form = P.form;
  var token = document.querySelector('meta[name="csrf-token"]');
  var stored = new Map();  // textarea → the saved version's findings in it
  var live = new Map();    // textarea → findings of what it holds now (from /api/check)
  var timers = new Map();
  var asked = new Map();   // textarea → the text last sent

  function areaOf(index) {
    if (index < 0) return document.getElementById("title");
    var found = null;
    P.sections().forEach(function (s) {
      if (s.querySelector(".section-was").value === String(index)) found = P.textOf(s);
    });
    return found;
  }

  function still(area, f) { return area.value.slice(f.start, f.end) === f.text; }

  P.findingsOf = function (area) {
    var list = live.has(area) ? live.get(area) : (stored.get(area) || []);
    return list.filter(function (f) { return still(area, f); });
  };

  function tipOf(area) {
    var field = area.closest(".slot-field");
    var tip = field.nextElementSibling;
    if (!tip || !tip.classList.contains("finding-tip")) {
      tip = document.createElement("p");
      tip.className = "finding-tip";
      tip.setAttribute("role", "status");
      tip.hidden = true;
      field.parentNode.insertBefore(tip, field.nextSibling);
    }
    return tip;
  }

  function show(area, f) {
    var tip = tipOf(area);
    if (!f) { tip.hidden = true; tip.textContent = ""; return; }
    var fix = f.fix === null || f.fix === undefined ? "" : (f.fix ? "（建议改为“" + f.fix + "”）" : "（建议删去）");
    tip.textContent = "校对：" + f.message + fix;
    tip.hidden = false;
  }

  function atCaret(area) {
    var caret = area.selectionStart;
    return P.findingsOf(area).filter(function (f) { return f.start <= caret && caret <= f.end; })[0] || null;
  }

  function underMouse(area, x, y) {
    var marks = area.parentNode.querySelectorAll(".slot-mirror .finding-mark");
    for (var i = 0; i < marks.length; i++) {
      var rects = marks[i].getClientRects();
      for (var j = 0; j < rects.length; j++) {
        var r = rects[j];
        if (x >= r.left && x <= r.right && y >= r.top && y <= r.bottom) return marks[i].findingData;
      }
    }
    return null;
  }

  function check(area) {
    var text = area.value;
    if (asked.get(area) === text) return;
    asked.set(area, text);
    if (!text.trim()) { live.set(area, []); P.refreshSlots(); return; }
    var body = {text: text, year: Number(form.getAttribute("data-year")) || null,
      level: form.getAttribute("data-level") || null, org_name: form.getAttribute("data-org") || null};
    fetch("/api/check", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token ? token.content : ""},
      body: JSON.stringify(body)
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (answer) {
      if (!answer || area.value !== text) return;  // typed on since: the next pause checks again
      // The check of typed text knows no sources: the saved version's unsupported-number findings stay.
      var kept = (stored.get(area) || []).filter(function (f) { return f.kind === "number" && still(area, f); });
      live.set(area, answer.findings.filter(function (f) { return f.source !== "slot"; }).concat(kept));
      P.refreshSlots();
      if (document.activeElement === area) show(area, atCaret(area));
    }).catch(function () { /* offline: the last underlines stay */ });
  }

  function watch(area) {
    if (area.findingsWatched) return;
    area.findingsWatched = true;
    ["keyup", "click", "focus", "select"].forEach(function (type) {
      area.addEventListener(type, function () { show(area, atCaret(area)); });
    });
    area.addEventListener("blur", function () { show(area, null); });
    area.addEventListener("mousemove", function (e) {
      var f = underMouse(area, e.clientX, e.clientY);
      show(area, f || (document.activeElement === area ? atCaret(area) : null));
    });
    area.addEventListener("mouseleave", function () { show(area, document.activeElement === area ? atCaret(area) : null); });
  }

  document.querySelectorAll(".finding-item").forEach(function (item) {
    var f = {start: Number(item.getAttribute("data-start")), end: Number(item.getAttribute("data-end")),
      kind: item.getAttribute("data-kind"), text: item.getAttribute("data-text"), message: item.getAttribute("data-message"),
      fix: item.hasAttribute("data-fix") ? item.getAttribute("data-fix") : null};
    var area = areaOf(Number(item.getAttribute("data-section")));
    if (area && area.tagName === "TEXTAREA") {
      if (!stored.has(area)) stored.set(area, []);
      stored.get(area).push(f);
    }
    item.querySelector(".finding-jump").addEventListener("click", function () {
      if (!area) return;
      area.focus();
      if (still(area, f)) area.setSelectionRange(f.start, f.end);
      var marks = area.parentNode.querySelectorAll(".finding-mark");
      var mark = Array.prototype.filter.call(marks, function (m) { return m.findingData && m.findingData.start === f.start; })[0];
      (mark || area).scrollIntoView({block: "center"});
      show(area, f);
    });
  });

  form.addEventListener("input", function (e) {
    var area = e.target;
    if (!area.classList || !area.classList.contains("edit-text")) return;
    watch(area);
    clearTimeout(timers.get(area));
    timers.set(area, setTimeout(function () { check(area); }, PAUSE));
  });
  P.sections().forEach(function (s) { watch(P.textOf(s)); });

  // A fix, a dismissal or an upload makes a version from what is saved: typed changes would be lost.
  document.querySelectorAll(".finding-form, #word-upload-form").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (P.isDirty() && !window.confirm("编辑区有未保存的修改，继续将放弃这些修改（可先点“保存为新版本”）。继续吗？")) {
        e.preventDefault();
        return;
      }
      P.forget();
    });
  });
  P.refreshSlots();
})();
