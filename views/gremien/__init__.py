"""Gremien und Sitzungen: committee list and page, memberships, meetings, agenda,
Themenspeicher, invitations, documents and the personal calendar feed."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services import ServiceError, ValidationError
from beteiligung.services.gremien import dokumente as dokumente_svc
from beteiligung.services.gremien import einladungen as inv_svc
from beteiligung.services.gremien import gremien as gremien_svc
from beteiligung.services.gremien import kalender as cal_svc
from beteiligung.services.gremien import mitglieder as mitglieder_svc
from beteiligung.services.gremien import sitzungen as sitzungen_svc
from beteiligung.services.gremien import tagesordnung as tagesordnung_svc
from beteiligung.services.gremien import themen as themen_svc
from models import (
    AgendaItem,
    Area,
    Body,
    Committee,
    CommitteeType,
    Meeting,
    Membership,
    Person,
    Term,
    TopicProposal,
    utcnow,
)
from models.committees import MeetingStatus

from ..auswahl.fields import keep_current, search_requested
from ..forms import act, fail, submit
from ..seiten import sql_page
from .forms import (
    AgendaItemForm,
    CommitteeForm,
    CommitteeTypeForm,
    InviteFilterForm,
    MeetingCreateForm,
    MeetingForm,
    MembershipForm,
    TopicForm,
    local_to_utc,
    utc_to_local,
)

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


# --- committees ---------------------------------------------------------------------


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
INVITATIONS_PER_PAGE = 50


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


# --- committee types -------------------------------------------------------------------


@bp.route("/arten", methods=["GET", "POST"])
def types():
    _manage(perm.can_manage_committee_types(current_user))
    form = CommitteeTypeForm()
    done = submit(
        form,
        lambda: gremien_svc.save_type(current_user, None, form.data),
        success=lambda t: f"Gremienart „{t.name}“ wurde angelegt.",
        to=url_for(".types"),
    )
    if done.response:
        return done.response
    rows = db.session.scalars(select(CommitteeType).order_by(CommitteeType.name)).all()
    return render_template("gremien/types.html", form=form, rows=rows), done.status


@bp.route("/arten/<int:type_id>", methods=["GET", "POST"])
def type_edit(type_id):
    _manage(perm.can_manage_committee_types(current_user))
    t = db.session.get(CommitteeType, type_id) or abort(404)
    form = CommitteeTypeForm(obj=t)
    done = submit(
        form,
        lambda: gremien_svc.save_type(current_user, t, form.data),
        success="Gremienart wurde gespeichert.",
        to=url_for(".types"),
    )
    return done.response or (render_template("gremien/type_form.html", form=form, obj=t), done.status)


# --- memberships ---------------------------------------------------------------------


def _setup_member_form(form, m: Membership | None = None):
    """Person, organisation and deputy are pickers (views/auswahl); an edit form keeps showing
    and accepting what the membership holds already."""
    if m is not None:
        keep_current(form.person_id, m.person_id)
        keep_current(form.deputy_id, m.deputy_id)
        keep_current(form.organisation_id, m.organisation_id)


def _member_values(form):
    return {
        k: getattr(form, k).data
        for k in ("person_id", "organisation_id", "deputy_id", "has_mandate", "circle", "start_date", "end_date")
    } | {"role": form.role.data or None}


@bp.route("/<int:committee_id>/mitglieder", methods=["POST"])
def member_add(committee_id):
    c = _get_committee(committee_id)
    _manage(perm.can_manage_committee(current_user, c))
    form = MembershipForm(prefix="m")
    _setup_member_form(form)
    done = submit(
        form,
        lambda: mitglieder_svc.add_membership(current_user, c, _member_values(form)),
        success="Mitglied wurde aufgenommen.",
        to=url_for(".detail", committee_id=c.id) + "#mitglieder",
        code=303,
    )
    return done.response or (render_template("gremien/member_form.html", form=form, c=c, obj=None), done.status)


@bp.route("/mitgliedschaft/<int:membership_id>/bearbeiten", methods=["GET", "POST"])
def member_edit(membership_id):
    m = db.session.get(Membership, membership_id)
    if m is None or not perm.can_view_committee(current_user, m.committee):
        abort(404)
    _manage(perm.can_manage_committee(current_user, m.committee))
    form = MembershipForm(obj=m, prefix="m")
    _setup_member_form(form, m)
    done = submit(
        form,
        lambda: mitglieder_svc.update_membership(current_user, m, _member_values(form)),
        success="Mitgliedschaft wurde gespeichert.",
        to=url_for(".detail", committee_id=m.committee_id) + "#mitglieder",
        code=303,
    )
    return done.response or (render_template("gremien/member_form.html", form=form, c=m.committee, obj=m), done.status)


@bp.route("/mitgliedschaft/<int:membership_id>/entfernen", methods=["POST"])
def member_remove(membership_id):
    m = db.session.get(Membership, membership_id)
    if m is None or not perm.can_view_committee(current_user, m.committee):
        abort(404)
    _manage(perm.can_manage_committee(current_user, m.committee))
    cid = m.committee_id
    mitglieder_svc.remove_membership(current_user, m)
    flash("Mitgliedschaft wurde beendet und entfernt.", "success")
    return redirect(url_for(".detail", committee_id=cid) + "#mitglieder", 303)


# --- Themenspeicher -------------------------------------------------------------------


@bp.route("/<int:committee_id>/themen", methods=["POST"])
def topic_add(committee_id):
    c = _get_committee(committee_id)
    _manage(perm.can_propose_topic(current_user, c))
    form = TopicForm(prefix="t")
    done = submit(
        form,
        lambda: themen_svc.propose_topic(
            current_user,
            c,
            form.title.data,
            form.description.data,
            "mitglied",
            None,
            f"Vorschlag von {current_user.display_name}",
        ),
        success="Das Thema steht im Themenspeicher.",
        to=url_for(".detail", committee_id=c.id) + "#themenspeicher",
        code=303,
    )
    return done.response or (render_template("gremien/topic_form.html", form=form, c=c), 422)


def _get_topic(topic_id) -> TopicProposal:
    t = db.session.get(TopicProposal, topic_id)
    if t is None or not perm.can_view_topics(current_user, t.committee):
        abort(404)
    return t


@bp.route("/themen/<int:topic_id>/einplanen", methods=["POST"])
def topic_schedule(topic_id):
    t = _get_topic(topic_id)
    _manage(perm.can_manage_committee(current_user, t.committee))
    meeting = db.session.get(Meeting, request.form.get("meeting_id", type=int) or 0)
    if meeting is None or meeting.committee_id != t.committee_id:
        flash("Bitte eine Sitzung dieses Gremiums wählen.", "danger")
        return redirect(url_for(".detail", committee_id=t.committee_id) + "#themenspeicher", 303)
    return act(
        lambda: themen_svc.schedule_topic(current_user, t, meeting),
        success=lambda item: f"Das Thema steht als TOP {item.number} auf der Tagesordnung.",
        to=url_for(".meeting", meeting_id=meeting.id) + "#tagesordnung",
        failed_to=url_for(".detail", committee_id=t.committee_id) + "#themenspeicher",
    )


@bp.route("/themen/<int:topic_id>/status", methods=["POST"])
def topic_status(topic_id):
    t = _get_topic(topic_id)
    _manage(perm.can_manage_committee(current_user, t.committee))
    return act(
        lambda: themen_svc.set_topic_status(current_user, t, request.form.get("status", "")),
        success="Der Status des Themas wurde geändert.",
        to=url_for(".detail", committee_id=t.committee_id) + "#themenspeicher",
    )


# --- meetings -----------------------------------------------------------------------


def _meeting_values(form):
    return {
        "title": form.title.data,
        "start": local_to_utc(form.start.data),
        "end": local_to_utc(form.end.data),
        "location": form.location.data or None,
        "online_url": form.online_url.data or None,
        "is_public": form.is_public.data,
        "goals": form.goals.data or None,
        "registration_open": form.registration_open.data,
        "capacity": form.capacity.data,
        "registration_fields": ",".join(form.registration_fields.data or []) or None,
    }


@bp.route("/<int:committee_id>/sitzungen/neu", methods=["GET", "POST"])
def meeting_create(committee_id):
    c = _get_committee(committee_id)
    _manage(perm.can_manage_committee(current_user, c))
    form = MeetingCreateForm()
    if request.method == "GET":
        form.is_public.data = c.is_public
        form.title.data = f"{c.name}"
    done = submit(
        form,
        lambda: sitzungen_svc.create_meetings(
            current_user, c, _meeting_values(form), form.repeat.data, form.count.data
        ),
        success=lambda ms: (
            "Die Sitzung wurde angelegt." if len(ms) == 1 else f"Die Serie mit {len(ms)} Sitzungen wurde angelegt."
        ),
        to=lambda ms: (
            url_for(".meeting", meeting_id=ms[0].id)
            if len(ms) == 1
            else url_for(".detail", committee_id=c.id) + "#sitzungen"
        ),
    )
    return done.response or (render_template("gremien/meeting_form.html", form=form, c=c, obj=None), done.status)


@bp.route("/sitzungen/<int:meeting_id>")
def meeting(meeting_id):
    m = _get_meeting(meeting_id)
    c = m.committee
    internal = perm.can_view_internal_items(current_user, m)
    items = [i for i in m.agenda_items if internal or i.is_public]
    manage = perm.can_manage_meeting(current_user, m)
    invitations, counts = None, {}
    if perm.can_view_invitations(current_user, m):
        # page-first: the numbers per answer in SQL, one page of invitees (a committee may have hundreds)
        invitations = sql_page(
            inv_svc.invitations_page_ids(m),
            inv_svc.load_invitations,
            per_page=INVITATIONS_PER_PAGE,
            param="eingeladene",
        )
        counts = inv_svc.summary(m)
    own = None
    if current_user.person_id:
        own = db.session.scalar(
            select(inv_svc.Invitation).where(
                inv_svc.Invitation.meeting_id == m.id, inv_svc.Invitation.person_id == current_user.person_id
            )
        )
    own_link = None
    if own is not None and inv_svc.may_still_answer(own):
        own_link = url_for("oeffentlich.rsvp", token=inv_svc.rsvp_token(m.id, own.person_id))
    registrations = 0
    if manage and m.is_public:
        registrations = inv_svc.registration_count(m)
    item_form = AgendaItemForm(prefix="top") if manage else None
    if item_form is not None:
        item_form.terms.choices = _term_choices(("thema",))
    from ..protokolle import meeting_panel

    return render_template(
        "gremien/meeting.html",
        m=m,
        c=c,
        meeting=m,
        items=items,
        manage=manage,
        invitations=invitations,
        counts=counts,
        own=own,
        own_link=own_link,
        registrations=registrations,
        item_form=item_form,
        rsvp_labels=inv_svc.RSVP_LABELS,
        transitions=sorted(sitzungen_svc.TRANSITIONS.get(m.status, set()) - {MeetingStatus.ABGESAGT}),
        internal=internal,
        panel=meeting_panel(m),
    )


@bp.route("/sitzungen/<int:meeting_id>/bearbeiten", methods=["GET", "POST"])
def meeting_edit(meeting_id):
    m = _get_meeting(meeting_id)
    _manage(perm.can_manage_meeting(current_user, m))
    form = MeetingForm(obj=m)
    if request.method == "GET":
        form.start.data, form.end.data = utc_to_local(m.start), utc_to_local(m.end)
        form.registration_fields.data = [f for f in (m.registration_fields or "").split(",") if f]
    done = submit(
        form,
        lambda: sitzungen_svc.save_meeting(current_user, m, _meeting_values(form), form.version.data),
        success=lambda sent: (
            "Die Sitzung wurde gespeichert."
            + (f" {sent} Aktualisierungen (neue Kalenderversion) wurden in den Postausgang gelegt." if sent else "")
        ),
        to=url_for(".meeting", meeting_id=m.id),
        stale=m,
    )
    return done.response or (
        render_template("gremien/meeting_form.html", form=form, c=m.committee, obj=m, conflict=done.conflict),
        done.status,
    )


@bp.route("/sitzungen/<int:meeting_id>/status", methods=["POST"])
def meeting_status(meeting_id):
    m = _get_meeting(meeting_id)
    _manage(perm.can_manage_meeting(current_user, m))
    return act(
        lambda: sitzungen_svc.set_status(
            current_user,
            m,
            request.form.get("s-status", ""),
            request.form.get("s-reason"),
            request.form.get("s-version"),
        ),
        success=lambda meeting: f"Status: {meeting.status}.",
        to=url_for(".meeting", meeting_id=m.id),
        failed_to=url_for(".meeting", meeting_id=meeting_id) + "#status",
    )


@bp.route("/sitzungen/<int:meeting_id>/absagen", methods=["POST"])
def meeting_cancel(meeting_id):
    m = _get_meeting(meeting_id)
    _manage(perm.can_manage_meeting(current_user, m))
    return act(
        lambda: inv_svc.cancel(current_user, m, request.form.get("a-reason", ""), request.form.get("a-version")),
        success=lambda n: f"Die Sitzung wurde abgesagt. {n} Absagen (Kalender: CANCEL) liegen im Postausgang.",
        to=url_for(".meeting", meeting_id=meeting_id),
    )


# --- agenda ---------------------------------------------------------------------------


def _item_values(form):
    ids = form.terms.data or []
    return {
        "title": form.title.data,
        "goal": form.goal.data or None,
        "duration_minutes": form.duration_minutes.data,
        "presenter": form.presenter.data or None,
        "is_public": form.is_public.data,
        "description": form.description.data or None,
        "terms": list(db.session.scalars(select(Term).where(Term.id.in_(ids)))) if ids else [],
    }


def _updates_note(n: int) -> str:
    if not n:
        return ""
    return f" Die geänderte Tagesordnung ging als Kalender-Aktualisierung an {n} Eingeladene."


@bp.route("/sitzungen/<int:meeting_id>/top", methods=["POST"])
def item_add(meeting_id):
    m = _get_meeting(meeting_id)
    _manage(perm.can_manage_meeting(current_user, m))
    form = AgendaItemForm(prefix="top")
    form.terms.choices = _term_choices(("thema",))
    done = submit(
        form,
        lambda: tagesordnung_svc.add_item(current_user, m, _item_values(form)),
        success=lambda item: f"TOP {item.number} wurde angelegt." + _updates_note(item.updates_sent),
        to=url_for(".meeting", meeting_id=m.id) + "#tagesordnung",
        code=303,
    )
    return done.response or (render_template("gremien/item_form.html", form=form, m=m, obj=None), 422)


def _get_item(item_id) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or not perm.can_view_meeting(current_user, item.meeting):
        abort(404)
    if not item.is_public and not perm.can_view_internal_items(current_user, item.meeting):
        abort(404)
    _manage(perm.can_manage_meeting(current_user, item.meeting))
    return item


@bp.route("/top/<int:item_id>/bearbeiten", methods=["GET", "POST"])
def item_edit(item_id):
    item = _get_item(item_id)
    form = AgendaItemForm(obj=item, prefix="top")
    form.terms.choices = _term_choices(("thema",))
    if request.method == "GET":
        form.terms.data = [t.id for t in item.terms]
    done = submit(
        form,
        lambda: tagesordnung_svc.update_item(current_user, item, _item_values(form), form.version.data),
        success=lambda item: "Der Tagesordnungspunkt wurde gespeichert." + _updates_note(item.updates_sent),
        to=url_for(".meeting", meeting_id=item.meeting_id) + "#tagesordnung",
        code=303,
        stale=item,
    )
    return done.response or (
        render_template("gremien/item_form.html", form=form, m=item.meeting, obj=item, conflict=done.conflict),
        done.status,
    )


@bp.route("/top/<int:item_id>/loeschen", methods=["POST"])
def item_delete(item_id):
    item = _get_item(item_id)
    mid = item.meeting_id
    return act(
        lambda: tagesordnung_svc.delete_item(current_user, item),
        success="Der Tagesordnungspunkt wurde entfernt.",
        to=url_for(".meeting", meeting_id=mid) + "#tagesordnung",
    )


@bp.route("/top/<int:item_id>/verschieben", methods=["POST"])
def item_move(item_id):
    item = _get_item(item_id)
    mid = item.meeting_id
    try:
        tagesordnung_svc.move_item(current_user, item, request.form.get("richtung", ""))
    except ServiceError as exc:
        fail(exc)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(ok=True)
    return redirect(url_for(".meeting", meeting_id=mid) + f"#top-{item_id}", 303)


@bp.route("/sitzungen/<int:meeting_id>/reihenfolge", methods=["POST"])
def item_reorder(meeting_id):
    m = _get_meeting(meeting_id)
    _manage(perm.can_manage_meeting(current_user, m))
    try:
        ids = [int(x) for x in request.form.getlist("ids")]
        tagesordnung_svc.reorder(current_user, m, ids)
    except (ValueError, ServiceError) as exc:
        return jsonify(ok=False, message=getattr(exc, "message", "Ungültige Reihenfolge.")), 422
    return jsonify(ok=True, order=[i.id for i in sorted(m.agenda_items, key=lambda x: x.position)])


@bp.route("/top/<int:item_id>/dokumente", methods=["POST"])
def document_add(item_id):
    item = _get_item(item_id)
    upload = request.files.get("datei")
    try:
        doc = dokumente_svc.add_document(
            current_user, item, upload.filename if upload else "", upload.read() if upload else b""
        )
        flash(f"Das Dokument „{doc.filename}“ wurde an TOP {item.number} angehängt.", "success")
        return redirect(url_for(".item_edit", item_id=item.id) + "#dokumente", 303)
    except ValidationError as exc:  # 422: the request's unit of work rolls back
        form = AgendaItemForm(obj=item, prefix="top")
        form.terms.choices = _term_choices(("thema",))
        form.terms.data = [t.id for t in item.terms]
        return render_template(
            "gremien/item_form.html",
            form=form,
            m=item.meeting,
            obj=item,
            upload_error=" ".join(exc.errors.values()) or exc.message,
        ), 422


def _get_document(doc_id):
    from models.committees import AgendaDocument

    doc = db.session.get(AgendaDocument, doc_id)
    if doc is None or not perm.can_view_meeting(current_user, doc.agenda_item.meeting):
        abort(404)
    if not doc.agenda_item.is_public and not perm.can_view_internal_items(current_user, doc.agenda_item.meeting):
        abort(404)
    return doc


@bp.route("/dokumente/<int:doc_id>")
def document_download(doc_id):
    from flask import send_file

    doc = _get_document(doc_id)
    from io import BytesIO

    data = dokumente_svc.document_data(doc)
    if data is None:
        abort(404)
    return send_file(BytesIO(data), mimetype=doc.content_type, as_attachment=True, download_name=doc.filename)


@bp.route("/dokumente/<int:doc_id>/loeschen", methods=["POST"])
def document_delete(doc_id):
    doc = _get_document(doc_id)
    _manage(perm.can_manage_meeting(current_user, doc.agenda_item.meeting))
    item_id = doc.agenda_item_id
    dokumente_svc.delete_document(current_user, doc)
    flash("Das Dokument wurde entfernt.", "success")
    return redirect(url_for(".item_edit", item_id=item_id) + "#dokumente", 303)


# --- invitations ---------------------------------------------------------------------------


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
                flash(f"{len(created)} Einladungen mit Kalendereintrag liegen im Postausgang.", "success")
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
        f"{n} Erinnerungen an Eingeladene ohne Antwort liegen im Postausgang."
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


# --- personal calendar feed -----------------------------------------------------------------


@bp.route("/kalender", methods=["GET", "POST"])
def feed():
    _manage(perm.can_use_calendar_feed(current_user))
    new_url = None
    if request.method == "POST":
        action = request.form.get("aktion")
        if action == "widerrufen":
            n = cal_svc.revoke_feeds(current_user)
            flash("Der Kalender-Link wurde widerrufen." if n else "Es gab keinen aktiven Kalender-Link.", "success")
            return redirect(url_for(".feed"), 303)
        token = cal_svc.create_feed(current_user)
        new_url = inv_svc.external_url("oeffentlich.personal_feed", token=token)
        flash("Ein neuer Kalender-Link wurde erzeugt; ein früherer Link gilt nicht mehr.", "success")
    active = cal_svc.active_feed(current_user)
    return render_template("gremien/feed.html", active=active, new_url=new_url)
