"""Running counts of survey responses (table survey_count, services/befragungen/zaehler.py, issue 14).

The results read the stored counts; the full SQL count (`zaehler.counted`, `compute(recount=True)`)
is the oracle: after every kind of change the stored rows equal the recount exactly, and so do
all results (tables, suppression, views of every filter combination).
"""

from __future__ import annotations

import random
import secrets
import sys
import threading
import time
from itertools import product

import pytest
from sqlalchemy import delete, func, select, text, update

from beteiligung.extensions import db
from beteiligung.services import Conflict, ValidationError
from beteiligung.services.befragungen import befragung as svc
from beteiligung.services.befragungen import ergebnisse as rs
from beteiligung.services.befragungen import zaehler
from beteiligung.services.leistung import messung
from models.surveys import Survey, SurveyAnswer, SurveyCount, SurveyResponse

from .conftest import answer, make_survey
from .test_results_sql import build_survey

ALL = rs.ALL


def stored(s):
    return zaehler.stored(db.session.execute, s.id)


def counted(s):
    return zaehler.counted(db.session.execute, s.id)


def n_responses(s):
    return sum(n for art, *_rest, n in stored(s) if art == "g")


def assert_counts_right(s):
    got, want = stored(s), counted(s)
    assert got == want
    return got


def assert_results_equal(s):
    """Counts-based and recount-based results agree on every number, hidden cell and view."""
    db.session.expire_all()
    s = db.session.get(Survey, s.id)
    rt = rs.compute(s, use_cache=False)
    ref = rs.compute(s, use_cache=False, recount=True)
    assert rt.group_n == ref.group_n
    assert rt.group_supp == ref.group_supp
    assert rt.tables == ref.tables
    # numbers: the stored counts are summed in SQL per filter view, the recount keeps them per group
    assert rt.numbers is None and ref.numbers is not None
    assert rt.text_n == ref.text_n
    shown = 0
    for a, z in product(rt.area_values + [ALL], rt.zg_values + [ALL]):
        for q in rt.questions:
            got, want = rs.question_view(rt, q, a, z), rs.question_view(ref, q, a, z)
            assert got == want, (q.text, a, z)
            if q.kind == "zahl":
                assert rs.number_histogram(rt, q, a, z) == rs.number_histogram(ref, q, a, z), (q.text, a, z)
            shown += sum(1 for row in got["rows"] if row[1])
    return shown


# --- the service paths -----------------------------------------------------------------------


def test_submit_increments_the_counts(app, world):
    s, qs = make_survey(world)
    assert stored(s) == []
    yes = qs["yes"].options[0]
    for i in range(3):
        created, _ = answer(s, qs, world.area_a1, group_idx=0, text=f"Text {i}")
        assert created
    db.session.commit()
    rows = assert_counts_right(s)
    assert n_responses(s) == 3
    by_key = {row[:-1]: row[-1] for row in rows}
    zg = qs["group"].options[0].zielgruppe_id
    assert by_key[("o", world.area_a1.id, zg, qs["yes"].id, yes.id, 0.0)] == 3
    assert by_key[("x", world.area_a1.id, zg, qs["text"].id, 0, 0.0)] == 3
    assert by_key[("z", world.area_a1.id, zg, qs["num"].id, 0, 3.0)] == 3
    answer(s, qs, world.area_a2, yes=False)
    db.session.commit()
    assert_counts_right(s)
    assert n_responses(s) == 4


def test_deleting_or_changing_responses_and_answers_updates_the_counts(app, world):
    s, qs = make_survey(world)
    for i in range(6):
        answer(s, qs, world.area_a1 if i % 2 else world.area_a2, group_idx=i % 3, yes=i < 4, text=f"T{i}")
    db.session.commit()
    responses = db.session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == s.id)).all()
    db.session.delete(responses[0])
    db.session.commit()
    assert_counts_right(s)
    assert n_responses(s) == 5
    # an answer removed from a response, a response moved to another Sozialraum
    r = responses[1]
    r.answers.remove(next(a for a in r.answers if a.option_id))
    responses[2].area_id = world.area_a1.id if responses[2].area_id != world.area_a1.id else world.area_a2.id
    db.session.commit()
    assert_counts_right(s)
    # an answer added to an existing response
    responses[3].answers.append(SurveyAnswer(question_id=qs["text"].id, text_value="nachgetragen"))
    db.session.commit()
    assert_counts_right(s)
    assert n_responses(s) == 5


