"""Request ids and optional JSON logs (LOG_FORMAT=json), one line per record on stderr.

Every request gets an id (from a sane X-Request-ID of the proxy, else a new one); it is sent back in the
X-Request-ID header and added to every log record of the request, so proxy, app and worker logs can be joined."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "zeit": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "stufe": record.levelname,
            "logger": record.name,
            "meldung": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id() or "-",
        }
        if has_request_context():
            entry.update(methode=request.method, pfad=request.path)
        if record.exc_info:
            entry["fehler"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _assign():
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex


def _echo(response):
    if g.get("request_id"):
        response.headers["X-Request-ID"] = g.request_id
    return response


def init_app(app: Flask) -> None:
    app.before_request(_assign)
    app.after_request(_echo)
    if app.config.get("LOG_FORMAT") == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        root = logging.getLogger()
        if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
            root.addHandler(handler)
        root.setLevel(logging.INFO)
        app.logger.handlers.clear()
        app.logger.propagate = True
