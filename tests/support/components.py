"""The one rule for a real component the tests need (Chromium, PostgreSQL, slapd, oidc-provider, nginx):
under CI=true a missing component fails the run; only outside CI (a developer's machine) the test skips."""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(present: bool, what: str, how: str) -> None:
    """Fail under CI=true, skip elsewhere, when `what` is missing; `how` says what installs it."""
    if present:
        return
    if in_ci():
        pytest.fail(f"CI=true, aber {what} fehlt. {how}")
    pytest.skip(f"{what} fehlt (nur außerhalb von CI übersprungen; {how})")
