"""Stellungnahmeverfahren: draft upload, mail via the outbox, statements until the deadline, reminders,
uptake, the final PDF; permissions of planner, invited and other partners, Politik."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from beteiligung.services import PermissionDenied, ValidationError
from beteiligung.services.planung import stellungnahmen as svc
from models import OutboxMail
from models.planung import Consultation, Statement

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"


def _pdf_bytes():
    from weasyprint import HTML

    return HTML(string="<p>Entwurf Sozialbericht</p>").write_pdf()


@pytest.fixture
def cons(chain, db):
    c = svc.create_consultation(
        chain.planner_k,
        {
            "title": "Entwurf Sozialbericht 2026",
            "body_id": chain.kreis.id,
            "deadline": date.today() + timedelta(days=2),
            "organisation_ids": [chain.org_a.id, chain.org_k.id],
            "description": "Bitte bis zur Frist.",
        },
        "sozialbericht.pdf",
        _pdf_bytes(),
    )
    db.session.commit()
    chain.cons = c
    return chain


def test_create_checks_input(chain, db):
    with pytest.raises(ValidationError) as exc:
        svc.create_consultation(
            chain.planner_k,
            {
                "title": "",
                "body_id": chain.kreis.id,
                "deadline": date.today() - timedelta(days=1),
                "organisation_ids": [],
            },
            "x.exe",
            b"MZ",
        )
    assert set(exc.value.errors) == {"title", "deadline", "organisation_ids", "file"}
    with pytest.raises(ValidationError) as exc:
        svc.create_consultation(
            chain.planner_k,
            {"title": "X", "body_id": chain.kreis.id, "deadline": date.today(), "organisation_ids": [chain.org_a.id]},
            "fake.pdf",
            b"not a pdf",
        )
    assert exc.value.errors["file"] == "Der Inhalt passt nicht zur Dateiendung."
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0
    with pytest.raises(PermissionDenied):
        svc.create_consultation(chain.partner_a, {}, "a.pdf", PDF)


def test_send_statement_uptake_and_final_pdf(cons, db):
    c = cons.cons
    assert svc.send(cons.planner_k, c, c.version) == 1  # partner_a is the only representative
    db.session.commit()
    mail = db.session.scalars(select(OutboxMail)).one()
    assert mail.recipient == cons.partner_a.email and "Stellungnahme" in mail.subject
    with pytest.raises(PermissionDenied):
        svc.submit_statement(cons.partner_b, c, cons.org_b.id, "Wir auch!")
    st = svc.submit_statement(cons.partner_a, c, None, "Wir begrüßen den Entwurf.", "anlage.pdf", _pdf_bytes())
    db.session.commit()
    assert st.organisation_id == cons.org_a.id and st.filename == "anlage.pdf"
    # a second submission before the deadline replaces the first
    svc.submit_statement(cons.partner_a, c, None, "Ergänzt: bitte Kapitel 3 schärfen.")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Statement)) == 1
    svc.set_uptake(cons.planner_k, st, "teilweise", "Kapitel 3 überarbeitet.", st.version)
    db.session.commit()
    assert st.uptake_label == "teilweise übernommen"
    with pytest.raises(ValidationError):
        svc.set_uptake(cons.planner_k, st, "vielleicht", None, st.version)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(svc.final_pdf(cons.planner_k, c)))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Entwurf Sozialbericht" in text  # the draft comes first
    assert "Ergänzt: bitte Kapitel 3 schärfen." in text and "teilweise übernommen" in text
    assert len(reader.pages) >= 3  # draft, statements, the annex


def test_late_statement_is_refused(cons, db):
    c = cons.cons
    svc.send(cons.planner_k, c, c.version)
    db.session.commit()
    with pytest.raises(ValidationError) as exc:
        svc.submit_statement(cons.partner_a, c, None, "Zu spät", today=c.deadline + timedelta(days=1))
    assert (
        "Die Frist für Stellungnahmen ist am" in exc.value.errors["text"] and "abgelaufen" in exc.value.errors["text"]
    )
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Statement)) == 0


def test_reminders_once_before_the_deadline(cons, db, app):
    c = cons.cons
    svc.send(cons.planner_k, c, c.version)
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(OutboxMail))
    assert svc.remind(c.deadline - timedelta(days=10)) == 0  # too early
    assert svc.remind(c.deadline - timedelta(days=1)) == 1
    db.session.commit()
    assert svc.remind(c.deadline - timedelta(days=1)) == 0  # once
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == before + 1
    out = app.test_cli_runner().invoke(args=["planung", "erinnern"]).output
    assert "Erinnerung(en) in den Postausgang gelegt." in out


@pytest.mark.parametrize(
    "who,before_send,after_send",
    [
        ("planner_k", 200, 200),
        ("partner_a", 404, 200),
        ("partner_b", 404, 404),
        ("politik", 404, 200),
        ("srm_a", 404, 200),
        ("planner_x", 404, 404),
    ],
)
def test_pages_by_role(cons, as_user, db, who, before_send, after_send):
    url = f"/planung/stellungnahmen/{cons.cons.id}"
    assert as_user(getattr(cons, who)).get(url).status_code == before_send
    cons.cons.sent_at = cons.cons.created_at
    db.session.commit()
    assert as_user(getattr(cons, who)).get(url).status_code == after_send


def test_page_flow(cons, as_user, db):
    c = cons.cons
    p = as_user(cons.planner_k)
    assert p.get("/planung/stellungnahmen/neu").status_code == 200
    assert p.post(f"/planung/stellungnahmen/{c.id}/senden", data={"version": str(c.version)}).status_code == 302
    a = as_user(cons.partner_a)
    html = a.get(f"/planung/stellungnahmen/{c.id}").get_data(as_text=True)
    assert "Ihre Stellungnahme" in html and "Wer hat geantwortet?" not in html
    assert a.get(f"/planung/stellungnahmen/{c.id}/entwurf").status_code == 200
    r = a.post(f"/planung/stellungnahmen/{c.id}/stellungnahme", data={"text": ""})
    assert r.status_code == 422 and "Bitte schreiben Sie Ihre Stellungnahme." in r.get_data(as_text=True)
    r = a.post(
        f"/planung/stellungnahmen/{c.id}/stellungnahme",
        data={"text": "Gute Grundlage.", "file": (io.BytesIO(b"kein pdf"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "Der Inhalt passt nicht zur Dateiendung." in r.get_data(as_text=True)
    r = a.post(f"/planung/stellungnahmen/{c.id}/stellungnahme", data={"text": "Gute Grundlage."})
    assert r.status_code == 302
    st = db.session.scalars(select(Statement)).one()
    assert a.get(f"/planung/stellungnahmen/{c.id}/gesamt.pdf").status_code == 403
    assert (
        a.post(
            f"/planung/stellungnahmen/{c.id}/bewertung/{st.id}",
            data={f"st{st.id}-uptake": "nicht", f"st{st.id}-version": str(st.version)},
        ).status_code
        == 403
    )
    assert (
        as_user(cons.partner_b)
        .post(f"/planung/stellungnahmen/{c.id}/stellungnahme", data={"text": "Fremd"})
        .status_code
        == 404
    )
    p = as_user(cons.planner_k)
    html = p.get(f"/planung/stellungnahmen/{c.id}").get_data(as_text=True)
    assert "Wer hat geantwortet?" in html and "Gute Grundlage." in html
    r = p.post(
        f"/planung/stellungnahmen/{c.id}/bewertung/{st.id}",
        data={f"st{st.id}-uptake": "uebernommen", f"st{st.id}-version": str(st.version)},
    )
    assert r.status_code == 302
    r = p.post(
        f"/planung/stellungnahmen/{c.id}/bewertung/{st.id}",
        data={f"st{st.id}-uptake": "nicht", f"st{st.id}-version": str(st.version - 1 if st.version > 1 else 0)},
    )
    assert r.status_code == 409
    pdf = p.get(f"/planung/stellungnahmen/{c.id}/gesamt.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_late_statement_page_message(cons, as_user, db):
    c = cons.cons
    c.sent_at = c.created_at
    c.deadline = date.today() - timedelta(days=1)
    db.session.commit()
    a = as_user(cons.partner_a)
    r = a.post(f"/planung/stellungnahmen/{c.id}/stellungnahme", data={"text": "Zu spät?"})
    assert r.status_code == 422
    assert "Die Frist für Stellungnahmen ist am" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Statement)) == 0


def test_consultation_page_query_count_constant(cons, as_user, db):
    from datetime import datetime

    from models import Organisation
    from models.planung import ConsultationParticipant
    from tests.support.queries import assert_constant_queries

    c = cons.cons
    c.sent_at = c.created_at
    db.session.add(Statement(consultation=c, organisation_id=cons.org_k.id, text="Erste", submitted_at=datetime.now()))
    db.session.commit()

    def grow(factor):
        for i in range(factor):
            org = Organisation(body=cons.kreis, name=f"Träger {i}", kind="Freier Träger")
            db.session.add(org)
            db.session.flush()
            db.session.add(ConsultationParticipant(consultation=c, organisation=org))
            db.session.add(Statement(consultation=c, organisation=org, text=f"Text {i}", submitted_at=datetime.now()))
        db.session.commit()

    assert_constant_queries(as_user(cons.planner_k), db.engine, f"/planung/stellungnahmen/{c.id}", grow)
