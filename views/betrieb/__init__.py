"""Betrieb: /healthz for load balancers, /metrics for Prometheus (token), /impressum; no login, no secrets.

Deliberately without url_prefix: /healthz and /metrics are the paths monitoring tools expect."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from beteiligung.extensions import csrf
from beteiligung.services.betrieb import health, metrics

bp = Blueprint("betrieb", __name__)


@bp.route("/healthz")
def healthz():
    healthy, checks = health.check()
    response = jsonify({"status": "ok" if healthy else "fehler", "pruefungen": checks})
    response.status_code = 200 if healthy else 503
    return response


@bp.route("/metrics")
def prometheus():
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        abort(404)  # metrics are off until METRICS_TOKEN is set
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return (
            "Anmeldung erforderlich (Authorization: Bearer METRICS_TOKEN).\n",
            401,
            {"Content-Type": "text/plain; charset=utf-8", "WWW-Authenticate": "Bearer"},
        )
    return metrics.render(), 200, {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}


@bp.route("/impressum")
def impressum():
    from beteiligung.services.betrieb.rechtliches import operator_info

    return render_template("betrieb/impressum.html", info=operator_info())


csrf.exempt(bp)
