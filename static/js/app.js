// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
    return;
  }
  // Double-click protection: a form is sent once.
  const form = event.target;
  if (form.dataset.sent === "1") {
    event.preventDefault();
    return;
  }
  if (form.method.toLowerCase() === "post") {
    form.dataset.sent = "1";
    window.setTimeout(() => { form.dataset.sent = ""; }, 4000);
  }
});

// Main navigation: collapsed behind "Menü" on phones; sub-menus close on outside click and Escape.
(() => {
  const menu = document.querySelector(".site-nav__menu");
  if (menu && window.matchMedia("(max-width: 48rem)").matches) menu.open = false;
  const subs = Array.from(document.querySelectorAll(".site-nav__sub"));
  document.addEventListener("click", (event) => {
    subs.forEach((sub) => { if (sub.open && !sub.contains(event.target)) sub.open = false; });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    subs.forEach((sub) => {
      if (sub.open) { sub.open = false; sub.querySelector("summary").focus(); }
    });
  });
})();

// A table that scrolls sideways on a phone must be reachable by keyboard (WCAG 2.1.1): put it into
// KERN's focusable, named scroll wrapper (the table keeps its table semantics).
(() => {
  document.querySelectorAll(".site-main table").forEach((table) => {
    if (table.closest(".kern-table-responsive") || table.scrollWidth <= table.clientWidth) return;
    const wrap = document.createElement("div");
    wrap.className = "kern-table-responsive";
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    const caption = table.querySelector("caption");
    wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : "Tabelle (scrollbar)");
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(table);
  });
})();
