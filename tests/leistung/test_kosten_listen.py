"""The rows/bytes guard (assert_constant_page) for the last three pages over 1.5 × (issue 14):
Nachhalten, the contract list and the survey results. Each test fills the page beyond one page first and
then grows exactly what used to make the page read more rows: committees (the committee filter listed
all of them), contracts the user is a party of (their ids were read into the statement), the groups and
number values of a survey (every group's number histogram was read)."""

from __future__ import annotations

import re
import secrets
from datetime import date

from sqlalchemy import func, select

from models.contracts import ContractParty
from models.protocols import ProtocolEntry
from models.surveys import SurveyAnswer, SurveyResponse
from tests.support.queries import assert_constant_page

from .test_kosten import TOLERANCE, grower


def _rows_shown(html: str) -> int:
    body = html.split('<tbody class="kern-table__body">', 1)[1].split("</tbody>", 1)[0]
    return body.count('<tr class="kern-table__row">')


def test_followup_rows_and_bytes_stay_constant(app, db, world, client):
    """Ten times the committees, meetings and protocol entries: Nachhalten reads the same rows (a page of
    open items and a committee picker instead of a <select> with every committee the user may see)."""
    from models.committees import Committee, CommitteeType

    grow_all = grower(0.1, {"gremien"})  # about 35 open items: more than one page
    ctype = db.session.scalars(select(CommitteeType)).first()

    def add_committees(n):
        for i in range(n):
            db.session.add(Committee(body=world.kreis, type=ctype, name=f"Arbeitskreis {i:04d}"))
        db.session.commit()

    add_committees(30)

    def grow(factor):
        grow_all(factor)
        add_committees(30 * (factor - 1))

    client.login(world.planner_k.email)
    html = client.get("/protokolle/").get_data(as_text=True)
    assert _rows_shown(html) == 25  # a full page before growing
    assert 'data-auswahl-url="/auswahl/gremien?zweck=protokoll"' in html and 'name="gremium"' in html
    assert '<select class="kern-form-input__select" id="f-gremium"' not in html
    entries_before = db.session.scalar(select(func.count()).select_from(ProtocolEntry))
    cost, size = assert_constant_page(client, db.engine, "/protokolle/", grow, tolerance=TOLERANCE)
    assert db.session.scalar(select(func.count()).select_from(ProtocolEntry)) > 5 * entries_before
    assert cost.rows >= 25 and size > 1000


def test_contract_list_rows_and_bytes_stay_constant(app, db, world, client):
    """30 drafts of a Kommune with the Kreis as a party (visible to Kreis planning only as a party), then
    300: the list reads one page, not the ids of every contract the user is a party of."""
    from models.contracts import Contract, ContractKind

    kind = db.session.scalars(select(ContractKind).order_by(ContractKind.id)).first()
    made = []

    def add(n):
        for _ in range(n):
            i = len(made)
            c = Contract(
                body=world.kommune_a,
                kind=kind,
                status="Entwurf",
                title=f"Vereinbarung {i:04d}",
                start_date=date(2026, 1, 1),
                end_date=date(2030, 1, 1),
            )
            c.parties = [
                ContractParty(organisation=world.org_a, role="Auftragnehmer"),
                ContractParty(body=world.kreis, role="Auftraggeber"),
            ]
            db.session.add(c)
            made.append(c)
        db.session.commit()

    add(30)
    client.login(world.planner_k.email)
    html = client.get("/kontrakte/").get_data(as_text=True)
    assert _rows_shown(html) == 25 and "Vereinbarung 0029" in html
    cost, size = assert_constant_page(
        client, db.engine, "/kontrakte/", lambda factor: add(30 * (factor - 1)), tolerance=TOLERANCE
    )
    assert cost.rows >= 25 and size > 1000


def test_survey_results_read_no_histogram_per_group(app, db, world, client):
    """A Zahl question answered with 21 values, first all in one group, then ten times as many responses
    spread over every Sozialraum × Zielgruppe: the page sums the histogram of the view in SQL (one row per
    value), so it reads the same rows; before, every group's histogram was read (21 → 105 rows)."""
    from tests.befragungen.conftest import make_survey

    s, qs = make_survey(world)
    num, area_q = qs["num"], qs["area"]
    zgs = [z.id for z in s.zielgruppen] + [None]
    areas = [world.area_a1.id, world.area_a2.id]
    count = [0]

    def add(n, spread):
        for _ in range(n):
            i = count[0]
            count[0] += 1
            area = areas[(i // 21) % 2] if spread else areas[0]
            zg = zgs[(i // 42) % len(zgs)] if spread else zgs[0]
            r = SurveyResponse(
                survey_id=s.id, submission_key=secrets.token_hex(16), week="2026-W47", area_id=area, zielgruppe_id=zg
            )
            r.answers = [
                SurveyAnswer(question_id=area_q.id, area_value_id=area),
                SurveyAnswer(question_id=num.id, number_value=float(i % 21)),
            ]
            db.session.add(r)
        db.session.commit()

    add(21, spread=False)
    client.login("planung@ahlen.example")
    url = f"/befragungen/{s.id}/ergebnisse"
    assert client.get(url).status_code == 200
    cost, _size = assert_constant_page(
        client, db.engine, url, lambda factor: add(21 * (factor - 1), spread=True), tolerance=TOLERANCE
    )
    # the histogram of the default view: one row per value
    assert max(rows for rows, stmt in cost.top(20) if "survey_count.value" in stmt) == 21
    html = client.get(url).get_data(as_text=True)
    assert re.search(r"Mittelwert 10 · Median 10", html), "mean and median of 0..20, ten times over"
