"""Issue 16: a queue worker (procrastinate) killed with kill -9 in the middle of the mail job – the job is
handed back to the queue once the worker's heartbeat is stale, a second worker runs it again, and every mail
arrives exactly once at a real SMTP server (the outbox claim makes the retry harmless)."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest
from sqlalchemy import func, select, text

from beteiligung.extensions import db
from beteiligung.services.betrieb import jobs
from beteiligung.services.mail import queue
from beteiligung.uow import unit_of_work
from models import OutboxMail
from models.mail import STATUS_SENT
from tests.support.warteschlange import make_queue_app, start_worker

pytestmark = pytest.mark.postgres

STALLED_SECONDS = 2


class SilentSmtp:
    """Accepts connections and never greets: the worker hangs after claiming, like a job stuck mid-way."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


def _smtp_env(port, claim_seconds):
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "SMTP_TIMEOUT": "60",
        "OUTBOX_CLAIM_SECONDS": str(claim_seconds),
        # short, so the test waits little for a stale heartbeat (each worker checks at its start)
        "JOBS_HEARTBEAT_SECONDS": "0.5",
        "JOBS_STALLED_SECONDS": str(STALLED_SECONDS),
    }


def _wait(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(message)


def _stop(proc):
    """kill -9: the test looks at the killed first worker and the second one's work, not at a graceful stop (that
    is tests/betrieb/test_analyse_warteschlange.py's), which would only add the interpreter's shutdown (1–2 s CPU).
    The supervisor's forked queue workers die with it (PR_SET_PDEATHSIG)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


def test_killed_worker_job_is_retried_and_each_mail_goes_out_once(pg_server, smtp_server, tmp_path):
    app = make_queue_app(pg_server)
    silent = SilentSmtp()
    first = second = None
    with app.app_context():
        try:
            with unit_of_work():
                for i in range(10):
                    queue(f"p{i}@example.org", f"Mail {i}", "Text")
                jobs.defer("postausgang", respect_backoff=False)  # e.g. "Jetzt senden" in the outbox
            assert db.session.scalar(text("SELECT count(*) FROM procrastinate_jobs")) == 1

            first = start_worker(app, tmp_path, "worker-a", **_smtp_env(silent.port, 2))
            claimed = select(func.count()).select_from(OutboxMail).where(OutboxMail.claim_token.is_not(None))
            _wait(lambda: db.session.scalar(claimed) == 10, 60, "der erste Worker hat nichts reserviert")
            # the job that claimed the mails hangs at the silent SMTP server (which one – "Jetzt senden" or the
            # periodic tick the worker deferred at its start – does not matter); the other one finished with 0
            doing = text("SELECT id FROM procrastinate_jobs WHERE status = 'doing' AND task_name LIKE 'betrieb.post%%'")
            _wait(lambda: len(set(db.session.scalars(doing))) == 1, 20, "nicht genau ein hängender Mail-Job")
            stuck = set(db.session.scalars(doing))
            os.kill(first.pid, signal.SIGKILL)
            first.wait(10)
            # the killed worker's heartbeat goes stale (JOBS_STALLED_SECONDS); then a second worker takes over
            stale = text(
                "SELECT count(*) FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w ON w.id = j.worker_id"
                " WHERE j.id = ANY(:ids) AND j.status = 'doing'"
                " AND (w.id IS NULL OR w.last_heartbeat < now() - make_interval(secs => :seconds))"
            )
            _wait(
                lambda: db.session.scalar(stale, {"ids": list(stuck), "seconds": STALLED_SECONDS + 0.5}) == len(stuck),
                30,
                "Herzschlag des getöteten Workers nicht veraltet",
            )
            db.session.rollback()
            assert set(db.session.scalars(doing)) == stuck  # nobody finished them

            statuses = text("SELECT status::text FROM procrastinate_jobs WHERE id = ANY(:ids)")
            second = start_worker(app, tmp_path, "worker-b", **_smtp_env(smtp_server.port, 2))
            _wait(
                lambda: set(db.session.scalars(statuses, {"ids": list(stuck)})) == {"succeeded"},
                90,
                "Job nicht wiederholt",
            )
            _wait(lambda: len(smtp_server.messages) >= 10, 30, "Mails nicht angekommen")
            # room for a wrong second delivery: until no mail job runs or is due any more
            busy = text(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name LIKE 'betrieb.post%%'"
                " AND (status = 'doing' OR (status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())))"
            )
            _wait(lambda: db.session.scalar(busy) == 0, 30, "Mail-Jobs laufen noch")
            subjects = sorted(m["Subject"] for m in smtp_server.messages)
            assert subjects == sorted(f"Mail {i}" for i in range(10))
            assert {m.status for m in db.session.scalars(select(OutboxMail))} == {STATUS_SENT}
            retried = db.session.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_events WHERE job_id = ANY(:ids) AND type = 'deferred_for_retry'"
                ),
                {"ids": list(stuck)},
            )
            assert retried == len(stuck)  # handed back to the queue once each, then run by the second worker
            # /healthz sees the living worker through procrastinate's heartbeats
            r = app.test_client().get("/healthz")
            assert r.status_code == 200 and r.get_json()["pruefungen"]["worker"] == "ok"
        finally:
            silent.close()
            for proc in (first, second):
                if proc is not None:
                    _stop(proc)
            db.session.remove()
            db.engine.dispose()
    log = (tmp_path / "worker-b.log").read_text()
    assert "wird wiederholt" in log, log[-3000:]
