"""SQLite's `synchronous` setting from BETEILIGUNG_SQLITE_SYNCHRONOUS (beteiligung/database.py): FULL unless
set, an unknown value falls back to FULL, the suite runs with OFF."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from beteiligung import database  # noqa: F401 - registers the connect hook

LEVELS = {"OFF": 0, "NORMAL": 1, "FULL": 2, "EXTRA": 3}


def _synchronous(path) -> tuple[int, str]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return (
                conn.exec_driver_sql("PRAGMA synchronous").scalar(),
                conn.exec_driver_sql("PRAGMA journal_mode").scalar(),
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "FULL"), ("normal", "NORMAL"), ("OFF", "OFF"), ("EXTRA", "EXTRA"), ("; DROP TABLE x", "FULL")],
)
def test_setting_reaches_every_connection(value, expected, monkeypatch, tmp_path):
    if value is None:
        monkeypatch.delenv("BETEILIGUNG_SQLITE_SYNCHRONOUS", raising=False)
    else:
        monkeypatch.setenv("BETEILIGUNG_SQLITE_SYNCHRONOUS", value)
    assert _synchronous(tmp_path / "x.sqlite") == (LEVELS[expected], "wal")


def test_the_suite_runs_without_fsync(tmp_path):
    assert _synchronous(tmp_path / "x.sqlite")[0] == LEVELS["OFF"]
