// Netzwerkkarte: loads /netzwerk/daten.json page by page (most central nodes first: a readable first
// view of data-first nodes, then data-page more per click on "Weitere Knoten laden", which goes away
// when every node is shown) and draws it with cytoscape.js. The same data is in the table below the
// map, so the page works without JS.
(function () {
  "use strict";
  const container = document.getElementById("netzwerk-karte");
  if (!container || typeof window.cytoscape !== "function") {
    return;
  }
  const status = document.getElementById("netzwerk-status");
  const more = document.getElementById("netzwerk-mehr");
  const legend = document.getElementById("netzwerk-legende");
  // Colour by organisation type (colour-blind friendly palette, Okabe–Ito plus greys).
  const COLOURS = {
    "Wohlfahrtsverband": "#E69F00", "Freier Träger": "#56B4E9", "Privater Träger": "#0072B2",
    "Jobcenter": "#009E73", "Verwaltung/Fachbereich": "#595959", "Politik/Ausschuss": "#CC79A7",
    "Selbsthilfe/Beirat": "#D55E00", "Schule/Kita": "#F0E442", "Kirche/Religionsgemeinschaft": "#8C6D31",
    "Wirtschaft": "#1B3A5C", "Wissenschaft": "#7B3294", "Wohnungswirtschaft": "#A6761D",
    "Initiative/Verein": "#66A61E", "Sonstige": "#999999", "Person": "#FFFFFF"
  };
  const seenKinds = new Set();
  const cy = window.cytoscape({
    container: container,
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)", "label": "data(label)", "width": "data(size)", "height": "data(size)",
        "font-size": 10, "text-valign": "bottom", "text-margin-y": 3, "color": "#1a1a1a",
        "border-width": 1, "border-color": "#333333", "text-wrap": "ellipsis", "text-max-width": 110,
        "min-zoomed-font-size": 7, "text-background-color": "#ffffff", "text-background-opacity": 0.75,
        "text-background-padding": 1 } },
      // names only for the most central and the larger nodes; the others show theirs on hover and when zoomed in
      { selector: "node[?top]", style: { "font-size": 13, "font-weight": "bold", "min-zoomed-font-size": 0,
        "text-max-width": 170 } },
      { selector: "node[size < 30][!top]", style: { "label": "", "min-zoomed-font-size": 0 } },
      { selector: "node[size < 30][!top].zeige-name", style: { "label": "data(label)" } },
      { selector: "node[type = 'person']", style: { "shape": "round-rectangle", "border-style": "dashed" } },
      { selector: "edge", style: {
        "width": "data(width)", "line-color": "#8a8a8a", "curve-style": "bezier", "opacity": 0.7 } },
      { selector: "edge[?directed]", style: { "target-arrow-shape": "triangle", "target-arrow-color": "#8a8a8a" } },
      { selector: "edge[?derived]", style: { "line-style": "dashed", "opacity": 0.3 } },
      { selector: "edge[kind = 'Konflikt']", style: { "line-color": "#C00000", "target-arrow-color": "#C00000" } },
      { selector: ":selected", style: { "border-width": 3, "border-color": "#0057B8" } }
    ],
    elements: []
  });
  let nextOffset = 0;
  let total = 0;

  function addLegend(kind) {
    if (!legend || seenKinds.has(kind)) {
      return;
    }
    seenKinds.add(kind);
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "legend-swatch";
    swatch.style.backgroundColor = COLOURS[kind] || "#999999";
    swatch.setAttribute("aria-hidden", "true");
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(kind));
    legend.appendChild(item);
  }

  function load() {
    const url = new URL(container.dataset.src, window.location.href);
    url.searchParams.set("offset", String(nextOffset));
    const first = parseInt(container.dataset.first || "0", 10);
    const page = parseInt(container.dataset.page || "0", 10);
    const limit = nextOffset === 0 ? first : page;
    if (limit > 0) {
      url.searchParams.set("limit", String(limit));
    }
    if (status) {
      status.textContent = "Lade Netzwerk …";
    }
    if (more) {
      more.disabled = true;
    }
    fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then((r) => { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then((data) => {
        total = data.total;
        const elements = [];
        data.nodes.forEach((n) => {
          addLegend(n.kind);
          elements.push({ group: "nodes", data: Object.assign({}, n, { colour: COLOURS[n.kind] || "#999999" }) });
        });
        data.edges.forEach((e) => {
          elements.push({ group: "edges", data: Object.assign({}, e, { width: e.strength }) });
        });
        cy.add(elements);
        cy.layout({ name: "cose", animate: false, randomize: nextOffset === 0, nodeRepulsion: 40000,
                    idealEdgeLength: 110, nodeOverlap: 40, componentSpacing: 80, gravity: 0.5,
                    numIter: cy.nodes().length > 600 ? 300 : 1000 }).run();
        nextOffset = data.next_offset || 0;
        const shown = cy.nodes().length;
        if (status) {
          status.textContent = shown + " von " + total + " Knoten und " + cy.edges().length +
            " Beziehungen in der Karte" + (nextOffset ? " – die zentralsten zuerst." : ".");
        }
        container.dataset.loaded = String(shown);
        if (more) {
          more.hidden = !nextOffset;  // all nodes loaded: the button goes away
          more.disabled = false;
        }
      })
      .catch(() => {
        if (status) {
          status.textContent = "Die Karte konnte nicht geladen werden; die Tabelle zeigt dieselben Daten.";
        }
      });
  }

  cy.on("tap", "node, edge", (event) => {
    const url = event.target.data("url");
    if (url) {
      window.location.href = url;
    }
  });
  cy.on("mouseover", "node", (event) => {
    container.title = event.target.data("name") + " (" + event.target.data("kind") + ")";
    event.target.addClass("zeige-name");
  });
  cy.on("mouseout", "node", (event) => {
    event.target.removeClass("zeige-name");
  });
  cy.on("zoom", () => {
    cy.nodes().toggleClass("zeige-name", cy.zoom() > 1.6);
  });
  if (more) {
    more.addEventListener("click", load);
  }
  load();
}());
