"""Service calls in tests follow the unit-of-work rule: services flush, the caller commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from beteiligung.extensions import db


@contextmanager
def refused(exc_type, **raises_kwargs) -> Iterator[pytest.ExceptionInfo]:
    """A service call that must fail, like a request that ends in a 4xx: what the test did
    before is committed first (it stands for earlier requests), the refused call's flushed
    changes are rolled back afterwards, so the test sees exactly what a user would."""
    db.session.commit()
    try:
        with pytest.raises(exc_type, **raises_kwargs) as info:
            yield info
    finally:
        db.session.rollback()
