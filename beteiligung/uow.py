"""The one unit of work: the only place that commits or rolls back.

Services change state and flush; they never commit. A web request commits once when its view
returned a response below 400 and rolls back otherwise (the way Indico's request handler does);
a CLI command or a job wraps its work in `unit_of_work()`.

Two helpers for the few places that need more than that:

- `discard()`: a view caught a failed service call and answers anyway (re-renders the form,
  or flashes and redirects): the failed call's flushed changes are thrown away at once, so the
  page shows the stored state and a 302 commits nothing of it.
- `durable()`: one item of a batch that must stand on its own before the next one starts (an
  outgoing mail is marked as sent before the next is sent, one incoming reply, a failed login
  that must count even though the answer is 401). The block runs in a savepoint; it is
  committed when the block ends, and on an error only the block is undone and the error raised.
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


def discard() -> None:
    """Throw away everything the current unit of work has changed and not yet committed."""
    db.session.rollback()


@contextmanager
def durable() -> Iterator[None]:
    """Run the block in a savepoint and commit it when it ends; on an error undo only the block."""
    with db.session.begin_nested():
        yield
    db.session.commit()


def init_app(app: Flask) -> None:
    # Registered first, so that it runs last of the after_request hooks (Flask runs them in
    # reverse): a hook that fails before it means nothing is committed.
    app.after_request(finish_request)
