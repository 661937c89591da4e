"""Methoden-Tafeln: list and create boards of a meeting; the board page (works without JavaScript
through page reloads), a JSON stand for the live refresh (static/js/werkstatt_board.js polls it every
3 seconds — plain short requests, so the board stays live under gunicorn sync workers, where a
server-sent-events stream would hold a worker per open phone), guests with the board's code."""

from __future__ import annotations

import hashlib

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.permissions import werkstatt as wperm
from beteiligung.services import NotFound, ServiceError, ValidationError
from beteiligung.services.gremien import sitzungen as committee_svc
from beteiligung.services.werkstatt import boards as svc
from beteiligung.uow import discard
from models import Organisation
from models.werkstatt import CONTRIBUTION_RATINGS, WIRKUNG_STEPS, BoardCard, BoardGuest, BoardKind, BoardStatus

from . import PUBLIC_ENDPOINTS, bp
from .forms import BoardForm, GuestForm

GUEST_KEY = "werkstatt_gast"
PUBLIC_ENDPOINTS.update(
    {
        "werkstatt.board",
        "werkstatt.board_stand",
        "werkstatt.board_join",
        "werkstatt.card_add",
        "werkstatt.dot_give",
        "werkstatt.dot_take",
        "werkstatt.card_arrange",
        "werkstatt.board_selection",
        "werkstatt.board_close",
        "werkstatt.board_phase",
        "werkstatt.card_document",
    }
)  # they check the actor themselves


def _actor(board):
    if current_user.is_authenticated and wperm.can_view_board(current_user, board):
        return svc.Actor(user=current_user)
    guest_id = (session.get(GUEST_KEY) or {}).get(str(board.id))
    if guest_id:
        guest = db.session.get(BoardGuest, guest_id)
        if guest is not None and guest.board_id == board.id:
            return svc.Actor(guest=guest)
    return None


def _board_or_404(board_id):
    board = svc.load_board(board_id)
    if board is None:
        abort(404)
    return board


def _participant(board_id):
    """(board, actor) or a response: a stranger signed in → 404; nobody signed in → the guest page."""
    board = _board_or_404(board_id)
    actor = _actor(board)
    if actor is None:
        if current_user.is_authenticated:
            abort(404)
        return board, None
    return board, actor


def _context(board, actor):
    moderator = actor.user is not None and wperm.can_edit_board(actor.user, board)
    ctx = {
        "board": board,
        "actor": actor,
        "moderator": moderator,
        "Kind": BoardKind,
        "Status": BoardStatus,
        "by_field": svc.cards_by_field(board),
        "merged": svc.merged_texts(board),
        "can_results": actor.user is not None and wperm.can_move_results(actor.user, board),
    }
    if board.kind == BoardKind.PUNKTABFRAGE:
        ctx["ranking"] = svc.ranking(board)
        ctx["places"] = svc.places
        ctx["used"] = svc.dots_used(board, actor)
        ctx["mine"] = {c.id: sum(1 for d in c.dots if actor.owns(d)) for c in board.cards}
    if board.kind == BoardKind.WIRKUNGSBEITRAG:
        ctx["contributions"] = svc.contribution_ranking(board)
        ctx["ratings"] = CONTRIBUTION_RATINGS
        ctx["steps"] = WIRKUNG_STEPS
    if board.kind == BoardKind.OPEN_SPACE:
        ctx["market"] = svc.marketplace(board)
        ctx["documentable"] = {c.id for c in board.cards if svc.can_document(actor, c)}
    if moderator:
        ctx["guest_url"] = url_for(".board_join", board_id=board.id, _external=True)
        ctx["organisations"] = (
            list(
                db.session.scalars(
                    select(Organisation)
                    .where(Organisation.body_id == board.meeting.committee.body_id)
                    .order_by(Organisation.name)
                    .limit(300)
                )
            )
            if ctx["can_results"]
            else []
        )
    return ctx


def _render(board, actor, status=200, error=None, errors=None, values=None):
    from beteiligung.services.werkstatt.methods import methods_for_board

    extra = {}
    if board.kind == BoardKind.WIRKUNGSBEITRAG and board.status == BoardStatus.OFFEN:
        extra["actor_choices"] = svc.actor_choices(actor, board)
    return render_template(
        "werkstatt/board.html",
        **extra,
        error=error,
        errors=errors or {},
        values=values or {},
        method_cards=methods_for_board(board.kind)[:2],
        **_context(board, actor),
    ), status


