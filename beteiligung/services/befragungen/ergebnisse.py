"""Results with small-cell suppression that holds for every filter combination.

Rule (documented in docs/modules/befragungen.md, "Geheimhaltung"):
Every number a page, chart or export can show is a cell of one published table per
survey: dimensions Sozialraum × Zielgruppe (each with "ohne Angabe" and the total "*")
× answer category (with total "*" = group size). The table is suppressed ONCE and every
filter view only reads from it, so combining filters cannot reveal more than the table.

1. Primary: a group (area, zielgruppe — including totals) with 0 < n < T shows nothing:
   all its cells are suppressed. Every cell with 0 < count < T is suppressed.
2. Secondary (against differencing): along every line of the table (vary one dimension,
   the others fixed, plus that line's total): if the line total is shown, the hidden non-zero
   cells are never exactly one and together hold 0 or ≥ T answers; if the total is hidden, at
   least one inner cell is hidden too. Otherwise a further cell is hidden — the one that repairs
   most lines at once, then the smallest. Repeated until nothing changes; group sizes and
   answer tables are iterated together so a group hidden in one is hidden in all. The greedy
   choice may hide more than the minimum (safe side).
Zeros stay visible (they disclose nothing about a person). Means (Zahl) and free-text
lists are shown only for groups whose size and "answered" cell are shown.
3. A conditional question counts only the respondents who were asked it; their number (the
   table's margin) equals the condition cell of the earlier question and is hidden with it.

Counting happens in SQL (a handful of GROUP BY queries, no answer is loaded one by one);
suppression runs in Python on the small aggregated tables; the result is cached per process
under a key that changes with every response (see `compute`).
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from itertools import product

from sqlalchemy import distinct, func, or_, select, true
from sqlalchemy.orm import selectinload

from beteiligung.extensions import db
from beteiligung.services.befragungen import zaehler
from beteiligung.services.befragungen.befragung import threshold_of
from models.surveys import SURVEY_LANGUAGES, Coding, Question, Survey, SurveyAnswer, SurveyCount, SurveyResponse

ALL = "*"
NONE = "none"  # "ohne Angabe"


_LINES: OrderedDict = OrderedDict()  # table shape → its lines and the lines of each cell
_LINES_LOCK = threading.Lock()


def _lines(dim_values: list[list]):
    """The lines of a table with margins (vary one dimension, the others fixed, plus that line's
    total) and, per cell, the indexes of the lines it lies on. Cached per shape."""
    shape = tuple(tuple(v) for v in dim_values)
    with _LINES_LOCK:
        hit = _LINES.get(shape)
        if hit is not None:
            _LINES.move_to_end(shape)
            return hit
    ndim = len(dim_values)
    lines = []
    for d in range(ndim):
        others = [dim_values[i] + [ALL] if i != d else [None] for i in range(ndim)]
        for combo in product(*others):
            inner = tuple(tuple(v if i == d else combo[i] for i in range(ndim)) for v in dim_values[d])
            total = tuple(ALL if i == d else combo[i] for i in range(ndim))
            lines.append((inner, total))
    on: dict = defaultdict(list)
    for i, (inner, total) in enumerate(lines):
        for k in inner:
            on[k].append(i)
        on[total].append(i)
    hit = (lines, dict(on))
    with _LINES_LOCK:
        _LINES[shape] = hit
        while len(_LINES) > 256:
            _LINES.popitem(last=False)
    return hit


def suppress_table(
    cells: dict[tuple, int], dim_values: list[list], threshold: int, forced: set[tuple] | None = None
) -> set[tuple]:
    """Suppression over a full table with margins. cells: key tuple (values or ALL) → count.
    Returns the set of suppressed keys. Pure function (tested directly). Hiding a cell changes
    only the lines through it, so only those are checked again."""
    S = set(forced or ())
    S |= {k for k, v in cells.items() if 0 < v < threshold}
    lines, on = _lines(dim_values)

    def needs(inner, total):
        if total not in S and S.isdisjoint(inner):
            return False  # nothing hidden on this line (most lines): the checks below would say the same
        hidden_nz = [k for k in inner if k in S and cells.get(k, 0) > 0]
        if total in S:
            # total unknown: only derivable if no inner cell is hidden
            return cells.get(total, 0) > 0 and not any(k in S for k in inner)
        mass = sum(cells.get(k, 0) for k in hidden_nz)
        return len(hidden_nz) == 1 or 0 < mass < threshold

    needing = {i for i, (inner, total) in enumerate(lines) if needs(inner, total)}
    while needing:
        order = sorted(needing)  # the lines in table order, as when all were checked each round
        score: dict = defaultdict(int)
        for i in order:
            for k in lines[i][0]:
                if k not in S and cells.get(k, 0) > 0:
                    score[k] += 1
        if score:
            # the cell that repairs most lines at once, then the smallest
            pick = min(score, key=lambda k: (-score[k], cells.get(k, 0), str(k)))
        else:
            inner, total = lines[order[0]]
            pick = total if total not in S else None
            if pick is None:
                break
        S.add(pick)
        for i in on.get(pick, ()):
            if needs(*lines[i]):
                needing.add(i)
            else:
                needing.discard(i)
    return S


@dataclass
class ResultTable:
    survey: Survey
    threshold: int
    area_values: list
    zg_values: list
    area_labels: dict
    zg_labels: dict
    group_n: dict = field(default_factory=dict)  # (a, z) → n
    group_supp: set = field(default_factory=set)
    # question id → {"cats": [...], "labels": {...}, "cells": {(a,z,cat): n}, "supp": set}
    tables: dict = field(default_factory=dict)
    # question id → {(a, z): Counter(value → n)} for numbers, only when counted afresh (recount=True);
    # from the stored counts the histogram of one filter view is summed in SQL (see `number_histogram`)
    numbers: dict | None = field(default_factory=dict)
    number_cache: dict = field(default_factory=dict)  # (question id, a, z) → Counter, for this request
    texts: dict = field(default_factory=dict)
    questions: list = field(default_factory=list)
    # conditional question id → (table key, category) of the cell counting those asked
    conditions: dict = field(default_factory=dict)
    text_n: dict = field(default_factory=dict)  # question id → {(a, z): number of free texts}
    text_cache: dict = field(default_factory=dict)  # (question id, a, z, limit) → sorted texts

    def group_shown(self, a, z) -> bool:
        return (a, z) not in self.group_supp

    def n(self, a=ALL, z=ALL):
        """Group size or None if suppressed."""
        return None if (a, z) in self.group_supp else self.group_n.get((a, z), 0)

    def cell(self, table_key, a, z, cat):
        t = self.tables[table_key]
        key = (a, z, cat)
        if key in t["supp"]:
            return None
        return t["cells"].get(key, 0)


def _key(value):
    return NONE if value is None else value


def _margins(raw: dict[tuple, int], ndim: int) -> dict[tuple, int]:
    """The table with all its margins (ALL in any set of dimensions), summed one dimension at a time."""
    out: dict[tuple, int] = defaultdict(int, raw)
    for d in range(ndim):
        totals: dict[tuple, int] = defaultdict(int)
        for key, v in out.items():
            if key[d] != ALL:
                totals[(*key[:d], ALL, *key[d + 1 :])] += v
        for key, v in totals.items():
            out[key] += v
    return out


SINGLE_KINDS = zaehler.SINGLE_KINDS


def condition_cells(questions) -> dict[int, tuple]:
    """Conditional question id → (table key, category) of the cell that counts the respondents who
    were asked it (those whose answer included the condition option). A condition on anything else
    than an option of a choice question of this survey is ignored (the question counts as unconditional)."""
    where = {}
    for q in questions:
        for o in q.options:
            if q.kind in SINGLE_KINDS:
                where[o.id] = (q.id, o.id)
            elif q.kind == "mehrfach":
                where[o.id] = ((q.id, o.id), "ja")
    return {
        q.id: where[q.condition_option_id]
        for q in questions
        if q.condition_option_id in where and q.kind != "sozialraum" and where[q.condition_option_id][0] != q.id
    }


def text_question(q) -> bool:
    """Questions whose free texts are listed: Freitext, and "Sonstiges" of single and multiple choice."""
    return q.kind == "freitext" or (q.allow_other and q.kind in ("einfach", "mehrfach"))


_nonempty, _asked = zaehler.nonempty, zaehler.asked


def _valid(rt):
    valid_a, valid_z = set(rt.area_values), set(rt.zg_values)

    def group(a, z):
        return (_key(a) if _key(a) in valid_a else NONE, _key(z) if _key(z) in valid_z else NONE)

    return group


# Computed tables per process, keyed by everything they depend on: the survey's structure and its
# stored counts (a few rows per group and question, see zaehler.py; they include a checksum of the
# random response ids, so any change of the responses changes the key). A hit skips the suppression.
_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 8
_CACHE_LOCK = threading.Lock()
_CACHED_FIELDS = ("group_n", "group_supp", "tables", "texts", "text_n", "conditions", "text_cache")


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def compute(survey: Survey, use_cache: bool = True, recount: bool = False) -> ResultTable:
    """All result tables of a survey, from its running counts (table survey_count, see zaehler.py:
    the GROUP BY Sozialraum, Zielgruppe, question, option maintained with every response) and
    suppressed in Python on the small aggregated tables. Conditional questions count only the
    respondents who were asked them. recount=True counts all answers afresh instead (same result;
    used by the tests and to rebuild the counts)."""
    T = threshold_of(survey)
    questions = db.session.scalars(
        select(Question)
        .where(Question.survey_id == survey.id)
        .options(selectinload(Question.options))
        .order_by(Question.position)
    ).all()
    area_values = [a.id for a in survey.areas] + [NONE]
    zg_values = [z.id for z in survey.zielgruppen] + [NONE]
    rt = ResultTable(
        survey=survey,
        threshold=T,
        area_values=area_values,
        zg_values=zg_values,
        area_labels={
            **{a.id: f"{a.code} {a.name}" for a in survey.areas},
            NONE: "ohne Angabe",
            ALL: "alle Sozialräume",
        },
        zg_labels={**{z.id: z.name for z in survey.zielgruppen}, NONE: "ohne Angabe", ALL: "alle Gruppen"},
        questions=list(questions),
    )
    group = _valid(rt)
    cond = condition_cells(questions)
    rt.conditions = cond
    execute = db.session.execute
    if recount:
        rows = zaehler.counted(execute, survey.id, questions)
    else:
        # without the number histograms (a row per group and distinct value: most of the rows of a large
        # survey); a filter view sums its histogram in SQL (`number_histogram`). They are no part of the
        # cache key: no table or suppression depends on them.
        rows = zaehler.stored(execute, survey.id, arts=zaehler.TABLE_ARTS)
        rt.numbers = None
    structure = tuple(
        (q.id, q.kind, q.allow_other, q.condition_option_id, tuple((o.id, o.label) for o in q.options))
        for q in questions  # option labels too: the tables carry them
    )
    key = (str(db.engine.url), survey.id, T, tuple(area_values), tuple(zg_values), structure, tuple(rows))
    if use_cache:
        with _CACHE_LOCK:
            hit = _CACHE.get(key)
            if hit is not None:
                _CACHE.move_to_end(key)
        if hit is not None:
            for name in _CACHED_FIELDS:
                setattr(rt, name, hit[name])
            return rt

    raw_groups: dict = defaultdict(int)
    chosen: dict = defaultdict(lambda: defaultdict(int))  # (qid, oid) → group → n (asked only)
    option_raw: dict = defaultdict(lambda: defaultdict(int))  # oid → group → n
    flags: dict = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))  # qid → group → [answered, text, other]
    numbers: dict = defaultdict(lambda: defaultdict(Counter))  # qid → group → histogram
    text_n: dict = defaultdict(lambda: defaultdict(int))  # qid → group → free texts
    flag_index = {"b": 0, "t": 1, "s": 2}
    for art, a, z, qid, oid, value, n in rows:
        g = group(a or None, z or None)
        if art == "g":
            raw_groups[g] += n
        elif art == "o":
            option_raw[oid][g] += n
        elif art == "f":
            chosen[(qid, oid)][g] += n
        elif art in flag_index:
            flags[qid][g][flag_index[art]] += n
        elif art == "z":
            numbers[qid][g][value] += n
        elif art == "x":
            text_n[qid][g] += n

    rt.group_n = _margins(raw_groups, 2)
    for a, z in product(area_values + [ALL], zg_values + [ALL]):
        rt.group_n.setdefault((a, z), 0)

    def asked_n(q):
        if q.id in cond:
            return option_raw[q.condition_option_id]
        return raw_groups

    tables = {}

    def table(key, q, cats, labels, raw):
        cells = _margins(raw, 3)
        for a, z, c in product(area_values + [ALL], zg_values + [ALL], cats + [ALL]):
            cells.setdefault((a, z, c), 0)
        tables[key] = {"cats": cats, "labels": labels, "cells": cells, "supp": set(), "question": q.id}

    for q in questions:
        base = asked_n(q)
        if q.kind == "sozialraum":
            continue  # the Sozialraum answer IS the area dimension: shown from the group table
        if q.kind in SINGLE_KINDS:
            cats = [o.id for o in q.options]
            labels = {o.id: o.label for o in q.options}
            raw = {}
            for g, n in base.items():
                counts = {o.id: chosen[(q.id, o.id)].get(g, 0) for o in q.options}
                if q.allow_other:
                    counts["sonstiges"] = flags[q.id].get(g, (0, 0, 0))[2]
                for c, v in counts.items():
                    raw[(*g, c)] = v
                raw[(*g, NONE)] = n - sum(counts.values())
            if q.allow_other:
                cats.append("sonstiges")
                labels["sonstiges"] = "Sonstiges"
            cats.append(NONE)
            labels[NONE] = "keine Angabe"
            table(q.id, q, cats, labels, raw)
        elif q.kind == "mehrfach":
            keys = [(o.id, chosen[(q.id, o.id)]) for o in q.options]
            if q.allow_other:
                keys.append(("sonstiges", {g: f[1] for g, f in flags[q.id].items()}))
            for oid, counts in keys:
                raw = {}
                for g, n in base.items():
                    raw[(*g, "ja")] = counts.get(g, 0)
                    raw[(*g, "nein")] = n - counts.get(g, 0)
                table((q.id, oid), q, ["ja", "nein"], {"ja": "gewählt", "nein": "nicht gewählt"}, raw)
        else:  # freitext, zahl: answered or not
            raw = {}
            for g, n in base.items():
                answered = flags[q.id].get(g, (0, 0, 0))[0]
                raw[(*g, "beantwortet")] = answered
                raw[(*g, NONE)] = n - answered
            table(q.id, q, ["beantwortet", NONE], {"beantwortet": "beantwortet", NONE: "keine Angabe"}, raw)
            if q.kind == "zahl" and rt.numbers is not None:
                rt.numbers[q.id] = numbers.get(q.id, {})
        if text_question(q):
            rt.text_n[q.id] = dict(text_n.get(q.id, {}))
            rt.texts[q.id] = None  # loaded for one filter view when shown (see `question_view`)

    rt.group_supp = suppress_jointly(rt.group_n, tables, cond, area_values, zg_values, T)
    rt.tables = tables
    if use_cache:
        with _CACHE_LOCK:
            _CACHE[key] = {name: getattr(rt, name) for name in _CACHED_FIELDS}
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return rt


def suppress_jointly(group_n, tables, cond, area_values, zg_values, T) -> set:
    """Joint fixpoint over the group table and all answer tables: a group hidden in one is hidden
    in all. A conditional question's table has the respondents asked as its margin instead of the
    group size; that margin is the same number as the condition cell of the earlier question, so the
    two are hidden together (and a hidden margin hides its group only in that question).
    Sets each table's "supp"; returns the hidden groups."""
    group_supp: set = set()
    linked = {qid: set() for qid in cond}  # conditional question → groups whose "asked" number is hidden
    holds = defaultdict(list)  # table key → [(conditional question, category)] cells it holds
    for qid, (key, cat) in cond.items():
        holds[key].append((qid, cat))
    # suppress_table is a pure function of (cells, dimensions, threshold, forced): a table whose forced
    # cells did not change since the last round gets the same answer, so it is not suppressed again
    last_forced: dict = {}
    while True:
        group_supp = suppress_table(group_n, [area_values, zg_values], T, forced=group_supp)
        grown = set(group_supp)
        new_linked = {qid: set(v) for qid, v in linked.items()}
        for key, t in tables.items():
            qid = t["question"]
            forced = {(a, z, c) for (a, z) in group_supp for c in t["cats"] + [ALL]}
            if qid in cond:
                forced |= {(a, z, ALL) for (a, z) in linked[qid]}
            for other_q, cat in holds.get(key, ()):
                forced |= {(a, z, cat) for (a, z) in linked[other_q]}
            if last_forced.get(key) != forced:
                t["supp"] = suppress_table(t["cells"], [area_values, zg_values, t["cats"]], T, forced=forced)
                last_forced[key] = forced
            margins = {(a, z) for (a, z, c) in t["supp"] if c == ALL}
            if qid in cond:
                new_linked[qid] |= margins
            else:
                grown |= margins
            for other_q, cat in holds.get(key, ()):
                new_linked[other_q] |= {(a, z) for (a, z, c) in t["supp"] if c == cat}
        if grown == group_supp and new_linked == linked:
            return group_supp
        group_supp, linked = grown, new_linked


