"""Browser (issue 15): "seen, not only validated". The pages of the link walk (tests/test_link_crawl.py) are
opened per role in Chromium, each loaded once at 1366 px and then narrowed to 375 px (look_at_widths); the test
fails on what axe-core does not catch at either width:

- the document scrolls sideways (scrollWidth > innerWidth + 1; tables scroll inside their own container),
- `.sr-only` helper text visible on screen (bounding box larger than 1 px),
- interactive controls (links, buttons, inputs, selects, text areas, summaries) overlapping each other,
- console errors (including CSP violations and uncaught exceptions),
- images without a size (no width/height attributes) or that do not load.

One URL per endpoint and role keeps the run short. The key pages (KEY_PAGES: every role's start page and the
pages the planning work happens on) are saved as screenshots at both widths in SCREENSHOT_DIR (default: a folder
under /tmp; under CI=true ``ci-artifacts/screenshots/`` in the repo) so that a person can look through them;
SCREENSHOTS=alle saves every visited page (a full-page screenshot costs about as much CPU as checking the page).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections import Counter, deque
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from werkzeug.exceptions import HTTPException

from beteiligung.demo import DEMO_PASSWORD
from tests.browser.helpers import REDUCED_MOTION, ROOT, login
from tests.support.components import in_ci
from tests.test_link_crawl import DOWNLOADS, SKIP, _links

pytestmark = pytest.mark.browser

ROLES = {
    "admin": "admin@lindenau.example",
    "kreisplanung": "planung@kreis-lindenau.example",
    "stadtplanung": "planung@stadt-lindenau.example",
    "sozialraum": "sozialraum.sued@stadt-lindenau.example",
    "partner": "partner@awo-lindenau.example",
    "jobcenter": "partner@jobcenter-lindenau.example",
    "politik": "politik@kreis-lindenau.example",
}  # every demo role (README table); each endpoint is looked at once, as the first role that reaches it
EMAILS = {**ROLES, "oeffentlich": None}
ORDER = list(EMAILS)  # which role looks at an endpoint that several roles reach: the first in this order
# One test per part so that xdist can spread them: the admin reaches most endpoints first (121 of 136 pages), so its
# pages are cut into ADMIN_PARTS parts (every n-th page); every other role is one part. Admin parts and the first
# other roles alternate: two workers starting at the front make different walks at the same time instead of one
# waiting for the other's (tests/conftest.py runs this file first, one test at a time per worker).
ADMIN_PARTS = 6
PARTS = [part for i in range(ADMIN_PARTS) for part in (("admin", i, ADMIN_PARTS), (ORDER[i + 1], 0, 1))] + [
    (role, 0, 1) for role in ORDER[ADMIN_PARTS + 1 :]
]
PUBLIC_START = ["/oeffentlich/sitzungen/", "/b/suedstadt-2026", "/b/suedstadt-2026/ergebnisse", "/anmelden"]
PUBLIC = re.compile(r"^/(oeffentlich/sitzungen|b/|anmelden|passwort|barrierefreiheit|datenschutz|impressum)")
WIDTHS = (375, 1366)
# The pages a person looks through after a run (screenshots at both widths): where the planning work happens.
KEY_PAGES = frozenset(
    {
        "main.index",
        "gremien.meeting",
        "gremien.invite",
        "protokolle.protocol",
        "protokolle.entry_edit",
        "protokolle.followup",
        "kontrakte.detail",
        "kontrakte.report",
        "befragungen.results",
        "umfrage.page",
        "netzwerk.index",
        "netzwerk.coverage",
        "monitoring.dossier",
        "monitoring.edition_detail",
        "planung.chain",
        "planung.controlling",
        "planung.measure",
        "werkstatt.board",
        "oeffentlich.meetings",
        "oparl.papers",
    }
)
CRAWL_LIMIT = 400
PER_KEY = 5
# Endpoints whose page is only a variant of another one already visited (same template, other filter).
SAME_TEMPLATE = re.compile(r"[?&](sort|richtung|seite|filter|status|jahr)=")

CHECK_JS = """
() => {
  const out = {overflow: null, srOnly: [], overlaps: [], images: []};
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) {
    // name the widest elements so the message says where to look
    const wide = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 || r.left < -1) {
        // absolutely positioned elements escape a scroll container that is not their containing block
        const escapes = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
        let p = el.parentElement, inside = false;
        while (p && p !== document.body) {
          const s = getComputedStyle(p);
          if (['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX)) { inside = true; break; }
          p = p.parentElement;
        }
        if (!inside || escapes) wide.push(el);
      }
    }
    const leaves = wide.filter(el => !wide.some(o => o !== el && el.contains(o)));
    out.overflow = {scrollWidth: doc.scrollWidth, width: window.innerWidth,
      culprits: leaves.slice(0, 4).map(el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(el.getBoundingClientRect().right) + 'px')};
  }
  for (const el of document.querySelectorAll('.sr-only')) {
    if (el === document.activeElement) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 1 || r.height > 1) out.srOnly.push((el.textContent || '').trim().slice(0, 60));
  }
  const visible = el => {
    if (el.closest('.sr-only')) return false;
    // checkVisibility: not inside a closed <details>, display:none, visibility:hidden or opacity 0
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.opacity) > 0;
  };
  const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
    // links inside an SVG map are shapes: their bounding boxes overlap although the shapes do not
    .filter(el => !(el instanceof SVGElement) && visible(el)).map(el => ({el, r: el.getBoundingClientRect()}));
  controls.sort((a, b) => a.r.top - b.r.top);
  const name = el => el.tagName.toLowerCase() + ' "' + ((el.innerText || el.value || el.name || el.id || '').trim().slice(0, 30)) + '"';
  for (let i = 0; i < controls.length && out.overlaps.length < 5; i++) {
    const a = controls[i];
    for (let j = i + 1; j < controls.length; j++) {
      const b = controls[j];
      if (b.r.top >= a.r.bottom - 2) break;
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (w > 2 && h > 2) out.overlaps.push(name(a.el) + ' × ' + name(b.el));
    }
  }
  for (const img of document.images) {
    const sized = img.hasAttribute('width') && img.hasAttribute('height');
    if (!sized || (img.complete && img.naturalWidth === 0)) out.images.push(img.getAttribute('src'));
  }
  return out;
}
"""


def screenshot_dir() -> Path:
    configured = os.environ.get("SCREENSHOT_DIR")
    if configured:
        path = Path(configured)
    elif in_ci():
        path = ROOT / "ci-artifacts" / "screenshots"
    else:
        path = Path(tempfile.gettempdir()) / "beteiligung-screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _endpoint(adapter, url: str) -> tuple[str | None, tuple | None]:
    """The endpoint of url and its walk key: the endpoint with its non-numeric URL parts (the kind of record,
    the board type …); numeric ids of the same endpoint share one key."""
    try:
        endpoint, args = adapter.match(url.split("?")[0], method="GET")
    except HTTPException:
        return None, None
    return endpoint, (endpoint, tuple(sorted((k, str(v)) for k, v in args.items() if not isinstance(v, int))))


def crawl(app, email: str | None) -> dict[str, str]:
    """The link walk as one role (None: a citizen without account): the first URL of every endpoint.

    Pages of one walk key (endpoint + non-numeric parts) are opened at most PER_KEY times: the 6th detail page of
    another record adds no endpoint. Measured on the demo: every endpoint each role reached when every record was
    followed up to the limit, and more (130 instead of 122 endpoints in all: the walk no longer stops at the limit),
    in 1,797 instead of 2,255 requests; with 1 or 2 per key some edit pages were no longer reached."""
    client = app.test_client()
    if email:
        html = client.get("/anmelden").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        r = client.post("/anmelden", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
        assert r.status_code == 302, email
        start = ["/"]
    else:
        start = PUBLIC_START
    adapter = app.url_map.bind("localhost")
    seen, queue, pages, opened, visited = set(start), deque(start), {}, Counter(), 0
    while queue and visited < CRAWL_LIMIT:
        url = queue.popleft()
        endpoint, key = _endpoint(adapter, url)
        if key is not None and opened[key] >= PER_KEY:
            continue
        visited += 1
        r = client.get(url)
        if r.status_code != 200 or r.mimetype != "text/html":
            r.close()
            continue
        opened[key] += 1
        if endpoint and endpoint not in pages:
            pages[endpoint] = url
        for link in sorted(_links(r.get_data(as_text=True))):  # sorted: the same pages on every run
            if link in seen or SAME_TEMPLATE.search(link):
                continue
            if email and SKIP.search(link):
                continue
            if not email and (not PUBLIC.search(link) or DOWNLOADS.search(link)):
                continue
            seen.add(link)
            queue.append(link)
        r.close()
    return pages


@pytest.fixture(scope="session")
def walks(live_server):
    """walks(role) -> {endpoint: url}: the walk of one role over the demo as loaded (live_server.pristine, the same
    on every worker), made once per run: the first worker that needs a role makes it, the others read it
    (tests/support/snapshot.shared)."""
    from beteiligung import create_app
    from tests.support.snapshot import shared

    cache: dict[str, dict[str, str]] = {}
    apps = []

    def walk(role: str) -> dict[str, str]:
        if role not in cache:
            with shared(f"gang-{role}") as (pages, keep):
                if pages is None:
                    if not apps:
                        copy = Path(tempfile.mkdtemp(prefix="beteiligung-gang-")) / "gang.sqlite"
                        shutil.copyfile(live_server.pristine, copy)
                        apps.append(
                            create_app({**live_server.settings, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}"})
                        )
                    pages = crawl(apps[0], EMAILS[role])
                    keep(pages)
            cache[role] = pages
        return cache[role]

    yield walk
    for app in apps:
        from beteiligung.extensions import db

        with app.app_context():
            db.engine.dispose()


def _slug(role: str, width: int, url: str) -> str:
    return f"{role}-{width}-" + (re.sub(r"[^A-Za-z0-9]+", "_", url).strip("_") or "start") + ".jpg"


# After narrowing: app.js closes the main menu when a page loads at phone width (it stays open on wider screens), so
# a narrowed page gets the same first view as one loaded on a phone; the page's resize handlers and layout run
# (two animation frames), then the checks.
NARROWED_JS = (
    """async () => {
  const menu = document.querySelector('.site-nav__menu');
  if (menu && window.matchMedia('(max-width: 48rem)').matches) menu.open = false;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return (%s)();
}"""
    % CHECK_JS
)
# Resize handlers are often debounced (the network map's Cytoscape redraws its canvas 100 ms after the last resize
# event): a narrowed page with a finding gets up to RESETTLE_MS to lose it before it counts; a fresh load at phone
# width would not show it either. A finding that stays is reported.
RESETTLE_MS = 1000
CLEAN_JS = (
    """() => { const o = (%s)(); return !o.overflow && !o.srOnly.length && !o.overlaps.length && !o.images.length; }"""
    % CHECK_JS
)
CLEAN = {"overflow": None, "srOnly": [], "overlaps": [], "images": []}


def findings(found: dict, errors: list[str], where: str) -> list[str]:
    """The check results (CHECK_JS) of one page at one width as messages."""
    problems = []
    if found["overflow"]:
        o = found["overflow"]
        problems.append(f"{where}: seitlich scrollbar ({o['scrollWidth']} px > {o['width']} px; {o['culprits']})")
    if found["srOnly"]:
        problems.append(f"{where}: sichtbarer sr-only-Text {found['srOnly'][:3]}")
    if found["overlaps"]:
        problems.append(f"{where}: überlappende Bedienelemente {found['overlaps'][:3]}")
    if found["images"]:
        problems.append(f"{where}: Bild ohne Größe oder nicht geladen {found['images'][:3]}")
    if errors:
        problems.append(f"{where}: Konsolenfehler {errors[:3]}")
    return problems


def look_at_widths(page, errors: list[str], where: str, shot=None) -> list[str]:
    """The loaded page at every width of WIDTHS, widest first (the page was loaded at WIDTHS[-1]): the checks, and
    a screenshot through shot(width) -> path. Narrowing the viewport reflows the page as a phone shows it (media
    queries, sizes in vw/%); the page is not loaded a second time, except a page with a canvas (the network map):
    a canvas keeps what its script drew for the width at load, so such a page is loaded again at phone width.
    Console errors of the load count at the first width, errors after the resize (or of the new load) at the
    second. shot(width) may return None: no screenshot of this page. A finding after narrowing must outlast the
    page's (possibly debounced) resize handlers (RESETTLE_MS) to count."""
    problems = []
    for n, width in enumerate(reversed(WIDTHS)):
        if n == 0:
            found, canvas = page.evaluate("() => [(%s)(), document.querySelector('canvas') !== null]" % CHECK_JS)
        else:
            page.set_viewport_size({"width": width, "height": 900})
            if canvas:
                page.reload(wait_until="load")
            found = page.evaluate(NARROWED_JS)
            if found != CLEAN:
                try:
                    page.wait_for_function(CLEAN_JS, polling=100, timeout=RESETTLE_MS)
                except PlaywrightTimeout:
                    pass
                found = page.evaluate(CHECK_JS)
        if shot and (path := shot(width)):
            page.screenshot(path=str(path), full_page=True, type="jpeg", quality=70)
        problems += findings(found, errors, f"{width}px {where}")
        errors.clear()
    return problems


