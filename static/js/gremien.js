// Tagesordnung: reorder by drag and drop (progressive enhancement; the ↑/↓ buttons work without JS).
(function () {
  "use strict";
  var table = document.getElementById("agenda-table");
  if (!table || !table.dataset.reorderUrl) { return; }
  var body = table.tBodies[0];
  var dragged = null;
  Array.prototype.forEach.call(body.rows, function (row) {
    if (!row.dataset.id) { return; }
    row.draggable = true;
    row.addEventListener("dragstart", function () { dragged = row; row.classList.add("is-dragging"); });
    row.addEventListener("dragend", function () { row.classList.remove("is-dragging"); save(); });
    row.addEventListener("dragover", function (ev) {
      ev.preventDefault();
      if (!dragged || dragged === row) { return; }
      var rect = row.getBoundingClientRect();
      body.insertBefore(dragged, (ev.clientY - rect.top) > rect.height / 2 ? row.nextSibling : row);
    });
  });
  function save() {
    var data = new FormData();
    data.append("csrf_token", table.dataset.csrf);
    Array.prototype.forEach.call(body.rows, function (row, i) {
      if (row.dataset.id) { data.append("ids", row.dataset.id); row.cells[0].textContent = String(i + 1); }
    });
    fetch(table.dataset.reorderUrl, { method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { window.location.reload(); } else { window.location.reload(); } });
  }
}());
