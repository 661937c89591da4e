"""Planungsvorhaben: list, mandate form, timeline of the phases, assignments per phase."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.permissions import planung as pperm
from beteiligung.services import Conflict, NotFound, ServiceError, ValidationError
from beteiligung.services.planung import vorhaben as svc
from models import Area, Body, Committee, Term
from models.planung import AssignmentKind, PhaseStatus

from ..auswahl.fields import keep_current, prefetch, search_requested
from ..forms import after_conflict
from . import _raise_http, _status, bp
from .forms import PhaseForm, ProcessForm


def _process_or_404(process_id):
    try:
        return svc.get_process(current_user, process_id)
    except NotFound:
        abort(404)


def _use_or_403():
    if not pperm.can_use_processes(current_user):
        abort(403)


@bp.route("/vorhaben/")
def processes():
    _use_or_403()
    bodies = [
        b
        for b in db.session.scalars(select(Body).where(perm.body_filter(current_user)).order_by(Body.name))
        if pperm.can_view_controlling(current_user, b)
    ]
    return render_template(
        "planung/processes.html",
        processes=svc.list_processes(current_user),
        may_create=pperm.can_create_process(current_user),
        bodies=bodies,
    )


def _setup(form: ProcessForm, process):
    q = select(Body).where(perm.planner_body_filter(current_user)).order_by(Body.name)
    form.body_id.choices = [(b.id, b.name) for b in db.session.scalars(q)]
    if process is not None:
        form.body_id.choices = [(process.body_id, process.body.name)]
    form.mandate_committee_id.choices = [(None, "– kein Gremium der Plattform –")] + [
        (c.id, c.name)
        for c in db.session.scalars(
            select(Committee).where(perm.committee_filter(current_user)).order_by(Committee.name)
        )
    ]
    terms = db.session.scalars(
        select(Term).where(Term.vocabulary.in_(("handlungsfeld", "zielgruppe"))).order_by(Term.name)
    ).all()
    form.handlungsfeld_ids.choices = [(t.id, t.name) for t in terms if t.vocabulary == "handlungsfeld"]
    form.zielgruppe_ids.choices = [(t.id, t.name) for t in terms if t.vocabulary == "zielgruppe"]
    form.area_ids.choices = [
        (a.id, f"{a.code} {a.name}")
        for a in db.session.scalars(select(Area).where(perm.area_filter(current_user)).order_by(Area.code))
    ]


def _values(form):
    return {n: getattr(form, n).data for n in form._fields if n not in ("csrf_token", "version")}


@bp.route("/vorhaben/neu", methods=["GET", "POST"])
def process_create():
    if not pperm.can_create_process(current_user):
        abort(403)
    form = ProcessForm()
    _setup(form, None)
    if request.method == "POST" and form.validate():
        try:
            p = svc.save_process(current_user, None, _values(form))
            flash(f"Planungsvorhaben „{p.title}“ angelegt.", "success")
            return redirect(url_for(".process", process_id=p.id))
        except ValidationError as exc:
            form.apply_errors(exc.errors)
        except ServiceError as exc:
            _raise_http(exc)
    return render_template(
        "planung/process_form.html", form=form, title="Planungsvorhaben anlegen", back=url_for(".processes")
    ), _status(form)


@bp.route("/vorhaben/<int:process_id>/bearbeiten", methods=["GET", "POST"])
def process_edit(process_id):
    p = _process_or_404(process_id)
    if not pperm.can_manage_process(current_user, p):
        abort(403)
    form = ProcessForm(obj=p)
    _setup(form, p)
    if request.method == "GET":
        form.handlungsfeld_ids.data = [t.id for t in p.handlungsfelder]
        form.zielgruppe_ids.data = [t.id for t in p.zielgruppen]
        form.area_ids.data = [a.id for a in p.areas]
    if request.method == "POST" and form.validate():
        try:
            svc.save_process(current_user, p, _values(form), form.version.data)
            flash("Gespeichert.", "success")
            return redirect(url_for(".process", process_id=p.id))
        except Conflict as exc:
            form.conflict = after_conflict(form, exc, p)
        except ValidationError as exc:
            form.apply_errors(exc.errors)
        except ServiceError as exc:
            _raise_http(exc)
    return render_template(
        "planung/process_form.html",
        form=form,
        title="Planungsvorhaben bearbeiten",
        back=url_for(".process", process_id=p.id),
    ), _status(form)


def _phase_form(phase, formdata=None):
    form = PhaseForm(
        formdata=formdata,
        prefix=f"phase{phase.id}",
        data=None
        if formdata
        else {
            "status": phase.status,
            "start_date": phase.start_date,
            "end_date": phase.end_date,
            "responsible_id": phase.responsible_id,
        },
    )
    form.status.choices = [(s.value, s.label) for s in PhaseStatus]
    keep_current(form.responsible_id, phase.responsible_id)  # picker (views/auswahl)
    return form


def _page(p, phase_forms=None, error=None, code=200):
    may_manage = pperm.can_manage_process(current_user, p)
    forms = {ph.id: (phase_forms or {}).get(ph.id) or _phase_form(ph) for ph in p.phases} if may_manage else {}
    prefetch(f.responsible_id for f in forms.values())
    kind = request.values.get("art") or AssignmentKind.MASSNAHME.value
    if kind not in {k.value for k in AssignmentKind}:
        kind = AssignmentKind.MASSNAHME.value
    text = (request.values.get("suche") or "").strip()[:100]
    results = svc.search_items(current_user, kind, text) if may_manage else []
    return render_template(
        "planung/process.html",
        p=p,
        items=svc.items_per_phase(current_user, p),
        may_manage=may_manage,
        phase_forms=forms,
        kind=kind,
        suche=text,
        results=results,
        AssignmentKind=AssignmentKind,
        label=svc.item_label,
        error=error,
    ), code


@bp.route("/vorhaben/<int:process_id>")
def process(process_id):
    return _page(_process_or_404(process_id))


@bp.route("/vorhaben/<int:process_id>/phasen/<int:phase_id>", methods=["POST"])
def phase_update(process_id, phase_id):
    p = _process_or_404(process_id)
    if not pperm.can_manage_process(current_user, p):
        abort(403)
    phase = next((ph for ph in p.phases if ph.id == phase_id), None)
    if phase is None:
        abort(404)
    form = _phase_form(phase, formdata=request.form)
    if search_requested(form):  # the person picker's "Suchen" without JavaScript
        return _page(p, phase_forms={phase.id: form})
    if form.validate():
        try:
            svc.update_phase(
                current_user,
                phase,
                {
                    "status": form.status.data,
                    "start_date": form.start_date.data,
                    "end_date": form.end_date.data,
                    "responsible_id": form.responsible_id.data,
                },
            )
            flash(f"Phase „{phase.label}“ gespeichert.", "success")
            return redirect(url_for(".process", process_id=p.id) + f"#phase-{phase.id}")
        except ValidationError as exc:
            form.apply_errors(exc.errors)
        except ServiceError as exc:
            _raise_http(exc)
    return _page(p, phase_forms={phase.id: form}, code=422)


@bp.route("/vorhaben/<int:process_id>/zuordnen", methods=["POST"])
def process_assign(process_id):
    p = _process_or_404(process_id)
    try:
        svc.assign(current_user, p, request.form.get("phase_id"), request.form.get("art"), request.form.get("item_id"))
        flash("Zugeordnet.", "success")
        return redirect(url_for(".process", process_id=p.id))
    except ValidationError as exc:
        return _page(p, error=next(iter(exc.errors.values()), exc.message), code=422)
    except ServiceError as exc:
        _raise_http(exc)
        return _page(p, error=exc.message, code=exc.status)


@bp.route("/vorhaben/<int:process_id>/zuordnungen/<int:assignment_id>/loesen", methods=["POST"])
def process_unassign(process_id, assignment_id):
    p = _process_or_404(process_id)
    try:
        svc.unassign(current_user, p, assignment_id)
    except ServiceError as exc:
        _raise_http(exc)
    return redirect(url_for(".process", process_id=p.id))
