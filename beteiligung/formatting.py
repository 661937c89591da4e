"""German formatting (de_DE, Europe/Berlin) for templates and exports."""
from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date as _fd, format_time as _ft
from babel.numbers import format_decimal as _fn
from datetime import timezone
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")
LOCALE = "de_DE"


def to_berlin(value: datetime) -> datetime:
    """Naive datetimes are UTC (how we store them); return Berlin local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(BERLIN)


def date_de(value) -> str:
    """21.11.2026"""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = to_berlin(value)
    return _fd(value, "dd.MM.yyyy", locale=LOCALE)


def time_de(value) -> str:
    """18:30 Uhr"""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_berlin(value)
    return _ft(value, "HH:mm", locale=LOCALE) + " Uhr"


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
        return _fn(value, locale=LOCALE)
    return _fn(value, format="#,##0." + "0" * digits if digits else "#,##0", locale=LOCALE)


def register(app) -> None:
    app.jinja_env.filters.update(
        date_de=date_de, time_de=time_de, datetime_de=datetime_de, number_de=number_de,
    )


__all__ = ["date_de", "time_de", "datetime_de", "number_de", "to_berlin", "BERLIN", "date"]
