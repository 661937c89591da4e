"""Fixtures for the Kontrakte tests: a running contract of the Kreis Testhausen with partner_a's org."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from beteiligung.extensions import db
from models import Committee, CommitteeType
from models.contracts import Contract, ContractKind, ContractParty, Indicator, ReportingDuty


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
):
    kind = db.session.query(ContractKind).filter_by(name="Zielvereinbarung").one()
    c = Contract(
        body=body or w.kreis,
        kind=kind,
        status=status,
        title=title,
        start_date=start,
        end_date=end,
        clause_goal="Ziel A\nZiel B",
        committee=committee,
    )
    db.session.add(c)
    party = ContractParty(
        contract=c,
        organisation=org or w.org_a,
        role="Auftragnehmer",
        signatory="Anke Arndt",
        signed_on=date(2023, 12, 1),
    )
    db.session.add(party)
    ind = Indicator(
        body=c.body,
        contract=c,
        name="Beratene Senior·innen",
        unit="Personen",
        baseline_value=Decimal("100"),
        baseline_date=date(2023, 12, 31),
        target_mode="absolut",
        target_input=Decimal("200"),
        target_date=date(2025, 12, 31),
        direction="hoeher",
        periodicity="jährlich",
        plausible_min=Decimal("0"),
        plausible_max=Decimal("10000"),
    )
    db.session.add(ind)
    duty = ReportingDuty(contract=c, party=party, title="Jahresbericht", periodicity="jährlich", due_days=60)
    db.session.add(duty)
    db.session.flush()
    if status in ("unterzeichnet", "laufend", "ausgelaufen", "gekündigt"):
        from beteiligung.services.kontrakte.berichte import generate_reports

        generate_reports(duty)
    db.session.commit()
    return SimpleNamespace(
        contract=c, party=party, indicator=ind, duty=duty, reports=sorted(duty.reports, key=lambda r: r.period_start)
    )


@pytest.fixture
def kw(world, database_url):
    from beteiligung.extensions import db as _sdb
    from tests.support.snapshot import snapshot_fixture

    return snapshot_fixture(_sdb, database_url, "kw", lambda: _build_kw(world))


def _build_kw(world):
    ctype = db.session.query(CommitteeType).filter_by(name="Steuerungsgruppe").one()
    committee = Committee(body=world.kreis, type=ctype, name="Zielvereinbarungsgespräche")
    db.session.add(committee)
    db.session.flush()
    k = make_contract(world, committee=committee)
    from models.contracts import Goal

    k.goal = Goal(
        body=world.kreis,
        title="Senior·innen bleiben selbstständig",
        level="Leitziel",
        field="Wirkung",
        status="Entwurf",
    )
    k.contract.goals = [k.goal]
    db.session.commit()
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
