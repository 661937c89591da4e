"""Mitglieder übernehmen (issue 15): several members at once – the persons of an organisation, the
holders of a platform role or the members of another committee – with a preview and one
confirmation. One transaction: every new membership is written through
`committees.add_membership` (audit entry each), persons who are members already are skipped and
named; nothing is written when a single one fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from beteiligung.extensions import db
from beteiligung.permissions import auswahl as perm
from beteiligung.services import ValidationError, require
from models import ROLE_ADMIN, ROLE_LABELS, Committee, Membership, Organisation, Person, RoleAssignment, User

SOURCES = {
    "organisation": "einer Organisation",
    "rolle": "einer Rolle auf der Plattform",
    "gremium": "einem anderen Gremium",
}
ROLES = {k: v for k, v in ROLE_LABELS.items() if k != ROLE_ADMIN}
MAX_PERSONS = 300  # one take-over; more is a sign of a wrong source


@dataclass
class Preview:
    source_label: str
    new: list[Person] = field(default_factory=list)
    already: list[Person] = field(default_factory=list)
    truncated: bool = False


def source_committees(user, committee) -> list[Committee]:
    return list(
        db.session.scalars(
            select(Committee).where(perm.source_committee_filter(user, committee)).order_by(Committee.name)
        )
    )


def preview(user, committee, quelle: str, ref) -> Preview:
    """Who would be added from the source (`quelle`: organisation / rolle / gremium, `ref`: its id
    or role key): only persons this user may pick; members already are listed separately."""
    require(perm.can_take_over_members(user, committee))
    q = select(Person).where(perm.pickable_person_filter(user, "mitglied"))
    if quelle == "organisation":
        org = db.session.scalar(
            select(Organisation).where(
                Organisation.id == (ref or 0), perm.pickable_organisation_filter(user, "mitglied")
            )
        )
        if org is None:
            raise ValidationError({"organisation_id": "Bitte eine Organisation über die Suche wählen."})
        q = q.where(Person.organisation_id == org.id)
        label = org.name
    elif quelle == "rolle":
        if ref not in ROLES:
            raise ValidationError({"rolle": "Bitte eine Rolle wählen."})
        holders = (
            select(User.person_id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role == ref, User.is_enabled.is_(True), User.person_id.isnot(None))
        )
        q = q.where(Person.id.in_(holders))
        label = f"Rolle {ROLES[ref]}"
    elif quelle == "gremium":
        other = db.session.scalar(
            select(Committee).where(Committee.id == (ref or 0), perm.source_committee_filter(user, committee))
        )
        if other is None:
            raise ValidationError({"gremium_id": "Bitte ein anderes Gremium wählen."})
        today = date.today()
        members = select(Membership.person_id).where(
            Membership.committee_id == other.id, or_(Membership.end_date.is_(None), Membership.end_date >= today)
        )
        q = q.where(Person.id.in_(members))
        label = other.name
    else:
        raise ValidationError({"quelle": "Bitte wählen, woher die Mitglieder kommen."})
    persons = list(
        db.session.scalars(q.order_by(Person.last_name, Person.first_name, Person.id).limit(MAX_PERSONS + 1))
    )
    result = Preview(source_label=label, truncated=len(persons) > MAX_PERSONS)
    current = set(
        db.session.scalars(
            select(Membership.person_id).where(Membership.committee_id == committee.id, Membership.end_date.is_(None))
        )
    )
    for p in persons[:MAX_PERSONS]:
        (result.already if p.id in current else result.new).append(p)
    return result


def take_over(user, committee, quelle: str, ref, person_ids: list[int], circle: str) -> tuple[list, list]:
    """Add the chosen persons of the preview as members. Returns (added memberships, skipped persons
    who are members already). A person not in the preview (guessed id) is refused – nothing written."""
    from beteiligung.services.gremien import mitglieder as mitglieder_svc

    result = preview(user, committee, quelle, ref)
    offered = {p.id: p for p in result.new}
    already = {p.id: p for p in result.already}
    chosen = list(dict.fromkeys(person_ids))
    if not chosen:
        raise ValidationError({"person_ids": "Bitte mindestens eine Person auswählen."})
    unknown = [i for i in chosen if i not in offered and i not in already]
    if unknown:
        raise ValidationError({"person_ids": "Diese Auswahl passt nicht zur Vorschau. Bitte die Vorschau neu laden."})
    if circle not in mitglieder_svc.CIRCLES:
        raise ValidationError({"circle": "Bitte Kernkreis oder erweiterten Kreis wählen."})
    added, skipped = [], [already[i] for i in chosen if i in already]
    for pid in chosen:
        if pid in offered:
            added.append(
                mitglieder_svc.add_membership(
                    user, committee, {"person_id": pid, "circle": circle, "has_mandate": False}
                )
            )
    db.session.flush()
    return added, skipped
