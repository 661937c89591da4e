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
