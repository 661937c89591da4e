"""Contracts: status changes with permissions, versions, locking, amendments, budget, attachments."""

import re
from datetime import date
from decimal import Decimal

import pytest

from beteiligung.extensions import db
from beteiligung.services import Conflict, PermissionDenied, ValidationError
from beteiligung.services.kontrakte import anhaenge, parteien, versionen
from beteiligung.services.kontrakte import vertraege as svc
from models import AuditEntry
from models.contracts import Contract, ContractKind, ContractVersion
from tests.support.uow import refused

from .conftest import login_as, make_contract


def _new(client, w, **extra):
    kind = db.session.query(ContractKind).filter_by(name="Leistungsvereinbarung").one()
    data = {
        "title": "Leistungsvereinbarung Tagespflege",
        "kind_id": kind.id,
        "body_id": w.kreis.id,
        "start_date": "2025-01-01",
        "end_date": "2027-12-31",
        "clause_goal": "Erste Zeile\nZweite Zeile",
        "comment": "Entwurf der Verwaltung",
        "terms": [w.hf_pflege.id],
        "areas": [w.area_a1.id],
        **extra,
    }
    return client.post("/kontrakte/neu", data=data)


def test_planner_creates_contract_and_it_has_a_first_version(client, world):
    client.login(world.planner_k.email)
    r = _new(client, world)
    assert r.status_code == 302
    c = db.session.query(Contract).one()
    assert c.status == "Entwurf" and [t.name for t in c.terms] == ["Pflege"]
    assert [v.number for v in c.versions] == [1] and c.versions[0].author_id == world.planner_k.id


@pytest.mark.parametrize("email", ["partner@wohlfahrt.example", "politik@kreis.example", "srm@ahlen.example"])
def test_only_planners_create(client, world, email):
    client.login(email)
    assert client.get("/kontrakte/neu").status_code == 403
    assert _new(client, world).status_code == 403
    assert db.session.query(Contract).count() == 0


def test_foreign_planner_cannot_create_for_our_kreis(client, world):
    client.login(world.planner_x.email)
    assert _new(client, world).status_code == 422  # the Kreis Testhausen is no choice for them
    assert db.session.query(Contract).count() == 0


def test_bad_input_keeps_nothing(client, world):
    client.login(world.planner_k.email)
    r = _new(client, world, end_date="2024-01-01", title="")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Bitte ausfüllen." in html
    assert db.session.query(Contract).count() == 0
    r = _new(client, world, body_id=world.fremdkreis.id)  # not a choice for this planner
    assert r.status_code == 422 and db.session.query(Contract).count() == 0


def _status(client, c, to):
    db.session.refresh(c)
    return client.post(f"/kontrakte/{c.id}/status", data={"status": to, "version": c.version})


def test_full_status_cycle_with_permissions(client, world):
    k = make_contract(world, status="Entwurf")
    c = k.contract
    # partner, politics and the foreign planner may not change the status
    for email, code in (
        ("partner@wohlfahrt.example", 403),
        ("politik@kreis.example", 404),
        ("planung@fremd.example", 404),
        ("planung@ahlen.example", 404),
    ):
        login_as(client, email)
        assert _status(client, c, "in Verhandlung").status_code == code, email
    login_as(client, world.planner_k.email)
    assert _status(client, c, "unterzeichnet").status_code == 422  # Entwurf → unterzeichnet not allowed
    assert _status(client, c, "in Verhandlung").status_code == 303
    assert _status(client, c, "Entwurf").status_code == 303
    assert _status(client, c, "in Verhandlung").status_code == 303
    # unsigned party blocks signing
    k.party.signed_on = None
    db.session.commit()
    r = _status(client, c, "unterzeichnet")
    assert r.status_code == 422 and "Unterzeichnung durch Wohlfahrt Ahlen" in r.get_data(as_text=True)
    r = client.post(
        f"/kontrakte/{c.id}/parteien/{k.party.id}/unterzeichnen",
        data={"signatory": "Anke Arndt", "signed_on": "2024-12-01", "version": c.version},
    )
    assert r.status_code == 303
    assert _status(client, c, "unterzeichnet").status_code == 303
    db.session.refresh(c)
    assert c.status == "unterzeichnet" and c.signed_on == date(2024, 12, 1)
    assert len(k.duty.reports) == 2  # reports generated on signing (2024, 2025)
    assert _status(client, c, "in Verhandlung").status_code == 422
    assert _status(client, c, "laufend").status_code == 303
    assert _status(client, c, "ausgelaufen").status_code == 303
    assert _status(client, c, "laufend").status_code == 422
    db.session.refresh(c)
    assert c.status == "ausgelaufen"
    actions = [a.summary for a in db.session.query(AuditEntry).filter_by(entity_type="Contract", action="status")]
    assert len(actions) == 6


def test_termination(client, world):
    k = make_contract(world, status="laufend")
    client.login(world.planner_k.email)
    assert _status(client, k.contract, "gekündigt").status_code == 303
    db.session.refresh(k.contract)
    assert k.contract.terminated_on == date.today()