def condition_labels(rt: ResultTable) -> dict[int, tuple[str, str]]:
    """Conditional question id → (text of the earlier question, label of the option), in plain words."""
    options = {o.id: (q.text, o.label) for q in rt.questions for o in q.options}
    return {q.id: options[q.condition_option_id] for q in rt.questions if q.id in rt.conditions}


def _groups_in(rt: ResultTable, a, z):
    areas = rt.area_values if a == ALL else [a]
    zgs = rt.zg_values if z == ALL else [z]
    return [(x, y) for x in areas for y in zgs]


def asked_n(rt: ResultTable, q: Question, a=ALL, z=ALL):
    """Respondents in the view who were asked the question (None if hidden)."""
    n = rt.n(a, z)
    if n is None or q.id not in rt.conditions:
        return n
    if q.kind == "mehrfach":
        keys = [(q.id, o.id) for o in q.options] + ([(q.id, "sonstiges")] if q.allow_other else [])
        return rt.cell(keys[0], a, z, ALL) if keys else n
    return rt.cell(q.id, a, z, ALL)


def _stats(histograms: list[Counter]) -> dict | None:
    hist: Counter = Counter()
    for h in histograms:
        hist.update(h)
    n = sum(hist.values())
    if not n:
        return None
    values = sorted(hist)

    def nth(k):  # k-th smallest value, 0-based
        for v in values:
            if k < hist[v]:
                return v
            k -= hist[v]
        raise IndexError(k)

    median = nth(n // 2) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2
    return {"mean": math.fsum(v * c for v, c in hist.items()) / n, "median": median, "n": n}


def _text_order(text: str):
    # case-insensitive, ties by the text itself: the order gives no hint at submission order
    return (text.lower(), text)


TEXT_LIMIT = 200  # free texts listed per question and filter view (all of them are in the export)


def text_count(rt: ResultTable, q: Question, a=ALL, z=ALL) -> int:
    """Number of free texts of one question in one filter view (from the running counts)."""
    per_group = rt.text_n.get(q.id, {})
    return sum(per_group.get(g, 0) for g in _groups_in(rt, a, z))


def _in_group(col, value, values):
    if value == ALL:
        return true()
    if value == NONE:  # no value, or one the survey does not cover
        return or_(col.is_(None), col.not_in([v for v in values if v != NONE]))
    return col == value


def texts_of(rt: ResultTable, q: Question, a=ALL, z=ALL, limit: int = TEXT_LIMIT) -> list[str]:
    """At most `limit` free texts of one question in one filter view, in alphabetical order: those
    with the smallest answer ids. Answer ids are random, so this is a fixed random choice that gives
    no hint at submission order. One query reading at most `limit` rows, whatever the number of
    responses (partial index ix_survey_answer_texts); kept with the cached tables."""
    key = (q.id, a, z, limit)
    if key not in rt.text_cache:
        R, A = SurveyResponse, SurveyAnswer
        stmt = (
            select(A.text_value)
            .join(R, R.id == A.response_id)
            .where(
                A.question_id == q.id,
                R.survey_id == rt.survey.id,
                _nonempty(A.text_value),
                _in_group(R.area_id, a, rt.area_values),
                _in_group(R.zielgruppe_id, z, rt.zg_values),
            )
            .order_by(A.id)
            .limit(limit)
        )
        if q.id in rt.conditions:
            stmt = stmt.join(Question, Question.id == A.question_id).where(_asked(A))
        rt.text_cache[key] = sorted(db.session.scalars(stmt), key=_text_order)
    return rt.text_cache[key]


def number_histogram(rt: ResultTable, q: Question, a=ALL, z=ALL) -> Counter:
    """Value → number of answers of a Zahl question in one filter view. Counted afresh (recount): summed
    from the tables in `rt.numbers`; otherwise summed in SQL from the stored counts, for all Zahl questions
    of the view in one statement (a row per question and distinct value, however many groups and responses;
    raw Sozialraum/Zielgruppe 0 = none, mapped as `_valid` maps them)."""
    if rt.numbers is not None:
        hist: Counter = Counter()
        for g in _groups_in(rt, a, z):
            hist.update(rt.numbers.get(q.id, {}).get(g, Counter()))
        return hist
    if (a, z) not in rt.number_cache:
        c = SurveyCount
        found: dict = defaultdict(Counter)
        for qid, value, n in db.session.execute(
            select(c.question_id, c.value, func.sum(c.n))
            .where(
                c.survey_id == rt.survey.id,
                c.art == "z",
                c.n != 0,
                _in_group(c.area_id, a, rt.area_values),
                _in_group(c.zielgruppe_id, z, rt.zg_values),
            )
            .group_by(c.question_id, c.value)
        ):
            if n:
                found[qid][float(value)] += int(n)
        rt.number_cache[(a, z)] = dict(found)
    return rt.number_cache[(a, z)].get(q.id, Counter())


def question_view(rt: ResultTable, q: Question, a=ALL, z=ALL, texts: bool = True, text_limit: int = TEXT_LIMIT) -> dict:
    """Rows for one question in one filter view; suppressed values are None. Percentages of a
    conditional question refer to the respondents who were asked it. texts=False leaves the free
    texts out (comparison tables do not show them)."""
    n = asked_n(rt, q, a, z)
    out = {
        "question": q,
        "n": n,
        "rows": [],
        "stats": None,
        "texts": None,
        "text_count": None,
        "suppressed": n is None,
        "conditional": q.id in rt.conditions,
    }
    if q.kind == "zahl":
        # read before anything is decided: the same statements whether the view is hidden or not
        histogram = number_histogram(rt, q, a, z)
    if n is None:
        return out
    if q.kind == "sozialraum":
        for v in rt.area_values:
            c = rt.n(v, z) if a == ALL else (n if v == a else 0)
            out["rows"].append(
                (rt.area_labels[v] if v != NONE else "keine Angabe", c, None if c is None or not n else 100.0 * c / n)
            )
    elif q.kind == "mehrfach":
        keys = [(q.id, o.id) for o in q.options] + ([(q.id, "sonstiges")] if q.allow_other else [])
        labels = [o.label for o in q.options] + (["Sonstiges"] if q.allow_other else [])
        for key, label in zip(keys, labels):
            c = rt.cell(key, a, z, "ja")
            out["rows"].append((label, c, None if c is None or not n else 100.0 * c / n))
    else:
        t = rt.tables[q.id]
        for cat in t["cats"]:
            c = rt.cell(q.id, a, z, cat)
            out["rows"].append((t["labels"][cat], c, None if c is None or not n else 100.0 * c / n))
        if q.kind == "zahl":
            answered = rt.cell(q.id, a, z, "beantwortet")
            if answered and answered >= rt.threshold:
                out["stats"] = _stats([histogram])
    if texts and q.id in rt.texts:
        answered = rt.cell(q.id, a, z, "beantwortet") if q.kind == "freitext" else n
        if answered is not None and n >= rt.threshold:
            out["texts"] = texts_of(rt, q, a, z, text_limit)
            out["text_count"] = text_count(rt, q, a, z)
    return out


def group_filter_ok(rt: ResultTable, a=ALL, z=ALL) -> bool:
    return rt.n(a, z) is not None


def exportable_groups(rt: ResultTable, a=ALL, z=ALL) -> set[tuple]:
    """Concrete (area, zielgruppe) groups whose raw rows may be exported in this filter."""
    if rt.n(a, z) is None:
        return set()
    return {g for g in _groups_in(rt, a, z) if g not in rt.group_supp and rt.group_n.get(g, 0) > 0}


def code_frequencies(rt: ResultTable, codes: list, a=ALL, z=ALL) -> list[tuple]:
    """Respondents with an answer coded (slot 1) with each code, counted in SQL per group.
    Same suppression as the answers: one table per code (coded / not coded) under the groups."""
    T = rt.threshold
    group = _valid(rt)
    coded: dict = defaultdict(lambda: defaultdict(int))
    R, A = SurveyResponse, SurveyAnswer
    for cid, ar, zg, n in db.session.execute(
        select(Coding.code_id, R.area_id, R.zielgruppe_id, func.count(distinct(R.id)))
        .join(A, A.id == Coding.answer_id)
        .join(R, R.id == A.response_id)
        .where(R.survey_id == rt.survey.id, Coding.slot == 1)
        .group_by(Coding.code_id, R.area_id, R.zielgruppe_id)
    ):
        coded[cid][group(ar, zg)] += n
    groups = [g for g in product(rt.area_values, rt.zg_values)]
    results = []
    for code in codes:
        raw = {}
        for g in groups:
            size = rt.group_n.get(g, 0)
            yes = coded[code.id].get(g, 0)
            raw[(*g, "ja")] = yes
            raw[(*g, "nein")] = size - yes
        cells = _margins(raw, 3)
        for key in product(rt.area_values + [ALL], rt.zg_values + [ALL], ["ja", "nein", ALL]):
            cells.setdefault(key, 0)
        forced = {(x, y, c) for (x, y) in rt.group_supp for c in ("ja", "nein", ALL)}
        supp = suppress_table(cells, [rt.area_values, rt.zg_values, ["ja", "nein"]], T, forced=forced)
        key = (a, z, "ja")
        results.append((code, None if key in supp else cells[key]))
    return results


EXPORT_BATCH = 1000


def export_rows(rt: ResultTable, a=ALL, z=ALL):
    """Headers and a generator of the raw answer rows of the exportable groups of this filter, one
    row per response, streamed from the database in batches (constant memory however many).
    The week is left out on purpose (together with small groups it could identify)."""
    groups = exportable_groups(rt, a, z)
    questions = rt.questions
    opt_label = {o.id: o.label for q in questions for o in q.options}
    opt_pos = {o.id: o.position for q in questions for o in q.options}
    area_label = {ar.id: f"{ar.code} {ar.name}" for ar in rt.survey.areas}
    headers = ["Antwort-Nr.", "Sozialraum", "Zielgruppe", "Sprache", "Papier"] + [q.text for q in questions]
    group = _valid(rt)
    R, A = SurveyResponse, SurveyAnswer
    stmt = (
        select(
            R.id,
            R.area_id,
            R.zielgruppe_id,
            R.language,
            R.paper,
            A.question_id,
            A.option_id,
            A.text_value,
            A.number_value,
            A.area_value_id,
        )
        .outerjoin(A, A.response_id == R.id)
        .where(R.survey_id == rt.survey.id)
        .order_by(R.id)
        .execution_options(yield_per=EXPORT_BATCH)
    )

    def row(n, g, language, paper, parts):
        values = []
        for q in questions:
            p = [v for _, v in sorted(parts.get(q.id, ()), key=lambda x: x[0])]
            values.append(p[0] if len(p) == 1 and not isinstance(p[0], str) else " | ".join(str(x) for x in p))
        return [
            n,
            rt.area_labels.get(g[0]),
            rt.zg_labels.get(g[1]),
            SURVEY_LANGUAGES.get(language, ("",))[0],
            "ja" if paper else "nein",
        ] + values

    def rows():
        if not groups:
            return
        n, current, parts = 0, None, {}
        for rid, ar, zg, language, paper, qid, oid, text, number, area_value in db.session.execute(stmt):
            if current is None or rid != current[0]:
                if current is not None and current[1] in groups:
                    n += 1
                    yield row(n, current[1], current[2], current[3], parts)
                current, parts = (rid, group(ar, zg), language, paper), {}
            if qid is None:
                continue  # a response without answers
            # options in their order, then "Sonstiges" and other values
            if oid:
                parts.setdefault(qid, []).append(((0, opt_pos.get(oid, 0)), opt_label.get(oid, "")))
            elif text:
                parts.setdefault(qid, []).append(((1, 0), text))
            elif number is not None:
                parts.setdefault(qid, []).append(((2, 0), number))
            elif area_value:
                parts.setdefault(qid, []).append(((3, 0), area_label.get(area_value, "")))
        if current is not None and current[1] in groups:
            yield row(n + 1, current[1], current[2], current[3], parts)

    return headers, rows()


def parse_filter(rt: ResultTable, raw_area, raw_zg):
    def one(raw, values):
        if raw in (None, "", ALL):
            return ALL
        if raw == NONE:
            return NONE
        if str(raw).isdigit() and int(raw) in values:
            return int(raw)
        return None

    return one(raw_area, rt.area_values), one(raw_zg, rt.zg_values)


def chart_rows(view: dict) -> list[tuple]:
    """(label, width percent or None, display) for server-rendered SVG bars."""
    return [(label, pct, count) for label, count, pct in view["rows"]]
