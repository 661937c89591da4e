"""Stellungnahmeverfahren: planners send a draft; partners answer until the deadline."""

from __future__ import annotations

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.permissions import planung as pperm
from beteiligung.services import Conflict, NotFound, ServiceError, ValidationError
from beteiligung.services.planung import stellungnahmen as svc
from models import Body, Organisation
from models.planung import PlanningProcess, Statement, Uptake

from ..auswahl.fields import search_requested
from ..forms import after_conflict
from . import _raise_http, _status, bp
from .forms import ConsultationForm, StatementForm, UptakeForm


def _consultation_or_404(consultation_id):
    try:
        return svc.get_consultation(current_user, consultation_id)
    except NotFound:
        abort(404)


@bp.route("/stellungnahmen/")
def consultations():
    return render_template(
        "planung/consultations.html",
        items=svc.list_consultations(current_user),
        may_create=pperm.can_create_consultation(current_user),
    )


def _setup(form):
    q = select(Body).where(perm.planner_body_filter(current_user)).order_by(Body.name)
    form.body_id.choices = [(b.id, b.name) for b in db.session.scalars(q)]
    form.process_id.choices = [(None, "– keinem Vorhaben zugeordnet –")] + [
        (p.id, p.title)
        for p in db.session.scalars(
            select(PlanningProcess).where(pperm.process_filter(current_user)).order_by(PlanningProcess.title)
        )
        if pperm.can_manage_process(current_user, p)
    ]


@bp.route("/stellungnahmen/neu", methods=["GET", "POST"])
def consultation_create():
    if not pperm.can_create_consultation(current_user):
        abort(403)
    form = ConsultationForm()
    _setup(form)
    if request.method == "POST" and not search_requested(form) and form.validate():
        file = request.files.get("file")
        values = {
            n: getattr(form, n).data
            for n in ("title", "body_id", "process_id", "description", "deadline", "organisation_ids")
        }
        try:
            c = svc.create_consultation(
                current_user, values, file.filename if file else "", file.read() if file else b""
            )
            flash("Verfahren angelegt. Prüfen Sie den Entwurf und versenden Sie die Anfrage.", "success")
            return redirect(url_for(".consultation", consultation_id=c.id))
        except ValidationError as exc:
            form.apply_errors(exc.errors)
            if not exc.errors:
                flash(exc.message, "danger")
        except ServiceError as exc:
            _raise_http(exc)
    return render_template("planung/consultation_form.html", form=form), _status(form)


def _page(c, statement_form=None, uptake_forms=None, code=200):
    manage = pperm.can_manage_consultation(current_user, c)
    own_orgs = pperm.consultation_org_ids(current_user, c)
    if statement_form is None and pperm.can_submit_statement(current_user, c):
        own = next((s for s in c.statements if s.organisation_id in own_orgs), None)
        statement_form = StatementForm(formdata=None, data={"text": own.text if own else ""})
    if statement_form is not None:
        statement_form.organisation_id.choices = [
            (o.id, o.name)
            for o in db.session.scalars(
                select(Organisation).where(Organisation.id.in_(own_orgs or {0})).order_by(Organisation.name)
            )
        ]
    forms = {}
    if manage:
        for st in c.statements:
            f = (uptake_forms or {}).get(st.id) or UptakeForm(
                formdata=None,
                prefix=f"st{st.id}",
                data={"version": st.version, "uptake": st.uptake, "uptake_note": st.uptake_note},
            )
            f.uptake.choices = [(u.value, u.label) for u in Uptake]
            forms[st.id] = f
    statements = [s for s in c.statements if pperm.can_view_statement(current_user, s)]
    return render_template(
        "planung/consultation.html",
        c=c,
        manage=manage,
        overview=svc.overview(c),
        statements=statements,
        statement_form=statement_form,
        uptake_forms=forms,
        late=svc.deadline_passed(c),
        own_orgs=own_orgs,
    ), code


@bp.route("/stellungnahmen/<int:consultation_id>")
def consultation(consultation_id):
    return _page(_consultation_or_404(consultation_id))


