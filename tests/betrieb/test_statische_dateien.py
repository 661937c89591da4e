"""Static files after a release (beteiligung/assets.py): every link to one carries the file's content hash, so a
browser keeps it for a year and still gets a changed file at once; files without the current hash are kept a day.
nginx does the same (test_mehrere_server.py::test_several_servers_behind_nginx)."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path

from beteiligung.assets import UNVERSIONED, VERSIONED

ROOT = Path(__file__).resolve().parents[2]


def _digest(relative: str) -> str:
    return hashlib.sha256((ROOT / "static" / relative).read_bytes()).hexdigest()[:12]


def test_pages_link_static_files_with_their_content_hash(client):
    html = client.get("/anmelden").get_data(as_text=True)
    links = dict(re.findall(r'(?:href|src)="/static/([^"?]+)\?v=([0-9a-f]+)"', html))
    assert {"css/app.css", "js/app.js", "vendor/kern/kern.min.css"} <= set(links), links
    assert all(version == _digest(name) for name, version in links.items()), links
    assert not re.search(r'(?:href|src)="/static/[^"?]+"', html)  # no static link without its hash


def test_a_versioned_file_is_kept_a_year_and_others_a_day(client):
    version = _digest("js/app.js")
    r = client.get(f"/static/js/app.js?v={version}")
    assert r.status_code == 200 and r.headers["Cache-Control"] == VERSIONED == "public, max-age=31536000, immutable"
    again = client.get(f"/static/js/app.js?v={version}", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == VERSIONED
    # a font loaded by a stylesheet (no hash), and a page of the previous release (another hash): a day
    assert client.get("/static/js/app.js").headers["Cache-Control"] == UNVERSIONED == "public, max-age=86400"
    assert client.get("/static/js/app.js?v=000000000000").headers["Cache-Control"] == UNVERSIONED
    assert client.get("/static/gibt-es-nicht.js?v=1").status_code == 404
    assert "no-store" in client.get("/anmelden").headers["Cache-Control"]  # pages are still never kept


def test_a_file_changed_in_place_gets_a_new_url(app):
    from flask import url_for

    name = f"test-{uuid.uuid4().hex}.css"
    path = ROOT / "static" / name
    try:
        path.write_text("body { color: black; }")
        with app.test_request_context():
            first = url_for("static", filename=name)
        path.write_text("body { color: navy; }")
        with app.test_request_context():
            second = url_for("static", filename=name)
            missing = url_for("static", filename="gibt-es-nicht.css")
    finally:
        path.unlink(missing_ok=True)
    assert first != second and first.startswith(f"/static/{name}?v=") and second.startswith(f"/static/{name}?v=")
    assert missing == "/static/gibt-es-nicht.css"  # no hash to give: the plain URL
