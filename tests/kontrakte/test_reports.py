"""The reporting cycle end to end with the partner's login; reminders; deviation → Themenspeicher."""

from datetime import date, timedelta

from beteiligung.extensions import db
from beteiligung.services.kontrakte import berichte
from beteiligung.services.kontrakte import vertraege as svc
from models import OutboxMail, TopicProposal
from models.contracts import Measurement

from .conftest import login_as


def _post(client, report, value, narrative="Alles nach Plan.", action="einreichen", version=None):
    db.session.refresh(report)
    ind = report.contract.indicators[0]
    return client.post(
        f"/kontrakte/berichte/{report.id}",
        data={
            f"wert_{ind.id}": value,
            "narrative": narrative,
            "aktion": action,
            "version": report.version if version is None else version,
        },
    )


def test_reporting_cycle_end_to_end(client, kw, app):
    w = kw.w
    r2024 = kw.reports[0]  # 2024: Soll 100 + 100·366/731 = 150,07 at 31.12.2024
    client.login(w.partner_a.email)
    mine = client.get("/kontrakte/meine").get_data(as_text=True)
    assert "Jahresbericht" in mine and "Zielvereinbarung Seniorenberatung" in mine
    assert "Kooperation Jobcenter" not in mine and "Fremder Vertrag" not in mine
    page = client.get(f"/kontrakte/berichte/{r2024.id}").get_data(as_text=True)
    assert "Soll zum Stichtag: 150,07" in page
    # bad input: German message, 422, nothing written
    for bad, message in (
        ("viele", "deutschen Format"),
        ("1.2.3", "deutschen Format"),
        ("20.000", "unplausibel"),
        ("-4", "unplausibel"),
    ):
        r = _post(client, r2024, bad)
        assert r.status_code == 422, bad
        assert message in r.get_data(as_text=True), bad
    r = _post(client, r2024, "149", narrative="")
    assert r.status_code == 422 and "Sachbericht" in r.get_data(as_text=True)
    assert db.session.query(Measurement).count() == 0
    db.session.refresh(r2024)
    assert r2024.status == "offen"
    # save a draft, then submit with a German decimal
    assert _post(client, r2024, "1.40", action="speichern").status_code == 422  # "1.40" is no valid German number
    assert _post(client, r2024, "140,5", narrative="Zwischenstand", action="speichern").status_code == 303
    assert _post(client, r2024, "148,5").status_code == 303
    db.session.refresh(r2024)
    assert r2024.status == "eingereicht" and r2024.submitted_by_id == w.partner_a.id
    m = db.session.query(Measurement).one()
    assert str(m.value).startswith("148.5") and m.report_id == r2024.id
    # within tolerance (1 % below Soll) → no TOP
    assert db.session.query(TopicProposal).count() == 0
    # a submitted report cannot be changed by the partner
    r = _post(client, r2024, "10")
    assert r.status_code == 409 and "bereits eingereicht" in r.get_data(as_text=True)
    # the partner cannot review
    r = client.post(f"/kontrakte/berichte/{r2024.id}/pruefen", data={"aktion": "annehmen", "version": r2024.version})
    assert r.status_code == 403

    # planner returns it with a comment (comment required)
    login_as(client, w.planner_k.email)
    r = client.post(
        f"/kontrakte/berichte/{r2024.id}/pruefen", data={"aktion": "zurueckgeben", "version": r2024.version}
    )
    assert r.status_code == 422 and "begründen" in r.get_data(as_text=True)
    r = client.post(
        f"/kontrakte/berichte/{r2024.id}/pruefen",
        data={"aktion": "zurueckgeben", "comment": "Bitte Quelle nennen.", "version": r2024.version},
    )
    assert r.status_code == 303
    db.session.refresh(r2024)
    assert r2024.status == "zurückgegeben"
    mail = db.session.query(OutboxMail).one()
    assert mail.recipient == w.partner_a.email and "zurückgegeben" in mail.subject

    # partner resubmits, planner accepts; then the period is closed
    login_as(client, w.partner_a.email)
    assert "Bitte Quelle nennen." in client.get(f"/kontrakte/berichte/{r2024.id}").get_data(as_text=True)
    assert _post(client, r2024, "149", narrative="Quelle: Falldokumentation").status_code == 303
    login_as(client, w.planner_k.email)
    db.session.refresh(r2024)
    assert (
        client.post(
            f"/kontrakte/berichte/{r2024.id}/pruefen", data={"aktion": "annehmen", "version": r2024.version}
        ).status_code
        == 303
    )
    db.session.refresh(r2024)
    assert r2024.status == "angenommen"
    login_as(client, w.partner_a.email)
    r = _post(client, r2024, "190")
    assert r.status_code == 409 and "abgeschlossen" in r.get_data(as_text=True)
    assert str(db.session.query(Measurement).one().value).startswith("149")
    # the planner sees Soll and Ist
    login_as(client, w.planner_k.email)
    html = client.get(f"/kontrakte/kennzahlen/{kw.indicator.id}").get_data(as_text=True)
    assert "149" in html and "150,07" in html and "<svg" in html and "<caption>" in html


