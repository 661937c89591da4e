"""Gremien: Tagesordnung einer Sitzung (TOPs anlegen, bearbeiten, löschen, verschieben, sortieren)."""

from __future__ import annotations

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services import ServiceError
from beteiligung.services.gremien import tagesordnung as tagesordnung_svc
from models import AgendaItem, Term

from ..forms import act, fail, submit
from . import _get_meeting, _manage, _term_choices, bp
from .forms import AgendaItemForm


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
