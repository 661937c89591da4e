/* Methoden-Tafel: every 3 seconds fetch stand.json and replace the live part when it changed (data-interval-ms:
   config WERKSTATT_TAFEL_INTERVALL_MS, shorter in the browser tests).
   Short requests instead of a server-sent-events stream: under gunicorn sync workers an open
   stream would hold a worker per phone. Without JavaScript the board works through reloads.
   The refresh waits while somebody types in, selects or opens something inside the board. */
(function () {
  "use strict";
  var region = document.getElementById("tafel");
  if (!region || !window.fetch) { return; }
  var url = region.getAttribute("data-stand-url");
  var every = parseInt(region.getAttribute("data-interval-ms"), 10) || 3000;
  var stamp = null;
  function busy() {
    if (region.contains(document.activeElement) && document.activeElement !== region) { return true; }
    if (region.querySelector("input[type=checkbox]:checked, details[open]")) { return true; }
    return false;
  }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        if (stamp !== null && data.stamp !== stamp && !busy()) { region.innerHTML = data.html; }
        if (!busy()) { stamp = data.stamp; }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }
  tick();
  window.setInterval(tick, every);
})();
