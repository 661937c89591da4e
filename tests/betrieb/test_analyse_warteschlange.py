"""Issue 16: the network analysis has its own queue ("analyse"); `betrieb worker` runs one worker process per
queue, so a mail is delivered while an analysis is running (at 18.000 nodes it computes for minutes).

The long analysis is a real `betrieb.netzwerk` job held in the middle of its work: the test locks the table of
the stored graphs, so the job's first read waits exactly like a job that computes for minutes; then a mail is
queued and must arrive at a real SMTP server while the analysis is still running."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from beteiligung.extensions import db
from beteiligung.services.betrieb import jobs
from beteiligung.services.mail import queue
from beteiligung.uow import unit_of_work
from tests.support.warteschlange import make_queue_app, start_worker

pytestmark = pytest.mark.postgres

JOB = text("SELECT queue_name, status::text FROM procrastinate_jobs WHERE id = :id")


def _wait(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(message)


def _stat(pid: int) -> list[str]:
    """State, parent pid, … of a process (Linux /proc/PID/stat after the command name); [] when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _children(parent: int) -> dict[int, str]:
    """Process names (/proc/PID/comm) of the living child processes of parent."""
    result = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[1] == str(parent) and stat[0] != "Z":
            try:
                result[int(entry.name)] = (entry / "comm").read_text().strip()
            except OSError:
                continue
    return result


def _deferred_job_id(name: str) -> int:
    return db.session.scalar(
        text("SELECT max(id) FROM procrastinate_jobs WHERE task_name = :name"), {"name": f"betrieb.{name}"}
    )


def test_mail_is_delivered_while_the_analysis_runs(pg_server, smtp_server, tmp_path):
    app = make_queue_app(pg_server)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "SMTP_SECURITY": "none"}
    lock = psycopg.connect(jobs.conninfo(url))
    worker = None
    with app.app_context():
        try:
            # the analysis job, held mid-way: the stored graphs cannot be read until the lock is released
            lock.execute("LOCK TABLE network_graph_cache IN ACCESS EXCLUSIVE MODE")
            with unit_of_work():
                jobs.defer("netzwerk")
            analysis = _deferred_job_id("netzwerk")
            assert db.session.execute(JOB, {"id": analysis}).one() == ("analyse", "todo")

            worker = start_worker(app, tmp_path, "worker", **smtp)  # `betrieb worker`: all queues
            _wait(lambda: db.session.execute(JOB, {"id": analysis}).one()[1] == "doing", 60, "Analyse läuft nicht")
            # one worker process per queue under the supervisor
            children = _children(worker.pid)
            assert sorted(children.values()) == ["wq-analyse", "wq-beteiligung"], children

            started = time.monotonic()
            with unit_of_work():
                queue("buerger@example.org", "Einladung", "Text")
                jobs.defer("postausgang", respect_backoff=False)
            mail = _deferred_job_id("postausgang")
            assert db.session.execute(JOB, {"id": mail}).one()[0] == "beteiligung"
            _wait(lambda: smtp_server.messages, 20, "Mail wartet hinter der Analyse")
            waited = time.monotonic() - started
            assert waited < 10, waited
            assert [m["Subject"] for m in smtp_server.messages] == ["Einladung"]
            # … and the analysis is still running: the mail did not wait for it
            assert db.session.execute(JOB, {"id": analysis}).one() == ("analyse", "doing")

            lock.rollback()  # the analysis finishes its work
            _wait(lambda: db.session.execute(JOB, {"id": analysis}).one()[1] == "succeeded", 60, "Analyse hängt")

            # SIGTERM to the supervisor stops every worker process (each finishes its running job)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0
            assert all(_stat(pid) in ([],) or _stat(pid)[0] == "Z" for pid in children), "Worker läuft weiter"
        finally:
            lock.close()
            if worker is not None and worker.poll() is None:
                worker.kill()
                worker.wait(10)
            db.session.remove()
            db.engine.dispose()
    log = (tmp_path / "worker.log").read_text()
    assert "Traceback" not in log, log[-3000:]


def test_worker_for_one_queue_leaves_the_other_alone(pg_server, smtp_server):
    """`betrieb worker --warteschlange beteiligung` (a mail worker) never takes an analysis job, and
    `--warteschlange analyse` takes it; an unknown queue name is refused."""
    app = make_queue_app(pg_server)
    smtp_server.configure(app)
    runner = app.test_cli_runner()
    with app.app_context():
        try:
            with unit_of_work():
                queue("a@example.org", "Hallo", "Text")
                jobs.defer("netzwerk")
                jobs.defer("postausgang", respect_backoff=False)
            analysis, mail = _deferred_job_id("netzwerk"), _deferred_job_id("postausgang")
            result = runner.invoke(args=["betrieb", "worker", "--einmal", "--warteschlange", "beteiligung"])
            assert result.exit_code == 0, result.output
            db.session.rollback()
            assert db.session.execute(JOB, {"id": mail}).one() == ("beteiligung", "succeeded")
            assert db.session.execute(JOB, {"id": analysis}).one() == ("analyse", "todo")
            assert [m["Subject"] for m in smtp_server.messages] == ["Hallo"]
            # (the periodic ticks of the analysis may be deferred by any worker; only an analysis worker runs them)
            on_analyse = text("SELECT DISTINCT status::text FROM procrastinate_jobs WHERE queue_name = 'analyse'")
            assert set(db.session.scalars(on_analyse)) == {"todo"}

            result = runner.invoke(args=["betrieb", "worker", "--einmal", "--warteschlange", "analyse"])
            assert result.exit_code == 0, result.output
            db.session.rollback()
            assert db.session.execute(JOB, {"id": analysis}).one() == ("analyse", "succeeded")

            result = runner.invoke(args=["betrieb", "worker", "--warteschlange", "gibtsnicht"])
            assert result.exit_code != 0 and "gibtsnicht" in result.output
        finally:
            db.session.remove()
            db.engine.dispose()