def test_stale_status_change_is_conflict(client, world):
    k = make_contract(world, status="Entwurf")
    client.login(world.planner_k.email)
    r = client.post(f"/kontrakte/{k.contract.id}/status", data={"status": "in Verhandlung", "version": 99})
    assert r.status_code == 409
    db.session.refresh(k.contract)
    assert k.contract.status == "Entwurf"


def _edit(client, c, **kw):
    db.session.refresh(c)
    data = {
        "title": c.title,
        "kind_id": c.kind_id,
        "body_id": c.body_id,
        "start_date": "2024-01-01",
        "end_date": "2025-12-31",
        "clause_goal": c.clause_goal,
        "version": c.version,
        "comment": "",
    }
    data.update(kw)
    return client.post(f"/kontrakte/{c.id}/bearbeiten", data=data)


def test_negotiation_versions_and_comparison(client, world):
    k = make_contract(world, status="in Verhandlung")
    c = k.contract
    client.login(world.planner_k.email)
    r = _edit(client, c, clause_goal="Ziel A\nZiel B geändert\nZiel C")
    assert r.status_code == 422 and "braucht jede Änderung einen Kommentar" in r.get_data(as_text=True)
    assert (
        _edit(client, c, clause_goal="Ziel A\nZiel B geändert\nZiel C", comment="Vorschlag des Trägers").status_code
        == 302
    )
    versions = db.session.query(ContractVersion).filter_by(contract_id=c.id).order_by(ContractVersion.number).all()
    assert [v.comment for v in versions] == ["Erster Entwurf", "Vorschlag des Trägers"]
    assert (
        _edit(client, c, clause_goal="Ziel A\nZiel C", comment="Gegenvorschlag", title="Neuer Titel").status_code == 302
    )
    _v0, v1, v2 = db.session.query(ContractVersion).filter_by(contract_id=c.id).order_by(ContractVersion.number).all()
    diff = {label: (lines, changed) for label, lines, changed in versionen.compare_versions(v1, v2)}
    lines, changed = diff["Zielvereinbarung"]
    assert changed
    assert [(l.tag, l.left, l.right) for l in lines] == [
        ("equal", "Ziel A", "Ziel A"),
        ("delete", "Ziel B geändert", ""),
        ("equal", "Ziel C", "Ziel C"),
    ]
    assert diff["Titel"][1] is True and diff["Leistungsvereinbarung"][1] is False
    page = client.get(f"/kontrakte/{c.id}/fassungen?a=2&b=3").get_data(as_text=True)
    assert "<del>Ziel B geändert</del>" in page and "Neuer Titel" in page
    # the partner (a party) can read the negotiation history, other partners cannot
    login_as(client, world.partner_a.email)
    assert client.get(f"/kontrakte/{c.id}/fassungen?a=2&b=3").status_code == 200
    login_as(client, world.partner_b.email)
    assert client.get(f"/kontrakte/{c.id}/fassungen?a=2&b=3").status_code == 404


def test_concurrent_edit_keeps_text(client, world):
    k = make_contract(world, status="Entwurf")
    c = k.contract
    client.login(world.planner_k.email)
    old_version = c.version
    assert _edit(client, c, clause_goal="erste Änderung").status_code == 302
    r = _edit(client, c, clause_goal="Mein wertvoller Text", version=old_version)
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "Mein wertvoller Text" in html and "Bearbeitungskonflikt" in html
    db.session.refresh(c)
    assert c.clause_goal == "erste Änderung"


def test_signed_contract_is_locked_and_amendment_is_a_version(client, world):
    k = make_contract(world, status="laufend")
    c = k.contract
    client.login(world.planner_k.email)
    # the action bar: the amendment link is a button of the same size as the status buttons beside it
    page = client.get(f"/kontrakte/{c.id}").get_data(as_text=True)
    bar = page[page.index('<div class="action-bar">') :]
    bar = bar[: bar.index("</div>")]
    buttons = re.findall(r'class="(kern-btn [^"]*)"', bar)
    assert len(buttons) >= 2 and all("kern-btn--x-small" in b for b in buttons), buttons
    assert "Nachtrag anlegen" in bar
    r = _edit(client, c, clause_goal="heimlich geändert")
    assert r.status_code == 409 and "unterzeichnet und damit gesperrt" in r.get_data(as_text=True)
    with refused(Conflict):
        svc.update_contract(world.planner_k, c, {"title": "x"}, c.version, "x")
    db.session.rollback()
    # budget and parties are locked as well
    r = client.post(f"/kontrakte/{c.id}/budget", data={"kind": "Personal", "year": 2025, "amount": "1.000,00"})
    assert r.status_code == 409
    db.session.refresh(c)
    assert c.clause_goal == "Ziel A\nZiel B" and not c.budget_lines
    # amendment without comment → 422
    data = {"title": c.title, "end_date": "2026-12-31", "clause_goal": "Ziel A\nZiel B\nZiel D", "version": c.version}
    assert client.post(f"/kontrakte/{c.id}/nachtrag", data=data).status_code == 422
    r = client.post(f"/kontrakte/{c.id}/nachtrag", data={**data, "comment": "Verlängerung um ein Jahr"})
    assert r.status_code == 302
    db.session.refresh(c)
    assert c.end_date == date(2026, 12, 31) and c.status == "laufend"
    assert [v.label for v in c.versions] == ["Fassung", "Unterzeichnet", "Nachtrag 1"]
    # partner may not amend
    login_as(client, world.partner_a.email)
    assert client.post(f"/kontrakte/{c.id}/nachtrag", data={**data, "comment": "x"}).status_code == 403


