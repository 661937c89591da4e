"""Sozialbericht of an edition: the planner's text blocks, Handlungsfelder of the indicators,
DOCX and PDF, and the Fokusbericht for one Handlungsfeld."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from beteiligung.exports import _disposition
from beteiligung.extensions import db
from beteiligung.permissions import monitoring as mperm
from beteiligung.services import Conflict, NotFound, PermissionDenied, ServiceError
from beteiligung.services.betrieb import jobs
from beteiligung.services.monitoring import bericht as svc
from beteiligung.services.monitoring import index as index_svc
from models import Handlungsfeld

from ..forms import Form, VersionField, after_conflict
from . import bp

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ReportForm(Form):
    title = StringField("Titel des Berichts", validators=[DataRequired("Bitte einen Titel angeben."), Length(max=250)])
    einleitung = TextAreaField(
        "Einleitung",
        validators=[Length(max=svc.MAX_TEXT)],
        description="Markdown: Leerzeile für einen neuen Absatz, „- “ für Aufzählungen, **fett**.",
    )
    befunde = TextAreaField("Zentrale Befunde", validators=[Length(max=svc.MAX_TEXT)])
    ausblick = TextAreaField("Ausblick und Empfehlungen", validators=[Length(max=svc.MAX_TEXT)])
    version = VersionField()


def _edition(edition_id):
    try:
        return index_svc.get_edition(current_user, edition_id)
    except NotFound:
        abort(404)


def _focus():
    raw = request.args.get("fokus", "")
    if not raw:
        return None
    if not raw.isdigit():
        abort(404)
    term = db.session.get(Handlungsfeld, int(raw))
    if term is None:
        abort(404)
    return term


@bp.route("/ausgaben/<int:edition_id>/bericht", methods=["GET", "POST"])
def report(edition_id):
    edition = _edition(edition_id)
    if not mperm.can_work_monitoring(current_user):
        abort(404)
    may_edit = mperm.can_edit_report(current_user, edition)
    existing = svc.report_for(edition)
    form = ReportForm(obj=existing)
    if request.method == "GET" and existing is None:
        form.title.data = f"Sozialbericht {edition.body.name} {edition.reference_date.year}"
    status, conflict = 200, None
    if request.method == "POST":
        if not may_edit:
            abort(403)
        if form.validate_on_submit():
            values = {"title": form.title.data, **{n: getattr(form, n).data for n in svc.TEXT_FIELDS}}
            try:
                svc.save_texts(current_user, edition, values, form.version.data if existing else None)
            except Conflict as exc:
                conflict, status = after_conflict(form, exc, existing), 409
            except ServiceError as exc:
                form.apply_errors(exc.errors)
                status = exc.status
            else:
                flash("Textbausteine gespeichert.", "success")
                return redirect(url_for(".report", edition_id=edition.id)), 303
        else:
            status = 422
    fields = list(db.session.scalars(select(Handlungsfeld).order_by(Handlungsfeld.name)))
    indicators = svc.edition_indicators(edition)
    return render_template(
        "monitoring/bericht.html",
        edition=edition,
        form=form,
        may_edit=may_edit,
        conflict=conflict,
        fields=fields,
        indicators=indicators,
        may_tag={i.id: mperm.can_manage_stat_indicator(current_user, i) for i in indicators},
    ), status


@bp.route("/ausgaben/<int:edition_id>/bericht/handlungsfelder", methods=["POST"])
def report_fields(edition_id):
    edition = _edition(edition_id)
    if not mperm.can_work_monitoring(current_user):
        abort(404)
    indicators = {str(i.id): i for i in svc.edition_indicators(edition)}
    indicator = indicators.get(request.form.get("indikator", ""))
    if indicator is None:
        abort(404)
    try:
        ids = [int(v) for v in request.form.getlist("handlungsfeld")]
    except ValueError:
        abort(400)
    try:
        svc.set_indicator_fields(current_user, indicator, ids)
    except PermissionDenied:
        abort(403)
    except ServiceError as exc:
        flash(exc.message if not exc.errors else " ".join(exc.errors.values()), "danger")
        return redirect(url_for(".report", edition_id=edition.id) + "#handlungsfelder"), 303
    flash(f"Handlungsfelder von „{indicator.name}“ gespeichert.", "success")
    return redirect(url_for(".report", edition_id=edition.id) + "#handlungsfelder"), 303


def _filename(edition, focus, ext):
    base = f"Sozialbericht-{edition.reference_date.isoformat()}"
    if focus is not None:
        base = f"Fokusbericht-{focus.name}-{edition.reference_date.isoformat()}"
    return f"{base}.{ext}"


@bp.route("/ausgaben/<int:edition_id>/sozialbericht.<any(docx, pdf):fmt>")
def report_file(edition_id, fmt):
    edition = _edition(edition_id)
    if not mperm.can_work_monitoring(current_user):
        abort(404)
    focus = _focus()
    if fmt == "pdf" and jobs.uses_queue():  # with a worker the PDF is made by the queue, not in this request
        fields = {"edition_id": edition.id} | ({"fokus": focus.id} if focus is not None else {})
        return render_template(
            "betrieb/dokument_bestellen.html", title="Sozialbericht als PDF", art="sozialbericht", fields=fields
        )
    build, mimetype = (svc.report_docx, DOCX_TYPE) if fmt == "docx" else (svc.report_pdf, "application/pdf")
    return Response(
        build(current_user, edition, focus),
        mimetype=mimetype,
        headers={"Content-Disposition": _disposition(_filename(edition, focus, fmt))},
    )
