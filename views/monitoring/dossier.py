"""Sozialraum-Dossier: one page per area, and the Sozialraumprofil as PDF and DOCX."""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_login import current_user

from beteiligung.exports import _disposition
from beteiligung.permissions import monitoring as mperm
from beteiligung.services import NotFound
from beteiligung.services.betrieb import jobs
from beteiligung.services.monitoring import dossier as svc

from . import bp

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _area(area_id):
    try:
        return svc.get_area(current_user, area_id)
    except NotFound:
        abort(404)


@bp.route("/gebiete/")
def dossier_index():
    if not mperm.can_work_monitoring(current_user):
        abort(404)
    return render_template("monitoring/dossiers.html", rows=svc.dossier_areas(current_user))


@bp.route("/gebiete/<int:area_id>")
def dossier(area_id):
    area = _area(area_id)
    d = svc.build(current_user, area)
    return render_template("monitoring/dossier.html", d=d)


@bp.route("/gebiete/<int:area_id>/sozialraumprofil.pdf")
def dossier_pdf(area_id):
    area = _area(area_id)
    if jobs.uses_queue():  # with a worker the PDF is made by the queue, not in this request
        return render_template(
            "betrieb/dokument_bestellen.html",
            title=f"Sozialraumprofil {area.name} als PDF",
            art="sozialraumprofil",
            fields={"area_id": area.id},
        )
    return Response(
        svc.profile_pdf(current_user, area),
        mimetype="application/pdf",
        headers={"Content-Disposition": _disposition(f"Sozialraumprofil-{area.code}.pdf")},
    )


@bp.route("/gebiete/<int:area_id>/sozialraumprofil.docx")
def dossier_docx(area_id):
    area = _area(area_id)
    return Response(
        svc.profile_docx(current_user, area),
        mimetype=DOCX_TYPE,
        headers={"Content-Disposition": _disposition(f"Sozialraumprofil-{area.code}.docx")},
    )
