// Picker (views/auswahl): the search box of a person/organisation field becomes an ARIA 1.2 combobox
// with a listbox of matches from /auswahl/<art>. Without JavaScript the "Suchen" button submits the
// form and the server shows the matches as radio buttons/checkboxes; this script only enhances it.
(() => {
  const DELAY = 250;
  const MIN = 2;
  let counter = 0;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text) node.textContent = text;
    return node;
  }

  function setup(box) {
    const input = box.querySelector(".auswahl__eingabe");
    const button = box.querySelector(".auswahl__knopf");
    const options = box.querySelector("[data-auswahl-optionen]");
    if (!input || !options) return;
    const url = box.dataset.auswahlUrl;
    const name = box.dataset.auswahlName;
    const multi = box.dataset.auswahlMehrfach === "1";
    const noun = box.dataset.auswahlArt || "Eintrag";
    counter += 1;
    const listId = `auswahl-liste-${counter}`;
    const list = el("ul", { id: listId, role: "listbox", class: "auswahl__liste", "aria-label": `Vorschläge: ${noun}` });
    list.hidden = true;
    const status = el("div", { class: "sr-only", role: "status", "aria-live": "polite" });
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.type = "text";
    // The combobox replaces "Suchen": remove the button, so that Enter in another field of the form
    // submits with the form's own button (the first submit button is the default).
    if (button) button.remove();
    input.closest(".auswahl__suche").after(list);
    box.append(status);

    let timer = null;
    let active = -1;
    let controller = null;
    let items = [];

    const say = (text) => { status.textContent = text; };
    const open = () => { list.hidden = false; input.setAttribute("aria-expanded", "true"); };
    const close = () => {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    };
    const highlight = (index) => {
      const nodes = list.querySelectorAll("[role=option]");
      nodes.forEach((n, i) => n.setAttribute("aria-selected", i === index ? "true" : "false"));
      active = index;
      if (index >= 0 && nodes[index]) {
        input.setAttribute("aria-activedescendant", nodes[index].id);
        nodes[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    };

    function choose(item) {
      const id = String(item.id);
      let existing = options.querySelector(`input[name="${CSS.escape(name)}"][value="${CSS.escape(id)}"]`);
      if (!multi) {
        options.querySelectorAll(".auswahl__option").forEach((row) => {
          const radio = row.querySelector("input");
          if (radio && !radio.hasAttribute("data-auswahl-leer") && radio !== existing) row.remove();
        });
      }
      if (!existing) {
        const rowId = `${input.id}-${id}`;
        const row = el("div", { class: "kern-form-check auswahl__option" });
        existing = el("input", {
          class: multi ? "kern-form-check__checkbox" : "kern-form-check__radio",
          type: multi ? "checkbox" : "radio", id: rowId, name, value: id,
        });
        const label = el("label", { class: "kern-label", for: rowId }, item.label);
        row.append(existing, label);
        options.append(row);
      }
      existing.checked = true;
      const nothing = options.querySelector("[data-auswahl-nichts]");
      if (nothing) nothing.remove();
      input.value = "";
      close();
      say(`${item.label} gewählt.` + (multi ? " Weitere Suche möglich; gewählte Einträge stehen unter dem Suchfeld." : ""));
      input.focus();
    }

    function render(data) {
      items = data.treffer || [];
      list.replaceChildren();
      items.forEach((item, i) => {
        const li = el("li", { id: `${listId}-${i}`, role: "option", class: "auswahl__eintrag", "aria-selected": "false" });
        li.append(document.createTextNode(item.label));
        if (item.hint) li.append(el("span", { class: "auswahl__hinweis" }, ` – ${item.hint}`));
        li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(item); });
        list.append(li);
      });
      if (items.length) {
        open();
        const more = data.weitere ? " Weitere Treffer: bitte genauer suchen." : "";
        say(`${items.length} ${items.length === 1 ? "Treffer" : "Treffer"}. Mit Pfeil nach unten auswählen, Eingabetaste übernimmt.${more}`);
      } else {
        close();
        say(data.meldung || `Keine Treffer für „${input.value.trim()}“.`);
      }
      highlight(-1);
    }

    function search() {
      const q = input.value.trim();
      if (q.length < MIN) {
        close();
        say(q.length ? `Bitte mindestens ${MIN} Zeichen eingeben.` : "");
        return;
      }
      if (controller) controller.abort();
      controller = new AbortController();
      const sep = url.includes("?") ? "&" : "?";
      fetch(`${url}${sep}q=${encodeURIComponent(q)}`, {
        headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller.signal,
      })
        .then((r) => r.json().then((data) => ({ ok: r.ok, data })))
        .then(({ data }) => { if (input.value.trim() === q) render(data); })
        .catch((err) => { if (err.name !== "AbortError") say("Die Suche ist gerade nicht erreichbar."); });
    }

    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY);
    });
    input.addEventListener("keydown", (event) => {
      const count = list.querySelectorAll("[role=option]").length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden && count) open();
        if (count) highlight(active + 1 >= count ? 0 : active + 1);
        else search();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (count) { open(); highlight(active <= 0 ? count - 1 : active - 1); }
      } else if (event.key === "Enter") {
        // Never submit the form from the search box; Enter takes the highlighted match.
        event.preventDefault();
        if (!list.hidden && active >= 0 && items[active]) choose(items[active]);
        else search();
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); say("Vorschläge geschlossen."); }
        else if (input.value) { event.preventDefault(); input.value = ""; }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", () => { window.setTimeout(close, 150); });
  }

  document.querySelectorAll(".auswahl[data-auswahl-url]").forEach(setup);
})();
