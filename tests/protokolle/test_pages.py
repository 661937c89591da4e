"""Page tests: forms, conflicts, locked protocol, outputs, Nachhalten list, partials, query counts."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from flask import render_template_string
from sqlalchemy import func, select

from beteiligung.extensions import db
from beteiligung.services.protokolle import anwesenheit, auswertung
from beteiligung.services.protokolle import eintraege as svc
from models import Person, TopicProposal
from models.protocols import Attendance, ProtocolEntry
from tests.support.queries import assert_constant_queries, count_queries

from .test_services import decision_data, task_data


class FreshSession:
    """The test app context (and its session) spans requests; expire it like a new request would start."""

    def __init__(self, client, db):
        self.client, self.db = client, db

    def get(self, url):
        self.db.session.expire_all()
        return self.client.get(url)


def html(r):
    return r.get_data(as_text=True)


def entry_form(**kw):
    d = {
        "kind": "Beschluss",
        "text": "Zwei zusätzliche Familienhebammen für die Altstadt.",
        "agenda_item_id": "",
        "decision_mode": "konsens",
        "votes_yes": "",
        "votes_no": "",
        "votes_abstain": "",
        "binding": "y",
        "addressee_org_id": "",
        "owner_person_id": "",
        "owner_org_id": "",
        "due_date": "",
        # these meetings have no attendance recorded: the decision warning is confirmed
        # (tests/oberflaeche/test_protokoll_warnungen.py checks the warning itself)
        "confirm_warning": "y",
    }
    d.update(kw)
    return d


def test_attendance_page_records_live(client, pw):
    client.login("planung@kreis.example")
    m = pw.spk_past
    r = client.get(f"/protokolle/sitzungen/{m.id}/anwesenheit")
    assert r.status_code == 200
    page = html(r)
    assert "Arndt, Anke" in page and "Beschlussfähigkeit: 0 Mitglieder anwesend, 2 nötig" in page
    data = {
        "person_id": [str(pw.person_a.id), str(pw.person_b.id), str(pw.person_k.id)],
        f"status_{pw.person_a.id}": "anwesend",
        f"organisation_{pw.person_a.id}": str(pw.org_a.id),
        f"status_{pw.person_b.id}": "entschuldigt",
        f"organisation_{pw.person_b.id}": str(pw.org_b.id),
        f"deputy_{pw.person_b.id}": str(pw.person_k.id),
        f"status_{pw.person_k.id}": "anwesend",
        "attendance_version": attendance_version(page),
    }
    r = client.post(f"/protokolle/sitzungen/{m.id}/anwesenheit", data=data, follow_redirects=True)
    assert r.status_code == 200
    assert "Anwesenheit gespeichert (3 Personen)" in html(r)
    assert "beschlussfähig" in html(r) and "Beschlussfähigkeit: 2 Mitglieder anwesend, 2 nötig" in html(r)
    # bad input: unknown status → 422, German message, nothing changed
    data[f"status_{pw.person_b.id}"] = "vielleicht"
    r = client.post(f"/protokolle/sitzungen/{m.id}/anwesenheit", data=data)
    assert r.status_code == 422 and "Bitte anwesend, entschuldigt oder abwesend wählen." in html(r)
    a = db.session.scalar(select(Attendance).where(Attendance.person_id == pw.person_b.id))
    assert a.status == "entschuldigt"
    # a form without its version counter is refused, nothing changed
    data[f"status_{pw.person_b.id}"] = "anwesend"
    r = client.post(f"/protokolle/sitzungen/{m.id}/anwesenheit", data={**data, "attendance_version": "x"})
    assert r.status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(Attendance.status).where(Attendance.person_id == pw.person_b.id)) == "entschuldigt"


def attendance_version(page):
    return re.search(r'name="attendance_version" value="(\d+)"', page).group(1)


def test_two_people_recording_attendance_second_gets_conflict_not_overwrite(app, pw):
    m = pw.spk_past
    url = f"/protokolle/sitzungen/{m.id}/anwesenheit"
    first, second = Switch(app.test_client()), Switch(app.test_client())
    first.login("planung@kreis.example")
    second.login("admin@test.example")
    v_first, v_second = attendance_version(html(first.get(url))), attendance_version(html(second.get(url)))
    assert v_first == v_second

    def form(version, status_b, note_b=""):
        return {
            "person_id": [str(pw.person_a.id), str(pw.person_b.id)],
            f"status_{pw.person_a.id}": "anwesend",
            f"status_{pw.person_b.id}": status_b,
            f"note_{pw.person_b.id}": note_b,
            "attendance_version": version,
        }

    assert first.post(url, data=form(v_first, "entschuldigt", "krank gemeldet")).status_code == 302
    r = second.post(url, data=form(v_second, "anwesend"))
    assert r.status_code == 409
    page = html(r)
    assert "Die Anwesenheit wurde inzwischen von jemand anderem gespeichert" in page
    # the stored value is shown in the row, the second person's own input stays selected
    assert "Inzwischen gespeichert:</strong> entschuldigt" in page and "krank gemeldet" in page
    assert re.search(rf'name="status_{pw.person_b.id}" value="anwesend" checked', page)
    db.session.expire_all()
    assert db.session.scalar(select(Attendance.status).where(Attendance.person_id == pw.person_b.id)) == "entschuldigt"
    # saving again from the conflict page (new counter) is a deliberate decision and applies
    assert second.post(url, data=form(attendance_version(page), "anwesend")).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Attendance.status).where(Attendance.person_id == pw.person_b.id)) == "anwesend"


def test_create_entry_page_and_bad_input(client, pw):
    client.login("planung@kreis.example")
    m = pw.spk_past
    r = client.post(
        f"/protokolle/sitzungen/{m.id}/eintraege", data=entry_form(agenda_item_id=str(m.agenda_items[1].id))
    )
    assert r.status_code == 302
    page = html(client.get(f"/protokolle/sitzungen/{m.id}/"))
    assert "Zwei zusätzliche Familienhebammen" in page and "im Konsens" in page and "TOP 2: Kinderarmut" in page
    past = (svc.today() - timedelta(days=3)).isoformat()
    r = client.post(
        f"/protokolle/sitzungen/{m.id}/eintraege",
        data=entry_form(kind="Aufgabe", text="Bericht", owner_org_id=str(pw.org_a.id), due_date=past),
    )
    assert r.status_code == 422
    assert "Das Fälligkeitsdatum darf nicht in der Vergangenheit liegen." in html(r)
    assert "Bericht</textarea>" in html(r)
    r = client.post(
        f"/protokolle/sitzungen/{m.id}/eintraege", data=entry_form(text="<script>x</script>", kind="Unsinn")
    )
    assert r.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ProtocolEntry)) == 1


class Switch:
    """Two browsers at once: the test app context is shared, so drop the cached CSRF token in g on switching."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        from flask import g

        for key in ("csrf_token", "_login_user"):
            g.pop(key, None)
        for key in list(vars(g)):
            if key.startswith(("_scope_", "_member_committees_")):
                g.pop(key)
        self.client._csrf = None
        return getattr(self.client, name)


