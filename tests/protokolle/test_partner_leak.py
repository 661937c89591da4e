"""Regression (issue 11): a partner who holds a meeting role (Protokollführung) never sees a person of another
organisation — no name in a choice list, form, page or export. The protocol entry form used to build its own
scope (every person of the Kreis, with organisation) instead of the named person filter."""

from __future__ import annotations

import io
from collections import deque

from beteiligung.extensions import db
from beteiligung.services.protokolle import anwesenheit
from beteiligung.services.protokolle import eintraege as svc
from models import Person
from tests.auswahl.support import picker_html, picker_options
from tests.test_link_crawl import DOWNLOADS, SKIP, _links

# Persons of other organisations: same Kommune, same Kreis, foreign Kreis.
FOREIGN = ("Fremdorg", "Brandt", "Karla Kreis", "Kreis, Karla", "Xander")


def _setup(pw):
    pw.person_same_body = Person(
        body=pw.kommune_a,
        first_name="Fiona",
        last_name="Fremdorg",
        organisation=pw.org_k,
        email="fiona.fremdorg@example.org",
    )
    db.session.add(pw.person_same_body)
    anwesenheit.set_meeting_roles(pw.planner_a, pw.srk_past, {"protokollfuehrung": pw.person_a.id})
    db.session.commit()
    return pw.srk_past


def _export_text(resp) -> str:
    """The text of a download: XLSX cells, DOCX paragraphs and tables, anything else as text."""
    data = resp.data
    if data[:2] == b"PK" and "spreadsheet" in resp.mimetype:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data))
        return " ".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row)
    if data[:2] == b"PK" and "word" in resp.mimetype:
        from docx import Document

        doc = Document(io.BytesIO(data))
        cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in doc.paragraphs] + cells)
    return data.decode("utf-8", errors="replace")


def _assert_clean(url, text):
    leaked = [name for name in FOREIGN if name in text]
    assert leaked == [], f"{url} shows {leaked}"


def test_partner_with_protocol_role_sees_only_own_persons_in_forms(client, pw):
    meeting = _setup(pw)
    client.login("partner@wohlfahrt.example")
    page = client.get(f"/protokolle/sitzungen/{meeting.id}/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # The entry form is there (the role may edit); its person picker (views/auswahl) lists nobody
    # until searched and then offers the partner's own people only – without JavaScript …
    _assert_clean("entry form", picker_html(text, "owner_person_id"))
    for q in ("an", "Fremdorg", "Brandt", "Karla", "Xander", "Kreis", "example"):
        r = client.post(
            f"/protokolle/sitzungen/{meeting.id}/eintraege",
            data={"kind": "Aufgabe", "text": "", "owner_person_id-q": q, "owner_person_id-suchen": "1"},
        )
        assert r.status_code == 200
        offered = picker_options(r.get_data(as_text=True), "owner_person_id")
        _assert_clean(f"entry form search {q}", " ".join(offered.values()))
        if q == "an":
            assert "Arndt, Anke (Wohlfahrt Ahlen e. V.)" in offered.values()
        # … and through the JSON search behind the combobox, for every purpose.
        for zweck in ("allgemein", "protokoll", "mitglied", "einladung", "netzwerk"):
            found = client.get("/auswahl/personen", query_string={"q": q, "zweck": zweck})
            assert found.status_code == 200
            _assert_clean(f"/auswahl/personen?q={q}&zweck={zweck}", found.get_data(as_text=True))
    attendance = client.get(f"/protokolle/sitzungen/{meeting.id}/anwesenheit")
    assert attendance.status_code == 200
    _assert_clean("attendance", attendance.get_data(as_text=True))
    # A guessed foreign person id is refused, nothing is written.
    r = client.post(
        f"/protokolle/sitzungen/{meeting.id}/eintraege",
        data={
            "kind": "Aufgabe",
            "text": "Raum buchen",
            "agenda_item_id": "",
            "decision_mode": "",
            "addressee_org_id": "",
            "owner_person_id": str(pw.person_b.id),
            "owner_org_id": "",
            "due_date": "",
        },
    )
    assert r.status_code == 422
    assert svc.get_protocol(meeting) is None or not svc.get_protocol(meeting).entries


def test_partner_with_protocol_role_never_sees_foreign_persons_anywhere(client, pw):
    meeting = _setup(pw)
    client.login("partner@wohlfahrt.example")
    r = client.post(
        f"/protokolle/sitzungen/{meeting.id}/eintraege",
        data={
            "kind": "Aufgabe",
            "text": "Raum buchen",
            "agenda_item_id": "",
            "decision_mode": "",
            "addressee_org_id": "",
            "owner_person_id": str(pw.person_a.id),
            "owner_org_id": "",
            "due_date": "2030-01-31",
        },
    )
    assert r.status_code == 302
    entry = svc.get_protocol(meeting).entries[0]
    start = [
        "/",
        f"/protokolle/sitzungen/{meeting.id}/",
        f"/protokolle/sitzungen/{meeting.id}/anwesenheit",
        f"/protokolle/eintraege/{entry.id}/bearbeiten",
        f"/protokolle/eintraege/{entry.id}/stand",
        "/protokolle/",
        "/stammdaten/personen/",
        "/netzwerk/",
    ]
    seen, queue, visited, downloads = set(start), deque(start), 0, set()
    while queue and visited < 250:
        url = queue.popleft()
        visited += 1
        resp = client.get(url, follow_redirects=True)
        if resp.status_code == 200 and resp.mimetype == "text/html":
            text = resp.get_data(as_text=True)
            _assert_clean(url, text)
            for link in _links(text):
                if DOWNLOADS.search(link) and not link.startswith("/static/"):
                    downloads.add(link)
                elif link not in seen and not SKIP.search(link):
                    seen.add(link)
                    queue.append(link)
        resp.close()
    assert visited > 20
    # Every export and document offered on those pages (PDFs are checked through their DOCX twin).
    downloads |= {
        "/protokolle/beschluesse.csv",
        "/protokolle/beschluesse.xlsx",
        f"/protokolle/sitzungen/{meeting.id}/protokoll.docx",
    }
    checked = 0
    for url in sorted(downloads):
        resp = client.get(url)
        if resp.status_code != 200 or url.split("?")[0].endswith(".pdf"):
            continue
        _assert_clean(url, _export_text(resp))
        checked += 1
    assert checked >= 3
