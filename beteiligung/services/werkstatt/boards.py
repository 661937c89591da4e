"""Methoden-Tafeln in a meeting: SWOT (four quadrants), Punktabfrage (N dots per participant,
ranked), Portfolio (cards on two axes). Participants (signed in, or guests with the board's code)
add cards; moderators arrange, merge and cluster; results move into the protocol or the
Themenspeicher with one action. Services flush, never commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from beteiligung.extensions import db
from beteiligung.formatting import anzahl
from beteiligung.permissions import werkstatt as wperm
from models import Meeting, Organisation
from models.werkstatt import (
    BOARD_FIELDS,
    CONTRIBUTION_RATINGS,
    ZUKUNFT_PHASES,
    Board,
    BoardCard,
    BoardDot,
    BoardGuest,
    BoardKind,
    BoardStatus,
)

from .. import Conflict, NotFound, PermissionDenied, ValidationError, ensure_version, require
from ..audit import record, snapshot

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
MAX_CARD_TEXT = 500
MAX_DOTS = 20
RESULT_KINDS = ("Erkenntnis", "Empfehlung", "Aufgabe", "Themenspeicher")


@dataclass
class Actor:
    """Who acts on a board: a signed-in user or a guest of this board."""

    user: object = None
    guest: BoardGuest | None = None

    @property
    def name(self) -> str:
        if self.guest is not None:
            return f"{self.guest.name} (Gast)"
        return getattr(self.user, "display_name", None) or "?"

    def owns(self, dot: BoardDot) -> bool:
        if self.guest is not None:
            return dot.guest_id == self.guest.id
        return self.user is not None and dot.user_id == self.user.id


def _flush_versioned(message: str | None = None) -> None:
    """Flush; two saves that passed the version check at the same moment → the database decides and the
    loser gets a Conflict (the request then rolls back; nothing is half-written)."""
    try:
        db.session.flush()
    except StaleDataError:
        raise (Conflict(message) if message else Conflict()) from None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


# --- reading ------------------------------------------------------------------------------


def load_board(board_id: int) -> Board | None:
    return db.session.scalar(
        select(Board)
        .where(Board.id == board_id)
        .options(
            joinedload(Board.meeting).joinedload(Meeting.committee),
            selectinload(Board.cards).selectinload(BoardCard.dots),
            selectinload(Board.cards).joinedload(BoardCard.organisation),
        )
    )


def get_board(user, board_id: int) -> Board:
    board = load_board(board_id)
    if board is None or not wperm.can_view_board(user, board):
        raise NotFound()
    return board


def boards_of(meeting: Meeting) -> list[Board]:
    return list(db.session.scalars(select(Board).where(Board.meeting_id == meeting.id).order_by(Board.id)))


def visible_cards(board: Board) -> list[BoardCard]:
    return [c for c in board.cards if c.merged_into_id is None]


def cards_by_field(board: Board) -> dict[str, list[BoardCard]]:
    out = {key: [] for key, _label in board.fields}
    for c in visible_cards(board):
        out.setdefault(c.field, []).append(c)
    for cards in out.values():
        cards.sort(key=lambda c: ((c.cluster or "").lower(), c.position, c.id))
    return out


def ranking(board: Board) -> list[tuple[BoardCard, int]]:
    """Cards by dots (most first); ties keep the order of the board."""
    rows = [(c, len(c.dots)) for c in visible_cards(board)]
    return sorted(rows, key=lambda r: (-r[1], r[0].position, r[0].id))


def places(rows: list[tuple[BoardCard, int]]) -> list[tuple[int, BoardCard, int]]:
    """Ranking with shared places for ties (5, 5, 4 → places 1, 1, 3)."""
    out, place, previous = [], 0, None
    for i, (card, n) in enumerate(rows, 1):
        if n != previous:
            place, previous = i, n
        out.append((place, card, n))
    return out


def dots_used(board: Board, actor: Actor) -> int:
    return sum(1 for c in board.cards for d in c.dots if actor.owns(d))


def merged_texts(board: Board) -> dict[int, list[BoardCard]]:
    out: dict[int, list[BoardCard]] = {}
    for c in board.cards:
        if c.merged_into_id is not None:
            out.setdefault(c.merged_into_id, []).append(c)
    return out


# --- creating and joining -------------------------------------------------------------------


def create_board(user, meeting: Meeting, values: dict) -> Board:
    require(wperm.can_moderate_board(user, meeting))
    errors = {}
    kind = values.get("kind")
    if kind not in {k.value for k in BoardKind}:
        errors["kind"] = "Bitte eine Methode wählen."
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = "Bitte einen Titel angeben."
    dots = values.get("dots_per_participant")
    if kind == BoardKind.PUNKTABFRAGE and (not isinstance(dots, int) or not 1 <= dots <= MAX_DOTS):
        errors["dots_per_participant"] = f"Bitte die Zahl der Punkte je Person angeben (1 bis {MAX_DOTS})."
    if kind == BoardKind.PORTFOLIO:
        for key, label in (("x_label", "waagerechte"), ("y_label", "senkrechte")):
            if not (values.get(key) or "").strip():
                errors[key] = f"Bitte die {label} Achse benennen."
    if kind == BoardKind.WIRKUNGSBEITRAG and not (values.get("question") or "").strip():
        errors["question"] = "Bitte die Wirkung benennen, zu der die Akteure beitragen (Leitfrage)."
    if meeting.status not in ("geplant", "eingeladen", "verschoben"):
        errors["kind"] = "Die Sitzung ist beendet oder abgesagt; neue Tafeln sind nicht mehr möglich."
    if errors:
        raise ValidationError(errors)
    board = Board(
        meeting=meeting,
        kind=kind,
        title=title,
        question=(values.get("question") or "").strip() or None,
        status=BoardStatus.OFFEN.value,
        guest_code=new_code(),
        created_by_id=getattr(user, "id", None),
        dots_per_participant=dots if kind == BoardKind.PUNKTABFRAGE else None,
        x_label=(values.get("x_label") or "").strip() or None if kind == BoardKind.PORTFOLIO else None,
        y_label=(values.get("y_label") or "").strip() or None if kind == BoardKind.PORTFOLIO else None,
        current_phase=ZUKUNFT_PHASES[0][0] if kind == BoardKind.ZUKUNFTSKONFERENZ else None,
    )
    db.session.add(board)
    db.session.flush()
    record(user, "create", board, None, snapshot(board), f"{BoardKind(kind).label} „{title}“ in {meeting.title}")
    return board


def join_as_guest(board: Board, code: str, name: str) -> BoardGuest:
    """A guest without an account: the board's code and a name. Refused once the meeting is finished."""
    if not wperm.guests_may_join(board):
        raise PermissionDenied(
            "Diese Sitzung ist beendet oder die Tafel geschlossen; mit dem Gast-Code kann niemand mehr teilnehmen."
        )
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Bitte geben Sie Ihren Namen an (er steht an Ihren Karten)."
    elif len(name) > 100:
        errors["name"] = "Der Name ist zu lang (höchstens 100 Zeichen)."
    if not secrets.compare_digest((code or "").strip().upper().encode(), board.guest_code.encode()):
        errors["code"] = "Dieser Code passt nicht zu dieser Tafel. Bitte prüfen Sie die Angabe der Moderation."
    if errors:
        raise ValidationError(errors)
    guest = BoardGuest(board_id=board.id, name=name)
    db.session.add(guest)
    db.session.flush()
    return guest


