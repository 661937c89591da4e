"""Issue 14, cheap pages stay cheap (faktor1): bounded counts on the start page and in Nachhalten, the open items
read in list order from the partial index, and the public meeting list one page at a time."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from beteiligung.extensions import db
from beteiligung.services.protokolle import eintraege as svc
from models import Meeting, utcnow
from models.protocols import NOT_DONE, Protocol, ProtocolEntry
from tests.seiten.test_seiten import Pages, _seq
from tests.support.queries import assert_constant_page


def _task(pages, *, days_ago, due, status="offen", kind="Aufgabe"):
    i = next(_seq)
    m = pages._meeting(pages.now - timedelta(days=days_ago), f"Sitzung {i:05d}")
    protocol = Protocol(meeting=m, status="genehmigt")
    db.session.add(protocol)
    entry = ProtocolEntry(protocol=protocol, kind=kind, text=f"Punkt {i:05d}", due_date=due, status=status)
    db.session.add(entry)
    return entry


# --- start page: "mehr als 99" ----------------------------------------------------------------------


def test_start_page_counts_open_and_overdue_items(client, world):
    pages = Pages(world)
    today = pages.now.date()
    for n in range(3):
        _task(pages, days_ago=10 + n, due=today - timedelta(days=n + 1))  # overdue
    _task(pages, days_ago=20, due=today + timedelta(days=5))
    _task(pages, days_ago=21, due=None)
    _task(pages, days_ago=22, due=today - timedelta(days=3), status="erledigt")  # done: not counted
    db.session.commit()
    client.login(world.planner_k.email)
    html = client.get("/").get_data(as_text=True)
    assert "5 offen, davon <strong>3 überfällig</strong>." in html


def test_start_page_caps_its_counts(client, world):
    pages = Pages(world)
    today = pages.now.date()
    for n in range(101):
        _task(pages, days_ago=10 + n, due=today - timedelta(days=1 + n % 20))
    for n in range(4):
        _task(pages, days_ago=200 + n, due=today + timedelta(days=1))
    db.session.commit()
    client.login(world.planner_k.email)
    html = client.get("/").get_data(as_text=True)
    assert "mehr als 99 offen, davon <strong>mehr als 99 überfällig</strong>." in html


# --- Nachhalten: counted ten pages ahead ------------------------------------------------------------


def test_followup_count_is_capped_and_goes_on(client, world, monkeypatch):
    import views.protokolle as followup_view

    monkeypatch.setattr(followup_view, "FOLLOWUP_COUNT_PAGES", 2)  # counted up to 2 pages ahead (50 rows)
    pages = Pages(world)
    pages.open_items(60)
    client.login(world.planner_k.email)
    page1 = client.get("/protokolle/").get_data(as_text=True)
    assert "Seite 1 von mehr als 2 · mehr als 50 Einträge" in page1
    assert 'rel="next"' in page1
    page2 = client.get("/protokolle/?seite=2").get_data(as_text=True)
    assert "Seite 2 von 3 · 60 Einträge" in page2  # from page 2 the count reaches the end
    page3 = client.get("/protokolle/?seite=3").get_data(as_text=True)
    assert len(set(re.findall(r"Aufgabe \d{5}", page3))) == 10 and 'rel="next"' not in page3
    assert "Seite 3 von 3" in client.get("/protokolle/?seite=500").get_data(as_text=True)  # out of range: last page


def test_followup_uncapped_count_unchanged(client, world):
    pages = Pages(world)
    pages.open_items(30)
    client.login(world.planner_k.email)
    assert "Seite 1 von 2 · 30 Einträge" in client.get("/protokolle/").get_data(as_text=True)


# --- the open items keep their order with the partial index -----------------------------------------


def test_open_items_order_unchanged(world):
    """Due date first (undated last), then the newer meeting, then the id – the same order as sorting every
    open item, also for ties of one due date and for entries that are done or not follow-ups."""
    pages = Pages(world)
    today = pages.now.date()
    entries = []
    for n in range(24):
        due = None if n % 7 == 0 else today + timedelta(days=n % 4)
        entries.append(_task(pages, days_ago=5 + (n * 13) % 17, due=due, status="offen" if n % 3 else "in Arbeit"))
    _task(pages, days_ago=3, due=today, status="erledigt")
    _task(pages, days_ago=4, due=today, kind="Information", status=None)
    db.session.commit()
    expected = sorted(
        entries,
        key=lambda e: (e.due_date is None, e.due_date or today, -e.protocol.meeting.start.timestamp(), e.id),
    )
    for per_page in (5, 24):
        ids = db.session.scalars(svc.followup_ids(world.planner_k, status=NOT_DONE).limit(per_page)).all()
        assert ids == [e.id for e in expected[:per_page]]
    overdue = db.session.scalars(svc.followup_ids(world.planner_k, status=NOT_DONE, overdue=True)).all()
    assert overdue == []  # nothing due before today
    aufgaben = db.session.scalars(svc.followup_ids(world.planner_k, status=NOT_DONE, kind="Aufgabe")).all()
    assert aufgaben == [e.id for e in expected]
    in_arbeit = db.session.scalars(svc.followup_ids(world.planner_k, status="in Arbeit")).all()
    assert in_arbeit == [e.id for e in expected if e.status == "in Arbeit"]


def test_overdue_filter_keeps_the_status_filter(world):
    pages = Pages(world)
    today = pages.now.date()
    late_open = _task(pages, days_ago=5, due=today - timedelta(days=2))
    late_working = _task(pages, days_ago=6, due=today - timedelta(days=3), status="in Arbeit")
    _task(pages, days_ago=7, due=today - timedelta(days=4), status="erledigt")
    db.session.commit()

    def ids(**filters):
        return set(db.session.scalars(svc.followup_ids(world.planner_k, overdue=True, **filters)))

    assert ids(status=NOT_DONE) == {late_open.id, late_working.id}
    assert ids(status="offen") == {late_open.id}
    assert ids(status="erledigt") == set()  # done items are never overdue
    assert ids(status="alle") == {late_open.id, late_working.id}


# --- public meetings: one page at a time ------------------------------------------------------------


def _public_meetings(pages, n, start_in_days=1):
    pages.committee.is_public = True
    for k in range(n):
        i = next(_seq)
        start = pages.now + timedelta(days=start_in_days + k)
        db.session.add(
            Meeting(
                committee=pages.committee,
                title=f"Öffentlich {i:05d}",
                start=start,
                end=start + timedelta(hours=2),
                status="eingeladen",
                is_public=True,
                ical_uid=f"{uuid.uuid4()}@test",
            )
        )
    db.session.commit()


def test_public_meetings_page_through(client, world):
    pages = Pages(world)
    _public_meetings(pages, 20)
    now = utcnow()
    running = Meeting(
        committee=pages.committee,
        title="Läuft gerade",
        start=now - timedelta(days=1),
        end=now + timedelta(hours=1),
        is_public=True,
        status="eingeladen",
        ical_uid=f"{uuid.uuid4()}@test",
    )
    past = Meeting(
        committee=pages.committee,
        title="Schon vorbei",
        start=now - timedelta(days=2),
        end=now - timedelta(days=2) + timedelta(hours=2),
        is_public=True,
        status="eingeladen",
        ical_uid=f"{uuid.uuid4()}@test",
    )
    db.session.add_all([running, past])
    db.session.commit()
    page1 = client.get("/oeffentlich/sitzungen/").get_data(as_text=True)
    assert "Läuft gerade" in page1 and "Schon vorbei" not in page1
    assert page1.count("Öffentlich ") == 14 and "weitere Sitzungen" in page1 and "frühere Sitzungen" not in page1
    page2 = client.get("/oeffentlich/sitzungen/?seite=2").get_data(as_text=True)
    assert page2.count("Öffentlich ") == 6 and "weitere Sitzungen" not in page2 and "frühere Sitzungen" in page2
    assert client.get("/oeffentlich/sitzungen/?seite=3").status_code == 404
    for bad in ("x", "-1", "0", "99999999999999999999"):
        assert client.get(f"/oeffentlich/sitzungen/?seite={bad}").status_code in (200, 404)


@pytest.mark.parametrize("url", ["/oeffentlich/sitzungen/"])
def test_public_meetings_constant(client, world, url):
    pages = Pages(world)
    _public_meetings(pages, 16)  # more than one page (15)
    offset = iter(range(100, 10_000, 100))
    assert_constant_page(client, db.engine, url, lambda f: _public_meetings(pages, 16 * (f - 1), next(offset)))


# --- German formats without babel's per-call locale look-up: the same strings as babel ----------------


def test_fast_formats_match_babel():
    import random
    from datetime import date, datetime, time

    from babel.dates import format_date, format_time
    from babel.numbers import format_decimal

    from beteiligung.formatting import date_de, number_de, time_de, to_berlin

    rng = random.Random(14)
    for _ in range(500):
        d = date(rng.randint(1, 9999), rng.randint(1, 12), rng.randint(1, 28))
        assert date_de(d) == format_date(d, "dd.MM.yyyy", locale="de_DE")
        dt = datetime(
            rng.randint(1950, 2100), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
        )
        local = to_berlin(dt)
        assert date_de(dt) == format_date(local, "dd.MM.yyyy", locale="de_DE")
        assert time_de(dt) == format_time(local, "HH:mm", locale="de_DE") + " Uhr"
        t = time(rng.randint(0, 23), rng.randint(0, 59))
        assert time_de(t) == format_time(t, "HH:mm", locale="de_DE") + " Uhr"
        n = rng.randint(-(10**12), 10**12)
        assert number_de(n) == format_decimal(n, locale="de_DE")
    assert (date_de(date(2026, 11, 21)), number_de(1234), number_de(1234.5)) == ("21.11.2026", "1.234", "1.234,5")
