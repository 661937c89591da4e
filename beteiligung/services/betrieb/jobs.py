"""Jobs on a real queue: procrastinate on the PostgreSQL the application already needs (issue 16).

- Tasks: mail delivery (outbox), reminders (meetings, tasks, reports), retention, network analysis, documents
  (PDFs that used to be rendered inside the web request, services/betrieb/dokumente.py).
- Periodic jobs are scheduled by procrastinate (`@periodic(cron=…)`); every worker defers them, the queue
  makes sure each tick runs once.
- Two queues: "analyse" for the network analysis (minutes at 18.000 nodes), "beteiligung" for everything else
  (mail, reminders, retention, documents), so that a mail never waits behind an analysis.
- `flask --app beteiligung betrieb worker` works on both queues with one worker process per queue (the command
  loads the app and forks one child per queue; an analysis computing in one process cannot hold up the other, not
  even through the GIL); `--warteschlange NAME` (repeatable) runs one worker process for just these queues, e.g. a dedicated
  analysis worker on another machine (deploy/systemd/beteiligung-analyse.service). Several workers may run. A worker
  killed with `kill -9` stops sending heartbeats; `recover_stalled()` (at every worker start and once a minute)
  hands its running jobs back to the queue, and another worker runs them again.
- Every job is idempotent: running it twice, or on two workers at once, has the effect of running it once
  (the outbox claims rows, reminders remember when they were sent, retention deletes what is expired, a
  document that is ready is not rendered again).
- `defer()` enqueues a job in the current transaction (the job exists exactly when the request commits).
  With JOBS_IN_PROCESS (development, `make run`, SQLite) the job runs in a thread of this process after the
  commit instead, so nothing else has to run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

import procrastinate
from flask import Flask, current_app
from sqlalchemy import event, select, text

from beteiligung.extensions import db
from beteiligung.uow import discard, unit_of_work

log = logging.getLogger("beteiligung.jobs")

QUEUE = "beteiligung"  # mail, reminders, retention, documents, housekeeping of the queue
ANALYSE_QUEUE = "analyse"  # network analysis: long, CPU-bound – never in front of a mail
QUEUES = (QUEUE, ANALYSE_QUEUE)


# --- the work itself (plain functions: CLI `betrieb job NAME`, in-process threads and queue tasks) -------------


def _outbox(respect_backoff: bool = True) -> str:
    from beteiligung.services.mail import send_queued

    sent, failed = send_queued(respect_backoff=respect_backoff)
    return f"{sent} versendet, {failed} fehlgeschlagen"


def _reminders() -> str:
    from beteiligung.services.gremien import einladungen
    from beteiligung.services.kontrakte import berichte
    from beteiligung.services.protokolle import eintraege

    with unit_of_work():
        meetings = einladungen.remind_due()
    with unit_of_work():
        before, after = eintraege.send_reminders()
    with unit_of_work():
        reports = berichte.send_reminders()
    return f"Sitzungen {meetings}, Aufgaben {before + after}, Berichte {reports}"


def _retention() -> str:
    from beteiligung.services import retention

    from . import dokumente

    with unit_of_work():
        counts = retention.run_all(None)
    with unit_of_work():
        counts["dokumente"] = dokumente.prune()
    return ", ".join(f"{k}: {n}" for k, n in counts.items())


def refresh_network_graphs(scope_key: str | None = None) -> str:
    """Recompute the stored network graphs that are stale (data changed or a new day), or only the given
    scope (deferred by a page that found it stale). Cheap when nothing is stale: one query."""
    from beteiligung.services.netzwerk import graph as network_graph

    with unit_of_work():
        count = network_graph.refresh(scope_key)
    return f"{count} Netzwerkgraph(en) neu berechnet"


def warm_network_graphs() -> str:
    """Build the stored network graph of every permission scope among the enabled users that has none yet,
    so that no one's first visit of a large network has to wait."""
    from beteiligung.services.netzwerk import graph as network_graph
    from models import User

    with unit_of_work():
        users = list(db.session.scalars(select(User).where(User.is_enabled.is_(True))))
        count = network_graph.warm(users)
    return f"{count} Netzwerkgraph(en) vorberechnet"


def _document(auftrag_id: int) -> str:
    from . import dokumente

    with unit_of_work():
        return dokumente.build(auftrag_id)


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    run: Callable[..., str]
    cron: str | None  # procrastinate schedule (None: only on demand)
    retries: int = 5
    queue: str = QUEUE


