"""Browser test of the foundation: log in, create an organisation, find it; axe-core on the main pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.browser.helpers import check_axe, login

pytestmark = pytest.mark.browser

PLANNER = "planung@kreis-lindenau.example"
ADMIN = "admin@lindenau.example"


def test_planner_creates_organisation_and_finds_it(page, live_server):
    console_errors = []  # e.g. "Failed to load resource" for a missing favicon, script or style
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    login(page, live_server, PLANNER)
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_text("Stammdaten", exact=True).click()  # the group opens as a disclosure menu
    nav.get_by_role("link", name="Organisationen").click()
    page.get_by_role("link", name="Organisation anlegen").click()
    page.get_by_label("Körperschaft").select_option(label="Kreis Lindenau")
    page.get_by_label("Name", exact=True).fill("Nachbarschaftstreff Heidekamp e. V.")
    page.get_by_label("Kurzname").fill("Treff Heidekamp")
    page.get_by_label("Art").select_option("Initiative/Verein")
    page.get_by_label("PLZ").fill("31234")
    page.get_by_label("Ort").fill("Ostermoor")
    page.get_by_label("Sozialräume, in denen sie arbeitet").select_option(label="Gemeinde Ostermoor: OM-2 Heidekamp")
    page.get_by_role("button", name="Speichern").click()

    page.wait_for_url(re.compile(r".*/stammdaten/organisationen/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Nachbarschaftstreff Heidekamp e. V.")
    assert page.get_by_role("status").filter(has_text="wurde angelegt").count() == 1

    # Find it through the list search.
    page.get_by_role("link", name="Organisationen").first.click()
    page.get_by_role("searchbox", name="Suche").fill("heidekamp")
    page.get_by_role("button", name="Filtern").click()
    page.wait_for_url(re.compile(r".*q=heidekamp.*"))
    table = page.get_by_role("table")
    row = table.get_by_role("row").filter(has_text="Nachbarschaftstreff Heidekamp")
    assert row.count() == 1
    assert "OM-2" in row.inner_text()
    assert "Kreis Lindenau" in row.inner_text()

    # …and it is really stored, with the area, by the planner.
    from beteiligung.extensions import db
    from models import AuditEntry, Organisation

    with live_server.app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.name == "Nachbarschaftstreff Heidekamp e. V."))
        assert org is not None and [a.code for a in org.areas] == ["OM-2"]
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.entity_type == "Organisation", AuditEntry.entity_id == org.id)
        )
        assert entry.action == "create" and entry.user.email == PLANNER
        db.session.remove()
    assert console_errors == []


def test_bad_input_shows_message_at_field(page, live_server):
    login(page, live_server, PLANNER, start_page=False)
    page.goto(f"{live_server.url}/stammdaten/organisationen/neu")
    page.get_by_label("Name", exact=True).fill("<script>alert(1)</script>")
    page.get_by_label("PLZ").fill("12")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_load_state()
    name = page.get_by_label("Name", exact=True)
    assert name.get_attribute("aria-invalid") == "true"
    described = name.get_attribute("aria-describedby")
    assert "Bitte ohne HTML-Tags" in page.locator(f"#{described.split()[-1]}").inner_text()
    assert page.get_by_role("alert").filter(has_text="Bitte prüfen Sie Ihre Angaben").count() == 1
    check_axe(page)


def test_axe_login_page(page, live_server):
    page.goto(f"{live_server.url}/anmelden")
    check_axe(page)


def test_anchor_links_jump_for_who_has_switched_animations_off(browser, live_server):
    """KERN scrolls smoothly to an anchor for everyone; with "reduce motion" set, the page jumps (app.css)."""
    behaviour = {}
    for motion in ("reduce", "no-preference"):
        context = browser.new_context(reduced_motion=motion)
        try:
            page = context.new_page()
            page.goto(f"{live_server.url}/anmelden")
            behaviour[motion] = page.evaluate("getComputedStyle(document.documentElement).scrollBehavior")
        finally:
            context.close()
    assert behaviour == {"reduce": "auto", "no-preference": "smooth"}


def test_axe_main_pages_as_planner(page, live_server):
    login(page, live_server, PLANNER)
    check_axe(page)  # start page

    page.goto(f"{live_server.url}/stammdaten/organisationen/")
    check_axe(page)
    page.get_by_role("table").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r".*/stammdaten/organisationen/\d+$"))
    check_axe(page)  # organisation detail

    page.goto(f"{live_server.url}/stammdaten/organisationen/neu")
    check_axe(page)  # organisation form

    page.goto(f"{live_server.url}/stammdaten/personen/")
    check_axe(page)

    page.goto(f"{live_server.url}/stammdaten/sozialraeume/")
    check_axe(page)

    page.goto(f"{live_server.url}/stammdaten/begriffe/")
    check_axe(page)


def test_axe_admin_pages(page, live_server):
    login(page, live_server, ADMIN, start_page=False)
    page.goto(f"{live_server.url}/verwaltung/benutzer/")
    check_axe(page)
    page.get_by_role("table").get_by_role("link").first.click()
    page.wait_for_url(re.compile(r"/verwaltung/benutzer/\d+$"))  # axe on the new page, not the list
    check_axe(page)  # user detail with roles and deputy forms
    page.goto(f"{live_server.url}/verwaltung/import")
    check_axe(page)
    page.get_by_label("Was wird importiert?").select_option(label="Sozialräume")
    page.get_by_label("In welche Körperschaft?").select_option(label="Gemeinde Ostermoor")
    page.get_by_label("Datei").set_input_files(
        files=[
            {
                "name": "raeume.csv",
                "mimeType": "text/csv",
                "buffer": "Kennung;Name;Einwohnerzahl\r\nOM-1;Doppelt;100\r\nOM-9;Neu;viele\r\n".encode("utf-8-sig"),
            }
        ]
    )
    page.get_by_role("button", name="Prüfen", exact=True).click()
    report = page.get_by_role("region", name="Prüfbericht: Sozialräume")
    assert "2 Zeilen geprüft, 2 mit Fehlern" in report.inner_text()
    assert "Keine gültige, ganze Zahl" in report.inner_text()
    check_axe(page)
    page.goto(f"{live_server.url}/verwaltung/protokoll/")
    check_axe(page)
    page.goto(f"{live_server.url}/verwaltung/postausgang/")
    check_axe(page)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_text("Verwaltung", exact=True).click()
    check_axe(page)  # with the disclosure menu open
    page.get_by_role("link", name="Aufbewahrung").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Aufbewahrungsfristen").is_visible()
    check_axe(page)
    page.once("dialog", lambda dialog: dialog.accept())  # the confirmation before deleting
    page.get_by_role("button", name="Fällige Daten jetzt löschen").click()
    page.wait_for_url(re.compile(r".*/verwaltung/aufbewahrung$"))
    assert "Aufbewahrungsfristen angewendet" in page.get_by_role("main").inner_text()
    page.goto(f"{live_server.url}/stammdaten/koerperschaften/")
    check_axe(page)
    response = page.goto(f"{live_server.url}/stammdaten/organisationen/999999")
    assert response.status == 404
    check_axe(page)  # German error page


def test_keyboard_skip_link(page, live_server):
    login(page, live_server, PLANNER)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Zum Inhalt springen"
    assert page.locator(".skip-link").is_visible()


def test_invitation_activation_in_browser(page, live_server):
    """A planner invites a partner; the activation link from the outbox sets the password."""
    from tests.auswahl.support import pick_in_browser
    from tests.browser.helpers import login_form, logout, mail_links

    login(page, live_server, PLANNER, start_page=False)
    page.goto(f"{live_server.url}/verwaltung/benutzer/einladen")
    check_axe(page)
    page.get_by_label("Name", exact=True).fill("Greta Gast")
    page.get_by_label("E-Mail").fill("greta.gast@example.org")
    page.get_by_label("Rolle").select_option(label="Partner")
    pick_in_browser(
        page, page.get_by_role("combobox", name="Organisation (für Partner)"), "Jobcenter Kreis Lindenau", "Jobcenter"
    )
    page.get_by_role("button", name="Einladung senden").click()
    page.wait_for_url(re.compile(r".*/verwaltung/benutzer/\d+$"))
    assert "eingeladen, noch nicht aktiviert" in page.content()
    logout(page)

    links = [u for u in mail_links(live_server.app, "greta.gast@example.org") if "/aktivieren/" in u]
    assert len(links) == 1 and links[0].startswith(live_server.url)
    page.goto(links[0])
    check_axe(page)
    page.get_by_label("Neues Passwort").fill("kurz")
    page.get_by_label("Passwort wiederholen").fill("kurz")
    page.get_by_role("button", name="Passwort speichern").click()
    page.wait_for_load_state()
    assert "mindestens 10 Zeichen" in page.content()
    page.get_by_label("Neues Passwort").fill("Gretas-Passwort-2026")
    page.get_by_label("Passwort wiederholen").fill("Gretas-Passwort-2026")
    page.get_by_role("button", name="Passwort speichern").click()
    page.wait_for_url(re.compile(r".*/anmelden$"))
    login_form(page, live_server, "greta.gast@example.org", "Gretas-Passwort-2026")  # the new password works
    assert "Guten Tag, Greta Gast" in page.content()
    # A partner sees the persons of its own organisation only, and no user administration.
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    nav.get_by_text("Stammdaten", exact=True).click()
    assert nav.get_by_role("link", name="Personen").count() == 1
    assert nav.get_by_text("Verwaltung", exact=True).count() == 0
    assert nav.get_by_role("link", name="Konten").count() == 0


def test_check_axe_reports_serious_violations(page, live_server):
    """The helper really fails on an inaccessible page (and names the rules)."""
    page.goto(f"{live_server.url}/anmelden")
    page.set_content(
        '<html><head><title>x</title></head><body><main><img src="bild.png"><input type="text"></main></body></html>'
    )
    with pytest.raises(AssertionError) as exc:
        check_axe(page)
    message = str(exc.value)
    assert "image-alt" in message and "label" in message and "html-has-lang" in message
