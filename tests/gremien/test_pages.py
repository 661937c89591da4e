"""Pages: committee and meeting CRUD through the forms, bad input, agenda reorder without JS,
documents (PDF/DOCX), query-count guards."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from beteiligung.services.gremien import sitzungen as sitzungen_svc
from beteiligung.services.gremien import tagesordnung as tagesordnung_svc
from beteiligung.services.gremien import themen as themen_svc
from models import AgendaItem, Committee, CommitteeType, Meeting, Membership, Person, TopicProposal
from tests.support.queries import assert_constant_queries

from .conftest import future, switch_user


def test_create_committee_and_meeting_through_forms(client, gw, db):
    w = gw.w
    client.login("planung@kreis.example")
    types = {t.name: t.id for t in db.session.scalars(select(CommitteeType))}
    r = client.post(
        "/gremien/neu",
        data={
            "name": "Werkstatt Wohnen",
            "type_id": types["Werkstatt"],
            "body_id": w.kreis.id,
            "cadence": "nach Bedarf",
            "active": "y",
            "areas": [w.area_a1.id],
        },
    )
    assert r.status_code == 302
    c = db.session.scalar(select(Committee).where(Committee.name == "Werkstatt Wohnen"))
    assert [a.code for a in c.areas] == ["A-01"]
    r = client.post(
        f"/gremien/{c.id}/mitglieder",
        data={
            "m-person_id": w.person_b.id,
            "m-circle": "Kernkreis",
            "m-has_mandate": "y",
            "m-deputy_id": w.person_a.id,
        },
    )
    assert r.status_code == 303
    ms = db.session.scalar(select(Membership).where(Membership.committee_id == c.id))
    assert ms.has_mandate and ms.deputy_id == w.person_a.id and ms.organisation_id == w.org_b.id
    # series every two months from the form
    r = client.post(
        f"/gremien/{c.id}/sitzungen/neu",
        data={
            "title": "Werkstatt",
            "start": "2030-01-10T10:00",
            "end": "2030-01-10T12:00",
            "repeat": "zweimonatlich",
            "count": "4",
        },
    )
    assert r.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.committee_id == c.id)) == 4
    html = client.get(f"/gremien/{c.id}").get_data(as_text=True)
    assert "10.01.2030, 10:00 Uhr" in html and "10.03.2030, 10:00 Uhr" in html


def test_meeting_end_before_start_gives_422_german(client, gw, db):
    client.login("planung@kreis.example")
    before = db.session.scalar(select(func.count()).select_from(Meeting))
    r = client.post(
        f"/gremien/{gw.spk.id}/sitzungen/neu",
        data={"title": "Falsch", "start": "2030-01-10T12:00", "end": "2030-01-10T10:00", "repeat": ""},
    )
    assert r.status_code == 422
    assert "Das Ende der Sitzung muss nach ihrem Beginn liegen." in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == before
    r = client.post(f"/gremien/{gw.spk.id}/sitzungen/neu", data={"title": "", "start": "kaputt", "end": ""})
    assert r.status_code == 422
    assert "Bitte Datum und Uhrzeit des Beginns angeben." in r.get_data(as_text=True)
    r = client.post(f"/gremien/sitzungen/{gw.meeting.id}/top", data={"top-title": "", "top-duration_minutes": "9999"})
    assert r.status_code == 422 and "zwischen 1 und 600 Minuten" in r.get_data(as_text=True)
    assert len(gw.meeting.agenda_items) == 3


def test_meeting_edit_conflict_409(client, gw, db):
    client.login("planung@kreis.example")
    m = gw.meeting
    stale = m.version
    sitzungen_svc.update_meeting(gw.w.planner_k, m, {"goals": "anders"}, m.version)
    db.session.commit()
    r = client.post(
        f"/gremien/sitzungen/{m.id}/bearbeiten",
        data={"version": stale, "title": "Meine Fassung", "start": "2030-03-05T17:00", "end": "2030-03-05T19:00"},
    )
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "Bearbeitungskonflikt" in html and "Meine Fassung" in html


def test_reorder_without_and_with_js(client, gw, db):
    client.login("planung@kreis.example")
    items = sorted(gw.meeting.agenda_items, key=lambda i: i.position)
    r = client.post(f"/gremien/top/{items[0].id}/verschieben", data={"richtung": "runter"})
    assert r.status_code == 303
    db.session.expire_all()
    order = [
        i.title
        for i in db.session.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == gw.meeting.id).order_by(AgendaItem.position)
        )
    ]
    assert order == ["Geheime Personalsache", "Begrüßung", "Zielgruppen 2027"]
    r = client.post(
        f"/gremien/sitzungen/{gw.meeting.id}/reihenfolge", data={"ids": [items[2].id, items[0].id, items[1].id]}
    )
    assert r.status_code == 200 and r.get_json()["ok"]
    r = client.post(f"/gremien/sitzungen/{gw.meeting.id}/reihenfolge", data={"ids": ["x"]})
    assert r.status_code == 422
    html = client.get(f"/gremien/sitzungen/{gw.meeting.id}").get_data(as_text=True)
    assert html.index("Zielgruppen 2027") < html.index("Begrüßung") < html.index("Geheime Personalsache")
    assert 'protokolle/_meeting_panel.html' not in html


def test_agenda_table_is_named_by_its_heading_and_summed_up_below_it(client, gw):
    client.login("planung@kreis.example")
    html = client.get(f"/gremien/sitzungen/{gw.meeting.id}").get_data(as_text=True)
    table = re.search(r"<table[^>]*id=\"agenda-table\"[^>]*>\s*<caption[^>]*>([^<]*)</caption>", html)
    # the heading "Tagesordnung" names the table; the caption is not a second heading but the summary
    assert table and 'aria-labelledby="tagesordnung"' in table.group(0)
    assert re.fullmatch(r"3 Punkte(, geplant \d+ Minuten?)?", table.group(1)), table.group(1)
    # the actions of a TOP sit together, one look for all (buttons and the edit link)
    assert html.count('<div class="agenda-actions">') == 3
    assert re.search(
        r'<a class="kern-btn kern-btn--tertiary kern-btn--x-small" href="/gremien/top/\d+/bearbeiten">', html
    )


def test_invitation_pdf_and_docx(client, gw):
    client.login("planung@kreis.example")
    r = client.get(f"/gremien/sitzungen/{gw.meeting.id}/einladung.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    assert "Einladung: SPK Herbst" in text and "Zielgruppen 2027" in text and "Prioritäten festlegen" in text
    r = client.get(f"/gremien/sitzungen/{gw.meeting.id}/einladung.docx")
    assert r.status_code == 200
    import docx

    d = docx.Document(io.BytesIO(r.data))
    text = "\n".join(p.text for p in d.paragraphs) + "\n".join(
        c.text for t in d.tables for row in t.rows for c in row.cells
    )
    assert "Einladung: SPK Herbst" in text and "Zielgruppen 2027" in text and "Geheime Personalsache" in text
    # a non-member reading the public committee sees no non-public TOP in the document
    client = switch_user(client, "partner@jobcenter.example")
    r = client.get(f"/gremien/sitzungen/{gw.srk_meeting.id}/einladung.docx")
    d = docx.Document(io.BytesIO(r.data))
    text = "\n".join(c.text for t in d.tables for row in t.rows for c in row.cells)
    assert "Spielplatz am Markt" in text and "Vertrauliche Fallbesprechung" not in text


def test_types_admin(client, gw, db):
    client.login("planung@kreis.example")
    r = client.post("/gremien/arten", data={"name": "Runder Tisch", "public_default": "y"})
    assert r.status_code == 302
    r = client.post("/gremien/arten", data={"name": "runder tisch"})
    assert r.status_code == 422 and "gibt es bereits" in r.get_data(as_text=True)
    client = switch_user(client, "partner@wohlfahrt.example")
    assert client.get("/gremien/arten").status_code == 403


def _warm(grow, client, url):
    """The test app context keeps flask.g (the logged-in user) between requests; a commit in grow()
    expires it, so reload it once before measuring again."""

    def wrapped(factor):
        grow(factor)
        client.get(url)

    return wrapped


def _grow_committees(db, gw):
    def grow(factor):
        for i in range(factor):
            c = Committee(name=f"Gremium {i}", type_id=gw.spk.type_id, body_id=gw.w.kreis.id, areas=[gw.w.area_a1])
            db.session.add(c)
            db.session.add(Membership(committee=c, person_id=gw.w.person_a.id))
            db.session.add(Meeting(committee=c, title="S", start=future(4), end=future(4, 18), ical_uid=f"grow-{i}@t"))
        db.session.commit()

    return grow


def test_query_counts_constant(client, gw, db, app):
    client.login("planung@kreis.example")
    assert_constant_queries(client, db.engine, "/gremien/", _warm(_grow_committees(db, gw), client, "/gremien/"))

    def grow_members(factor):
        for i in range(factor):
            p = Person(
                body=gw.w.kreis,
                first_name="P",
                last_name=f"Person {i}",
                organisation=gw.w.org_k,
                email=f"p{i}@example.org",
            )
            db.session.add(p)
            db.session.add(Membership(committee=gw.spk, person=p, deputy=gw.w.person_a, organisation=gw.w.org_k))
            db.session.add(
                Meeting(
                    committee=gw.spk, title=f"S{i}", start=future(20 + i), end=future(20 + i, 18), ical_uid=f"gm-{i}@t"
                )
            )
            themen_svc.propose_topic(None, gw.spk, f"Thema {i}", None, "mitglied", None, "x")
        db.session.commit()

    url = f"/gremien/{gw.spk.id}"
    assert_constant_queries(client, db.engine, url, _warm(grow_members, client, url))


def test_meeting_page_query_count_constant(client, gw, db, app):
    from beteiligung.services.gremien import einladungen as inv_svc

    client.login("planung@kreis.example")
    client.post(f"/gremien/sitzungen/{gw.meeting.id}/einladen", data={"schritt": "senden", "anzahl": "2"})

    def grow(factor):
        for i in range(factor):
            p = Person(
                body=gw.w.kreis,
                first_name="P",
                last_name=f"Gast {i}",
                organisation=gw.w.org_k,
                email=f"g{i}@example.org",
            )
            db.session.add(p)
            db.session.flush()
            db.session.add(
                inv_svc.Invitation(
                    meeting=gw.meeting, person=p, organisation=gw.w.org_k, token_hash=f"{i:064d}", deputy=gw.w.person_a
                )
            )
            tagesordnung_svc.add_item(gw.w.planner_k, gw.meeting, {"title": f"TOP {i}", "terms": [gw.w.thema]})
        db.session.commit()

    url = f"/gremien/sitzungen/{gw.meeting.id}"
    assert_constant_queries(client, db.engine, url, _warm(grow, client, url))


def test_agenda_documents_upload_limits_and_access(client, gw, db, app):
    from models.committees import AgendaDocument

    client.login("planung@kreis.example")
    secret = next(i for i in gw.meeting.agenda_items if not i.is_public)
    public = next(i for i in gw.meeting.agenda_items if i.is_public)
    url = f"/gremien/top/{public.id}/dokumente"
    r = client.post(
        url, data={"datei": (io.BytesIO(b"MZ\x90\x00evil"), "tool.exe")}, content_type="multipart/form-data"
    )
    assert r.status_code == 422 and "Dateityp ist nicht erlaubt" in r.get_data(as_text=True)
    r = client.post(
        url, data={"datei": (io.BytesIO(b"<html>kein pdf"), "vorlage.pdf")}, content_type="multipart/form-data"
    )
    assert r.status_code == 422 and "passt nicht zur Dateiendung" in r.get_data(as_text=True)
    big = b"%PDF" + b"0" * (10 * 1024 * 1024)
    r = client.post(url, data={"datei": (io.BytesIO(big), "gross.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 422 and "zu groß" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AgendaDocument)) == 0
    r = client.post(
        url,
        data={"datei": (io.BytesIO(b"%PDF-1.4 Vorlage"), "Vorlage Zielgruppen.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    r = client.post(
        f"/gremien/top/{secret.id}/dokumente",
        data={"datei": (io.BytesIO(b"vertraulich"), "personal.txt")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    docs = {d.filename: d for d in db.session.scalars(select(AgendaDocument))}
    import os

    assert os.path.exists(os.path.join(app.config["UPLOAD_FOLDER"], "tagesordnung", docs["personal.txt"].stored_name))
    assert not app.config["UPLOAD_FOLDER"].startswith(app.static_folder)
    r = client.get(f"/gremien/dokumente/{docs['Vorlage Zielgruppen.pdf'].id}")
    assert r.status_code == 200 and r.data == b"%PDF-1.4 Vorlage"
    assert "Vorlage Zielgruppen.pdf" in client.get(f"/gremien/sitzungen/{gw.meeting.id}").get_data(as_text=True)
    # the foreign planner guesses ids; a non-member of the public SRK cannot read a non-public TOP's file
    other = switch_user(client, "planung@fremd.example")
    assert other.get(f"/gremien/dokumente/{docs['personal.txt'].id}").status_code == 404
    assert (
        other.post(
            f"/gremien/top/{public.id}/dokumente",
            data={"datei": (io.BytesIO(b"%PDF"), "x.pdf")},
            content_type="multipart/form-data",
        ).status_code
        == 404
    )
    # removing the TOP removes the file
    admin = switch_user(other, "planung@kreis.example")
    path = os.path.join(app.config["UPLOAD_FOLDER"], "tagesordnung", docs["personal.txt"].stored_name)
    assert admin.post(f"/gremien/top/{secret.id}/loeschen", data={}).status_code == 303
    assert not os.path.exists(path)


def test_topic_bad_input_and_schedule_via_page(client, gw, db):
    client.login("planung@kreis.example")
    r = client.post(f"/gremien/{gw.spk.id}/themen", data={"t-title": "<script>x</script>"})
    assert r.status_code == 422 and "ohne HTML-Tags" in r.get_data(as_text=True)
    r = client.post(f"/gremien/{gw.spk.id}/themen", data={"t-title": "Kinderarmut in Ahlen"})
    assert r.status_code == 303
    topic = db.session.scalar(select(TopicProposal))
    r = client.post(f"/gremien/themen/{topic.id}/einplanen", data={"meeting_id": gw.foreign_meeting.id})
    assert r.status_code == 303 and topic.status == "offen"
    r = client.post(f"/gremien/themen/{topic.id}/einplanen", data={"meeting_id": gw.meeting.id})
    assert r.status_code == 303
    db.session.refresh(topic)
    assert topic.status == "eingeplant"
    html = client.get(f"/gremien/{gw.spk.id}").get_data(as_text=True)
    assert "TOP 4 am" in html and "Vorschlag von Planerin Kreis" in html
