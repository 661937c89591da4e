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
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import product

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from beteiligung.extensions import db
from beteiligung.services.befragungen.befragung import threshold_of
from models.surveys import Question, Survey, SurveyAnswer, SurveyResponse

ALL = "*"
NONE = "none"  # "ohne Angabe"


def suppress_table(
    cells: dict[tuple, int], dim_values: list[list], threshold: int, forced: set[tuple] | None = None
) -> set[tuple]:
    """Suppression over a full table with margins. cells: key tuple (values or ALL) → count.
    Returns the set of suppressed keys. Pure function (tested directly)."""
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
            # total unknown: only derivable if no inner cell is hidden
            return cells.get(total, 0) > 0 and not any(k in S for k in inner)
        mass = sum(cells.get(k, 0) for k in hidden_nz)
        return len(hidden_nz) == 1 or 0 < mass < threshold

    while True:
        needing = [(inner, total) for inner, total in lines if needs(inner, total)]
        if not needing:
            break
        score: dict = defaultdict(int)
        for inner, total in needing:
            for k in inner:
                if k not in S and cells.get(k, 0) > 0:
                    score[k] += 1
        if score:
            # the cell that repairs most lines at once, then the smallest
            pick = min(score, key=lambda k: (-score[k], cells.get(k, 0), str(k)))
        else:
            inner, total = needing[0]
            pick = total if total not in S else None
            if pick is None:
                break
        S.add(pick)
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
    # question id → {(a, z): [values]} for numbers; texts
    numbers: dict = field(default_factory=dict)
    texts: dict = field(default_factory=dict)
    questions: list = field(default_factory=list)

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
    out: dict[tuple, int] = defaultdict(int)
    for key, v in raw.items():
        for mask in product((False, True), repeat=ndim):
            out[tuple(ALL if m else k for k, m in zip(key, mask))] += v
    return out


def compute(survey: Survey) -> ResultTable:
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
    responses = db.session.execute(
        select(SurveyResponse.id, SurveyResponse.area_id, SurveyResponse.zielgruppe_id).where(
            SurveyResponse.survey_id == survey.id
        )
    ).all()
    valid_a, valid_z = set(area_values), set(zg_values)
    group_of = {}
    for rid, a, z in responses:
        a = _key(a) if _key(a) in valid_a else NONE
        z = _key(z) if _key(z) in valid_z else NONE
        group_of[rid] = (a, z)
    answers = db.session.execute(
        select(
            SurveyAnswer.response_id,
            SurveyAnswer.question_id,
            SurveyAnswer.option_id,
            SurveyAnswer.text_value,
            SurveyAnswer.number_value,
            SurveyAnswer.area_value_id,
        )
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id)
    ).all()
    by_q = defaultdict(lambda: defaultdict(list))
    for rid, qid, oid, text, number, area in answers:
        by_q[qid][rid].append((oid, text, number, area))

    raw_groups = defaultdict(int)
    for g in group_of.values():
        raw_groups[g] += 1
    rt.group_n = _margins(raw_groups, 2)
    for a, z in product(area_values + [ALL], zg_values + [ALL]):
        rt.group_n.setdefault((a, z), 0)

    # table definitions: key → (cats, labels, per-response category function)
    defs = {}
    for q in questions:
        ans = by_q.get(q.id, {})
        if q.kind == "sozialraum":
            continue  # the Sozialraum answer IS the area dimension: shown from the group table
        if q.kind in ("janein", "skala", "einfach"):
            cats = [o.id for o in q.options]
            labels = {o.id: o.label for o in q.options}
            pick = {rid: next((x[0] for x in lst if x[0]), None) for rid, lst in ans.items()}
            if q.allow_other:
                cats.append("sonstiges")
                labels["sonstiges"] = "Sonstiges"
                for rid, lst in ans.items():
                    if pick.get(rid) is None and any(x[1] for x in lst):
                        pick[rid] = "sonstiges"
            cats.append(NONE)
            labels[NONE] = "keine Angabe"
            defs[q.id] = (
                cats,
                labels,
                lambda rid, pick=pick, cats=cats: pick.get(rid) if pick.get(rid) in cats else NONE,
            )
        elif q.kind == "mehrfach":
            for o in q.options:
                chosen = {rid for rid, lst in ans.items() if any(x[0] == o.id for x in lst)}
                defs[(q.id, o.id)] = (
                    ["ja", "nein"],
                    {"ja": "gewählt", "nein": "nicht gewählt"},
                    lambda rid, chosen=chosen: "ja" if rid in chosen else "nein",
                )
            if q.allow_other:
                chosen = {rid for rid, lst in ans.items() if any(x[1] for x in lst)}
                defs[(q.id, "sonstiges")] = (
                    ["ja", "nein"],
                    {"ja": "gewählt", "nein": "nicht gewählt"},
                    lambda rid, chosen=chosen: "ja" if rid in chosen else "nein",
                )
        else:  # freitext, zahl: answered or not
            answered = {rid for rid, lst in ans.items() if any(x[1] or x[2] is not None for x in lst)}
            defs[q.id] = (
                ["beantwortet", NONE],
                {"beantwortet": "beantwortet", NONE: "keine Angabe"},
                lambda rid, answered=answered: "beantwortet" if rid in answered else NONE,
            )
            if q.kind == "zahl":
                nums = defaultdict(list)
                for rid, lst in ans.items():
                    for x in lst:
                        if x[2] is not None:
                            nums[group_of.get(rid)].append(x[2])
                rt.numbers[q.id] = nums
            else:
                texts = defaultdict(list)
                for rid, lst in ans.items():
                    for x in lst:
                        if x[1]:
                            texts[group_of.get(rid)].append(x[1])
                rt.texts[q.id] = texts
        if q.allow_other and q.kind in ("einfach", "mehrfach"):
            texts = defaultdict(list)
            for rid, lst in ans.items():
                for x in lst:
                    if x[1]:
                        texts[group_of.get(rid)].append(x[1])
            rt.texts[q.id] = texts

    tables = {}
    for key, (cats, labels, fn) in defs.items():
        raw = defaultdict(int)
        for rid, (a, z) in group_of.items():
            raw[(a, z, fn(rid))] += 1
        cells = _margins(raw, 3)
        for a, z, c in product(area_values + [ALL], zg_values + [ALL], cats + [ALL]):
            cells.setdefault((a, z, c), 0)
        tables[key] = {"cats": cats, "labels": labels, "cells": cells, "supp": set()}

    # joint fixpoint over the group table and all answer tables
    group_supp: set = set()
    while True:
        group_supp = suppress_table(rt.group_n, [area_values, zg_values], T, forced=group_supp)
        grown = set(group_supp)
        for t in tables.values():
            forced = {(a, z, c) for (a, z) in group_supp for c in t["cats"] + [ALL]}
            t["supp"] = suppress_table(t["cells"], [area_values, zg_values, t["cats"]], T, forced=forced)
            grown |= {(a, z) for (a, z, c) in t["supp"] if c == ALL}
        if grown == group_supp:
            break
        group_supp = grown
    rt.group_supp = group_supp
    rt.tables = tables
    return rt


