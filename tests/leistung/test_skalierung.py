"""`flask demo skalieren`: grows the demo to the scaled sizes, reproducibly, and the pages still open."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import func, select

from beteiligung.demo import DEMO_PASSWORD
from beteiligung.services.leistung.skalierung import SIZES_AT_10, targets
from models.committees import Meeting, Membership
from models.contracts import Contract, Indicator, Measurement, Report
from models.masterdata import Organisation, Person
from models.network import NetworkDataVersion, Relation
from models.protocols import Attendance, ProtocolEntry
from models.surveys import Question, QuestionOption, Survey, SurveyAnswer, SurveyResponse

FAKTOR = 0.2
MODELS = {
    "organisation": Organisation,
    "person": Person,
    "relation": Relation,
    "meeting": Meeting,
    "protocol_entry": ProtocolEntry,
    "contract": Contract,
    "indicator": Indicator,
    "survey_response": SurveyResponse,
}


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _scale(app, faktor=FAKTOR, seed=1):
    result = app.test_cli_runner().invoke(args=["demo", "skalieren", "--faktor", str(faktor), "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    return result


def _snapshot(db) -> dict:
    """The generated content (ids, names, dates, states, answers), without timestamps – in id order
    (PostgreSQL returns rows in heap order, which depends on what earlier tests deleted)."""
    return {
        "orgs": db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.body_id).order_by(Organisation.id)
        ).all(),
        "persons": db.session.execute(
            select(Person.id, Person.last_name, Person.organisation_id).order_by(Person.id)
        ).all(),
        "relations": db.session.execute(
            select(
                Relation.source_org_id, Relation.source_person_id, Relation.target_org_id, Relation.target_person_id
            ).order_by(Relation.id)
        ).all(),
        "meetings": db.session.execute(select(Meeting.title, Meeting.start, Meeting.status).order_by(Meeting.id)).all(),
        "entries": db.session.execute(
            select(
                ProtocolEntry.kind, ProtocolEntry.status, ProtocolEntry.owner_person_id, ProtocolEntry.due_date
            ).order_by(ProtocolEntry.id)
        ).all(),
        "measurements": db.session.execute(
            select(Measurement.indicator_id, Measurement.value).order_by(Measurement.id)
        ).all(),
        "answers": sorted(
            db.session.execute(
                # (the demo's own answers have random ids from `secrets`; the generated ones come from the seed)
                select(SurveyAnswer.id, SurveyAnswer.option_id, SurveyAnswer.number_value, SurveyAnswer.text_value)
                .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
                .where(SurveyResponse.submission_key.like("skal-%"))
            ).all()
        ),
    }


@pytest.fixture
def demo(app, db, demo_data):
    """The demo Kreis as `demo load` makes it (loaded once per worker and backend, then its rows restored)."""


def _restore_demo(db, database_url):
    """The demo again in an otherwise empty database: exactly the rows the `demo_data` fixture restores."""
    from tests.conftest import _DEMO_ROWS, _insert_rows, wipe

    db.session.remove()
    wipe(db)
    with db.engine.begin() as conn:
        _insert_rows(conn, db.metadata.sorted_tables, _DEMO_ROWS[database_url])
    db.session.expire_all()


def test_sizes_at_factor_ten_are_the_issues_large_kreis():
    assert targets(10) == SIZES_AT_10
    assert targets(1)["organisation"] == 300 and targets(1)["survey_response"] == 20000


def test_grows_the_demo_to_the_scaled_sizes(app, db, demo):
    before = {key: _count(db, m) for key, m in MODELS.items()}
    version = db.session.scalar(select(NetworkDataVersion.version))
    result = _scale(app)
    assert "Skalierung auf Faktor 0.2" in result.output
    db.session.expire_all()
    want = targets(FAKTOR)
    for key, model in MODELS.items():
        assert _count(db, model) == max(before[key], want[key]), key
    # what the pages need: series of meetings with attendance, follow-ups with owners and deadlines
    assert _count(db, Membership) > 60 and _count(db, Attendance) > 500
    followups = db.session.execute(
        select(ProtocolEntry.status, ProtocolEntry.owner_person_id, ProtocolEntry.due_date).where(
            ProtocolEntry.kind.in_(["Beschluss", "Aufgabe"])
        )
    ).all()
    assert {s for s, _o, _d in followups} == {"offen", "in Arbeit", "erledigt"}
    assert sum(1 for _s, o, d in followups if o is not None and d is not None) > 100
    assert _count(db, Report) > 0 and _count(db, Measurement) > 0
    # relations: exactly one end on each side, no self loops
    for s_org, s_p, t_org, t_p in db.session.execute(
        select(Relation.source_org_id, Relation.source_person_id, Relation.target_org_id, Relation.target_person_id)
    ):
        assert (s_org is None) != (s_p is None) and (t_org is None) != (t_p is None)
        assert not (s_org and s_org == t_org) and not (s_p and s_p == t_p)
    # every question kind answered, the conditional one only after its condition
    biggest = db.session.scalar(
        select(Survey)
        .join(SurveyResponse, SurveyResponse.survey_id == Survey.id)
        .group_by(Survey.id)
        .order_by(func.count(SurveyResponse.id).desc())
        .limit(1)
    )
    kinds = {q.kind for q in biggest.questions}
    assert kinds == {"sozialraum", "einfach", "janein", "skala", "mehrfach", "zahl", "freitext"}
    for q in biggest.questions:
        assert _count(db, SurveyAnswer, SurveyAnswer.question_id == q.id) > 0, q.kind
    conditional = next(q for q in biggest.questions if q.condition_option_id)
    condition = db.session.get(QuestionOption, conditional.condition_option_id)
    answered_cond = _count(db, SurveyAnswer, SurveyAnswer.question_id == conditional.id)
    with_condition = _count(db, SurveyAnswer, SurveyAnswer.option_id == condition.id)
    assert 0 < answered_cond == with_condition
    # uneven areas: some Sozialraum has fewer responses than the suppression threshold
    per_area = db.session.execute(
        select(SurveyResponse.area_id, func.count())
        .where(SurveyResponse.survey_id == biggest.id)
        .group_by(SurveyResponse.area_id)
    ).all()
    assert min(n for _a, n in per_area) < 10 < max(n for _a, n in per_area)
    assert db.session.scalar(select(NetworkDataVersion.version)) > version  # cached analyses are stale now
    # growing again to the same factor adds nothing
    questions = _count(db, Question)
    _scale(app)
    db.session.expire_all()
    assert _count(db, Question) == questions
    for key, model in MODELS.items():
        assert _count(db, model) == max(before[key], want[key]), key


def test_same_seed_gives_the_same_data(app, db, demo, database_url):
    _scale(app, seed=7)
    db.session.expire_all()
    first = _snapshot(db)
    _restore_demo(db, database_url)  # the same start again
    _scale(app, seed=7)
    db.session.expire_all()
    second = _snapshot(db)
    assert first == second
    assert len(first["answers"]) > 10000


def test_without_master_data_the_command_explains_what_is_missing(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "skalieren", "--faktor", "0.1"])
    assert result.exit_code != 0
    assert "demo load" in result.output
    assert _count(db, Organisation) == 0 and _count(db, SurveyResponse) == 0


def _links(html: str) -> set[str]:
    out = set()
    for href in re.findall(r'<a [^>]*href="([^"#][^"]*)"', html):
        href = urldefrag(href.replace("&amp;", "&"))[0]
        parts = urlsplit(href)
        if not parts.scheme and not parts.netloc and href.startswith("/"):
            out.add(href)
    return out


SKIP = re.compile(r"^/(abmelden|static/)|\.(pdf|docx|xlsx|csv|ics|gexf|graphml|json|svg|png)(\?|$)|/export|/kalender")


def test_pages_of_the_grown_database_open(app, db, demo):
    _scale(app)
    client = app.test_client()
    client.login("planung@kreis-lindenau.example", DEMO_PASSWORD)
    # the biggest objects first, then a walk along the links
    committee_id, meeting_id = db.session.execute(
        select(Meeting.committee_id, func.max(Meeting.id))
        .where(Meeting.status == "protokolliert")
        .group_by(Meeting.committee_id)
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    survey_id = db.session.scalar(
        select(SurveyResponse.survey_id).group_by(SurveyResponse.survey_id).order_by(func.count().desc()).limit(1)
    )
    start = [
        "/",
        "/gremien/",
        f"/gremien/{committee_id}",
        f"/gremien/sitzungen/{meeting_id}",
        f"/protokolle/sitzungen/{meeting_id}/",
        "/protokolle/",
        "/kontrakte/",
        "/kontrakte/kennzahlen/",
        "/netzwerk/",
        f"/befragungen/{survey_id}/ergebnisse",
    ]
    seen, queue, bad, visited = set(start), deque(start), [], 0
    while queue and visited < 40:
        url = queue.popleft()
        visited += 1
        r = client.get(url, follow_redirects=True)
        if r.status_code != 200:
            bad.append((url, r.status_code))
        elif r.mimetype == "text/html":
            for link in _links(r.get_data(as_text=True)):
                if link not in seen and not SKIP.search(link):
                    seen.add(link)
                    queue.append(link)
        r.close()
    assert bad == []
    assert visited == 40
