"""Form base class and validators shared by all blueprints (German messages)."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField
from wtforms.validators import ValidationError

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


def after_conflict(form, exc, obj) -> str:
    """A stale save (services.Conflict): roll back, put the current version into the form's hidden
    field and return the message. The user's input stays in the form, so saving again applies it
    on top of the other person's change deliberately."""
    from beteiligung.extensions import db
    db.session.rollback()
    db.session.refresh(obj)
    form.version.data = obj.version
    return exc.message


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
