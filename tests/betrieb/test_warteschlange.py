"""Issue 16: the job queue (procrastinate on PostgreSQL) – schema by migration, jobs deferred in the
transaction of the request, periodic jobs scheduled by the queue, a PDF made by a worker instead of the
request, /healthz and metrics from procrastinate's own tables. Each test gets a fresh database."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from beteiligung.extensions import db
from beteiligung.services.betrieb import jobs
from beteiligung.uow import unit_of_work
from tests.monitoring import karten_welt as kw
from tests.support.components import require
from tests.support.postgres import available
from tests.support.warteschlange import make_queue_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def qapp(pg_server):
    require(available(), "PostgreSQL (initdb, pg_ctl)", ".ci/run installiert das Debian-Paket postgresql.")
    app = make_queue_app(pg_server)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _jobs(task_name=None):
    sql = "SELECT task_name, status::text, args FROM procrastinate_jobs"
    if task_name:
        return db.session.execute(text(sql + " WHERE task_name = :t ORDER BY id"), {"t": task_name}).all()
    return db.session.execute(text(sql + " ORDER BY id")).all()


def test_the_migration_applies_procrastinates_schema(qapp):
    tables = set(db.session.scalars(text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'procrastinate%%'")))
    assert {"procrastinate_jobs", "procrastinate_workers", "procrastinate_events"} <= tables
    body = db.session.scalar(text("SELECT prosrc FROM pg_proc WHERE proname = 'procrastinate_retry_job_v2'"))
    assert "(job id: %)" in body  # the schema's own % survived the driver's parameter syntax


def test_a_job_exists_exactly_when_the_transaction_commits(qapp):
    with pytest.raises(RuntimeError), unit_of_work():
        jobs.defer("postausgang", respect_backoff=False)
        raise RuntimeError("Request schlägt fehl")
    assert _jobs() == []
    with unit_of_work():
        jobs.defer("postausgang", respect_backoff=False)
    assert _jobs() == [("betrieb.postausgang", "todo", {"respect_backoff": False})]
    assert jobs._threads == []  # nothing ran in this process


def test_periodic_jobs_are_scheduled_by_the_queue(qapp):
    periodic = {key[0]: p.cron for key, p in jobs.queue_app().periodic_registry.periodic_tasks.items()}
    assert periodic["betrieb.postausgang.periodisch"] == "* * * * *"
    assert periodic["betrieb.erinnerungen.periodisch"] == "0 6 * * *"
    assert periodic["betrieb.aufbewahrung.periodisch"] == "30 2 * * *"
    assert periodic["betrieb.netzwerk.periodisch"] == "* * * * *"  # stale network graphs only: cheap
    assert periodic["betrieb.netzwerk-vorberechnen.periodisch"] == "15 * * * *"
    assert periodic["betrieb.haengende_jobs"] == "* * * * *"  # stalled-job recovery


def test_pdf_is_made_by_the_worker_not_by_the_request(qapp):
    from tests.support.world import build_world

    world = build_world()
    kw.build(world)
    edition_id = kw.edition(world, "released_to_kreis").id
    db.session.commit()
    area_id = world.area_a1.id
    client = qapp.test_client()
    client.login("planung@kreis.example")
    # the old PDF address renders nothing in the request any more: it offers to order the PDF
    r = client.get(f"/monitoring/gebiete/{area_id}/sozialraumprofil.pdf")
    assert r.status_code == 200 and r.mimetype == "text/html" and "PDF erstellen" in r.get_data(as_text=True)
    r = client.get(f"/monitoring/ausgaben/{edition_id}/sozialbericht.pdf")
    assert r.mimetype == "text/html" and 'name="art" value="sozialbericht"' in r.get_data(as_text=True)
    assert client.get(f"/monitoring/ausgaben/{edition_id}/sozialbericht.docx").mimetype != "text/html"  # DOCX: direct
    r = client.post("/dokumente/", data={"art": "sozialraumprofil", "area_id": area_id})
    assert r.status_code == 303
    job_id = int(re.search(r"/dokumente/(\d+)$", r.headers["Location"]).group(1))
    html = client.get(f"/dokumente/{job_id}").get_data(as_text=True)
    assert "Das Dokument wird erstellt" in html and "js/dokument.js" in html
    assert client.get(f"/dokumente/{job_id}/datei").status_code == 404
    db.session.rollback()
    assert _jobs("betrieb.dokument") == [("betrieb.dokument", "todo", {"auftrag_id": job_id})]
    # a worker runs what is queued (and each periodic job once)
    result = qapp.test_cli_runner().invoke(args=["betrieb", "worker", "--einmal"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert _jobs("betrieb.dokument")[0][1] == "succeeded"
    html = client.get(f"/dokumente/{job_id}").get_data(as_text=True)
    assert "Das Dokument ist fertig" in html
    r = client.get(f"/dokumente/{job_id}/datei")
    assert r.status_code == 200
    assert "Sozialraumprofil Altstadt" in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    stored = db.session.scalar(text("SELECT count(*) FROM betrieb_datei WHERE key LIKE 'dokumente/%%'"))
    assert stored == 1  # FILE_STORAGE=datenbank: every server can hand it out


def test_healthz_and_metrics_read_procrastinates_tables(qapp):
    client = qapp.test_client()
    r = client.get("/healthz")
    assert r.status_code == 503 and r.get_json()["pruefungen"]["worker"] == "nicht gesehen"
    with unit_of_work():
        db.session.execute(text("SELECT procrastinate_register_worker_v1()"))
        jobs.defer("postausgang", respect_backoff=True)
        jobs.defer("netzwerk")
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json()["pruefungen"]["worker"] == "ok"
    with unit_of_work():
        db.session.execute(text("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '10 minutes'"))
        db.session.execute(text("UPDATE procrastinate_jobs SET status = 'failed' WHERE task_name = 'betrieb.netzwerk'"))
    r = client.get("/healthz")
    assert r.status_code == 503 and r.get_json()["pruefungen"]["worker"] == "seit über 3 Minuten nicht gesehen"
    qapp.config["METRICS_TOKEN"] = "m" * 20
    body = client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 20}).get_data(as_text=True)
    # per queue: the mail job waits in "beteiligung", the failed analysis is in "analyse"
    assert 'beteiligung_jobs{queue="beteiligung",status="todo"} 1' in body
    assert 'beteiligung_jobs{queue="beteiligung",status="failed"} 0' in body
    assert 'beteiligung_jobs{queue="analyse",status="failed"} 1' in body
    assert 'beteiligung_jobs{queue="analyse",status="todo"} 0' in body
    seconds = int(re.search(r"^beteiligung_worker_last_seen_seconds (\d+)$", body, re.M).group(1))
    assert 590 <= seconds <= 700


def test_healthz_says_503_not_500_before_the_queue_schema_exists(qapp):
    from flask_migrate import downgrade

    db.session.remove()
    downgrade(revision="betrieb_02-1")  # roll betrieb_02 back (and what follows it): its downgrade works, too
    try:
        qapp.config["METRICS_TOKEN"] = "m" * 20
        client = qapp.test_client()
        r = client.get("/healthz")
        assert r.status_code == 503
        assert r.get_json()["pruefungen"] == {
            "datenbank": "ok",
            "migrationen": "nicht aktuell (flask db upgrade ausführen)",
            "worker": "nicht gesehen",
        }
        body = client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 20}).get_data(as_text=True)
        assert 'beteiligung_jobs{queue="beteiligung",status="todo"} 0' in body
        assert 'beteiligung_jobs{queue="analyse",status="todo"} 0' in body
        assert db.session.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is None
    finally:
        db.session.remove()
        from flask_migrate import upgrade

        upgrade()
