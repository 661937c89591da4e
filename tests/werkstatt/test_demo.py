"""The Werkstatt demo step: a running date poll and two boards in the Werkstatt meeting."""

from __future__ import annotations

from sqlalchemy import select

from beteiligung.services.werkstatt import boards, polls
from models.werkstatt import Board, DatePoll


def test_demo_werkstatt(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    poll = db.session.scalar(select(DatePoll))
    assert poll.title == "Werkstatt Kinderarmut – Folgetermin" and poll.is_open
    t = polls.tally(poll)
    assert t["answered"] == 2 and t["best_option_id"] == poll.options[0].id
    kinds = {b.kind: b for b in db.session.scalars(select(Board))}
    assert set(kinds) == {"swot", "punktabfrage", "open_space", "zukunftskonferenz", "wirkungsbeitrag"}
    assert kinds["zukunftskonferenz"].current_phase == "zukunftsentwuerfe"
    assert len(boards.contribution_ranking(kinds["wirkungsbeitrag"])) == 3
    ranking = [(c.text, n) for c, n in boards.ranking(kinds["punktabfrage"])]
    # hand count of the demo dots: Lotsendienst 5, Familienbüro 4, Elterncafé 2, Ferienangebote 1
    assert ranking == [
        ("Lotsendienst Kita–Grundschule", 5),
        ("Familienbüro im Jobcenter", 4),
        ("Elterncafé in der Südstadt", 2),
        ("Ferienangebote ohne Kosten", 1),
    ]
