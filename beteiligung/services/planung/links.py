"""Links of a decision (Beschluss/Empfehlung) to the measures, goals and contracts it led to."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import joinedload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.permissions import planung as pperm
from beteiligung.services import NotFound, ValidationError, require
from beteiligung.services.audit import record
from models import Meeting
from models.contracts import Contract, Goal
from models.planung import Measure, decision_contract, decision_goal, decision_measure
from models.protocols import Protocol, ProtocolEntry

from . import kette

TARGETS = {
    "massnahme": (Measure, decision_measure, decision_measure.c.measure_id, "Maßnahme"),
    "ziel": (Goal, decision_goal, decision_goal.c.goal_id, "Ziel"),
    "kontrakt": (Contract, decision_contract, decision_contract.c.contract_id, "Kontrakt"),
}
SEARCH_LIMIT = 20


def get_decision(user, entry_id: int) -> ProtocolEntry:
    entry = db.session.scalar(
        select(ProtocolEntry)
        .where(ProtocolEntry.id == entry_id)
        .options(
            joinedload(ProtocolEntry.protocol).joinedload(Protocol.meeting).joinedload(Meeting.committee),
            joinedload(ProtocolEntry.agenda_item),
        )
    )
    if entry is None or not pperm.can_view_decision(user, entry):
        raise NotFound("Diesen Protokolleintrag gibt es nicht oder Sie dürfen ihn nicht sehen.")
    return entry


def _target(user, kind: str, target_id) -> object:
    if kind not in TARGETS:
        raise ValidationError({"art": "Unbekannte Art der Verknüpfung."})
    model = TARGETS[kind][0]
    try:
        obj = db.session.get(model, int(target_id))
    except (TypeError, ValueError):
        obj = None
    if obj is None or not kette.visible(user, kind, obj):
        raise NotFound()
    return obj


def linked(entry_ids: list[int]) -> dict[str, dict[int, list[int]]]:
    """{kind: {entry id: [target ids]}} for several decisions (one query per kind)."""
    out: dict[str, dict[int, list[int]]] = {}
    for kind, (_m, table, col, _l) in TARGETS.items():
        rows = db.session.execute(select(table.c.entry_id, col).where(table.c.entry_id.in_(entry_ids or [0]))).all()
        for e, t in rows:
            out.setdefault(kind, {}).setdefault(e, []).append(t)
    return out


def links_of(user, entry: ProtocolEntry) -> dict[str, list]:
    """Visible targets linked to the decision, per kind."""
    out = {}
    ids = linked([entry.id])
    for kind, (model, _t, _c, _l) in TARGETS.items():
        target_ids = ids.get(kind, {}).get(entry.id, [])
        objs = kette._load(kind, set(target_ids)).values() if target_ids else []
        out[kind] = sorted((o for o in objs if kette.visible(user, kind, o)), key=lambda o: o.id)
    return out


def decisions_behind(user, kind: str, target_id: int) -> list[ProtocolEntry]:
    """The decisions (visible to the user) linked to a measure, goal or contract."""
    _model, table, col, _l = TARGETS[kind]
    ids = set(db.session.scalars(select(table.c.entry_id).where(col == target_id)))
    entries = kette._load("eintrag", ids).values()
    return sorted((e for e in entries if pperm.can_view_decision(user, e)), key=lambda e: e.id)


def link(user, entry: ProtocolEntry, kind: str, target_id) -> object:
    require(pperm.can_link_decision(user, entry), "Diesen Beschluss dürfen Sie nicht verknüpfen.")
    target = _target(user, kind, target_id)
    label = TARGETS[kind][3]
    require(
        pperm.can_link_target(user, target),
        f"Diese {label} dürfen Sie nicht verknüpfen." if kind != "ziel" else "Dieses Ziel dürfen Sie nicht verknüpfen.",
    )
    _model, table, col, _l = TARGETS[kind]
    exists = db.session.scalar(select(table.c.entry_id).where(table.c.entry_id == entry.id, col == target.id))
    if exists is not None:
        raise ValidationError({"ziel_id": f"{label} „{target}“ ist bereits mit diesem Eintrag verknüpft."})
    # A link entry → target would close a cycle when the entry already lies downstream of the target
    # (e.g. the decision was taken on a TOP that a deviation of this very measure had proposed).
    if kette.reaches((kind, target.id), ("eintrag", entry.id)):
        raise ValidationError(
            {
                "ziel_id": (
                    f"Diese Verknüpfung würde einen Kreis in der Wirkungskette bilden: „{target}“ führt bereits "
                    f"zu diesem Protokolleintrag. Bitte verknüpfen Sie einen anderen Beschluss oder eine andere {label}."
                )
            }
        )
    db.session.execute(insert(table).values({"entry_id": entry.id, col.key: target.id}))
    db.session.flush()
    record(user, "link", entry, None, {"art": kind, "id": target.id}, f"{entry.kind} verknüpft mit {label} „{target}“")
    return target


def unlink(user, entry: ProtocolEntry, kind: str, target_id) -> None:
    require(pperm.can_link_decision(user, entry), "Diesen Beschluss dürfen Sie nicht verknüpfen.")
    target = _target(user, kind, target_id)
    require(pperm.can_link_target(user, target))
    _model, table, col, label = TARGETS[kind]
    result = db.session.execute(delete(table).where(table.c.entry_id == entry.id, col == target.id))
    if not result.rowcount:
        raise NotFound()
    db.session.flush()
    record(user, "unlink", entry, {"art": kind, "id": target.id}, None, f"Verknüpfung mit {label} „{target}“ gelöst")


def search_targets(user, kind: str, text: str) -> list:
    """Picker: targets of one kind the user may link, matching the search text."""
    if kind not in TARGETS:
        return []
    text = (text or "").strip()
    if kind == "massnahme":
        q = select(Measure).where(pperm.measure_filter(user)).options(joinedload(Measure.organisation))
        col = Measure.title
    elif kind == "ziel":
        q = select(Goal).where(perm.goal_filter(user))
        col = Goal.title
    else:
        q = select(Contract).where(perm.contract_filter(user))
        col = Contract.title
    if text:
        q = q.where(col.ilike(f"%{text}%"))
    model = TARGETS[kind][0]
    rows = db.session.scalars(q.order_by(col, model.id).limit(SEARCH_LIMIT * 3)).unique().all()
    return [o for o in rows if pperm.can_link_target(user, o)][:SEARCH_LIMIT]
