"""The one unit of work: the only place that commits or rolls back.

Services change state and flush; they never commit. A web request commits once when its view
returned a response below 400 and rolls back otherwise (the way Indico's request handler does);
a CLI command or a job wraps its work in `unit_of_work()`.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response

from .extensions import db


def finish_request(response: Response) -> Response:
    """after_request hook: commit a successful request, roll back any other."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


@contextmanager
def unit_of_work() -> Iterator[None]:
    """For CLI commands and jobs: commit when the block ends normally, roll back on any error."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def init_app(app: Flask) -> None:
    # Registered first, so that it runs last of the after_request hooks (Flask runs them in
    # reverse): a hook that fails before it means nothing is committed.
    app.after_request(finish_request)
