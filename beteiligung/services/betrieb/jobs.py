"""Jobs: mail delivery, reminders, retention, network analysis — run by `flask --app beteiligung betrieb worker`.

Every job is idempotent: running it twice, or on two workers at once, has the effect of running it once
(the outbox claims rows, reminders remember when they were sent, retention deletes what is expired).
Each job runs in its own unit of work (send_queued commits per mail).

Without a separate worker (development, `make run`), `defer()` runs the job in a thread of the web process.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.uow import discard, unit_of_work

log = logging.getLogger("beteiligung.jobs")


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

    with unit_of_work():
        counts = retention.run_all(None)
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


@dataclass(frozen=True)
class Job:
    name: str
    label: str
    run: Callable[..., str]
    every: timedelta


JOBS = {
    job.name: job
    for job in (
        Job("postausgang", "Mails zustellen", _outbox, timedelta(seconds=30)),
        Job("erinnerungen", "Erinnerungen (Sitzungen, Aufgaben, Berichte)", _reminders, timedelta(hours=24)),
        Job("aufbewahrung", "Aufbewahrungsfristen anwenden", _retention, timedelta(hours=24)),
        Job("netzwerk", "Veraltete Netzwerkgraphen neu berechnen", refresh_network_graphs, timedelta(minutes=1)),
        Job("netzwerk-vorberechnen", "Netzwerkgraphen vorberechnen", warm_network_graphs, timedelta(hours=1)),
    )
}

# Threads started by defer() in the web process (tests wait for them with wait_in_process()).
_threads: list[threading.Thread] = []


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


def defer(name: str, **kwargs) -> None:
    """Hand a job to the worker. With JOBS_IN_PROCESS (default when no worker is configured) it runs in a
    thread of this process with its own app context and database session."""
    if name not in JOBS:
        raise KeyError(name)
    if not current_app.config.get("JOBS_IN_PROCESS", True):
        return  # the worker picks due work up on its next round (outbox: within `every`)
    app = current_app._get_current_object()

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


def wait_in_process(timeout: float = 30) -> None:
    while _threads:
        _threads.pop().join(timeout)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeat(name: str | None = None) -> None:
    """Record that this worker is alive (health check: worker seen recently). Flushes only."""
    from models import utcnow
    from models.betrieb import WorkerHeartbeat

    name = name or worker_name()
    beat = db.session.get(WorkerHeartbeat, name)
    if beat is None:
        db.session.add(WorkerHeartbeat(name=name, seen_at=utcnow()))
    else:
        beat.seen_at = utcnow()
    db.session.flush()


def last_heartbeat():
    from sqlalchemy import func

    from models.betrieb import WorkerHeartbeat

    return db.session.scalar(select(func.max(WorkerHeartbeat.seen_at)))


def work(app: Flask, *, once: bool = False, sleep: float = 5.0, stop: threading.Event | None = None) -> None:
    """The worker loop: heartbeat, then every job whose interval has passed. Several workers may run."""
    last_run: dict[str, float] = {}
    stop = stop or threading.Event()
    while not stop.is_set():
        with app.app_context():
            with unit_of_work():
                heartbeat()
            now = time.monotonic()
            for job in JOBS.values():
                if once or now - last_run.get(job.name, -1e12) >= job.every.total_seconds():
                    last_run[job.name] = now
                    try:
                        run(job.name)
                    except Exception:
                        pass  # logged; retried next round
            db.session.remove()
        if once:
            return
        stop.wait(sleep)
