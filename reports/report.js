// Filters the matrix and the scenario list by verdict; opens the scenario a
// link points at. The report reads fine without it.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("#filter input[data-verdict]");
  function apply() {
    if (!boxes.length) return;
    var shown = {};
    boxes.forEach(function (b) { shown[b.dataset.verdict] = b.checked; });
    document.querySelectorAll("[data-verdicts]").forEach(function (el) {
      var any = el.dataset.verdicts.split(" ").some(function (v) { return shown[v]; });
      el.hidden = !any;
    });
    // A suite's heading goes when all its rows have.
    document.querySelectorAll("#matrix tr.suite").forEach(function (head) {
      var row = head.nextElementSibling, visible = false;
      for (; row && !row.classList.contains("suite"); row = row.nextElementSibling)
        if (!row.hidden) visible = true;
      head.hidden = !visible;
    });
  }
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") { el.open = true; el.hidden = false; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  apply();
})();