def test_two_simultaneous_edits_second_gets_conflict_with_text_kept(app, pw):
    e = svc.create_entry(pw.planner_k, pw.spk_past, decision_data())
    first, second = Switch(app.test_client()), Switch(app.test_client())
    first.login("planung@kreis.example")
    second.login("admin@test.example")
    url = f"/protokolle/eintraege/{e.id}/bearbeiten"
    v1 = re.search(r'name="version" type="hidden" value="(\d+)"|name="version" value="(\d+)"', html(first.get(url)))
    version = next(g for g in v1.groups() if g)
    assert html(second.get(url))
    r1 = first.post(url, data=entry_form(text="Text der Protokollführerin", decision_mode="konsens", version=version))
    assert r1.status_code == 302
    r2 = second.post(url, data=entry_form(text="Text des Admins", decision_mode="konsens", version=version))
    assert r2.status_code == 409
    page = html(r2)
    assert "Bearbeitungskonflikt" in page and "Text des Admins" in page and "Text der Protokollführerin" in page
    db.session.expire_all()
    assert db.session.get(ProtocolEntry, e.id).text == "Text der Protokollführerin"
    # re-submitting from the conflict page (with the new version) applies the second text deliberately
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"|name="version" value="(\d+)"', page)
    r3 = second.post(
        url,
        data=entry_form(
            text="Text des Admins", decision_mode="konsens", version=next(g for g in new_version.groups() if g)
        ),
    )
    assert r3.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProtocolEntry, e.id).text == "Text des Admins"