def test_a_failing_submit_leaves_the_counts_unchanged(app, world):
    s, qs = make_survey(world)
    answer(s, qs, world.area_a1, key="schon-da-0123456789")
    db.session.commit()
    before = assert_counts_right(s)
    # the same form twice: nothing stored, nothing counted
    created, _ = answer(s, qs, world.area_a1, key="schon-da-0123456789")
    assert not created
    # a used invitation code: the savepoint is rolled back with the response and its counts
    nonce = "einmal"
    answer_values = {str(qs["area"].id): {"area": world.area_a1.id}}
    svc.submit_response(s, answer_values, secrets.token_urlsafe(18), token_nonce_value=nonce)
    db.session.commit()
    before = stored(s)
    with pytest.raises(Conflict):
        svc.submit_response(s, answer_values, secrets.token_urlsafe(18), token_nonce_value=nonce)
    assert stored(s) == before
    # a required answer missing: nothing written
    with pytest.raises(ValidationError):
        svc.submit_response(s, {}, secrets.token_urlsafe(18))
    assert stored(s) == before
    # a request that fails after the response was flushed rolls the counts back with it
    answer(s, qs, world.area_a2)
    assert n_responses(s) == n_responses_before(before) + 1
    db.session.rollback()
    assert stored(s) == before
    assert_counts_right(s)


def n_responses_before(rows):
    return sum(n for art, *_rest, n in rows if art == "g")


def _blocked(thread) -> bool:
    """Whether `thread` waits for the other transaction: on PostgreSQL a backend of this database waits on a lock;
    on SQLite the thread is inside a statement that needs the write lock, which the other holds (the driver's busy
    handler waits there)."""
    if db.engine.dialect.name == "postgresql":
        waiting = db.session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        db.session.close()
        return waiting > 0
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        statement = frame.f_locals.get("statement") if frame.f_code.co_name == "do_execute" else None
        if isinstance(statement, str) and statement.lstrip().upper().startswith(
            ("BEGIN IMMEDIATE", "INSERT", "UPDATE")
        ):
            return True
        frame = frame.f_back
    return False


def _wait_until_blocked(thread, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not _blocked(thread):
        assert thread.is_alive() and time.monotonic() < deadline, "der zweite wartet nicht auf den ersten"
        time.sleep(0.005)


def test_two_connections_submitting_at_the_same_time_lose_nothing(app, world):
    """Two submissions in two connections: the first holds its transaction open after its counts are
    written; the second writes the same count rows meanwhile (PostgreSQL: waits on the row lock of the
    upsert; SQLite: on the write lock) and commits after the first. Both are counted."""
    s, qs = make_survey(world, languages=("de",))
    sid, area_id = s.id, world.area_a1.id
    db.session.close()
    first_flushed, first_may_commit = threading.Event(), threading.Event()
    errors, done = [], []

    def submit(first):
        try:
            # like the form's POST request (on SQLite it begins with BEGIN IMMEDIATE: beteiligung/database.py)
            with app.test_request_context("/", method="POST"):
                survey = db.session.get(Survey, sid)
                questions = {q.kind: q for q in survey.questions}
                values = {
                    str(questions["sozialraum"].id): {"area": area_id},
                    str(questions["janein"].id): {"options": [questions["janein"].options[0].id]},
                }
                created, _ = svc.submit_response(survey, values, secrets.token_urlsafe(18))
                assert created
                if first:
                    db.session.flush()
                    first_flushed.set()
                    first_may_commit.wait(timeout=30)
                db.session.commit()
                done.append(first)
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))
            first_flushed.set()

    t1 = threading.Thread(target=submit, args=(True,))
    t1.start()
    assert first_flushed.wait(timeout=30)
    t2 = threading.Thread(target=submit, args=(False,))
    t2.start()
    _wait_until_blocked(t2)  # the second one is now waiting for the first
    first_may_commit.set()
    t1.join(timeout=60)
    t2.join(timeout=60)
    assert not errors, errors
    assert sorted(done) == [False, True]
    db.session.close()
    s = db.session.get(Survey, sid)
    assert n_responses(s) == 2
    assert assert_counts_right(s)


def test_many_parallel_participants_are_all_counted(app, world):
    s, qs = make_survey(world, languages=("de",))
    sid, areas = s.id, [world.area_a1.id, world.area_a2.id]
    db.session.close()
    threads_n, per_thread = 8, 3
    barrier = threading.Barrier(threads_n)
    errors = []

    def participant(n):
        try:
            with app.app_context():
                survey = db.session.get(Survey, sid)
                questions = {q.kind: q for q in survey.questions}
                barrier.wait(timeout=30)
                for i in range(per_thread):
                    values = {
                        str(questions["sozialraum"].id): {"area": areas[n % 2]},
                        str(questions["janein"].id): {"options": [questions["janein"].options[i % 2].id]},
                        str(questions["freitext"].id): {"text": f"Antwort {n}-{i}"},
                    }
                    svc.submit_response(survey, values, secrets.token_urlsafe(18))
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=participant, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    db.session.close()
    s = db.session.get(Survey, sid)
    assert n_responses(s) == threads_n * per_thread
    assert_counts_right(s)


