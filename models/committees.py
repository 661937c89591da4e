"""Gremien und Sitzungen (OParl: Organization, Meeting, AgendaItem, Membership).

Shared core used by several modules: the Themenspeicher (TopicProposal) is
where protocols (forwarded Empfehlungen), contract reports (deviations) and
surveys (Befunde) deliver topics for the next agenda.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin
from .masterdata import Area, Body, Organisation, Person, Term

DEFAULT_COMMITTEE_TYPES = [
    # name, public by default, description
    (
        "Sozialplanungskonferenz",
        False,
        "Koordiniert die Fachplanungen; Mitglieder mit Mandat; verbindliche, dokumentierte Ergebnisse.",
    ),
    ("Sozialraumkonferenz", True, "Öffentlich, regelmäßig, eine je Sozialraum; geleitet vom Sozialraummanagement."),
    ("Werkstatt", False, "Arbeitsformat zu einem Thema."),
    ("Fachplanungskonferenz", False, "Abstimmung einer Fachplanung."),
    ("Steuerungsgruppe", False, "Steuert einen Prozess."),
    ("Arbeitsgruppe", False, "Bearbeitet einen Auftrag."),
    ("Zukunftskonferenz", True, "Großgruppenformat zur Leitbildentwicklung."),
    ("Open Space", True, "Offenes Großgruppenformat."),
    ("Fachtag", True, "Fachveranstaltung."),
]


class MeetingStatus(StrEnum):
    """geplant → eingeladen → durchgeführt → protokolliert, plus verschoben/abgesagt (stored as the German labels)."""

    GEPLANT = "geplant"
    EINGELADEN = "eingeladen"
    DURCHGEFUEHRT = "durchgeführt"
    PROTOKOLLIERT = "protokolliert"
    VERSCHOBEN = "verschoben"
    ABGESAGT = "abgesagt"

    @property
    def label(self) -> str:
        return self.value

    @property
    def tone(self) -> str:
        """Colour of the status badge (KERN badge kind: info, success, warning, danger)."""
        return {
            "abgesagt": "danger",
            "verschoben": "warning",
            "durchgeführt": "success",
            "protokolliert": "success",
        }.get(self.value, "info")


MEETING_STATES = list(MeetingStatus)
# Groups of meeting states, defined once:
# still ahead — may be invited to (again);
INVITABLE_MEETING_STATES = (MeetingStatus.GEPLANT, MeetingStatus.EINGELADEN, MeetingStatus.VERSCHOBEN)
# open for public registration and for being held;
UPCOMING_MEETING_STATES = (MeetingStatus.GEPLANT, MeetingStatus.EINGELADEN)
# took place;
HELD_MEETING_STATES = (MeetingStatus.DURCHGEFUEHRT, MeetingStatus.PROTOKOLLIERT)
# final — the meeting itself can no longer be changed.
FINAL_MEETING_STATES = (MeetingStatus.PROTOKOLLIERT, MeetingStatus.ABGESAGT)


class RsvpStatus(StrEnum):
    """Answer of an invitee (Invitation.rsvp)."""

    OFFEN = "offen"
    ZUGESAGT = "zugesagt"
    ABGESAGT = "abgesagt"
    VIELLEICHT = "vielleicht"
    VERTRETEN = "vertreten"

    @property
    def label(self) -> str:
        return {
            "offen": "keine Antwort",
            "zugesagt": "Zusage",
            "abgesagt": "Absage",
            "vielleicht": "Vielleicht",
            "vertreten": "Vertretung",
        }[self.value]


# The answers an invitee can give (everything but "offen"), value → label.
RSVP_ANSWERS = {k.value: k.label for k in RsvpStatus if k is not RsvpStatus.OFFEN}


class TopicStatus(StrEnum):
    """State of a Themenspeicher entry."""

    OFFEN = "offen"
    EINGEPLANT = "eingeplant"
    ERLEDIGT = "erledigt"
    ABGELEHNT = "abgelehnt"

    @property
    def label(self) -> str:
        return self.value

    @property
    def tone(self) -> str:
        """Colour of the status badge (KERN badge kind: info, success, warning, danger)."""
        return {"eingeplant": "success"}.get(self.value, "info")


TOPIC_STATES = list(TopicStatus)

committee_area = Table(
    "committee_area",
    db.Model.metadata,
    Column("committee_id", ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)
committee_term = Table(
    "committee_term",
    db.Model.metadata,
    Column("committee_id", ForeignKey("committee.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("term.id", ondelete="CASCADE"), primary_key=True),
)
agenda_item_term = Table(
    "agenda_item_term",
    db.Model.metadata,
    Column("agenda_item_id", ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("term.id", ondelete="CASCADE"), primary_key=True),
)


class CommitteeType(TimestampMixin, db.Model):
    """Configurable kinds of Gremien (seeded with DEFAULT_COMMITTEE_TYPES)."""

    __tablename__ = "committee_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    public_default: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)

    def __str__(self) -> str:
        return self.name


class Committee(TimestampMixin, VersionedMixin, db.Model):
    """Gremium (OParl Organization)."""

    __tablename__ = "committee"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("committee_type.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    purpose: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    cadence: Mapped[str | None] = mapped_column(String(120))  # e.g. "alle zwei Monate"
    quorum: Mapped[int | None] = mapped_column(Integer)  # Beschlussfähigkeit: members needed
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    body: Mapped[Body] = relationship()
    type: Mapped[CommitteeType] = relationship(lazy="joined")
    areas: Mapped[list[Area]] = relationship(secondary=committee_area, order_by=Area.code)
    terms: Mapped[list[Term]] = relationship(secondary=committee_term, order_by=Term.name)
    memberships: Mapped[list[Membership]] = relationship(back_populates="committee", cascade="all, delete-orphan")
    meetings: Mapped[list[Meeting]] = relationship(back_populates="committee", order_by="Meeting.start")

    def __str__(self) -> str:
        return self.name


class Membership(TimestampMixin, db.Model):
    """A seat in a committee (OParl Membership with onBehalfOf = organisation)."""

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), nullable=False, index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    role: Mapped[str | None] = mapped_column(String(100))  # Vorsitz, Mitglied, beratend …
    has_mandate: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    circle: Mapped[str] = mapped_column(
        String(20), default="Kernkreis", nullable=False
    )  # Kernkreis / erweiterter Kreis
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    committee: Mapped[Committee] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    deputy: Mapped[Person | None] = relationship(foreign_keys=[deputy_id])
    organisation: Mapped[Organisation | None] = relationship()

    def is_active_on(self, day: date) -> bool:
        return (self.start_date is None or self.start_date <= day) and (self.end_date is None or day <= self.end_date)


class Meeting(TimestampMixin, VersionedMixin, db.Model):
    """Sitzung (OParl Meeting). Times are naive UTC like every timestamp."""

    __tablename__ = "meeting"
    # A committee's meetings by date (committee page, open items of earlier meetings).
    __table_args__ = (Index("ix_meeting_committee_start", "committee_id", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committee.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    start: Mapped[datetime] = mapped_column(DateTime, nullable=False, index=True)
    end: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    location: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    is_public: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="geplant", nullable=False, index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    goals: Mapped[str | None] = mapped_column(Text)  # Ziele der Sitzung (Markdown)
    series_id: Mapped[str | None] = mapped_column(String(40), index=True)  # shared by a series
    rrule: Mapped[str | None] = mapped_column(String(200))
    ical_uid: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    ical_sequence: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # Roles of the meeting (Sitzungsleitung, Moderation, Protokollführung): MeetingRole rows
    # (models/protocols.py, backref `protocol_roles`), see role_holders.
    # Public registration (Sozialraumkonferenz): capacity and optional fields (comma-separated keys)
    registration_open: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, server_default="0")
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_fields: Mapped[str | None] = mapped_column(String(200))
    # Counter of saved attendance lists: the attendance form carries it, a save raises it with a
    # conditional UPDATE, so two people recording at once get a conflict instead of a silent overwrite.
    # Kept apart from `version` so recording attendance does not invalidate an open meeting form.
    attendance_version: Mapped[int] = mapped_column(Integer, default=0, nullable=False, server_default="0")

    committee: Mapped[Committee] = relationship(back_populates="meetings")
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )

    @property
    def role_holders(self) -> list[tuple[str, str]]:
        """(label, holder) of the meeting's roles in the handbook's order, from the MeetingRole rows."""
        from .protocols import MeetingRoleKind

        held = {r.role: r.holder for r in self.protocol_roles}
        return [(kind.label, held[kind]) for kind in MeetingRoleKind if held.get(kind)]

    @property
    def editable(self) -> bool:
        """Not yet protokolliert or abgesagt (FINAL_MEETING_STATES)."""
        return self.status not in FINAL_MEETING_STATES

    @property
    def invitable(self) -> bool:
        return self.status in INVITABLE_MEETING_STATES

    @property
    def cancelled(self) -> bool:
        return self.status == MeetingStatus.ABGESAGT

    def __str__(self) -> str:
        return self.title


class AgendaItem(TimestampMixin, VersionedMixin, db.Model):
    """Tagesordnungspunkt (TOP)."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    number: Mapped[str | None] = mapped_column(String(20))  # shown as "TOP 3"
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    goal: Mapped[str | None] = mapped_column(Text)  # what the item should achieve
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    presenter: Mapped[str | None] = mapped_column(String(200))
    is_public: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    terms: Mapped[list[Term]] = relationship(secondary=agenda_item_term, order_by=Term.name)
    # Where the item came from (Themenspeicher entries placed on it), for the Wirkungskette.
    topics: Mapped[list[TopicProposal]] = relationship(back_populates="agenda_item")