def look_at(
    browser, live_server, role: str, email: str | None, urls: list[str], shots: dict[str, Path], timing
) -> list[str]:
    """Each URL is loaded once at the widest width and then looked at at every width (look_at_widths); the URLs in
    shots get their screenshot at every width (shots[url]: the folder)."""
    problems = []
    context = browser.new_context(
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport={"width": WIDTHS[-1], "height": 900},
        reduced_motion=REDUCED_MOTION,
    )
    context.set_default_timeout(15000)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        if email:
            login(page, live_server, email, start_page=False)
        for url in urls:
            page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
            errors.clear()
            t0 = time.monotonic()
            response = page.goto(live_server.url + url, wait_until="load")
            timing["laden"] += time.monotonic() - t0
            if response is None or response.status != 200:
                problems.append(f"{role} {url}: Antwort {response.status if response else 'keine'}")
            t1 = time.monotonic()
            problems += look_at_widths(
                page,
                errors,
                f"{role} {url}",
                lambda width, url=url: shots[url] / _slug(role, width, url) if url in shots else None,
            )
            timing["prüfen+bilder"] += time.monotonic() - t1
    finally:
        context.close()
    return problems


def plan_for(walks, role: str) -> list[str]:
    """The pages role looks at: each endpoint once, as the first role (in ORDER) whose walk reaches it, except
    every role's start page. Computed from the walks alone, so every part agrees on every worker."""
    done: set[str] = set()
    for earlier in ORDER[: ORDER.index(role)]:
        done.update(walks(earlier))
    return [url for endpoint, url in walks(role).items() if endpoint not in done or url == "/"]


