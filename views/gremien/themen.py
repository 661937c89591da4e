"""Gremien: Themenspeicher (vorschlagen, auf eine Tagesordnung setzen, Status)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services.gremien import themen as themen_svc
from models import Meeting, TopicProposal

from ..forms import act, submit
from . import _get_committee, _manage, bp
from .forms import TopicForm


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
