"""Kontrakte und Zielvereinbarungen: contracts, goals, indicators (Kennzahlen), reports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin, utcnow
from .committees import Committee
from .masterdata import Area, Body, Organisation, Term

DEFAULT_CONTRACT_KINDS = [
    (
        "Zielvereinbarung",
        "Ziele für einen Zeitraum und die relevanten Handlungsfelder, mit Kennzahlen und Berichtspflicht.",
    ),
    ("Leistungsvereinbarung", "Leistungen, Menge, Qualität und Finanzierung eines Leistungserbringers."),
    ("Kooperationsvereinbarung", "Gemeinsame Ziele, Zuständigkeiten und Instrumente der Zusammenarbeit."),
    ("Rahmenvereinbarung", "Regeln der Mitwirkung und Mitverantwortung für mehrere Einzelvereinbarungen."),
    (
        "Qualitätsentwicklungsvereinbarung",
        "Jährlich fortgeschriebene Qualitätsstandards, z. B. aus dem Qualitätszirkel.",
    ),
    ("Servicevereinbarung", "Verbindliche Aussagen zu Zeit und Qualität von Teilleistungen zwischen Prozesspartnern."),
]


class ContractStatus(StrEnum):
    """Status of a contract; the stored values are the German labels."""

    ENTWURF = "Entwurf"
    IN_VERHANDLUNG = "in Verhandlung"
    UNTERZEICHNET = "unterzeichnet"
    LAUFEND = "laufend"
    AUSGELAUFEN = "ausgelaufen"
    GEKUENDIGT = "gekündigt"

    @property
    def label(self) -> str:
        return self.value

    @property
    def tone(self) -> str:
        """Colour of the status badge (KERN badge kind: info, success, warning, danger)."""
        return {
            "in Verhandlung": "warning",
            "unterzeichnet": "success",
            "laufend": "success",
            "gekündigt": "danger",
        }.get(self.value, "info")


CONTRACT_STATES = list(ContractStatus)
# Allowed status changes (anything else is refused with a German message).
CONTRACT_TRANSITIONS = {
    ContractStatus.ENTWURF: [ContractStatus.IN_VERHANDLUNG],
    ContractStatus.IN_VERHANDLUNG: [ContractStatus.ENTWURF, ContractStatus.UNTERZEICHNET],
    ContractStatus.UNTERZEICHNET: [ContractStatus.LAUFEND, ContractStatus.GEKUENDIGT],
    ContractStatus.LAUFEND: [ContractStatus.AUSGELAUFEN, ContractStatus.GEKUENDIGT],
    ContractStatus.AUSGELAUFEN: [],
    ContractStatus.GEKUENDIGT: [],
}
# Groups of states, defined once:
# signed and later — the text is locked (changes only as a Nachtrag) and Politik may read the contract;
LOCKED_STATES = (
    ContractStatus.UNTERZEICHNET,
    ContractStatus.LAUFEND,
    ContractStatus.AUSGELAUFEN,
    ContractStatus.GEKUENDIGT,
)
SIGNED_STATES = LOCKED_STATES
PUBLISHED_STATES = LOCKED_STATES
# in force — reports are due, amendments (Nachträge) possible;
IN_FORCE_STATES = (ContractStatus.UNTERZEICHNET, ContractStatus.LAUFEND)
# ended — nothing changes any more.
CLOSED_STATES = (ContractStatus.AUSGELAUFEN, ContractStatus.GEKUENDIGT)

# (attribute, German label) of the clause sections (seed 003:212).
CLAUSES = [
    ("clause_goal", "Zielvereinbarung"),
    ("clause_service", "Leistungsvereinbarung"),
    ("clause_budget", "Budgetvereinbarung"),
    ("clause_quality", "Qualitätsvereinbarung"),
    ("clause_review", "Überprüfungsvereinbarung"),
    ("incentives", "Anreize und Sanktionen"),
]

PARTY_ROLES = ["Auftraggeber", "Auftragnehmer", "Kooperationspartner"]
BUDGET_KINDS = ["Personal", "Sachmittel", "Zuschuss"]

GOAL_LEVELS = ["Leitziel", "Mittlerziel", "Handlungsziel", "Maßnahme"]
GOAL_FIELDS = ["Wirkung", "Leistung", "Prozess", "Ressourcen"]
GOAL_FIELD_QUESTIONS = {
    "Wirkung": "Was wollen wir erreichen?",
    "Leistung": "Was müssen wir dafür anbieten?",
    "Prozess": "Wie müssen wir es tun?",
    "Ressourcen": "Was müssen wir einsetzen?",
}


class GoalStatus(StrEnum):
    ENTWURF = "Entwurf"
    ABGESTIMMT = "abgestimmt"
    BESCHLOSSEN = "beschlossen"  # Politik reads decided goals

    @property
    def label(self) -> str:
        return self.value


GOAL_STATES = list(GoalStatus)
SMART = [
    ("smart_specific", "spezifisch"),
    ("smart_measurable", "messbar"),
    ("smart_accepted", "aktiv beeinflussbar / akzeptiert"),
    ("smart_realistic", "realistisch"),
    ("smart_timed", "terminiert"),
]

DIRECTIONS = {"hoeher": "höher ist besser", "niedriger": "niedriger ist besser"}
TARGET_MODES = {"absolut": "absoluter Zielwert", "relativ": "relativ zum Ausgangswert (%)"}
PERIODICITIES = {"monatlich": 1, "quartalsweise": 3, "halbjährlich": 6, "jährlich": 12}


class ReportStatus(StrEnum):
    """Review state of a partner's report."""

    OFFEN = "offen"
    EINGEREICHT = "eingereicht"
    ANGENOMMEN = "angenommen"
    ZURUECKGEGEBEN = "zurückgegeben"

    @property
    def label(self) -> str:
        return self.value

    @property
    def tone(self) -> str:
        """Colour of the status badge (KERN badge kind: info, success, warning, danger)."""
        return {"eingereicht": "warning", "angenommen": "success", "zurückgegeben": "danger"}.get(self.value, "info")


