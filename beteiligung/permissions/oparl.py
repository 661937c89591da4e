"""OParl: what the public may see, and who prepares Vorlagen.

The public API shows exactly what the public pages show, or less:
- Gremien (Organization) that are public,
- Sitzungen (Meeting) that are public in a public Gremium (as /oeffentlich/sitzungen/<id>),
- TOPs (AgendaItem) marked public in such a Sitzung,
- Personen only with a recorded consent to publication (PublicationConsent) and not anonymised;
  their contact data only with contact=True; Mitgliedschaften only of such persons in public Gremien,
- Vorlagen (Paper) once published, with their files and Beratungen.
Each rule exists twice, as a Python predicate (for one object) and as a SQL condition (for lists);
tests/oparl check that both agree.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, select

from beteiligung.permissions import can_manage_committee, scope_of
from models import AgendaItem, Committee, Meeting, Person
from models.oparl import PUBLIC_PAPER_STATES, Paper, PublicationConsent

# --- public reads (no login) --------------------------------------------------------------


def committee_public_filter():
    return Committee.is_public.is_(True)


def meeting_public_filter():
    """Condition on Meeting; the query must join Committee."""
    return and_(Meeting.is_public.is_(True), Committee.is_public.is_(True))


def agenda_item_public_filter():
    """Condition on AgendaItem; the query must join Meeting and Committee."""
    return and_(AgendaItem.is_public.is_(True), meeting_public_filter())


def person_public_filter():
    return and_(Person.anonymised_at.is_(None), exists().where(PublicationConsent.person_id == Person.id))


def membership_public_filter():
    """Condition on Membership; the query must join Committee and Person."""
    return and_(committee_public_filter(), person_public_filter())


def paper_public_filter():
    return Paper.state.in_([s.value for s in PUBLIC_PAPER_STATES])


def is_public_committee(committee) -> bool:
    return bool(committee is not None and committee.is_public)


def is_public_meeting(meeting) -> bool:
    return bool(meeting is not None and meeting.is_public and is_public_committee(meeting.committee))


def is_public_agenda_item(item) -> bool:
    return bool(item is not None and item.is_public and is_public_meeting(item.meeting))


def is_public_person(person, consent_ids: set[int] | None = None) -> bool:
    if person is None or person.anonymised_at is not None:
        return False
    if consent_ids is not None:
        return person.id in consent_ids
    from beteiligung.extensions import db

    return db.session.get(PublicationConsent, person.id) is not None


def is_public_membership(membership, consent_ids: set[int] | None = None) -> bool:
    return is_public_committee(membership.committee) and is_public_person(membership.person, consent_ids)


def is_public_paper(paper) -> bool:
    return bool(paper is not None and paper.state in PUBLIC_PAPER_STATES)


def public_consent_ids() -> set[int]:
    from beteiligung.extensions import db

    return set(db.session.scalars(select(PublicationConsent.person_id)))


# --- Vorlagen ---------------------------------------------------------------------------------


def can_prepare_paper(user, entry) -> bool:
    """Make a Vorlage from a protocol entry: the Gremium's planners (as for the political
    resolution), only for entries addressed to a political body „zur Beschlussfassung“."""
    if entry is None or not entry.for_resolution or entry.addressee_org_id is None:
        return False
    if entry.kind not in ("Beschluss", "Empfehlung"):
        return False
    return can_manage_committee(user, entry.protocol.meeting.committee)


def can_manage_paper(user, paper) -> bool:
    s = scope_of(user)
    return (
        s.admin
        or paper.body_id in s.planner_body_ids
        or (
            paper.protocol_entry is not None
            and can_manage_committee(user, paper.protocol_entry.protocol.meeting.committee)
        )
    )


def can_view_paper(user, paper) -> bool:
    """Published Vorlagen are public; drafts only for those who prepare them."""
    return is_public_paper(paper) or can_manage_paper(user, paper)


def can_list_papers(user) -> bool:
    return scope_of(user).staff


def paper_filter(user):
    """Vorlagen this user may see in the staff list: published ones and own drafts."""
    from sqlalchemy import or_, true

    s = scope_of(user)
    if s.admin:
        return true()
    conds = [paper_public_filter()]
    if s.planner_body_ids:
        conds.append(Paper.body_id.in_(s.planner_body_ids))
    return or_(*conds)