def _approve(pw, m):
    svc.create_entry(pw.planner_k, m, task_data(owner_org_id=pw.org_a.id)) if not svc.get_protocol(m) else None
    p = svc.get_protocol(m)
    svc.send_for_approval(pw.planner_k, m, svc.today() + timedelta(days=7), p.version)
    svc.approve(pw.planner_k, m, "", svc.get_protocol(m).version)


def test_revisions_page_names_each_save_in_german(client, pw):
    m = pw.spk_past
    e = svc.create_entry(pw.planner_k, m, decision_data())
    svc.update_entry(pw.planner_k, e, decision_data(text="Zwei Familienhebammen ab März."), e.version)
    anwesenheit.save_attendance(pw.planner_k, m, [{"person_id": pw.person_a.id, "status": "anwesend"}])
    deadline = svc.today() + timedelta(days=7)
    svc.send_for_approval(pw.planner_k, m, deadline, svc.get_protocol(m).version)
    db.session.commit()
    client.login("planung@kreis.example")
    r = client.get(f"/protokolle/sitzungen/{m.id}/versionen")
    assert r.status_code == 200
    rows = [
        re.sub(r"<[^>]+>|\s+", " ", row)
        for row in re.findall(r"<tr class=\"kern-table__row\">(.*?)</tr>", html(r), re.S)
    ]
    text = " | ".join(" ".join(row.split()) for row in rows)
    assert "Eintrag angelegt" in text and "Eintrag geändert" in text
    assert "Beschluss: Zwei Familienhebammen ab März." in text
    assert re.search(r"Anwesenheit erfasst [^|]* 1 Person \|", text), text
    assert "zur Abstimmung gestellt" in text and f"Frist bis {deadline:%d.%m.%Y}" in text
    # no stored key or ISO date reaches the reader
    assert not re.search(r"eintrag_|eintrag neu|zur_abstimmung|\d{4}-\d{2}-\d{2}", text), text


def test_locked_protocol_edit_is_refused(client, pw):
    e = svc.create_entry(pw.planner_k, pw.spk_past, decision_data())
    _approve(pw, pw.spk_past)
    client.login("planung@kreis.example")
    r = client.get(f"/protokolle/eintraege/{e.id}/bearbeiten")
    assert r.status_code == 409 and "genehmigt und damit gesperrt" in html(r)
    r = client.post(f"/protokolle/eintraege/{e.id}/bearbeiten", data=entry_form(version=str(e.version)))
    assert r.status_code == 409
    r = client.post(f"/protokolle/sitzungen/{pw.spk_past.id}/eintraege", data=entry_form())
    assert r.status_code == 409 and "neuen Fassung" in html(r)
    r = client.post(f"/protokolle/eintraege/{e.id}/loeschen", data={"version": str(e.version)})
    assert r.status_code == 409
    db.session.expire_all()
    assert db.session.get(ProtocolEntry, e.id).text == decision_data()["text"]


def test_objection_after_deadline_page(client, pw):
    svc.create_entry(pw.planner_k, pw.spk_past, decision_data())
    p = svc.get_protocol(pw.spk_past)
    svc.send_for_approval(pw.planner_k, pw.spk_past, svc.today() + timedelta(days=1), p.version)
    client.login("partner@wohlfahrt.example")
    r = client.post(f"/protokolle/sitzungen/{pw.spk_past.id}/einwand", data={"text": "Bitte TOP 2 korrigieren."})
    assert r.status_code == 302
    p = svc.get_protocol(pw.spk_past)
    p.objection_deadline = svc.today() - timedelta(days=1)
    db.session.commit()
    r = client.post(f"/protokolle/sitzungen/{pw.spk_past.id}/einwand", data={"text": "Noch etwas."})
    assert r.status_code == 422 and "Einspruchsfrist ist am" in html(r)
    assert len(svc.get_protocol(pw.spk_past).objections) == 1