@pytest.mark.parametrize(("role", "part", "parts"), PARTS, ids=[f"{r}-{i + 1}von{n}" for r, i, n in PARTS])
def test_every_page_seen_at_phone_and_desktop_width(browser, live_server, walks, role, part, parts):
    """Together the parts look at every endpoint of the link walk once (see plan_for)."""
    started = time.monotonic()
    shots = screenshot_dir()
    own = walks(role)
    assert len(own) >= (8 if EMAILS[role] is None else 40), own  # the walk really reached the application
    urls = plan_for(walks, role)[part::parts]
    key = {url for endpoint, url in walks(role).items() if endpoint in KEY_PAGES}
    if os.environ.get("SCREENSHOTS") == "alle":
        key = set(urls)
    pictured = [url for url in urls if url in key]
    if role == ORDER[-1]:  # the last part knows every walk: together the parts cover the application
        total = sum(len(plan_for(walks, r)) for r in ORDER)
        assert total > 100, total
        reached = {endpoint for r in ORDER for endpoint in walks(r)}
        assert reached >= KEY_PAGES, f"Schlüsselseiten ohne Foto: {sorted(KEY_PAGES - reached)}"
    pictures = [shots / _slug(role, width, url) for width in WIDTHS for url in pictured]
    for old in pictures:  # pictures of an earlier run would make the check below meaningless
        old.unlink(missing_ok=True)
    timing = {"gang": time.monotonic() - started, "laden": 0.0, "prüfen+bilder": 0.0}
    problems = look_at(browser, live_server, role, EMAILS[role], urls, dict.fromkeys(pictured, shots), timing)
    assert not problems, f"{len(problems)} Befunde auf {len(urls)} Seiten × {len(WIDTHS)} Breiten:\n" + "\n".join(
        problems
    )
    assert all(p.exists() for p in pictures) and len(set(pictures)) == len(pictured) * len(WIDTHS)
    took = {key: round(value) for key, value in timing.items()}
    print(
        f"{role} {part + 1}/{parts}: {len(urls)} Seiten × {len(WIDTHS)} Breiten in {time.monotonic() - started:.0f} s {took}"
    )


