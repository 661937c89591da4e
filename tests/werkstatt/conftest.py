"""Fixtures for the Werkstatt: the Gremien world (committees, members, a planned meeting)."""

from __future__ import annotations

from tests.gremien.conftest import future, gw, switch_user  # noqa: F401  (fixture and helpers)