def test_pdf_and_docx_contain_attendance_decisions_tasks(client, pw):
    from docx import Document
    from pypdf import PdfReader

    anwesenheit.save_attendance(
        pw.planner_k, pw.spk_past, [{"person_id": pw.person_a.id, "status": "anwesend", "organisation_id": pw.org_a.id}]
    )
    svc.create_entry(pw.planner_k, pw.spk_past, decision_data(agenda_item_id=pw.spk_past.agenda_items[1].id))
    svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id))
    client.login("planung@kreis.example")
    r = client.get(f"/protokolle/sitzungen/{pw.spk_past.id}/protokoll.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    text = re.sub(r"\s+", " ", text)
    for expected in (
        "Ergebnisprotokoll",
        "Anke Arndt",
        "Wohlfahrt Ahlen e. V.",
        "anwesend",
        "zwei zusätzliche Familienhebammen",
        "ja 7, nein 1, Enthaltung 2",
        "Konzept Quartiersbüro-Sprechstunde",
    ):
        assert expected in text, expected
    r = client.get(f"/protokolle/sitzungen/{pw.spk_past.id}/protokoll.docx")
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.data))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    for expected in (
        "Ergebnisprotokoll",
        "Anke Arndt",
        "anwesend",
        "TOP 2: Kinderarmut",
        "zwei zusätzliche Familienhebammen",
        "Konzept Quartiersbüro-Sprechstunde",
        "fällig am",
    ):
        assert expected in text, expected
    r = client.get(f"/protokolle/sitzungen/{pw.spk_past.id}/kurzfassung.pdf")
    reader = PdfReader(io.BytesIO(r.data))
    assert len(reader.pages) == 1 and "Kurzfassung" in reader.pages[0].extract_text()


def test_decision_register_csv_and_xlsx(client, pw):
    from openpyxl import load_workbook

    svc.create_entry(pw.planner_k, pw.spk_past, decision_data(text="=HYPERLINK(\"x\")"))
    svc.create_entry(pw.admin, pw.foreign_meeting, decision_data(text="Fremder Beschluss"))
    client.login("planung@kreis.example")
    r = client.get("/protokolle/beschluesse.csv")
    body = r.data.decode("utf-8")
    assert body.startswith("\ufeffGremium;Sitzung am;")
    assert "'=HYPERLINK" in body and "Sozialplanungskonferenz Testhausen" in body
    assert "Fremder Beschluss" not in body
    r = client.get("/protokolle/beschluesse.xlsx")
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.values)
    assert rows[0][0] == "Gremium" and rows[1][4] == "'=HYPERLINK(\"x\")"


def test_followup_list_filters_pagination_and_constant_queries(client, pw, db):
    t1 = svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id, text="AWO-Aufgabe"))
    svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_b.id, text="Jobcenter-Aufgabe"))
    t1.due_date = svc.today() - timedelta(days=1)
    db.session.commit()
    client.login("planung@kreis.example")
    page = html(client.get("/protokolle/"))
    assert "AWO-Aufgabe" in page and "Jobcenter-Aufgabe" in page
    page = html(client.get(f"/protokolle/?organisation={pw.org_a.id}"))
    assert "AWO-Aufgabe" in page and "Jobcenter-Aufgabe" not in page
    page = html(client.get("/protokolle/?ueberfaellig=1"))
    assert "AWO-Aufgabe" in page and "Jobcenter-Aufgabe" not in page and "überfällig" in page
    page = html(client.get(f"/protokolle/?gremium={pw.srk.id}"))
    assert "AWO-Aufgabe" not in page
    assert "Zwei" not in html(client.get("/protokolle/?stand=erledigt"))

    def grow(factor):
        for i in range(factor * 3):
            svc.create_entry(
                pw.planner_k,
                pw.spk_mid if i % 2 else pw.spk_past,
                task_data(owner_org_id=pw.org_a.id, owner_person_id=pw.person_a.id, text=f"Aufgabe {i}"),
            )

    assert_constant_queries(FreshSession(client, db), db.engine, "/protokolle/", grow)
    page = html(client.get("/protokolle/?seite=2"))
    assert "Seite 2 von 2" in page


