// Document order page (templates/betrieb/dokument.html): while the job queue makes the document, ask for its
// status every 2 seconds and reload the page once it is ready or failed (the page then offers the file).
(function () {
  "use strict";
  var box = document.getElementById("dokument-status");
  if (!box || box.dataset.status !== "wartend") return;
  var url = box.dataset.statusUrl;
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.status !== "wartend") {
          window.location.reload();
        } else if (tries < 300) {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { if (tries < 300) window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
