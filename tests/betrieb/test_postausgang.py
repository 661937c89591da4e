"""Issue 16, part 2: the outbox delivers every mail exactly once, also with two senders in parallel."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, text, update

from beteiligung.services.betrieb import jobs
from beteiligung.services.mail import CLAIM_TIMEOUT, backoff, claim_batch, queue, send_queued
from beteiligung.uow import unit_of_work
from models import OutboxMail, utcnow
from models.mail import STATUS_FAILED, STATUS_QUEUED, STATUS_SENT


def _queue(n):
    with unit_of_work():
        for i in range(n):
            queue(f"person{i}@example.org", f"Mail {i}", f"Text {i}")


def _statuses(db):
    db.session.expire_all()
    return Counter(m.status for m in db.session.scalars(select(OutboxMail)))


def test_two_senders_in_parallel_send_each_mail_once(app, db, smtp_server):
    smtp_server.configure(app)
    _queue(24)
    results, errors = [], []
    start = threading.Barrier(2)

    def sender():
        with app.app_context():
            try:
                start.wait()
                while True:
                    sent, failed = send_queued(limit=3, respect_backoff=True)
                    results.append((sent, failed))
                    if not sent and not failed:
                        break
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    subjects = Counter(m["Subject"] for m in smtp_server.messages)
    assert len(smtp_server.messages) == 24 and set(subjects.values()) == {1}
    assert sum(s for s, _f in results) == 24 and sum(f for _s, f in results) == 0
    assert _statuses(db) == {STATUS_SENT: 24}
    assert {m.attempts for m in db.session.scalars(select(OutboxMail))} == {1}
    assert all(m.claim_token is None for m in db.session.scalars(select(OutboxMail)))


def test_claimed_rows_are_not_taken_by_a_second_sender(app, db):
    _queue(3)
    with unit_of_work():
        token, rows = claim_batch(2, utcnow(), True)
    with unit_of_work():
        other, rest = claim_batch(10, utcnow(), True)
    assert len(rows) == 2 and len(rest) == 1 and token != other
    assert {r.id for r in rows}.isdisjoint({r.id for r in rest})


def test_claim_of_a_crashed_sender_expires_and_the_mail_goes_out_once(app, db, smtp_server):
    smtp_server.configure(app)
    _queue(1)
    with unit_of_work():
        token, rows = claim_batch(10, utcnow(), True)  # this sender "dies" now
    assert send_queued(respect_backoff=True) == (0, 0)  # still claimed: nobody else sends it
    with unit_of_work():
        db.session.execute(update(OutboxMail).values(claimed_at=utcnow() - CLAIM_TIMEOUT - timedelta(seconds=1)))
    assert send_queued(respect_backoff=True) == (1, 0)
    assert send_queued(respect_backoff=True) == (0, 0)
    assert len(smtp_server.messages) == 1
    mail = db.session.scalar(select(OutboxMail))
    db.session.refresh(mail)
    assert mail.status == STATUS_SENT and mail.attempts == 2 and mail.claim_token is None


def test_smtp_down_mail_waits_with_back_off(app, db, smtp_server):
    smtp_server.configure(app)
    _queue(1)
    smtp_server.stop()
    assert send_queued(respect_backoff=True) == (0, 1)
    mail = db.session.scalar(select(OutboxMail))
    db.session.refresh(mail)
    assert (
        mail.status == STATUS_FAILED and mail.next_try_at > utcnow() and "Verbindung fehlgeschlagen" in mail.last_error
    )
    smtp_server.start()
    smtp_server.configure(app)
    assert send_queued(respect_backoff=True) == (0, 0)  # the periodic job waits for next_try_at
    with unit_of_work():
        db.session.execute(update(OutboxMail).values(next_try_at=utcnow() - timedelta(seconds=1)))
    assert send_queued(respect_backoff=True) == (1, 0)
    assert len(smtp_server.messages) == 1
    assert backoff(1) == timedelta(minutes=1) and backoff(3) == timedelta(minutes=4)
    assert backoff(30) == timedelta(hours=6)


def test_admin_button_enqueues_instead_of_sending_in_the_request(app, client, world, db, smtp_server):
    smtp_server.configure(app)
    _queue(2)
    client.login(world.admin.email)
    r = client.post("/verwaltung/postausgang/senden", data={})
    assert r.status_code == 303
    jobs.wait_in_process()
    assert len(smtp_server.messages) == 2 and _statuses(db) == {STATUS_SENT: 2}
    r = client.get("/verwaltung/postausgang/")
    assert "Der Versand wurde beauftragt" in r.get_data(as_text=True)


def test_admin_button_only_for_admins(app, client, world, db, smtp_server):
    smtp_server.configure(app)
    _queue(1)
    client.login(world.planner_k.email)
    r = client.post("/verwaltung/postausgang/senden", data={})
    assert r.status_code == 403
    jobs.wait_in_process()
    assert smtp_server.messages == [] and _statuses(db) == {STATUS_QUEUED: 1}


def test_worker_once_runs_every_periodic_job(app, db, smtp_server):
    """`betrieb worker --einmal`: on PostgreSQL the procrastinate worker runs each periodic job once from the
    queue; on SQLite (no queue) the jobs run in this process."""
    smtp_server.configure(app)
    _queue(2)
    result = app.test_cli_runner().invoke(args=["betrieb", "worker", "--einmal"])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 2
    if db.engine.dialect.name == "postgresql":
        done = db.session.execute(
            text("SELECT task_name, status::text FROM procrastinate_jobs WHERE task_name LIKE 'betrieb.%.periodisch'")
        ).all()
        assert {name for name, _ in done} == {f"betrieb.{n}.periodisch" for n, j in jobs.JOBS.items() if j.cron}
        assert {status for _, status in done} == {"succeeded"}
    else:
        assert "postausgang: 2 versendet" in result.output and "aufbewahrung:" in result.output
        # a lasting worker needs the queue, i.e. PostgreSQL: a clear German message instead of a crash
        result = app.test_cli_runner().invoke(args=["betrieb", "worker"])
        assert result.exit_code != 0 and "Der Worker braucht PostgreSQL" in result.output
    result = app.test_cli_runner().invoke(args=["betrieb", "job", "unbekannt"])
    assert result.exit_code != 0 and "Unbekannter Job" in result.output


def test_worker_once_runs_where_an_event_loop_already_runs(app, db, smtp_server):
    """`betrieb worker --einmal` called from a thread that already runs an event loop (an embedding host; in this
    suite Playwright's sync API once a browser test ran in the process) works as anywhere else: the worker gets a
    thread of its own instead of failing with "asyncio.run() cannot be called from a running event loop"."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    smtp_server.configure(app)
    _queue(2)

    async def host():
        asyncio.get_running_loop()  # a loop runs here
        return app.test_cli_runner().invoke(args=["betrieb", "worker", "--einmal"])

    # a thread of its own runs the host's loop (this one may already run Playwright's, after a browser test)
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(asyncio.run, host()).result()
    assert result.exit_code == 0, (result.output, result.exception)
    assert len(smtp_server.messages) == 2


def test_network_job_warms_the_shared_cache_once(app, db, world):
    from sqlalchemy import func

    from models.network import NetworkGraphCache

    result = jobs.run("netzwerk-vorberechnen")
    assert "vorberechnet" in result
    rows = db.session.scalar(select(func.count()).select_from(NetworkGraphCache))
    assert rows >= 1
    assert jobs.run("netzwerk-vorberechnen").startswith("0 ")  # one graph per scope, built once
    assert jobs.run("netzwerk").startswith("0 ")  # unchanged data: nothing stale
    assert db.session.scalar(select(func.count()).select_from(NetworkGraphCache)) == rows
