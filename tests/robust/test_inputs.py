"""Robust against any input (issue 20): the reported server errors, bounded numbers and dates,
refused control characters and line breaks, generated files that no stored value can break, and
read pages that do not write."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from beteiligung.inputs import BoundedMultiDict, to_decimal, to_id, to_int
from models import Committee, CommitteeType, Meeting, Organisation, utcnow
from tests.support.world import PASSWORD


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


# --- one way to read numbers ---------------------------------------------------------------


def test_to_int_and_to_decimal_bound_what_enters():
    assert to_int("42") == 42 and to_int(" -7 ") == -7
    assert to_int("2147483647") == 2147483647
    assert to_int("2147483648") is None and to_int("9" * 400) is None
    assert to_int("1e3") is None and to_int("0x10") is None and to_int("") is None and to_int(None) is None
    assert to_id("0") is None and to_id("-1") is None and to_id("5") == 5
    assert to_decimal("1.234,5") == Decimal("1234.5") and to_decimal("12.5") == Decimal("12.5")
    for bad in ("NaN", "inf", "1e309", "9" * 13, "1,2,3", "abc", ""):
        assert to_decimal(bad) is None, bad


def test_query_args_type_int_are_bounded():
    args = BoundedMultiDict([("a", "12"), ("b", "99999999999999999999"), ("c", "x"), ("l", "1"), ("l", "9" * 30)])
    assert args.get("a", type=int) == 12
    assert args.get("b", 1, type=int) == 1 and args.get("c", type=int) is None
    assert args.getlist("l", type=int) == [1]
    assert args.get("b") == "99999999999999999999"  # as text it stays what it was


# --- the reported 500s ---------------------------------------------------------------------

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "who", ["admin@test.example", "planung@kreis.example", "partner@wohlfahrt.example", "politik@kreis.example"]
)
def test_reported_urls_answer_without_server_error(client, world, who):
    client.login(who)
    urls = [
        f"/kontrakte/export.xlsx?partner={HUGE}",
        f"/kontrakte/?partner={HUGE}",
        f"/kontrakte/?sozialraum={HUGE}",
        f"/kontrakte/?handlungsfeld={HUGE}",
        f"/kontrakte/?art={HUGE}",
        "/netzwerk/kanten?personen=-99999999999",
        "/netzwerk/",
        f"/gremien/?art={HUGE}",
        f"/protokolle/?gremium={HUGE}&person=-{HUGE}",
        f"/stammdaten/organisationen/?sozialraum={HUGE}",
        f"/netzwerk/?sozialraum={HUGE}",
        f"/kontrakte/?seite={HUGE}",
        f"/gremien/?seite=-{HUGE}",
    ]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)


def test_huge_route_ids_are_404(client, world):
    client.login("admin@test.example")
    for url in (f"/gremien/{HUGE}", "/gremien/2147483648", f"/kontrakte/{HUGE}", f"/stammdaten/personen/{HUGE}"):
        assert client.get(url).status_code == 404, url


def test_huge_quorum_is_a_german_field_error_and_writes_nothing(client, world, db):
    client.login("planung@kreis.example")
    type_id = db.session.scalar(select(CommitteeType.id).order_by(CommitteeType.id))
    before = count(db, Committee)
    data = {"name": "AG Zahlen", "type_id": type_id, "body_id": world.kreis.id, "active": "y"}
    for quorum in ("9" * 400, "1e309", "NaN", "-2147483649"):
        r = client.post("/gremien/neu", data={**data, "quorum": quorum})
        assert r.status_code == 422, quorum
        assert "Zahl" in r.get_data(as_text=True)
    assert count(db, Committee) == before
    assert client.post("/gremien/neu", data={**data, "quorum": "7"}).status_code == 302
    assert db.session.scalar(select(Committee.quorum).where(Committee.name == "AG Zahlen")) == 7


def test_dates_outside_plausible_years_are_refused(client, world, db):
    client.login("planung@kreis.example")
    type_id = db.session.scalar(select(CommitteeType.id).order_by(CommitteeType.id))
    client.post(
        "/gremien/neu", data={"name": "AG Termine", "type_id": type_id, "body_id": world.kreis.id, "active": "y"}
    )
    committee = db.session.scalar(select(Committee).where(Committee.name == "AG Termine"))
    before = count(db, Meeting)
    for start in ("0001-01-01T10:00", "9999-12-31T10:00", "2026-02-30T10:00", "x" * 60):
        r = client.post(
            f"/gremien/{committee.id}/sitzungen/neu",
            data={"title": "Sitzung", "start": start, "end": "2027-01-01T12:00"},
        )
        assert r.status_code == 422, start
    assert count(db, Meeting) == before


def test_login_next_with_line_break_is_no_server_error(client, world):
    client.get("/anmelden")
    r = client.post("/anmelden?next=%0d%0aSet-Cookie:x=1", data={"email": "admin@test.example", "password": PASSWORD})
    assert r.status_code in (302, 401, 422)
    assert "\n" not in r.headers.get("Location", "") and "Set-Cookie: x" not in str(r.headers)


def test_nul_bytes_and_overlong_query_values_are_a_german_400(client, world):
    client.login("admin@test.example")
    for url in ("/stammdaten/organisationen/?q=a%00b", "/kontrakte/?partner=1%002", "/gremien/?q=" + "x" * 3000):
        r = client.get(url)
        assert r.status_code == 400, url
        assert "Eingabe" in r.get_data(as_text=True)


def test_single_line_fields_refuse_line_breaks(client, world, db):
    client.login("planung@kreis.example")
    type_id = db.session.scalar(select(CommitteeType.id).order_by(CommitteeType.id))
    before = count(db, Committee)
    r = client.post(
        "/gremien/neu",
        data={"name": "AG\r\nBcc: x@example.org", "type_id": type_id, "body_id": world.kreis.id, "active": "y"},
    )
    assert r.status_code == 422 and "Zeilenumbruch" in r.get_data(as_text=True)
    assert count(db, Committee) == before


# --- stored values cannot break generated files -------------------------------------------


@pytest.fixture
def public_meeting(world, db):
    ctype = db.session.scalar(select(CommitteeType).order_by(CommitteeType.id))
    committee = Committee(body=world.kreis, type=ctype, name="Offene Konferenz\nmit Umbruch", is_public=True)
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    meeting = Meeting(
        committee=committee,
        title="Sitzung\r\nX-INJECT:1",
        start=start,
        end=start + timedelta(hours=2),
        is_public=True,
        ical_uid="robust@test",
        location="Rathaus\nRaum 2",
        online_url="https://meet.example/a\r\nb c",
    )
    db.session.add_all([committee, meeting])
    db.session.commit()
    return meeting


def test_public_calendar_survives_stored_line_breaks(client, public_meeting):
    from icalendar import Calendar

    r = client.get("/oeffentlich/kalender/oeffentlich.ics")
    assert r.status_code == 200
    cal = Calendar.from_ical(r.data)
    event = next(iter(cal.walk("VEVENT")))
    assert "X-INJECT" not in event and "\n" not in str(event["SUMMARY"])
    assert str(event["URL"]) == "https://meet.example/a%20b%20c"
    assert str(event["LOCATION"]) == "Rathaus Raum 2"


def test_online_link_with_line_break_is_refused_on_input(client, world, db, public_meeting):
    client.login("planung@kreis.example")
    start = public_meeting.start + timedelta(days=1)
    r = client.post(
        f"/gremien/{public_meeting.committee_id}/sitzungen/neu",
        data={
            "title": "Neue Sitzung",
            "start": start.strftime("%Y-%m-%dT%H:%M"),
            "end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "online_url": "https://x.example/\r\nb",
        },
    )
    assert r.status_code == 422
    assert count(db, Meeting) == 1


def test_no_xlsx_or_csv_cell_starts_a_formula_headers_included():
    from openpyxl import load_workbook

    from beteiligung.exports import csv_lines, xlsx_file

    headers = ['=HYPERLINK("http://evil.example","klick")', "Frage\x0b2", "+SUM(1)"]
    rows = [["@cmd", "-1", "\x00=1+1", float("nan")]]
    wb = load_workbook(xlsx_file([("Antworten: [Teil 1/2]", headers, rows)]))
    ws = wb.active
    assert ws.title == "Antworten   Teil 1 2"
    values = [c.value for row in ws.iter_rows() for c in row]
    assert all(not (isinstance(v, str) and v[:1] in "=+@") for v in values), values
    assert values[0].startswith("'=HYPERLINK") and values[1] == "Frage2"
    text = "".join(csv_lines(headers, rows))
    assert "'=HYPERLINK" in text and "'+SUM(1)" in text and "\x00" not in text


def test_control_characters_never_reach_a_column(app, world, db):
    """Whatever the way in (imports, jobs), stored text carries no control characters, so DOCX,
    XLSX and GraphML built from it cannot break."""
    world.org_a.name = "Wohlfahrt\x0b Ahlen\x00"
    world.org_a.description = "Zeile 1\nZeile 2\x07"
    db.session.commit()
    db.session.expire_all()
    org = db.session.get(Organisation, world.org_a.id)
    assert org.name == "Wohlfahrt Ahlen" and org.description == "Zeile 1\nZeile 2"
    from docx import Document

    doc = Document()
    doc.add_paragraph(org.name + org.description)
    doc.save(io.BytesIO())


# --- read pages do not write --------------------------------------------------------------


def test_network_page_fills_its_cache_apart_from_the_request(client, world, db):
    from models.network import NetworkGraphCache

    client.login("planung@kreis.example")
    assert count(db, NetworkGraphCache) == 0
    assert client.get("/netzwerk/").status_code == 200  # the guard (conftest) would turn a write into a 500
    db.session.commit()
    assert count(db, NetworkGraphCache) == 1
    assert client.get("/netzwerk/kanten?personen=-99999999999").status_code == 200


def test_guard_fails_a_get_request_that_writes(app, world, db):
    from flask import g

    from beteiligung.database import ReadRequestWrote

    with app.test_request_context("/irgendwo", method="GET"):
        g.read_only_guard_on = True
        world.org_a.name = "Geändert beim Lesen"
        with pytest.raises(ReadRequestWrote):
            db.session.flush()
    db.session.rollback()


def test_side_write_failure_does_not_break_the_caller(app, db):
    from beteiligung.database import side_write

    def broken(conn):
        raise RuntimeError("Platte voll")

    assert side_write(broken) is False
