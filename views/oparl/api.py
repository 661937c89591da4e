"""The OParl 1.1 JSON API: GET only, no login, no cookies needed, CORS for everyone."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response, current_app, request

from beteiligung.services import NotFound
from beteiligung.services.oparl import api as oparl
from beteiligung.services.oparl.papers import get_public_file

from . import bp

LIST_KINDS = (
    "organization",
    "person",
    "meeting",
    "paper",
    "agendaItem",
    "consultation",
    "file",
    "location",
    "legislativeTerm",
    "membership",
)
OBJECT_KINDS = tuple(oparl.TYPE_NAMES)


def _json(data, status: int = 200) -> Response:
    resp = Response(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), status=status, mimetype="application/json"
    )
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cache-Control"] = "public, max-age=300" if status == 200 else "no-store"
    resp.headers["Vary"] = "Accept-Encoding"
    return resp


def error(status: int, message: str, debug: str | None = None) -> Response:
    data = {"type": oparl.OPARL + "Error", "message": message}
    if debug:
        data["debug"] = debug
    return _json(data, status)


def _list(kind: str, body_id: int | None = None, committee_id: int | None = None) -> Response:
    try:
        filters = oparl.Filters.from_args(request.args)
    except oparl.BadFilter as exc:
        return error(
            400,
            str(exc),
            "created_since, created_until, modified_since und modified_until erwarten eine date-time nach RFC 3339.",
        )
    per_page = oparl.page_size(request.args.get("limit"))
    page = request.args.get("page", 1, type=int) or 1
    if page < 1:
        return error(400, "Die Seitenzahl muss 1 oder größer sein.")
    data, total = oparl.list_page(kind, filters, page, per_page, body_id=body_id, committee_id=committee_id)
    if request.args.get("omit_internal") == "true":
        data = [oparl.omit_internal(o) for o in data]
    pages = max((total + per_page - 1) // per_page, 1)
    if page > pages:
        return error(404, f"Diese Liste hat nur {pages} Seite(n).")
    keep = {
        k: v
        for k, v in request.args.items()
        if k in ("created_since", "created_until", "modified_since", "modified_until", "limit", "omit_internal")
    }
    base = current_app.config["BASE_URL"] + request.path

    def link(n: int) -> str:
        args = dict(keep)
        if n > 1:
            args["page"] = n
        return base + (("?" + urlencode(args)) if args else "")

    links = {"first": link(1), "self": link(page), "last": link(pages)}
    if page > 1:
        links["prev"] = link(page - 1)
    if page < pages:
        links["next"] = link(page + 1)
    return _json(
        {
            "data": data,
            "pagination": {
                "totalElements": total,
                "elementsPerPage": per_page,
                "currentPage": page,
                "totalPages": pages,
            },
            "links": links,
        }
    )


@bp.route("/")
def system():
    return _json(oparl.system())


@bp.route("/body")
def bodies():
    return _list("body")


@bp.route("/body/<int:body_id>/<kind>")
def body_list(body_id, kind):
    if kind not in LIST_KINDS or oparl.get_object("body", str(body_id)) is None:
        return error(404, "Diese Liste gibt es nicht.")
    return _list(kind, body_id=body_id)


@bp.route("/organization/<key>/meeting")
def organization_meetings(key):
    prefix, _, raw = key.partition("-")
    obj = oparl.get_object("organization", key) if prefix == "gremium" else None
    if obj is None or obj.get("deleted"):
        return error(404, "Diese Gruppierung hat keine öffentlichen Sitzungen.")
    return _list("meeting", committee_id=int(raw))


@bp.route("/<kind>/<ident>")
def obj(kind, ident):
    if kind not in OBJECT_KINDS:
        return error(404, "Diesen Objekttyp gibt es nicht.", f"Bekannt: {', '.join(OBJECT_KINDS)}")
    data = oparl.get_object(kind, ident)
    if data is None:
        return error(404, "Dieses Objekt gibt es nicht oder es ist nicht öffentlich.")
    return _json(data)


def _file_response(file_id: int, attachment: bool) -> Response:
    try:
        f = get_public_file(file_id)
    except NotFound as exc:
        return error(404, exc.message)
    resp = Response(f.data, mimetype=f.mime_type)
    disposition = "attachment" if attachment else "inline"
    resp.headers["Content-Disposition"] = f'{disposition}; filename="{f.file_name}"'
    resp.headers["Cache-Control"] = "public, max-age=3600"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.set_etag(f.sha1)
    return resp.make_conditional(request)


@bp.route("/file/<int:file_id>/zugriff")
def file_access(file_id):
    return _file_response(file_id, attachment=False)


@bp.route("/file/<int:file_id>/download")
def file_download(file_id):
    return _file_response(file_id, attachment=True)


@bp.route("/<path:rest>")
def unknown(rest):
    return error(404, "Diese Adresse gibt es in der OParl-Schnittstelle nicht.")
