"""Second guard next to the query count: rows fetched and bytes of paginated key pages stay constant
when the data grows tenfold (grown with the scale generator). The base is chosen so that the page's list is
already longer than one page before growing."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from beteiligung.services.befragungen import zaehler
from beteiligung.services.leistung.skalierung import skalieren
from beteiligung.uow import unit_of_work
from models.surveys import SurveyAnswer, SurveyResponse, random_id
from tests.support.queries import assert_constant_page

# The scale generator adds data of every kind: rows and bytes may grow by a quarter, not tenfold.
TOLERANCE = 1.25

# url, base factor of the scale generator, areas that grow (None: all)
PAGES = [
    ("/", 0.02, None),
]


def grower(base, nur):
    with unit_of_work():
        skalieren(base, seed=5, nur=nur)

    def grow(factor):
        with unit_of_work():
            skalieren(base * factor, seed=5, nur=nur)

    return grow


@pytest.mark.parametrize(("url", "base", "nur"), PAGES, ids=[p[0] for p in PAGES])
def test_rows_and_bytes_stay_constant(app, db, world, client, url, base, nur):
    grow = grower(base, nur)
    client.login(world.planner_k.email)
    cost, size = assert_constant_page(client, db.engine, url, grow, tolerance=TOLERANCE)
    assert cost.rows > 0 and size > 1000


def test_committee_list_rows_and_bytes_stay_constant(app, db, world, client):
    """30 committees (more than one page) with members and meetings, then 300."""
    from models.committees import Committee, CommitteeType, Meeting, Membership

    ctype = db.session.scalars(select(CommitteeType)).first()
    made = []

    def add(n):
        for _ in range(n):
            i = len(made)
            c = Committee(body=world.kommune_a, type=ctype, name=f"Arbeitsgruppe {i:04d}", areas=[world.area_a1])
            c.memberships = [Membership(person=world.person_a), Membership(person=world.person_b)]
            for k in range(2):
                start = datetime(2030, 1, 1 + k, 17) + timedelta(days=i)
                db.session.add(
                    Meeting(
                        committee=c,
                        title=f"Sitzung {k}",
                        start=start,
                        end=start + timedelta(hours=2),
                        ical_uid=f"kosten-{i}-{k}@test",
                    )
                )
            db.session.add(c)
            made.append(c)
        db.session.commit()

    add(30)
    client.login(world.planner_k.email)
    cost, size = assert_constant_page(
        client, db.engine, "/gremien/", lambda factor: add(30 * (factor - 1)), tolerance=TOLERANCE
    )
    assert cost.rows >= 25 and size > 1000


def test_meeting_page_rows_and_bytes_stay_constant(app, db, world, client):
    """The meeting with most protocol entries: ten times the persons, organisations and meetings, and ten
    times the entries of its own protocol."""
    from models.protocols import Protocol, ProtocolEntry

    grow_all = grower(0.02, {"gremien"})
    protocol_id, meeting_id = db.session.execute(
        select(Protocol.id, Protocol.meeting_id)
        .join(ProtocolEntry, ProtocolEntry.protocol_id == Protocol.id)
        .group_by(Protocol.id, Protocol.meeting_id)
        .order_by(func.count().desc(), Protocol.id)
        .limit(1)
    ).one()
    entries = db.session.scalars(select(ProtocolEntry).where(ProtocolEntry.protocol_id == protocol_id)).all()
    skip = ("id", "version", "created_at", "updated_at")
    template = [
        {c.key: getattr(e, c.key) for c in ProtocolEntry.__table__.columns if c.key not in skip} for e in entries
    ]

    def grow(factor):
        grow_all(factor)
        pos = max(t["position"] for t in template)
        for _ in range(factor - 1):
            for t in template:
                pos += 1
                db.session.add(ProtocolEntry(**{**t, "position": pos}))
        db.session.commit()

    client.login(world.planner_k.email)
    cost, size = assert_constant_page(client, db.engine, f"/gremien/sitzungen/{meeting_id}", grow, tolerance=TOLERANCE)
    assert cost.rows > 0 and size > 1000


def test_survey_results_rows_and_bytes_stay_constant(app, db, world, client):
    grower(0.02, {"befragungen"})
    survey_id = db.session.scalar(
        select(SurveyResponse.survey_id).group_by(SurveyResponse.survey_id).order_by(func.count().desc()).limit(1)
    )
    responses = db.session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id)).all()
    template = [
        (
            {
                "week": r.week,
                "language": r.language,
                "area_id": r.area_id,
                "zielgruppe_id": r.zielgruppe_id,
                "paper": r.paper,
            },
            [
                {"question_id": a.question_id, "option_id": a.option_id, "text_value": a.text_value}
                | {"number_value": a.number_value, "area_value_id": a.area_value_id}
                for a in r.answers
            ],
        )
        for r in responses
    ]

    def grow(factor):
        # only this survey grows: ten times its responses (the results page must aggregate in SQL); written in
        # two bulk INSERTs, then counted as `befragungen zaehlen` does (the counts the page reads)
        new_responses, new_answers = [], []
        for _ in range(factor - 1):
            for head, answers in template:
                rid = random_id()
                new_responses.append(
                    {"id": rid, "survey_id": survey_id, "submission_key": secrets.token_hex(16)} | head
                )
                new_answers += [{"id": random_id(), "response_id": rid} | a for a in answers]
        db.session.execute(insert(SurveyResponse), new_responses)
        db.session.execute(insert(SurveyAnswer), new_answers)
        zaehler.nachzaehlen(db.session.connection(), survey_id)
        db.session.commit()

    client.login(world.planner_k.email)
    # Bytes may grow a little: with ten times the responses, cells below the threshold become visible.
    cost, size = assert_constant_page(client, db.engine, f"/befragungen/{survey_id}/ergebnisse", grow, tolerance=1.5)
    assert cost.rows > 0 and size > 1000


def test_the_guard_catches_a_page_that_grows(app, db, world, client):
    """The organisation export lists every organisation: ten times the organisations, ten times the rows.
    (The coverage matrix, the example before, now counts in SQL and stays constant.)"""
    grow = grower(0.02, {"netzwerk"})
    client.login(world.planner_k.email)
    with pytest.raises(AssertionError, match="Zeilen gelesen|Bytes"):
        assert_constant_page(client, db.engine, "/stammdaten/organisationen/export.csv", grow, tolerance=TOLERANCE)