class TopicProposal(TimestampMixin, VersionedMixin, db.Model):
    """Themenspeicher: a proposed topic waiting for an agenda.

    source_type/source_id name the origin so both ends can link to each other:
    "mitglied" (typed in), "protokolleintrag" (forwarded Erkenntnis/Empfehlung),
    "bericht" (contract report deviation), "befund" (survey finding), "sonstiges".
    """

    __tablename__ = "topic_proposal"
    __table_args__ = (Index("ix_topic_proposal_committee_status", "committee_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    source_type: Mapped[str] = mapped_column(String(30), default="mitglied", nullable=False)
    source_id: Mapped[int | None] = mapped_column(Integer)
    source_label: Mapped[str | None] = mapped_column(String(300))  # human-readable origin
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="offen", nullable=False, index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))

    committee: Mapped[Committee] = relationship()
    proposed_by = relationship("User")
    agenda_item: Mapped[AgendaItem | None] = relationship(back_populates="topics")

    @property
    def closed(self) -> bool:
        """Done or rejected (can be reopened)."""
        return self.status in (TopicStatus.ERLEDIGT, TopicStatus.ABGELEHNT)

    def __str__(self) -> str:
        return self.title


class Invitation(TimestampMixin, db.Model):
    """One invitee of a meeting, with RSVP state and the token for the answer link."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    rsvp: Mapped[str] = mapped_column(String(20), default="offen", nullable=False)  # RsvpStatus
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_sequence: Mapped[int | None] = mapped_column(Integer)
    # iCalendar ROLE: REQ-PARTICIPANT (Kernkreis), OPT-PARTICIPANT (erweiterter Kreis), CHAIR
    role: Mapped[str] = mapped_column(
        String(20), default="REQ-PARTICIPANT", nullable=False, server_default="REQ-PARTICIPANT"
    )
    comment: Mapped[str | None] = mapped_column(String(500))

    meeting: Mapped[Meeting] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    deputy: Mapped[Person | None] = relationship(foreign_keys=[deputy_id])
    organisation: Mapped[Organisation | None] = relationship()


# --- additions: calendar feed tokens, public registrations, TOP documents -------------------------

# Optional fields a public registration form can ask for (key → German label).
REGISTRATION_FIELDS = {
    "organisation": "Organisation / Initiative",
    "phone": "Telefon",
    "accessibility": "Unterstützungsbedarf (z. B. Gebärdensprache, barrierefreier Zugang)",
    "remarks": "Anmerkungen oder Themenwünsche",
}


class CalendarFeed(TimestampMixin, db.Model):
    """A personal iCal feed; only the hash of the secret URL token is stored."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user = relationship("User")


class MeetingRegistration(TimestampMixin, db.Model):
    """A citizen's registration for a public meeting (no account)."""

    __tablename__ = "meeting_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    organisation: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(60))
    accessibility: Mapped[str | None] = mapped_column(Text)
    remarks: Mapped[str | None] = mapped_column(Text)

    meeting = relationship("Meeting")


class AgendaDocument(TimestampMixin, db.Model):
    """A document attached to a TOP (Vorlage, Präsentation …), stored outside the web root
    (UPLOAD_FOLDER/tagesordnung/<stored_name>); size and type are limited by the service."""

    __tablename__ = "agenda_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    agenda_item = relationship(
        "AgendaItem", backref=backref("documents", order_by="AgendaDocument.id", cascade="all, delete-orphan")
    )
