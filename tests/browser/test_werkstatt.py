"""Browser: two participants on one SWOT board (a planner and a guest with the code, two browser
contexts) see each other's cards appear without reloading; axe-core on every board page, the
guest page, the date poll pages, the answer page of the poll (token link) and the method library."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.browser.helpers import check_axe, login, new_axe_context

pytestmark = pytest.mark.browser


def _demo(live_server):
    from beteiligung.extensions import db
    from beteiligung.services.werkstatt.polls import poll_token
    from models.werkstatt import Board, DatePoll

    with live_server.app.app_context():
        boards = {b.kind: (b.id, b.guest_code) for b in db.session.scalars(select(Board))}
        poll = db.session.scalar(select(DatePoll))
        token = poll_token(poll.id, poll.invitees[-1].person_id)
        out = boards, poll.id, token
        db.session.remove()
    return out


def test_two_participants_see_each_others_cards(live_server, browser):
    base = live_server.url
    boards, poll_id, token = _demo(live_server)
    swot_id, code = boards["swot"]
    planner_ctx = new_axe_context(browser)
    guest_ctx = new_axe_context(browser, viewport={"width": 375, "height": 800})
    try:
        planner = planner_ctx.new_page()
        login(planner, live_server, "planung@kreis-lindenau.example", start_page=False)
        planner.goto(f"{base}/werkstatt/tafeln/{swot_id}")
        assert planner.locator("h1").inner_text() == "Präventionskette im Kreis"
        check_axe(planner)

        guest = guest_ctx.new_page()
        guest.goto(f"{base}/werkstatt/tafeln/{swot_id}")
        guest.wait_for_url(re.compile(r"/gast$"))
        check_axe(guest)
        guest.get_by_label("Ihr Name").fill("Gerda Gast")
        guest.get_by_label("Code der Tafel").fill(code)
        guest.get_by_role("button", name="Teilnehmen").click()
        guest.wait_for_url(re.compile(rf"/werkstatt/tafeln/{swot_id}$"))
        check_axe(guest)

        # the guest pins a card; the planner's open page shows it without a reload
        guest.select_option("#field", label="Chancen")
        guest.fill("#text", "Sportverein bietet kostenlose Kurse an")
        guest.get_by_role("button", name="Karte anheften").click()
        guest.wait_for_load_state("load")
        card = planner.locator(".board-field--chancen .board-card", has_text="Sportverein bietet kostenlose Kurse an")
        card.wait_for(timeout=12000)
        assert "Gerda Gast (Gast)" in card.inner_text()

        # and the other way round
        planner.select_option("#field", label="Risiken")
        planner.fill("#text", "Wegfall der Landesförderung 2028")
        planner.get_by_role("button", name="Karte anheften").click()
        planner.wait_for_load_state("load")
        guest.locator(".board-field--risiken .board-card", has_text="Wegfall der Landesförderung 2028").wait_for(
            timeout=12000
        )

        # the Punktabfrage, the meeting's board list, the poll pages
        vote_id, _code = boards["punktabfrage"]
        planner.goto(f"{base}/werkstatt/tafeln/{vote_id}")
        planner.locator(".board-card", has_text="Elterncafé").locator("button", has_text="Punkt geben").click()
        planner.wait_for_load_state("load")
        assert "Ihre Punkte: 1 von 3 vergeben." in planner.content()
        check_axe(planner)
        planner.goto(f"{base}/werkstatt/tafeln/{boards['open_space'][0]}")
        assert "Marktplatz: Sessions nach Zeit und Raum" in planner.content()
        check_axe(planner)
        planner.click("text=Tafeln der Sitzung")
        planner.wait_for_url(re.compile(r"/werkstatt/sitzungen/\d+/tafeln$"))  # axe on the new page, not the old
        check_axe(planner)
        planner.goto(f"{base}/werkstatt/abstimmungen/{poll_id}")
        check_axe(planner)
        planner.goto(f"{base}/werkstatt/abstimmungen/neu")
        check_axe(planner)
        planner.goto(f"{base}/werkstatt/methoden/")
        check_axe(planner)
        planner.goto(f"{base}/werkstatt/methoden/zukunftskonferenz")
        check_axe(planner)
        guest.goto(f"{base}/werkstatt/abstimmung/{token}")
        check_axe(guest)
    finally:
        planner_ctx.close()
        guest_ctx.close()


def test_zukunft_and_wirkung_boards(live_server, browser, tmp_path):
    """The two guided boards: the moderator moves the Zukunftskonferenz on a phase; a card goes into the
    Wirkungsbeitragsanalyse and the ranking shows; axe-core clean at 1366 and 375 px (screenshots kept)."""
    base = live_server.url
    boards, _poll_id, _token = _demo(live_server)
    shots = __import__("os").environ.get("WERKSTATT_SHOTS") or str(tmp_path)
    for width in (1366, 375):
        ctx = new_axe_context(browser, viewport={"width": width, "height": 900})
        try:
            page = ctx.new_page()
            login(page, live_server, "planung@kreis-lindenau.example", start_page=False)
            page.goto(f"{base}/werkstatt/tafeln/{boards['zukunftskonferenz'][0]}")
            assert "Laufende Phase" in page.content()
            check_axe(page)
            page.screenshot(path=f"{shots}/zukunft-{width}.png", full_page=True)
            page.goto(f"{base}/werkstatt/tafeln/{boards['wirkungsbeitrag'][0]}")
            assert "Rangfolge der Akteure" in page.content()
            check_axe(page)
            page.screenshot(path=f"{shots}/wirkung-{width}.png", full_page=True)
            page.goto(f"{base}/werkstatt/methoden/wirkungsbeitragsanalyse")
            check_axe(page)
        finally:
            ctx.close()
    # one round trip: a new contribution and a phase switch
    ctx = new_axe_context(browser)
    try:
        page = ctx.new_page()
        login(page, live_server, "planung@kreis-lindenau.example", start_page=False)
        page.goto(f"{base}/werkstatt/tafeln/{boards['wirkungsbeitrag'][0]}")
        page.select_option("#organisation_id", index=1)
        page.check("#rating-3")
        page.fill("#text", "Ferienpass für alle")
        page.get_by_role("button", name="Karte anheften").click()
        page.wait_for_load_state("load")
        assert "Ferienpass für alle" in page.content()
        page.goto(f"{base}/werkstatt/tafeln/{boards['zukunftskonferenz'][0]}")
        page.get_by_role("button", name=re.compile("Weiter zur Phase")).click()
        page.wait_for_load_state("load")
        assert "Laufende Phase: Herausarbeiten von Gemeinsamkeiten" in page.locator(".board-phase").inner_text()
        check_axe(page)
    finally:
        ctx.close()
