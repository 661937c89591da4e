"""Tagesordnung einer Sitzung: TOPs anlegen, ändern, löschen, sortieren; nach versandten Einladungen
geht eine geänderte Tagesordnung als Kalender-Aktualisierung an alle Eingeladenen."""

from __future__ import annotations

from sqlalchemy import func, select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import AgendaItem, Invitation, Meeting
from models.committees import FINAL_MEETING_STATES

from .. import ValidationError, ensure_version, require
from ..audit import record, snapshot

# --- agenda -------------------------------------------------------------------

ITEM_FIELDS = ("title", "goal", "duration_minutes", "presenter", "is_public", "description")


def _check_item(values: dict) -> dict:
    errors = {}
    if not (values.get("title") or "").strip():
        errors["title"] = "Bitte einen Titel für den Tagesordnungspunkt angeben."
    d = values.get("duration_minutes")
    if d is not None and not 1 <= d <= 600:
        errors["duration_minutes"] = "Die Dauer muss zwischen 1 und 600 Minuten liegen."
    return errors


def renumber(m: Meeting) -> None:
    for i, item in enumerate(sorted(m.agenda_items, key=lambda x: (x.position, x.id or 0)), 1):
        if item.position != i:
            item.position = i
        if item.number != str(i):
            item.number = str(i)


def agenda_changed(user, m: Meeting) -> int:
    """After invitations went out, a changed agenda goes to everyone invited as a calendar update
    (METHOD:REQUEST, SEQUENCE raised by one, the new agenda in text and PDF). Returns how many mails."""
    from .einladungen import send_updates  # invitations builds on this module

    sent = db.session.scalar(
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.meeting_id == m.id, Invitation.sent_at.is_not(None))
    )
    if not sent:
        return 0
    db.session.flush()
    db.session.refresh(m, ["agenda_items"])
    m.ical_sequence += 1
    return send_updates(user, m, "tagesordnung")


def _editable_agenda(m: Meeting):
    if m.status in FINAL_MEETING_STATES:
        raise ValidationError("Die Tagesordnung einer abgesagten oder protokollierten Sitzung ist abgeschlossen.")


def add_item(user, m: Meeting, values: dict) -> AgendaItem:
    require(perm.can_manage_meeting(user, m))
    _editable_agenda(m)
    errors = _check_item(values)
    if errors:
        raise ValidationError(errors)
    item = AgendaItem(meeting=m, **{k: values.get(k) for k in ITEM_FIELDS})
    db.session.add(item)
    item.is_public = bool(values.get("is_public", True))
    item.terms = list(values.get("terms") or [])
    item.position = max([i.position for i in m.agenda_items if i is not item] or [0]) + 1
    if item not in m.agenda_items:
        m.agenda_items.append(item)
    renumber(m)
    record(user, "create", item, None, snapshot(item), f"TOP {item.number}: {item.title}")
    item.updates_sent = agenda_changed(user, m)
    return item


def update_item(user, item: AgendaItem, values: dict, version) -> AgendaItem:
    require(perm.can_manage_meeting(user, item.meeting))
    _editable_agenda(item.meeting)
    ensure_version(item, version)
    errors = _check_item({**{k: getattr(item, k) for k in ITEM_FIELDS}, **values})
    if errors:
        raise ValidationError(errors)
    before = snapshot(item, ("terms",))
    for k in ITEM_FIELDS:
        if k in values:
            setattr(item, k, values[k])
    if "terms" in values:
        item.terms = list(values["terms"])
    after = snapshot(item, ("terms",))
    record(user, "update", item, before, after, f"TOP {item.number}: {item.title}")
    item.updates_sent = agenda_changed(user, item.meeting) if after != before else 0
    return item


def delete_item(user, item: AgendaItem) -> None:
    from .dokumente import document_key  # the documents of a TOP build on this module

    require(perm.can_manage_meeting(user, item.meeting))
    m = item.meeting
    _editable_agenda(m)
    for t in list(item.topics):
        t.agenda_item = None
        t.status = "offen"
    record(user, "delete", item, snapshot(item), None, f"TOP {item.number}: {item.title}")
    keys = [document_key(d) for d in item.documents]
    m.agenda_items.remove(item)
    db.session.delete(item)
    db.session.flush()
    renumber(m)
    agenda_changed(user, m)
    from ..betrieb import storage

    for key in keys:
        storage.delete(key)


def move_item(user, item: AgendaItem, direction: str) -> None:
    """Move a TOP one place up or down (the no-JS way)."""
    require(perm.can_manage_meeting(user, item.meeting))
    _editable_agenda(item.meeting)
    items = sorted(item.meeting.agenda_items, key=lambda x: (x.position, x.id))
    i = items.index(item)
    j = i - 1 if direction == "hoch" else i + 1 if direction == "runter" else None
    if j is None:
        raise ValidationError("Unbekannte Richtung.")
    if 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]
        _apply_order(items)
        record(
            user,
            "reorder",
            item.meeting,
            None,
            {"order": [x.id for x in items]},
            f"{item.meeting.title}: Tagesordnung umsortiert",
        )


def reorder(user, m: Meeting, ids: list[int]) -> None:
    """Set the full order at once (the JavaScript way)."""
    require(perm.can_manage_meeting(user, m))
    _editable_agenda(m)
    by_id = {i.id: i for i in m.agenda_items}
    if sorted(ids) != sorted(by_id):
        raise ValidationError("Die neue Reihenfolge passt nicht zur Tagesordnung; bitte Seite neu laden.")
    _apply_order([by_id[i] for i in ids])
    record(user, "reorder", m, None, {"order": ids}, f"{m.title}: Tagesordnung umsortiert")


def _apply_order(items):
    for pos, it in enumerate(items, 1):
        if it.position != pos:
            it.position = pos
        if it.number != str(pos):
            it.number = str(pos)
