"""Auswahl (issues 14 and 15): the JSON search behind every person and organisation picker.

`GET /auswahl/personen?q=…&zweck=…`, `GET /auswahl/organisationen?q=…&zweck=…` and
`GET /auswahl/gremien?q=…&zweck=…` answer with at most 20 matches the user may choose for that purpose (the named filters of permissions.auswahl).
The form field that uses them lives in `views.auswahl.fields`.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_required

from beteiligung.services import auswahl as svc

bp = Blueprint("auswahl", __name__, url_prefix="/auswahl")


@bp.before_request
@login_required
def _login():
    return None


def _search(kind: str):
    search, _lookup, allowed = svc.KINDS[kind]
    zweck = request.args.get("zweck", "allgemein")
    if not allowed(current_user, zweck):
        abort(403)
    if not svc.allow_search(f"user:{current_user.id}"):
        response = jsonify(meldung="Zu viele Suchanfragen. Bitte einen Moment warten.", treffer=[], anzahl=0)
        response.status_code = 429
        response.headers["Retry-After"] = str(svc.WINDOW_SECONDS)
        return response
    try:
        text = svc.check_query(request.args.get("q"))
    except svc.SearchError as exc:
        response = jsonify(meldung=str(exc), treffer=[], anzahl=0)
        response.status_code = 400
        return response
    matches = search(current_user, text, zweck, limit=svc.LIMIT + 1)
    more = len(matches) > svc.LIMIT
    matches = matches[: svc.LIMIT]
    response = jsonify(treffer=[m.as_json() for m in matches], anzahl=len(matches), weitere=more)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/personen")
def personen():
    return _search("personen")


@bp.route("/organisationen")
def organisationen():
    return _search("organisationen")


@bp.route("/gremien")
def gremien():
    """Committees the user may see (the committee filter of Nachhalten)."""
    return _search("gremien")


@bp.route("/akteure")
def akteure():
    """Organisations and persons in one list (relation ends in the network)."""
    return _search("akteure")


from . import mitglieder  # noqa: E402,F401  (registers the take-over routes)
