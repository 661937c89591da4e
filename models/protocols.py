"""Protokoll, Beschlüsse und Nachhalten.

Attendance (Anwesenheit) and per-meeting roles, the protocol of a meeting with
its typed entries (Information, Erkenntnis, Empfehlung, Beschluss, Aufgabe,
Dissens), every saved revision, objections during the approval round.
Beschluss and Aufgabe are entries with extra columns, so the Nachhalten list is
one query over one table.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin, utcnow
from .committees import AgendaItem, Meeting, TopicProposal
from .masterdata import Organisation, Person


class AttendanceStatus(StrEnum):
    ANWESEND = "anwesend"
    ENTSCHULDIGT = "entschuldigt"
    ABWESEND = "abwesend"

    @property
    def label(self) -> str:
        return self.value


ATTENDANCE_STATES = list(AttendanceStatus)


class MeetingRoleKind(StrEnum):
    """The roles of a meeting (handbook checklist), in display order."""

    SITZUNGSLEITUNG = "sitzungsleitung"
    MODERATION = "moderation"
    PROTOKOLLFUEHRUNG = "protokollfuehrung"

    @property
    def label(self) -> str:
        return {
            "sitzungsleitung": "Sitzungsleitung",
            "moderation": "Moderation",
            "protokollfuehrung": "Protokollführung",
        }[self.value]


MEETING_ROLES = {k.value: k.label for k in MeetingRoleKind}


class ProtocolStatus(StrEnum):
    """Approval state of a protocol. A draft is read by its editors only; approved protocols are locked."""

    ENTWURF = "entwurf"
    ZUR_ABSTIMMUNG = "zur_abstimmung"
    GENEHMIGT = "genehmigt"

    @property
    def label(self) -> str:
        return {"entwurf": "Entwurf", "zur_abstimmung": "zur Abstimmung", "genehmigt": "genehmigt"}[self.value]

    @property
    def tone(self) -> str:
        """Colour of the status badge (KERN badge kind: info, success, warning, danger)."""
        return {"genehmigt": "success"}.get(self.value, "info")


PROTOCOL_STATES = {k.value: k.label for k in ProtocolStatus}


class EntryKind(StrEnum):
    """Type of a protocol entry (stored values are the German labels)."""

    INFORMATION = "Information"
    ERKENNTNIS = "Erkenntnis"
    EMPFEHLUNG = "Empfehlung"
    BESCHLUSS = "Beschluss"
    AUFGABE = "Aufgabe"
    DISSENS = "Dissens"

    @property
    def label(self) -> str:
        return self.value

    @property
    def tone(self) -> str:
        """Colour of the status badge (KERN badge kind: info, success, warning, danger)."""
        return {"Beschluss": "success", "Aufgabe": "warning", "Dissens": "danger"}.get(self.value, "info")


ENTRY_KINDS = list(EntryKind)
# Groups: what a Sozialraumkonferenz forwards upward; what the Nachhalten list follows up.
FORWARDABLE_KINDS = (EntryKind.ERKENNTNIS, EntryKind.EMPFEHLUNG)
FOLLOWUP_KINDS = (EntryKind.BESCHLUSS, EntryKind.AUFGABE)


class TaskStatus(StrEnum):
    """Stand of a Beschluss or an Aufgabe in the Nachhalten list."""

    OFFEN = "offen"
    IN_ARBEIT = "in Arbeit"
    ERLEDIGT = "erledigt"

    @property
    def label(self) -> str:
        return self.value


ITEM_STATES = list(TaskStatus)
# The open states ("nicht erledigt"), in this order everywhere: the partial index ix_protocol_entry_open_due
# is defined on exactly this IN list, and SQLite uses a partial index only for a query that repeats its
# condition literally (see open_states_condition).
OPEN_TASK_STATES = (TaskStatus.OFFEN.value, TaskStatus.IN_ARBEIT.value)
# Filter value of the Nachhalten list: everything not done yet.
NOT_DONE = "nicht erledigt"


class DecisionMode(StrEnum):
    """How a Beschluss came about."""

    KONSENS = "konsens"
    ABSTIMMUNG = "abstimmung"

    @property
    def label(self) -> str:
        return {"konsens": "Konsens", "abstimmung": "Abstimmung"}[self.value]


DECISION_MODES = {k.value: k.label for k in DecisionMode}


class RevisionAction(StrEnum):
    """What a saved protocol revision records (the page "Versionen des Protokolls" names it in German)."""

    EINTRAG_NEU = "eintrag_neu"
    EINTRAG_GEAENDERT = "eintrag_geaendert"
    EINTRAG_GELOESCHT = "eintrag_geloescht"
    STAND = "stand"
    POLITISCHE_ENTSCHEIDUNG = "politische_entscheidung"
    WEITERGELEITET = "weitergeleitet"
    ANWESENHEIT = "anwesenheit"
    ZUR_ABSTIMMUNG = "zur_abstimmung"
    EINWAND = "einwand"
    GENEHMIGT = "genehmigt"
    NEUE_FASSUNG = "neue_fassung"

    @property
    def label(self) -> str:
        return {
            "eintrag_neu": "Eintrag angelegt",
            "eintrag_geaendert": "Eintrag geändert",
            "eintrag_geloescht": "Eintrag gelöscht",
            "stand": "Stand geändert",
            "politische_entscheidung": "Politische Entscheidung erfasst",
            "weitergeleitet": "weitergeleitet",
            "anwesenheit": "Anwesenheit erfasst",
            "zur_abstimmung": "zur Abstimmung gestellt",
            "einwand": "Einwand erhoben",
            "genehmigt": "genehmigt",
            "neue_fassung": "neue Fassung angelegt",
        }[self.value]


class PoliticalOutcome(StrEnum):
    """What the political body (Ausschuss, Rat, Kreistag) did with a Beschluss submitted to it."""

    BESCHLOSSEN = "beschlossen"
    GEAENDERT_BESCHLOSSEN = "geändert beschlossen"
    ABGELEHNT = "abgelehnt"
    VERTAGT = "vertagt"

    @property
    def label(self) -> str:
        return self.value


POLITICAL_OUTCOMES = list(PoliticalOutcome)


class Attendance(TimestampMixin, db.Model):
    """Anwesenheit of one person at one meeting."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id", name="uq_attendance_meeting_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="abwesend")
    note: Mapped[str | None] = mapped_column(String(300))

    meeting: Mapped[Meeting] = relationship(
        backref=backref("attendances", cascade="all, delete-orphan", passive_deletes=True)
    )
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    deputy: Mapped[Person | None] = relationship(foreign_keys=[deputy_id])
    organisation: Mapped[Organisation | None] = relationship()


