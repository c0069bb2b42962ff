// Filters the matrix and the scenario list by verdict; opens the scenario a
// link points at; unpacks the parts held back until they are opened. The
// report reads without it, but for what is held back.
(function () {
  "use strict";
  // A held-back part is a data block of deflated markup in base64, written
  // (and escaped) by the C renderer: once inflated it goes in the block's
  // place, and its details are built only now.
  function unpack(block) {
    var bin = atob(block.textContent), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    block.classList.remove("later");
    var inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    new Response(inflated).text().then(function (html) {
      block.insertAdjacentHTML("afterend", html);
      block.remove();
    }, function () {
      block.insertAdjacentText("afterend", "This part could not be unpacked; results.json has it.");
    });
  }
  // Toggle events do not bubble: caught on the way down.
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (d.tagName === "DETAILS" && d.open)
      d.querySelectorAll(":scope > script.later").forEach(unpack);
  }, true);
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
