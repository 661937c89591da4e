"""Gremien: Einladungen (Auswahl, Bestätigung, Versand), Erinnerungen, Einladung als PDF/DOCX."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.formatting import anzahl
from beteiligung.services import ServiceError
from beteiligung.services.gremien import einladungen as inv_svc
from models import Membership

from ..auswahl.fields import search_requested
from ..forms import fail
from . import _area_choices, _get_meeting, _manage, _term_choices, bp
from .forms import InviteFilterForm


def _setup_invite_form(form, m):
    members = db.session.scalars(
        select(Membership).where(Membership.committee_id == m.committee_id).options(joinedload(Membership.organisation))
    ).all()
    orgs = sorted({(x.organisation.id, x.organisation.name) for x in members if x.organisation}, key=lambda t: t[1])
    form.organisation_ids.choices = orgs
    form.area_ids.choices = _area_choices()
    form.term_ids.choices = _term_choices(("handlungsfeld", "zielgruppe", "thema"))
    from models import ROLE_ADMIN, ROLE_LABELS

    form.roles.choices = [(k, v) for k, v in ROLE_LABELS.items() if k != ROLE_ADMIN]


@bp.route("/sitzungen/<int:meeting_id>/einladen", methods=["GET", "POST"])
def invite(meeting_id):
    m = _get_meeting(meeting_id)
    _manage(perm.can_manage_meeting(current_user, m))
    form = InviteFilterForm()
    _setup_invite_form(form, m)
    step = request.form.get("schritt", "auswahl")
    preview = None
    status = 200
    if request.method == "POST" and search_requested(form):
        pass  # "Suchen" of the person picker without JavaScript: the form again with the matches
    elif request.method == "POST" and form.validate_on_submit():
        preview = inv_svc.candidates(
            m,
            circles=form.circles.data or None,
            mandate_only=form.mandate_only.data,
            organisation_ids=form.organisation_ids.data or None,
            area_ids=form.area_ids.data or None,
            term_ids=form.term_ids.data or None,
            person_ids=form.person_ids.data or None,
            roles=form.roles.data or None,
        )
        if step == "senden":
            try:
                created = inv_svc.invite(current_user, m, preview[0], request.form.get("anzahl", type=int))
                flash(
                    f"{anzahl(len(created), 'Einladung mit Kalendereintrag liegt', 'Einladungen mit Kalendereintrag liegen')} im Postausgang.",
                    "success",
                )
                return redirect(url_for(".meeting", meeting_id=m.id) + "#einladungen", 303)
            except ServiceError as exc:
                fail(exc)
                status = exc.status if exc.status == 409 else 422
    elif request.method == "POST":
        status = 422
    return render_template("gremien/invite.html", m=m, form=form, preview=preview), status


@bp.route("/sitzungen/<int:meeting_id>/erinnern", methods=["POST"])
def remind(meeting_id):
    m = _get_meeting(meeting_id)
    _manage(perm.can_manage_meeting(current_user, m))
    n = inv_svc.remind(current_user, m)
    flash(
        f"{anzahl(n, 'Erinnerung an Eingeladene ohne Antwort liegt', 'Erinnerungen an Eingeladene ohne Antwort liegen')} im Postausgang."
        if n
        else "Niemand ist zu erinnern (alle haben geantwortet oder wurden in den letzten 24 Stunden erinnert).",
        "success" if n else "info",
    )
    return redirect(url_for(".meeting", meeting_id=m.id) + "#einladungen", 303)


@bp.route("/sitzungen/<int:meeting_id>/einladung.<fmt>")
def invitation_document(meeting_id, fmt):
    from beteiligung.services.gremien import dokumente as docs

    m = _get_meeting(meeting_id)
    internal = perm.can_view_internal_items(current_user, m)
    if fmt == "pdf":
        data = docs.invitation_pdf(m, internal)
        mimetype = "application/pdf"
    elif fmt == "docx":
        data = docs.invitation_docx(m, internal)
        mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        abort(404)
    filename = f"einladung-{m.start:%Y-%m-%d}-{m.id}.{fmt}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
