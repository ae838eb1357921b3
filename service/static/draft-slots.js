// Slots 【待填：…】 in the editor: marked behind the text (a mirror under each transparent
// textarea, so the textarea and its save path stay as they are), listed with "填写" (one input
// fills the same slot everywhere in the draft) and "下一处" (the next slot selected in its
// textarea); the count "n 处待填" follows every edit.  Warnings select the sentence they concern.
// The mirror also underlines the 校对 findings draft-findings.js gives it (P.findingsOf).
(function () {
  "use strict";
  var P = window.PlanDraft;
  if (!P) return;
  var SLOT = /【待填：[^】]*】/g;
  var title = document.getElementById("title");
  var listEl = document.getElementById("slot-list");
  var countEl = document.getElementById("slot-count");
  var badge = document.getElementById("slot-badge");
  var none = document.getElementById("slots-none");
  var next = document.getElementById("next-slot");
  var COPIED = ["fontFamily", "fontSize", "fontWeight", "lineHeight", "letterSpacing", "wordSpacing", "textIndent",
    "paddingTop", "paddingRight", "paddingBottom", "paddingLeft", "borderTopWidth", "borderRightWidth",
    "borderBottomWidth", "borderLeftWidth", "boxSizing", "tabSize"];

  function fields() {
    return [title].concat(P.sections().map(P.textOf));
  }

  function mirror(area) {
    var box = area.parentNode.querySelector(".slot-mirror");
    if (!box) return;
    var style = window.getComputedStyle(area);
    COPIED.forEach(function (k) { box.style[k] = style[k]; });
    box.style.height = area.style.height;
    box.textContent = "";
    var text = area.value, last = 0, m, spans = [];
    SLOT.lastIndex = 0;
    while ((m = SLOT.exec(text)) !== null) spans.push({start: m.index, end: m.index + m[0].length, className: "slot-mark"});
    // 校对 findings (draft-findings.js) are underlined in the same mirror; a slot keeps its own mark.
    var found = P.findingsOf ? P.findingsOf(area) : [];
    found.forEach(function (f) {
      var clash = spans.some(function (s) { return f.start < s.end && s.start < f.end; });
      if (!clash) spans.push({start: f.start, end: f.end, className: "finding-mark finding-" + f.kind, finding: f});
    });
    spans.sort(function (a, b) { return a.start - b.start; });
    spans.forEach(function (s) {
      if (s.start < last) return;  // two findings over the same words: the first one shows
      box.appendChild(document.createTextNode(text.slice(last, s.start)));
      var mark = document.createElement("mark");
      mark.className = s.className;
      mark.textContent = text.slice(s.start, s.end);
      if (s.finding) mark.findingData = s.finding;
      box.appendChild(mark);
      last = s.end;
    });
    box.appendChild(document.createTextNode(text.slice(last) + "\n"));
  }

  // Every open slot, in page order: {field, start, end, text}.
  function slots() {
    var found = [];
    fields().forEach(function (field) {
      var m;
      SLOT.lastIndex = 0;
      while ((m = SLOT.exec(field.value)) !== null) found.push({field: field, start: m.index, end: m.index + m[0].length, text: m[0]});
    });
    return found;
  }

  function select(field, start, end) {
    field.focus();
    field.setSelectionRange(start, end);
    var section = field.closest(".draft-section");
    var marks = section ? section.querySelectorAll(".slot-mark") : [];
    // Scroll the selection, not just the (tall, grown) textarea, into view.
    var before = (field.value.slice(0, start).match(SLOT) || []).length;
    var target = marks[before] || field;
    target.scrollIntoView({block: "center"});
  }

  function fill(text, value) {
    fields().forEach(function (field) {
      if (field.value.indexOf(text) < 0) return;
      field.value = field.value.split(text).join(value);
      if (field.tagName === "TEXTAREA") { P.grow(field); field.closest(".draft-section").classList.add("changed"); }
    });
    P.changed();
  }

  function refresh() {
    P.sections().forEach(function (s) { mirror(P.textOf(s)); });
    var all = slots();
    var label = all.length + " 处待填";
    countEl.textContent = label;
    badge.textContent = label;
    badge.hidden = all.length === 0;
    none.hidden = all.length > 0;
    next.hidden = all.length === 0;
    var distinct = [];
    all.forEach(function (s) { if (distinct.indexOf(s.text) < 0) distinct.push(s.text); });
    listEl.textContent = "";
    distinct.forEach(function (text, n) {
      var times = all.filter(function (s) { return s.text === text; }).length;
      var li = document.createElement("li");
      li.className = "slot-item";
      var name = document.createElement("span");
      name.className = "slot-text";
      name.textContent = text + (times > 1 ? " ×" + times : "");
      var input = document.createElement("input");
      input.className = "slot-input";
      input.id = "slot-input-" + n;
      input.placeholder = text.slice(4, -1) || "填写内容";
      input.setAttribute("aria-label", "填写" + text);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "slot-fill";
      button.textContent = "填写";
      button.addEventListener("click", function () {
        if (!input.value.trim()) { input.focus(); return; }
        fill(text, input.value.trim());
      });
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); button.click(); }
      });
      li.appendChild(name); li.appendChild(input); li.appendChild(button);
      listEl.appendChild(li);
    });
  }

  next.addEventListener("click", function () {
    var all = slots();
    if (!all.length) return;
    var active = document.activeElement, order = fields();
    var at = order.indexOf(active), caret = at >= 0 ? active.selectionEnd : -1;
    // The first slot after the caret (or after the last field visited), wrapping round.
    var chosen = all.filter(function (s) {
      var i = order.indexOf(s.field);
      return i > at || (i === at && s.start >= caret);
    })[0] || all[0];
    select(chosen.field, chosen.start, chosen.end);
  });
  // Clicking keeps the focus (and so the caret) in the field being edited: "next" goes on from there.
  next.addEventListener("mousedown", function (e) { e.preventDefault(); });

  document.querySelectorAll(".warning-jump").forEach(function (button) {
    button.addEventListener("click", function () {
      var area = document.getElementById(button.getAttribute("data-area"));
      if (!area) return;
      var said = button.getAttribute("data-text"), word = button.getAttribute("data-word");
      var at = said ? area.value.indexOf(said) : -1;
      if (at >= 0) { select(area, at, at + said.length); return; }
      at = word ? area.value.indexOf(word) : -1;
      if (at >= 0) { select(area, at, at + word.length); return; }
      area.focus();
      area.scrollIntoView({block: "center"});
    });
  });

  P.form.addEventListener("draft:changed", refresh);
  window.addEventListener("resize", refresh);
  refresh();
  // The marks are laid out in the textarea's font: once the web fonts arrive, again.
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(refresh);
  P.refreshSlots = refresh;
})();
