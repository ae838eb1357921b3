// The 活动安排表 in the editor (drafts/_schedule.html): add, remove and move rows. The rows are
// plain form fields submitted in document order, so the order on the page is the order saved.
(function () {
  "use strict";
  var body = document.getElementById("schedule-rows");
  var template = document.getElementById("schedule-row-template");
  var add = document.getElementById("schedule-add");
  if (!body || !template || !add) return;
  var count = document.getElementById("schedule-count");
  var empty = document.getElementById("schedule-empty");

  // The editor's own script marks the page dirty on any input in the form.
  function changed() {
    body.dispatchEvent(new Event("input", { bubbles: true }));
    var n = body.querySelectorAll("tr.schedule-row").length;
    if (count) count.textContent = n + " 项";
    if (empty) empty.hidden = n > 0;
  }

  add.addEventListener("click", function () {
    var row = template.content.firstElementChild.cloneNode(true);
    body.appendChild(row);
    row.querySelector("textarea").focus();
    changed();
  });

  body.addEventListener("click", function (e) {
    var button = e.target.closest("button");
    if (!button) return;
    var row = button.closest("tr.schedule-row");
    if (button.classList.contains("schedule-remove")) {
      row.remove();
    } else if (button.classList.contains("schedule-up") && row.previousElementSibling) {
      body.insertBefore(row, row.previousElementSibling);
    } else if (button.classList.contains("schedule-down") && row.nextElementSibling) {
      body.insertBefore(row.nextElementSibling, row);
    } else {
      return;
    }
    changed();
    var focus = button.classList.contains("schedule-remove") ? add : button;
    focus.focus();
  });
})();
