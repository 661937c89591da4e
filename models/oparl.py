"""OParl-Schnittstelle: Vorlagen (OParl Paper) für politische Gremien, ihre Dateien und Beratungen,
die Einwilligung von Personen in die Veröffentlichung und die Grabsteine gelöschter Objekte.

Everything else the API serves (Body, Organization = Committee, Meeting, AgendaItem, Membership,
Person) comes from the existing models; this module only adds what had no home yet.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin, utcnow


class PaperState(StrEnum):
    ENTWURF = "entwurf"
    VEROEFFENTLICHT = "veroeffentlicht"

    @property
    def label(self) -> str:
        return {"entwurf": "Entwurf", "veroeffentlicht": "veröffentlicht"}[self.value]

    @property
    def tone(self) -> str:
        """Colour of the status badge (KERN badge kind: info, success, warning, danger)."""
        return {"veroeffentlicht": "success"}.get(self.value, "info")


# States whose Paper (with files and consultations) the public API shows.
PUBLIC_PAPER_STATES = (PaperState.VEROEFFENTLICHT,)


class PaperType(StrEnum):
    BESCHLUSSVORLAGE = "Beschlussvorlage"
    EMPFEHLUNG = "Empfehlungsvorlage"

    @property
    def label(self) -> str:
        return self.value

    @property
    def prefix(self) -> str:
        return {"Beschlussvorlage": "BV", "Empfehlungsvorlage": "EV"}[self.value]


class PoliticalOutcome(StrEnum):
    """The political body's decision; the values are those of protocols.POLITICAL_OUTCOMES."""

    BESCHLOSSEN = "beschlossen"
    GEAENDERT_BESCHLOSSEN = "geändert beschlossen"
    ABGELEHNT = "abgelehnt"
    VERTAGT = "vertagt"

    @property
    def label(self) -> str:
        return self.value


class Paper(TimestampMixin, VersionedMixin, db.Model):
    """Vorlage (OParl Paper): a Beschluss or an Empfehlung „zur Beschlussfassung“ sent to a
    political body, with its reference number (e.g. BV/2026/0001) and the chain behind it."""

    __tablename__ = "oparl_paper"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    protocol_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("protocol_entry.id", ondelete="SET NULL"), unique=True
    )
    reference: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    paper_type: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    paper_date: Mapped[date] = mapped_column(Date, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    origin: Mapped[str | None] = mapped_column(Text)  # the chain behind it, one step per line
    addressee_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), nullable=False, default=PaperState.ENTWURF, index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Where the council information system keeps this Vorlage (set by the outcome import).
    council_paper_url: Mapped[str | None] = mapped_column(String(500))
    result_imported_at: Mapped[datetime | None] = mapped_column(DateTime)

    body = relationship("Body")
    protocol_entry = relationship("ProtocolEntry")
    addressee_org = relationship("Organisation")
    files: Mapped[list[PaperFile]] = relationship(
        back_populates="paper", cascade="all, delete-orphan", order_by="PaperFile.id"
    )
    consultations: Mapped[list[PaperConsultation]] = relationship(
        back_populates="paper", cascade="all, delete-orphan", order_by="PaperConsultation.position"
    )

    @property
    def state_label(self) -> str:
        return PaperState(self.state).label

    @property
    def is_published(self) -> bool:
        return self.state in PUBLIC_PAPER_STATES

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"


class PaperFile(TimestampMixin, db.Model):
    """A generated document of a Vorlage (OParl File): PDF (mainFile) or DOCX, stored with its
    checksums so the API can announce size and hashes without rebuilding it."""

    __tablename__ = "oparl_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("oparl_paper.id", ondelete="CASCADE"), nullable=False, index=True)
    is_main: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    mime_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha1: Mapped[str] = mapped_column(String(40), nullable=False)
    sha512: Mapped[str] = mapped_column(String(128), nullable=False)
    text: Mapped[str | None] = mapped_column(Text)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    paper: Mapped[Paper] = relationship(back_populates="files")


class PaperConsultation(TimestampMixin, db.Model):
    """Beratung of a Vorlage (OParl Consultation): where it was prepared here (our TOP) and the
    political body that decides; the council's ids are filled in by the outcome import."""

    __tablename__ = "oparl_consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("oparl_paper.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True)
    role: Mapped[str] = mapped_column(String(60), nullable=False)
    authoritative: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    council_consultation_url: Mapped[str | None] = mapped_column(String(500))
    council_organization_url: Mapped[str | None] = mapped_column(String(500))
    council_meeting_url: Mapped[str | None] = mapped_column(String(500))
    council_agenda_item_url: Mapped[str | None] = mapped_column(String(500))

    paper: Mapped[Paper] = relationship(back_populates="consultations")
    agenda_item = relationship("AgendaItem")


class PublicationConsent(db.Model):
    """A person's consent to appear by name (and function) in the public OParl API.

    The general consent on Person covers invitations and network work, not publication; without
    this record a person is never published. Contact data are published only with contact=True.
    """

    __tablename__ = "oparl_publication_consent"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    given_on: Mapped[date] = mapped_column(Date, nullable=False)
    contact: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    person = relationship("Person")


class LegislativeTerm(TimestampMixin, db.Model):
    """Wahlperiode of a Körperschaft (OParl LegislativeTerm)."""

    __tablename__ = "oparl_legislative_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    body = relationship("Body")


TOMBSTONE_KINDS = (
    "committee",
    "organisation",
    "person",
    "membership",
    "meeting",
    "agenda_item",
    "paper",
    "file",
    "consultation",
    "location",
    "legislative_term",
)


class Tombstone(db.Model):
    """An object the API once served and no longer may (deleted or no longer public): served as
    {"id", "type", "created", "modified", "deleted": true} as OParl requires.

    object_type is the internal kind (TOMBSTONE_KINDS), object_id the id of the vanished row."""

    __tablename__ = "oparl_tombstone"
    __table_args__ = (UniqueConstraint("object_type", "object_id", name="uq_oparl_tombstone_object"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(30), nullable=False)
    object_id: Mapped[int] = mapped_column(Integer, nullable=False)
    body_id: Mapped[int | None] = mapped_column(Integer, index=True)  # plain id: the body may be gone too
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    # attributes the OParl schema requires even of a deleted object (AgendaItem.order)
    keep: Mapped[dict | None] = mapped_column(JSON)
    deleted_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
