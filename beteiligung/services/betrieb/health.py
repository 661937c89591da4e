"""Health check for load balancers and monitoring: database, migrations at head, worker seen recently."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from beteiligung.extensions import db
from beteiligung.uow import discard

WORKER_MAX_AGE = timedelta(minutes=3)


@lru_cache(maxsize=4)
def _heads(directory: str) -> frozenset[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def check() -> tuple[bool, dict[str, str]]:
    """(healthy, {check: German result}); never contains connection strings or error details."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        current = {row[0] for row in db.session.execute(text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:
        discard()
        return False, {"datenbank": "nicht erreichbar"}
    checks["datenbank"] = "ok"
    heads = _heads(current_app.extensions["migrate"].directory)
    checks["migrationen"] = "ok" if current == set(heads) else "nicht aktuell (flask db upgrade ausführen)"
    healthy = checks["migrationen"] == "ok"
    if current_app.config.get("JOBS_IN_PROCESS", True):
        checks["worker"] = "im Webprozess"
    else:
        from models import utcnow

        from .jobs import last_heartbeat

        seen = last_heartbeat()  # procrastinate_workers (the queue's own heartbeats)
        if seen is not None and utcnow() - seen <= WORKER_MAX_AGE:
            checks["worker"] = "ok"
        else:
            checks["worker"] = "nicht gesehen" if seen is None else "seit über 3 Minuten nicht gesehen"
            healthy = False
    discard()
    return healthy, checks
