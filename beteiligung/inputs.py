"""Where input enters: one way to read numbers, and what a request may carry at all.

- `to_int(raw)`: a whole number within the range of an integer column (SQLite and PostgreSQL
  `integer`: ±2^31-1), else None. Every id, page number and filter read from a query string or a
  form goes through it (also `request.args.get(name, type=int)`, see `Request`).
- `to_decimal(raw)`: a finite decimal number with a sane magnitude, German or English notation.
- `Request`: the app's request class; its query/form dictionaries bound `type=int` look-ups.
- `check_request()`: before every request, refuses values no form can legitimately send
  (NUL bytes, lone surrogates, oversized single values) with a German 400.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask import Request as FlaskRequest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1  # integer columns on SQLite and PostgreSQL
DECIMAL_MAX = Decimal(10) ** 12
MAX_VALUE_CHARS = 200_000  # one form value or query argument (larger texts are files)
MAX_ARG_CHARS = 2_000  # one query-string argument
INT_RE = re.compile(r"\s*[+-]?\d{1,19}\s*")
DECIMAL_RE = re.compile(r"\s*[+-]?(\d{1,15}([.,]\d{0,12})?|[.,]\d{1,12})\s*")
BAD_CHARS = re.compile("[\x00\ud800-\udfff\ufffe\uffff]")


def to_int(raw, minimum: int = -INT_MAX, maximum: int = INT_MAX):
    """A bounded int from a str/int, or None (not a number, too long, out of range)."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        raw = str(raw)
        if not INT_RE.fullmatch(raw):
            return None
        value = int(raw)
    return value if minimum <= value <= maximum else None


def to_id(raw):
    """A database id (1 … 2^31-1) or None."""
    return to_int(raw, 1, INT_MAX)


def to_decimal(raw, maximum: Decimal = DECIMAL_MAX):
    """A finite Decimal with |value| < maximum from "1.234,5"/"1234.5"-style input, or None."""
    if raw is None:
        return None
    if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
        value = Decimal(raw)
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "")
        if "," in text and "." in text:  # 1.234,5 (German thousands separator)
            text = text.replace(".", "")
        if not DECIMAL_RE.fullmatch(text):
            return None
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return None
    if not value.is_finite() or abs(value) >= maximum:
        return None
    return value


class BoundedMultiDict(ImmutableMultiDict):
    """`get(name, type=int)` and `getlist(name, type=int)` only yield bounded ints: a value that is not
    a number or out of range counts as missing (like werkzeug does for ValueError)."""

    def get(self, key, default=None, type=None):
        if type is int:
            try:
                raw = self[key]
            except KeyError:
                return default
            value = to_int(raw)
            return default if value is None else value
        return super().get(key, default=default, type=type)

    def getlist(self, key, type=None):
        if type is int:
            return [v for v in (to_int(r) for r in super().getlist(key)) if v is not None]
        return super().getlist(key, type=type)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: an id beyond the integer columns is a 404 like any unknown id."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


class Request(FlaskRequest):
    parameter_storage_class = BoundedMultiDict


def bad_value(value: str, limit: int) -> str | None:
    """Why a raw request value cannot be accepted, or None."""
    if len(value) > limit:
        return "Eine Eingabe ist zu lang."
    if BAD_CHARS.search(value):
        return "Eine Eingabe enthält unzulässige Zeichen (Nullbyte oder ungültige Kodierung)."
    return None


def check_request() -> None:
    """before_request: refuse NUL bytes, broken encodings and oversized values in the query string,
    oversized values in forms (a NUL byte in a form field is the form's German field error, and
    beteiligung/database.py keeps control characters out of every column)."""
    from flask import abort, request

    for key, value in request.args.items(multi=True):
        problem = bad_value(key, 200) or bad_value(value, MAX_ARG_CHARS)
        if problem:
            abort(400, description=problem)
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for key, value in request.form.items(multi=True):
            problem = bad_value(key, 200) or ("Eine Eingabe ist zu lang." if len(value) > MAX_VALUE_CHARS else None)
            if problem:
                abort(400, description=problem)
