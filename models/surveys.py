"""Befragungen: surveys, questions, anonymous responses, codebook, codings, findings.

Privacy by schema: response tables carry no IP address, no user agent, no token,
no session or draft key and no exact timestamp (only the ISO week of submission).
Used invitation tokens live in `survey_used_token` (hash only, no foreign key to a
response, no timestamp, the hash is the primary key so there is no insertion counter).
"""

from __future__ import annotations

import secrets
from datetime import date
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin
from .masterdata import Area, Body, Term


class SurveyStatus(StrEnum):
    """Entwurf → geprüft → offen → geschlossen → ausgewertet (stored as the German labels)."""

    ENTWURF = "Entwurf"
    GEPRUEFT = "geprüft"
    OFFEN = "offen"
    GESCHLOSSEN = "geschlossen"
    AUSGEWERTET = "ausgewertet"

    @property
    def label(self) -> str:
        return self.value


SURVEY_STATES = list(SurveyStatus)
# Groups, defined once: in preparation — questions may change, nothing is public yet;
PREPARATION_STATES = (SurveyStatus.ENTWURF, SurveyStatus.GEPRUEFT)
# collecting or collected — paper questionnaires can still be entered;
COLLECTING_STATES = (SurveyStatus.OFFEN, SurveyStatus.GESCHLOSSEN)
# over — no more answers.
ENDED_STATES = (SurveyStatus.GESCHLOSSEN, SurveyStatus.AUSGEWERTET)

# code -> (label, html lang, direction)
SURVEY_LANGUAGES = {
    "de": ("Deutsch", "de", "ltr"),
    "ls": ("Leichte Sprache", "de", "ltr"),
    "en": ("English", "en", "ltr"),
    "tr": ("Türkçe", "tr", "ltr"),
    "ar": ("العربية", "ar", "rtl"),
    "uk": ("Українська", "uk", "ltr"),
}

QUESTION_KINDS = {
    "freitext": "Freitext",
    "janein": "Ja/Nein",
    "skala": "Skala",
    "einfach": "Einfachauswahl",
    "mehrfach": "Mehrfachauswahl",
    "zahl": "Zahl",
    "sozialraum": "Sozialraum",
}
CHOICE_KINDS = {"janein", "skala", "einfach", "mehrfach"}