FULL_CHROMIUM_PAGES = 6  # the first key pages of the planner's walk (the start page first)


def test_key_pages_in_the_full_chromium(full_browser, live_server, walks):
    """The other browser tests run in Chromium's headless shell (tests/browser/conftest.py); people use the full
    browser. The planner's first key pages (KEY_PAGES in the planner's walk) pass the same checks at both widths in the
    full Chromium, and its start page passes axe-core there too."""
    from tests.browser.helpers import check_axe, new_axe_context

    urls = [url for endpoint, url in walks("kreisplanung").items() if endpoint in KEY_PAGES][:FULL_CHROMIUM_PAGES]
    assert "/" in urls and len(urls) == FULL_CHROMIUM_PAGES, urls
    timing = {"laden": 0.0, "prüfen+bilder": 0.0}
    problems = look_at(full_browser, live_server, "kreisplanung", ROLES["kreisplanung"], urls, {}, timing)
    assert not problems, "\n".join(problems)
    context = new_axe_context(full_browser)
    try:
        page = context.new_page()
        login(page, live_server, ROLES["kreisplanung"])
        check_axe(page)
    finally:
        context.close()


BROKEN_PAGE = """<!DOCTYPE html><html lang="de"><head><style>
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0, 0, 0, 0); }
.wide { width: 900px; } .pile { position: absolute; top: 200px; left: 10px; }
.scroll { overflow-x: auto; } </style></head><body>
<p class="wide">zu breit</p>
<span class="sr-only-missing sr-only-x">ok</span><span class="visible-helper">x</span>
<div class="scroll"><table class="wide"><tr><td>scrollt in sich</td></tr></table></div>
<a class="pile" href="#a">Erster Link</a><button class="pile" type="button">Knopf darüber</button>
<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" alt="ohne Größe">
</body></html>"""