def test_deleting_a_question_or_an_option_recounts(app, world):
    s, qs = make_survey(world)
    for i in range(6):
        answer(s, qs, world.area_a1, group_idx=i % 3, multi=(0, 1) if i % 2 else (2,))
    db.session.commit()
    s.status = "Entwurf"  # old data in a survey taken back into preparation
    db.session.commit()
    svc.delete_question(world.planner_a, s, qs["num"])
    db.session.commit()
    assert_counts_right(s)
    assert not [row for row in stored(s) if row[3] == qs["num"].id]
    data = {"kind": "mehrfach", "text": "Was fehlt?", "allow_other": True, "options": "Spielplatz\nBank"}
    svc.save_question(world.planner_a, s, data, qs["multi"])  # "Arzt" removed: its answers go with it
    db.session.commit()
    assert_counts_right(s)
    assert_results_equal(s)


def test_deleting_a_survey_deletes_its_counts(app, world):
    s, qs = make_survey(world)
    answer(s, qs, world.area_a1)
    db.session.commit()
    sid = s.id
    assert stored(s)
    db.session.execute(delete(Survey).where(Survey.id == sid))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SurveyCount).where(SurveyCount.survey_id == sid)) == 0


# --- equivalence on random surveys ------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_counts_give_the_same_results_as_the_recount(app, world, seed):
    rnd = random.Random(100 + seed)
    s, qs, _codes = build_survey(world, rnd)
    assert_counts_right(s)
    assert assert_results_equal(s) > 0
    # random changes: responses deleted, moved, answers removed, new submissions
    responses = db.session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == s.id)).all()
    for r in rnd.sample(responses, k=len(responses) // 5):
        db.session.delete(r)
    survivors = [r for r in responses if r not in db.session.deleted]
    for r in rnd.sample(survivors, k=len(survivors) // 10):
        r.area_id = rnd.choice([world.area_a1.id, world.area_a2.id, None])
    for r in rnd.sample(survivors, k=len(survivors) // 10):
        if r.answers:
            r.answers.remove(rnd.choice(r.answers))
    db.session.commit()
    for _ in range(rnd.randint(3, 12)):
        answer(s, qs, rnd.choice([world.area_a1, world.area_a2]), group_idx=rnd.choice([None, 0, 1, 2]))
    db.session.commit()
    assert_counts_right(s)
    assert assert_results_equal(s) > 0


def test_the_recount_command_rebuilds_the_counts(app, world):
    s, qs = make_survey(world)
    for i in range(5):
        answer(s, qs, world.area_a1, group_idx=i % 3)
    other, other_qs = make_survey(world)
    answer(other, other_qs, world.area_a2)
    db.session.commit()
    right = assert_counts_right(s)
    # changed behind the application's back: wrong and missing rows
    db.session.execute(update(SurveyCount).where(SurveyCount.survey_id == s.id, SurveyCount.art == "g").values(n=99))
    db.session.execute(delete(SurveyCount).where(SurveyCount.survey_id == other.id))
    db.session.commit()
    assert stored(s) != right
    runner = app.test_cli_runner()
    result = runner.invoke(args=["befragungen", "zaehlen", "--befragung", str(s.id)])
    assert result.exit_code == 0, result.output
    assert f"Befragung {s.id}" in result.output and "1 Befragung neu gezählt" in result.output
    db.session.expire_all()
    assert stored(s) == right
    assert stored(other) == []
    result = runner.invoke(args=["befragungen", "zaehlen"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert_counts_right(other) and stored(other)
    result = runner.invoke(args=["befragungen", "zaehlen", "--befragung", "999999"])
    assert result.exit_code != 0 and "gibt es nicht" in result.output


def test_bulk_inserts_of_the_scale_generator_are_counted(app, world):
    from beteiligung.services.leistung.skalierung import skalieren
    from beteiligung.uow import unit_of_work

    with unit_of_work():
        skalieren(0.01, seed=3, nur={"befragungen"})
    ids = db.session.scalars(select(SurveyResponse.survey_id).distinct()).all()
    surveys = [db.session.get(Survey, sid) for sid in ids]
    assert surveys
    for s in surveys:
        assert_counts_right(s)
        assert n_responses(s) > 0


# --- the page: rows fetched stay constant while responses grow ---------------------------------


def test_results_page_reads_the_same_rows_with_ten_times_the_responses(app, world, client, monkeypatch):
    from views import befragungen as views

    monkeypatch.setattr(views, "RESULT_TEXT_LIMIT", 4)  # the text lists are full before growing
    s, qs = make_survey(world)
    rnd = random.Random(7)
    texts = ["Bänke", "Licht", "Bus", "Café", "Treff", "Ruhe"]

    combinations = list(product([world.area_a1, world.area_a2], [0, 1, 2], [True, False], [(0,), (1, 2), (0, 2)]))

    def add(rounds):
        # every combination each round: the counts hold the same rows, only larger numbers
        for _ in range(rounds):
            for area, group, yes, multi in combinations:
                answer(s, qs, area, group_idx=group, yes=yes, text=rnd.choice(texts), multi=multi)
        db.session.commit()

    add(1)
    client.login(world.planner_a.email)
    url = f"/befragungen/{s.id}/ergebnisse"

    def measure():
        client.get(url).close()
        db.session.expire_all()
        with messung.kosten(db.engine) as cost:
            r = client.get(url)
            body = r.get_data(as_text=True)
        assert r.status_code == 200
        return cost, body

    before, body_before = measure()
    assert "zufällig ausgewählte" in body_before
    add(9)
    after, body_after = measure()
    assert after.rows == before.rows, (before.rows, after.rows, after.top())
    assert after.sql == before.sql
    assert f"Freitextantworten ({10 * len(combinations)})" in body_after


def test_results_cache_follows_every_new_response(app, world):
    s, qs = make_survey(world)
    for i in range(12):
        answer(s, qs, world.area_a1, group_idx=0)
    db.session.commit()
    first = rs.compute(s)
    assert first.n() == 12
    answer(s, qs, world.area_a1, group_idx=0)
    db.session.commit()
    second = rs.compute(s)
    assert second.n() == 13 and second.tables is not first.tables
    assert rs.compute(s).tables is second.tables  # unchanged data: from the cache


# --- suppression: the incremental fixpoint equals the former full one ----------------------------


def suppress_table_reference(cells, dim_values, threshold, forced=None):
    """`suppress_table` as it was before the lines were re-checked incrementally (every line every round)."""
    from collections import defaultdict

    S = set(forced or ())
    S |= {k for k, v in cells.items() if 0 < v < threshold}
    ndim = len(dim_values)
    lines = []
    for d in range(ndim):
        others = [dim_values[i] + [ALL] if i != d else [None] for i in range(ndim)]
        for combo in product(*others):
            inner = [tuple(v if i == d else combo[i] for i in range(ndim)) for v in dim_values[d]]
            total = tuple(ALL if i == d else combo[i] for i in range(ndim))
            lines.append((inner, total))

    def needs(inner, total):
        hidden_nz = [k for k in inner if k in S and cells.get(k, 0) > 0]
        if total in S:
            return cells.get(total, 0) > 0 and not any(k in S for k in inner)
        mass = sum(cells.get(k, 0) for k in hidden_nz)
        return len(hidden_nz) == 1 or 0 < mass < threshold

    while True:
        needing = [(inner, total) for inner, total in lines if needs(inner, total)]
        if not needing:
            break
        score = defaultdict(int)
        for inner, total in needing:
            for k in inner:
                if k not in S and cells.get(k, 0) > 0:
                    score[k] += 1
        if score:
            pick = min(score, key=lambda k: (-score[k], cells.get(k, 0), str(k)))
        else:
            inner, total = needing[0]
            pick = total if total not in S else None
            if pick is None:
                break
        S.add(pick)
    return S


@pytest.mark.parametrize("seed", range(40))
def test_incremental_suppression_equals_the_full_fixpoint(seed):
    rnd = random.Random(seed)
    dims = [[f"a{i}" for i in range(rnd.randint(1, 5))] + [rs.NONE], [f"z{i}" for i in range(rnd.randint(1, 3))]]
    if rnd.random() < 0.6:
        dims.append([f"c{i}" for i in range(rnd.randint(2, 5))])
    raw = {key: rnd.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 30]) for key in product(*dims)}
    cells = rs._margins(raw, len(dims))
    for key in product(*[d + [ALL] for d in dims]):
        cells.setdefault(key, 0)
    T = rnd.choice([3, 5, 10])
    forced = set(rnd.sample(sorted(cells, key=str), k=rnd.randint(0, 3)))
    assert rs.suppress_table(cells, dims, T, forced=forced) == suppress_table_reference(cells, dims, T, forced)


@pytest.mark.parametrize("seed", range(10))
def test_margins_equal_the_sum_over_every_mask(seed):
    rnd = random.Random(seed)
    ndim = rnd.randint(1, 4)
    dims = [[f"d{d}v{i}" for i in range(rnd.randint(1, 4))] for d in range(ndim)]
    raw = {key: rnd.randint(0, 9) for key in product(*dims) if rnd.random() < 0.8}
    want: dict = {}
    for key, v in raw.items():
        for mask in product((False, True), repeat=ndim):
            masked = tuple(ALL if m else k for k, m in zip(key, mask))
            want[masked] = want.get(masked, 0) + v
    assert dict(rs._margins(raw, ndim)) == want


# --- back-fill of migration zaehler_01 ----------------------------------------------------------


def _insert_rows(conn, table: str, rows: list[dict]) -> None:
    """Many rows into `table` as it is at the connection's revision, in one statement (the defaults of
    tests.support.migrationen.insert: created_at/updated_at NOW, version 1)."""
    import sqlalchemy as sa

    from tests.support.migrationen import NOW

    t = sa.Table(table, sa.MetaData(), autoload_with=conn)
    defaults = {c.name: NOW for c in t.columns if c.name in ("created_at", "updated_at")}
    if "version" in t.columns:
        defaults["version"] = 1
    conn.execute(t.insert(), [{**defaults, **row} for row in rows])


def test_migration_back_fills_the_counts(migration_roundtrip):
    from tests.support.migrationen import insert

    rnd = random.Random(11)
    with migration_roundtrip(before="zaehler_01-1", after="zaehler_01") as m:  # before: the schema without counts
        with m.begin() as conn:
            body = insert(conn, "body", name="Stadt Alt", kind="Kommune", code="05001")
            sid = insert(
                conn,
                "survey",
                body_id=body,
                public_key="alt-befragung",
                title="Alte Befragung",
                questions_checked=True,
                access="offen",
                status="geschlossen",
                languages=["de"],
                results_public=False,
                shared_with_kreis=False,
            )

            def question(pos, kind, labels=(), condition=None):
                qid = insert(
                    conn,
                    "survey_question",
                    survey_id=sid,
                    position=pos,
                    kind=kind,
                    text=f"Frage {pos}",
                    required=False,
                    allow_other=kind == "einfach",
                    max_length=2000,
                    condition_option_id=condition,
                )
                return qid, [
                    insert(conn, "survey_option", question_id=qid, position=i, label=label)
                    for i, label in enumerate(labels)
                ]

            # the 40 responses and their answers in two statements (insert() reflects its table for every row)
            responses, answers = [], []

            def answer(rid, question_id, **value):
                answers.append(
                    {
                        "id": rnd.getrandbits(52) + 1,
                        "response_id": rid,
                        "question_id": question_id,
                        "option_id": None,
                        "number_value": None,
                        "text_value": None,
                        **value,
                    }
                )

            q_yes, (yes, no) = question(1, "janein", ["Ja", "Nein"])
            q_pick, picks = question(2, "einfach", ["A", "B"], condition=yes)
            q_num, _ = question(3, "zahl")
            q_text, _ = question(4, "freitext")
            for i in range(40):
                rid = rnd.getrandbits(52) + 1
                responses.append(
                    {
                        "id": rid,
                        "survey_id": sid,
                        "submission_key": f"alt-{i}",
                        "week": "2026-W40",
                        "language": "de",
                        "paper": False,
                    }
                )

                answered_yes = rnd.random() < 0.6
                answer(rid, q_yes, option_id=yes if answered_yes else no)
                if answered_yes and rnd.random() < 0.8:
                    answer(rid, q_pick, option_id=rnd.choice(picks))
                if rnd.random() < 0.7:
                    answer(rid, q_num, number_value=float(rnd.randint(1, 5)))
                if rnd.random() < 0.5:
                    answer(rid, q_text, text_value=rnd.choice(["gut", "Bänke", ""]))
            _insert_rows(conn, "survey_response", responses)
            _insert_rows(conn, "survey_answer", answers)
        m.upgrade()
        with m.connect() as conn:
            got = zaehler.stored(conn.execute, sid)
            want = zaehler.counted(conn.execute, sid)
        assert got == want
        assert sum(n for art, *_rest, n in got if art == "g") == 40
        assert any(art == "f" for art, *_rest in got) and any(art == "z" for art, *_rest in got)
        m.downgrade()
        m.upgrade()
        with m.connect() as conn:
            assert zaehler.stored(conn.execute, sid) == want