@bp.route("/stellungnahmen/<int:consultation_id>/senden", methods=["POST"])
def consultation_send(consultation_id):
    c = _consultation_or_404(consultation_id)
    if not pperm.can_manage_consultation(current_user, c):
        abort(403)
    try:
        n = svc.send(current_user, c, request.form.get("version"))
        flash(f"Anfrage versandt ({n} Mail(s) im Postausgang).", "success")
    except Conflict as exc:
        flash(exc.message, "danger")
        return _page(c, code=409)
    except ValidationError as exc:
        flash(exc.message, "danger")
        return _page(c, code=422)
    return redirect(url_for(".consultation", consultation_id=c.id))


@bp.route("/stellungnahmen/<int:consultation_id>/stellungnahme", methods=["POST"])
def statement_submit(consultation_id):
    c = _consultation_or_404(consultation_id)
    if not pperm.can_submit_statement(current_user, c):
        abort(403)
    form = StatementForm()
    form.organisation_id.choices = [(o, "") for o in pperm.consultation_org_ids(current_user, c)]
    if form.validate():
        file = request.files.get("file")
        data = file.read() if file and file.filename else None
        try:
            svc.submit_statement(
                current_user, c, form.organisation_id.data, form.text.data, file.filename if data else None, data
            )
            flash("Stellungnahme abgegeben. Vielen Dank!", "success")
            return redirect(url_for(".consultation", consultation_id=c.id) + "#stellungnahme")
        except ValidationError as exc:
            form.apply_errors(exc.errors)
        except ServiceError as exc:
            _raise_http(exc)
    return _page(c, statement_form=form, code=422)


@bp.route("/stellungnahmen/<int:consultation_id>/bewertung/<int:statement_id>", methods=["POST"])
def statement_uptake(consultation_id, statement_id):
    c = _consultation_or_404(consultation_id)
    if not pperm.can_manage_consultation(current_user, c):
        abort(403)
    st = next((s for s in c.statements if s.id == statement_id), None)
    if st is None:
        abort(404)
    form = UptakeForm(prefix=f"st{st.id}")
    form.uptake.choices = [(u.value, u.label) for u in Uptake]
    if form.validate():
        try:
            svc.set_uptake(current_user, st, form.uptake.data, form.uptake_note.data, form.version.data)
            flash(f"Bewertung der Stellungnahme von {st.organisation.name} gespeichert.", "success")
            return redirect(url_for(".consultation", consultation_id=c.id) + f"#st-{st.id}")
        except Conflict as exc:
            form.conflict = after_conflict(form, exc, st)
            return _page(c, uptake_forms={st.id: form}, code=409)
        except ValidationError as exc:
            form.apply_errors(exc.errors)
        except ServiceError as exc:
            _raise_http(exc)
    return _page(c, uptake_forms={st.id: form}, code=422)


def _send(stored, content_type, filename):
    data = svc.file_data(stored)
    if data is None:
        abort(404)
    return send_file(io.BytesIO(data), mimetype=content_type, as_attachment=True, download_name=filename)


@bp.route("/stellungnahmen/<int:consultation_id>/entwurf")
def consultation_draft(consultation_id):
    c = _consultation_or_404(consultation_id)
    return _send(c.draft_stored_name, c.draft_content_type, c.draft_filename)


@bp.route("/stellungnahmen/anlage/<int:statement_id>")
def statement_file(statement_id):
    st = db.session.get(Statement, statement_id)
    if st is None or not st.stored_name or not pperm.can_view_statement(current_user, st):
        abort(404)
    return _send(st.stored_name, st.content_type, st.filename)


@bp.route("/stellungnahmen/<int:consultation_id>/gesamt.pdf")
def consultation_pdf(consultation_id):
    c = _consultation_or_404(consultation_id)
    if not pperm.can_manage_consultation(current_user, c):
        abort(403)
    response = current_app.response_class(svc.final_pdf(current_user, c), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="stellungnahmen-{c.id}.pdf"'
    return response
