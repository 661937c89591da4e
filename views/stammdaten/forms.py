"""Forms for the Stammdaten (also used to validate each row of an import)."""

from __future__ import annotations

from wtforms import BooleanField, DateField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from models import AREA_KINDS, BODY_KINDS, ORGANISATION_KINDS

from ..auswahl.fields import PickerField
from ..forms import Form, IdMultiSelectField, IdSelectField, SelectField, VersionField, no_markup

REQ = "Bitte ausfüllen."


class BodyForm(Form):
    name = StringField("Name", validators=[DataRequired(REQ), Length(max=200), no_markup])
    kind = SelectField("Art", choices=[(k, k) for k in BODY_KINDS])
    code = StringField(
        "Amtlicher Gemeindeschlüssel",
        validators=[DataRequired(REQ), Length(max=20), no_markup],
        description="z. B. 05954 für einen Kreis oder 05954036 für eine Kommune",
    )
    parent_id = IdSelectField("Übergeordnete Körperschaft", choices=[])
    population = IntegerField("Einwohnerzahl", validators=[Optional(), NumberRange(min=0, max=20_000_000)])
    version = VersionField()


class AreaForm(Form):
    body_id = IdSelectField("Körperschaft", choices=[], validators=[DataRequired(REQ)])
    code = StringField("Kennung", validators=[DataRequired(REQ), Length(max=30), no_markup], description="z. B. SR-03")
    name = StringField("Name", validators=[DataRequired(REQ), Length(max=200), no_markup])
    kind = SelectField("Ebene", choices=[(k, k) for k in AREA_KINDS])
    parent_id = IdSelectField("Übergeordneter Raum", choices=[])
    population = IntegerField("Einwohnerzahl", validators=[Optional(), NumberRange(min=0, max=20_000_000)])
    valid_from = DateField("Gültig ab", validators=[Optional()])
    valid_to = DateField("Gültig bis", validators=[Optional()])
    description = TextAreaField("Beschreibung", validators=[Optional(), Length(max=5000)])
    version = VersionField()


class TermForm(Form):
    name = StringField("Bezeichnung", validators=[DataRequired(REQ), Length(max=120), no_markup])
    description = TextAreaField("Erläuterung", validators=[Optional(), Length(max=2000)])
    version = VersionField()


class OrganisationForm(Form):
    body_id = IdSelectField("Körperschaft", choices=[], validators=[DataRequired(REQ)])
    name = StringField("Name", validators=[DataRequired(REQ), Length(max=200), no_markup])
    short_name = StringField("Kurzname", validators=[Optional(), Length(max=60), no_markup])
    kind = SelectField("Art", choices=[(k, k) for k in ORGANISATION_KINDS])
    parent_id = PickerField("Dachverband / übergeordnete Organisation", art="organisationen", zweck="allgemein")
    street = StringField("Straße und Hausnummer", validators=[Optional(), Length(max=200), no_markup])
    postcode = StringField(
        "PLZ", validators=[Optional(), Length(min=5, max=5, message="Bitte fünfstellige PLZ angeben.")]
    )
    city = StringField("Ort", validators=[Optional(), Length(max=100), no_markup])
    email = EmailField(
        "E-Mail", validators=[Optional(), Email("Bitte eine gültige E-Mail-Adresse angeben."), Length(max=254)]
    )
    phone = StringField("Telefon", validators=[Optional(), Length(max=50), no_markup])
    website = StringField(
        "Website",
        validators=[Optional(), URL(message="Bitte eine vollständige Adresse mit https:// angeben."), Length(max=300)],
    )
    areas = IdMultiSelectField("Sozialräume, in denen sie arbeitet", choices=[])
    terms = IdMultiSelectField("Handlungsfelder und Zielgruppen", choices=[])
    description = TextAreaField("Beschreibung (Markdown)", validators=[Optional(), Length(max=10000)])
    active = BooleanField("aktiv", default=True)
    version = VersionField()

    def validate_postcode(self, field):
        if field.data and not field.data.isdigit():
            from wtforms.validators import ValidationError

            raise ValidationError("Bitte fünfstellige PLZ angeben.")


class PersonForm(Form):
    body_id = IdSelectField("Körperschaft", choices=[], validators=[DataRequired(REQ)])
    first_name = StringField("Vorname", validators=[DataRequired(REQ), Length(max=100), no_markup])
    last_name = StringField("Nachname", validators=[DataRequired(REQ), Length(max=100), no_markup])
    function = StringField("Funktion", validators=[Optional(), Length(max=200), no_markup])
    organisation_id = PickerField("Organisation", art="organisationen", zweck="personeneintrag")
    email = EmailField(
        "E-Mail", validators=[Optional(), Email("Bitte eine gültige E-Mail-Adresse angeben."), Length(max=254)]
    )
    phone = StringField("Telefon", validators=[Optional(), Length(max=50), no_markup])
    consent_given = BooleanField("Einwilligung zur Speicherung der Kontaktdaten liegt vor")
    consent_date = DateField("Datum der Einwilligung", validators=[Optional()])
    consent_purpose = StringField("Zweck der Einwilligung", validators=[Optional(), Length(max=300), no_markup])
    version = VersionField()