REPORT_STATES = list(ReportStatus)
# The partner (still or again) works on it: editable, counts as due/overdue.
OPEN_REPORT_STATES = (ReportStatus.OFFEN, ReportStatus.ZURUECKGEGEBEN)


contract_term = Table(
    "contract_term",
    db.Model.metadata,
    Column("contract_id", ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("term.id", ondelete="CASCADE"), primary_key=True),
)
contract_area = Table(
    "contract_area",
    db.Model.metadata,
    Column("contract_id", ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)
contract_goal = Table(
    "contract_goal",
    db.Model.metadata,
    Column("contract_id", ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True),
    Column("goal_id", ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True),
)


class ContractKind(TimestampMixin, db.Model):
    """Art des Kontrakts (configurable)."""

    __tablename__ = "contract_kind"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    description: Mapped[str | None] = mapped_column(Text)

    def __str__(self) -> str:
        return self.name


class Goal(TimestampMixin, VersionedMixin, db.Model):
    """Ziel: Leitziel → Mittlerziel → Handlungsziel → Maßnahme, in one of the four goal fields."""

    __tablename__ = "goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id"), index=True)
    level: Mapped[str] = mapped_column(String(20), nullable=False, default="Leitziel")
    field: Mapped[str] = mapped_column(String(20), nullable=False, default="Wirkung")
    title: Mapped[str] = mapped_column(String(300), nullable=False)  # safe for public feedback
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="Entwurf", index=True)
    target_group_id: Mapped[int | None] = mapped_column(ForeignKey("term.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    smart_specific: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    smart_measurable: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    smart_accepted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    smart_realistic: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    smart_timed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    smart_hint: Mapped[str | None] = mapped_column(Text)
    # Wirkungskette: the survey finding this goal came from (linked by the surveys module).
    source_finding_id: Mapped[int | None] = mapped_column(Integer, index=True)

    body: Mapped[Body] = relationship()
    parent: Mapped[Goal | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Goal]] = relationship(back_populates="parent", order_by="Goal.id")
    target_group: Mapped[Term | None] = relationship()
    area: Mapped[Area | None] = relationship()
    contracts: Mapped[list[Contract]] = relationship(secondary=contract_goal, back_populates="goals")

    def __str__(self) -> str:
        return self.title

    @property
    def smart_score(self) -> int:
        return sum(1 for attr, _l in SMART if getattr(self, attr))


class Contract(TimestampMixin, VersionedMixin, db.Model):
    """Kontrakt / Zielvereinbarung between the owning Body and partners."""

    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("contract_kind.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    reference: Mapped[str | None] = mapped_column(String(60))  # Aktenzeichen
    subject: Mapped[str | None] = mapped_column(Text)  # Gegenstand (Markdown)
    legal_basis: Mapped[str | None] = mapped_column(String(300))
    product_number: Mapped[str | None] = mapped_column(String(40))  # NKF-Produkt
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="Entwurf", index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, index=True)
    review_date: Mapped[date | None] = mapped_column(Date)
    clause_goal: Mapped[str | None] = mapped_column(Text)
    clause_service: Mapped[str | None] = mapped_column(Text)
    clause_budget: Mapped[str | None] = mapped_column(Text)
    clause_quality: Mapped[str | None] = mapped_column(Text)
    clause_review: Mapped[str | None] = mapped_column(Text)
    incentives: Mapped[str | None] = mapped_column(Text)
    # Zielvereinbarungsgespräch / Gremium where deviations are put on the agenda (Themenspeicher).
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committee.id", ondelete="SET NULL"))
    signed_on: Mapped[date | None] = mapped_column(Date)
    terminated_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    body: Mapped[Body] = relationship()
    kind: Mapped[ContractKind] = relationship()
    committee: Mapped[Committee | None] = relationship()
    terms: Mapped[list[Term]] = relationship(secondary=contract_term, order_by=Term.name)
    areas: Mapped[list[Area]] = relationship(secondary=contract_area, order_by=Area.code)
    goals: Mapped[list[Goal]] = relationship(secondary=contract_goal, back_populates="contracts", order_by=Goal.id)
    parties: Mapped[list[ContractParty]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractParty.id"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="(BudgetLine.year, BudgetLine.id)"
    )
    versions: Mapped[list[ContractVersion]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractVersion.number"
    )
    indicators: Mapped[list[Indicator]] = relationship(back_populates="contract", order_by="Indicator.id")
    duties: Mapped[list[ReportingDuty]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ReportingDuty.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        order_by="Attachment.id",
        primaryjoin="and_(Attachment.contract_id == Contract.id, Attachment.report_id.is_(None))",
        viewonly=True,
    )

    def __str__(self) -> str:
        return self.title

    @property
    def locked(self) -> bool:
        return self.status in LOCKED_STATES

    @property
    def in_force(self) -> bool:
        """Signed or running: reports are due, changes only as a Nachtrag."""
        return self.status in IN_FORCE_STATES

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_STATES

    @property
    def handlungsfelder(self) -> list[Term]:
        return [t for t in self.terms if t.vocabulary == "handlungsfeld"]

    @property
    def zielgruppen(self) -> list[Term]:
        return [t for t in self.terms if t.vocabulary == "zielgruppe"]


class ContractParty(TimestampMixin, db.Model):
    """Vertragspartei: an organisation or a body (e.g. a Kommune), with signatory and signing date."""

    __tablename__ = "contract_party"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"), index=True)
    role: Mapped[str] = mapped_column(String(40), nullable=False, default="Auftragnehmer")
    signatory: Mapped[str | None] = mapped_column(String(200))
    signed_on: Mapped[date | None] = mapped_column(Date)

    contract: Mapped[Contract] = relationship(back_populates="parties")
    organisation: Mapped[Organisation | None] = relationship()
    body: Mapped[Body | None] = relationship()

    @property
    def name(self) -> str:
        return self.organisation.name if self.organisation is not None else (self.body.name if self.body else "")

    def __str__(self) -> str:
        return self.name


class ContractVersion(db.Model):
    """Fassung: a snapshot of the contract text with author and comment (negotiation history)."""

    __tablename__ = "contract_version"
    __table_args__ = (UniqueConstraint("contract_id", "number", name="uq_contract_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    label: Mapped[str] = mapped_column(String(60), nullable=False, default="Fassung")  # Fassung / Nachtrag 1 …
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    contract: Mapped[Contract] = relationship(back_populates="versions")
    author = relationship("User")


class BudgetLine(TimestampMixin, db.Model):
    """Haushaltsansatz of a contract: type, year, amount, NKF product."""

    __tablename__ = "budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    product_number: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(300))

    contract: Mapped[Contract] = relationship(back_populates="budget_lines")


class Indicator(TimestampMixin, VersionedMixin, db.Model):
    """Kennzahl (Bielefeld pattern): base population, baseline, target relative or absolute, source."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id", ondelete="SET NULL"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    definition: Mapped[str | None] = mapped_column(Text)
    base_population: Mapped[str | None] = mapped_column(String(300))  # Grundgesamtheit
    unit: Mapped[str | None] = mapped_column(String(60))
    baseline_value: Mapped[Decimal] = mapped_column(Numeric(16, 4), nullable=False)
    baseline_date: Mapped[date] = mapped_column(Date, nullable=False)
    target_mode: Mapped[str] = mapped_column(String(10), nullable=False, default="absolut")
    target_input: Mapped[Decimal] = mapped_column(Numeric(16, 4), nullable=False)  # value or percent
    target_date: Mapped[date] = mapped_column(Date, nullable=False)
    direction: Mapped[str] = mapped_column(String(10), nullable=False, default="hoeher")
    data_source: Mapped[str | None] = mapped_column(String(300))
    periodicity: Mapped[str] = mapped_column(String(20), nullable=False, default="jährlich")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Ampel: Abweichung vom Soll (in % des Soll-Werts) bis green_limit grün, bis yellow_limit gelb, darüber rot.
    green_limit: Mapped[Decimal] = mapped_column(Numeric(6, 2), nullable=False, default=Decimal("5"))
    yellow_limit: Mapped[Decimal] = mapped_column(Numeric(6, 2), nullable=False, default=Decimal("10"))
    plausible_min: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    plausible_max: Mapped[Decimal | None] = mapped_column(Numeric(16, 4))
    # The stored Ampel (services/kontrakte/ampel.py keeps it equal to evaluate(); lists filter and count on it).
    light: Mapped[str] = mapped_column(String(10), nullable=False, default="keine", server_default="keine", index=True)

    body: Mapped[Body] = relationship()
    contract: Mapped[Contract | None] = relationship(back_populates="indicators")
    goal: Mapped[Goal | None] = relationship()
    area: Mapped[Area | None] = relationship()
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="Measurement.period_end"
    )

    def __str__(self) -> str:
        return self.name


class Measurement(TimestampMixin, db.Model):
    """Ist-Wert of an indicator at a Stichtag (from a report or typed in by the planner)."""

    __tablename__ = "measurement"
    __table_args__ = (UniqueConstraint("indicator_id", "period_end", name="uq_measurement_indicator_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), nullable=False, index=True
    )
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    value: Mapped[Decimal] = mapped_column(Numeric(16, 4), nullable=False)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"), index=True)
    note: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Ampel of this value against the Soll at its Stichtag (stored, see services/kontrakte/ampel.py).
    light: Mapped[str | None] = mapped_column(String(10))

    indicator: Mapped[Indicator] = relationship(back_populates="measurements")
    report: Mapped[Report | None] = relationship(back_populates="measurements")


class ReportingDuty(TimestampMixin, db.Model):
    """Berichtspflicht: what a party reports, how often, and how long after the period it is due."""

    __tablename__ = "reporting_duty"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("contract_party.id", ondelete="CASCADE"), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    periodicity: Mapped[str] = mapped_column(String(20), nullable=False, default="jährlich")
    due_days: Mapped[int] = mapped_column(Integer, nullable=False, default=60)  # days after period end

    contract: Mapped[Contract] = relationship(back_populates="duties")
    party: Mapped[ContractParty] = relationship()
    reports: Mapped[list[Report]] = relationship(back_populates="duty", order_by="Report.period_start")


class Report(TimestampMixin, VersionedMixin, db.Model):
    """Bericht eines Partners für eine Periode: Ist-Werte, Sachbericht, Prüfung."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("duty_id", "period_start", name="uq_report_duty_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[int] = mapped_column(
        ForeignKey("reporting_duty.id", ondelete="CASCADE"), nullable=False, index=True
    )
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="offen", index=True)
    narrative: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    review_comment: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    topic_proposal_id: Mapped[int | None] = mapped_column(ForeignKey("topic_proposal.id", ondelete="SET NULL"))

    duty: Mapped[ReportingDuty] = relationship(back_populates="reports")
    contract: Mapped[Contract] = relationship()
    measurements: Mapped[list[Measurement]] = relationship(back_populates="report")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="report", order_by="Attachment.id")

    def __str__(self) -> str:
        return f"{self.duty.title if self.duty else 'Bericht'} {self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"

    @property
    def editable(self) -> bool:
        return self.status in OPEN_REPORT_STATES


class Attachment(TimestampMixin, db.Model):
    """An uploaded file (signed contract PDF, report annex) stored outside the web root."""

    __tablename__ = "contract_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str | None] = mapped_column(String(300))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    contract: Mapped[Contract] = relationship()
    report: Mapped[Report | None] = relationship(back_populates="attachments")
