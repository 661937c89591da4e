"""Werkstatt (issue 18): Terminabstimmung. Blueprint `werkstatt` at /werkstatt."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

bp = Blueprint("werkstatt", __name__, url_prefix="/werkstatt")

# Pages for people without an account (token links).
PUBLIC_ENDPOINTS = {"werkstatt.poll_answer"}


@bp.before_request
def _login():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        from beteiligung.extensions import login_manager

        return login_manager.unauthorized()
    return None


from . import boards, polls  # noqa: E402,F401  (registers the routes)
