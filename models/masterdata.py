"""Stammdaten: Körperschaften, Sozialräume, Organisationen, Personen, Taxonomien."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin

BODY_KINDS = ["Kreis", "Kommune", "Kreisfreie Stadt"]

AREA_KINDS = ["Stadtbezirk", "Sozialraum", "Planungsraum", "Quartier", "Ortsteil"]

ORGANISATION_KINDS = [
    "Wohlfahrtsverband",
    "Freier Träger",
    "Privater Träger",
    "Jobcenter",
    "Verwaltung/Fachbereich",
    "Politik/Ausschuss",
    "Selbsthilfe/Beirat",
    "Schule/Kita",
    "Kirche/Religionsgemeinschaft",
    "Wirtschaft",
    "Wissenschaft",
    "Wohnungswirtschaft",
    "Initiative/Verein",
    "Sonstige",
]

VOCABULARIES = {
    "handlungsfeld": "Handlungsfeld",
    "zielgruppe": "Zielgruppe",
    "thema": "Thema",
}


class Body(TimestampMixin, VersionedMixin, db.Model):
    """Körperschaft (Kreis or Kommune): owns records, the unit of data sovereignty."""

    __tablename__ = "body"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    code: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)  # AGS
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)

    parent: Mapped[Body | None] = relationship(remote_side=[id], back_populates="children")
    # passive_deletes="all": deleting a body with Kommunen fails (FK) instead of orphaning them.
    children: Mapped[list[Body]] = relationship(back_populates="parent", order_by="Body.name", passive_deletes="all")

    def __str__(self) -> str:
        return self.name

    def lineage_ids(self) -> list[int]:
        """This body and all its ancestors (the Kreis of a Kommune)."""
        ids, node = [], self
        while node is not None:
            ids.append(node.id)
            node = node.parent
        return ids


class Area(TimestampMixin, VersionedMixin, db.Model):
    """Sozialraum and its layers (Stadtbezirk, Planungsraum, Quartier …)."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("body_id", "code", name="uq_area_body_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(30), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False, default="Sozialraum")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)

    body: Mapped[Body] = relationship()
    parent: Mapped[Area | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Area]] = relationship(back_populates="parent", order_by="Area.code", passive_deletes="all")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class Term(TimestampMixin, VersionedMixin, db.Model):
    """One entry of a shared taxonomy: Handlungsfeld, Zielgruppe or Thema."""

    audit_type = "Term"

    __tablename__ = "term"
    __table_args__ = (UniqueConstraint("vocabulary", "name", name="uq_term_vocabulary_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vocabulary: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("term.id"))

    parent: Mapped[Term | None] = relationship(remote_side=[id])

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"polymorphic_on": cls.vocabulary, "version_id_col": cls.version}

    def __str__(self) -> str:
        return self.name


class Handlungsfeld(Term):
    __mapper_args__ = {"polymorphic_identity": "handlungsfeld"}


class Zielgruppe(Term):
    __mapper_args__ = {"polymorphic_identity": "zielgruppe"}


class Thema(Term):
    __mapper_args__ = {"polymorphic_identity": "thema"}


TERM_CLASSES = {"handlungsfeld": Handlungsfeld, "zielgruppe": Zielgruppe, "thema": Thema}


organisation_area = Table(
    "organisation_area",
    db.Model.metadata,
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)

organisation_term = Table(
    "organisation_term",
    db.Model.metadata,
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("term.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(TimestampMixin, VersionedMixin, db.Model):
    """Akteur: Wohlfahrtsverband, Träger, Jobcenter, Verwaltung, Politik …"""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    short_name: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    street: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    body: Mapped[Body] = relationship()
    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
    areas: Mapped[list[Area]] = relationship(secondary=organisation_area, order_by=Area.code)
    terms: Mapped[list[Term]] = relationship(secondary=organisation_term, order_by=Term.name)
    # Deleting an organisation with contact persons is refused rather than silently detaching them.
    persons: Mapped[list[Person]] = relationship(
        back_populates="organisation", order_by="Person.last_name", passive_deletes="all"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def handlungsfelder(self) -> list[Term]:
        return [t for t in self.terms if t.vocabulary == "handlungsfeld"]

    @property
    def zielgruppen(self) -> list[Term]:
        return [t for t in self.terms if t.vocabulary == "zielgruppe"]


class Person(TimestampMixin, VersionedMixin, db.Model):
    """A contact person. Consent is recorded with date and purpose (DSGVO)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    function: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(50))
    consent_given: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    consent_date: Mapped[date | None] = mapped_column(Date)
    consent_purpose: Mapped[str | None] = mapped_column(String(300))
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)

    body: Mapped[Body] = relationship()
    organisation: Mapped[Organisation | None] = relationship(back_populates="persons")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:
        return self.full_name
