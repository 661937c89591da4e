"""Running counts of survey responses (table `survey_count`, issue 14).

The results page (`ergebnisse.compute`) reads these few rows per survey instead of counting all
answers: its cost does not grow with the number of responses, on every server alike.

The rows are exactly the raw aggregates of the full SQL count (`aggregate`, the former GROUP BY
queries of `compute`), keyed by the raw Sozialraum/Zielgruppe ids of the responses (0 = none),
so `compute` maps them to the survey's groups exactly as before. Every aggregate is a sum over
responses, so the counts of a set of responses can be added and subtracted:

- Every flush that adds, changes or removes responses or answers through the ORM (submit, paper
  entry, demo loader, tests) updates the counts in the same transaction (session hooks below):
  before the flush the touched responses' counts are subtracted, after it added again (upsert
  `n = n + excluded.n`, atomic on SQLite and PostgreSQL, rows in a fixed order: parallel submits
  lose nothing and do not deadlock). A failing flush or a rollback takes the counts with it.
- Bulk inserts without the ORM (`demo skalieren`, `befragungen messen`) and changes the database
  cascades (deleting a question or an option deletes its answers) call `nachzaehlen` (recount) at
  the end. Deleting a survey deletes its counts (foreign key, ON DELETE CASCADE).
- `flask --app beteiligung befragungen zaehlen [--befragung ID]` rebuilds the counts; the tests
  compare counts-based results with recount-based ones.
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from sqlalchemy import and_, case, delete, distinct, event, exists, func, inspect, or_, select, text, true
from sqlalchemy.orm import Session, aliased

from models.surveys import Question, QuestionOption, Survey, SurveyAnswer, SurveyCount, SurveyResponse

CHECKSUM_MOD = 1_000_003  # keeps the sum of 52-bit ids inside 64 bits on every backend
SINGLE_KINDS = ("janein", "skala", "einfach")
KEY_COLUMNS = ("survey_id", "art", "area_id", "zielgruppe_id", "question_id", "option_id", "value")


def structure(execute, survey_id: int) -> list:
    """The survey's questions as light objects (id, kind, condition_option_id, options), read with
    Core statements so the same code runs inside a migration."""
    options = defaultdict(list)
    for oid, qid in execute(
        select(QuestionOption.id, QuestionOption.question_id)
        .join(Question, Question.id == QuestionOption.question_id)
        .where(Question.survey_id == survey_id)
        .order_by(QuestionOption.position, QuestionOption.id)
    ):
        options[qid].append(SimpleNamespace(id=oid))
    return [
        SimpleNamespace(id=qid, kind=kind, condition_option_id=cond, options=options[qid])
        for qid, kind, cond in execute(
            select(Question.id, Question.kind, Question.condition_option_id)
            .where(Question.survey_id == survey_id)
            .order_by(Question.position, Question.id)
        )
    ]


def nonempty(col):
    return and_(col.is_not(None), col != "")


def asked(answer):
    """SQL condition: the answer's respondent was asked its question: an answer of the same
    respondent holds the question's condition option. Needs survey_question joined."""
    other = aliased(SurveyAnswer)
    return exists().where(other.response_id == answer.response_id, other.option_id == Question.condition_option_id)