def _require_open(board: Board) -> None:
    if board.status != BoardStatus.OFFEN:
        raise ValidationError("Die Tafel ist geschlossen; Änderungen sind nicht mehr möglich.")


def _require_actor(actor: Actor, board: Board) -> None:
    if actor.guest is not None:
        if actor.guest.board_id != board.id or not wperm.guests_may_join(board):
            raise PermissionDenied("Die Sitzung ist beendet; Gäste können nichts mehr beitragen.")
        return
    require(actor.user is not None and wperm.can_view_board(actor.user, board))


def _int_0_100(value, key, errors):
    try:
        v = int(value)
    except (TypeError, ValueError):
        errors[key] = "Bitte einen Wert von 0 bis 100 angeben."
        return None
    if not 0 <= v <= 100:
        errors[key] = "Bitte einen Wert von 0 bis 100 angeben."
    return v


# --- cards ------------------------------------------------------------------------------------


def add_card(actor: Actor, board: Board, values: dict) -> BoardCard:
    _require_actor(actor, board)
    _require_open(board)
    errors = {}
    text = (values.get("text") or "").strip()
    if not text:
        errors["text"] = "Bitte schreiben Sie etwas auf die Karte."
    elif len(text) > MAX_CARD_TEXT:
        errors["text"] = f"Eine Karte fasst höchstens {MAX_CARD_TEXT} Zeichen."
    fields = dict(BOARD_FIELDS[BoardKind(board.kind)])
    field = values.get("field") or (next(iter(fields)) if len(fields) == 1 else None)
    if board.kind == BoardKind.ZUKUNFTSKONFERENZ:
        # Only the current phase takes new cards; earlier phases stay readable.
        field = values.get("field") or board.current_phase
        if field in fields and field != board.current_phase:
            errors["field"] = (
                f"Die Phase „{fields[field]}“ nimmt keine neuen Karten an; "
                f"zurzeit läuft die Phase „{board.phase_label}“."
            )
    if field not in fields:
        errors["field"] = "Bitte wählen Sie ein Feld der Tafel."
    x = y = None
    if board.kind == BoardKind.PORTFOLIO:
        x = _int_0_100(values.get("x", 50), "x", errors)
        y = _int_0_100(values.get("y", 50), "y", errors)
    organisation, rating = None, None
    if board.kind == BoardKind.WIRKUNGSBEITRAG:
        organisation, rating = _contribution(actor, board, values, errors)
    if errors:
        raise ValidationError(errors)
    position = (db.session.scalar(select(func.max(BoardCard.position)).where(BoardCard.board_id == board.id)) or 0) + 1
    card = BoardCard(
        board=board,
        field=field,
        text=text,
        position=position,
        x=x,
        y=y,
        organisation=organisation,
        rating=rating,
        author_name=actor.name,
        author_user_id=getattr(actor.user, "id", None),
        author_guest_id=actor.guest.id if actor.guest else None,
    )
    db.session.add(card)
    db.session.flush()
    record(actor.user, "create", card, None, snapshot(card), f"Karte auf „{board.title}“: {text[:60]}")
    return card


