"""Form base class, validators and the one form-submission helper shared by all blueprints."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import flash, redirect, request
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField, SelectMultipleField
from wtforms.validators import ValidationError

from beteiligung.services import Conflict, ServiceError
from beteiligung.uow import discard

T = TypeVar("T")

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
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


def submit(form: FlaskForm, action: Callable[[], T], *, success: str | Callable[[T], str],
           to: str | Callable[[T], str], stale: Any = None, code: int = 302) -> Outcome:
    """The one way a form is submitted: validate → call the service → flash → redirect.

    - GET: nothing happens (status 200); a POST that does not validate: status 422.
    - `ServiceError`: the service's changes are thrown away, its field errors attached to the
      form, the rest flashed; the form is shown again with the user's input kept – status 422,
      or 403/404 when the service refused (PermissionDenied, NotFound).
    - `Conflict` on a versioned object (`stale`): the user's input is kept, the form carries
      the current version, `conflict` holds the message; status 409.
    Success commits when the request ends (beteiligung.uow).
    """
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


def act(action: Callable[[], T], *, success: str | Callable[[T], str], to: str | Callable[[T], str],
        failed_to: str | None = None, failed: Callable[[ServiceError], Any] | None = None,
        code: int = 303) -> Any:
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
            filters = list(unbound_field.kwargs.get("filters", ()))
            if unbound_field.field_class.__name__ in ("StringField", "TextAreaField", "EmailField",
                                                      "URLField", "TelField", "SearchField"):
                filters.insert(0, strip_filter)
            options["filters"] = filters
            return unbound_field.bind(form=form, **options)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for field in self:
            data = field.data
            if isinstance(data, str) and CONTROL.search(data):
                field.errors = list(field.errors) + ["Enthält unzulässige Steuerzeichen."]
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


class VersionField(HiddenField):
    """The record version the form was rendered from (optimistic locking)."""


class IdSelectField(SelectField):
    """A select of database ids with an empty choice meaning None."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", lambda v: int(v) if v not in (None, "", "None") else None)
        kwargs.setdefault("validate_choice", True)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        if self.data is None and not self.flags.required:
            return
        super().pre_validate(form)


class IdMultiSelectField(SelectMultipleField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
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