def _fail(board, actor, exc: ServiceError, values=None):
    """The error page shows the board as stored: drop whatever the failed action left in the session
    (the request would roll it back anyway) and reload, like views.forms.after_conflict."""
    message = exc.message if not exc.errors else " ".join(exc.errors.values())
    discard()
    board = svc.load_board(board.id)
    if actor.guest is not None:
        actor = svc.Actor(guest=db.session.get(BoardGuest, actor.guest.id))
    return _render(board, actor, exc.status, message, exc.errors, values)


def _back(board, anchor=""):
    return redirect(url_for(".board", board_id=board.id) + anchor, 303)


# --- boards of a meeting -----------------------------------------------------------------------


@bp.route("/sitzungen/<int:meeting_id>/tafeln", methods=["GET", "POST"])
def meeting_boards(meeting_id):
    try:
        meeting = committee_svc.get_meeting(current_user, meeting_id)
    except NotFound:
        abort(404)
    if not wperm.can_take_part(current_user, meeting):
        abort(404)
    moderator = wperm.can_moderate_board(current_user, meeting)
    form = BoardForm()
    status = 200
    if request.method == "POST":
        if not moderator:
            abort(403)
        status = 422
        if form.validate_on_submit():
            try:
                board = svc.create_board(
                    current_user,
                    meeting,
                    {
                        "kind": form.kind.data,
                        "title": form.title.data,
                        "question": form.question.data,
                        "dots_per_participant": form.dots_per_participant.data,
                        "x_label": form.x_label.data,
                        "y_label": form.y_label.data,
                    },
                )
                return redirect(url_for(".board", board_id=board.id), 303)
            except ValidationError as exc:
                form.apply_errors(exc.errors)
    return render_template(
        "werkstatt/meeting_boards.html",
        meeting=meeting,
        boards=svc.boards_of(meeting),
        form=form,
        moderator=moderator,
        Kind=BoardKind,
    ), status


# --- the board ---------------------------------------------------------------------------------


@bp.route("/tafeln/<int:board_id>")
def board(board_id):
    board, actor = _participant(board_id)
    if actor is None:
        return redirect(url_for(".board_join", board_id=board.id))
    return _render(board, actor)


@bp.route("/tafeln/<int:board_id>/stand.json")
def board_stand(board_id):
    board, actor = _participant(board_id)
    if actor is None:
        abort(404)
    html = render_template("werkstatt/_board_cards.html", values={}, **_context(board, actor))
    return {"stamp": hashlib.sha256(html.encode()).hexdigest()[:16], "html": html, "status": board.status}


@bp.route("/tafeln/<int:board_id>/gast", methods=["GET", "POST"])
def board_join(board_id):
    board = _board_or_404(board_id)
    form = GuestForm()
    if not wperm.guests_may_join(board):
        return render_template(
            "werkstatt/answer_closed.html",
            title="Teilnahme nicht mehr möglich",
            message="Diese Sitzung ist beendet oder die Tafel geschlossen; mit dem Gast-Code "
            "kann niemand mehr teilnehmen.",
        ), 403
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                guest = svc.join_as_guest(board, form.code.data, form.name.data)
                guests = dict(session.get(GUEST_KEY) or {})
                guests[str(board.id)] = guest.id
                session[GUEST_KEY] = guests
                return _back(board)
            except ServiceError as exc:
                form.apply_errors(exc.errors)
                status = exc.status
    return render_template("werkstatt/guest_join.html", board=board, form=form), status


@bp.route("/tafeln/<int:board_id>/karten", methods=["POST"])
def card_add(board_id):
    board, actor = _participant(board_id)
    if actor is None:
        abort(403)
    values = {k: request.form.get(k) for k in ("field", "text", "x", "y", "organisation_id", "rating")}
    try:
        card = svc.add_card(actor, board, values)
    except ServiceError as exc:
        return _fail(board, actor, exc, values)
    return _back(board, f"#karte-{card.id}")


def _card(card_id):
    card = db.session.get(BoardCard, card_id)
    if card is None:
        abort(404)
    board, actor = _participant(card.board_id)
    if actor is None:
        abort(403)
    return card, board, actor


@bp.route("/karten/<int:card_id>/anordnen", methods=["POST"])
def card_arrange(card_id):
    card, board, actor = _card(card_id)
    if actor.user is None or not wperm.can_edit_board(actor.user, board):
        abort(403)
    try:
        svc.arrange_card(
            actor.user,
            card,
            {k: request.form.get(k) for k in ("field", "cluster", "x", "y", "room", "slot")},
            request.form.get("version"),
        )
    except ServiceError as exc:
        return _fail(board, actor, exc)
    return _back(board, f"#karte-{card.id}")


