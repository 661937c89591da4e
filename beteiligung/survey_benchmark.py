"""Benchmark of survey results and answer exports on a large synthetic survey.

`flask --app beteiligung befragungen messen --antworten 50000` builds a survey with that many
responses in the current database (seeded, reproducible), measures the CPU time of the results
page's computation and the peak Python memory of the answer exports, prints a table and rolls
everything back: nothing is kept in the database. A benchmark, not a test.
"""

from __future__ import annotations

import random
import statistics
import time
import tracemalloc
from collections.abc import Callable

from sqlalchemy import insert, select

from beteiligung.extensions import db
from beteiligung.services.befragungen import zaehler
from models import Body, Zielgruppe
from models.masterdata import Area
from models.surveys import Question, QuestionOption, Survey, SurveyAnswer, SurveyResponse, random_id

WORDS = [
    "mehr Bänke am Platz",
    "ein Treffpunkt für Ältere",
    "bessere Busverbindung abends",
    "Spielplatz sanieren",
    "Beratung in der Nähe",
    "längere Öffnungszeiten",
    "sichere Radwege",
    "Hilfe beim Ausfüllen von Anträgen",
]


def build(n: int, seed: int = 14, body=None, areas=None, zgs=None) -> Survey:
    """A survey of one Kommune with n responses (flushed, not committed)."""
    rnd = random.Random(seed)
    body = body or db.session.scalars(select(Body).order_by(Body.id)).first()
    areas = areas or db.session.scalars(select(Area).order_by(Area.id).limit(6)).all()
    zgs = zgs or db.session.scalars(select(Zielgruppe).order_by(Zielgruppe.id).limit(3)).all()
    survey = Survey(
        body_id=body.id,
        public_key=f"bench{rnd.getrandbits(40):x}",
        title="Messung: große Befragung",
        status="geschlossen",
        languages=["de"],
        areas=list(areas),
        zielgruppen=list(zgs),
    )
    db.session.add(survey)
    db.session.flush()

    def question(pos, kind, text, options=(), **kw):
        q = Question(survey_id=survey.id, position=pos, kind=kind, text=text, **kw)
        q.options = [QuestionOption(position=i, label=label) for i, label in enumerate(options)]
        db.session.add(q)
        return q

    q_area = question(0, "sozialraum", "In welchem Sozialraum wohnen Sie?")
    q_group = question(1, "einfach", "Wer lebt in Ihrem Haushalt?", [z.name for z in zgs] + ["Andere"])
    q_yes = question(2, "janein", "Nutzen Sie den Treffpunkt?", ["Ja", "Nein"])
    db.session.flush()
    for o, z in zip(q_group.options, zgs):
        o.zielgruppe_id = z.id
    q_scale = question(
        3, "skala", "Wie zufrieden sind Sie?", [str(i) for i in range(1, 6)], condition_option_id=q_yes.options[0].id
    )
    q_multi = question(4, "mehrfach", "Was fehlt?", ["Spielplatz", "Bank", "Arzt", "Bus"], allow_other=True)
    q_num = question(5, "zahl", "Wie viele Personen?", min_value=1, max_value=12)
    q_text = question(6, "freitext", "Was wünschen Sie sich?")
    db.session.flush()

    responses, answers = [], []

    def flush():
        if responses:
            db.session.execute(insert(SurveyResponse), responses)
            db.session.execute(insert(SurveyAnswer), answers)
        responses.clear()
        answers.clear()

    for i in range(n):
        rid = random_id()
        area = rnd.choice(areas) if rnd.random() > 0.03 else None
        gi = rnd.randrange(len(q_group.options)) if rnd.random() > 0.1 else None
        zg = zgs[gi].id if gi is not None and gi < len(zgs) else None
        responses.append(
            dict(
                id=rid,
                survey_id=survey.id,
                submission_key=f"b{seed}-{i}",
                week="2026-W47",
                language="de",
                area_id=area.id if area else None,
                zielgruppe_id=zg,
                paper=rnd.random() < 0.1,
            )
        )

        def ans(q, rid=rid, **kw):
            answers.append(dict(id=random_id(), response_id=rid, question_id=q.id, **kw))

        if area:
            ans(q_area, area_value_id=area.id)
        if gi is not None:
            ans(q_group, option_id=q_group.options[gi].id)
        yes = rnd.random() < 0.6
        if rnd.random() < 0.95:
            ans(q_yes, option_id=q_yes.options[0 if yes else 1].id)
            if yes and rnd.random() < 0.9:
                ans(q_scale, option_id=rnd.choice(q_scale.options).id)
        for o in q_multi.options:
            if rnd.random() < 0.35:
                ans(q_multi, option_id=o.id)
        if rnd.random() < 0.05:
            ans(q_multi, text_value=rnd.choice(WORDS))
        if rnd.random() < 0.8:
            ans(q_num, number_value=float(rnd.randint(1, 8)))
        if rnd.random() < 0.3:
            ans(q_text, text_value=f"{rnd.choice(WORDS)} ({rnd.randint(1, 999)})")
        if len(responses) >= 2000:
            flush()
    flush()
    # bulk insert without the ORM: the running counts of the results are counted once at the end
    zaehler.nachzaehlen(db.session.connection(), survey.id)
    db.session.expire(survey)
    return survey


def cpu_ms(fn: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """Median CPU and wall time in ms of fn() over `repeat` runs (after one warm-up run)."""
    fn()
    cpu, wall = [], []
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def peak_mb(fn: Callable[[], object]) -> float:
    """Peak Python heap (tracemalloc) of fn() in MB."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
