"""Walk the demo as each role, following every link a page offers: nothing answers 500, and no
link offered to a role leads into a 403 or 404 (a page must not offer what it would refuse)."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

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


def _links(html: str) -> set[str]:
    out = set()
    for href in re.findall(r'<a [^>]*href="([^"#][^"]*)"', html):
        href = urldefrag(href.replace("&amp;", "&"))[0]
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/"):
            continue
        out.add(href)
    return out


@pytest.fixture
def demo(demo_data):
    """The demo Kreis (tests/conftest.py: loaded once per worker and backend, then copied back)."""


@pytest.mark.parametrize("email", ROLES)
def test_every_offered_link_opens(app, demo, email):
    client = app.test_client()
    client.login(email, DEMO_PASSWORD)
    seen, queue, bad, visited = {"/"}, deque(["/"]), [], 0
    while queue and visited < LIMIT:
        url = queue.popleft()
        visited += 1
        r = client.get(url, follow_redirects=True)
        if r.status_code != 200:
            bad.append((url, r.status_code))
            r.close()
            continue
        if r.mimetype == "text/html":
            for link in _links(r.get_data(as_text=True)):
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
