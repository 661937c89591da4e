"""Walk the demo as each role, following every link a page offers: nothing answers 500, and no
link offered to a role leads into a 403 or 404 (a page must not offer what it would refuse).

Links of one kind are opened at most PER_KIND times (kind: endpoint, its non-numeric URL parts and query values,
see _kind): the 6th record of the same detail page repeats the same template and permission checks, and the
requests saved go to kinds the walk did not reach before the LIMIT. Measured on the demo (SQLite): every endpoint
the walk reached before (every link, up to the LIMIT) is still reached, and more (Kreisplanung 114 instead of 88, Partner 50 instead of 45),
in half the requests for the roles that stopped at the LIMIT before (partner: 149 instead of 300); with 3 per kind
an edit page (gremien.item_edit) was no longer reached."""

from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from beteiligung.demo import DEMO_PASSWORD

ROLES = [
    "admin@lindenau.example",
    "planung@kreis-lindenau.example",
    "planung@stadt-lindenau.example",
    "sozialraum.sued@stadt-lindenau.example",
    "partner@awo-lindenau.example",
    "partner@jobcenter-lindenau.example",
    "politik@kreis-lindenau.example",
]
# Not followed: leaving the session, downloads and generated documents (their own tests check them),
# paginated copies of lists already visited, and the public citizen pages (no login, own tests).
DOWNLOADS = re.compile(
    r"\.(pdf|docx|xlsx|csv|ics|gexf|graphml|json|svg|png)(\?|$)|/kalender|/export|/download"
    r"|/dokumente/|/anhaenge/"
)
SKIP = re.compile(r"^/(abmelden|static/)|[?&]seite=[2-9]|^/(b|oeffentlich)/|" + DOWNLOADS.pattern)
LIMIT = 300
PER_KIND = 5


def _links(html: str) -> set[str]:
    out = set()
    for href in re.findall(r'<a [^>]*href="([^"#][^"]*)"', html):
        href = urldefrag(href.replace("&amp;", "&"))[0]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/"):
            continue
        out.add(href)
    return out


def _kind(adapter, url: str) -> tuple | None:
    """What a link is an instance of: endpoint, non-numeric path parts (the kind of record …) and query values that
    are not numbers (sort column, filter); record ids and page numbers do not count."""
    parts = urlsplit(url)
    try:
        endpoint, args = adapter.match(parts.path, method="GET")
    except HTTPException:
        return None  # unknown URL: always opened (it must answer 200 like every other link)
    return (
        endpoint,
        tuple(sorted((k, str(v)) for k, v in args.items() if not isinstance(v, int))),
        tuple(sorted((k, v) for k, v in parse_qsl(parts.query) if not v.isdigit())),
    )


@pytest.fixture
def demo(demo_data):
    """The demo Kreis (tests/conftest.py: loaded once per worker and backend, then copied back)."""


@pytest.mark.parametrize("email", ROLES)
def test_every_offered_link_opens(app, demo, email):
    client = app.test_client()
    client.login(email, DEMO_PASSWORD)
    adapter = app.url_map.bind("localhost")
    seen, queue, bad, visited, opened = {"/"}, deque(["/"]), [], 0, Counter()
    while queue and visited < LIMIT:
        url = queue.popleft()
        kind = _kind(adapter, url)
        if kind is not None and opened[kind] >= PER_KIND:
            continue
        opened[kind] += 1
        visited += 1
        r = client.get(url, follow_redirects=True)
        if r.status_code != 200:
            bad.append((url, r.status_code))
            r.close()
            continue
        if r.mimetype == "text/html":
            for link in sorted(_links(r.get_data(as_text=True))):  # sorted: the same walk on every run
                if link not in seen and not SKIP.search(link):
                    seen.add(link)
                    queue.append(link)
        r.close()
    assert bad == [], bad
    assert visited > 40, seen


def test_public_pages_offer_only_links_that_open(app, demo):
    """Citizens without an account: public meetings, the survey in every language, its results."""
    client = app.test_client()
    public = re.compile(r"^/(oeffentlich/sitzungen|b/|anmelden|passwort|barrierefreiheit|datenschutz|impressum)")
    seen = {"/oeffentlich/sitzungen/", "/b/suedstadt-2026", "/b/suedstadt-2026/ergebnisse"}
    queue, bad, visited = deque(sorted(seen)), [], 0
    while queue and visited < LIMIT:
        url = queue.popleft()
        visited += 1
        r = client.get(url, follow_redirects=True)
        if r.status_code != 200:
            bad.append((url, r.status_code))
        elif r.mimetype == "text/html":
            for link in _links(r.get_data(as_text=True)):
                if link not in seen and public.search(link) and not DOWNLOADS.search(link):
                    seen.add(link)
                    queue.append(link)
        r.close()
    assert bad == [], bad
    assert visited >= 7 and any(u.startswith("/oeffentlich/sitzungen/") and u[-1].isdigit() for u in seen), seen
