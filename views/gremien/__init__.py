"""Gremien und Sitzungen (blueprint `gremien`, /gremien): the blueprint and the getters the sub-pages share.
Committee list, page and form: gremien.py; Gremienarten: arten.py; memberships: mitglieder.py;
Themenspeicher: themen.py; meetings and the meeting page: sitzungen.py; agenda: tagesordnung.py;
documents on TOPs: dokumente.py; invitations, reminders, invitation PDF/DOCX: einladungen.py;
personal calendar feed: kalender.py."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services import ServiceError
from beteiligung.services.gremien import gremien as gremien_svc
from models import AgendaItem, Area, Body, Committee, Meeting, Term

bp = Blueprint("gremien", __name__, url_prefix="/gremien")


@bp.before_request
@login_required
def _login():
    return None


# --- choices ---------------------------------------------------------------------


def _body_choices():
    allowed = perm.writable_body_ids(current_user)
    bodies = db.session.scalars(select(Body).where(perm.body_filter(current_user)).order_by(Body.name)).all()
    return [(b.id, b.name) for b in bodies if allowed is None or b.id in allowed]


def _area_choices():
    areas = db.session.scalars(select(Area).where(perm.area_filter(current_user)).order_by(Area.code)).all()
    return [(a.id, f"{a.code} {a.name}") for a in areas]


def _term_choices(vocabularies=("handlungsfeld",)):
    terms = db.session.scalars(select(Term).where(Term.vocabulary.in_(vocabularies)).order_by(Term.name)).all()
    return [(t.id, t.name) for t in terms]


def _get_committee(committee_id) -> Committee:
    try:
        return gremien_svc.get_committee(current_user, committee_id)
    except ServiceError:
        abort(404)


def _get_meeting(meeting_id) -> Meeting:
    m = db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            joinedload(Meeting.committee).joinedload(Committee.body),
            selectinload(Meeting.agenda_items).selectinload(AgendaItem.terms),
            selectinload(Meeting.agenda_items).selectinload(AgendaItem.topics),
            selectinload(Meeting.agenda_items).selectinload(AgendaItem.documents),
        )
    )
    if m is None or not perm.can_view_meeting(current_user, m):
        abort(404)
    return m


def _manage(ok):
    if not ok:
        abort(403)


from . import (  # noqa: E402,F401  (the routes of the sub-pages register on bp above)
    arten,
    dokumente,
    einladungen,
    gremien,
    kalender,
    mitglieder,
    sitzungen,
    tagesordnung,
    themen,
)
