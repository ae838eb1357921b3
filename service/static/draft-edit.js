// Draft editor: textareas grow with their text; unsaved changes are flagged and guarded.
// After a refused save (a conflict, or a field to correct) the page comes back with what was
// typed still in it, so it starts out unsaved; on a conflict "用我的" / "用第N版的" copy one
// side into the merged text.
(function () {
  "use strict";
  var form = document.getElementById("draft-edit");
  if (!form) return;
  var flag = document.getElementById("dirty-flag");
  var dirty = !flag.hidden;

  function grow(area) {
    area.style.height = "auto";
    area.style.height = (area.scrollHeight + 4) + "px";
  }

  function markDirty() {
    dirty = true;
    flag.hidden = false;
  }

  form.querySelectorAll("textarea.section-text").forEach(function (area) {
    grow(area);
    area.addEventListener("input", function () {
      grow(area);
      area.closest(".draft-section").classList.add("changed");
    });
  });
  form.querySelectorAll("button.use-text").forEach(function (button) {
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-to"));
      target.value = document.getElementById(button.getAttribute("data-from")).value;
      grow(target);
      target.closest(".draft-section").classList.add("changed");
      markDirty();
    });
  });
  form.addEventListener("input", markDirty);
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });
  window.addEventListener("resize", function () {
    form.querySelectorAll("textarea.section-text").forEach(grow);
  });
})();
