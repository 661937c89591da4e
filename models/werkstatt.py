"""Werkstatt: Terminabstimmung (date poll) for a committee or a planned meeting.

A poll offers candidate dates; invitees answer ja / wenn nötig / nein per option through a
personal token link (only its SHA-256 hash is stored); the planner picks a date and the
meeting is created (or the planned one moved) and invited as usual.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin, utcnow
from .committees import Committee, Meeting
from .masterdata import Organisation, Person


class PollStatus(StrEnum):
    OFFEN = "offen"
    ENTSCHIEDEN = "entschieden"

    @property
    def label(self) -> str:
        return {"offen": "offen", "entschieden": "Termin festgelegt"}[self.value]


class PollAnswerValue(StrEnum):
    JA = "ja"
    WENN_NOETIG = "wenn_noetig"
    NEIN = "nein"

    @property
    def label(self) -> str:
        return {"ja": "ja", "wenn_noetig": "wenn nötig", "nein": "nein"}[self.value]


# Answers that count as "can come" for the ranking (ja counts fully, wenn nötig half).
POLL_ANSWER_VALUES = tuple(PollAnswerValue)


class DatePoll(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "werkstatt_poll"
    audit_type = "Terminabstimmung"

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committee.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # A planned meeting whose date is being found (None: the meeting is created when a date is picked).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    deadline: Mapped[datetime] = mapped_column(DateTime, nullable=False)  # naive UTC
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PollStatus.OFFEN)
    # The picked option (no foreign key: options and poll would reference each other).
    chosen_option_id: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    committee: Mapped[Committee] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    options: Mapped[list[DatePollOption]] = relationship(
        back_populates="poll", cascade="all, delete-orphan", order_by="DatePollOption.start"
    )
    invitees: Mapped[list[DatePollInvitee]] = relationship(back_populates="poll", cascade="all, delete-orphan")

    @property
    def chosen_option(self) -> DatePollOption | None:
        return next((o for o in self.options if o.id == self.chosen_option_id), None)

    @property
    def status_enum(self) -> PollStatus:
        return PollStatus(self.status)

    @property
    def is_open(self) -> bool:
        return self.status == PollStatus.OFFEN and utcnow() < self.deadline

    def __str__(self) -> str:
        return self.title


class DatePollOption(db.Model):
    __tablename__ = "werkstatt_poll_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(
        ForeignKey("werkstatt_poll.id", ondelete="CASCADE"), nullable=False, index=True
    )
    start: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    end: Mapped[datetime] = mapped_column(DateTime, nullable=False)

    poll: Mapped[DatePoll] = relationship(back_populates="options")


class DatePollInvitee(TimestampMixin, db.Model):
    __tablename__ = "werkstatt_poll_invitee"
    __table_args__ = (UniqueConstraint("poll_id", "person_id", name="uq_werkstatt_poll_invitee"),)
    audit_type = "Terminabstimmung-Antwort"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(
        ForeignKey("werkstatt_poll.id", ondelete="CASCADE"), nullable=False, index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    comment: Mapped[str | None] = mapped_column(String(500))

    poll: Mapped[DatePoll] = relationship(back_populates="invitees")
    person: Mapped[Person] = relationship()
    answers: Mapped[list[DatePollAnswer]] = relationship(back_populates="invitee", cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.person.full_name


class DatePollAnswer(db.Model):
    __tablename__ = "werkstatt_poll_answer"
    __table_args__ = (UniqueConstraint("invitee_id", "option_id", name="uq_werkstatt_poll_answer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitee_id: Mapped[int] = mapped_column(
        ForeignKey("werkstatt_poll_invitee.id", ondelete="CASCADE"), nullable=False, index=True
    )
    option_id: Mapped[int] = mapped_column(
        ForeignKey("werkstatt_poll_option.id", ondelete="CASCADE"), nullable=False, index=True
    )
    value: Mapped[str] = mapped_column(String(20), nullable=False)

    invitee: Mapped[DatePollInvitee] = relationship(back_populates="answers")
    option: Mapped[DatePollOption] = relationship()


# --- Methoden-Tafeln (method boards) in a meeting ------------------------------------------


class BoardKind(StrEnum):
    SWOT = "swot"
    PUNKTABFRAGE = "punktabfrage"
    PORTFOLIO = "portfolio"
    OPEN_SPACE = "open_space"
    ZUKUNFTSKONFERENZ = "zukunftskonferenz"
    WIRKUNGSBEITRAG = "wirkungsbeitrag"

    @property
    def label(self) -> str:
        return {
            "swot": "SWOT-Analyse",
            "punktabfrage": "Punktabfrage",
            "portfolio": "Portfolio",
            "open_space": "Open-Space-Marktplatz",
            "zukunftskonferenz": "Zukunftskonferenz",
            "wirkungsbeitrag": "Wirkungsbeitragsanalyse",
        }[self.value]


class BoardStatus(StrEnum):
    OFFEN = "offen"
    GESCHLOSSEN = "geschlossen"

    @property
    def label(self) -> str:
        return {"offen": "offen", "geschlossen": "geschlossen"}[self.value]


# The fields a card can sit in, per board type (key, label). Portfolio cards carry x/y instead.
SWOT_FIELDS = (("staerken", "Stärken"), ("schwaechen", "Schwächen"), ("chancen", "Chancen"), ("risiken", "Risiken"))
# Zukunftskonferenz: the five phases of the handbook (Burow 2008), worked through in this order.
ZUKUNFT_PHASES = (
    ("vergangenheit", "Reflektion der Vergangenheit"),
    ("gegenwart", "Analyse der Gegenwart"),
    ("zukunftsentwuerfe", "Entwicklung von Zukunftsentwürfen"),
    ("gemeinsamkeiten", "Herausarbeiten von Gemeinsamkeiten"),
    ("massnahmen", "Planung konkreter Maßnahmen"),
)
# Wirkungsbeitragsanalyse: the four steps of the handbook (guidance on the board) and the rating of a contribution.
WIRKUNG_STEPS = (
    "Strategische Ziele erarbeiten oder überprüfen – hier: die Wirkung, um die es geht (Leitfrage der Tafel).",
    "Die Ziele bewerten und gewichten.",
    "Gemeinsam bewerten: „Welchen Beitrag leistet der Akteur zur Wirkung?“ – je Karte ein Akteur und eine Bewertung.",
    "Ressourcen in Relation zur Zielerreichung setzen (z. B. im Anschluss mit einer Portfolio-Tafel).",
)
CONTRIBUTION_RATINGS = ((0, "kein Beitrag"), (1, "geringer Beitrag"), (2, "mittlerer Beitrag"), (3, "hoher Beitrag"))
BOARD_FIELDS = {
    BoardKind.SWOT: SWOT_FIELDS,
    BoardKind.PUNKTABFRAGE: (("vorschlaege", "Vorschläge"),),
    BoardKind.PORTFOLIO: (("portfolio", "Portfolio"),),
    BoardKind.OPEN_SPACE: (("sessions", "Vorgeschlagene Sessions"),),
    BoardKind.ZUKUNFTSKONFERENZ: ZUKUNFT_PHASES,
    BoardKind.WIRKUNGSBEITRAG: (("beitraege", "Beiträge zur Wirkung"),),
}
# Meeting states in which guests may still join and cards may still be added.
BOARD_ACTIVE_MEETING_STATES = ("geplant", "eingeladen", "verschoben")


class Board(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "werkstatt_board"
    audit_type = "Methodentafel"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    question: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=BoardStatus.OFFEN)
    dots_per_participant: Mapped[int | None] = mapped_column(Integer)  # Punktabfrage
    x_label: Mapped[str | None] = mapped_column(String(100))  # Portfolio axes
    y_label: Mapped[str | None] = mapped_column(String(100))
    # Zukunftskonferenz: the phase that takes new cards (earlier phases stay readable).
    current_phase: Mapped[str | None] = mapped_column(String(30))
    guest_code: Mapped[str] = mapped_column(String(12), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()
    cards: Mapped[list[BoardCard]] = relationship(
        back_populates="board", cascade="all, delete-orphan", order_by="BoardCard.position"
    )

    @property
    def kind_enum(self) -> BoardKind:
        return BoardKind(self.kind)

    @property
    def fields(self):
        return BOARD_FIELDS[BoardKind(self.kind)]

    @property
    def phase_label(self) -> str | None:
        return dict(ZUKUNFT_PHASES).get(self.current_phase) if self.current_phase else None

    @property
    def phase_number(self) -> int | None:
        keys = [k for k, _label in ZUKUNFT_PHASES]
        return keys.index(self.current_phase) + 1 if self.current_phase in keys else None

    @property
    def next_phase(self) -> tuple[str, str] | None:
        keys = [k for k, _label in ZUKUNFT_PHASES]
        if self.current_phase not in keys or self.current_phase == keys[-1]:
            return None
        return ZUKUNFT_PHASES[keys.index(self.current_phase) + 1]

    def __str__(self) -> str:
        return self.title


class BoardGuest(TimestampMixin, db.Model):
    """A participant without an account who joined one board with its code (name only)."""

    __tablename__ = "werkstatt_guest"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(
        ForeignKey("werkstatt_board.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)


class BoardCard(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "werkstatt_card"
    audit_type = "Karte"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(
        ForeignKey("werkstatt_board.id", ondelete="CASCADE"), nullable=False, index=True
    )
    field: Mapped[str] = mapped_column(String(30), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    cluster: Mapped[str | None] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    x: Mapped[int | None] = mapped_column(Integer)  # Portfolio: 0–100
    y: Mapped[int | None] = mapped_column(Integer)
    # Open-Space-Marktplatz: a card is a session with room, time slot and its documentation.
    room: Mapped[str | None] = mapped_column(String(100))
    slot: Mapped[str | None] = mapped_column(String(100))
    documentation: Mapped[str | None] = mapped_column(Text)
    # Wirkungsbeitragsanalyse: the actor (organisation of the network) and the rating of its contribution (0–3).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    rating: Mapped[int | None] = mapped_column(Integer)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    author_guest_id: Mapped[int | None] = mapped_column(ForeignKey("werkstatt_guest.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), nullable=False)
    # A merged card stays (nothing lost) and points at the card it went into.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("werkstatt_card.id", ondelete="SET NULL"))

    board: Mapped[Board] = relationship(back_populates="cards")
    dots: Mapped[list[BoardDot]] = relationship(back_populates="card", cascade="all, delete-orphan")
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def rating_label(self) -> str | None:
        return dict(CONTRIBUTION_RATINGS).get(self.rating) if self.rating is not None else None

    def __str__(self) -> str:
        return self.text[:80]


class BoardDot(TimestampMixin, db.Model):
    """One dot of a Punktabfrage: by a user or a guest, on a card."""

    __tablename__ = "werkstatt_dot"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(
        ForeignKey("werkstatt_board.id", ondelete="CASCADE"), nullable=False, index=True
    )
    card_id: Mapped[int] = mapped_column(
        ForeignKey("werkstatt_card.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    guest_id: Mapped[int | None] = mapped_column(ForeignKey("werkstatt_guest.id", ondelete="CASCADE"), index=True)

    card: Mapped[BoardCard] = relationship(back_populates="dots")