def actor_choices(actor: Actor, board: Board) -> list[Organisation]:
    """Wirkungsbeitragsanalyse: the organisations this participant may name as actors."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(wperm.board_actor_filter(actor.user if actor.guest is None else None, board))
            .order_by(Organisation.name)
            .limit(500)
        )
    )


def _contribution(actor: Actor, board: Board, values: dict, errors: dict):
    """(organisation, rating) of a contribution card; an organisation the participant may not name → NotFound."""
    raw_org, raw_rating = values.get("organisation_id"), values.get("rating")
    organisation = rating = None
    try:
        org_id = int(raw_org)
    except (TypeError, ValueError):
        errors["organisation_id"] = "Bitte den Akteur wählen, dessen Beitrag Sie bewerten."
    else:
        organisation = db.session.scalar(
            select(Organisation).where(
                Organisation.id == org_id,
                wperm.board_actor_filter(actor.user if actor.guest is None else None, board),
            )
        )
        if organisation is None:
            raise NotFound()
    try:
        rating = int(raw_rating)
    except (TypeError, ValueError):
        rating = None
    if rating not in dict(CONTRIBUTION_RATINGS):
        errors["rating"] = "Bitte den Beitrag bewerten (kein, geringer, mittlerer oder hoher Beitrag)."
    return organisation, rating


@dataclass
class ContributionRow:
    place: int
    organisation: Organisation
    count: int
    total: int

    @property
    def average(self) -> float:
        return self.total / self.count


def contribution_ranking(board: Board) -> list[ContributionRow]:
    """Wirkungsbeitragsanalyse: actors ranked by the shared (average) rating of their contribution; ties by the
    number of ratings, then by name; equal average and count share a place."""
    groups: dict[int, list[BoardCard]] = {}
    for c in visible_cards(board):
        if c.organisation is not None and c.rating is not None:
            groups.setdefault(c.organisation_id, []).append(c)
    rows = [
        ContributionRow(0, cards[0].organisation, len(cards), sum(c.rating for c in cards)) for cards in groups.values()
    ]
    rows.sort(key=lambda r: (-r.average, -r.count, r.organisation.name.lower()))
    previous = None
    for i, row in enumerate(rows, 1):
        key = (row.average, row.count)
        if key != previous:
            row.place, previous = i, key
        else:
            row.place = rows[i - 2].place
    return rows


def arrange_card(user, card: BoardCard, values: dict, version) -> BoardCard:
    """Moderator: move to another field, set the cluster, place on the portfolio axes."""
    board = card.board
    require(wperm.can_edit_board(user, board))
    _require_open(board)
    ensure_version(card, version)
    if card.merged_into_id is not None:
        raise Conflict("Diese Karte wurde inzwischen mit einer anderen zusammengeführt.")
    errors = {}
    fields = dict(board.fields)
    field = values.get("field") or card.field
    if field not in fields:
        errors["field"] = "Bitte wählen Sie ein Feld der Tafel."
    cluster = (values.get("cluster") or "").strip() or None
    if cluster and len(cluster) > 100:
        errors["cluster"] = "Der Name der Gruppe ist zu lang (höchstens 100 Zeichen)."
    x, y = card.x, card.y
    if board.kind == BoardKind.PORTFOLIO:
        x = _int_0_100(values.get("x", card.x), "x", errors)
        y = _int_0_100(values.get("y", card.y), "y", errors)
    room, slot = card.room, card.slot
    if board.kind == BoardKind.OPEN_SPACE:
        room = (values.get("room") or "").strip() or None
        slot = (values.get("slot") or "").strip() or None
        for key, value in (("room", room), ("slot", slot)):
            if value and len(value) > 100:
                errors[key] = "Höchstens 100 Zeichen."
        if (
            not errors
            and room
            and slot
            and any(
                c.id != card.id and c.merged_into_id is None and c.room == room and c.slot == slot for c in board.cards
            )
        ):
            errors["room"] = f"Der Raum „{room}“ ist zur Zeit „{slot}“ schon belegt."
    if errors:
        raise ValidationError(errors)
    before = snapshot(card)
    card.field, card.cluster, card.x, card.y = field, cluster, x, y
    card.room, card.slot = room, slot
    _flush_versioned()
    record(user, "update", card, before, snapshot(card), f"Karte angeordnet: {card.text[:60]}")
    return card


def merge_cards(user, board: Board, versions: dict[int, object]) -> BoardCard:
    """Merge the selected cards (card id → version the moderator saw) into the first one.

    The merged cards stay stored (merged_into_id) and their dots move to the target: nothing lost.
    A card changed or merged by somebody else since the page was loaded → Conflict, nothing merged.
    """
    require(wperm.can_edit_board(user, board))
    _require_open(board)
    if len(versions) < 2:
        raise ValidationError({"cards": "Bitte mindestens zwei Karten zum Zusammenführen auswählen."})
    by_id = {c.id: c for c in board.cards}
    cards = []
    for cid, version in versions.items():
        card = by_id.get(cid)
        if card is None:
            raise ValidationError({"cards": "Eine ausgewählte Karte gehört nicht zu dieser Tafel."})
        if card.merged_into_id is not None:
            raise Conflict(
                "Eine der Karten wurde inzwischen von jemand anderem zusammengeführt. "
                "Bitte prüfen Sie die Tafel; es ist nichts verloren gegangen."
            )
        ensure_version(card, version)
        cards.append(card)
    cards.sort(key=lambda c: (c.position, c.id))
    target, others = cards[0], cards[1:]
    before = snapshot(target)
    target.text = " / ".join([target.text] + [c.text for c in others])[:5000]
    for c in others:
        c.merged_into_id = target.id
        for dot in list(c.dots):
            dot.card = target
    _flush_versioned(
        "Eine der Karten wurde gerade von jemand anderem geändert oder zusammengeführt. "
        "Bitte prüfen Sie die Tafel; es ist nichts verloren gegangen."
    )
    record(
        user,
        "merge",
        target,
        before,
        {**snapshot(target), "merged": [c.id for c in others]},
        f"{anzahl(len(cards), 'Karte', 'Karten')} zusammengeführt: {target.text[:60]}",
    )
    return target


def can_document(actor: Actor, card: BoardCard) -> bool:
    """Open Space: the session's initiator (user or guest) or a moderator writes its documentation."""
    if actor.guest is not None:
        return card.author_guest_id == actor.guest.id
    if actor.user is None:
        return False
    return card.author_user_id == actor.user.id or wperm.can_edit_board(actor.user, card.board)


