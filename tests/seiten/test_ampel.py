"""Stored Ampel (issue 14): the light stored on each indicator and measurement equals the rule in
services/kontrakte/kennzahlen.evaluate – for every case, whoever writes, and after the back-fill of migration seiten_01."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.services.kontrakte import ziele as svc
from beteiligung.services.kontrakte.kennzahlen import evaluate
from models.contracts import Contract, ContractKind, Indicator, Measurement
from tests.support.migrationen import insert
from views.kontrakte.ziele import INDICATORS_PER_PAGE


def _assert_stored_equals_rule(indicators):
    db.session.expire_all()
    for ind in indicators:
        ind = db.session.get(Indicator, ind.id)
        ev = evaluate(ind)
        assert ind.light == ev.light, (ind.name, ind.light, ev.light)
        ordered = sorted(ind.measurements, key=lambda m: m.period_end)
        assert [m.light for m in ordered] == [r.light for r in ev.rows], ind.name


def _random_indicator(rng, body, contract, n):
    ind = Indicator(
        body=body,
        contract=contract,
        name=f"Zufall {n}",
        baseline_value=Decimal(rng.randint(0, 400)),
        baseline_date=date(2023, 12, 31),
        target_mode=rng.choice(["absolut", "relativ"]),
        target_input=Decimal(rng.randint(-50, 300)),
        target_date=date(2023, 12, 31) + timedelta(days=rng.randint(200, 1500)),
        direction=rng.choice(["hoeher", "niedriger"]),
        green_limit=Decimal(rng.choice([0, 2, 5, 10])),
        yellow_limit=Decimal(rng.choice([10, 15, 25])),
    )
    db.session.add(ind)
    days = rng.sample(range(30, 1400), rng.randint(0, 5))
    for d in days:
        db.session.add(
            Measurement(
                indicator=ind, period_end=date(2023, 12, 31) + timedelta(days=d), value=Decimal(rng.randint(0, 500))
            )
        )
    return ind


@pytest.fixture
def contract(world):
    kind = db.session.scalar(select(ContractKind).where(ContractKind.name == "Zielvereinbarung"))
    c = Contract(body=world.kreis, kind=kind, status="laufend", title="Ampel-Kontrakt")
    db.session.add(c)
    db.session.commit()
    return c


def test_stored_light_equals_rule_for_random_indicators(world, contract):
    rng = random.Random(14)
    indicators = [_random_indicator(rng, world.kreis, contract, n) for n in range(120)]
    db.session.commit()
    _assert_stored_equals_rule(indicators)
    lights = {db.session.get(Indicator, i.id).light for i in indicators}
    assert lights == {"gruen", "gelb", "rot", "keine"}  # every case occurs
    # the forecast rule: on track today but the forecast misses the target → gelb with a note
    assert any(evaluate(db.session.get(Indicator, i.id)).light_note for i in indicators)
    # changes of every kind: more values, changed values, removed values, changed targets and limits
    for ind in indicators[:60]:
        ind = db.session.get(Indicator, ind.id)
        if ind.measurements and rng.random() < 0.5:
            db.session.delete(rng.choice(ind.measurements))
        elif ind.measurements:
            rng.choice(ind.measurements).value = Decimal(rng.randint(0, 500))
        ind.target_input = Decimal(rng.randint(-50, 300))
        ind.green_limit = Decimal(rng.choice([0, 5, 20]))
    db.session.commit()
    _assert_stored_equals_rule(indicators)


def test_services_keep_the_light(world, contract):
    values = {
        "contract_id": contract.id,
        "name": "Beratungen",
        "baseline_value": Decimal(100),
        "baseline_date": date(2023, 12, 31),
        "target_mode": "absolut",
        "target_input": Decimal(200),
        "target_date": date(2025, 12, 31),
        "direction": "hoeher",
        "periodicity": "jährlich",
        "green_limit": Decimal(5),
        "yellow_limit": Decimal(10),
    }
    ind = svc.save_indicator(world.planner_k, None, dict(values))
    db.session.commit()
    assert db.session.get(Indicator, ind.id).light == "keine"
    version = ind.version
    svc.add_measurement(world.planner_k, ind, date(2024, 12, 31), "100")  # Soll ≈ 150: rot
    db.session.commit()
    db.session.expire_all()
    ind = db.session.get(Indicator, ind.id)
    assert ind.light == "rot" and ind.measurements[0].light == "rot"
    assert ind.version == version  # the derived light is no edit: no version conflict for open forms
    svc.add_measurement(world.planner_k, ind, date(2025, 6, 30), "180")
    db.session.commit()
    _assert_stored_equals_rule([ind])
    svc.save_indicator(
        world.planner_k, ind, {**values, "target_input": Decimal(120)}, ind.version
    )  # now well above Soll
    db.session.commit()
    _assert_stored_equals_rule([ind])
    assert db.session.get(Indicator, ind.id).light == "gruen"


def test_overview_reads_the_stored_light(client, world, contract):
    rng = random.Random(7)
    indicators = [_random_indicator(rng, world.kreis, contract, n) for n in range(30)]
    db.session.commit()
    client.login(world.planner_k.email)
    html = client.get("/kontrakte/kennzahlen/").get_data(as_text=True)
    counts = {
        k: sum(1 for i in indicators if evaluate(db.session.get(Indicator, i.id)).light == k) for k in ("rot", "gelb")
    }
    assert f"rot: {counts['rot']}" in html and f"gelb: {counts['gelb']}" in html
    # all pages of the filtered list (a page holds INDICATORS_PER_PAGE rows)
    red = "".join(
        client.get(f"/kontrakte/kennzahlen/?ampel=rot&seite={p}").get_data(as_text=True)
        for p in range(1, counts["rot"] // INDICATORS_PER_PAGE + 2)
    )
    for i in indicators:
        name = f"Zufall {indicators.index(i)}<"
        assert (name in red) == (evaluate(db.session.get(Indicator, i.id)).light == "rot")


# --- back-fill of migration seiten_01 -----------------------------------------------------------


def test_migration_back_fills_the_lights(migration_roundtrip):
    with migration_roundtrip(before="werkstatt_02", after="seiten_01") as m:
        cases = {  # (values, expected light): 100 → 200 over two years, Soll at 31.12.2024 ≈ 150
            "rot": ([("2024-12-31", 100)], "rot"),
            "gruen": ([("2024-12-31", 150), ("2025-06-30", 180)], "gruen"),
            "leer": ([], "keine"),
        }
        ids = {}
        with m.begin() as conn:
            body = insert(conn, "body", name="Kreis Alt", kind="Kreis", code="09001")
            for name, (values, _light) in cases.items():
                ids[name] = insert(
                    conn,
                    "indicator",
                    body_id=body,
                    name=name,
                    baseline_value=100,
                    baseline_date=date(2023, 12, 31),
                    target_mode="absolut",
                    target_input=200,
                    target_date=date(2025, 12, 31),
                    direction="hoeher",
                    periodicity="jährlich",
                    sensitive=False,
                    green_limit=5,
                    yellow_limit=10,
                )
                for day, value in values:
                    insert(conn, "measurement", indicator_id=ids[name], period_end=date.fromisoformat(day), value=value)
        m.upgrade()
        with m.connect() as conn:
            stored = dict(conn.execute(sa.text("SELECT name, light FROM indicator")).all())
            per_value = conn.execute(sa.text("SELECT light FROM measurement ORDER BY period_end")).scalars().all()
        assert stored == {name: light for name, (_v, light) in cases.items()}
        assert None not in per_value and "rot" in per_value
        m.downgrade()
        m.upgrade()


def test_scaled_demo_has_the_stored_lights(app, db, demo_data):
    """`flask demo skalieren` inserts with Core (past the ORM hook) and then stores the lights itself (grown
    here only where the lights are: contracts with their indicators and measurements)."""
    result = app.test_cli_runner().invoke(
        args=["demo", "skalieren", "--faktor", "0.3", "--seed", "3", "--nur", "kontrakte"]
    )
    assert result.exit_code == 0, result.output
    indicators = db.session.scalars(select(Indicator)).all()
    assert len(indicators) > 10
    _assert_stored_equals_rule(indicators)
    assert {i.light for i in indicators} - {"keine"}
