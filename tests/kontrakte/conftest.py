"""Fixtures for the Kontrakte tests: a running contract of the Kreis Testhausen with partner_a's org, made
through the contract services by the Kreis planner (tests/support/__init__.py, "Testdaten")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from beteiligung.extensions import db
from beteiligung.services.kontrakte import berichte, parteien, vertraege, ziele
from models.contracts import ContractKind
from tests.support.world import acting_planner

# status → the transitions the planner goes through from Entwurf (models.contracts.CONTRACT_TRANSITIONS)
_STATUS_PATH = {
    "Entwurf": [],
    "in Verhandlung": ["in Verhandlung"],
    "unterzeichnet": ["in Verhandlung", "unterzeichnet"],
    "laufend": ["in Verhandlung", "unterzeichnet", "laufend"],
    "gekündigt": ["in Verhandlung", "unterzeichnet", "gekündigt"],
    "ausgelaufen": ["in Verhandlung", "unterzeichnet", "laufend", "ausgelaufen"],
}


def advance(w, contract, status):
    """Take a draft through the planner's status changes up to `status`."""
    for step in _STATUS_PATH[status]:
        vertraege.change_status(acting_planner(contract.body), contract, step, contract.version)


def make_contract(
    w,
    *,
    status="laufend",
    body=None,
    org=None,
    title="Zielvereinbarung Seniorenberatung",
    start=date(2024, 1, 1),
    end=date(2025, 12, 31),
    committee=None,
    goals=(),
    budget=(),
    **fields,
):
    """A contract as the body's planner makes it: draft (extra contract `fields`, e.g. product_number) with a
    signed party, an indicator, a yearly report duty and `budget` lines ((kind, year, amount text), …), then
    taken through the states up to `status` (the signed version and the reports appear on signing)."""
    body = body or w.kreis
    user = acting_planner(body)
    kind = db.session.query(ContractKind).filter_by(name="Zielvereinbarung").one()
    c = vertraege.create_contract(
        user,
        {
            "body_id": body.id,
            "kind_id": kind.id,
            "title": title,
            "start_date": start,
            "end_date": end,
            "clause_goal": "Ziel A\nZiel B",
            "committee_id": committee.id if committee else None,
            "goals": list(goals),
            **fields,
        },
    )
    party = parteien.add_party(
        user,
        c,
        organisation_id=(org or w.org_a).id,
        role="Auftragnehmer",
        signatory="Anke Arndt",
        signed_on=date(2023, 12, 1),
    )
    ind = ziele.save_indicator(
        user,
        None,
        {
            "contract_id": c.id,
            "name": "Beratene Senior·innen",
            "unit": "Personen",
            "baseline_value": Decimal("100"),
            "baseline_date": date(2023, 12, 31),
            "target_mode": "absolut",
            "target_input": Decimal("200"),
            "target_date": date(2025, 12, 31),
            "direction": "hoeher",
            "periodicity": "jährlich",
            "plausible_min": Decimal("0"),
            "plausible_max": Decimal("10000"),
        },
    )
    duty = berichte.add_duty(user, c, party.id, "Jahresbericht", "jährlich", 60)
    lines = [parteien.add_budget_line(user, c, kind, year, amount) for kind, year, amount in budget]
    advance(w, c, status)
    db.session.commit()
    return SimpleNamespace(
        contract=c,
        party=party,
        indicator=ind,
        duty=duty,
        reports=sorted(duty.reports, key=lambda r: r.period_start),
        budget_lines=lines,
    )


@pytest.fixture
def kw(world, database_url):
    from beteiligung.extensions import db as _sdb
    from tests.support.snapshot import snapshot_fixture

    return snapshot_fixture(_sdb, database_url, "kw", lambda: _build_kw(world))


def _build_kw(world):
    from tests.support.sitzungen import committee as make_committee

    committee = make_committee(world.kreis, "Steuerungsgruppe", "Zielvereinbarungsgespräche")
    goal = ziele.save_goal(
        world.planner_k,
        None,
        {
            "body_id": world.kreis.id,
            "title": "Senior·innen bleiben selbstständig",
            "level": "Leitziel",
            "field": "Wirkung",
            "status": "Entwurf",
        },
    )
    k = make_contract(world, committee=committee, goals=[goal])
    k.goal = goal
    k.committee = committee
    k.w = world
    # a contract of the other partner (org_b) and one of the foreign Kreis
    k.other = make_contract(world, org=world.org_b, title="Kooperation Jobcenter")
    k.foreign = make_contract(world, body=world.fremdkreis, org=world.org_x, title="Fremder Vertrag")
    return k


def login_as(client, email):
    """Switch the logged-in user inside one test.

    The test app context (and so flask.g with flask-login's cached user and the
    per-request permission scope) is shared by all requests of a test; clear it.
    """
    from flask import g

    # (client.logout() posts without a body, so the CSRF token is not added; send it here.)
    client.post("/abmelden", data={})
    client._csrf = None
    for key in list(vars(g)):
        delattr(g, key)
    client.login(email)
