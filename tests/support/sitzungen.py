"""Gremien and Sitzungen for test fixtures, made through the Gremien services by the planner of the body
(tests/support/__init__.py, "Testdaten")."""

from __future__ import annotations

from datetime import datetime, timedelta

from beteiligung.extensions import db
from beteiligung.services.gremien import gremien, sitzungen, tagesordnung
from models import Committee, CommitteeType
from tests.support.world import acting_planner

# status of the meeting → the planner's status changes from "geplant" (sitzungen.TRANSITIONS)
_STATUS_PATH = {
    "geplant": (),
    "eingeladen": ("eingeladen",),
    "durchgeführt": ("durchgeführt",),
    "protokolliert": ("durchgeführt", "protokolliert"),
}


def committee(body, type_name: str, name: str, **values) -> Committee:
    """A committee of `body` of the CommitteeType named type_name; values as in the committee form."""
    ctype = db.session.query(CommitteeType).filter_by(name=type_name).one()
    c = gremien.create_committee(
        acting_planner(body), {"name": name, "type_id": ctype.id, "body_id": body.id, **values}
    )
    db.session.flush()
    return c


def meeting(
    c: Committee,
    start: datetime,
    *,
    items=(),
    location: str,
    status: str = "eingeladen",
    title: str | None = None,
    hours: int = 2,
    **values,
):
    """A meeting of c with its agenda (titles, or (title, public) pairs), then taken to `status`."""
    user = acting_planner(c.body)
    m = sitzungen.create_meetings(
        user,
        c,
        {
            "title": title or f"{c.name} {start:%d.%m.%Y}",
            "start": start,
            "end": start + timedelta(hours=hours),
            "location": location,
            **values,
        },
    )[0]
    for item in items:
        item_title, public = item if isinstance(item, tuple) else (item, True)
        tagesordnung.add_item(user, m, {"title": item_title, "is_public": public})
    db.session.flush()
    for step in _STATUS_PATH[status]:
        sitzungen.set_status(user, m, step, None, m.version)
        db.session.flush()
    return m
