// Filters the matrix and the scenario list by verdict; opens the scenario a
// link points at; unpacks the parts held back until they are opened. The
// report reads without it, but for what is held back.
(function () {
  "use strict";
  // A held-back part is deflated markup in base64 in its details' data-later
  // attribute, written (and escaped) by the C renderer: once inflated it goes
  // at the end of the details, so what it holds is built only now.
  function inflate(base64) {
    var bin = atob(base64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"))).text();
  }
  // A passing scenario's text is stored once for every run that shares it:
  // its list refers to it, with the marks of its own lines ("3:passed ...").
  var texts = {};
  function fillSource(ol) {
    var n = ol.dataset.source, text = document.getElementById("source-" + n);
    if (!text) return;
    if (!texts[n]) texts[n] = text.dataset.later ? inflate(text.dataset.later) : Promise.resolve(text.innerHTML);
    texts[n].then(function (html) {
      ol.innerHTML = html;
      ol.dataset.marks.split(" ").forEach(function (mark) {
        var at = mark.indexOf(":"), li = ol.children[mark.slice(0, at) - 1];
        if (at > 0 && li) li.className = mark.slice(at + 1);
      });
    });
  }
  function unpack(d) {
    var packed = d.dataset.later;
    delete d.dataset.later;
    inflate(packed).then(function (html) {
      d.insertAdjacentHTML("beforeend", html);
      d.querySelectorAll("ol.source[data-source]").forEach(fillSource);
    }, function () {
      d.insertAdjacentText("beforeend", "This part could not be unpacked; results.json has it.");
    });
  }
  // Toggle events do not bubble: caught on the way down.
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (d.tagName === "DETAILS" && d.open && d.dataset.later) unpack(d);
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
    if (el && el.tagName === "DETAILS") {
      el.open = true;
      el.hidden = false;
      // The blocks above it may not have been laid out yet (their height
      // was a guess when the browser scrolled): scrolled to once more.
      el.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  apply();
})();
