import pytest
from tests.browser.helpers import login
pytestmark = pytest.mark.browser

def test_scratch2(browser, live_server):
    from sqlalchemy import select
    from models import Meeting, Committee
    from beteiligung.extensions import db
    with live_server.app.app_context():
        ids = db.session.execute(select(Meeting.id, Committee.name).join(Committee).where(Committee.name.like("Sozialraumkonferenz Süd%"))).all()
        db.session.remove()
    ctx = browser.new_context(viewport={"width": 375, "height": 900})
    page = ctx.new_page()
    login(page, live_server, "politik@kreis-lindenau.example")
    for mid, name in ids:
        r = page.goto(f"{live_server.url}/protokolle/sitzungen/{mid}/kurzfassung")
        if r.status == 200 and "Empfehlung" in page.locator("main").inner_text():
            print(mid, name, page.locator("main").inner_text()[:600])
            page.screenshot(path=f"/tmp/kurz-{mid}.png", full_page=True)
            break
    ctx.close()
