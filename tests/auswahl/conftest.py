"""Fixtures for the pickers: the rate limit starts empty in every test."""

from __future__ import annotations

import pytest

from beteiligung.services import auswahl as svc


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    svc.reset_rate_limit()
    yield
    svc.reset_rate_limit()
