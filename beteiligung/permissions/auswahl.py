"""Auswahl (issues 14 and 15): who may search which persons and organisations in a picker.

A picker (search-as-you-type field for a person or an organisation) offers exactly what the
form it belongs to accepts: the named read filters of Stammdaten, narrowed by the purpose
(`zweck`) of the field. A partner therefore finds only the persons of their own organisation,
Politik finds no persons at all, and the network offers only persons who consented.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from models import Organisation, Person

from .core import scope_of
from .stammdaten import organisation_filter, person_filter

# Purposes of a person picker and what they add to the person filter.
PERSON_PURPOSES = ("allgemein", "mitglied", "einladung", "protokoll", "netzwerk")
ORGANISATION_PURPOSES = ("allgemein", "mitglied", "protokoll", "kontrakt", "netzwerk", "personeneintrag")
# Purposes of a committee picker (the committee filter of Nachhalten: "protokoll").
COMMITTEE_PURPOSES = ("allgemein", "protokoll")


def can_search_persons(user, zweck: str = "allgemein") -> bool:
    """The person search: staff of a body or area, and partners (who find their own people)."""
    if zweck not in PERSON_PURPOSES or not getattr(user, "is_authenticated", False):
        return False
    s = scope_of(user)
    return s.admin or bool(s.planner_body_ids) or bool(s.area_ids) or bool(s.partner_org_ids)


def can_search_organisations(user, zweck: str = "allgemein") -> bool:
    if zweck not in ORGANISATION_PURPOSES or not getattr(user, "is_authenticated", False):
        return False
    s = scope_of(user)
    return s.admin or bool(s.tree_body_ids)


def can_search_committees(user, zweck: str = "allgemein") -> bool:
    """The committee search: every signed-in user; each finds only the committees they may see."""
    return zweck in COMMITTEE_PURPOSES and getattr(user, "is_authenticated", False)


def pickable_committee_filter(user, zweck: str = "allgemein") -> ColumnElement[bool]:
    """SQL condition: committees this user may choose – exactly those they may see (committee_filter)."""
    from .gremien import committee_filter

    return committee_filter(user)


def pickable_person_filter(user, zweck: str = "allgemein") -> ColumnElement[bool]:
    """SQL condition: persons this user may choose in a field of this purpose. Never wider than
    `person_filter`; anonymised persons are never offered; the network needs consent."""
    cond = and_(person_filter(user), Person.anonymised_at.is_(None))
    if zweck == "netzwerk":
        cond = and_(cond, Person.consent_given.is_(True))
    return cond


def pickable_organisation_filter(user, zweck: str = "allgemein") -> ColumnElement[bool]:
    """SQL condition: organisations this user may choose in a field of this purpose. The
    organisation of a person record ("personeneintrag"): a partner only their own."""
    if zweck == "personeneintrag":
        s = scope_of(user)
        if not s.staff and s.partner_org_ids:
            return Organisation.id.in_(s.partner_org_ids)
    return organisation_filter(user)


def can_take_over_members(user, committee) -> bool:
    """Several members at once ("Mitglieder übernehmen aus …"): whoever manages the committee."""
    from .gremien import can_manage_committee

    return committee is not None and can_manage_committee(user, committee)


def source_committee_filter(user, committee) -> ColumnElement[bool]:
    """SQL condition: committees whose members this user may take over into `committee` – the
    committees the user may see, except the committee itself."""
    from models import Committee

    from .gremien import committee_filter

    return and_(committee_filter(user), Committee.id != committee.id)
