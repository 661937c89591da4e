"""Security headers (CSP without inline script) and the client key for throttling."""

from __future__ import annotations

from flask import request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint != "static" and "public" not in response.headers.get("Cache-Control", ""):
        # Pages and exports may carry personal data: no browser or proxy keeps a copy. Only a view
        # that serves public data (the OParl API) marks its answer "public" deliberately.
        response.headers["Cache-Control"] = "no-store"
    return response


def client_key() -> str:
    return request.remote_addr or "unknown"
