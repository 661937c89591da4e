"""Terminabstimmung: list, create, tally (with a JSON stand for the live refresh), remind, decide;
the answer page for invitees without an account (token link)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from beteiligung.extensions import db
from beteiligung.formatting import anzahl, date_de, time_de
from beteiligung.permissions import werkstatt as wperm
from beteiligung.services import NotFound, ServiceError, ValidationError
from beteiligung.services.werkstatt import polls as svc
from beteiligung.uow import discard
from models import Committee, Meeting
from models.werkstatt import PollAnswerValue, PollStatus
from views.auswahl.fields import search_requested

from . import bp
from .forms import AnswerForm, DecideForm, PollForm, parse_options


def _poll(poll_id):
    try:
        return svc.get_poll(current_user, poll_id)
    except NotFound:
        abort(404)


@bp.route("/")
def index():
    if not wperm.can_use_polls(current_user):
        abort(403)
    return render_template("werkstatt/index.html", polls=svc.list_polls(current_user), PollStatus=PollStatus)


@bp.route("/abstimmungen/neu", methods=["GET", "POST"])
def poll_create():
    if not wperm.can_use_polls(current_user):
        abort(403)
    committees = svc.manageable_committees(current_user)
    form = PollForm()
    form.committee_id.choices = [(None, "– bitte wählen –")] + [(c.id, c.name) for c in committees]
    meetings = [m for c in committees for m in svc.plannable_meetings(c)]
    form.meeting_id.choices = [(None, "– neue Sitzung anlegen –")] + [
        (m.id, f"{m.committee.name}: {m.title} (bisher {date_de(m.start)}, {time_de(m.start)})") for m in meetings
    ]
    if request.method == "GET":
        form.committee_id.data = request.args.get("gremium", type=int)
        meeting_id = request.args.get("sitzung", type=int)
        if meeting_id in {m.id for m in meetings}:
            form.meeting_id.data = meeting_id
            m = next(m for m in meetings if m.id == meeting_id)
            form.committee_id.data, form.title.data, form.location.data = m.committee_id, m.title, m.location
    status = 200
    if request.method == "POST" and not search_requested(form):  # "Suchen" without JavaScript: form again
        status = 422
        if form.validate_on_submit():
            options, problem = parse_options(form.options.data, form.duration_minutes.data)
            committee = db.session.get(Committee, form.committee_id.data)
            meeting = db.session.get(Meeting, form.meeting_id.data) if form.meeting_id.data else None
            if problem:
                form.options.errors = [problem]
            else:
                try:
                    from views.gremien.forms import local_to_utc

                    poll = svc.create_poll(
                        current_user,
                        committee,
                        {
                            "title": form.title.data,
                            "description": form.description.data,
                            "location": form.location.data,
                            "deadline": local_to_utc(form.deadline.data),
                        },
                        options,
                        members=form.members.data,
                        person_ids=form.person_ids.data or [],
                        meeting=meeting,
                    )
                    flash(
                        f"Die Terminabstimmung ist angelegt; {anzahl(len(poll.invitees), 'Einladung liegt', 'Einladungen liegen')} im Postausgang.",
                        "success",
                    )
                    return redirect(url_for(".poll_detail", poll_id=poll.id), 303)
                except ServiceError as exc:
                    if isinstance(exc, ValidationError) and exc.errors:
                        form.apply_errors(exc.errors)
                    else:
                        flash(exc.message, "danger")
                        status = exc.status
    return render_template("werkstatt/poll_form.html", form=form), status


def _detail(poll, decide_form=None, status=200):
    t = svc.tally(poll)
    if decide_form is None:
        decide_form = DecideForm()
        decide_form.version.data = poll.version
        decide_form.option_id.data = t["best_option_id"]
    decide_form.option_id.choices = [(None, "– bitte wählen –")] + [
        (o.id, f"{date_de(o.start)}, {time_de(o.start)} bis {time_de(o.end)}") for o in poll.options
    ]
    return render_template(
        "werkstatt/poll_detail.html",
        poll=poll,
        t=t,
        decide_form=decide_form,
        values=list(PollAnswerValue),
        PollStatus=PollStatus,
        closed=svc.closed_message(poll),
    ), status


@bp.route("/abstimmungen/<int:poll_id>")
def poll_detail(poll_id):
    return _detail(_poll(poll_id))


@bp.route("/abstimmungen/<int:poll_id>/stand.json")
def poll_stand(poll_id):
    """The live tally for static/werkstatt/poll.js (polled every few seconds; no names)."""
    poll = _poll(poll_id)
    t = svc.tally(poll)
    return jsonify(
        {
            "answered": t["answered"],
            "invited": len(t["invitees"]),
            "best": t["best_option_id"],
            "status": poll.status,
            "version": poll.version,
            "counts": {str(k): v for k, v in t["counts"].items()},
        }
    )


@bp.route("/abstimmungen/<int:poll_id>/erinnern", methods=["POST"])
def poll_remind(poll_id):
    poll = _poll(poll_id)
    if not wperm.can_manage_poll(current_user, poll):
        abort(403)
    n = svc.remind(current_user, poll)
    flash(
        f"{anzahl(n, 'Erinnerung liegt', 'Erinnerungen liegen')} im Postausgang."
        if n
        else "Keine Erinnerung nötig: Alle haben geantwortet, wurden in den letzten 24 Stunden erinnert "
        "oder die Abstimmung ist beendet.",
        "success" if n else "info",
    )
    return redirect(url_for(".poll_detail", poll_id=poll.id), 303)


@bp.route("/abstimmungen/<int:poll_id>/entscheiden", methods=["POST"])
def poll_decide(poll_id):
    poll = _poll(poll_id)
    if not wperm.can_manage_poll(current_user, poll):
        abort(403)
    form = DecideForm()
    form.option_id.choices = [(None, "")] + [(o.id, "") for o in poll.options]
    if not form.validate_on_submit():
        return _detail(poll, form, 422)
    try:
        meeting = svc.decide(current_user, poll, form.option_id.data, form.version.data)
    except ServiceError as exc:
        discard()  # show the poll as stored (as views.forms.after_conflict does)
        poll = _poll(poll_id)
        form.version.data = poll.version
        if isinstance(exc, ValidationError) and exc.errors:
            form.apply_errors(exc.errors)
        else:
            flash(exc.message, "danger")
        return _detail(poll, form, exc.status)
    flash("Der Termin steht fest; die Einladungen mit Kalendereintrag liegen im Postausgang.", "success")
    return redirect(url_for("gremien.meeting", meeting_id=meeting.id), 303)


# --- answering without an account -------------------------------------------------------


@bp.route("/abstimmung/<token>", methods=["GET", "POST"])
def poll_answer(token):
    try:
        inv = svc.invitee_for_token(token)
    except NotFound as exc:
        return render_template("werkstatt/answer_closed.html", title="Link ungültig", message=exc.message), 404
    poll = inv.poll
    form = AnswerForm()
    chosen = {a.option_id: a.value for a in inv.answers}
    errors = {}
    closed = svc.closed_message(poll)
    if request.method == "POST":
        chosen = {o.id: request.form.get(f"option_{o.id}") for o in poll.options}
        if not form.validate_on_submit():
            errors = {k: " ".join(v) for k, v in form.errors.items()}
        else:
            try:
                svc.answer(token, chosen, form.comment.data)
                return render_template(
                    "werkstatt/answer_done.html",
                    inv=inv,
                    poll=poll,
                    chosen=chosen,
                    labels={v.value: v.label for v in PollAnswerValue},
                )
            except svc.PollClosed as exc:
                return render_template(
                    "werkstatt/answer_closed.html", title="Abstimmung beendet", message=exc.message, poll=poll
                ), exc.status
            except ServiceError as exc:
                errors = exc.errors or {"options": exc.message}
    elif inv.comment:
        form.comment.data = inv.comment
    if closed and request.method == "GET":
        return render_template(
            "werkstatt/answer_closed.html", title="Abstimmung beendet", message=closed, poll=poll
        ), 200
    return render_template(
        "werkstatt/answer.html",
        inv=inv,
        poll=poll,
        form=form,
        chosen=chosen,
        errors=errors,
        values=list(PollAnswerValue),
    ), (422 if errors else 200)
