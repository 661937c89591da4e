import pytest
from tests.browser.helpers import login, check_axe
pytestmark = pytest.mark.browser

def test_scratch3(browser, live_server):
    from sqlalchemy import select
    from models import Meeting, utcnow
    from beteiligung.extensions import db
    with live_server.app.app_context():
        mid = db.session.scalar(select(Meeting.id).where(Meeting.start > utcnow(), Meeting.status != "abgesagt").order_by(Meeting.start))
        db.session.remove()
    ctx = browser.new_context(viewport={"width": 375, "height": 900}, bypass_csp=True)
    page = ctx.new_page()
    login(page, live_server, "admin@lindenau.example")
    page.goto(f"{live_server.url}/protokolle/sitzungen/{mid}/anwesenheit")
    page.get_by_role("button", name="Anwesenheit speichern").click()
    page.wait_for_load_state()
    alert = page.locator(".kern-alert--warning")
    print(alert.inner_text())
    alert.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/warn.png")
    check_axe(page)
    page.check("#confirm_warning")
    page.get_by_role("button", name="Anwesenheit speichern").click()
    page.wait_for_load_state()
    print(page.locator(".flash-list").inner_text())
    ctx.close()
