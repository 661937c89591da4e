"""Form base class, validators and the one form-submission helper shared by all blueprints."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import flash, redirect, request
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import NumberRange, StopValidation, ValidationError

from beteiligung.inputs import to_decimal, to_int
from beteiligung.services import Conflict, ServiceError
from beteiligung.uow import discard

T = TypeVar("T")

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
LINE_BREAK = re.compile(r"[\r\n\u0085\u2028\u2029]")
SINGLE_LINE = ("StringField", "EmailField", "URLField", "TelField", "SearchField", "PasswordField")
MAX_SINGLE_LINE = 2_000  # a single-line field without its own Length
MAX_TEXT = 100_000  # a text area without its own Length
INT_TEXT = re.compile(r"\s*[+-]?\d+\s*")
FIRST_YEAR, LAST_YEAR = 1900, 2199  # plausible dates in this domain (meetings, contracts, births)
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


def after_conflict(form, exc, obj) -> str:
    """A stale save (services.Conflict): roll back, put the current version into the form's hidden
    field and return the message. The user's input stays in the form, so saving again applies it
    on top of the other person's change deliberately."""
    from beteiligung.extensions import db

    discard()
    db.session.refresh(obj)
    form.version.data = obj.version
    return exc.message


def fail(exc: ServiceError, form: FlaskForm | None = None) -> None:
    """A service call failed and the view answers anyway: throw away what the call had flushed,
    attach the field errors to the form and flash everything that has no field to sit next to."""
    discard()
    unplaced = []
    for name, message in (exc.errors or {}).items():
        field = getattr(form, name, None) if form is not None else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + [message]
        else:
            unplaced.append(message)
    if not exc.errors:
        unplaced.append(exc.message)
    if unplaced:
        flash(" ".join(unplaced), "danger")


@dataclass
class Outcome:
    """What `submit` did: a redirect to return, or the status to render the form with."""

    response: Response | None = None
    status: int = 200
    conflict: str | None = None


def submit(
    form: FlaskForm,
    action: Callable[[], T],
    *,
    success: str | Callable[[T], str],
    to: str | Callable[[T], str],
    stale: Any = None,
    code: int = 302,
) -> Outcome:
    """The one way a form is submitted: validate → call the service → flash → redirect.

    - GET: nothing happens (status 200); a POST that does not validate: status 422.
    - `ServiceError`: the service's changes are thrown away, its field errors attached to the
      form, the rest flashed; the form is shown again with the user's input kept – status 422,
      or 403/404 when the service refused (PermissionDenied, NotFound).
    - `Conflict` on a versioned object (`stale`): the user's input is kept, the form carries
      the current version, `conflict` holds the message; status 409.
    - "Suchen" of a picker (views/auswahl, without JavaScript): the form is shown again with the
      matches and the user's input, nothing is validated or saved (status 200).
    Success commits when the request ends (beteiligung.uow).
    """
    if request.method == "POST" and any(getattr(f, "search_requested", False) for f in form):
        return Outcome(status=200)
    if not form.validate_on_submit():
        return Outcome(status=422 if request.method == "POST" else 200)
    try:
        result = action()
    except Conflict as exc:
        if stale is not None and hasattr(form, "version"):
            return Outcome(status=409, conflict=after_conflict(form, exc, stale))
        fail(exc, form)
        return Outcome(status=409)
    except ServiceError as exc:
        fail(exc, form)
        return Outcome(status=exc.status if exc.status in (403, 404) else 422)
    flash(success(result) if callable(success) else success, "success")
    return Outcome(response=redirect(to(result) if callable(to) else to, code))


def act(
    action: Callable[[], T],
    *,
    success: str | Callable[[T], str],
    to: str | Callable[[T], str],
    failed_to: str | None = None,
    failed: Callable[[ServiceError], Any] | None = None,
    code: int = 303,
) -> Any:
    """A button without a form of its own (change a status, delete, send): call the service,
    flash, redirect. A `ServiceError` is flashed and the user goes back (`failed_to`, else `to`),
    or `failed(exc)` answers (e.g. the page again with the 4xx status); nothing of the failed
    call is written although the answer may be a redirect."""
    try:
        result = action()
    except ServiceError as exc:
        fail(exc)
        if failed is not None:
            return failed(exc)
        return redirect(failed_to or (to if isinstance(to, str) else request.path), code)
    flash(success(result) if callable(success) else success, "success")
    return redirect(to(result) if callable(to) else to, code)


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class Form(FlaskForm):
    """German error messages; strings are stripped; control characters are rejected."""

    class Meta:
        locales = ["de_DE", "de"]

        def bind_field(self, form, unbound_field, options):
            bounded = BOUNDED.get(unbound_field.field_class)
            if bounded is not None:  # every number and date field is range-checked where it enters
                unbound_field = UnboundField(bounded, *unbound_field.args, **unbound_field.kwargs)
            filters = list(unbound_field.kwargs.get("filters", ()))
            if unbound_field.field_class.__name__ in (
                "StringField",
                "TextAreaField",
                "EmailField",
                "URLField",
                "TelField",
                "SearchField",
            ):
                filters.insert(0, strip_filter)
            options["filters"] = filters
            return unbound_field.bind(form=form, **options)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for field in self:
            data = field.data
            if not isinstance(data, str):
                continue
            kind = type(field).__name__
            problem = None
            if CONTROL.search(data):
                problem = "Enthält unzulässige Steuerzeichen."
            elif kind in SINGLE_LINE and LINE_BREAK.search(data):
                problem = "Bitte ohne Zeilenumbruch in einer Zeile eingeben."
            elif len(data) > (MAX_SINGLE_LINE if kind in SINGLE_LINE else MAX_TEXT):
                problem = "Die Eingabe ist zu lang."
            if problem:
                field.errors = list(field.errors) + [problem]
                ok = False
        return ok

    def apply_errors(self, errors: dict) -> None:
        """Attach service validation errors to the fields they belong to."""
        for name, message in errors.items():
            field = getattr(self, name, None)
            if field is not None:
                field.errors = list(field.errors) + [message]


