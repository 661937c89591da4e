"""Issue 16: PDFs are made by the job queue, not inside the web request.

The page orders a document (POST), the order's page says "wird erstellt" and offers the file when the job is done.
In-process mode (JOBS_IN_PROCESS, development and these tests on both backends) runs the job in a thread after
the commit; tests/betrieb/test_warteschlange.py runs the same order through a real procrastinate worker."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from beteiligung.services import NotFound
from beteiligung.services.betrieb import dokumente, jobs, storage
from beteiligung.uow import discard, unit_of_work
from models import utcnow
from models.betrieb import DocumentJob, DocumentStatus
from tests.monitoring import karten_welt as kw
from tests.oparl.conftest import ow  # noqa: F401  (fixture: a draft Vorlage)
from tests.support.queries import count_queries


@pytest.fixture
def mon(db, world):
    kw.build(world)
    return kw.edition(world, "released_to_kreis")


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _order(client, **fields):
    r = client.post("/dokumente/", data=fields)
    assert r.status_code == 303, r.status_code
    match = re.search(r"/dokumente/(\d+)$", r.headers["Location"])
    return int(match.group(1))


def test_profile_pdf_is_ordered_made_by_a_job_and_offered(client, db, world, mon):
    client.login("planung@kreis.example")
    html = client.get(f"/monitoring/gebiete/{world.area_a1.id}").get_data(as_text=True)
    assert "Sozialraumprofil als PDF erstellen" in html and 'action="/dokumente/"' in html
    job_id = _order(client, art="sozialraumprofil", area_id=world.area_a1.id)
    jobs.wait_in_process()
    html = client.get(f"/dokumente/{job_id}").get_data(as_text=True)
    assert "Das Dokument ist fertig" in html and f"/dokumente/{job_id}/datei" in html
    assert client.get(f"/dokumente/{job_id}/status").get_json() == {"status": "fertig", "bezeichnung": "fertig"}
    r = client.get(f"/dokumente/{job_id}/datei")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "Sozialraumprofil-A-01.pdf" in r.headers["Content-Disposition"]
    assert "Sozialraumprofil Altstadt" in _pdf_text(r.data)
    job = db.session.get(DocumentJob, job_id)
    assert job.status == DocumentStatus.FERTIG and storage.load(job.file_key) == r.data


def test_sozialbericht_with_focus_and_vorlage_are_ordered_the_same_way(client, db, world, mon, ow):
    client.login("planung@kreis.example")
    html = client.get(f"/monitoring/ausgaben/{mon.id}/bericht").get_data(as_text=True)
    assert "Sozialbericht als PDF erstellen" in html and "Fokusbericht als PDF erstellen" in html
    job_id = _order(client, art="sozialbericht", edition_id=mon.id)
    jobs.wait_in_process()
    r = client.get(f"/dokumente/{job_id}/datei")
    assert r.status_code == 200 and "Übersichtskarte" in _pdf_text(r.data)
    client.logout()
    client.login("planung@ahlen.example")
    html = client.get(f"/oparl/v1/vorlagen/{ow.draft.id}").get_data(as_text=True)
    assert "Entwurf als PDF erstellen" in html
    job_id = _order(client, art="vorlage", paper_id=ow.draft.id)
    jobs.wait_in_process()
    r = client.get(f"/dokumente/{job_id}/datei")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert ow.draft.reference.replace("/", "-") in r.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "email, status",
    [
        ("planung@kreis.example", 303),
        ("srm@ahlen.example", 303),  # Sozialraummanagement of Kommune A reads the dossier
        ("planung@fremd.example", 404),  # another Kreis
        ("politik@kreis.example", 404),
        ("partner@wohlfahrt.example", 404),
    ],
)
def test_ordering_checks_the_permission_of_the_document(client, db, world, mon, email, status):
    client.login(email)
    r = client.post("/dokumente/", data={"art": "sozialraumprofil", "area_id": world.area_a1.id})
    assert r.status_code == status
    jobs.wait_in_process()
    expected = 1 if status == 303 else 0
    assert db.session.scalar(select(func.count()).select_from(DocumentJob)) == expected


def test_an_order_is_only_seen_by_whoever_placed_it(client, db, world, mon):
    client.login("planung@kreis.example")
    job_id = _order(client, art="sozialraumprofil", area_id=world.area_a1.id)
    jobs.wait_in_process()
    client.logout()
    client.login("admin@test.example")  # not even the administration
    for path in ("", "/status", "/datei"):
        assert client.get(f"/dokumente/{job_id}{path}").status_code == 404
    assert client.get("/dokumente/999999").status_code == 404
    client.logout()
    r = client.get(f"/dokumente/{job_id}/datei")
    assert r.status_code in (302, 401) and b"%PDF" not in r.data


@pytest.mark.parametrize(
    "fields",
    [
        {"art": "unbekannt", "area_id": "1"},
        {"art": "sozialraumprofil", "area_id": "abc"},
        {"art": "sozialraumprofil", "area_id": "999999"},
        {"art": "sozialraumprofil"},
        {"art": "sozialbericht", "edition_id": "1' OR 1=1"},
        {"art": "vorlage", "paper_id": "99999999999999999999"},
    ],
)
def test_bad_orders_are_404_and_write_nothing(client, db, world, mon, fields):
    client.login("planung@kreis.example")
    assert client.post("/dokumente/", data=fields).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(DocumentJob)) == 0


def test_order_without_csrf_token_is_refused(client, db, world, mon):
    client.login("planung@kreis.example")
    r = client.post("/dokumente/", data={"art": "sozialraumprofil", "area_id": world.area_a1.id}, csrf=False)
    assert r.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(DocumentJob)) == 0


def test_a_waiting_order_is_reused_and_a_rolled_back_order_starts_no_job(app, db, world, mon):
    first = dokumente.order(world.planner_k, "sozialraumprofil", area_id=world.area_a1.id)
    again = dokumente.order(world.planner_k, "sozialraumprofil", area_id=world.area_a1.id)
    other = dokumente.order(world.planner_k, "sozialraumprofil", area_id=world.area_a2.id)
    assert first.id == again.id != other.id
    discard()  # the unit of work fails: no order, and no job runs
    assert jobs._threads == []
    assert db.session.scalar(select(func.count()).select_from(DocumentJob)) == 0


def test_the_job_is_idempotent_and_rechecks_the_permission(app, db, world, mon):
    with unit_of_work():
        job_id = dokumente.order(world.planner_k, "sozialraumprofil", area_id=world.area_a1.id).id
    jobs.wait_in_process()
    key = db.session.get(DocumentJob, job_id).file_key
    with unit_of_work():
        assert "schon fertig" in dokumente.build(job_id)  # a retried job does nothing twice
    assert db.session.get(DocumentJob, job_id).file_key == key
    # ordered, then the person lost access before the job ran: the job makes nothing
    with unit_of_work():
        job = DocumentJob(
            kind="sozialraumprofil",
            params={"area_id": world.area_a1.id},
            user_id=world.planner_x.id,  # another Kreis
            title="x",
            filename="x.pdf",
        )
        db.session.add(job)
    with unit_of_work():
        dokumente.build(job.id)
    assert job.status == DocumentStatus.FEHLGESCHLAGEN and job.file_key is None
    with pytest.raises(NotFound):
        dokumente.load(world.planner_x, job.id)


def test_retention_removes_old_orders_and_their_files(app, db, world, mon):
    with unit_of_work():
        job_id = dokumente.order(world.planner_k, "sozialraumprofil", area_id=world.area_a1.id).id
    jobs.wait_in_process()
    key = db.session.get(DocumentJob, job_id).file_key
    with unit_of_work():
        assert dokumente.prune() == 0
    with unit_of_work():
        assert dokumente.prune(utcnow() + timedelta(days=3)) == 1
    assert db.session.get(DocumentJob, job_id) is None and storage.load(key) is None


def test_order_page_needs_a_fixed_handful_of_queries(client, db, world, mon):
    client.login("planung@kreis.example")
    job_id = _order(client, art="sozialraumprofil", area_id=world.area_a1.id)
    jobs.wait_in_process()
    db.session.expire_all()
    with count_queries(db.engine) as counted:
        assert client.get(f"/dokumente/{job_id}").status_code == 200
    assert counted.count <= 8, counted


def test_all_profiles_in_one_pdf_as_a_bulk_job(client, db, world, mon):
    client.login("planung@kreis.example")
    html = client.get("/monitoring/gebiete/").get_data(as_text=True)
    assert "Alle Sozialraumprofile als ein PDF erstellen" in html
    job_id = _order(client, art="sozialraumprofile")
    jobs.wait_in_process()
    r = client.get(f"/dokumente/{job_id}/datei")
    assert r.status_code == 200
    text = _pdf_text(r.data)
    assert "Sozialraumprofil Altstadt" in text and "Sozialraumprofil Neustadt" in text
    client.logout()
    client.login("partner@wohlfahrt.example")  # sees no monitoring area: nothing to order
    assert client.post("/dokumente/", data={"art": "sozialraumprofile"}).status_code == 404
