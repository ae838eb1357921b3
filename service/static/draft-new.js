// New-draft page: posts the request to the streaming endpoint and shows each section as it
// arrives (NDJSON: plan, section…, done | error), with a progress bar "3/9".
(function () {
  "use strict";
  var form = document.getElementById("draft-form");
  if (!form) return;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var defaults = JSON.parse(form.getAttribute("data-default-roles"));
  var levelSelect = document.getElementById("level");
  var panel = document.getElementById("draft-progress");
  var bar = document.getElementById("progress-bar");
  var count = document.getElementById("progress-count");
  var status = document.getElementById("progress-status");
  var titleEl = document.getElementById("progress-title");
  var outline = document.getElementById("progress-outline");
  var output = document.getElementById("draft-output");
  var doneBox = document.getElementById("progress-done");
  var openLink = document.getElementById("open-draft");
  var errorBox = document.getElementById("form-error");
  var button = document.getElementById("generate-button");
  // Each field in the form's words, from the server's request model (单位名称 for org_name …).
  var fieldLabels = JSON.parse(form.getAttribute("data-field-labels"));
  var kindLabels = {verbatim: "照录", adapted: "改写", "new": "新增"};

  // Changing the level resets the section checkboxes to that level's usual outline.
  levelSelect.addEventListener("change", function () {
    var roles = defaults[levelSelect.value] || [];
    form.querySelectorAll('input[name="sections"]').forEach(function (box) {
      box.checked = roles.indexOf(box.value) >= 0;
    });
  });

  function requestBody() {
    // The level's usual order first (townships put 服务中心 before 协商), then any others.
    var usual = defaults[levelSelect.value] || [];
    var sections = [];
    form.querySelectorAll('input[name="sections"]:checked').forEach(function (box) { sections.push(box.value); });
    var rank = function (role) { var i = usual.indexOf(role); return i >= 0 ? i : 100 + sections.indexOf(role); };
    sections.sort(function (a, b) { return rank(a) - rank(b); });
    var body = {
      level: levelSelect.value,
      year: form.elements.year.value,
      org_name: form.elements.org_name.value,
      parent_body: form.elements.parent_body.value,
      topics: form.elements.topics.value,
      sections: sections,
      llm: form.elements.llm.checked,
      schedule: form.elements.schedule ? form.elements.schedule.checked : false
    };
    if (form.elements.target_chars.value) body.target_chars = form.elements.target_chars.value;
    if (form.elements.base_plan && form.elements.base_plan.value) body.base_plan = form.elements.base_plan.value;
    return body;
  }

  // The control a field's error marks: its input, or the fieldset of a group of checkboxes.
  function controlOf(field) {
    var input = form.elements[field];
    if (input && input.classList) return input;
    var box = form.querySelector('input[name="' + field + '"]');
    return box ? box.closest("fieldset") : null;
  }

  function showError(message) {
    // The API says "org_name: 必填（例如 …） (is required)": show "单位名称：必填（例如 …）".
    var parts = /^([\w\[\].]+): (.*?)(?: \([^()]*\))?$/.exec(message);
    var field = parts ? parts[1].split(/[.\[]/)[0] : "";
    form.querySelectorAll(".invalid").forEach(function (node) { node.classList.remove("invalid"); });
    var control = controlOf(field);
    if (control) {
      control.classList.add("invalid");
      if (control.focus && control.tagName !== "FIELDSET") control.focus();
    }
    errorBox.textContent = parts && fieldLabels[field] ? fieldLabels[field] + "：" + parts[2] : message;
    errorBox.setAttribute("data-field", field);
    errorBox.hidden = false;
  }

  // A field marked wrong (by the server's page or by showError) loses its mark, and the message
  // about it goes, as soon as the person changes it: the next submit checks it again.
  function clearMark(event) {
    var control = event.target.closest(".invalid");  // the field itself, or its fieldset
    if (!control) return;
    control.classList.remove("invalid");
    var named = control.name || (control.querySelector("input") || {}).name;
    if (errorBox.getAttribute("data-field") === named) errorBox.hidden = true;
  }
  form.addEventListener("input", clearMark);
  form.addEventListener("change", clearMark);

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderSection(index, section) {
    var box = el("section", "card draft-section arrived");
    box.id = "preview-" + index;
    box.setAttribute("data-role", section.role);
    var head = el("div", "section-head");
    head.appendChild(el("h2", null, section.title));
    var badges = el("span", "badges");
    var counts = {verbatim: 0, adapted: 0, "new": 0};
    section.sentences.forEach(function (s) { counts[s.kind] = (counts[s.kind] || 0) + 1; });
    Object.keys(kindLabels).forEach(function (k) {
      if (counts[k]) badges.appendChild(el("span", "kind-badge kind-" + k, kindLabels[k] + " " + counts[k]));
    });
    if (section.warnings.length) badges.appendChild(el("span", "tag tag-warn", section.warnings.length + " 条提示"));
    head.appendChild(badges);
    box.appendChild(head);
    box.appendChild(el("div", "section-readonly", section.text));
    var sources = el("p", "muted small", "来源：" + section.sources.map(function (s) { return s.doc_title; }).filter(function (t, i, all) { return all.indexOf(t) === i; }).join("；"));
    box.appendChild(sources);
    output.appendChild(box);
  }

  function setProgress(done, total) {
    bar.max = total || 1;
    bar.value = done;
    count.textContent = done + "/" + total;
    var items = outline.children;
    for (var i = 0; i < items.length; i++) {
      items[i].className = i < done ? "done" : (i === done ? "working" : "waiting");
    }
  }

  function handle(event) {
    if (event.event === "plan") {
      titleEl.textContent = event.title;
      outline.textContent = "";
      event.sections.forEach(function (s) { outline.appendChild(el("li", "waiting", s.title)); });
      setProgress(0, event.total);
      status.textContent = "正在生成第 1 部分……";
    } else if (event.event === "section") {
      renderSection(event.index, event.section);
      setProgress(event.done, event.total);
      status.textContent = event.done < event.total ? "已完成 " + event.done + " 部分，正在生成第 " + (event.done + 1) + " 部分……" : "全部完成，正在保存……";
    } else if (event.event === "done") {
      status.textContent = "全部 " + outline.children.length + " 部分已生成。";
      openLink.href = event.url;
      doneBox.hidden = false;
      panel.classList.add("finished");
    } else if (event.event === "error") {
      status.textContent = event.error;
      panel.classList.add("failed");
    }
  }

  form.addEventListener("submit", function (e) {
    if (!window.fetch || !window.TextDecoder || !window.ReadableStream) return; // the form posts normally
    e.preventDefault();
    errorBox.hidden = true;
    button.disabled = true;
    output.textContent = "";
    output.hidden = false;
    doneBox.hidden = true;
    panel.classList.remove("finished", "failed");
    panel.hidden = false;
    status.textContent = "正在检索往年计划……";
    fetch(form.getAttribute("data-stream-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/x-ndjson"},
      body: JSON.stringify(requestBody())
    }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (err) { panel.hidden = true; showError(err.error || ("HTTP " + response.status)); });
      }
      var reader = response.body.getReader();
      var decoder = new TextDecoder("utf-8");
      var buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) {
            if (buffer.trim()) handle(JSON.parse(buffer));
            return;
          }
          buffer += decoder.decode(chunk.value, {stream: true});
          var lines = buffer.split("\n");
          buffer = lines.pop();
          lines.forEach(function (line) { if (line.trim()) handle(JSON.parse(line)); });
          return pump();
        });
      }
      return pump();
    }).catch(function (err) {
      status.textContent = "连接中断：" + err;
      panel.classList.add("failed");
    }).then(function () {
      button.disabled = false;
    });
  });
})();