def document_session(actor: Actor, card: BoardCard, text: str, version) -> BoardCard:
    board = card.board
    _require_actor(actor, board)
    if board.kind != BoardKind.OPEN_SPACE:
        raise ValidationError("Eine Dokumentation gibt es nur für Sessions im Open-Space-Marktplatz.")
    if not can_document(actor, card):
        raise PermissionDenied("Die Dokumentation schreibt, wer die Session angeboten hat, oder die Moderation.")
    ensure_version(card, version)
    text = (text or "").strip()
    if len(text) > 10000:
        raise ValidationError({"documentation": "Die Dokumentation ist zu lang (höchstens 10.000 Zeichen)."})
    before = snapshot(card)
    card.documentation = text or None
    _flush_versioned(
        "Die Dokumentation wurde inzwischen von jemand anderem gespeichert. Ihr Text ist unten "
        "erhalten; bitte prüfen Sie die aktuelle Fassung und speichern Sie erneut."
    )
    record(actor.user, "update", card, before, snapshot(card), f"Dokumentation der Session „{card.text[:60]}“")
    return card


def marketplace(board: Board) -> dict:
    """Open Space: rooms × time slots with the sessions (unplaced sessions listed apart)."""
    cards = visible_cards(board)
    rooms = sorted({c.room for c in cards if c.room})
    slots = sorted({c.slot for c in cards if c.slot})
    grid = {(c.slot, c.room): c for c in cards if c.room and c.slot}
    return {"rooms": rooms, "slots": slots, "grid": grid, "unplaced": [c for c in cards if not (c.room and c.slot)]}