def test_protocol_page_constant_queries(client, pw, db):
    anwesenheit.set_meeting_roles(pw.planner_k, pw.spk_next, {"moderation": pw.person_k.id})
    client.login("planung@kreis.example")

    def grow(factor):
        for i in range(factor):
            svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id, text=f"alt {i}"))
            svc.create_entry(
                pw.planner_k,
                pw.spk_next,
                decision_data(agenda_item_id=pw.spk_next.agenda_items[i % 3].id, addressee_org_id=pw.org_k.id),
            )
            svc.create_entry(pw.srm_a, pw.srk_past, {"kind": "Empfehlung", "text": f"Empfehlung {i}"})

    svc.create_entry(pw.planner_k, pw.spk_next, decision_data())
    svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id, text="schon offen"))
    assert_constant_queries(FreshSession(client, db), db.engine, f"/protokolle/sitzungen/{pw.spk_next.id}/", grow)


def test_meeting_panel_partial_constant_queries(app, client, pw, db):
    client.login("planung@kreis.example")
    svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id, text="AWO: Sprechstunde"))
    tpl = '{% with meeting = m %}{% include "protokolle/_meeting_panel.html" %}{% endwith %}'
    from flask_login import login_user

    from views.protokolle import meeting_panel

    def render():  # as the meeting page does: the view computes the panel, the partial renders it
        return render_template_string(tpl, m=pw.spk_next, panel=meeting_panel(pw.spk_next))

    with app.test_request_context("/"):
        login_user(pw.planner_k)
        out = render()
        assert "AWO: Sprechstunde" in out and "Protokoll und Nachhalten" in out
        with count_queries(db.engine) as c1:
            render()
        for i in range(10):
            svc.create_entry(
                pw.planner_k,
                pw.spk_past,
                task_data(owner_org_id=pw.org_b.id, owner_person_id=pw.person_b.id, text=f"mehr {i}"),
            )
        db.session.expire_all()
        render()
        with count_queries(db.engine) as c2:
            out = render()
        assert c1.count == c2.count, c2
        assert "mehr 9" in out


def test_forwarding_pages_show_both_directions(app, pw, db):
    client = Switch(app.test_client())
    src = svc.create_entry(
        pw.srm_a,
        pw.srk_past,
        {
            "kind": "Empfehlung",
            "text": "Quartiersbüro-Sprechstunde einrichten",
            "agenda_item_id": pw.srk_past.agenda_items[0].id,
        },
    )
    client.login("srm@ahlen.example")
    page = html(client.get(f"/protokolle/eintraege/{src.id}/weiterleiten"))
    assert "Sozialplanungskonferenz Testhausen" in page and "Steuerungsgruppe Fremdland" not in page
    r = client.post(f"/protokolle/eintraege/{src.id}/weiterleiten", data={"committee_id": str(pw.foreign.id)})
    assert r.status_code == 422
    r = client.post(f"/protokolle/eintraege/{src.id}/weiterleiten", data={"committee_id": str(pw.spk.id)})
    assert r.status_code == 302
    topic = db.session.scalar(select(TopicProposal))
    page = html(client.get(f"/protokolle/sitzungen/{pw.srk_past.id}/"))
    assert "Weitergeleitet an den Themenspeicher von" in page and "Stand: offen" in page
    item = pw.spk_next.agenda_items[2]
    topic.agenda_item_id, topic.status = item.id, "eingeplant"
    db.session.commit()
    svc.create_entry(
        pw.planner_k, pw.spk_next, decision_data(agenda_item_id=item.id, text="Sprechstunde wird eingerichtet (AWO).")
    )
    page = html(client.get(f"/protokolle/sitzungen/{pw.srk_past.id}/"))
    assert "Eingeplant als TOP 3" in page and "Sprechstunde wird eingerichtet (AWO)." in page
    planner = Switch(app.test_client())
    planner.login("planung@kreis.example")
    page = html(planner.get(f"/protokolle/sitzungen/{pw.spk_next.id}/"))
    assert "Herkunft: Empfehlung aus: Sozialraumkonferenz Altstadt" in page
    assert f"/protokolle/eintraege/{src.id}" in page


def test_health_page(client, pw):
    anwesenheit.save_attendance(
        pw.planner_k, pw.spk_past, [{"person_id": pw.person_a.id, "status": "anwesend", "organisation_id": pw.org_a.id}]
    )
    client.login("planung@kreis.example")
    r = client.get(f"/protokolle/gremien/{pw.spk.id}/gesundheit?wochen=4")
    assert r.status_code == 200
    page = html(r)
    assert "Mitgliedsorganisationen, die nie teilnehmen" in page and "Jobcenter Beckum" in page
    assert "mehr als 4 Wochen" in page


