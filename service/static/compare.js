// Compare view: a warning jumps to its sentence and flashes it; sentences can be filtered by kind.
(function () {
  "use strict";
  function flash(target) {
    if (!target) return;
    target.classList.remove("flash-target");
    void target.offsetWidth; // restart the animation
    target.classList.add("flash-target");
  }
  document.querySelectorAll(".warning-link").forEach(function (link) {
    link.addEventListener("click", function (e) {
      var target = document.getElementById(link.getAttribute("data-target"));
      if (!target) return;
      e.preventDefault();
      if (target.hidden) target.hidden = false;
      target.scrollIntoView({behavior: "smooth", block: "center"});
      history.replaceState(null, "", "#" + target.id);
      document.querySelectorAll(".warning-link.selected").forEach(function (l) { l.classList.remove("selected"); });
      link.classList.add("selected");
      flash(target);
    });
  });
  var filter = document.getElementById("kind-filter");
  if (filter) {
    filter.addEventListener("change", function () {
      var shown = {};
      filter.querySelectorAll("input").forEach(function (box) { shown[box.value] = box.checked; });
      document.querySelectorAll("tr.sentence").forEach(function (row) {
        row.hidden = !shown[row.getAttribute("data-kind")];
      });
    });
  }
  if (location.hash) flash(document.getElementById(location.hash.slice(1)));
})();