def test_the_checks_find_each_defect_and_pass_a_clean_page(browser):
    """The checks themselves: each defect on a constructed page is found; the same page without them is clean."""
    context = browser.new_context(viewport={"width": 375, "height": 700})
    try:
        page = context.new_page()
        page.set_content(
            BROKEN_PAGE.replace("sr-only-missing sr-only-x", "sr-only-missing").replace(
                'class="visible-helper"', 'class="sr-only" style="position:static;width:auto;height:auto;clip:auto"'
            )
        )
        found = page.evaluate(CHECK_JS)
        assert found["overflow"] and found["overflow"]["scrollWidth"] >= 900
        assert any("p.wide" in c for c in found["overflow"]["culprits"])
        assert not any("table" in c for c in found["overflow"]["culprits"])  # scrolls inside its container
        assert found["srOnly"] == ["x"]
        assert found["overlaps"] == ['a "Erster Link" × button "Knopf darüber"']
        assert len(found["images"]) == 1
        clean = (
            BROKEN_PAGE.replace('class="wide">zu breit', ">passt")
            .replace('class="visible-helper"', 'class="sr-only"')
            .replace('<button class="pile"', '<button class="other"')
            .replace('alt="ohne Größe"', 'alt="mit Größe" width="1" height="1"')
        )
        page.set_content(clean)
        found = page.evaluate(CHECK_JS)
        assert found == CLEAN, found
    finally:
        context.close()


PHONE_ONLY_PAGE = """<!DOCTYPE html><html lang="de"><head><style>
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0, 0, 0, 0); }
.box { width: 100%; min-width: 30rem; } .drop { margin-left: 2rem; }
@media (max-width: 48rem) {
  .narrow-visible { position: static; width: auto; height: auto; clip: auto; }
  .drop { position: absolute; top: 0; left: 0; margin: 0; }
}</style></head><body>
<nav><details class="site-nav__menu" open><summary>Menü</summary><a href="#m">Im Menü</a></details></nav>
<a href="#a">Erster Link</a><button class="drop" type="button">Knopf</button>
<div class="box">breit nur auf dem Telefon</div><span class="sr-only narrow-visible">Hilfstext</span>
</body></html>"""


