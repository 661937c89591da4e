"""Demo: the Werkstatt „Kinderarmut wirksam begegnen“ at work.

- A Terminabstimmung for the follow-up Werkstatt: three candidate dates, the members were asked by
  mail (token links), two answered already; the planner can pick the date and invite.
- In the upcoming Werkstatt meeting: a SWOT board on the Präventionskette with grouped cards (one of
  them a guest's), a Punktabfrage „Welche zwei Pilotmaßnahmen?“ with three dots per participant and
  an Open-Space-Marktplatz with sessions in rooms and time slots, one of them documented.
Uses the committees of the Gremien step when present.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.formatting import BERLIN
from models import Committee, Meeting


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = (datetime.now(BERLIN) + timedelta(days=days)).date()
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC).replace(tzinfo=None)


def run(ctx) -> None:
    from beteiligung.services.werkstatt import boards, polls

    committees = getattr(ctx, "committees", None) or {}
    werkstatt = committees.get("werkstatt") or db.session.scalar(
        select(Committee).where(Committee.name.like("Werkstatt%"))
    )
    if werkstatt is None:
        return
    planung = ctx.users["planung"]

    # --- Terminabstimmung for the follow-up ---------------------------------------------------------
    poll = polls.create_poll(
        planung,
        werkstatt,
        {
            "title": "Werkstatt Kinderarmut – Folgetermin",
            "location": "Familienzentrum Sonnenblume",
            "description": "Wir prüfen die zwei Pilotmaßnahmen nach drei Monaten.",
            "deadline": _at(40, 12),
        },
        [(_at(60 + d, 9, 30), _at(60 + d, 15)) for d in (0, 2, 7)],
    )
    db.session.flush()
    answers = (["ja", "wenn_noetig", "nein"], ["ja", "ja", "nein"])
    for inv, values in zip(poll.invitees, answers):
        polls.answer(polls.poll_token(poll.id, inv.person_id), dict(zip([o.id for o in poll.options], values)))

    # --- Methodentafeln in the Werkstatt meeting ----------------------------------------------------
    meeting = db.session.scalar(select(Meeting).where(Meeting.committee_id == werkstatt.id).order_by(Meeting.start))
    if meeting is None:
        return
    me = boards.Actor(user=planung)
    swot = boards.create_board(
        planung,
        meeting,
        {
            "kind": "swot",
            "title": "Präventionskette im Kreis",
            "question": "Wo steht die Präventionskette von der Geburt bis zum Berufseinstieg?",
        },
    )
    guest = boards.BoardGuest(board_id=swot.id, name="Frau Yilmaz (Elternbeirat)")
    db.session.add(guest)
    db.session.flush()
    for field, text, cluster, actor in [
        ("staerken", "Frühe Hilfen in allen Kommunen", "Frühe Kindheit", me),
        ("staerken", "Familienzentren als Anlaufstellen", "Frühe Kindheit", me),
        ("schwaechen", "Übergang Kita–Grundschule ohne feste Absprachen", "Übergänge", me),
        ("schwaechen", "Jugendliche im SGB II erreichen wir spät", "Übergänge", me),
        ("chancen", "Bildungs- und Teilhabepaket stärker nutzen", None, boards.Actor(guest=guest)),
        ("chancen", "Schulsozialarbeit an allen Grundschulen", None, me),
        ("risiken", "Fachkräftemangel in Kitas", None, me),
        ("risiken", "Befristete Förderung der Lotsenprojekte", None, me),
    ]:
        card = boards.add_card(actor, swot, {"field": field, "text": text})
        card.cluster = cluster
    vote = boards.create_board(
        planung, meeting, {"kind": "punktabfrage", "title": "Welche zwei Pilotmaßnahmen?", "dots_per_participant": 3}
    )
    cards = [
        boards.add_card(me, vote, {"text": t})
        for t in (
            "Lotsendienst Kita–Grundschule",
            "Familienbüro im Jobcenter",
            "Ferienangebote ohne Kosten",
            "Elterncafé in der Südstadt",
        )
    ]
    voters = []
    for name in ("Herr Brandt", "Frau Schulz", "Frau Demir", "Herr Wolf"):
        g = boards.BoardGuest(board_id=vote.id, name=name)
        db.session.add(g)
        voters.append(boards.Actor(guest=g))
    db.session.flush()
    for actor, picks in zip(voters, ([0, 0, 1], [0, 1, 3], [1, 2, 0], [3, 1, 0])):
        for i in picks:
            boards.give_dot(actor, cards[i])
    db.session.flush()
    market = boards.create_board(
        planung, meeting, {"kind": "open_space", "title": "Marktplatz: Was können wir selbst tun?"}
    )
    for text, room, slot, doc in (
        (
            "Patenschaften für Kita-Übergänge",
            "Raum Linde",
            "11:00–12:00 Uhr",
            "Sechs Ehrenamtliche bereit; Start nach den Sommerferien; Caritas koordiniert.",
        ),
        ("Kostenfreie Ferienangebote bündeln", "Raum Eiche", "11:00–12:00 Uhr", None),
        ("Beratung im Familienzentrum", None, None, None),
    ):
        card = boards.add_card(me, market, {"text": text})
        card.room, card.slot, card.documentation = room, slot, doc
    db.session.flush()

    # Zukunftskonferenz: phases 1 and 2 done, the board stands in phase 3 (Zukunftsentwürfe).
    future = boards.create_board(
        planung,
        meeting,
        {
            "kind": "zukunftskonferenz",
            "title": "Zukunftskonferenz: Aufwachsen im Kreis 2035",
            "question": "Wie sollen Kinder und Jugendliche 2035 im Kreis aufwachsen?",
        },
    )
    for phase_cards in (
        ("2015: erste Familienzentren", "2020: Schulschließungen in der Pandemie"),
        ("Mehr Kinder im SGB-II-Bezug", "Starke Vereinslandschaft"),
        ("Jedes Kind hat einen Lotsen vom ersten Tag an",),
    ):
        for text in phase_cards:
            boards.add_card(me, future, {"text": text})
        if future.next_phase and len(phase_cards) == 2:
            boards.advance_phase(planung, future, future.version)

    # Wirkungsbeitragsanalyse: contributions of the network's organisations to one Wirkung.
    effect = boards.create_board(
        planung,
        meeting,
        {
            "kind": "wirkungsbeitrag",
            "title": "Wer trägt zur Teilhabe von Kindern bei?",
            "question": "Mehr Kinder aus Familien im SGB-II-Bezug nehmen an Sport- und Kulturangeboten teil.",
        },
    )
    orgs = boards.actor_choices(me, effect)[:3]
    for org, rating, text in zip(
        orgs,
        (3, 2, 1),
        ("Bildungs- und Teilhabepaket beraten", "Angebote in den Quartieren", "Gebühren ermäßigen"),
    ):
        boards.add_card(me, effect, {"organisation_id": org.id, "rating": rating, "text": text})
    if orgs:
        boards.add_card(me, effect, {"organisation_id": orgs[0].id, "rating": 2, "text": "Lotsen an Schulen"})
    db.session.flush()
