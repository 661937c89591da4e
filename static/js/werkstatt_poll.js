/* Terminabstimmung: refresh the tally every 10 seconds from stand.json (the page works without it). */
(function () {
  "use strict";
  var table = document.getElementById("stand");
  if (!table || !window.fetch) { return; }
  var url = table.getAttribute("data-stand-url");
  var hint = document.getElementById("stand-hinweis");
  var fmt = new Intl.NumberFormat("de-DE");
  var last = null;
  function apply(data) {
    var answered = table.querySelector("[data-answered]");
    if (answered) { answered.textContent = fmt.format(data.answered); }
    Object.keys(data.counts).forEach(function (optionId) {
      var row = table.querySelector('tr[data-option="' + optionId + '"]');
      if (!row) { return; }
      var counts = data.counts[optionId];
      Object.keys(counts).forEach(function (value) {
        var cell = row.querySelector('td[data-value="' + value + '"]');
        if (cell) { cell.textContent = fmt.format(counts[value]); }
      });
      row.classList.toggle("poll-best", String(data.best) === optionId);
    });
    if (last !== null && data.answered !== last && hint) {
      hint.textContent = "Neue Antworten eingegangen: " + fmt.format(data.answered) + " von " + fmt.format(data.invited) + ".";
    }
    last = data.answered;
  }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { apply(data); } })
      .catch(function () { /* offline: the next tick tries again */ });
  }
  window.setInterval(tick, 10000);
})();
