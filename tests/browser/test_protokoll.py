"""Browser: a moderator records attendance, a decision and a task during a meeting."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.auswahl.support import pick_in_browser
from tests.browser.helpers import check_axe, login


def _meeting_today(live_server):
    from beteiligung.extensions import db
    from models import AgendaItem, Committee, Meeting, User, utcnow
    from models.protocols import MeetingRole

    with live_server.app.app_context():
        srk = db.session.query(Committee).filter_by(name="Sozialraumkonferenz Südstadt").one()
        srm = db.session.query(User).filter_by(email="sozialraum.sued@stadt-lindenau.example").one()
        start = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=30)
        m = Meeting(
            committee=srk,
            title="Sozialraumkonferenz Südstadt (Browsertest)",
            start=start,
            end=start + timedelta(hours=2),
            status="eingeladen",
            ical_uid=f"{uuid.uuid4()}@test",
        )
        m.agenda_items.append(AgendaItem(position=1, number="1", title="Spielplatz am Mühlbach"))
        db.session.add(m)
        db.session.flush()
        db.session.add(MeetingRole(meeting_id=m.id, person_id=srm.person_id, role="moderation"))
        db.session.commit()
        return m.id


def test_moderator_records_attendance_decision_and_task(live_server, page):
    from datetime import date

    meeting_id = _meeting_today(live_server)
    login(page, live_server, "sozialraum.sued@stadt-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/protokolle/sitzungen/{meeting_id}/anwesenheit")
    page.get_by_role("heading", name="Anwesenheit: Sozialraumkonferenz Südstadt (Browsertest)").wait_for()
    check_axe(page)
    rows = page.locator("table.attendance-table tbody tr")
    assert rows.count() >= 3
    rows.nth(0).get_by_label("anwesend").check()
    rows.nth(1).get_by_label("entschuldigt").check()
    rows.nth(2).get_by_label("anwesend").check()
    page.get_by_role("button", name="Anwesenheit speichern").click()
    page.get_by_text("Anwesenheit gespeichert").wait_for()
    assert "anwesend 2" in page.locator("main").inner_text()

    page.goto(f"{live_server.url}/protokolle/sitzungen/{meeting_id}/")
    check_axe(page)
    form = page.locator("#neuer-eintrag form")
    form.get_by_label("Tagesordnungspunkt").select_option(label="TOP 1: Spielplatz am Mühlbach")
    form.get_by_label("Art des Eintrags").select_option("Beschluss")
    form.get_by_label("Inhalt").fill("Die Konferenz empfiehlt, den Spielplatz am Mühlbach bis zum Sommer zu sanieren.")
    form.get_by_label("Zustandekommen (Beschluss)").select_option("konsens")
    form.get_by_label("verbindlich", exact=True).check()
    form.get_by_role("button", name="Eintrag speichern").click()
    page.get_by_text("Beschluss gespeichert.").wait_for()

    form = page.locator("#neuer-eintrag form")
    form.get_by_label("Tagesordnungspunkt").select_option(label="TOP 1: Spielplatz am Mühlbach")
    form.get_by_label("Art des Eintrags").select_option("Aufgabe")
    form.get_by_label("Inhalt").fill("Kostenschätzung für die Sanierung einholen.")
    pick_in_browser(
        page,
        form.get_by_role("combobox", name="Verantwortliche Organisation"),
        "AWO Kreisverband Lindenau e. V.",
        "AWO Kreis",
    )
    due = date.today() + timedelta(days=21)
    form.get_by_label("Fällig am").fill(due.isoformat())
    form.get_by_role("button", name="Eintrag speichern").click()
    page.get_by_text("Aufgabe gespeichert.").wait_for()
    text = page.locator("main").inner_text()
    assert "den Spielplatz am Mühlbach bis zum Sommer zu sanieren" in text and "im Konsens" in text
    assert "Kostenschätzung für die Sanierung einholen." in text
    assert f"Fällig am {due.strftime('%d.%m.%Y')}" in text and "Verantwortlich: AWO" in text
    check_axe(page)


def test_manager_sets_meeting_roles_person_or_name(live_server, page, tmp_path):
    """Sitzungsrollen on the protocol page: a person (whose account then edits) or a name without a record."""
    from beteiligung.extensions import db
    from models import Meeting

    with live_server.app.app_context():
        meeting_id = (
            db.session.query(Meeting.id)
            .filter_by(title="Sozialraumkonferenz Südstadt – Ergebnisse der Befragung")
            .scalar()
        )
    login(page, live_server, "planung@stadt-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/protokolle/sitzungen/{meeting_id}/#rollen")
    form = page.locator("form.roles-form")
    pick_in_browser(
        page, form.get_by_role("combobox", name="Moderation"), "Haverkamp, Jens (Sozialamt Stadt Lindenau)", "Haverk"
    )
    form.get_by_label("Moderation ohne Personeneintrag (Name)").fill("")
    form.get_by_label("Protokollführung ohne Personeneintrag (Name)").fill("Quartiersbüro Südstadt, Frau Yılmaz")
    form.get_by_role("button", name="Rollen speichern").click()
    page.get_by_text("Die Sitzungsrollen wurden gespeichert.").wait_for()
    check_axe(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.locator("#rollen").screenshot(path=str(tmp_path / f"rollen-{width}.png"))
    page.goto(f"{live_server.url}/gremien/sitzungen/{meeting_id}")
    text = page.locator("main").inner_text()
    assert "Jens Haverkamp" in text and "Quartiersbüro Südstadt, Frau Yılmaz" in text
    check_axe(page)