def test_budget_lines_and_totals(client, world):
    k = make_contract(world, status="Entwurf")
    c = k.contract
    client.login(world.planner_k.email)
    for kind, year, amount in (
        ("Personal", 2025, "1.234,50"),
        ("Personal", 2025, "1.000"),
        ("Sachmittel", 2026, "99,99"),
        ("Zuschuss", 2029, "10.000,00"),
    ):
        r = client.post(f"/kontrakte/{c.id}/budget", data={"kind": kind, "year": year, "amount": amount})
        assert r.status_code == 303, r.get_data(as_text=True)[:500]
    # bad inputs: text, too many cents, negative, more than five years
    for amount, year in (("zehn", 2025), ("1,234", 2025), ("-5", 2025), ("5", 2030)):
        r = client.post(f"/kontrakte/{c.id}/budget", data={"kind": "Personal", "year": year, "amount": amount})
        assert r.status_code == 422, amount
    db.session.refresh(c)
    totals = parteien.budget_totals(c.budget_lines)
    assert totals["years"] == [2025, 2026, 2029]
    assert totals["per_year"][2025] == Decimal("2234.50")
    assert totals["rows"]["Personal"][2025] == Decimal("2234.50")
    assert totals["total"] == Decimal("12334.49")
    html = client.get(f"/kontrakte/{c.id}").get_data(as_text=True)
    assert "2.234,50 €" in html and "12.334,49 €" in html


def test_attachments_upload_and_permission_checked_download(client, world, app):
    k = make_contract(world, status="laufend")
    c = k.contract
    client.login(world.planner_k.email)
    from io import BytesIO

    pdf = b"%PDF-1.4\n% test\n"
    r = client.post(
        f"/kontrakte/{c.id}/anhaenge",
        data={"file": (BytesIO(pdf), "Vertrag unterschrieben.pdf"), "description": "unterzeichnet"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    att = c.attachments[0] if c.attachments else None
    db.session.refresh(c)
    att = c.attachments[0]
    path = anhaenge.attachment_path(att)
    assert path.read_bytes() == pdf and str(path).startswith(app.config["UPLOAD_FOLDER"])
    assert "static" not in str(path)
    # wrong type / fake content / empty
    for name, data in (("x.exe", b"MZ"), ("fake.pdf", b"<html>"), ("leer.pdf", b"")):
        r = client.post(
            f"/kontrakte/{c.id}/anhaenge", data={"file": (BytesIO(data), name)}, content_type="multipart/form-data"
        )
        assert r.status_code == 422, name
    assert client.get(f"/kontrakte/anhang/{att.id}").data == pdf
    login_as(client, world.partner_a.email)
    assert client.get(f"/kontrakte/anhang/{att.id}").status_code == 200
    for email in (world.partner_b.email, world.politik.email, world.planner_x.email):
        login_as(client, email)
        assert client.get(f"/kontrakte/anhang/{att.id}").status_code == 404, email


def test_service_permission_checks(world):
    k = make_contract(world, status="Entwurf")
    with refused(PermissionDenied):
        svc.change_status(world.partner_a, k.contract, "in Verhandlung", k.contract.version)
    with refused(PermissionDenied):
        svc.create_contract(world.planner_x, {"body_id": world.kreis.id, "title": "x"})
    with refused(ValidationError):
        parteien.add_party(world.planner_k, k.contract, organisation_id=world.org_a.id)  # already a party


def test_only_drafts_can_be_deleted(client, world):
    draft = make_contract(world, status="Entwurf", title="Verworfener Entwurf")
    running = make_contract(world, status="laufend")
    login_as(client, world.partner_a.email)  # a party: sees the draft, may not delete it
    assert (
        client.post(f"/kontrakte/{draft.contract.id}/loeschen", data={"version": draft.contract.version}).status_code
        == 403
    )
    login_as(client, world.partner_b.email)
    assert (
        client.post(f"/kontrakte/{draft.contract.id}/loeschen", data={"version": draft.contract.version}).status_code
        == 404
    )
    login_as(client, world.planner_k.email)
    r = client.post(f"/kontrakte/{running.contract.id}/loeschen", data={"version": running.contract.version})
    assert r.status_code == 409 and "Nur Entwürfe" in r.get_data(as_text=True)
    ind_id = draft.indicator.id
    assert (
        client.post(f"/kontrakte/{draft.contract.id}/loeschen", data={"version": draft.contract.version}).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(Contract, draft.contract.id) is None
    assert db.session.get(Contract, running.contract.id) is not None
    from models.contracts import Indicator

    assert db.session.get(Indicator, ind_id).contract_id is None