def aggregate(execute, survey_id: int, questions, response_ids=None) -> dict[tuple, int]:
    """The full count in SQL (GROUP BY Sozialraum, Zielgruppe, question, option) over all responses
    of the survey, or only over `response_ids`: key (art, area, zielgruppe, question, option, value) → n.
    Conditional questions count only the respondents who were asked them (see ergebnisse)."""
    from beteiligung.services.befragungen.ergebnisse import condition_cells

    cond_qids = list(condition_cells(questions))
    R, A = SurveyResponse, SurveyAnswer
    was_asked = or_(A.question_id.not_in(cond_qids), asked(A)) if cond_qids else true()
    scope = [R.survey_id == survey_id]
    if response_ids is not None:
        scope.append(R.id.in_(list(response_ids)))
    out: dict[tuple, int] = defaultdict(int)

    def add(art, a, z, qid=0, oid=0, value=0.0, n=0):
        if n:
            out[(art, a or 0, z or 0, qid or 0, oid or 0, float(value or 0))] += int(n)

    for a, z, n, checksum in execute(
        select(R.area_id, R.zielgruppe_id, func.count(), func.sum(R.id % CHECKSUM_MOD))
        .where(*scope)
        .group_by(R.area_id, R.zielgruppe_id)
    ):
        add("g", a, z, n=n)
        add("p", a, z, n=checksum)

    # options: per group, question and option — raw, and among those asked
    for a, z, qid, oid, n, n_asked in execute(
        select(
            R.area_id,
            R.zielgruppe_id,
            A.question_id,
            A.option_id,
            func.count(),
            func.sum(case((was_asked, 1), else_=0)),
        )
        .join(R, R.id == A.response_id)
        .join(Question, Question.id == A.question_id)
        .where(*scope, A.option_id.is_not(None))
        .group_by(R.area_id, R.zielgruppe_id, A.question_id, A.option_id)
    ):
        add("o", a, z, qid, oid, n=n)
        add("f", a, z, qid, oid, n=n_asked)

    # texts and numbers: answered at all / with a text / with a text and no option ("Sonstiges")
    has_text = nonempty(A.text_value)
    other = aliased(SurveyAnswer)
    no_option = ~exists().where(
        other.response_id == A.response_id, other.question_id == A.question_id, other.option_id.is_not(None)
    )
    for a, z, qid, answered, texts, others, text_answers in execute(
        select(
            R.area_id,
            R.zielgruppe_id,
            A.question_id,
            func.count(distinct(A.response_id)),
            func.count(distinct(case((has_text, A.response_id)))),
            func.count(distinct(case((and_(has_text, Question.kind.in_(SINGLE_KINDS), no_option), A.response_id)))),
            func.count(case((has_text, 1))),
        )
        .join(R, R.id == A.response_id)
        .join(Question, Question.id == A.question_id)
        .where(*scope, or_(has_text, A.number_value.is_not(None)), was_asked)
        .group_by(R.area_id, R.zielgruppe_id, A.question_id)
    ):
        add("b", a, z, qid, n=answered)
        add("t", a, z, qid, n=texts)
        add("s", a, z, qid, n=others)
        add("x", a, z, qid, n=text_answers)

    # numbers: a histogram per group (exact mean and median without loading every answer)
    for a, z, qid, value, n in execute(
        select(R.area_id, R.zielgruppe_id, A.question_id, A.number_value, func.count())
        .join(R, R.id == A.response_id)
        .join(Question, Question.id == A.question_id)
        .where(*scope, A.number_value.is_not(None), Question.kind == "zahl", was_asked)
        .group_by(R.area_id, R.zielgruppe_id, A.question_id, A.number_value)
    ):
        add("z", a, z, qid, value=value, n=n)
    return dict(out)


def _upsert(conn, survey_id: int, counts: dict[tuple, int], sign: int = 1) -> None:
    rows = [
        dict(zip(KEY_COLUMNS, (survey_id, *key)), n=sign * n)
        for key, n in sorted(counts.items())  # a fixed order: parallel transactions lock rows alike
        if n
    ]
    if not rows:
        return
    table = SurveyCount.__table__
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=list(KEY_COLUMNS), set_={"n": table.c.n + stmt.excluded.n})
    conn.execute(stmt, rows)


# The kinds of count (art) the result tables and their suppression read: all but "z", the number
# histograms (a row per group and distinct value; ergebnisse.number_histogram sums them per view in SQL).
TABLE_ARTS = ("b", "f", "g", "o", "p", "s", "t", "x")


def stored(execute, survey_id: int, arts: tuple[str, ...] | None = None) -> list[tuple]:
    """The stored counts of a survey (rows with n ≠ 0, in key order): a few rows per group and
    question, independent of the number of responses. arts: only these kinds of count (default all)."""
    c = SurveyCount
    q = (
        select(c.art, c.area_id, c.zielgruppe_id, c.question_id, c.option_id, c.value, c.n)
        .where(c.survey_id == survey_id, c.n != 0)
        .order_by(c.art, c.area_id, c.zielgruppe_id, c.question_id, c.option_id, c.value)
    )
    if arts is not None:
        q = q.where(c.art.in_(arts))
    return [tuple(row) for row in execute(q)]