# --- Punktabfrage -------------------------------------------------------------------------------


def give_dot(actor: Actor, card: BoardCard) -> BoardDot:
    board = card.board
    _require_actor(actor, board)
    _require_open(board)
    if board.kind != BoardKind.PUNKTABFRAGE:
        raise ValidationError("Punkte gibt es nur bei einer Punktabfrage.")
    if card.merged_into_id is not None:
        raise Conflict("Diese Karte wurde mit einer anderen zusammengeführt; bitte geben Sie den Punkt dort.")
    # Serialise the dots of one participant on PostgreSQL (two quick clicks must not exceed the allowance).
    db.session.execute(select(Board.id).where(Board.id == board.id).with_for_update())
    used = (
        db.session.scalar(
            select(func.count())
            .select_from(BoardDot)
            .where(
                BoardDot.board_id == board.id,
                BoardDot.guest_id == actor.guest.id if actor.guest else BoardDot.user_id == actor.user.id,
            )
        )
        or 0
    )
    if used >= board.dots_per_participant:
        raise ValidationError(
            f"Sie haben alle {anzahl(board.dots_per_participant, 'Punkt', 'Punkte')} vergeben. "
            "Nehmen Sie einen Punkt zurück, um ihn anders zu setzen."
        )
    dot = BoardDot(
        board_id=board.id,
        card=card,
        user_id=getattr(actor.user, "id", None) if not actor.guest else None,
        guest_id=actor.guest.id if actor.guest else None,
    )
    db.session.add(dot)
    db.session.flush()
    return dot


def take_dot(actor: Actor, card: BoardCard) -> None:
    board = card.board
    _require_actor(actor, board)
    _require_open(board)
    mine = [d for d in card.dots if actor.owns(d)]
    if not mine:
        raise ValidationError("Auf dieser Karte haben Sie keinen Punkt.")
    card.dots.remove(mine[-1])
    db.session.flush()


# --- closing and results ----------------------------------------------------------------------------


