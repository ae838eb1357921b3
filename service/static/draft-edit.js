// Draft editor: textareas grow with their text; unsaved changes are flagged and guarded.
(function () {
  "use strict";
  var form = document.getElementById("draft-edit");
  if (!form) return;
  var flag = document.getElementById("dirty-flag");
  var dirty = false;

  function grow(area) {
    area.style.height = "auto";
    area.style.height = (area.scrollHeight + 4) + "px";
  }

  form.querySelectorAll("textarea.section-text").forEach(function (area) {
    grow(area);
    area.addEventListener("input", function () {
      grow(area);
      area.closest(".draft-section").classList.add("changed");
    });
  });
  form.addEventListener("input", function () {
    dirty = true;
    flag.hidden = false;
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });
  window.addEventListener("resize", function () {
    form.querySelectorAll("textarea.section-text").forEach(grow);
  });
})();
