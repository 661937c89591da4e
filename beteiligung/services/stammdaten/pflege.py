"""Create, change and delete Stammdaten; every change is permission-checked and audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import Area, Body, Organisation, Person, Term, utcnow

from .. import Conflict, NotFound, ValidationError, ensure_version, require
from ..audit import record, snapshot


@dataclass(frozen=True)
class Kind:
    model: type
    label: str
    may_create: Callable
    may_edit: Callable
    may_delete: Callable
    check: Callable
    relations: tuple[str, ...] = ()


def _body_id_of(values, obj):
    return values.get("body_id", getattr(obj, "body_id", None))


def _check_body(values, obj):
    errors = {}
    code = values.get("code", getattr(obj, "code", None))
    q = select(Body.id).where(Body.code == code)
    if obj is not None:
        q = q.where(Body.id != obj.id)
    if code and db.session.scalar(q):
        errors["code"] = "Diesen Gemeindeschlüssel hat bereits eine andere Körperschaft."
    parent_id = values.get("parent_id")
    if obj is not None and parent_id is not None:
        node = db.session.get(Body, parent_id)
        while node is not None:
            if node.id == obj.id:
                errors["parent_id"] = "Eine Körperschaft kann nicht unter sich selbst stehen."
                break
            node = node.parent
    return errors


def _check_area(values, obj):
    errors = {}
    body_id = _body_id_of(values, obj)
    code = values.get("code", getattr(obj, "code", None))
    q = select(Area.id).where(Area.body_id == body_id, Area.code == code)
    if obj is not None:
        q = q.where(Area.id != obj.id)
    if code and db.session.scalar(q):
        errors["code"] = "Diese Kennung ist in der Körperschaft bereits vergeben."
    parent_id = values.get("parent_id")
    if parent_id is not None:
        parent = db.session.get(Area, parent_id)
        if parent is None or parent.body_id != body_id:
            errors["parent_id"] = "Der übergeordnete Raum muss zur selben Körperschaft gehören."
        else:
            node = parent
            while node is not None and obj is not None:
                if node.id == obj.id:
                    errors["parent_id"] = "Ein Raum kann nicht unter sich selbst stehen."
                    break
                node = node.parent
    vf, vt = values.get("valid_from"), values.get("valid_to")
    if vf and vt and vt < vf:
        errors["valid_to"] = "„Gültig bis“ darf nicht vor „Gültig ab“ liegen."
    return errors


def _check_term(values, obj):
    vocabulary = values.get("vocabulary", getattr(obj, "vocabulary", None))
    name = values.get("name", getattr(obj, "name", None))
    q = select(Term.id).where(Term.vocabulary == vocabulary, func.lower(Term.name) == (name or "").lower())
    if obj is not None:
        q = q.where(Term.id != obj.id)
    if name and db.session.scalar(q):
        return {"name": "Diesen Begriff gibt es in dieser Liste bereits."}
    return {}


def _check_organisation(values, obj):
    errors = {}
    body_id = _body_id_of(values, obj)
    name = values.get("name", getattr(obj, "name", None))
    q = select(Organisation.id).where(
        Organisation.body_id == body_id, func.lower(Organisation.name) == (name or "").lower()
    )
    if obj is not None:
        q = q.where(Organisation.id != obj.id)
    if name and db.session.scalar(q):
        errors["name"] = "Eine Organisation mit diesem Namen gibt es in der Körperschaft bereits."
    if obj is not None and values.get("parent_id") == obj.id:
        errors["parent_id"] = "Eine Organisation kann nicht ihr eigener Dachverband sein."
    return errors


def _check_person(values, obj):
    errors = {}
    consent = values.get("consent_given", getattr(obj, "consent_given", False))
    if consent:
        if not values.get("consent_date", getattr(obj, "consent_date", None)):
            errors["consent_date"] = "Bitte das Datum der Einwilligung angeben."
        if not values.get("consent_purpose", getattr(obj, "consent_purpose", None)):
            errors["consent_purpose"] = "Bitte den Zweck der Einwilligung angeben."
    org_id = values.get("organisation_id")
    if org_id is not None and db.session.get(Organisation, org_id) is None:
        errors["organisation_id"] = "Diese Organisation gibt es nicht."
    return errors


KINDS = {
    Body: Kind(
        Body,
        "Körperschaft",
        lambda u, v: perm.can_edit_body(u),
        lambda u, o: perm.can_edit_body(u, o),
        lambda u, o: perm.can_edit_body(u, o),
        _check_body,
    ),
    Area: Kind(
        Area,
        "Sozialraum",
        lambda u, v: perm.can_create_area(u, v.get("body_id")),
        perm.can_edit_area,
        perm.can_edit_area,
        _check_area,
    ),
    Term: Kind(
        Term,
        "Begriff",
        lambda u, v: perm.can_edit_terms(u),
        lambda u, o: perm.can_edit_terms(u),
        lambda u, o: perm.can_edit_terms(u),
        _check_term,
    ),
    Organisation: Kind(
        Organisation,
        "Organisation",
        lambda u, v: perm.can_create_organisation(u, v.get("body_id")),
        perm.can_edit_organisation,
        perm.can_delete_organisation,
        _check_organisation,
        ("areas", "terms"),
    ),
    Person: Kind(
        Person,
        "Person",
        lambda u, v: perm.can_create_person(u, v.get("body_id"), v.get("organisation_id")),
        perm.can_edit_person,
        perm.can_erase_person,
        _check_person,
    ),
}


def _kind(model) -> Kind:
    for cls in model.__mro__:
        if cls in KINDS:
            return KINDS[cls]
    raise KeyError(model)


def _apply(obj, values: dict):
    for key, value in values.items():
        setattr(obj, key, value)


def _flush_versioned() -> None:
    """Flush; a row changed by another transaction since it was loaded becomes a Conflict."""
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict() from None


def create(user, model: type[db.Model], values: dict) -> db.Model:
    """Create a record of model from cleaned values (to-many relations as lists)."""
    kind = _kind(model)
    require(kind.may_create(user, values))
    errors = kind.check(values, None)
    if errors:
        raise ValidationError(errors)
    obj = model()
    _apply(obj, values)
    db.session.add(obj)
    db.session.flush()
    record(user, "create", obj, None, snapshot(obj, kind.relations))
    db.session.flush()
    return obj


def update(user, obj: db.Model, values: dict, version) -> db.Model:
    """Change obj; a stale version raises Conflict, nothing is written."""
    kind = _kind(type(obj))
    require(kind.may_edit(user, obj))
    ensure_version(obj, version)
    errors = kind.check(values, obj)
    if errors:
        raise ValidationError(errors)
    before = snapshot(obj, kind.relations)
    _apply(obj, values)
    # Changed to-many relations alone would not bump the version counter.
    obj.updated_at = utcnow()
    _flush_versioned()
    after = snapshot(obj, kind.relations)
    if before != after:
        record(user, "update", obj, before, after)
    db.session.flush()
    return obj


# Where an Area or a Term may be referenced; a table not listed here is named "weitere Verweise".
USAGE_LABELS = {
    "area": "untergeordnete Räume",
    "term": "untergeordnete Begriffe",
    "role_area": "Rollen im Sozialraummanagement",
    "organisation_area": "Organisationen",
    "organisation_term": "Organisationen",
    "committee_area": "Gremien",
    "committee_term": "Gremien",
    "agenda_item_term": "Tagesordnungspunkte",
    "contract_area": "Kontrakte",
    "contract_term": "Kontrakte",
    "goal": "Ziele",
    "indicator": "Kennzahlen",
    "survey_area": "Befragungen",
    "survey_term": "Befragungen",
    "survey_street_area": "Straßenzuordnungen von Befragungen",
    "survey_response": "Befragungsantworten",
    "survey_answer": "Befragungsantworten",
    "survey_option": "Antwortoptionen von Befragungen",
    "finding_area": "Befunde",
    "finding_term": "Befunde",
    "partner_status": "Partner-Stände im Netzwerk",
}


def usage(obj) -> dict[str, int]:
    """Rows of every other table that reference obj (found through the schema, so new tables count too)."""
    table = type(obj).__table__
    out: dict[str, int] = {}
    for other in db.metadata.sorted_tables:
        columns = [fk.parent for fk in other.foreign_keys if fk.column.table is table]
        if not columns:
            continue
        n = db.session.scalar(select(func.count()).select_from(other).where(or_(*(c == obj.id for c in columns))))
        if n:
            label = USAGE_LABELS.get(other.name, "weitere Verweise")
            out[label] = out.get(label, 0) + n
    return out


def delete(user, obj: db.Model, version) -> None:
    kind = _kind(type(obj))
    require(kind.may_delete(user, obj))
    ensure_version(obj, version)
    if isinstance(obj, (Area, Term)):
        # Their links would vanish silently (ON DELETE CASCADE / SET NULL): a Sozialraummanagerin would
        # lose her scope, survey answers their area. Refuse and say where it is used.
        used = usage(obj)
        if used:
            where = ", ".join(f"{n} × {label}" for label, n in used.items())
            hint = (
                "Setzen Sie stattdessen „Gültig bis“, dann bleibt er in Auswertungen und Historie erhalten."
                if isinstance(obj, Area)
                else "Benennen Sie ihn stattdessen um oder entfernen Sie die Verweise zuerst."
            )
            raise ValidationError(f"{kind.label} „{obj}“ wird noch verwendet ({where}). {hint}")
    before = snapshot(obj, kind.relations)
    record(user, "delete", obj, before, None)
    db.session.delete(obj)
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict() from None
    except Exception:
        raise ValidationError(
            f"{kind.label} wird noch verwendet und kann nicht gelöscht werden. "
            "Setzen Sie sie stattdessen auf inaktiv oder lösen Sie die Verweise."
        ) from None
    db.session.flush()


def erase_person(user, person, version) -> Person:
    """Art. 17 DSGVO: anonymise a person in place so protocols and links stay intact."""
    require(perm.can_erase_person(user, person))
    ensure_version(person, version)
    before = snapshot(person)
    person.first_name = "Gelöschte"
    person.last_name = f"Person #{person.id}"
    person.email = None
    person.phone = None
    person.function = None
    person.consent_given = False
    person.consent_purpose = None
    person.consent_date = None
    person.anonymised_at = utcnow()
    _flush_versioned()
    # Earlier audit snapshots must not keep the erased data either: the one
    # sanctioned exception to the append-only log (a Core UPDATE, no ORM event).
    from sqlalchemy import update as sql_update

    from models import AuditEntry

    db.session.execute(
        sql_update(AuditEntry)
        .where(AuditEntry.entity_type == "Person", AuditEntry.entity_id == person.id)
        .values(before=None, after={"anonymisiert": True}, summary="Person anonymisiert")
    )
    record(user, "anonymise", person, dict.fromkeys(before, "…"), snapshot(person), "Person anonymisiert")
    db.session.flush()
    return person


def person_export(user, person) -> dict:
    """Art. 15 DSGVO: everything stored about a person, as data."""
    require(perm.can_view_person(user, person))
    data = snapshot(person)
    data["organisation"] = person.organisation.name if person.organisation else None
    from models import User

    account = db.session.scalar(select(User).where(User.person_id == person.id))
    if account is not None:
        data["benutzerkonto"] = {
            "email": account.email,
            "rollen": [f"{r.label} ({r.scope_label})" for r in account.roles],
            "letzte_anmeldung": account.last_login_at.isoformat() if account.last_login_at else None,
        }
    data.update(_person_records(person))
    return data


def _person_records(person) -> dict:
    """What the modules store about a person: seats, invitations, attendance, tasks, relations."""
    from sqlalchemy.orm import joinedload

    from models import Invitation, Membership
    from models.network import Relation
    from models.protocols import Attendance, ProtocolEntry

    def day(value):
        return value.isoformat() if value else None

    memberships = db.session.scalars(
        select(Membership)
        .options(joinedload(Membership.committee))
        .where(or_(Membership.person_id == person.id, Membership.deputy_id == person.id))
    ).all()
    invitations = db.session.scalars(
        select(Invitation)
        .options(joinedload(Invitation.meeting))
        .where(or_(Invitation.person_id == person.id, Invitation.deputy_id == person.id))
    ).all()
    attendance = db.session.scalars(
        select(Attendance)
        .options(joinedload(Attendance.meeting))
        .where(or_(Attendance.person_id == person.id, Attendance.deputy_id == person.id))
    ).all()
    tasks = db.session.scalars(select(ProtocolEntry).where(ProtocolEntry.owner_person_id == person.id)).all()
    relations = db.session.scalars(
        select(Relation).where(or_(Relation.source_person_id == person.id, Relation.target_person_id == person.id))
    ).all()
    return {
        "gremien": [
            {
                "gremium": m.committee.name,
                "rolle": m.role,
                "mandat": m.has_mandate,
                "als_vertretung": m.deputy_id == person.id,
                "von": day(m.start_date),
                "bis": day(m.end_date),
            }
            for m in memberships
        ],
        "einladungen": [
            {
                "sitzung": i.meeting.title,
                "beginn": day(i.meeting.start),
                "antwort": i.rsvp,
                "als_vertretung": i.deputy_id == person.id,
            }
            for i in invitations
        ],
        "anwesenheit": [
            {
                "sitzung": a.meeting.title,
                "beginn": day(a.meeting.start),
                "status": a.status,
                "als_vertretung": a.deputy_id == person.id,
            }
            for a in attendance
        ],
        "aufgaben": [{"text": t.text, "faellig": day(t.due_date), "stand": t.status} for t in tasks],
        "beziehungen": [
            {
                "id": r.id,
                "art_id": r.kind_id,
                "gueltig_ab": day(r.valid_from),
                "gueltig_bis": day(r.valid_to),
                "quelle": r.evidence,
            }
            for r in relations
        ],
    }


def get_or_404(model: type[db.Model], obj_id) -> db.Model:
    obj = db.session.get(model, obj_id)
    if obj is None:
        raise NotFound()
    return obj
