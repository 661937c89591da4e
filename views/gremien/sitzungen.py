"""Gremien: Sitzungen und Serien anlegen, die Sitzungsseite, bearbeiten, Status, absagen."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services.gremien import einladungen as inv_svc
from beteiligung.services.gremien import sitzungen as sitzungen_svc
from models.committees import MeetingStatus

from ..forms import act, submit
from ..seiten import sql_page
from . import _get_committee, _get_meeting, _manage, _term_choices, bp
from .forms import AgendaItemForm, MeetingCreateForm, MeetingForm, local_to_utc, utc_to_local

INVITATIONS_PER_PAGE = 50


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