@bp.route("/karten/<int:card_id>/dokumentation", methods=["POST"])
def card_document(card_id):
    card, board, actor = _card(card_id)
    text = request.form.get("documentation") or ""
    try:
        svc.document_session(actor, card, text, request.form.get("version"))
    except ServiceError as exc:
        return _fail(board, actor, exc, {"documentation": text, "documentation_card": card.id})
    return _back(board, f"#karte-{card.id}")


@bp.route("/karten/<int:card_id>/punkt", methods=["POST"])
def dot_give(card_id):
    card, board, actor = _card(card_id)
    try:
        svc.give_dot(actor, card)
    except ServiceError as exc:
        return _fail(board, actor, exc)
    return _back(board, f"#karte-{card.id}")


@bp.route("/karten/<int:card_id>/punkt-zurueck", methods=["POST"])
def dot_take(card_id):
    card, board, actor = _card(card_id)
    try:
        svc.take_dot(actor, card)
    except ServiceError as exc:
        return _fail(board, actor, exc)
    return _back(board, f"#karte-{card.id}")


def _selected():
    """Checkbox values "id:version" → {id: version}."""
    out = {}
    for raw in request.form.getlist("karte"):
        cid, _sep, version = raw.partition(":")
        if cid.isdigit():
            out[int(cid)] = version
    return out


@bp.route("/tafeln/<int:board_id>/auswahl", methods=["POST"])
def board_selection(board_id):
    board, actor = _participant(board_id)
    if actor is None or actor.user is None or not wperm.can_edit_board(actor.user, board):
        abort(403)
    selected = _selected()
    try:
        if request.form.get("aktion") == "zusammenfuehren":
            target = svc.merge_cards(actor.user, board, selected)
            return _back(board, f"#karte-{target.id}")
        kind = request.form.get("ziel") or ""
        owner = request.form.get("owner_org_id", type=int)
        svc.move_results(
            actor.user, board, list(selected), kind, owner_org_id=owner, each=request.form.get("einzeln") == "1"
        )
    except ServiceError as exc:
        return _fail(board, actor, exc)
    if kind == "Themenspeicher":
        return redirect(url_for("gremien.detail", committee_id=board.meeting.committee_id) + "#themenspeicher", 303)
    return redirect(url_for("protokolle.protocol", meeting_id=board.meeting_id), 303)


@bp.route("/tafeln/<int:board_id>/schliessen", methods=["POST"])
def board_close(board_id):
    board, actor = _participant(board_id)
    if actor is None or actor.user is None or not wperm.can_edit_board(actor.user, board):
        abort(403)
    try:
        svc.close_board(actor.user, board, request.form.get("version"))
    except ServiceError as exc:
        return _fail(board, actor, exc)
    return _back(board)


@bp.route("/tafeln/<int:board_id>/phase", methods=["POST"])
def board_phase(board_id):
    """Zukunftskonferenz: the moderator moves the board on to the next phase."""
    board, actor = _participant(board_id)
    if actor is None or actor.user is None or not wperm.can_edit_board(actor.user, board):
        abort(403)
    try:
        svc.advance_phase(actor.user, board, request.form.get("version"))
    except ServiceError as exc:
        return _fail(board, actor, exc)
    return _back(board)


@bp.route("/tafeln/<int:board_id>/export.<fmt>")
def board_export(board_id, fmt):
    from flask import Response

    from beteiligung.services.werkstatt import documents

    board = _board_or_404(board_id)
    if not wperm.can_view_board(current_user, board):
        abort(404)
    if fmt == "pdf":
        data, mimetype = documents.board_pdf(board), "application/pdf"
    elif fmt == "docx":
        data = documents.board_docx(board)
        mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        abort(404)
    filename = f"tafel-{board.id}-{board.kind}.{fmt}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- Methodenbibliothek ---------------------------------------------------------------------------


@bp.route("/methoden/")
def methods():
    from beteiligung.services.werkstatt.methods import METHODS

    return render_template("werkstatt/methods.html", methods=METHODS)


@bp.route("/methoden/<key>")
def method(key):
    from beteiligung.services.werkstatt.methods import BY_KEY

    m = BY_KEY.get(key)
    if m is None:
        abort(404)
    return render_template("werkstatt/method.html", m=m)
