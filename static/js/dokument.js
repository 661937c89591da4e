// Document order page (templates/betrieb/dokument.html): while the job queue makes the document, ask for its
// status every 2 seconds (data-interval-ms: config DOKUMENT_STATUS_INTERVALL_MS, shorter in the browser tests)
// and reload the page once it is ready or failed (the page then offers the file).
(function () {
  "use strict";
  var box = document.getElementById("dokument-status");
  if (!box || box.dataset.status !== "wartend") return;
  var url = box.dataset.statusUrl;
  var every = parseInt(box.dataset.intervalMs, 10) || 2000;
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.status !== "wartend") {
          window.location.reload();
        } else if (tries < 300) {
          window.setTimeout(poll, every);
        }
      })
      .catch(function () { if (tries < 300) window.setTimeout(poll, every * 2.5); });
  }
  window.setTimeout(poll, every / 2);
})();