def counted(execute, survey_id: int, questions=None) -> list[tuple]:
    """The same rows as `stored`, counted afresh from all answers (the recount)."""
    questions = structure(execute, survey_id) if questions is None else questions
    return [(*key, n) for key, n in sorted(aggregate(execute, survey_id, questions).items())]


def nachzaehlen(conn, survey_id: int) -> int:
    """Rebuild the counts of one survey from its answers (on `conn`, a Connection in the current
    transaction). On PostgreSQL the counts table is locked against concurrent upserts meanwhile,
    so a response submitted at the same time is counted exactly once. Returns the rows written."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE survey_count IN SHARE ROW EXCLUSIVE MODE"))
    conn.execute(delete(SurveyCount).where(SurveyCount.survey_id == survey_id))
    counts = aggregate(conn.execute, survey_id, structure(conn.execute, survey_id))
    _upsert(conn, survey_id, counts)
    return len(counts)


def alle_nachzaehlen(conn, survey_ids=None) -> dict[int, int]:
    """Rebuild the counts of the given surveys (default: all). Returns survey id → rows written."""
    if survey_ids is None:
        survey_ids = list(conn.execute(select(Survey.id).order_by(Survey.id)).scalars())
    return {sid: nachzaehlen(conn, sid) for sid in survey_ids}


# --- maintenance on every ORM flush --------------------------------------------------------


def _persistent_id(obj):
    state = inspect(obj)
    return obj.id if state.has_identity else None


def _touched(session: Session, collections) -> set[int]:
    ids = set()
    for coll in collections:
        for obj in coll:
            if isinstance(obj, SurveyResponse):
                rid = _persistent_id(obj) if coll is not session.new else obj.id
            elif isinstance(obj, SurveyAnswer):
                rid = obj.response_id
                if rid is None and obj.response is not None:
                    rid = obj.response.id
                if rid is None:
                    # a deleted answer whose response link was cleared: its old value
                    hist = inspect(obj).attrs.response_id.history
                    rid = next((v for v in hist.deleted or () if v is not None), None)
            else:
                continue
            if rid is not None:
                ids.add(rid)
    return ids


def _apply(session: Session, response_ids: set[int], sign: int, known: dict | None = None) -> None:
    """Add (sign +1) or subtract (-1) the counts of these responses as the database holds them now.
    known: response id → survey id where already known (new responses), the others are looked up."""
    if not response_ids:
        return
    conn = session.connection()
    known = known or {}
    by_survey = defaultdict(list)
    unknown = []
    for rid in response_ids:
        if known.get(rid) is not None:
            by_survey[known[rid]].append(rid)
        else:
            unknown.append(rid)
    for i in range(0, len(unknown), 500):
        chunk = unknown[i : i + 500]
        for rid, sid in conn.execute(
            select(SurveyResponse.id, SurveyResponse.survey_id).where(SurveyResponse.id.in_(chunk))
        ):
            by_survey[sid].append(rid)
    for sid, rids in by_survey.items():
        questions = structure(conn.execute, sid)
        for i in range(0, len(rids), 500):
            _upsert(conn, sid, aggregate(conn.execute, sid, questions, rids[i : i + 500]), sign)


def _has_survey_objects(session: Session) -> bool:
    return any(
        isinstance(obj, (SurveyResponse, SurveyAnswer))
        for coll in (session.new, session.dirty, session.deleted)
        for obj in coll
    )


@event.listens_for(Session, "before_flush")
def _before_flush(session, flush_context, instances):
    if not _has_survey_objects(session):
        session.info.pop("zaehler", None)
        return
    # responses already in the database whose counts may change: take their counts out now
    old = _touched(session, (session.dirty, session.deleted, session.new)) - {
        o.id for o in session.new if isinstance(o, SurveyResponse)
    }
    with session.no_autoflush:
        _apply(session, old, -1)
    new_responses = [o for o in session.new if isinstance(o, SurveyResponse)]
    session.info["zaehler"] = (old, new_responses, [o for o in session.new if isinstance(o, SurveyAnswer)])


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    pending = session.info.pop("zaehler", None)
    if pending is None:
        return
    old, new_responses, new_answers = pending
    ids = set(old) | {o.id for o in new_responses} | {a.response_id for a in new_answers if a.response_id}
    _apply(session, ids, +1, known={o.id: o.survey_id for o in new_responses})
