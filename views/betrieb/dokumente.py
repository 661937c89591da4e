"""Documents made by the job queue (issue 16): order (POST), the order's page ("wird erstellt" → download)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from beteiligung.exports import _disposition
from beteiligung.services import NotFound
from beteiligung.services.betrieb import dokumente as svc

bp = Blueprint("dokumente", __name__, url_prefix="/dokumente")

_ID_FIELDS = {"edition_id": "edition_id", "fokus": "focus_id", "area_id": "area_id", "paper_id": "paper_id"}


@bp.route("/", methods=["POST"])
@login_required
def order():
    params = {}
    for field, key in _ID_FIELDS.items():
        raw = request.form.get(field, "").strip()
        if raw:
            if not raw.isdigit() or len(raw) > 12:
                abort(404)
            params[key] = int(raw)
    try:
        job = svc.order(current_user, request.form.get("art", ""), **params)
    except NotFound:
        abort(404)
    return redirect(url_for(".show", job_id=job.id), 303)


def _job(job_id):
    try:
        return svc.get(current_user, job_id)
    except NotFound:
        abort(404)


@bp.route("/<int:job_id>")
@login_required
def show(job_id):
    return render_template("betrieb/dokument.html", job=_job(job_id))


@bp.route("/<int:job_id>/status")
@login_required
def status(job_id):
    job = _job(job_id)
    return jsonify({"status": job.status, "bezeichnung": job.status_enum.label})


@bp.route("/<int:job_id>/datei")
@login_required
def download(job_id):
    try:
        job, data = svc.load(current_user, job_id)
    except NotFound:
        abort(404)
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": _disposition(job.filename)})
