// Draft editor: textareas grow with their text; unsaved changes are flagged and guarded;
// Ctrl+S / Cmd+S saves; sections can be retitled, added, removed and moved (the form's fields
// are numbered in page order when it is sent, each saying which section it continues).
// After a refused save (a conflict, or a field to correct) the page comes back with what was
// typed still in it, so it starts out unsaved; on a conflict "用我的" / "用第N版的" copy one
// side into the merged text.  window.PlanDraft is what draft-slots.js and draft-autosave.js use.
(function () {
  "use strict";
  var form = document.getElementById("draft-edit");
  if (!form) return;
  var flag = document.getElementById("dirty-flag");
  var list = document.getElementById("sections");
  var template = document.getElementById("section-template");
  var dirty = !flag.hidden;
  var added = 0;

  function grow(area) {
    area.style.height = "auto";
    area.style.height = (area.scrollHeight + 4) + "px";
  }

  function changed() {
    dirty = true;
    flag.hidden = false;
    form.dispatchEvent(new CustomEvent("draft:changed"));
  }

  function sections() {
    return Array.prototype.slice.call(list.querySelectorAll(":scope > .draft-section"));
  }

  function textOf(section) { return section.querySelector("textarea.edit-text"); }

  function setUp(section) {
    var area = textOf(section);
    grow(area);
    area.addEventListener("input", function () {
      grow(area);
      section.classList.add("changed");
    });
    section.querySelector(".section-up").addEventListener("click", function () {
      var before = section.previousElementSibling;
      if (before) { list.insertBefore(section, before); changed(); section.querySelector(".section-up").focus(); }
    });
    section.querySelector(".section-down").addEventListener("click", function () {
      var after = section.nextElementSibling;
      if (after) { list.insertBefore(after, section); changed(); section.querySelector(".section-down").focus(); }
    });
    section.querySelector(".section-remove").addEventListener("click", function () {
      if (sections().length < 2) { window.alert("至少保留一个部分。"); return; }
      var title = section.querySelector(".section-title").value;
      if (!window.confirm("删除“" + title + "”这一部分？保存后生效；旧版本中仍可找回。")) return;
      section.remove();
      changed();
    });
  }

  // A new, empty section after the last one (or filled from a restored copy).
  function addSection(title, text, was) {
    var section = template.content.firstElementChild.cloneNode(true);
    added += 1;
    var id = "section-new-" + added;
    var area = textOf(section);
    area.id = id;
    var titleInput = section.querySelector(".section-title");
    titleInput.id = "section-title-new-" + added;
    section.querySelector("label").setAttribute("for", titleInput.id);
    if (title !== undefined) titleInput.value = title;
    if (text !== undefined) area.value = text;
    section.querySelector(".section-was").value = (was === null || was === undefined) ? "" : String(was);
    list.appendChild(section);
    setUp(section);
    return section;
  }

  // The fields in page order: section-<k>, section-title-<k>, section-was-<k>.
  function number() {
    sections().forEach(function (section, k) {
      textOf(section).name = "section-" + k;
      section.querySelector(".section-title").name = "section-title-" + k;
      section.querySelector(".section-was").name = "section-was-" + k;
    });
  }

  function snapshot() {
    return {
      title: document.getElementById("title").value,
      note: document.getElementById("version-note").value,
      sections: sections().map(function (section) {
        var was = section.querySelector(".section-was").value;
        return {title: section.querySelector(".section-title").value, text: textOf(section).value, was: was === "" ? null : Number(was)};
      })
    };
  }

  // Fill the editor with a snapshot: sections it continues are reused, others added, the rest removed.
  function apply(snap) {
    document.getElementById("title").value = snap.title;
    document.getElementById("version-note").value = snap.note || "";
    var byWas = {};
    sections().forEach(function (section) { byWas[section.querySelector(".section-was").value] = section; });
    var keep = [];
    snap.sections.forEach(function (s) {
      var key = s.was === null ? "" : String(s.was);
      var section = key !== "" ? byWas[key] : null;
      if (section) {
        delete byWas[key];
        section.querySelector(".section-title").value = s.title;
        textOf(section).value = s.text;
        list.appendChild(section);
      } else {
        section = addSection(s.title, s.text, s.was);
      }
      section.classList.add("changed");
      keep.push(section);
    });
    sections().forEach(function (section) { if (keep.indexOf(section) < 0) section.remove(); });
    sections().forEach(function (section) { grow(textOf(section)); });
    changed();
  }

  sections().forEach(setUp);
  document.getElementById("add-section").addEventListener("click", function () {
    var section = addSection();
    changed();
    section.querySelector(".section-title").select();
    section.querySelector(".section-title").focus();
  });
  form.querySelectorAll("button.use-text").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-to"));
      target.value = document.getElementById(button.getAttribute("data-from")).value;
      grow(target);
      target.closest(".draft-section").classList.add("changed");
      changed();
    });
  });
  form.addEventListener("input", changed);
  form.addEventListener("submit", function () {
    number();
    dirty = false;
    form.dispatchEvent(new CustomEvent("draft:submitted"));
  });
  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === "s" || e.key === "S")) {
      e.preventDefault();  // the browser's "save page as" is never what is meant here
      form.requestSubmit(document.getElementById("save-button"));
    }
  });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });
  window.addEventListener("resize", function () {
    form.querySelectorAll("textarea.section-text").forEach(grow);
  });
  form.querySelectorAll("textarea.mine-text, textarea.theirs-text").forEach(grow);

  window.PlanDraft = {form: form, sections: sections, textOf: textOf, snapshot: snapshot, apply: apply, changed: changed, grow: grow,
    isDirty: function () { return dirty; }, forget: function () { dirty = false; }};
})();
