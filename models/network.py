"""Netzwerk: typed relations between organisations and persons, partner pipeline, analysis cache.

Node keys used everywhere (graph, exports, JSON): "org:<id>" and "person:<id>".
Relations the platform already knows (organisation membership of a person,
committee co-membership, later contract parties and co-attendance) are never
stored here: beteiligung.services.netzwerk.beziehungen derives them when the graph is built.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin, utcnow
from .masterdata import Body, Organisation, Person, Term

# name, directed by default, description
DEFAULT_RELATION_KINDS = [
    ("Kooperation", False, "Vereinbarte oder gelebte Zusammenarbeit."),
    ("Mitgliedschaft", True, "Organisation oder Person ist Mitglied der anderen Organisation."),
    ("Vertretung", True, "Vertritt die andere Seite (Mandat, Delegation)."),
    ("Förderung", True, "Finanziert oder fördert die andere Seite."),
    ("Kontrakt", True, "Zielvereinbarung oder Leistungsvertrag."),
    ("informeller Kontakt", False, "Kurzer Draht ohne formale Grundlage."),
    ("Konflikt", False, "Spannungen oder gegensätzliche Interessen."),
    ("Trägerschaft", True, "Trägerin einer Einrichtung."),
]


class Visibility(StrEnum):
    """Who sees a relation (see beteiligung/permissions/netzwerk.py)."""

    KREIS = "kreis"
    PLANUNG = "planung"
    BETEILIGTE = "beteiligte"

    @property
    def label(self) -> str:
        return {
            "kreis": "öffentlich im Kreis",
            "planung": "nur Sozialplanung",
            "beteiligte": "nur beteiligte Organisationen",
        }[self.value]


# key -> German label
VISIBILITIES = {k.value: k.label for k in Visibility}


class PipelineStatus(StrEnum):
    """Stand of a prospective partner in the Partnergewinnung."""

    IDENTIFIZIERT = "identifiziert"
    ANGESPROCHEN = "angesprochen"
    AKTIV = "aktiv"

    @property
    def label(self) -> str:
        return self.value


PIPELINE_STATES = list(PipelineStatus)

STRENGTH_LABELS = {1: "schwach", 2: "mittel", 3: "stark"}


class RelationKind(TimestampMixin, db.Model):
    """Configurable kind of tie (seeded with DEFAULT_RELATION_KINDS)."""

    __tablename__ = "relation_kind"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    directed_default: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __str__(self) -> str:
        return self.name


class Relation(TimestampMixin, VersionedMixin, db.Model):
    """A typed tie typed in by a user (or imported). Exactly one org or person at each end."""

    __tablename__ = "relation"
    __table_args__ = (
        CheckConstraint("strength BETWEEN 1 AND 3", name="strength_range"),
        CheckConstraint("(source_org_id IS NULL) <> (source_person_id IS NULL)", name="one_source"),
        CheckConstraint("(target_org_id IS NULL) <> (target_person_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("relation_kind.id"), nullable=False, index=True)
    source_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    source_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    target_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    target_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    directed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    strength: Mapped[int] = mapped_column(Integer, default=2, nullable=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    evidence: Mapped[str | None] = mapped_column(String(500))  # Quelle / Beleg
    visibility: Mapped[str] = mapped_column(String(20), default="kreis", nullable=False)
    note: Mapped[str | None] = mapped_column(Text)

    body: Mapped[Body] = relationship()
    kind: Mapped[RelationKind] = relationship(lazy="joined")
    source_org: Mapped[Organisation | None] = relationship(foreign_keys=[source_org_id])
    source_person: Mapped[Person | None] = relationship(foreign_keys=[source_person_id])
    target_org: Mapped[Organisation | None] = relationship(foreign_keys=[target_org_id])
    target_person: Mapped[Person | None] = relationship(foreign_keys=[target_person_id])

    @property
    def source_key(self) -> str:
        return f"org:{self.source_org_id}" if self.source_org_id else f"person:{self.source_person_id}"

    @property
    def target_key(self) -> str:
        return f"org:{self.target_org_id}" if self.target_org_id else f"person:{self.target_person_id}"

    @property
    def source(self):
        return self.source_org or self.source_person

    @property
    def target(self):
        return self.target_org or self.target_person

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def __str__(self) -> str:
        return f"{self.source} – {self.kind.name} – {self.target}"


class PartnerStatus(TimestampMixin, VersionedMixin, db.Model):
    """Partner pipeline for network building: identifiziert → angesprochen → aktiv (per organisation and body)."""

    __tablename__ = "partner_status"
    __table_args__ = (UniqueConstraint("organisation_id", "body_id", name="uq_partner_status_org_body"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="identifiziert", nullable=False)
    handlungsfeld_id: Mapped[int | None] = mapped_column(ForeignKey("term.id", ondelete="SET NULL"))
    next_step: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    status_since: Mapped[date] = mapped_column(Date, default=lambda: utcnow().date(), nullable=False)

    body: Mapped[Body] = relationship()
    organisation: Mapped[Organisation] = relationship()
    handlungsfeld: Mapped[Term | None] = relationship()


class NetworkDataVersion(db.Model):
    """One row (id=1): bumped on every change of relations, organisations, persons or memberships."""

    __tablename__ = "network_data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class NetworkAnalysisCache(db.Model):
    """Analysis results (JSON) per scope, valid while data_version is current."""

    __tablename__ = "network_analysis_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    data_version: Mapped[int] = mapped_column(Integer, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    seconds: Mapped[float | None] = mapped_column(db.Float)
    payload: Mapped[str] = mapped_column(Text, nullable=False)


class NetworkGraphCache(db.Model):
    """The analysed network of one permission scope (nodes with measures, edges), stored once and read by
    the map, its JSON, the tables and the exports. Fresh while data_version is the current
    NetworkDataVersion and as_of is today; otherwise stale until the job "netzwerk" recomputes it.

    payload: zlib-compressed JSON (see beteiligung.services.netzwerk.graph). user_id names a user with
    this scope, with whose read filters the job rebuilds the graph."""

    __tablename__ = "network_graph_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    data_version: Mapped[int] = mapped_column(Integer, nullable=False)
    as_of: Mapped[date] = mapped_column(Date, nullable=False)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    seconds: Mapped[float | None] = mapped_column(db.Float)
    node_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    edge_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    requested_at: Mapped[datetime | None] = mapped_column(DateTime)  # recompute asked for (page saw it stale)
    payload: Mapped[bytes] = mapped_column(db.LargeBinary, nullable=False)
