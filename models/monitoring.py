"""Sozialmonitoring: indicator catalogue, values over time, geometries, composite index, editions.

Data sovereignty: statistics belong to the Körperschaft that owns the indicator (and its areas).
A Kommune's values become visible to the Kreis only after the Kommune releases them
(`MonitoringRelease`, one row per Kommune, audited); a Kommune's edition becomes visible to the
Kreis with status `released_to_kreis`, to Politik and the public with status `published`.

An edition is frozen: it keeps a snapshot of its definition, the values it used (with their
numerators for the suppression rule) and every computed number, so later data corrections never
change it silently.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin, utcnow
from .masterdata import Area, Body

DEFAULT_MIN_COUNT = 5


class Direction(StrEnum):
    """Which direction of an indicator means a better social situation."""

    HIGHER_WORSE = "higher_worse"
    HIGHER_BETTER = "higher_better"

    @property
    def label(self) -> str:
        return {
            Direction.HIGHER_WORSE: "höherer Wert = höherer Handlungsbedarf",
            Direction.HIGHER_BETTER: "höherer Wert = günstigere Lage",
        }[self]


class Aggregation(StrEnum):
    SUM = "sum"
    MEAN = "mean"

    @property
    def label(self) -> str:
        return {Aggregation.SUM: "Summe der z-Werte", Aggregation.MEAN: "Mittelwert der z-Werte"}[self]


class EditionStatus(StrEnum):
    DRAFT = "draft"
    RELEASED_TO_KREIS = "released_to_kreis"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return {
            EditionStatus.DRAFT: "Entwurf",
            EditionStatus.RELEASED_TO_KREIS: "für den Kreis freigegeben",
            EditionStatus.PUBLISHED: "veröffentlicht",
        }[self]

    @property
    def tone(self) -> str:
        """Colour of the status badge (KERN badge kind: info, success, warning, danger)."""
        return {"published": "success"}.get(self.value, "info")


# Groups of edition states, defined once.
EDITION_STATES_VISIBLE_TO_KREIS = (EditionStatus.RELEASED_TO_KREIS, EditionStatus.PUBLISHED)
EDITION_STATES_PUBLIC = (EditionStatus.PUBLISHED,)


class StatIndicator(TimestampMixin, VersionedMixin, db.Model):
    """Catalogue entry of a statistical indicator (Monitoring-Indikator)."""

    audit_type = "Monitoring-Indikator"
    __tablename__ = "stat_indicator"
    __table_args__ = (UniqueConstraint("body_id", "key", name="uq_stat_indicator_body_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    unit: Mapped[str | None] = mapped_column(String(40))
    definition: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))
    # Rate: value = numerator / denominator * rate_factor (e.g. 100 for %).
    is_rate: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    numerator_label: Mapped[str | None] = mapped_column(String(200))
    denominator_label: Mapped[str | None] = mapped_column(String(200))
    rate_factor: Mapped[float] = mapped_column(Float, default=100.0, nullable=False)
    direction: Mapped[str] = mapped_column(String(20), default=Direction.HIGHER_WORSE, nullable=False)
    periodicity: Mapped[str | None] = mapped_column(String(40))  # jährlich, halbjährlich …
    area_kind: Mapped[str | None] = mapped_column(String(40))  # layer it is reported on (Area.kind)
    # Confidentiality: a value computed from a count below this minimum is never shown.
    min_count: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_COUNT, nullable=False)
    licence_note: Mapped[str | None] = mapped_column(Text)

    body: Mapped[Body] = relationship()

    def __str__(self) -> str:
        return self.name

    @property
    def direction_enum(self) -> Direction:
        return Direction(self.direction)


class StatValue(TimestampMixin, db.Model):
    """One value per area, indicator and reference date (Stichtag)."""

    __tablename__ = "stat_value"
    __table_args__ = (
        UniqueConstraint("area_id", "indicator_id", "reference_date", name="uq_stat_value_area_indicator_date"),
        Index("ix_stat_value_indicator_date", "indicator_id", "reference_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), nullable=False, index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("stat_indicator.id", ondelete="CASCADE"), nullable=False)
    reference_date: Mapped[date] = mapped_column(Date, nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)

    area: Mapped[Area] = relationship()
    indicator: Mapped[StatIndicator] = relationship()


class MonitoringRelease(db.Model):
    """Datenhoheit: a Kommune has released its statistics (values) to the Kreis.

    One row per Kommune; deleting the row withdraws the release. Both are audited.
    """

    audit_type = "Monitoring-Freigabe"
    __tablename__ = "monitoring_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), nullable=False, unique=True)
    released_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)

    body: Mapped[Body] = relationship()


class AreaGeometry(db.Model):
    """Outline of an area as GeoJSON geometry in WGS 84 (lon/lat), with its bounding box."""

    __tablename__ = "area_geometry"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), nullable=False, unique=True)
    geojson: Mapped[str] = mapped_column(Text, nullable=False)
    source_crs: Mapped[str | None] = mapped_column(String(40))
    minx: Mapped[float] = mapped_column(Float, nullable=False)
    miny: Mapped[float] = mapped_column(Float, nullable=False)
    maxx: Mapped[float] = mapped_column(Float, nullable=False)
    maxy: Mapped[float] = mapped_column(Float, nullable=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    area: Mapped[Area] = relationship()


class IndexDefinition(TimestampMixin, VersionedMixin, db.Model):
    """A composite index (Sozialindex) as the planner defined it.

    indicators: [{"key": "sgb2", "sign": 1}, {"key": "einkommen", "sign": -1}, …]
    thresholds: ascending cut points in SD units of the standardised sum, e.g. [-1, 1, 1.5]
    classes: one label per class from the lowest index upwards (len(thresholds) + 1)
    dynamics: optional {"vergleich": "JJJJ-MM-TT" or null, "schwellen": [-1, 1],
                        "klassen": ["positiv", "stabil", "negativ"]}
    """

    audit_type = "Indexdefinition"
    __tablename__ = "index_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    area_kind: Mapped[str] = mapped_column(String(40), nullable=False)  # layer (Area.kind)
    indicators: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    aggregation: Mapped[str] = mapped_column(String(10), default=Aggregation.SUM, nullable=False)
    min_population: Mapped[int | None] = mapped_column(Integer)
    thresholds: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    classes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    dynamics: Mapped[dict | None] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(Text)

    body: Mapped[Body] = relationship()

    def __str__(self) -> str:
        return self.name


class MonitoringEdition(TimestampMixin, VersionedMixin, db.Model):
    """Monitoring-Ausgabe: the frozen result of an index for one reference date."""

    audit_type = "Monitoring-Ausgabe"
    __tablename__ = "monitoring_edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    definition_id: Mapped[int | None] = mapped_column(
        ForeignKey("index_definition.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(250), nullable=False)
    definition: Mapped[dict] = mapped_column(JSON, nullable=False)  # snapshot of the definition
    reference_date: Mapped[date] = mapped_column(Date, nullable=False)
    comparison_date: Mapped[date | None] = mapped_column(Date)  # dynamics: change since
    status: Mapped[str] = mapped_column(String(20), default=EditionStatus.DRAFT, nullable=False, index=True)
    method_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # mean/sd per indicator, missing-value report, stdev kind …
    statistics: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    previous_edition_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_edition.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)

    body: Mapped[Body] = relationship()
    index_definition: Mapped[IndexDefinition | None] = relationship()
    previous_edition: Mapped[MonitoringEdition | None] = relationship(remote_side=[id])
    results: Mapped[list[EditionResult]] = relationship(
        back_populates="edition",
        order_by="EditionResult.area_code",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __str__(self) -> str:
        return self.title

    @property
    def status_enum(self) -> EditionStatus:
        return EditionStatus(self.status)


class EditionResult(db.Model):
    """One area's frozen result within an edition."""

    __tablename__ = "edition_result"
    __table_args__ = (UniqueConstraint("edition_id", "area_id", name="uq_edition_result_edition_area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_edition.id", ondelete="CASCADE"), nullable=False, index=True
    )
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"), index=True)
    # Snapshot of the area as it was when the edition was computed.
    area_code: Mapped[str] = mapped_column(String(30), nullable=False)
    area_name: Mapped[str] = mapped_column(String(200), nullable=False)
    population: Mapped[int | None] = mapped_column(Integer)
    values: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # key -> value
    numerators: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # key -> count (suppression)
    z: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # key -> signed z-value
    index_value: Mapped[float | None] = mapped_column(Float)  # sum (or mean) of z-values
    index_standardised: Mapped[float | None] = mapped_column(Float)
    class_label: Mapped[str | None] = mapped_column(String(60))
    class_number: Mapped[int | None] = mapped_column(Integer)  # 1 = lowest index
    rank: Mapped[int | None] = mapped_column(Integer)  # 1 = highest standardised index
    dynamics_value: Mapped[float | None] = mapped_column(Float)
    dynamics_class: Mapped[str | None] = mapped_column(String(60))
    combined_class: Mapped[str | None] = mapped_column(String(120))
    below_min_population: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    excluded_reason: Mapped[str | None] = mapped_column(String(300))

    edition: Mapped[MonitoringEdition] = relationship(back_populates="results")
    area: Mapped[Area | None] = relationship()