def test_next_meeting_links_approval_of_previous_protocol(client, pw):
    svc.create_entry(pw.planner_k, pw.spk_past, decision_data())
    svc.send_for_approval(
        pw.planner_k, pw.spk_past, svc.today() + timedelta(days=3), svc.get_protocol(pw.spk_past).version
    )
    client.login("planung@kreis.example")
    page = html(client.get(f"/protokolle/sitzungen/{pw.spk_mid.id}/"))
    assert "Genehmigung des Protokolls: Das Protokoll der Sitzung vom" in page
    assert f"/protokolle/sitzungen/{pw.spk_past.id}/#freigabe" in page
    assert "Genehmigung des Protokolls:" not in html(client.get(f"/protokolle/sitzungen/{pw.srk_past.id}/"))


def test_bad_form_input_on_roles_and_approval_is_422(client, pw):
    svc.create_entry(pw.planner_k, pw.spk_past, decision_data())
    client.login("planung@kreis.example")
    r = client.post(f"/protokolle/sitzungen/{pw.spk_past.id}/rollen", data={"moderation": "999999"})
    assert r.status_code == 422 and "gültige Personen" in html(r)
    r = client.post(
        f"/protokolle/sitzungen/{pw.spk_past.id}/zur-abstimmung",
        data={"objection_deadline": "32.13.2026", "version": "1"},
    )
    assert r.status_code == 422 and "Einspruchsfrist" in html(r)
    r = client.post(
        f"/protokolle/sitzungen/{pw.spk_past.id}/zur-abstimmung", data={"objection_deadline": "", "version": "1"}
    )
    assert r.status_code == 422 and "Bitte eine Einspruchsfrist angeben." in html(r)
    assert svc.get_protocol(pw.spk_past).status == "entwurf"
    assert pw.spk_past.protocol_roles == []


def test_kurzfassung_stays_one_page(client, pw):
    from pypdf import PdfReader

    long = "Sehr ausführlicher Beschlusstext mit Begründung. " * 20
    for i in range(12):
        svc.create_entry(pw.planner_k, pw.spk_past, decision_data(text=f"{i}: {long}"))
        svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id, text=f"{i}: {long}"))
    client.login("planung@kreis.example")
    r = client.get(f"/protokolle/sitzungen/{pw.spk_past.id}/kurzfassung.pdf")
    reader = PdfReader(io.BytesIO(r.data))
    assert len(reader.pages) == 1
    assert "weitere Beschlüsse" in reader.pages[0].extract_text()


def test_attendance_page_constant_queries(client, pw, db):
    import uuid

    from models import Invitation

    client.login("planung@kreis.example")

    def grow(factor):
        for i in range(factor * 3):
            p = Person(body=pw.kreis, first_name=f"Gast{i}", last_name="Test", organisation=pw.org_k)
            db.session.add(p)
            db.session.add(
                Invitation(meeting=pw.spk_past, person=p, organisation=pw.org_k, token_hash=uuid.uuid4().hex)
            )
        db.session.commit()

    assert_constant_queries(
        FreshSession(client, db), db.engine, f"/protokolle/sitzungen/{pw.spk_past.id}/anwesenheit", grow
    )


def test_committee_health_partial(app, pw, db):
    from flask_login import login_user

    anwesenheit.save_attendance(
        pw.planner_k, pw.spk_past, [{"person_id": pw.person_a.id, "status": "anwesend", "organisation_id": pw.org_a.id}]
    )
    tpl = '{% with committee = c %}{% include "protokolle/_committee_health.html" %}{% endwith %}'
    health = auswertung.committee_health(pw.spk)  # the view computes it; the partial only renders
    with app.test_request_context("/"):
        login_user(pw.planner_k)
        out = render_template_string(tpl, c=pw.spk, health=health)
        assert "Gesundheit des Gremiums" in out and "Jobcenter Beckum" in out
    with app.test_request_context("/"):
        login_user(pw.partner_a)
        assert "Gesundheit des Gremiums" not in render_template_string(tpl, c=pw.spk, health=health)
