"""Public pages (no login): RSVP by token link, public meetings with registration, calendar feeds."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from beteiligung.extensions import db
from beteiligung.services import NotFound, ServiceError, ValidationError
from beteiligung.services.gremien import einladungen as inv_svc
from beteiligung.services.gremien import kalender as cal_svc
from beteiligung.services.gremien.sitzungen import MAX_MEETING_DURATION
from beteiligung.uow import discard
from models import Committee, Meeting, utcnow
from models.committees import REGISTRATION_FIELDS

from .. import current_page
from ..gremien.forms import RegistrationForm, RsvpForm

bp = Blueprint("oeffentlich", __name__, url_prefix="/oeffentlich")


def _error(status, title, message):
    return render_template("oeffentlich/fehler.html", status=status, title=title, message=message), status


# --- RSVP ------------------------------------------------------------------------


@bp.route("/antwort/<token>", methods=["GET", "POST"])
def rsvp(token):
    try:
        inv = inv_svc.invitation_for_token(token)
    except NotFound as exc:
        return _error(404, "Link ungültig", exc.message)
    except inv_svc.TokenExpired as exc:
        return _error(400, "Link abgelaufen", exc.message)
    form = RsvpForm()
    form.deputy_id.choices = [(None, "– bitte wählen –")] + [
        (p.id, f"{p.last_name}, {p.first_name}" + (f" ({p.function})" if p.function else ""))
        for p in inv_svc.deputy_choices(inv)
    ]
    status = 200
    if request.method == "GET" and inv.rsvp != "offen":
        form.rsvp.data = inv.rsvp
        form.deputy_id.data = inv.deputy_id
        form.comment.data = inv.comment
    if request.method == "POST":
        # An unknown deputy id is a German message next to the field, not a generic choice error.
        raw = request.form.get("deputy_id") or ""
        if raw and raw.isdigit() and int(raw) not in {c[0] for c in form.deputy_id.choices}:
            form.deputy_id.choices.append((int(raw), "?"))
        if form.validate_on_submit():
            try:
                inv_svc.answer(token, form.rsvp.data, form.deputy_id.data, form.comment.data)
                return render_template("oeffentlich/rsvp_done.html", inv=inv, labels=inv_svc.RSVP_LABELS)
            except ServiceError as exc:
                discard()
                form.apply_errors(exc.errors)
                if not exc.errors:
                    return _error(exc.status, "Antwort nicht möglich", exc.message)
        status = 422
    return render_template(
        "oeffentlich/rsvp.html", inv=inv, m=inv.meeting, form=form, labels=inv_svc.RSVP_LABELS
    ), status


# --- public meetings ---------------------------------------------------------------


def _public_meeting(meeting_id) -> Meeting:
    m = db.session.scalar(
        select(Meeting)
        .join(Committee)
        .where(Meeting.id == meeting_id, Meeting.is_public.is_(True), Committee.is_public.is_(True))
        .options(joinedload(Meeting.committee).joinedload(Committee.body), selectinload(Meeting.agenda_items))
    )
    if m is None:
        abort(404)
    return m


# Upcoming public meetings per page: one page of the next ones, "weitere Sitzungen" for the rest (a large Kreis
# has hundreds; the page showed up to 100 at once, issue 14). No count: one statement reads one row more than
# the page to know whether there is a next page.
PUBLIC_MEETINGS_PER_PAGE = 15


@bp.route("/sitzungen/")
def meetings():
    page = current_page()
    per_page, now = PUBLIC_MEETINGS_PER_PAGE, utcnow()
    rows = db.session.scalars(
        select(Meeting)
        .join(Committee)
        .where(
            Meeting.is_public.is_(True),
            Committee.is_public.is_(True),
            Meeting.end >= now,
            Meeting.start >= now - MAX_MEETING_DURATION,  # implied by the end (seeks ix_meeting_start)
        )
        .options(contains_eager(Meeting.committee))
        .order_by(Meeting.start, Meeting.id)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    if page > 1 and not rows:
        abort(404)
    return render_template("oeffentlich/meetings.html", rows=rows[:per_page], page=page, has_next=len(rows) > per_page)


@bp.route("/sitzungen/<int:meeting_id>", methods=["GET", "POST"])
def meeting(meeting_id):
    m = _public_meeting(meeting_id)
    items = [i for i in m.agenda_items if i.is_public]
    fields = [f for f in (m.registration_fields or "").split(",") if f in REGISTRATION_FIELDS]
    form = RegistrationForm()
    for name in REGISTRATION_FIELDS:
        if name not in fields:
            delattr(form, name)
    taken = inv_svc.registration_count(m) if m.registration_open else 0
    full = m.capacity is not None and taken >= m.capacity
    status = 200
    if request.method == "POST":
        if not m.registration_open:
            abort(404)
        if form.validate_on_submit():
            try:
                inv_svc.register_public(m, {k: f.data for k, f in form._fields.items()})
                flash(
                    "Vielen Dank! Ihre Anmeldung ist eingegangen; eine Bestätigung mit Kalendereintrag "
                    "kommt per E-Mail.",
                    "success",
                )
                return redirect(url_for(".meeting", meeting_id=m.id), 303)
            except ValidationError as exc:
                discard()
                form.apply_errors(exc.errors)
                if not exc.errors:
                    flash(exc.message, "danger")
            except ServiceError:
                discard()
                abort(404)
        status = 422
    return render_template(
        "oeffentlich/meeting.html", m=m, items=items, form=form, taken=taken, full=full, now=utcnow()
    ), status


# --- feeds ------------------------------------------------------------------------------


def _ics(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private, max-age=300"},
    )


@bp.route("/kalender/oeffentlich.ics")
def public_feed():
    return _ics(cal_svc.public_feed(), "oeffentliche-sitzungen.ics")


@bp.route("/kalender/<token>.ics")
def personal_feed(token):
    try:
        feed = cal_svc.feed_for_token(token)
    except NotFound as exc:
        return _error(404, "Kalender nicht gefunden", exc.message)
    return _ics(cal_svc.personal_feed(feed), "meine-sitzungen.ics")