JOBS = {
    job.name: job
    for job in (
        Job("postausgang", "Mails zustellen", _outbox, "* * * * *"),
        Job("erinnerungen", "Erinnerungen (Sitzungen, Aufgaben, Berichte)", _reminders, "0 6 * * *"),
        Job("aufbewahrung", "Aufbewahrungsfristen anwenden", _retention, "30 2 * * *"),
        # stale network graphs (changed data, new day): cheap when none is stale; deferred by the page that saw one
        Job(
            "netzwerk",
            "Veraltete Netzwerkgraphen neu berechnen",
            refresh_network_graphs,
            "* * * * *",
            queue=ANALYSE_QUEUE,
        ),
        Job(
            "netzwerk-vorberechnen",
            "Netzwerkgraphen vorberechnen",
            warm_network_graphs,
            "15 * * * *",
            queue=ANALYSE_QUEUE,
        ),
        Job("dokument", "Dokument erstellen (PDF)", _document, None, retries=3),
    )
}


def run(name: str, **kwargs) -> str:
    """Run one job now in the current app context."""
    job = JOBS[name]
    try:
        result = job.run(**kwargs)
    except Exception:
        discard()
        log.exception("Job %s fehlgeschlagen", name)
        raise
    log.info("Job %s: %s", name, result)
    return result


# --- procrastinate ----------------------------------------------------------------------------------------------

tasks = procrastinate.Blueprint()
_flask_app: Flask | None = None  # set by the worker (tasks run in threads of the worker process)


def _in_app(name: str):
    def call(**kwargs):
        app = _flask_app or current_app._get_current_object()
        with app.app_context():
            try:
                return run(name, **kwargs)
            finally:
                db.session.remove()

    return call


def _register() -> None:
    for job in JOBS.values():
        # a failing job is tried again after 10 s, 100 s, 1000 s, … (procrastinate: exponential_wait ** attempt)
        retry = procrastinate.RetryStrategy(max_attempts=job.retries, exponential_wait=10)
        task_name = f"betrieb.{job.name}"
        if job.cron:

            def periodic(timestamp: int, _name=job.name) -> str:
                return _in_app(_name)()

            periodic.__name__ = f"{job.name}_periodisch"
            # "betrieb.<name>.periodisch" is the scheduled tick (at most one of them waiting: queueing lock);
            # "betrieb.<name>" below is the same work on demand (defer(), e.g. "Jetzt senden").
            tasks.periodic(cron=job.cron, periodic_id=job.name)(
                tasks.task(name=f"{task_name}.periodisch", queue=job.queue, retry=retry, queueing_lock=job.name)(
                    periodic
                )
            )
        tasks.task(name=task_name, queue=job.queue, retry=retry)(_in_app(job.name))


_register()


@tasks.periodic(cron="* * * * *", periodic_id="haengende-jobs")
@tasks.task(name="betrieb.haengende_jobs", queue=QUEUE, pass_context=True)
async def _recover_task(context: procrastinate.JobContext, timestamp: int) -> int:
    return await recover_stalled_async(context.app)


@tasks.periodic(cron="45 3 * * *", periodic_id="alte-jobs")
@tasks.task(name="betrieb.alte_jobs", queue=QUEUE, pass_context=True)
async def _prune_task(context: procrastinate.JobContext, timestamp: int) -> None:
    """Keep finished jobs for 14 days (failed ones too: the metrics count them), then delete them."""
    await context.app.job_manager.delete_old_jobs(nb_hours=14 * 24, include_failed=True)


def include_name(name, type_, parent_names) -> bool:
    """Alembic filter: procrastinate's tables belong to procrastinate, not to our models."""
    return not (type_ == "table" and name and name.startswith("procrastinate_"))


