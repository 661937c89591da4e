"""Planungsvorhaben: the mandate, the phases of the Steuerungskreislauf and what belongs to each."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.permissions import planung as pperm
from beteiligung.services import NotFound, ValidationError, ensure_version, require
from beteiligung.services.audit import record, snapshot
from models import Area, Committee, Meeting, Person, Term
from models.planung import (
    PHASE_ORDER,
    AssignmentKind,
    PhaseStatus,
    PlanningProcess,
    ProcessAssignment,
    ProcessPhase,
)
from models.surveys import Survey

from . import kette


def get_process(user, process_id: int) -> PlanningProcess:
    p = db.session.scalar(
        select(PlanningProcess)
        .where(PlanningProcess.id == process_id)
        .options(
            joinedload(PlanningProcess.body),
            joinedload(PlanningProcess.mandate_committee),
            selectinload(PlanningProcess.areas),
            selectinload(PlanningProcess.terms),
            selectinload(PlanningProcess.phases).joinedload(ProcessPhase.responsible),
        )
    )
    if p is None or not pperm.can_view_process(user, p):
        raise NotFound("Dieses Planungsvorhaben gibt es nicht oder Sie dürfen es nicht sehen.")
    return p


def list_processes(user) -> list[PlanningProcess]:
    return list(
        db.session.scalars(
            select(PlanningProcess)
            .where(pperm.process_filter(user))
            .options(selectinload(PlanningProcess.phases), joinedload(PlanningProcess.body))
            .order_by(PlanningProcess.title, PlanningProcess.id)
        ).unique()
    )


def _check(user, values: dict, process: PlanningProcess | None) -> tuple[dict, dict]:
    errors, clean = {}, {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = "Bitte einen Titel angeben."
    elif len(title) > 300:
        errors["title"] = "Der Titel ist zu lang (höchstens 300 Zeichen)."
    clean["title"] = title
    body_id = values.get("body_id") if process is None else process.body_id
    if process is None and not pperm.can_create_process(user, body_id):
        errors["body_id"] = "In dieser Körperschaft dürfen Sie keine Planungsvorhaben anlegen."
    clean["body_id"] = body_id
    committee = None
    if values.get("mandate_committee_id"):
        committee = db.session.get(Committee, values["mandate_committee_id"])
        if committee is None or not perm.can_view_committee(user, committee):
            errors["mandate_committee_id"] = "Unbekanntes Gremium."
    clean["mandate_committee"] = committee
    for key, limit in (("mandate_by", 200), ("mandate_reference", 60)):
        text = (values.get(key) or "").strip()
        if len(text) > limit:
            errors[key] = f"Zu lang (höchstens {limit} Zeichen)."
        clean[key] = text or None
    if committee is None and not clean["mandate_by"]:
        errors["mandate_by"] = "Bitte angeben, wer den Auftrag erteilt hat (Gremium oder z. B. Kreistag)."
    clean["mandate_date"] = values.get("mandate_date")
    scope = (values.get("scope") or "").strip()
    if len(scope) > 20000:
        errors["scope"] = "Zu lang (höchstens 20.000 Zeichen)."
    clean["scope"] = scope or None
    clean["areas"] = list(
        db.session.scalars(select(Area).where(Area.id.in_(values.get("area_ids") or [0]), perm.area_filter(user)))
    )
    clean["terms"] = list(
        db.session.scalars(
            select(Term).where(
                Term.id.in_(
                    list(values.get("handlungsfeld_ids") or []) + list(values.get("zielgruppe_ids") or []) or [0]
                ),
                Term.vocabulary.in_(("handlungsfeld", "zielgruppe")),
            )
        )
    )
    return errors, clean


def save_process(user, process: PlanningProcess | None, values: dict, version=None) -> PlanningProcess:
    if process is not None:
        require(pperm.can_manage_process(user, process))
        ensure_version(process, version)
    else:
        require(pperm.can_create_process(user))
    errors, clean = _check(user, values, process)
    if errors:
        raise ValidationError(errors)
    before = None if process is None else snapshot(process, ("areas", "terms"))
    if process is None:
        process = PlanningProcess(body_id=clean["body_id"], created_by_id=getattr(user, "id", None))
        process.phases = [
            ProcessPhase(kind=k.value, position=i, status=PhaseStatus.OFFEN) for i, k in enumerate(PHASE_ORDER, start=1)
        ]
        db.session.add(process)
    for key in ("title", "mandate_by", "mandate_date", "mandate_reference", "scope"):
        setattr(process, key, clean[key])
    process.mandate_committee = clean["mandate_committee"]
    process.areas, process.terms = clean["areas"], clean["terms"]
    db.session.flush()
    record(
        user,
        "create" if before is None else "update",
        process,
        before,
        snapshot(process, ("areas", "terms")),
        f"Planungsvorhaben {'angelegt' if before is None else 'geändert'}: {process.title}",
    )
    return process


def update_phase(user, phase: ProcessPhase, values: dict) -> ProcessPhase:
    process = phase.process
    require(pperm.can_manage_process(user, process))
    errors = {}
    status = values.get("status")
    if status not in {s.value for s in PhaseStatus}:
        errors["status"] = "Unbekannter Status."
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        errors["end_date"] = "Das Ende darf nicht vor dem Beginn liegen."
    responsible = None
    if values.get("responsible_id"):
        responsible = db.session.scalar(
            select(Person).where(Person.id == values["responsible_id"], perm.person_filter(user))
        )
        if responsible is None:
            errors["responsible_id"] = "Unbekannte Person."
    if errors:
        raise ValidationError(errors)
    before = snapshot(phase)
    phase.status, phase.start_date, phase.end_date, phase.responsible = status, start, end, responsible
    db.session.flush()
    record(user, "update", phase, before, snapshot(phase), f"Phase {phase.label}: {process.title}")
    return phase


# --- assignments ---------------------------------------------------------------------------


def _load(kind: str, ids: set[int]) -> dict[int, object]:
    if not ids:
        return {}
    if kind == AssignmentKind.SITZUNG:
        return {
            m.id: m
            for m in db.session.scalars(
                select(Meeting).where(Meeting.id.in_(ids)).options(joinedload(Meeting.committee))
            )
        }
    if kind == AssignmentKind.BEFRAGUNG:
        return {s.id: s for s in db.session.scalars(select(Survey).where(Survey.id.in_(ids)))}
    if kind == AssignmentKind.AUSGABE:
        from models.monitoring import MonitoringEdition

        return {e.id: e for e in db.session.scalars(select(MonitoringEdition).where(MonitoringEdition.id.in_(ids)))}
    return kette._load(kind, ids)


def visible_item(user, kind: str, obj) -> bool:
    if kind == AssignmentKind.SITZUNG:
        return perm.can_view_meeting(user, obj)
    if kind == AssignmentKind.BEFRAGUNG:
        return perm.can_view_survey(user, obj)
    if kind == AssignmentKind.AUSGABE:
        from beteiligung.permissions import monitoring as mperm

        return mperm.can_view_edition(user, obj)
    return kette.visible(user, kind, obj)


def assign(user, process: PlanningProcess, phase_id, kind: str, item_id) -> ProcessAssignment:
    require(pperm.can_manage_process(user, process))
    phase = next((p for p in process.phases if str(p.id) == str(phase_id)), None)
    if phase is None:
        raise ValidationError({"phase_id": "Bitte eine Phase dieses Vorhabens wählen."})
    try:
        kind = AssignmentKind(kind).value
        item_id = int(item_id)
    except (TypeError, ValueError):
        raise ValidationError({"item_id": "Bitte einen Eintrag wählen."}) from None
    obj = _load(kind, {item_id}).get(item_id)
    if obj is None or not visible_item(user, kind, obj):
        raise NotFound()
    exists = db.session.scalar(
        select(ProcessAssignment).where(
            ProcessAssignment.process_id == process.id,
            ProcessAssignment.item_kind == kind,
            ProcessAssignment.item_id == item_id,
        )
    )
    if exists is not None:
        raise ValidationError({"item_id": "Dieser Eintrag ist dem Vorhaben bereits zugeordnet."})
    a = ProcessAssignment(process_id=process.id, phase_id=phase.id, item_kind=kind, item_id=item_id)
    db.session.add(a)
    db.session.flush()
    record(user, "create", a, None, snapshot(a), f"{AssignmentKind(kind).label} zugeordnet: {process.title}")
    return a


def unassign(user, process: PlanningProcess, assignment_id) -> None:
    require(pperm.can_manage_process(user, process))
    a = db.session.get(ProcessAssignment, assignment_id)
    if a is None or a.process_id != process.id:
        raise NotFound()
    record(user, "delete", a, snapshot(a), None, f"Zuordnung gelöst: {process.title}")
    db.session.delete(a)
    db.session.flush()


def items_per_phase(user, process: PlanningProcess) -> dict[int, list[tuple[ProcessAssignment, str, object]]]:
    """{phase id: [(assignment, kind, object)]} — only what the user may see; one query per kind."""
    rows = list(
        db.session.scalars(
            select(ProcessAssignment).where(ProcessAssignment.process_id == process.id).order_by(ProcessAssignment.id)
        )
    )
    by_kind: dict[str, set[int]] = {}
    for a in rows:
        by_kind.setdefault(a.item_kind, set()).add(a.item_id)
    objects = {k: _load(k, ids) for k, ids in by_kind.items()}
    out: dict[int, list] = {p.id: [] for p in process.phases}
    for a in rows:
        obj = objects.get(a.item_kind, {}).get(a.item_id)
        if obj is not None and visible_item(user, a.item_kind, obj):
            out.setdefault(a.phase_id, []).append((a, a.item_kind, obj))
    return out


def search_items(user, kind: str, text: str, limit: int = 20) -> list:
    from models.contracts import Contract, Goal
    from models.planung import Measure
    from models.protocols import Protocol, ProtocolEntry

    text = (text or "").strip()
    if kind == AssignmentKind.SITZUNG:
        q, col = select(Meeting).where(perm.meeting_filter(user)).options(joinedload(Meeting.committee)), Meeting.title
    elif kind == AssignmentKind.BEFRAGUNG:
        q, col = select(Survey).where(perm.survey_filter(user)), Survey.title
    elif kind == AssignmentKind.AUSGABE:
        from beteiligung.permissions import monitoring as mperm
        from models.monitoring import MonitoringEdition

        q, col = select(MonitoringEdition).where(mperm.edition_filter(user)), MonitoringEdition.title
    elif kind == AssignmentKind.ZIEL:
        q, col = select(Goal).where(perm.goal_filter(user)), Goal.title
    elif kind == AssignmentKind.KONTRAKT:
        q, col = select(Contract).where(perm.contract_filter(user)), Contract.title
    elif kind == AssignmentKind.MASSNAHME:
        q, col = (
            select(Measure).where(pperm.measure_filter(user)).options(joinedload(Measure.organisation)),
            Measure.title,
        )
    elif kind == AssignmentKind.BESCHLUSS:
        q = (
            select(ProtocolEntry)
            .join(Protocol, Protocol.id == ProtocolEntry.protocol_id)
            .join(Meeting, Meeting.id == Protocol.meeting_id)
            .where(ProtocolEntry.kind.in_(("Beschluss", "Empfehlung")), perm.meeting_filter(user))
            .options(
                joinedload(ProtocolEntry.protocol).joinedload(Protocol.meeting).joinedload(Meeting.committee),
                joinedload(ProtocolEntry.agenda_item),
            )
        )
        col = ProtocolEntry.text
    else:
        return []
    if text:
        q = q.where(col.ilike(f"%{text}%"))
    rows = db.session.scalars(q.order_by(col).limit(limit * 3)).unique().all()
    return [o for o in rows if visible_item(user, kind, o)][:limit]


def item_label(kind: str, obj) -> str:
    if kind == AssignmentKind.SITZUNG:
        return f"{obj.title} ({obj.committee.name}, {obj.start:%d.%m.%Y})"
    if kind == AssignmentKind.BESCHLUSS:
        first = obj.text.strip().splitlines()[0] if obj.text.strip() else ""
        return f"{obj.kind}: {first[:120]} ({obj.protocol.meeting.committee.name})"
    if kind == AssignmentKind.ZIEL:
        return f"{obj.level}: {obj.title}"
    if kind == AssignmentKind.MASSNAHME:
        return f"{obj.title} – {obj.status_label}, {obj.progress} %"
    return getattr(obj, "title", str(obj))
