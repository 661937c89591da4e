"""The demo tells the whole chain: Südstadt finding → SRK Empfehlung → SPK Beschluss → AWO measure (40 %)
→ Familienhebammen contract → indicator → the AWO's reports; every link visible from both ends."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from beteiligung.services.planung import kette
from models import TopicProposal, User
from models.planung import Measure
from models.surveys import Finding


def login_as(client, email):
    from flask import g

    from beteiligung.demo import DEMO_PASSWORD

    client.post("/abmelden", data={})
    client._csrf = None
    for key in list(vars(g)):
        delattr(g, key)
    client.login(email, DEMO_PASSWORD)


@pytest.fixture
def demo(demo_data):
    """The demo Kreis (tests/conftest.py; `flask demo load` itself: tests/test_demo_cli.py)."""


def test_demo_chain_from_both_ends(demo, db, client):
    measure = db.session.scalar(select(Measure).where(Measure.title.like("Sprechstunde Frühe Hilfen%")))
    assert measure.progress == 40 and measure.organisation.short_name == "AWO"
    admin = db.session.scalar(select(User).where(User.email == "admin@lindenau.example"))
    c = kette.chain_for(admin, "massnahme", measure.id)
    finding = db.session.scalar(select(Finding).where(Finding.title.like("Familien in der Südstadt%")))
    assert finding in [n.obj for n in c.of_kind("befund")]
    assert {n.obj.kind for n in c.of_kind("eintrag")} >= {"Empfehlung", "Beschluss"}
    assert [n.obj.title for n in c.of_kind("kontrakt")] == ["Frühe Hilfen: Familienhebammen im Kreis Lindenau"]
    assert c.of_kind("kennzahl") and c.of_kind("bericht")
    # … and ends in the area's Sozialmonitoring: the measure's Südstadt areas in the published edition
    assert c.monitoring and all("Stichtag" in line for line in c.monitoring)
    assert any("Südstadt" in line and "Klasse „" in line for line in c.monitoring), c.monitoring
    # from the finding's end the measure is downstream
    down = kette.chain_for(admin, "befund", finding.id)
    assert measure in [n.obj for n in down.of_kind("massnahme")]
    # the planner sees where the SPK decision came from and what it led to, in one place
    login_as(client, "planung@kreis-lindenau.example")
    beschluss = next(n.obj for n in c.of_kind("eintrag") if n.obj.kind == "Beschluss")
    html = client.get(f"/planung/beschluesse/{beschluss.id}").get_data(as_text=True)
    assert "Sprechstunde Frühe Hilfen im Quartiersbüro Südstadt" in html and "40 %" in html
    html = client.get(f"/planung/kette/eintrag/{beschluss.id}").get_data(as_text=True)
    assert "Familien in der Südstadt finden schwer Zugang" in html
    assert "Frühe Hilfen: Familienhebammen im Kreis Lindenau" in html
    assert "Unterbringungen nach § 19 SGB VIII" in html
    assert c.monitoring[0] in html  # the chain's last step, the area's monitoring class
    html = client.get(f"/planung/massnahmen/{measure.id}").get_data(as_text=True)
    assert "Die Sozialplanungskonferenz beschließt" in html
    # the AWO partner sees its measure
    login_as(client, "partner@awo-lindenau.example")
    assert client.get(f"/planung/massnahmen/{measure.id}").status_code == 200


def test_demo_overdue_measure_goes_to_the_committees(demo, app, db):
    out = app.test_cli_runner().invoke(args=["planung", "abweichungen"]).output
    assert "Elterncafé Hohe Eiche" in out
    topics = db.session.scalars(select(TopicProposal).where(TopicProposal.source_type == "massnahme")).all()
    assert topics and all("/planung/kette/massnahme/" in t.description for t in topics)


def test_demo_consultation_and_process(demo, db, client):
    from models.planung import Consultation, PlanningProcess

    c = db.session.scalar(select(Consultation))
    assert c.title == "Entwurf Sozialbericht 2026" and len(c.statements) == 1
    p = db.session.scalar(select(PlanningProcess))
    login_as(client, "partner@awo-lindenau.example")
    html = client.get(f"/planung/stellungnahmen/{c.id}").get_data(as_text=True)
    assert "Ihre Stellungnahme" in html
    login_as(client, "planung@kreis-lindenau.example")
    html = client.get(f"/planung/vorhaben/{p.id}").get_data(as_text=True)
    assert "Sprechstunde Frühe Hilfen im Quartiersbüro Südstadt" in html and "V/2026/0815" in html
    assert client.get(f"/planung/controlling/vorhaben/{p.id}").status_code == 200