def test_deviation_proposes_topic_for_the_committee(client, kw):
    w = kw.w
    r2024 = kw.reports[0]
    client.login(w.partner_a.email)
    assert _post(client, r2024, "120").status_code == 303  # Soll 150 → 20 % below → red
    topic = db.session.query(TopicProposal).one()
    assert topic.committee_id == kw.committee.id and topic.source_type == "bericht"
    assert topic.source_id == r2024.id and "Zielvereinbarung Seniorenberatung" in topic.source_label
    assert "Abweichung 20 %" in topic.description
    db.session.refresh(r2024)
    assert r2024.topic_proposal_id == topic.id
    # returned and resubmitted: the same topic is updated, not duplicated
    login_as(client, w.planner_k.email)
    client.post(
        f"/kontrakte/berichte/{r2024.id}/pruefen",
        data={"aktion": "zurueckgeben", "comment": "Bitte prüfen", "version": r2024.version},
    )
    login_as(client, w.partner_a.email)
    assert _post(client, r2024, "110").status_code == 303
    assert db.session.query(TopicProposal).count() == 1


def test_reports_for_future_or_closed_periods_are_refused(client, world):
    from .conftest import make_contract

    k = make_contract(world, start=date.today() - timedelta(days=30), end=date.today() + timedelta(days=700))
    client.login(world.partner_a.email)
    r = _post(client, k.reports[0], "5")
    assert r.status_code == 409 and "endet erst am" in r.get_data(as_text=True)
    k2 = make_contract(world, status="gekündigt", title="Beendet")
    r = _post(client, k2.reports[0], "5")
    assert r.status_code == 409 and "beendet" in r.get_data(as_text=True)
    assert db.session.query(Measurement).count() == 0


def test_partner_sees_only_own_reports(client, kw):
    w = kw.w
    others = [kw.other.reports[0], kw.foreign.reports[0]]
    client.login(w.partner_a.email)
    for rep in others:
        assert client.get(f"/kontrakte/berichte/{rep.id}").status_code == 404
        assert _post(client, rep, "150").status_code == 404
        assert client.post(f"/kontrakte/berichte/{rep.id}/pruefen", data={"aktion": "annehmen"}).status_code == 404
    assert client.get("/kontrakte/berichte/99999").status_code == 404
    assert db.session.query(Measurement).count() == 0


