"""Gremien: Liste, Gremienseite (Mitglieder, Sitzungen, Themenspeicher seitenweise), anlegen, bearbeiten."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services.gremien import gremien as gremien_svc
from models import AgendaItem, Area, Committee, CommitteeType, Meeting, Membership, Person, Term, TopicProposal, utcnow
from models.committees import MeetingStatus

from ..forms import submit
from ..seiten import sql_page
from . import _area_choices, _body_choices, _get_committee, _manage, _term_choices, bp
from .forms import CommitteeForm, MembershipForm, TopicForm
from .mitglieder import _setup_member_form


@bp.route("/")
def index():
    q = (
        select(Committee)
        .where(perm.committee_filter(current_user))
        .options(joinedload(Committee.body), selectinload(Committee.areas))
    )
    typ = request.args.get("art", type=int)
    if typ:
        q = q.where(Committee.type_id == typ)
    text = (request.args.get("q") or "").strip()[:100]
    if text:
        q = q.where(func.lower(Committee.name).contains(text.lower(), autoescape=True))
    page = max(request.args.get("seite", 1, type=int), 1)
    pagination = db.paginate(q.order_by(Committee.name), page=page, per_page=25, error_out=False)
    ids = [c.id for c in pagination.items]
    now = utcnow()
    next_meeting, members = {}, {}
    if ids:
        next_meeting = dict(
            db.session.execute(
                select(Meeting.committee_id, func.min(Meeting.start))
                .where(Meeting.committee_id.in_(ids), Meeting.start >= now, Meeting.status != MeetingStatus.ABGESAGT)
                .group_by(Meeting.committee_id)
            ).all()
        )
        members = dict(
            db.session.execute(
                select(Membership.committee_id, func.count(Membership.id))
                .where(Membership.committee_id.in_(ids))
                .group_by(Membership.committee_id)
            ).all()
        )
    types = db.session.scalars(select(CommitteeType).order_by(CommitteeType.name)).all()
    return render_template(
        "gremien/index.html",
        pagination=pagination,
        next_meeting=next_meeting,
        members=members,
        types=types,
        q=text,
        art=typ,
    )


def _setup_committee_form(form, obj=None):
    form.type_id.choices = [
        (t.id, t.name) for t in db.session.scalars(select(CommitteeType).order_by(CommitteeType.name))
    ]
    form.body_id.choices = _body_choices()
    if obj is not None and obj.body_id not in {c[0] for c in form.body_id.choices}:
        form.body_id.choices.append((obj.body_id, obj.body.name))
    form.areas.choices = _area_choices()
    form.terms.choices = _term_choices(("handlungsfeld", "thema"))


def _committee_values(form):
    ids_a, ids_t = form.areas.data or [], form.terms.data or []
    return {
        "name": form.name.data,
        "type_id": form.type_id.data,
        "body_id": form.body_id.data,
        "purpose": form.purpose.data or None,
        "is_public": form.is_public.data,
        "cadence": form.cadence.data or None,
        "quorum": form.quorum.data,
        "active": form.active.data,
        "areas": list(db.session.scalars(select(Area).where(Area.id.in_(ids_a)))) if ids_a else [],
        "terms": list(db.session.scalars(select(Term).where(Term.id.in_(ids_t)))) if ids_t else [],
    }


@bp.route("/neu", methods=["GET", "POST"])
def create():
    _manage(perm.can_create_committee(current_user))
    form = CommitteeForm()
    _setup_committee_form(form)
    if request.method == "GET" and form.body_id.choices:
        form.body_id.data = form.body_id.choices[0][0]
    done = submit(
        form,
        lambda: gremien_svc.create_committee(current_user, _committee_values(form)),
        success=lambda c: f"Gremium „{c.name}“ wurde angelegt.",
        to=lambda c: url_for(".detail", committee_id=c.id),
    )
    return done.response or (render_template("gremien/committee_form.html", form=form, obj=None), done.status)


@bp.route("/<int:committee_id>/bearbeiten", methods=["GET", "POST"])
def edit(committee_id):
    c = _get_committee(committee_id)
    _manage(perm.can_manage_committee(current_user, c))
    form = CommitteeForm(obj=c)
    _setup_committee_form(form, c)
    if request.method == "GET":
        form.areas.data = [a.id for a in c.areas]
        form.terms.data = [t.id for t in c.terms]
    done = submit(
        form,
        lambda: gremien_svc.update_committee(current_user, c, _committee_values(form), form.version.data),
        success="Gremium wurde gespeichert.",
        to=url_for(".detail", committee_id=c.id),
        stale=c,
    )
    return done.response or (
        render_template("gremien/committee_form.html", form=form, obj=c, conflict=done.conflict),
        done.status,
    )


MEMBERS_PER_PAGE = 50
MEETINGS_PER_PAGE = 20
TOPICS_PER_PAGE = 20
UPCOMING_CHOICES = 10


@bp.route("/<int:committee_id>")
def detail(committee_id):
    c = db.session.scalar(
        select(Committee)
        .where(Committee.id == committee_id)
        .options(joinedload(Committee.body), selectinload(Committee.areas), selectinload(Committee.terms))
    )
    if c is None or not perm.can_view_committee(current_user, c):
        abort(404)
    # Page-first lists (views/seiten.py): each list counts in SQL and loads one page only.
    memberships = sql_page(
        select(Membership.id)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.committee_id == c.id)
        .order_by(Membership.circle.desc(), Person.last_name, Person.first_name, Membership.id),
        lambda ids: (
            select(Membership)
            .where(Membership.id.in_(ids))
            .options(joinedload(Membership.person), joinedload(Membership.organisation), joinedload(Membership.deputy))
        ),
        per_page=MEMBERS_PER_PAGE,
        param="mitglieder",
    )
    meetings = sql_page(
        select(Meeting).where(Meeting.committee_id == c.id).order_by(Meeting.start.desc(), Meeting.id.desc()),
        per_page=MEETINGS_PER_PAGE,
        param="sitzungen",
    )
    topics = None
    if perm.can_view_topics(current_user, c):
        topics = sql_page(
            select(TopicProposal.id)
            .where(TopicProposal.committee_id == c.id)
            .order_by(TopicProposal.status != "offen", TopicProposal.created_at.desc(), TopicProposal.id.desc()),
            lambda ids: (
                select(TopicProposal)
                .where(TopicProposal.id.in_(ids))
                .options(
                    joinedload(TopicProposal.agenda_item).joinedload(AgendaItem.meeting),
                    joinedload(TopicProposal.proposed_by),
                )
            ),
            per_page=TOPICS_PER_PAGE,
            param="themen",
        )
    now = utcnow()
    # The meetings a topic can be put on: the next few, not every future meeting of a long series.
    upcoming = db.session.scalars(
        select(Meeting)
        .where(Meeting.committee_id == c.id, Meeting.end >= now, Meeting.status != MeetingStatus.ABGESAGT)
        .order_by(Meeting.start, Meeting.id)
        .limit(UPCOMING_CHOICES)
    ).all()
    manage = perm.can_manage_committee(current_user, c)
    member_form = None
    if manage:
        member_form = MembershipForm(prefix="m")
        _setup_member_form(member_form)
    return render_template(
        "gremien/detail.html",
        c=c,
        memberships=memberships,
        meetings=meetings,
        upcoming=upcoming,
        topics=topics,
        manage=manage,
        member_form=member_form,
        topic_form=TopicForm(prefix="t"),
        now=now,
    )
