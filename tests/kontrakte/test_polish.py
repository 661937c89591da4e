"""Deleting attachments, the Ampel filter over all indicators, budget changes through a Nachtrag."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest

from beteiligung.extensions import db
from beteiligung.services import Conflict, PermissionDenied, ValidationError
from beteiligung.services.kontrakte import anhaenge, berichte, versionen
from beteiligung.services.kontrakte import vertraege as svc
from models import AuditEntry
from models.contracts import Attachment, BudgetLine, ContractVersion, Indicator, Measurement
from tests.support.queries import assert_constant_queries
from tests.support.uow import refused

from .conftest import advance, login_as, make_contract
from .test_pages import _grow_contracts, _warm

# --- 1. attachments ------------------------------------------------------------------


def _upload(user, contract, name="Entwurf.pdf", report=None):
    att = anhaenge.save_attachment(user, contract, name, b"%PDF-1.4 test", report=report)
    return att.id, anhaenge.attachment_path(att)


def test_planner_deletes_attachment_of_unsigned_contract(client, world):
    k = make_contract(world, status="in Verhandlung")
    att_id, path = _upload(world.planner_k, k.contract)
    client.login(world.planner_k.email)
    html = client.get(f"/kontrakte/{k.contract.id}").get_data(as_text=True)
    assert f"/kontrakte/anhang/{att_id}/loeschen" in html and "„Entwurf.pdf“ löschen" in html
    # without the CSRF token nothing happens
    assert client.post(f"/kontrakte/anhang/{att_id}/loeschen", data={}, csrf=False).status_code == 400
    assert db.session.get(Attachment, att_id) is not None and path.is_file()
    r = client.post(f"/kontrakte/anhang/{att_id}/loeschen", data={})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/kontrakte/{k.contract.id}#anhaenge")
    db.session.expire_all()
    assert db.session.get(Attachment, att_id) is None and not path.exists()
    entry = db.session.query(AuditEntry).filter_by(action="delete_attachment").one()
    assert entry.entity_id == k.contract.id and entry.before["datei"] == "Entwurf.pdf"
    assert client.get(f"/kontrakte/anhang/{att_id}").status_code == 404
    assert client.post(f"/kontrakte/anhang/{att_id}/loeschen", data={}).status_code == 404


def test_attachments_of_a_signed_contract_are_kept(client, world):
    k = make_contract(world, status="laufend")
    att_id, path = _upload(world.planner_k, k.contract, "Vertrag unterzeichnet.pdf")
    client.login(world.planner_k.email)
    assert f"/kontrakte/anhang/{att_id}/loeschen" not in client.get(f"/kontrakte/{k.contract.id}").get_data(
        as_text=True
    )
    r = client.post(f"/kontrakte/anhang/{att_id}/loeschen", data={})
    assert r.status_code == 409 and "bleiben erhalten" in r.get_data(as_text=True)
    with refused(Conflict):
        anhaenge.delete_attachment(world.planner_k, db.session.get(Attachment, att_id))
    db.session.rollback()
    assert db.session.get(Attachment, att_id) is not None and path.is_file()
    assert db.session.query(AuditEntry).filter_by(action="delete_attachment").count() == 0


def test_attachment_delete_permissions(client, world):
    k = make_contract(world, status="in Verhandlung")
    att_id, path = _upload(world.planner_k, k.contract)
    # the partner of the party sees the file but may not delete it; others do not even see it
    for email, status in (
        (world.partner_a.email, 403),
        (world.partner_b.email, 404),
        (world.planner_x.email, 404),
        (world.politik.email, 404),
    ):
        login_as(client, email)
        assert client.post(f"/kontrakte/anhang/{att_id}/loeschen", data={}).status_code == status, email
    with refused(PermissionDenied):
        anhaenge.delete_attachment(world.partner_a, db.session.get(Attachment, att_id))
    db.session.rollback()
    assert db.session.get(Attachment, att_id) is not None and path.is_file()


def test_partner_deletes_own_report_annex_while_editable(client, kw):
    w, rep = kw.w, kw.reports[0]
    client.login(w.partner_a.email)
    r = client.post(
        f"/kontrakte/berichte/{rep.id}/anhaenge",
        data={"file": (BytesIO(b"%PDF-1.7 falsch"), "Falsche Datei.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    db.session.refresh(rep)
    att_id, path = rep.attachments[0].id, anhaenge.attachment_path(rep.attachments[0])
    assert f"/kontrakte/anhang/{att_id}/loeschen" in client.get(f"/kontrakte/berichte/{rep.id}").get_data(as_text=True)
    for email in (w.partner_b.email, w.planner_x.email, w.politik.email):
        login_as(client, email)
        assert client.post(f"/kontrakte/anhang/{att_id}/loeschen", data={}).status_code == 404, email
    assert path.is_file()
    login_as(client, w.partner_a.email)
    r = client.post(f"/kontrakte/anhang/{att_id}/loeschen", data={})
    assert r.status_code == 303 and f"/kontrakte/berichte/{rep.id}" in r.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Attachment, att_id) is None and not path.exists()
    assert db.session.query(AuditEntry).filter_by(action="delete_attachment").count() == 1


def test_report_annex_of_a_submitted_report_is_kept(client, kw):
    w, rep = kw.w, kw.reports[0]
    att_id, path = _upload(w.partner_a, kw.contract, "Sachbericht.pdf", report=rep)
    berichte.save_report(w.partner_a, rep, {kw.indicator.id: "150"}, "Alles gut.", rep.version, submit=True)
    client.login(w.partner_a.email)
    assert f"/kontrakte/anhang/{att_id}/loeschen" not in client.get(f"/kontrakte/berichte/{rep.id}").get_data(
        as_text=True
    )
    r = client.post(f"/kontrakte/anhang/{att_id}/loeschen", data={})
    assert r.status_code == 409 and "bereits eingereicht" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attachment, att_id) is not None and path.is_file()


# --- 2. Ampel filter over all indicators --------------------------------------------------


def _indicators(world, contract, n, value, name):
    """n indicators like the fixture's (100 → 200 from 31.12.2023 to 31.12.2025, higher is better) with one
    value on 31.12.2024 (Soll there ≈ 150): 150 is green, 100 is red."""
    for i in range(n):
        ind = Indicator(
            body=contract.body,
            contract=contract,
            name=f"{name} {i:02d}",
            baseline_value=Decimal(100),
            baseline_date=date(2023, 12, 31),
            target_mode="absolut",
            target_input=Decimal(200),
            target_date=date(2025, 12, 31),
            direction="hoeher",
            periodicity="jährlich",
        )
        db.session.add(ind)
        db.session.add(Measurement(indicator=ind, period_end=date(2024, 12, 31), value=Decimal(value)))
    db.session.commit()


def test_ampel_filter_covers_all_indicators_not_only_the_first_page(client, kw):
    # 55 green ones first, then 3 red ones: the red ones are not on the first page
    from views.kontrakte.ziele import INDICATORS_PER_PAGE as per_page

    assert per_page < 55
    _indicators(kw.w, kw.contract, 55, 150, "Grün")
    _indicators(kw.w, kw.contract, 3, 100, "Rot")
    client.login(kw.w.planner_k.email)
    html = client.get("/kontrakte/kennzahlen/").get_data(as_text=True)
    assert "Rot 00" not in html  # page 1 of all
    assert "rot: 3" in html and "grün: 55" in html
    html = client.get("/kontrakte/kennzahlen/?ampel=rot").get_data(as_text=True)
    assert all(f"Rot {i:02d}" in html for i in range(3)) and "Grün 00" not in html
    assert "rot: 3" in html and "grün: 55" in html  # the header counts are the same with a filter
    html = client.get("/kontrakte/kennzahlen/?ampel=gruen").get_data(as_text=True)
    pages = -(-55 // per_page)
    assert f"Seite 1 von {pages}" in html and "Rot 00" not in html
    assert f"Grün {per_page - 1:02d}" in html and f"Grün {per_page:02d}" not in html
    assert "ampel=gruen" in html and "seite=2" in html  # the page links keep the filter
    html = client.get(f"/kontrakte/kennzahlen/?ampel=gruen&seite={pages}").get_data(as_text=True)
    assert "Grün 54" in html and f"Grün {(pages - 1) * per_page - 1:02d}" not in html
    # an unknown light shows everything, a page beyond the end the last page
    assert client.get("/kontrakte/kennzahlen/?ampel=lila").status_code == 200
    assert "Grün 54" in client.get("/kontrakte/kennzahlen/?ampel=gruen&seite=99").get_data(as_text=True)


def test_ampel_filter_respects_visibility(client, kw):
    _indicators(kw.w, kw.foreign.contract, 2, 100, "Fremd-Rot")
    _indicators(kw.w, kw.other.contract, 2, 100, "Jobcenter-Rot")
    client.login(kw.w.partner_a.email)
    html = client.get("/kontrakte/kennzahlen/?ampel=rot").get_data(as_text=True)
    assert "Fremd-Rot" not in html and "Jobcenter-Rot" not in html and "rot: 0" in html
    login_as(client, kw.w.planner_k.email)
    html = client.get("/kontrakte/kennzahlen/?ampel=rot").get_data(as_text=True)
    assert "Jobcenter-Rot 01" in html and "Fremd-Rot" not in html and "rot: 2" in html


def test_query_count_ampel_filter(client, kw, db):
    client.login(kw.w.planner_k.email)
    grow = _grow_contracts(kw.w)
    for url in ("/kontrakte/kennzahlen/?ampel=gruen", "/kontrakte/kennzahlen/?ampel=rot&seite=2"):
        assert_constant_queries(client, db.engine, url, _warm(client, url, grow), factor=10)


# --- 3. budget through a Nachtrag ------------------------------------------------------


@pytest.fixture
def signed(world):
    k = make_contract(
        world, status="Entwurf", budget=[("Personal", 2024, "50.000,00"), ("Sachmittel", 2025, "2.000,00")]
    )
    k.personal, k.sach = k.budget_lines
    c = k.contract
    svc.update_contract(world.planner_k, c, {"title": c.title, "product_number": "1.05.01"}, c.version)
    advance(world, c, "laufend")  # versions: 1 Erster Entwurf, 2 product number, 3 Unterzeichnet (with the budget)
    db.session.commit()
    k.w = world
    return k


def _amend_data(c, **extra):
    return {
        "title": c.title,
        "end_date": c.end_date.isoformat(),
        "clause_goal": c.clause_goal,
        "version": c.version,
        "comment": "Tarifsteigerung",
        **extra,
    }


def _budget_state(c):
    db.session.expire_all()
    return sorted(
        (b.year, b.kind, b.amount, b.product_number) for b in db.session.query(BudgetLine).filter_by(contract_id=c.id)
    ), db.session.query(ContractVersion).filter_by(contract_id=c.id).count()


def test_amendment_changes_budget_service(signed):
    c, w = signed.contract, signed.w
    v = svc.amend_contract(
        w.planner_k,
        c,
        {},
        c.version,
        "Tarifsteigerung und Streichung der Sachmittel",
        budget=[
            svc.BudgetChange(
                key=str(signed.personal.id), line_id=signed.personal.id, kind="Personal", year=2024, amount="52.500,00"
            ),
            svc.BudgetChange(key=str(signed.sach.id), line_id=signed.sach.id, remove=True),
            svc.BudgetChange(key="neu1", kind="Zuschuss", year="2025", amount="1.000"),
            svc.BudgetChange(key="neu2"),  # empty row: ignored
        ],
    )
    assert v.label == "Nachtrag 1"
    lines, _n = _budget_state(c)
    assert lines == [(2024, "Personal", Decimal("52500.00"), None), (2025, "Zuschuss", Decimal("1000.00"), "1.05.01")]
    assert v.data["budget"] == ["2024 Personal: 52.500,00 €", "2025 Zuschuss: 1.000,00 € (Produkt 1.05.01)"]
    base = db.session.query(ContractVersion).filter_by(contract_id=c.id, label="Unterzeichnet").one()
    diff = {label: (lines, changed) for label, lines, changed in versionen.compare_versions(base, v)}
    assert diff["Budget"][1] is True and diff["Titel"][1] is False
    assert ("2024 Personal: 50.000,00 €", "2024 Personal: 52.500,00 €") in [
        (l.left, l.right) for l in diff["Budget"][0]
    ]
    entry = db.session.query(AuditEntry).filter_by(action="amend").one()
    assert entry.before["budget"] != entry.after["budget"]


def test_amendment_budget_bad_input_changes_nothing(signed):
    c, w = signed.contract, signed.w
    before = _budget_state(c)
    other = make_contract(w, status="laufend", title="Anderer Vertrag")
    foreign_line = BudgetLine(contract=other.contract, kind="Personal", year=2024, amount=Decimal(1))
    db.session.add(foreign_line)
    db.session.commit()
    cases = [
        [svc.BudgetChange(key="neu1", kind="Zuschuss", year=2025, amount="zehn")],
        [svc.BudgetChange(key="neu1", kind="Zuschuss", year=2025, amount="1,234")],
        [svc.BudgetChange(key="neu1", kind="Miete", year=2025, amount="1")],
        [svc.BudgetChange(key="neu1", kind="Zuschuss", year=2030, amount="1")],  # 2024–2030: more than five years
        [
            svc.BudgetChange(
                key=str(signed.personal.id), line_id=signed.personal.id, kind="Personal", year=2024, amount="-5"
            )
        ],
        [svc.BudgetChange(key="x", line_id=foreign_line.id, remove=True)],
    ]
    for budget in cases:
        c = db.session.get(type(c), c.id)
        with refused(ValidationError) as exc:
            svc.amend_contract(w.planner_k, c, {"end_date": date(2026, 12, 31)}, c.version, "Nachtrag", budget=budget)
        assert any(k.startswith("budget_") for k in exc.value.errors), budget
        db.session.rollback()
        assert _budget_state(c) == before
    assert db.session.get(BudgetLine, foreign_line.id) is not None
    assert db.session.get(type(c), c.id).end_date == date(2025, 12, 31)


def test_amendment_budget_page_and_version_comparison(client, signed):
    c, w = signed.contract, signed.w
    client.login(w.planner_k.email)
    html = client.get(f"/kontrakte/{c.id}/nachtrag").get_data(as_text=True)
    assert "Budget im Nachtrag" in html and f'name="budget_{signed.personal.id}_amount"' in html
    assert 'value="50.000,00"' in html and 'for="budget_neu1_amount"' in html
    data = _amend_data(
        c,
        **{
            f"budget_{signed.personal.id}_kind": "Personal",
            f"budget_{signed.personal.id}_year": "2024",
            f"budget_{signed.personal.id}_amount": "50.000,00",
            f"budget_{signed.sach.id}_kind": "Sachmittel",
            f"budget_{signed.sach.id}_year": "2025",
            f"budget_{signed.sach.id}_amount": "2.000,00",
            f"budget_{signed.sach.id}_remove": "1",
            "budget_neu1_kind": "Zuschuss",
            "budget_neu1_year": "2026",
            "budget_neu1_amount": "7.500,50",
            "budget_neu2_kind": "Personal",
        },
    )
    r = client.post(f"/kontrakte/{c.id}/nachtrag", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    lines, _n = _budget_state(c)
    assert lines == [(2024, "Personal", Decimal("50000.00"), None), (2026, "Zuschuss", Decimal("7500.50"), "1.05.01")]
    html = client.get(f"/kontrakte/{c.id}").get_data(as_text=True)
    assert "7.500,50 €" in html and "nur mit einem" in html
    page = client.get(f"/kontrakte/{c.id}/fassungen?a=3&b=4").get_data(as_text=True)  # Unterzeichnet → Nachtrag
    assert "Budget" in page and "2025 Sachmittel: 2.000,00 €" in page and "2026 Zuschuss: 7.500,50 €" in page


def test_amendment_budget_bad_input_on_the_page(client, signed):
    c, w = signed.contract, signed.w
    before = _budget_state(c)
    client.login(w.planner_k.email)
    r = client.post(
        f"/kontrakte/{c.id}/nachtrag",
        data=_amend_data(
            c, end_date="2026-12-31", budget_neu1_kind="Zuschuss", budget_neu1_year="2025", budget_neu1_amount="viel"
        ),
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Bitte prüfen Sie das Budget" in html and 'id="budget_neu1_amount-error"' in html
    assert 'value="viel"' in html  # the input is kept
    # an error in the text fields and in the budget: both messages, still nothing written
    r = client.post(
        f"/kontrakte/{c.id}/nachtrag",
        data=_amend_data(c, comment="", budget_neu1_kind="Zuschuss", budget_neu1_year="1999", budget_neu1_amount="1"),
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Haushaltsjahr zwischen 2000 und 2100" in html
    assert _budget_state(c) == before
    assert db.session.get(type(c), c.id).end_date == date(2025, 12, 31)


def test_budget_of_signed_contract_only_through_amendment(client, signed):
    c, w = signed.contract, signed.w
    before = _budget_state(c)
    client.login(w.planner_k.email)
    r = client.post(f"/kontrakte/{c.id}/budget/{signed.personal.id}/entfernen", data={})
    assert r.status_code == 409 and "gesperrt" in r.get_data(as_text=True)
    assert (
        client.post(f"/kontrakte/{c.id}/budget", data={"kind": "Personal", "year": 2025, "amount": "1,00"}).status_code
        == 409
    )
    assert _budget_state(c) == before


@pytest.mark.parametrize(
    "who, status", [("partner_a", 403), ("planner_a", 403), ("politik", 403), ("partner_b", 404), ("planner_x", 404)]
)
def test_amendment_budget_permissions(client, signed, who, status):
    c, w = signed.contract, signed.w
    before = _budget_state(c)
    client.login(getattr(w, who).email)
    data = _amend_data(c, budget_neu1_kind="Zuschuss", budget_neu1_year="2025", budget_neu1_amount="1")
    assert client.post(f"/kontrakte/{c.id}/nachtrag", data=data).status_code == status
    assert _budget_state(c) == before
    with refused(PermissionDenied):
        svc.amend_contract(
            getattr(w, who),
            db.session.get(type(c), c.id),
            {},
            c.version,
            "x",
            budget=[svc.BudgetChange(key="neu1", kind="Zuschuss", year=2025, amount="1")],
        )
    db.session.rollback()