def no_markup(form, field):
    """Single-line names must not carry HTML or script."""
    if field.data and MARKUP.search(field.data):
        raise ValidationError("Bitte ohne HTML-Tags oder spitze Klammern eingeben.")


def coerce_id(value) -> int:
    """An id from a select: a whole number in the range of an integer column, else ValueError
    (WTForms turns it into "Ungültige Auswahl")."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        number = to_int(value)
    if number is None or to_int(number) is None:
        raise ValueError("Ungültige Auswahl.")
    return number


class VersionField(HiddenField):
    """The record version the form was rendered from (optimistic locking)."""


class IdSelectField(SelectField):
    """A select of database ids with an empty choice meaning None."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", lambda v: coerce_id(v) if v not in (None, "", "None") else None)
        kwargs.setdefault("validate_choice", True)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        if self.data is None and not self.flags.required:
            return
        super().pre_validate(form)


class IdMultiSelectField(SelectMultipleField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", coerce_id)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        valid = {c[0] for c in self.choices}
        for value in self.data or []:
            if value not in valid:
                raise ValidationError("Ungültige Auswahl.")

    def process_formdata(self, valuelist):
        try:
            self.data = [self.coerce(v) for v in valuelist]
        except (ValueError, TypeError):
            self.data = []
            raise ValueError("Ungültige Auswahl.") from None


# --- bounded number and date fields ------------------------------------------------------------
# Form.Meta.bind_field swaps WTForms' own fields for these, so every form gets them without
# naming them: a number that does not fit its column or a date outside FIRST_YEAR…LAST_YEAR is a
# German field error (never an OverflowError in a validator or the database).


class _StopOnProcessError:
    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        super().pre_validate(form)


class BoundedIntegerField(_StopOnProcessError, IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = to_int(valuelist[0])
        if self.data is None:
            if not INT_TEXT.fullmatch(str(valuelist[0])):
                raise ValueError(self.gettext("Not a valid integer value."))
            raise ValueError(self._range_message())

    def _range_message(self) -> str:
        """The field's own range (its NumberRange), else the range of an integer column."""
        for v in self.validators:
            if isinstance(v, NumberRange):
                if v.message:
                    return v.message
                if v.min is not None and v.max is not None:
                    return f"Bitte eine ganze Zahl zwischen {v.min:,} und {v.max:,} angeben.".replace(",", ".")
        return "Bitte eine ganze Zahl zwischen -2.147.483.647 und 2.147.483.647 angeben."


def _number_message(field, raw, wtforms_message: str) -> str:
    if re.fullmatch(r"\s*[+-]?[\d.,]+\s*", str(raw)) and re.search(r"\d", str(raw)):
        return "Die Zahl ist zu groß (höchstens zwölf Stellen vor dem Komma)."
    return field.gettext(wtforms_message)


class BoundedDecimalField(_StopOnProcessError, DecimalField):
    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = to_decimal(valuelist[0])
        if self.data is None:
            raise ValueError(_number_message(self, valuelist[0], "Not a valid decimal value."))


class BoundedFloatField(_StopOnProcessError, FloatField):
    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        value = to_decimal(valuelist[0])
        if value is None:
            self.data = None
            raise ValueError(_number_message(self, valuelist[0], "Not a valid float value."))
        self.data = float(value)


class _PlausibleDate:
    def process_formdata(self, valuelist):
        if valuelist and len(" ".join(str(v) for v in valuelist)) > 40:
            self.data = None
            raise ValueError("Bitte ein gültiges Datum angeben.")
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        super().pre_validate(form)
        if self.data is not None and not FIRST_YEAR <= self.data.year <= LAST_YEAR:
            raise StopValidation(f"Bitte ein Datum zwischen {FIRST_YEAR} und {LAST_YEAR} angeben.")


class BoundedDateField(_PlausibleDate, DateField):
    pass


class BoundedDateTimeLocalField(_PlausibleDate, DateTimeLocalField):
    pass


BOUNDED = {
    IntegerField: BoundedIntegerField,
    DecimalField: BoundedDecimalField,
    FloatField: BoundedFloatField,
    DateField: BoundedDateField,
    DateTimeLocalField: BoundedDateTimeLocalField,
}