def _groups_in(rt: ResultTable, a, z):
    areas = rt.area_values if a == ALL else [a]
    zgs = rt.zg_values if z == ALL else [z]
    return [(x, y) for x in areas for y in zgs]


def question_view(rt: ResultTable, q: Question, a=ALL, z=ALL) -> dict:
    """Rows for one question in one filter view; suppressed values are None."""
    n = rt.n(a, z)
    out = {"question": q, "n": n, "rows": [], "stats": None, "texts": None, "suppressed": n is None}
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
        if q.kind in ("zahl", "freitext"):
            answered = rt.cell(q.id, a, z, "beantwortet")
            if q.kind == "zahl" and answered and answered >= rt.threshold:
                vals = [v for g in _groups_in(rt, a, z) for v in rt.numbers.get(q.id, {}).get(g, [])]
                if vals:
                    out["stats"] = {"mean": statistics.fmean(vals), "median": statistics.median(vals), "n": len(vals)}
    if q.id in rt.texts and (q.kind == "freitext" or q.allow_other):
        answered = rt.cell(q.id, a, z, "beantwortet") if q.kind == "freitext" else n
        if answered is not None and n >= rt.threshold:
            texts = [t for g in _groups_in(rt, a, z) for t in rt.texts[q.id].get(g, [])]
            out["texts"] = sorted(texts, key=str.lower)  # sorted: no hint at submission order
    return out


def group_filter_ok(rt: ResultTable, a=ALL, z=ALL) -> bool:
    return rt.n(a, z) is not None


def exportable_groups(rt: ResultTable, a=ALL, z=ALL) -> set[tuple]:
    """Concrete (area, zielgruppe) groups whose raw rows may be exported in this filter."""
    if rt.n(a, z) is None:
        return set()
    return {g for g in _groups_in(rt, a, z) if g not in rt.group_supp and rt.group_n.get(g, 0) > 0}


def code_frequencies(rt: ResultTable, code_sets: dict[int, set[int]], codes: list, a=ALL, z=ALL) -> list[tuple]:
    """code_sets: code id → set of response ids coded (slot 1). Same suppression as answers."""
    T = rt.threshold
    results = []
    groups = _response_groups(rt)
    for code in codes:
        raw = defaultdict(int)
        for rid, g in groups.items():
            raw[(g[0], g[1], "ja" if rid in code_sets.get(code.id, set()) else "nein")] += 1
        cells = _margins(raw, 3)
        for key in product(rt.area_values + [ALL], rt.zg_values + [ALL], ["ja", "nein", ALL]):
            cells.setdefault(key, 0)
        forced = {(x, y, c) for (x, y) in rt.group_supp for c in ("ja", "nein", ALL)}
        supp = suppress_table(cells, [rt.area_values, rt.zg_values, ["ja", "nein"]], T, forced=forced)
        key = (a, z, "ja")
        results.append((code, None if key in supp else cells[key]))
    return results


def _response_groups(rt: ResultTable) -> dict[int, tuple]:
    valid_a, valid_z = set(rt.area_values), set(rt.zg_values)
    out = {}
    for rid, a, z in db.session.execute(
        select(SurveyResponse.id, SurveyResponse.area_id, SurveyResponse.zielgruppe_id).where(
            SurveyResponse.survey_id == rt.survey.id
        )
    ).all():
        out[rid] = (_key(a) if _key(a) in valid_a else NONE, _key(z) if _key(z) in valid_z else NONE)
    return out


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