def advance_phase(user, board: Board, version) -> Board:
    """Zukunftskonferenz: the moderator moves the board to the next phase (one way, in the handbook's order)."""
    require(wperm.can_edit_board(user, board))
    _require_open(board)
    if board.kind != BoardKind.ZUKUNFTSKONFERENZ:
        raise ValidationError("Phasen gibt es nur bei einer Zukunftskonferenz.")
    ensure_version(board, version)
    nxt = board.next_phase
    if nxt is None:
        raise ValidationError("Die Zukunftskonferenz ist schon in der letzten Phase.")
    before = snapshot(board)
    board.current_phase = nxt[0]
    _flush_versioned("Die Phase wurde inzwischen von jemand anderem gewechselt. Bitte prüfen Sie die Tafel.")
    record(user, "update", board, before, snapshot(board), f"Zukunftskonferenz „{board.title}“: Phase „{nxt[1]}“")
    return board


def close_board(user, board: Board, version) -> Board:
    require(wperm.can_edit_board(user, board))
    ensure_version(board, version)
    before = snapshot(board)
    board.status = BoardStatus.GESCHLOSSEN.value
    _flush_versioned()
    record(user, "close", board, before, snapshot(board), f"Tafel „{board.title}“ geschlossen")
    return board


def result_text(board: Board, cards: list[BoardCard]) -> str:
    fields = dict(board.fields)
    lines = []
    for c in cards:
        prefix = f"{fields.get(c.field, c.field)}: " if len(fields) > 1 else ""
        dots = f" ({anzahl(len(c.dots), 'Punkt', 'Punkte')})" if board.kind == BoardKind.PUNKTABFRAGE else ""
        place = f" ({c.slot}, {c.room})" if board.kind == BoardKind.OPEN_SPACE and c.room and c.slot else ""
        if board.kind == BoardKind.WIRKUNGSBEITRAG and c.organisation is not None:
            prefix = f"{c.organisation.name} – {c.rating_label}: "
        lines.append(f"- {prefix}{c.text}{dots}{place}")
        if board.kind == BoardKind.OPEN_SPACE and c.documentation:
            lines.append("  " + c.documentation.replace("\n", "\n  "))
    return "\n".join(lines)


def move_results(
    user, board: Board, card_ids: list[int], kind: str, *, owner_org_id=None, owner_person_id=None, each: bool = False
):
    """Selected cards (in ranking order) become protocol entries (Erkenntnis, Empfehlung, Aufgabe with owner)
    or Themenspeicher items of the committee. each=True: one entry per card; else one summary entry."""
    from ..gremien import themen as themen_svc
    from ..protokolle import eintraege as protocol_svc

    if kind not in RESULT_KINDS:
        raise ValidationError({"kind": "Bitte wählen, wohin die Ergebnisse gehen."})
    if kind == "Themenspeicher":
        require(wperm.can_edit_board(user, board))
    else:
        require(wperm.can_move_results(user, board))
    order = {c.id: i for i, (c, _n) in enumerate(ranking(board))}
    cards = sorted((c for c in visible_cards(board) if c.id in set(card_ids)), key=lambda c: order[c.id])
    if not cards or len(cards) != len(set(card_ids)):
        raise ValidationError({"cards": "Bitte Karten dieser Tafel auswählen."})
    label = BoardKind(board.kind).label
    groups = [[c] for c in cards] if each else [cards]
    created = []
    for group in groups:
        text = group[0].text if each else f"Ergebnis {label} „{board.title}“:\n{result_text(board, group)}"
        if each and board.kind == BoardKind.PUNKTABFRAGE:
            text += f" ({anzahl(len(group[0].dots), 'Punkt', 'Punkte')} in der Punktabfrage „{board.title}“)"
        if each and board.kind == BoardKind.OPEN_SPACE and group[0].documentation:
            text += f"\n{group[0].documentation}"
        if kind == "Themenspeicher":
            created.append(
                themen_svc.propose_topic(
                    user,
                    board.meeting.committee,
                    group[0].text[:300] if each else f"{label}: {board.title}"[:300],
                    text,
                    "sonstiges",
                    None,
                    f"Werkstatt: {label} „{board.title}“ ({board.meeting.title})",
                )
            )
        else:
            created.append(
                protocol_svc.create_entry(
                    user,
                    board.meeting,
                    {"kind": kind, "text": text, "owner_org_id": owner_org_id, "owner_person_id": owner_person_id},
                )
            )
    record(
        user,
        "results",
        board,
        None,
        {"kind": kind, "cards": [c.id for c in cards]},
        f"Tafel „{board.title}“: {len(created)} × {kind}",
    )
    return created
