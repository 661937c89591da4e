"""Planung: Maßnahmenregister and the links that close the Wirkungskette.

A Measure (Maßnahme) is carried out by a responsible organisation, serves goals, is
commissioned by decisions (protocol entries Beschluss/Empfehlung), funded by contracts and
measured by indicators. Decisions link to measures, goals and contracts through three
association tables, so every link can be read from both ends.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
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

from .base import TimestampMixin, VersionedMixin
from .contracts import Contract, Goal, Indicator
from .masterdata import Area, Body, Organisation, Term


class MeasureStatus(StrEnum):
    GEPLANT = "geplant"
    IN_UMSETZUNG = "in Umsetzung"
    ABGESCHLOSSEN = "abgeschlossen"
    EINGESTELLT = "eingestellt"

    @property
    def label(self) -> str:
        return {
            "geplant": "geplant",
            "in Umsetzung": "in Umsetzung",
            "abgeschlossen": "abgeschlossen",
            "eingestellt": "eingestellt",
        }[self.value]

    @property
    def tone(self) -> str:
        """Colour of the status badge (KERN badge kind: info, success, warning, danger)."""
        return {"in Umsetzung": "warning", "abgeschlossen": "success", "eingestellt": "danger"}.get(self.value, "info")


# Allowed status changes; anything else is refused with a German message.
MEASURE_TRANSITIONS: dict[MeasureStatus, set[MeasureStatus]] = {
    MeasureStatus.GEPLANT: {MeasureStatus.IN_UMSETZUNG, MeasureStatus.EINGESTELLT},
    MeasureStatus.IN_UMSETZUNG: {MeasureStatus.ABGESCHLOSSEN, MeasureStatus.EINGESTELLT},
    MeasureStatus.ABGESCHLOSSEN: set(),
    MeasureStatus.EINGESTELLT: set(),
}
# Groups of states, defined once.
MEASURE_OPEN_STATES = frozenset({MeasureStatus.GEPLANT, MeasureStatus.IN_UMSETZUNG})
MEASURE_CLOSED_STATES = frozenset({MeasureStatus.ABGESCHLOSSEN, MeasureStatus.EINGESTELLT})
# Shown on the public "Was aus Ihren Hinweisen wurde" page (when the measure is marked public).
MEASURE_PUBLIC_STATES = frozenset({MeasureStatus.IN_UMSETZUNG, MeasureStatus.ABGESCHLOSSEN})


class ProgressMode(StrEnum):
    EINGABE = "eingabe"
    MEILENSTEINE = "meilensteine"

    @property
    def label(self) -> str:
        return {"eingabe": "eingetragen", "meilensteine": "aus den Meilensteinen"}[self.value]


measure_area = Table(
    "measure_area",
    db.Model.metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)
measure_target_group = Table(
    "measure_target_group",
    db.Model.metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("term.id", ondelete="CASCADE"), primary_key=True),
)
measure_goal = Table(
    "measure_goal",
    db.Model.metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("goal_id", ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True),
)
measure_contract = Table(
    "measure_contract",
    db.Model.metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("contract_id", ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True),
)
measure_indicator = Table(
    "measure_indicator",
    db.Model.metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("indicator_id", ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True),
)
# Decision (protocol entry Beschluss/Empfehlung) → what it led to.
decision_measure = Table(
    "decision_measure",
    db.Model.metadata,
    Column("entry_id", ForeignKey("protocol_entry.id", ondelete="CASCADE"), primary_key=True),
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True, index=True),
)
decision_goal = Table(
    "decision_goal",
    db.Model.metadata,
    Column("entry_id", ForeignKey("protocol_entry.id", ondelete="CASCADE"), primary_key=True),
    Column("goal_id", ForeignKey("goal.id", ondelete="CASCADE"), primary_key=True, index=True),
)
decision_contract = Table(
    "decision_contract",
    db.Model.metadata,
    Column("entry_id", ForeignKey("protocol_entry.id", ondelete="CASCADE"), primary_key=True),
    Column("contract_id", ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Measure(TimestampMixin, VersionedMixin, db.Model):
    """Maßnahme im Maßnahmenregister."""

    audit_type = "Maßnahme"
    __tablename__ = "measure"
    __table_args__ = (CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    handlungsfeld_id: Mapped[int | None] = mapped_column(ForeignKey("term.id"), index=True)
    staff_fte: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))  # VZÄ
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=MeasureStatus.GEPLANT, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)  # why eingestellt
    status_note: Mapped[str | None] = mapped_column(Text)  # Sachstand (partner)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, index=True)
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    progress_mode: Mapped[str] = mapped_column(String(20), nullable=False, default=ProgressMode.EINGABE)
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    body: Mapped[Body] = relationship()
    organisation: Mapped[Organisation] = relationship()
    handlungsfeld: Mapped[Term | None] = relationship()
    areas: Mapped[list[Area]] = relationship(secondary=measure_area, order_by=Area.code)
    target_groups: Mapped[list[Term]] = relationship(secondary=measure_target_group, order_by=Term.name)
    goals: Mapped[list[Goal]] = relationship(secondary=measure_goal, order_by=Goal.id)
    contracts: Mapped[list[Contract]] = relationship(secondary=measure_contract, order_by=Contract.id)
    indicators: Mapped[list[Indicator]] = relationship(secondary=measure_indicator, order_by=Indicator.id)
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", order_by="(Milestone.due_date, Milestone.id)"
    )
    budget_lines: Mapped[list[MeasureBudget]] = relationship(
        back_populates="measure", cascade="all, delete-orphan", order_by="(MeasureBudget.year, MeasureBudget.id)"
    )

    def __str__(self) -> str:
        return self.title

    @property
    def status_enum(self) -> MeasureStatus:
        return MeasureStatus(self.status)

    @property
    def status_label(self) -> str:
        return self.status_enum.label

    @property
    def is_open(self) -> bool:
        return self.status in MEASURE_OPEN_STATES

    def overdue_reasons(self, today: date) -> list[str]:
        """Why the measure is behind schedule (empty when it is not)."""
        if not self.is_open:
            return []
        out = []
        if self.end_date is not None and self.end_date < today:
            out.append(f"Laufzeitende {self.end_date:%d.%m.%Y} überschritten")
        for m in self.milestones:
            if not m.done and m.due_date < today:
                out.append(f"Meilenstein „{m.title}“ seit {m.due_date:%d.%m.%Y} fällig")
        return out


class Milestone(TimestampMixin, db.Model):
    __tablename__ = "measure_milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    done_on: Mapped[date | None] = mapped_column(Date)

    measure: Mapped[Measure] = relationship(back_populates="milestones")


class MeasureBudget(TimestampMixin, db.Model):
    """Mittel einer Maßnahme je Haushaltsjahr (optional mit NKF-Produkt)."""

    __tablename__ = "measure_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"), nullable=False, index=True)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), nullable=False)
    product_number: Mapped[str | None] = mapped_column(String(40))

    measure: Mapped[Measure] = relationship(back_populates="budget_lines")


# --- Planungsvorhaben (Steuerungskreislauf) ---------------------------------------------


class PhaseKind(StrEnum):
    AUFTRAGSKLAERUNG = "auftragsklaerung"
    BESTANDSAUFNAHME = "bestandsaufnahme"
    LEITBILD = "leitbild"
    ZIELBILDUNG = "zielbildung"
    MASSNAHMEN = "massnahmen"
    EVALUATION = "evaluation"

    @property
    def label(self) -> str:
        return {
            "auftragsklaerung": "Auftragsklärung",
            "bestandsaufnahme": "Bestandsaufnahme",
            "leitbild": "Leitbild",
            "zielbildung": "Zielbildung",
            "massnahmen": "Maßnahmenplanung und Umsetzung",
            "evaluation": "Evaluation und Controlling",
        }[self.value]


PHASE_ORDER = list(PhaseKind)


class PhaseStatus(StrEnum):
    OFFEN = "offen"
    LAUFEND = "laufend"
    ABGESCHLOSSEN = "abgeschlossen"

    @property
    def label(self) -> str:
        return self.value

    @property
    def tone(self) -> str:
        """Colour of the status badge (KERN badge kind: info, success, warning, danger)."""
        return {"laufend": "warning", "abgeschlossen": "success"}.get(self.value, "info")


class AssignmentKind(StrEnum):
    """What can be assigned to a Planungsvorhaben and a phase (one assignment table)."""

    SITZUNG = "sitzung"
    BESCHLUSS = "eintrag"
    BEFRAGUNG = "befragung"
    ZIEL = "ziel"
    KONTRAKT = "kontrakt"
    MASSNAHME = "massnahme"
    AUSGABE = "ausgabe"

    @property
    def label(self) -> str:
        return {
            "ausgabe": "Monitoring-Ausgabe",
            "sitzung": "Sitzung",
            "eintrag": "Beschluss / Empfehlung",
            "befragung": "Befragung",
            "ziel": "Ziel",
            "kontrakt": "Kontrakt",
            "massnahme": "Maßnahme",
        }[self.value]


process_area = Table(
    "planning_process_area",
    db.Model.metadata,
    Column("process_id", ForeignKey("planning_process.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)
process_term = Table(
    "planning_process_term",
    db.Model.metadata,
    Column("process_id", ForeignKey("planning_process.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("term.id", ondelete="CASCADE"), primary_key=True),
)


class PlanningProcess(TimestampMixin, VersionedMixin, db.Model):
    """Planungsvorhaben: a mandate and the phases of the Steuerungskreislauf."""

    audit_type = "Planungsvorhaben"
    __tablename__ = "planning_process"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    # Auftrag: who commissioned it (a committee of the platform or a council named in text)
    mandate_committee_id: Mapped[int | None] = mapped_column(ForeignKey("committee.id", ondelete="SET NULL"))
    mandate_by: Mapped[str | None] = mapped_column(String(200))
    mandate_date: Mapped[date | None] = mapped_column(Date)
    mandate_reference: Mapped[str | None] = mapped_column(String(60))  # e.g. V/2026/0815
    scope: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    body: Mapped[Body] = relationship()
    mandate_committee = relationship("Committee")
    areas: Mapped[list[Area]] = relationship(secondary=process_area, order_by=Area.code)
    terms: Mapped[list[Term]] = relationship(secondary=process_term, order_by=Term.name)
    phases: Mapped[list[ProcessPhase]] = relationship(
        back_populates="process", cascade="all, delete-orphan", order_by="ProcessPhase.position"
    )

    def __str__(self) -> str:
        return self.title

    @property
    def handlungsfelder(self) -> list[Term]:
        return [t for t in self.terms if t.vocabulary == "handlungsfeld"]

    @property
    def zielgruppen(self) -> list[Term]:
        return [t for t in self.terms if t.vocabulary == "zielgruppe"]


class ProcessPhase(TimestampMixin, db.Model):
    __tablename__ = "planning_phase"
    __table_args__ = (UniqueConstraint("process_id", "kind", name="uq_planning_phase_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("planning_process.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PhaseStatus.OFFEN)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))

    process: Mapped[PlanningProcess] = relationship(back_populates="phases")
    responsible = relationship("Person")

    @property
    def label(self) -> str:
        return PhaseKind(self.kind).label


class ProcessAssignment(TimestampMixin, db.Model):
    """A meeting, decision, survey, goal, contract or measure assigned to a process and a phase."""

    __tablename__ = "planning_assignment"
    __table_args__ = (UniqueConstraint("process_id", "item_kind", "item_id", name="uq_planning_assignment_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("planning_process.id", ondelete="CASCADE"), nullable=False, index=True
    )
    phase_id: Mapped[int] = mapped_column(
        ForeignKey("planning_phase.id", ondelete="CASCADE"), nullable=False, index=True
    )
    item_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)

    phase: Mapped[ProcessPhase] = relationship()


class ControllingNote(TimestampMixin, db.Model):
    """The planner's explanation of a deviation in a quarterly Abweichungsbericht."""

    __tablename__ = "controlling_note"
    __table_args__ = (
        UniqueConstraint(
            "scope_kind", "scope_id", "year", "quarter", "item_kind", "item_id", name="uq_controlling_note_item"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_kind: Mapped[str] = mapped_column(String(20), nullable=False)  # vorhaben / koerperschaft
    scope_id: Mapped[int] = mapped_column(Integer, nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    quarter: Mapped[int] = mapped_column(Integer, nullable=False)
    item_kind: Mapped[str] = mapped_column(String(20), nullable=False)  # kennzahl / massnahme
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


# --- Stellungnahmeverfahren ------------------------------------------------------------------


class Uptake(StrEnum):
    UEBERNOMMEN = "uebernommen"
    TEILWEISE = "teilweise"
    NICHT = "nicht"

    @property
    def label(self) -> str:
        return {"uebernommen": "übernommen", "teilweise": "teilweise übernommen", "nicht": "nicht übernommen"}[
            self.value
        ]

    @property
    def tone(self) -> str:
        """Colour of the status badge (KERN badge kind: info, success, warning, danger)."""
        return {"uebernommen": "success", "teilweise": "warning"}.get(self.value, "info")


class Consultation(TimestampMixin, VersionedMixin, db.Model):
    """Stellungnahmeverfahren: a draft document sent to chosen organisations with a deadline."""

    audit_type = "Stellungnahmeverfahren"
    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    process_id: Mapped[int | None] = mapped_column(ForeignKey("planning_process.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    draft_filename: Mapped[str] = mapped_column(String(200), nullable=False)
    draft_stored_name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    draft_content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    draft_size: Mapped[int] = mapped_column(Integer, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    body: Mapped[Body] = relationship()
    process: Mapped[PlanningProcess | None] = relationship()
    participants: Mapped[list[ConsultationParticipant]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="ConsultationParticipant.id"
    )
    statements: Mapped[list[Statement]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", order_by="Statement.id"
    )

    def __str__(self) -> str:
        return self.title


class ConsultationParticipant(TimestampMixin, db.Model):
    __tablename__ = "consultation_participant"
    __table_args__ = (UniqueConstraint("consultation_id", "organisation_id", name="uq_consultation_participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)

    consultation: Mapped[Consultation] = relationship(back_populates="participants")
    organisation: Mapped[Organisation] = relationship()


class Statement(TimestampMixin, VersionedMixin, db.Model):
    """Stellungnahme of one organisation; the planner records how it was taken up."""

    audit_type = "Stellungnahme"
    __tablename__ = "consultation_statement"
    __table_args__ = (UniqueConstraint("consultation_id", "organisation_id", name="uq_consultation_statement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    filename: Mapped[str | None] = mapped_column(String(200))
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uptake: Mapped[str | None] = mapped_column(String(20))
    uptake_note: Mapped[str | None] = mapped_column(Text)

    consultation: Mapped[Consultation] = relationship(back_populates="statements")
    organisation: Mapped[Organisation] = relationship()

    @property
    def uptake_label(self) -> str:
        return Uptake(self.uptake).label if self.uptake else "noch nicht bewertet"
