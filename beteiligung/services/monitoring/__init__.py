"""Sozialmonitoring services: catalogue, values, imports, composite index, editions, release.

`user=None` means the command line (an operator with shell access); every other caller passes
the signed-in user and is checked through beteiligung.permissions.monitoring.

The one suppression rule lives here (`is_suppressed` / `shown_value`) and is used by every page,
table and export (and by the maps): a value computed from a count (numerator) below the
indicator's minimum count is never shown.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.services import NotFound, PermissionDenied, ValidationError
from models import Area, Body

SUPPRESSED_MARK = "–"  # what pages print instead of a suppressed value


def is_suppressed(min_count: int | None, numerator) -> bool:
    """True if a value computed from `numerator` must not be shown (count below the minimum)."""
    if numerator is None:
        return False
    return float(numerator) < (min_count if min_count is not None else 5)


def shown_value(min_count: int | None, value, numerator):
    """The value, or None when the suppression rule hides it."""
    return None if is_suppressed(min_count, numerator) else value


def check(user, allowed: bool, message: str | None = None) -> None:
    """Permission check for services; user None is the command line."""
    if user is not None and not allowed:
        raise PermissionDenied(message) if message else PermissionDenied()


def body_by_code(code: str) -> Body:
    body = db.session.scalar(select(Body).where(Body.code == (code or "").strip()))
    if body is None:
        raise NotFound(f"Körperschaft mit Kennung „{code}“ nicht gefunden.")
    return body


def subtree_body_ids(body: Body) -> list[int]:
    """The body and all bodies below it (a Kreis and its Kommunen)."""
    rows = db.session.execute(select(Body.id, Body.parent_id)).all()
    children: dict[int, list[int]] = {}
    for bid, pid in rows:
        children.setdefault(pid, []).append(bid)
    out, stack = [], [body.id]
    while stack:
        bid = stack.pop()
        out.append(bid)
        stack.extend(children.get(bid, []))
    return out


def lineage_ids(body: Body) -> list[int]:
    """The body and its ancestors, nearest first (catalogue lookup order)."""
    return body.lineage_ids()


# --- parsing of file cells (German conventions) -----------------------------------------------------

_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def parse_number(text: str):
    """'1.234,5' / '12,5' / '12.5' / '-3' -> float; '' -> None; anything else -> ValueError.

    With a comma the German convention applies (dots are thousands separators); without a comma
    a single dot is the decimal point (machine exports), several dots are thousands separators.
    """
    t = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if t == "":
        return None
    if "," in t:
        if t.count(",") > 1:
            raise ValueError(text)
        t = t.replace(".", "").replace(",", ".")
    elif t.count(".") > 1:
        t = t.replace(".", "")
    if not _NUMBER.match(t):
        raise ValueError(text)
    return float(t)


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")


def parse_count(text: str):
    """Like parse_number, but for counts (Einwohnerzahl, Zähler, Nenner): '4.200' is 4200."""
    t = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if _THOUSANDS.match(t):
        return float(t.replace(".", ""))
    return parse_number(t)


def parse_date(text: str) -> date:
    """TT.MM.JJJJ or JJJJ-MM-TT -> date; ValueError otherwise."""
    t = (text or "").strip()
    m = re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$", t)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$", t)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(text)


def areas_of(body: Body, kind: str | None = None, on: date | None = None) -> list[Area]:
    q = select(Area).where(Area.body_id.in_(subtree_body_ids(body)))
    if kind:
        q = q.where(Area.kind == kind)
    areas = list(db.session.scalars(q.order_by(Area.code)))
    if on is not None:
        areas = [a for a in areas if a.is_valid_on(on)]
    return areas


__all__ = [
    "SUPPRESSED_MARK",
    "ValidationError",
    "NotFound",
    "PermissionDenied",
    "is_suppressed",
    "shown_value",
    "check",
    "body_by_code",
    "subtree_body_ids",
    "lineage_ids",
    "parse_number",
    "parse_count",
    "parse_date",
    "areas_of",
]


def indicators_for_areas(area_ids) -> list[str]:
    """The last link of the Wirkungskette: where the chain's areas stand in the newest published
    Sozialmonitoring edition (class, rank, dynamics). Published editions only — the chain is shown
    to every reader who may see its other steps, and published results are public."""
    from beteiligung.formatting import date_de
    from beteiligung.permissions.monitoring import published_edition_filter
    from models.monitoring import EditionResult, MonitoringEdition

    area_ids = [a for a in area_ids if a]
    if not area_ids:
        return []
    rows = db.session.execute(
        select(EditionResult, MonitoringEdition)
        .join(MonitoringEdition, EditionResult.edition_id == MonitoringEdition.id)
        .where(EditionResult.area_id.in_(area_ids), published_edition_filter())
        .order_by(EditionResult.area_code, MonitoringEdition.reference_date.desc(), MonitoringEdition.id.desc())
    ).all()
    lines, seen = [], set()
    for result, edition in rows:
        if result.area_id in seen:
            continue
        seen.add(result.area_id)
        parts = [f"{result.area_code} {result.area_name}: "]
        if result.excluded or not result.class_label:
            parts.append("ohne Indexwert")
        else:
            parts.append(f"Klasse „{result.class_label}“")
            if result.rank:
                parts.append(f", Rang {result.rank}")
            if result.dynamics_class:
                parts.append(f", Dynamik {result.dynamics_class}")
        parts.append(f" ({edition.title}, Stichtag {date_de(edition.reference_date)})")
        lines.append("".join(parts))
    return lines