SIZED_BY_SCRIPT = """<div class="map">Karte</div><script>
const map = document.querySelector('.map'), size = () => { map.style.width = document.body.clientWidth + 'px'; };
size(); let timer; const follow = () => { clearTimeout(timer); timer = setTimeout(size, 150); };
addEventListener('resize', follow);
</script>"""


DRAWN = """<canvas height="20">Karte</canvas><script>
document.querySelector('canvas').width = document.body.clientWidth;
window.loads = (Number(sessionStorage.getItem('loads')) || 0); sessionStorage.setItem('loads', window.loads + 1);
if (innerWidth < 500) throw new Error('schmal geladen');
</script>"""


def test_defects_that_only_a_phone_shows_are_found_after_narrowing(browser, tmp_path):
    """look_at_widths on a page loaded at 1366 px: the page is fine there; what only the 375 px layout breaks (a
    media query, a minimum width) is found once the viewport is narrowed, at 375 px only; the phone view has the
    main menu closed as app.js closes it on a phone (the menu's link is not seen); screenshots at both widths."""
    context = browser.new_context(viewport={"width": WIDTHS[-1], "height": 900})
    errors: list[str] = []

    def loaded(html: str):
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_content(html)
        return page

    fine_on_phone = PHONE_ONLY_PAGE.replace("min-width: 30rem", "min-width: 1px").replace(
        "@media (max-width: 48rem)", "@media print"
    )
    try:
        page = loaded(PHONE_ONLY_PAGE)
        assert page.evaluate(CHECK_JS) == CLEAN
        problems = look_at_widths(page, errors, "seite", lambda width: tmp_path / f"{width}.jpg")
        assert all(p.startswith(f"{WIDTHS[0]}px seite: ") for p in problems), problems
        assert any("seitlich scrollbar" in p and "div.box" in p for p in problems), problems
        assert any("sichtbarer sr-only-Text ['Hilfstext']" in p for p in problems), problems
        assert any("überlappende Bedienelemente" in p and 'button "Knopf"' in p for p in problems), problems
        assert len(problems) == 3, problems
        assert page.evaluate("() => document.querySelector('.site-nav__menu').open") is False
        assert page.viewport_size["width"] == WIDTHS[0]
        assert sorted(p.name for p in tmp_path.iterdir()) == [f"{w}.jpg" for w in sorted(WIDTHS, key=str)]
        assert look_at_widths(loaded(fine_on_phone), errors, "seite") == []
        # a widget sized by script at load that follows a resize late (debounced, as Cytoscape's network map) is
        # no finding; one that never follows is one
        assert look_at_widths(loaded(fine_on_phone + SIZED_BY_SCRIPT), errors, "seite") == []
        problems = look_at_widths(loaded(fine_on_phone + SIZED_BY_SCRIPT.replace("follow)", "null)")), errors, "seite")
        assert len(problems) == 1 and "375px seite: seitlich scrollbar" in problems[0], problems
        assert "div.map" in problems[0], problems
        # a canvas drawn for the width at load: the page is loaded again at phone width (no finding, the new load's
        # console errors count); without the new load the canvas would stay 1366 px wide
        context.route(
            "http://seite.test/", lambda route: route.fulfill(body=fine_on_phone + DRAWN, content_type="text/html")
        )
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto("http://seite.test/")
        problems = look_at_widths(page, errors, "seite")
        assert page.evaluate("() => [document.querySelector('canvas').width, window.loads]") == [375 - 16, 1]
        assert len(problems) == 1 and problems[0] == f"{WIDTHS[0]}px seite: Konsolenfehler ['schmal geladen']"
        # a console error after the resize counts at the phone width
        page = loaded(fine_on_phone)
        page.evaluate("() => addEventListener('resize', () => { throw new Error('schmal kaputt'); })")
        problems = look_at_widths(page, errors, "seite")
        assert len(problems) == 1 and problems[0].startswith(f"{WIDTHS[0]}px seite: Konsolenfehler"), problems
    finally:
        context.close()
