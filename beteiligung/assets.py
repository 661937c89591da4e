"""Static files: versioned URLs and how long a browser may keep them.

Every ``url_for("static", filename=…)`` carries the file's content hash (``?v=…``): a release that changes
app.js changes its URL, so a browser (and nginx, deploy/nginx/beteiligung.conf) may keep a versioned file for a
year without asking again. Files that a stylesheet loads by a relative path (the KERN fonts) have no hash; they are
kept a day. A hash that is not the file's current one (a page of the previous release) gets the day as well.
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, request
from werkzeug.security import safe_join

VERSIONED = "public, max-age=31536000, immutable"
UNVERSIONED = "public, max-age=86400"


def register(app: Flask) -> None:
    folder = app.static_folder
    # filename → ((mtime_ns, size), hash): a file changed in place gets a new one (the size as well: two writes within
    # one tick of the file system's clock keep the same mtime)
    hashes: dict[str, tuple[tuple[int, int], str]] = {}

    def version(filename: str) -> str | None:
        path = safe_join(folder, filename)
        if path is None:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        stamp = (info.st_mtime_ns, info.st_size)
        known = hashes.get(filename)
        if known is None or known[0] != stamp:
            with open(path, "rb") as fh:
                known = hashes[filename] = (stamp, hashlib.sha256(fh.read()).hexdigest()[:12])
        return known[1]

    @app.url_defaults
    def static_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and (digest := version(values.get("filename") or "")):
            values["v"] = digest

    @app.after_request
    def static_cache(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            current = request.args.get("v") and version((request.view_args or {}).get("filename", ""))
            response.headers["Cache-Control"] = VERSIONED if current and current == request.args["v"] else UNVERSIONED
        return response
