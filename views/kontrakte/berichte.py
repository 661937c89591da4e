"""Kontrakte: Berichte der Partner (meine Berichte, Bericht erfassen, Anhänge, prüfen)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services import Conflict, ServiceError, ValidationError
from beteiligung.services.kontrakte import anhaenge as anhaenge_svc
from beteiligung.services.kontrakte import berichte as berichte_svc
from beteiligung.services.kontrakte import ziele as ziele_svc
from beteiligung.services.kontrakte.kennzahlen import (
    compact_de,
    evaluate,
)
from beteiligung.uow import discard
from models.contracts import (
    LOCKED_STATES,
    Contract,
    ContractParty,
    Indicator,
    Report,
    ReportingDuty,
)

from . import LIST_OPTIONS, bp
from .forms import (
    ReviewForm,
    UploadForm,
)

# --- reports -----------------------------------------------------------------------------


@bp.route("/meine")
def mine():
    cond = perm.own_report_party_filter(current_user)
    reports = db.session.scalars(
        select(Report)
        .join(ReportingDuty, Report.duty_id == ReportingDuty.id)
        .join(ContractParty, ReportingDuty.party_id == ContractParty.id)
        .join(Contract, Report.contract_id == Contract.id)
        .where(cond, Contract.status.in_(LOCKED_STATES), Report.period_end <= date.today() + timedelta(days=366))
        .options(joinedload(Report.contract), joinedload(Report.duty))
        .order_by(Report.due_date)
    ).all()
    contracts = db.session.scalars(
        select(Contract).where(Contract.parties.any(cond)).options(*LIST_OPTIONS).order_by(Contract.title)
    ).all()
    today = date.today()
    due = [r for r in reports if r.editable and r.period_end <= today and r.contract.in_force]
    other = [r for r in reports if r not in due]
    return render_template("kontrakte/mine.html", due=due, other=other, contracts=contracts, today=today)


def _report_or_404(report_id) -> Report:
    report = db.session.scalar(
        select(Report)
        .where(Report.id == report_id)
        .options(
            joinedload(Report.contract).selectinload(Contract.indicators).selectinload(Indicator.measurements),
            joinedload(Report.duty).joinedload(ReportingDuty.party),
            selectinload(Report.attachments),
        )
    )
    if report is None or not perm.can_view_report(current_user, report):
        abort(404)
    return report


def _render_report(report, errors=None, values=None, narrative=None, status=200, conflict=None):
    reason = berichte_svc.report_closed_reason(report)
    may_submit = perm.can_submit_report(current_user, report) and reason is None
    rows = []
    for ind in report.contract.indicators:
        ev = evaluate(ind)
        soll = ziele_svc.soll_for(ind, report.period_end)
        current = next((m for m in ind.measurements if m.period_end == report.period_end), None)
        value = (values or {}).get(ind.id)
        if value is None and current is not None:
            value = compact_de(current.value)
        row = next((r for r in ev.rows if r.day == report.period_end), None)
        rows.append(
            {
                "ind": ind,
                "value": value or "",
                "error": (errors or {}).get(f"wert_{ind.id}"),
                "row": row,
                "target": ev.target,
                "soll": soll,
            }
        )
    return render_template(
        "kontrakte/report.html",
        report=report,
        rows=rows,
        reason=reason,
        may_submit=may_submit,
        narrative=report.narrative if narrative is None else narrative,
        errors=errors or {},
        conflict=conflict,
        review_form=ReviewForm() if perm.can_review_report(current_user, report) else None,
        upload_form=UploadForm(),
    ), status


@bp.route("/berichte/<int:report_id>", methods=["GET", "POST"])
def report(report_id):
    rep = _report_or_404(report_id)
    if request.method == "GET":
        return _render_report(rep)
    if not perm.can_submit_report(current_user, rep):
        abort(403)
    values = {ind.id: request.form.get(f"wert_{ind.id}", "") for ind in rep.contract.indicators}
    narrative = request.form.get("narrative", "")
    submit = request.form.get("aktion") == "einreichen"
    try:
        berichte_svc.save_report(current_user, rep, values, narrative, request.form.get("version"), submit=submit)
    except ValidationError as exc:
        discard()
        rep = _report_or_404(report_id)
        return _render_report(rep, exc.errors or {"_": exc.message}, values, narrative, 422)
    except Conflict as exc:
        discard()
        rep = _report_or_404(report_id)
        return _render_report(rep, {}, values, narrative, 409, conflict=exc.message)
    flash("Bericht eingereicht. Vielen Dank!" if submit else "Zwischenstand gespeichert.", "success")
    return redirect(url_for(".report", report_id=rep.id), 303)


@bp.route("/berichte/<int:report_id>/anhaenge", methods=["POST"])
def report_upload(report_id):
    rep = _report_or_404(report_id)
    if not perm.can_submit_report(current_user, rep):
        abort(403)
    file = request.files.get("file")
    try:
        anhaenge_svc.save_attachment(
            current_user,
            rep.contract,
            file.filename if file else "",
            file.read() if file else b"",
            report=rep,
            description=request.form.get("description"),
        )
        flash("Datei hochgeladen.", "success")
    except ServiceError as exc:
        discard()
        rep = _report_or_404(report_id)
        return _render_report(rep, exc.errors or {"_": exc.message}, status=exc.status)
    return redirect(url_for(".report", report_id=rep.id), 303)


@bp.route("/berichte/<int:report_id>/pruefen", methods=["POST"])
def review(report_id):
    rep = _report_or_404(report_id)
    if not perm.can_review_report(current_user, rep):
        abort(403)
    form = ReviewForm()
    accept = request.form.get("aktion") == "annehmen"
    try:
        if not form.validate():
            raise ValidationError({"comment": " ".join(e for errs in form.errors.values() for e in errs)})
        berichte_svc.review_report(current_user, rep, accept, form.comment.data, form.version.data)
    except ServiceError as exc:
        discard()
        rep = _report_or_404(report_id)
        msg = exc.message if not exc.errors else " ".join(exc.errors.values())
        return _render_report(rep, {"review": msg}, status=exc.status)
    flash("Bericht angenommen." if accept else "Bericht an den Partner zurückgegeben.", "success")
    return redirect(url_for(".report", report_id=rep.id), 303)