survey_area = Table(
    "survey_area",
    db.Model.metadata,
    Column("survey_id", ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)
survey_term = Table(
    "survey_term",
    db.Model.metadata,
    Column("survey_id", ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("term.id", ondelete="CASCADE"), primary_key=True),
)
finding_term = Table(
    "finding_term",
    db.Model.metadata,
    Column("finding_id", ForeignKey("survey_finding.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("term.id", ondelete="CASCADE"), primary_key=True),
)
finding_area = Table(
    "finding_area",
    db.Model.metadata,
    Column("finding_id", ForeignKey("survey_finding.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)
finding_code = Table(
    "finding_code",
    db.Model.metadata,
    Column("finding_id", ForeignKey("survey_finding.id", ondelete="CASCADE"), primary_key=True),
    Column("code_id", ForeignKey("survey_code.id", ondelete="CASCADE"), primary_key=True),
)
finding_quote = Table(
    "finding_quote",
    db.Model.metadata,
    Column("finding_id", ForeignKey("survey_finding.id", ondelete="CASCADE"), primary_key=True),
    Column("answer_id", BigInteger, ForeignKey("survey_answer.id", ondelete="CASCADE"), primary_key=True),
)


class Translatable:
    """`i18n` holds {"en": {"title": "..."}, ...}; German lives in the columns."""

    def tr(self, fieldname: str, lang: str | None) -> str:
        base = getattr(self, fieldname) or ""
        if lang and lang != "de":
            value = ((self.i18n or {}).get(lang) or {}).get(fieldname)
            if value:
                return value
        return base


class Survey(Translatable, TimestampMixin, VersionedMixin, db.Model):
    """Befragung: owned by a Körperschaft (usually the Kommune), tied to Sozialräume."""

    audit_type = "Befragung"
    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    public_key: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    intro: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(Text)  # Zweck / Ziel
    decided_by: Mapped[str | None] = mapped_column(Text)  # wer entscheidet mit den Ergebnissen
    privacy_notice: Mapped[str | None] = mapped_column(Text)
    questions_checked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    access: Mapped[str] = mapped_column(String(20), default="offen", nullable=False)  # offen / einladung
    status: Mapped[str] = mapped_column(String(20), default="Entwurf", nullable=False, index=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    threshold: Mapped[int | None] = mapped_column(Integer)  # None: app default
    languages: Mapped[list] = mapped_column(JSON, default=lambda: ["de"], nullable=False)
    i18n: Mapped[dict | None] = mapped_column(JSON)
    results_public: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Datenhoheit: results are readable Kreis-wide only with the owning Kommune's consent.
    shared_with_kreis: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", nullable=False)
    shared_at: Mapped[date | None] = mapped_column(Date)

    body: Mapped[Body] = relationship()
    areas: Mapped[list[Area]] = relationship(secondary=survey_area, order_by=Area.code)
    zielgruppen: Mapped[list[Term]] = relationship(secondary=survey_term, order_by=Term.name)
    sections: Mapped[list[SurveySection]] = relationship(
        back_populates="survey", order_by="SurveySection.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="survey", order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def in_preparation(self) -> bool:
        return self.status in PREPARATION_STATES

    @property
    def collecting(self) -> bool:
        return self.status in COLLECTING_STATES

    def __str__(self) -> str:
        return self.title

    def checklist(self) -> dict[str, bool]:
        return {
            "Zweck und Ziel sind beschrieben": bool((self.purpose or "").strip()),
            "Es steht fest, wer mit den Ergebnissen entscheidet": bool((self.decided_by or "").strip()),
            "Datenschutzhinweis ist vorhanden": bool((self.privacy_notice or "").strip()),
            "Fragen sind auf suggestive Formulierungen geprüft": bool(self.questions_checked),
            "Mindestens eine Frage": bool(self.questions),
        }


class SurveySection(Translatable, TimestampMixin, db.Model):
    __tablename__ = "survey_section"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    i18n: Mapped[dict | None] = mapped_column(JSON)

    survey: Mapped[Survey] = relationship(back_populates="sections")


class Question(Translatable, TimestampMixin, db.Model):
    __tablename__ = "survey_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), nullable=False, index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("survey_section.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    text: Mapped[str] = mapped_column(String(500), nullable=False)
    help: Mapped[str | None] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    allow_other: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)  # "Sonstiges"
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    max_length: Mapped[int] = mapped_column(Integer, default=2000, nullable=False)
    # Condition: show only if the earlier question's answer includes this option.
    # (plain integer, no FK: question and option tables would reference each other)
    condition_option_id: Mapped[int | None] = mapped_column(Integer)
    i18n: Mapped[dict | None] = mapped_column(JSON)

    survey: Mapped[Survey] = relationship(back_populates="questions")
    section: Mapped[SurveySection | None] = relationship()
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan"
    )

    @property
    def kind_label(self) -> str:
        return QUESTION_KINDS.get(self.kind, self.kind)


class QuestionOption(Translatable, db.Model):
    """Answer option (also the generated Ja/Nein and scale points)."""

    __tablename__ = "survey_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_question.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    label: Mapped[str] = mapped_column(String(300), nullable=False)
    zielgruppe_id: Mapped[int | None] = mapped_column(ForeignKey("term.id", ondelete="SET NULL"))
    i18n: Mapped[dict | None] = mapped_column(JSON)

    question: Mapped[Question] = relationship(back_populates="options")
    zielgruppe: Mapped[Term | None] = relationship()


class StreetArea(db.Model):
    """Straßenverzeichnis: street (normalised) → Sozialraum, per Körperschaft."""

    __tablename__ = "survey_street_area"
    __table_args__ = (UniqueConstraint("body_id", "street_key", name="uq_street_area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"), nullable=False, index=True)
    street: Mapped[str] = mapped_column(String(200), nullable=False)
    street_key: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), nullable=False)

    area: Mapped[Area] = relationship()


def random_id() -> int:
    """Random primary key: ids of responses and answers reveal no submission order."""
    return secrets.randbits(52) + 1


class SurveyResponse(db.Model):
    """One anonymous submission. Deliberately without timestamps, IP, agent, token or session."""

    __tablename__ = "survey_response"
    # covering index for the results' group sizes (Sozialraum × Zielgruppe), see survey_results
    __table_args__ = (Index("ix_survey_response_groups", "survey_id", "area_id", "zielgruppe_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False, default=random_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), nullable=False, index=True)
    submission_key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # idempotency
    week: Mapped[str] = mapped_column(String(8), nullable=False)  # ISO week, e.g. 2026-W47
    language: Mapped[str] = mapped_column(String(5), nullable=False, default="de")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"), index=True)
    zielgruppe_id: Mapped[int | None] = mapped_column(ForeignKey("term.id", ondelete="SET NULL"), index=True)
    paper: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)  # "erfasst durch" Mitarbeitende

    answers: Mapped[list[SurveyAnswer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    area: Mapped[Area | None] = relationship()
    zielgruppe: Mapped[Term | None] = relationship()


class SurveyAnswer(db.Model):
    __tablename__ = "survey_answer"
    # the results list a fixed random choice of free texts per question: the smallest (random) ids
    # (partial: only answers with a text, so a question's texts are found without reading its options)
    __table_args__ = (
        Index(
            "ix_survey_answer_texts",
            "question_id",
            "id",
            sqlite_where=text("text_value IS NOT NULL"),
            postgresql_where=text("text_value IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False, default=random_id)
    response_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("survey_response.id", ondelete="CASCADE"), nullable=False, index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_question.id", ondelete="CASCADE"), nullable=False, index=True
    )
    option_id: Mapped[int | None] = mapped_column(ForeignKey("survey_option.id", ondelete="CASCADE"), index=True)
    text_value: Mapped[str | None] = mapped_column(Text)
    number_value: Mapped[float | None] = mapped_column(Float)
    area_value_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    option: Mapped[QuestionOption | None] = relationship()


class SurveyCount(db.Model):
    """Running counts of a survey's responses: exactly the raw aggregates the results read
    (beteiligung/services/befragungen/zaehler.py). One row per survey × raw Sozialraum × raw Zielgruppe
    × kind of count × question × option × number value; 0 stands for "none" in the id columns.
    Maintained in the transaction that adds, changes or removes responses; `befragungen zaehlen` rebuilds.
    Kinds: g responses, p checksum of their ids, o option chosen, f option chosen by those asked,
    b answered (text or number), t with a text, s "Sonstiges" (text without option), x free texts,
    z number value."""

    __tablename__ = "survey_count"

    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True)
    art: Mapped[str] = mapped_column(String(1), primary_key=True)
    area_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    zielgruppe_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    question_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    option_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[float] = mapped_column(Float, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)


class SurveyUsedToken(db.Model):
    """Hash of a used invitation token. No response reference, no time, no counter."""

    __tablename__ = "survey_used_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), nullable=False, index=True)


class SurveyDraft(db.Model):
    """Zwischenstand on the participant's device: cookie holds the key, we store its hash."""

    __tablename__ = "survey_draft"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), nullable=False, index=True)
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    saved_on: Mapped[date] = mapped_column(Date, nullable=False)  # for clean-up only


class Code(TimestampMixin, db.Model):
    """Kategorie des Codebuchs: hierarchical, per survey or shared within a Körperschaft."""

    __tablename__ = "survey_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), nullable=False, index=True)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("survey_code.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    definition: Mapped[str | None] = mapped_column(Text)
    example: Mapped[str | None] = mapped_column(Text)  # Ankerbeispiel
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    parent: Mapped[Code | None] = relationship(remote_side=[id])

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent else self.name


class Coding(db.Model):
    """Answer ↔ code by coder slot 1 (Erstcodierung) or 2 (Zweitcodierung)."""

    __tablename__ = "survey_coding"
    __table_args__ = (UniqueConstraint("answer_id", "code_id", "slot", name="uq_coding"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("survey_answer.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_id: Mapped[int] = mapped_column(ForeignKey("survey_code.id", ondelete="CASCADE"), nullable=False, index=True)
    slot: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    code: Mapped[Code] = relationship()


class CodedMark(db.Model):
    """Marks an answer as done for a coder slot (also when no code applies)."""

    __tablename__ = "survey_coded_mark"

    answer_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("survey_answer.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)


class Finding(TimestampMixin, VersionedMixin, db.Model):
    """Befund: a coded theme with figures that travels up the Wirkungskette."""

    audit_type = "Befund"
    __tablename__ = "survey_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    text: Mapped[str | None] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    survey: Mapped[Survey] = relationship()
    themen: Mapped[list[Term]] = relationship(secondary=finding_term, order_by=Term.name)
    areas: Mapped[list[Area]] = relationship(secondary=finding_area, order_by=Area.code)
    codes: Mapped[list[Code]] = relationship(secondary=finding_code)
    quotes: Mapped[list[SurveyAnswer]] = relationship(secondary=finding_quote)
