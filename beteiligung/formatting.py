"""German formatting (de_DE, Europe/Berlin) for templates and exports."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _fd
from babel.dates import format_time as _ft
from babel.numbers import format_decimal as _fn

BERLIN = ZoneInfo("Europe/Berlin")
LOCALE = "de_DE"


def to_berlin(value: datetime) -> datetime:
    """Naive datetimes are UTC (how we store them); return Berlin local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BERLIN)


# The parsed locale, once: babel looked the locale data up on disk for every date, time and number a page
# formats (a list of 25 rows spent a quarter of its time there, issue 14).
_LOCALE = Locale.parse(LOCALE)


def date_de(value) -> str:
    """21.11.2026 (also of an ISO date stored as text in JSON data, e.g. "2026-11-21")"""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = to_berlin(value)
    if isinstance(value, date):  # the pattern dd.MM.yyyy is all digits: no locale data needed
        return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"
    return _fd(value, "dd.MM.yyyy", locale=_LOCALE)


def time_de(value) -> str:
    """18:30 Uhr"""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_berlin(value)
    if isinstance(value, datetime | time):  # HH:mm: digits only
        return f"{value.hour:02d}:{value.minute:02d} Uhr"
    return _ft(value, "HH:mm", locale=_LOCALE) + " Uhr"


def datetime_de(value) -> str:
    """21.11.2026, 18:30 Uhr"""
    if value is None:
        return ""
    return f"{date_de(value)}, {time_de(value)}"


def number_de(value, digits: int | None = None) -> str:
    """1.234,5"""
    if value is None or value == "":
        return ""
    if digits is None:
        if type(value) is int:  # counts: the grouping of de_DE without babel's pattern machinery
            return f"{value:,}".replace(",", ".")
        return _fn(value, locale=_LOCALE)
    return _fn(value, format="#,##0." + "0" * digits if digits else "#,##0", locale=_LOCALE)


def anzahl(value, singular: str, plural: str) -> str:
    """A count with its noun: "1 Eintrag", "0 Einträge", "1.234 Einträge"."""
    return f"{number_de(value)} {singular if value == 1 else plural}"


def register(app) -> None:
    app.jinja_env.filters.update(
        date_de=date_de,
        time_de=time_de,
        datetime_de=datetime_de,
        number_de=number_de,
        anzahl=anzahl,
    )
    from beteiligung import audit_labels

    audit_labels.register(app)


__all__ = ["date_de", "time_de", "datetime_de", "number_de", "anzahl", "to_berlin", "BERLIN", "date"]


_BREAK_OR_CONTROL = re.compile("[\x00-\x1f\x7f\u0085\u2028\u2029\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def single_line(value) -> str:
    """A stored value folded into one clean line – for places where a line break or control
    character would break the output (e-mail headers, iCalendar properties, file names)."""
    return " ".join(_BREAK_OR_CONTROL.sub(" ", str(value or "")).split())


def clean_text(value) -> str:
    """A stored multi-line text without control characters or broken encodings (line breaks stay)."""
    return _CONTROL.sub("", str(value or "").replace("\r\n", "\n").replace("\r", "\n"))
