"""50 participants submit at the same time (threads, separate test clients): nothing is lost."""

from __future__ import annotations

import re
import threading
import time

from sqlalchemy import func, select

from beteiligung.extensions import db
from models.surveys import SurveyAnswer, SurveyResponse

from .conftest import make_survey

THREADS = 50
PER_THREAD = 3


def test_fifty_simultaneous_participants_lose_nothing(app, world):
    survey, qs = make_survey(world, languages=("de",))
    key, area_q, yes_q, text_q = survey.public_key, qs["area"].id, qs["yes"], qs["text"].id
    yes_option = yes_q.options[0].id
    yes_qid = yes_q.id
    area_id = world.area_a1.id
    db.session.close()
    errors, statuses = [], []
    barrier = threading.Barrier(THREADS)

    def participant(n):
        try:
            client = app.test_client()
            barrier.wait(timeout=30)
            for i in range(PER_THREAD):
                page = client.get(f"/b/{key}/de/1").get_data(as_text=True)
                sk = re.search(r'name="sk" value="([^"]+)"', page).group(1)
                csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
                data = {
                    "csrf_token": csrf,
                    "sk": sk,
                    "aktion": "absenden",
                    f"q{area_q}": str(area_id),
                    f"q{yes_qid}": str(yes_option),
                    f"q{text_q}": f"Antwort {n}-{i}",
                }
                r = client.post(f"/b/{key}/de/1", data=data)
                statuses.append(r.status_code)
                if i == 0:  # a double click: the same form again
                    statuses.append(client.post(f"/b/{key}/de/1", data=data).status_code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    started = time.monotonic()
    threads = [threading.Thread(target=participant, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert time.monotonic() - started < 60
    assert statuses.count(302) == THREADS * (PER_THREAD + 1), sorted(set(statuses))
    db.session.close()
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == THREADS * PER_THREAD
    texts = set(db.session.scalars(select(SurveyAnswer.text_value).where(SurveyAnswer.question_id == text_q)))
    assert texts == {f"Antwort {n}-{i}" for n in range(THREADS) for i in range(PER_THREAD)}
