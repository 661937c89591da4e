/* Optional zoom and pan for the server-rendered monitoring maps. The map works without this
   script (it is an SVG with links and titles); with it, buttons zoom in and out and the map can
   be dragged. No inline styles (CSP): only SVG attributes are changed. */
(function () {
  "use strict";
  var BASE = 0.1; // paths are written in tenths of a unit (see karten.py, PATH_SCALE)

  function setup(wrap) {
    var svg = wrap.querySelector("svg.monitoring-karte");
    var layer = svg && svg.querySelector(".monitoring-karte-flaechen");
    if (!layer) { return; }
    var state = { k: 1, x: 0, y: 0 };
    var box = svg.viewBox.baseVal;
    var height = parseFloat(layer.getAttribute("data-hoehe")) || box.height;

    function apply() {
      layer.setAttribute("transform", "translate(" + state.x + " " + state.y + ") scale(" + (BASE * state.k) + ")");
      status.textContent = "Vergrößerung " + Math.round(state.k * 100) + " %";
      wrap.classList.toggle("is-zoomed", state.k > 1);
    }
    function zoom(factor) {
      var k = Math.min(8, Math.max(1, state.k * factor));
      var cx = box.width / 2, cy = height / 2;
      state.x = cx - (cx - state.x) * (k / state.k);
      state.y = cy - (cy - state.y) * (k / state.k);
      state.k = k;
      if (k === 1) { state.x = 0; state.y = 0; }
      apply();
    }
    function button(label, handler) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "kern-btn kern-btn--secondary kern-btn--x-small";
      var span = document.createElement("span");
      span.className = "kern-label";
      span.textContent = label;
      b.appendChild(span);
      b.addEventListener("click", handler);
      return b;
    }
    var bar = document.createElement("div");
    bar.className = "monitoring-map-tools";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Karte vergrößern oder verkleinern");
    var status = document.createElement("span");
    status.className = "kern-body kern-body--small";
    status.setAttribute("aria-live", "polite");
    bar.appendChild(button("Vergrößern", function () { zoom(1.5); }));
    bar.appendChild(button("Verkleinern", function () { zoom(1 / 1.5); }));
    bar.appendChild(button("Ganze Karte", function () { state = { k: 1, x: 0, y: 0 }; apply(); }));
    bar.appendChild(status);
    wrap.parentNode.insertBefore(bar, wrap);

    var drag = null;
    svg.addEventListener("pointerdown", function (e) {
      if (state.k === 1) { return; }
      drag = { x: e.clientX, y: e.clientY, sx: state.x, sy: state.y, moved: false };
    });
    svg.addEventListener("pointermove", function (e) {
      if (!drag) { return; }
      var ratio = box.width / svg.getBoundingClientRect().width;
      var dx = (e.clientX - drag.x) * ratio, dy = (e.clientY - drag.y) * ratio;
      if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; }
      state.x = drag.sx + dx;
      state.y = drag.sy + dy;
      apply();
    });
    function end() { setTimeout(function () { drag = null; }, 0); }
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointerleave", end);
    // a drag must not open the dossier of the area under the pointer
    svg.addEventListener("click", function (e) { if (drag && drag.moved) { e.preventDefault(); } }, true);
  }

  document.querySelectorAll(".monitoring-map-wrap").forEach(setup);
})();