def conninfo(url: str) -> str:
    """SQLAlchemy URL (postgresql+psycopg://…) → libpq connection string for procrastinate."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def queue_app(flask_app: Flask | None = None) -> procrastinate.App:
    """The procrastinate app of this Flask app (one per process and database)."""
    flask_app = flask_app or current_app._get_current_object()
    app = flask_app.extensions.get("procrastinate")
    if app is None:
        app = flask_app.extensions["procrastinate"] = _new_queue_app(flask_app)
    return app


def _new_queue_app(flask_app: Flask) -> procrastinate.App:
    url = flask_app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        raise RuntimeError("Die Warteschlange (JOBS_IN_PROCESS=false) braucht PostgreSQL.")
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))
    app.add_tasks_from(tasks, namespace="")
    return app


def uses_queue(flask_app: Flask | None = None) -> bool:
    flask_app = flask_app or current_app
    return not flask_app.config.get("JOBS_IN_PROCESS", True) and flask_app.config["SQLALCHEMY_DATABASE_URI"].startswith(
        "postgresql"
    )


def stalled_seconds(flask_app: Flask | None = None) -> float:
    return float((flask_app or current_app).config.get("JOBS_STALLED_SECONDS", 60))


async def recover_stalled_async(app: procrastinate.App, seconds: float | None = None) -> int:
    """Jobs whose worker sent no heartbeat for `seconds` (killed, machine gone) go back into the queue."""
    seconds = stalled_seconds(_flask_app) if seconds is None else seconds
    count = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds):
        try:
            await app.job_manager.retry_job(job)
        except procrastinate.exceptions.ConnectorException as exc:
            # another worker (e.g. the other queue's process, starting at the same moment) handed it back first
            if "invalid status to retry" in str(exc.__cause__):
                continue
            raise
        log.warning("Job %s (%s) eines verschwundenen Workers wird wiederholt", job.id, job.task_name)
        count += 1
    return count


# --- deferring ----------------------------------------------------------------------------------------------------

# Threads started for in-process jobs (tests wait for them with wait_in_process()).
_threads: list[threading.Thread] = []
_pending_key = "beteiligung_pending_jobs"


def defer(name: str, **kwargs) -> None:
    """Hand a job to the queue as part of the current unit of work.

    With the queue (JOBS_IN_PROCESS=false, PostgreSQL) the job row is written on the session's own connection,
    so it exists exactly when the transaction commits (and a worker can see everything the request wrote).
    Otherwise the job runs in a thread of this process once the transaction has committed."""
    if name not in JOBS:
        raise KeyError(name)
    if uses_queue():
        connection = db.session.connection().connection.driver_connection
        queue_app().configure_task(f"betrieb.{name}", connection=connection).defer(**kwargs)
        return
    pending = db.session.info.setdefault(_pending_key, [])
    pending.append((current_app._get_current_object(), name, kwargs))


def _start_thread(app: Flask, name: str, kwargs: dict) -> None:
    def target():
        with app.app_context():
            try:
                run(name, **kwargs)
            except Exception:  # logged in run()
                pass
            finally:
                db.session.remove()

    thread = threading.Thread(target=target, name=f"job-{name}", daemon=True)
    _threads.append(thread)
    thread.start()


def _after_commit(session) -> None:
    for app, name, kwargs in session.info.pop(_pending_key, []):
        _start_thread(app, name, kwargs)


def _after_rollback(session) -> None:
    session.info.pop(_pending_key, None)


def _listen() -> None:
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


_listen()


def wait_in_process(timeout: float = 30) -> None:
    while _threads:
        _threads.pop().join(timeout)


# --- worker -------------------------------------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def work(flask_app: Flask, *, once: bool = False, poll: float = 5.0, queues=QUEUES) -> None:
    """Run one procrastinate worker on `queues` in this process until SIGTERM/SIGINT (`once`: defer every
    periodic job, run what is queued, stop). Hands the jobs of vanished workers back to the queue first."""
    import asyncio

    global _flask_app
    _flask_app = flask_app
    # a procrastinate app of its own: the worker opens and closes its connection pool, while the Flask app's
    # (queue_app) defers jobs on the request's connection and is never opened – a second run in the same process
    # (the tests) never meets a pool that an earlier run, or another thread, has closed
    app = _new_queue_app(flask_app)
    heartbeat = float(flask_app.config.get("JOBS_HEARTBEAT_SECONDS", 10))

    async def main(signals: bool):
        async with app.open_async():
            await recover_stalled_async(app)
            if once:
                for job in JOBS.values():
                    if job.cron and job.queue in queues:
                        try:
                            await app.configure_task(f"betrieb.{job.name}.periodisch").defer_async(timestamp=0)
                        except procrastinate.exceptions.AlreadyEnqueued:
                            pass
            await app.run_worker_async(
                queues=list(queues),
                name=worker_name(),
                wait=not once,
                # an analysis-only worker computes one graph at a time (CPU-bound); mail & co. two jobs at once
                concurrency=1 if set(queues) == {ANALYSE_QUEUE} else 2,
                fetch_job_polling_interval=poll,
                update_heartbeat_interval=heartbeat,
                stalled_worker_timeout=max(stalled_seconds(flask_app), heartbeat * 3),
                delete_jobs=None,
                install_signal_handlers=signals,
            )

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(main(True))
        return
    # Called where this thread already runs an event loop (a host that embeds the app; in the tests, Playwright's
    # sync API keeps one running once a browser test ran in the process): the worker gets a thread of its own –
    # signal handlers can only be installed in the main thread, so there the host's handling applies.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="queue-worker") as pool:
        pool.submit(asyncio.run, main(False)).result()


def _become_queue_worker(flask_app: Flask, queue: str, parent: int, poll: float) -> None:
    """In the forked child: die with the supervisor (a `kill -9` of it is a `kill -9` of the worker: the jobs go
    back to the queue like those of any vanished worker), name the process after its queue (`ps`, `podman top`
    show "wq-analyse"), drop the database connections inherited from the parent, then work."""
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_NAME, PR_SET_PDEATHSIG = 15, 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the supervisor died before prctl took effect
        os._exit(1)
    libc.prctl(PR_SET_NAME, f"wq-{queue}"[:15].encode())
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)  # procrastinate installs its own handlers
    with flask_app.app_context():
        db.engine.dispose(close=False)
    print(f"Worker {worker_name()} läuft (Warteschlange {queue}).", flush=True)
    work(flask_app, poll=poll, queues=(queue,))


def supervise(flask_app: Flask, queues=QUEUES, *, poll: float = 5.0) -> int:
    """`betrieb worker` without --warteschlange: one worker process per queue, forked from this one (the app is
    loaded once), so a long analysis in the "analyse" process never delays a mail in the "beteiligung" process –
    not even through the GIL. SIGTERM/SIGINT are passed on to the workers (each finishes its running job); if one
    worker ends by itself, the others are stopped and the exit code says so (systemd then restarts the service)."""
    import signal
    import sys
    import time

    stopping = False
    children: dict[int, str] = {}

    def stop(signum=None, frame=None):
        nonlocal stopping
        stopping = True
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    code = 0
    try:
        for queue in queues:
            pid = os.fork()
            if pid == 0:  # pragma: no cover – the child process
                status = 1
                try:
                    _become_queue_worker(flask_app, queue, parent, poll)
                    status = 0
                except BaseException:
                    log.exception("Worker der Warteschlange %s abgebrochen", queue)
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(status)
            children[pid] = queue
        while children:
            for pid, queue in list(children.items()):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done == 0:
                    continue
                del children[pid]
                returncode = os.waitstatus_to_exitcode(status)
                if not stopping:
                    log.error(
                        "Worker der Warteschlange %s endete mit %s; die anderen werden beendet", queue, returncode
                    )
                    code = returncode or 1
                    stop()
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def run_in_process(flask_app: Flask) -> list[str]:
    """Without PostgreSQL (`betrieb worker --einmal` on SQLite): every periodic job once, here."""
    results = []
    with flask_app.app_context():
        for job in JOBS.values():
            if job.cron:
                try:
                    results.append(f"{job.name}: {run(job.name)}")
                except Exception:
                    results.append(f"{job.name}: fehlgeschlagen")
                finally:
                    db.session.remove()
    return results


# --- what health and metrics read ---------------------------------------------------------------------------------


def _queue_query(sql: str):
    """A read of procrastinate's tables; None without them (SQLite, or a database before migration betrieb_02)."""
    from sqlalchemy.exc import SQLAlchemyError

    if db.engine.dialect.name != "postgresql":
        return None
    try:
        with db.session.begin_nested():
            return db.session.execute(text(sql)).all()
    except SQLAlchemyError:
        return None


def last_heartbeat():
    """Latest heartbeat of any queue worker (procrastinate_workers), or None (no queue, no worker)."""
    rows = _queue_query("SELECT max(last_heartbeat) FROM procrastinate_workers")
    value = rows[0][0] if rows else None
    if value is not None and value.tzinfo is not None:
        from datetime import UTC

        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def queue_counts() -> dict[tuple[str, str], int]:
    """Jobs per queue and procrastinate status ((queue, "todo"), (queue, "failed"), …); empty without PostgreSQL."""
    rows = _queue_query("SELECT queue_name, status::text, count(*) FROM procrastinate_jobs GROUP BY queue_name, status")
    return {(queue, status): n for queue, status, n in rows or ()}