def test_overdue_reminders(client, kw, app):
    w = kw.w
    # 2024 and 2025 reports of the three contracts are overdue; only partner_a, partner_b (Wohlfahrt, Jobcenter)
    # have logins in this Kreis – the foreign org has none.
    n = berichte.send_reminders(date(2026, 6, 1))
    recipients = sorted(m.recipient for m in db.session.query(OutboxMail))
    assert n == 4 and recipients == sorted([w.partner_a.email] * 2 + [w.partner_b.email] * 2)
    assert "überfällig" in db.session.query(OutboxMail).first().subject
    # not again within a week
    assert berichte.send_reminders(date(2026, 6, 3)) == 0
    # via the CLI command
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "remind", "--stichtag", "2026-06-20"])
    assert result.exit_code == 0 and "4 Erinnerung(en)" in result.output
    result = runner.invoke(args=["reports", "remind", "--stichtag", "morgen"])
    assert result.exit_code != 0 and "JJJJ-MM-TT" in result.output
    # overdue reports show on the planner's overview
    client.login(w.planner_k.email)
    html = client.get("/kontrakte/kennzahlen/").get_data(as_text=True)
    assert "Überfällige Berichte" in html and "Wohlfahrt Ahlen" in html


def test_reminder_mail_is_delivered_over_smtp(kw, app, smtp_server):
    from beteiligung.services.mail import send_queued

    smtp_server.configure(app)
    berichte.send_reminders(date(2026, 6, 1))
    sent, failed = send_queued()
    assert sent == 4 and failed == 0
    assert any("Erinnerung" in m["Subject"] for m in smtp_server.messages)


def test_report_annex_upload_and_download(client, kw):
    from io import BytesIO

    w = kw.w
    rep = kw.reports[0]
    client.login(w.partner_a.email)
    r = client.post(
        f"/kontrakte/berichte/{rep.id}/anhaenge",
        data={"file": (BytesIO(b"%PDF-1.7 Sachbericht"), "Sachbericht 2024.pdf"), "description": "Anlage"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    r = client.post(
        f"/kontrakte/berichte/{rep.id}/anhaenge",
        data={"file": (BytesIO(b"#!/bin/sh"), "x.sh")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "Erlaubt sind PDF" in r.get_data(as_text=True)
    db.session.refresh(rep)
    att = rep.attachments[0]
    assert client.get(f"/kontrakte/anhang/{att.id}").data == b"%PDF-1.7 Sachbericht"
    login_as(client, w.planner_k.email)
    assert client.get(f"/kontrakte/anhang/{att.id}").status_code == 200
    for email in (w.partner_b.email, w.politik.email, w.planner_x.email):
        login_as(client, email)
        assert client.get(f"/kontrakte/anhang/{att.id}").status_code == 404, email
    # another partner cannot attach to this report
    r = client.post(
        f"/kontrakte/berichte/{rep.id}/anhaenge",
        data={"file": (BytesIO(b"%PDF-1"), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 404


def test_kommune_as_party_reports(client, world):
    """Kreis–Kommune Zielvereinbarung: the Kommune's planners report for their body."""
    from beteiligung.services.kontrakte.berichte import add_duty
    from beteiligung.services.kontrakte.parteien import add_party

    from .conftest import make_contract

    k = make_contract(world, status="in Verhandlung", title="Kreis–Kommune Pflegeberatung")
    party = add_party(
        world.planner_k,
        k.contract,
        body_id=world.kommune_a.id,
        role="Auftragnehmer",
        signatory="Bürgermeister",
        signed_on=date(2023, 12, 1),
    )
    duty = add_duty(world.planner_k, k.contract, party.id, "Jahresbericht Kommune", "jährlich", 90)
    svc.change_status(world.planner_k, k.contract, "unterzeichnet", k.contract.version)
    rep = sorted(duty.reports, key=lambda r: r.period_start)[0]
    client.login(world.planner_a.email)
    assert "Jahresbericht Kommune" in client.get("/kontrakte/meine").get_data(as_text=True)
    ind = k.contract.indicators[0]
    r = client.post(
        f"/kontrakte/berichte/{rep.id}",
        data={f"wert_{ind.id}": "151", "narrative": "ok", "aktion": "einreichen", "version": rep.version},
    )
    assert r.status_code == 303
    db.session.refresh(rep)
    assert rep.status == "eingereicht"
    # the Kommune may not report on the Wohlfahrt's duty of the same contract
    other = sorted(k.duty.reports, key=lambda r: r.period_start)[0]
    assert client.get(f"/kontrakte/berichte/{other.id}").status_code == 404