class MeetingRole(TimestampMixin, db.Model):
    """Sitzungsleitung, Moderation or Protokollführung of one meeting — the one place a meeting's roles are
    stored. The holder is a person (who may or may not have an account; an account linked to that person
    edits the protocol) or, for holders without a person record, just a name (e.g. "Quartiersbüro")."""

    __tablename__ = "meeting_role"
    __table_args__ = (UniqueConstraint("meeting_id", "role", name="uq_meeting_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(30), nullable=False)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))

    meeting: Mapped[Meeting] = relationship(
        backref=backref("protocol_roles", cascade="all, delete-orphan", passive_deletes=True)
    )
    person: Mapped[Person | None] = relationship()

    @property
    def label(self) -> str:
        return MeetingRoleKind(self.role).label if self.role in MEETING_ROLES else self.role

    @property
    def holder(self) -> str:
        if self.person is not None:
            return self.person.full_name
        return self.name or ""


class Protocol(TimestampMixin, VersionedMixin, db.Model):
    """The protocol of one meeting and its approval state."""

    __tablename__ = "protocol"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="entwurf", index=True)
    edition: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # Fassung
    objection_deadline: Mapped[date | None] = mapped_column(Date)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    approval_note: Mapped[str | None] = mapped_column(String(300))

    meeting: Mapped[Meeting] = relationship(
        backref=backref("protocol", uselist=False, cascade="all, delete-orphan", passive_deletes=True)
    )
    approved_by = relationship("User")
    entries: Mapped[list[ProtocolEntry]] = relationship(
        back_populates="protocol", order_by="ProtocolEntry.position", cascade="all, delete-orphan"
    )
    objections: Mapped[list[ProtocolObjection]] = relationship(
        back_populates="protocol", order_by="ProtocolObjection.created_at", cascade="all, delete-orphan"
    )

    @property
    def locked(self) -> bool:
        return self.status == ProtocolStatus.GENEHMIGT

    @property
    def is_draft(self) -> bool:
        return self.status == ProtocolStatus.ENTWURF

    @property
    def in_approval(self) -> bool:
        return self.status == ProtocolStatus.ZUR_ABSTIMMUNG

    @property
    def status_label(self) -> str:
        return PROTOCOL_STATES.get(self.status, self.status)

    def __str__(self) -> str:
        return f"Protokoll {self.meeting.title}" if self.meeting else "Protokoll"


class ProtocolEntry(TimestampMixin, VersionedMixin, db.Model):
    """One typed entry of a protocol, under a TOP (agenda_item) or general (None)."""

    __tablename__ = "protocol_entry"
    # Nachhalten and the start page: open tasks/decisions by due date.
    __table_args__ = (Index("ix_protocol_entry_kind_status_due", "kind", "status", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocol.id", ondelete="CASCADE"), nullable=False, index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # searched through ix_protocol_entry_kind_status_due
    text: Mapped[str] = mapped_column(Text, nullable=False)
    # Beschluss
    decision_mode: Mapped[str | None] = mapped_column(String(20))
    votes_yes: Mapped[int | None] = mapped_column(Integer)
    votes_no: Mapped[int | None] = mapped_column(Integer)
    votes_abstain: Mapped[int | None] = mapped_column(Integer)
    binding: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    addressee_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    for_resolution: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # zur Beschlussfassung
    political_date: Mapped[date | None] = mapped_column(Date)
    political_outcome: Mapped[str | None] = mapped_column(String(40))
    political_note: Mapped[str | None] = mapped_column(String(500))
    # Aufgabe (owner) – Beschluss uses the same follow-up columns
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str | None] = mapped_column(String(20), index=True)  # offen / in Arbeit / erledigt
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_note: Mapped[str | None] = mapped_column(Text)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reminded_before_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_after_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Bottom-up: the Themenspeicher entry this Erkenntnis/Empfehlung was forwarded to
    forwarded_topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic_proposal.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    protocol: Mapped[Protocol] = relationship(back_populates="entries")
    agenda_item: Mapped[AgendaItem | None] = relationship()
    addressee_org: Mapped[Organisation | None] = relationship(foreign_keys=[addressee_org_id])
    owner_person: Mapped[Person | None] = relationship(foreign_keys=[owner_person_id])
    owner_org: Mapped[Organisation | None] = relationship(foreign_keys=[owner_org_id])
    forwarded_topic: Mapped[TopicProposal | None] = relationship()
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    @property
    def is_followup(self) -> bool:
        return self.kind in FOLLOWUP_KINDS

    @property
    def is_decision(self) -> bool:
        return self.kind == EntryKind.BESCHLUSS

    @property
    def forwardable(self) -> bool:
        """Erkenntnis or Empfehlung not yet forwarded to a higher body's Themenspeicher."""
        return self.kind in FORWARDABLE_KINDS and self.forwarded_topic_id is None

    @property
    def is_open(self) -> bool:
        return self.is_followup and self.status != TaskStatus.ERLEDIGT

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or utcnow().date()
        return self.is_open and self.due_date is not None and self.due_date < today

    @property
    def owner_label(self) -> str:
        parts = []
        if self.owner_person is not None:
            parts.append(f"{self.owner_person.first_name} {self.owner_person.last_name}")
        if self.owner_org is not None:
            parts.append(self.owner_org.short_name or self.owner_org.name)
        return ", ".join(parts)

    @property
    def votes_label(self) -> str:
        if self.decision_mode == DecisionMode.ABSTIMMUNG:
            return f"ja {self.votes_yes or 0}, nein {self.votes_no or 0}, Enthaltung {self.votes_abstain or 0}"
        if self.decision_mode == DecisionMode.KONSENS:
            return "im Konsens"
        return ""

    def __str__(self) -> str:
        text = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return f"{self.kind}: {text[:80]}"


def open_states_condition():
    """`status IN ('offen', 'in Arbeit')` with the values written into the SQL (not bound): the condition of
    the partial index ix_protocol_entry_open_due, which SQLite only uses when the query states it literally."""
    from sqlalchemy import bindparam

    return ProtocolEntry.status.in_(bindparam("open_states", list(OPEN_TASK_STATES), literal_execute=True))


# Open items in list order (due date, undated last), only over the open follow-ups (a few thousand rows in a
# large Kreis, not every entry): the start page and Nachhalten read the first page from it instead of sorting
# every open item (issue 14). The ORDER BY of services/protokolle/eintraege.FOLLOWUP_ORDER starts with the same
# two expressions.
Index(
    "ix_protocol_entry_open_due",
    ProtocolEntry.due_date.is_(None),
    ProtocolEntry.due_date,
    ProtocolEntry.id,
    sqlite_where=ProtocolEntry.status.in_(OPEN_TASK_STATES),
    postgresql_where=ProtocolEntry.status.in_(OPEN_TASK_STATES),
)


class ProtocolRevision(db.Model):
    """Every save of a protocol entry (or a state change), with its author."""

    __tablename__ = "protocol_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocol.id", ondelete="CASCADE"), nullable=False, index=True)
    entry_id: Mapped[int | None] = mapped_column(Integer, index=True)  # kept after the entry is deleted
    edition: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    data: Mapped[dict | None] = mapped_column(JSON)

    author = relationship("User")

    @property
    def action_label(self) -> str:
        try:
            return RevisionAction(self.action).label
        except ValueError:  # a revision written by a later version of the application
            return self.action.replace("_", " ")


class ProtocolObjection(db.Model):
    """Einwand against a protocol while it is zur Abstimmung."""

    __tablename__ = "protocol_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocol.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    resolution: Mapped[str | None] = mapped_column(String(500))

    protocol: Mapped[Protocol] = relationship(back_populates="objections")
    user = relationship("User")
