"""Browser: a Sozialraumprofil ordered as PDF is made in the background; the order page says "wird erstellt",
reloads itself when the job is done (static/js/dokument.js) and then offers the file; axe-core clean."""

from __future__ import annotations

import os
import re

import pytest

from tests.browser.helpers import check_axe, login

pytestmark = pytest.mark.browser


def test_profile_pdf_ordered_and_downloaded(page, live_server, tmp_path):
    login(page, live_server, "planung@stadt-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/monitoring/gebiete/")
    page.get_by_role("link", name="Kastanienhof").first.click()
    page.wait_for_url(re.compile(r".*/monitoring/gebiete/\d+$"))
    if os.environ.get("SCREENSHOT_DIR"):
        for width in (375, 1366):
            page.set_viewport_size({"width": width, "height": 700})
            page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/dossier-{width}.png")
    page.get_by_role("button", name="Sozialraumprofil als PDF erstellen").click()
    page.wait_for_url(re.compile(r".*/dokumente/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Sozialraumprofil Kastanienhof"
    # the job runs in a thread of the server (JOBS_IN_PROCESS); the page reloads itself when it is done
    link = page.get_by_role("link", name=re.compile(r"Sozialraumprofil-.*\.pdf herunterladen"))
    link.wait_for(timeout=30000)
    assert page.get_by_role("status").filter(has_text="Das Dokument ist fertig").count() == 1
    check_axe(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        check_axe(page)
        if os.environ.get("SCREENSHOT_DIR"):
            page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/dokument-{width}.png", full_page=True)
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "profil.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")


def test_waiting_order_page_says_it_is_being_made(page, live_server):
    from sqlalchemy import select

    from beteiligung.extensions import db
    from models import User
    from models.betrieb import DocumentJob

    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == "planung@stadt-lindenau.example"))
        job = DocumentJob(
            kind="sozialraumprofil", params={}, user_id=user.id, title="Sozialraumprofil Test", filename="x.pdf"
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    login(page, live_server, "planung@stadt-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/dokumente/{job_id}")
    assert page.get_by_role("status").filter(has_text="Das Dokument wird erstellt").count() == 1
    assert page.get_by_role("link", name=re.compile("herunterladen")).count() == 0
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        check_axe(page)
        if os.environ.get("SCREENSHOT_DIR"):
            page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/dokument-wartend-{width}.png", full_page=True)
