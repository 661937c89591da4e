"""Forms for Gremien, Sitzungen, Tagesordnung, Einladungen and public pages."""

from __future__ import annotations

from datetime import UTC, datetime

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from beteiligung.formatting import BERLIN, to_berlin
from models.committees import REGISTRATION_FIELDS

from ..auswahl.fields import PickerField
from ..forms import Form, IdMultiSelectField, IdSelectField, VersionField, no_markup

REQ = "Bitte ausfüllen."


def local_to_utc(value: datetime | None) -> datetime | None:
    """A datetime-local value (Berlin wall time) → naive UTC as stored."""
    if value is None:
        return None
    return value.replace(tzinfo=BERLIN).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(value: datetime | None) -> datetime | None:
    return to_berlin(value).replace(tzinfo=None) if value else None


class CommitteeTypeForm(Form):
    name = StringField("Name", validators=[DataRequired(REQ), Length(max=120), no_markup])
    public_default = BooleanField("Standardmäßig öffentlich")
    description = TextAreaField("Beschreibung", validators=[Optional(), Length(max=2000)])


class CommitteeForm(Form):
    version = VersionField()
    name = StringField("Name", validators=[DataRequired(REQ), Length(max=200), no_markup])
    type_id = IdSelectField("Gremienart", validators=[DataRequired("Bitte eine Gremienart wählen.")])
    body_id = IdSelectField("Körperschaft", validators=[DataRequired("Bitte eine Körperschaft wählen.")])
    purpose = TextAreaField(
        "Auftrag und Zweck", validators=[Optional(), Length(max=5000)], description="Markdown möglich."
    )
    is_public = BooleanField("Öffentlich (Bürger·innen können Sitzungen sehen und sich anmelden)")
    cadence = StringField(
        "Turnus", validators=[Optional(), Length(max=120), no_markup], description="z. B. „alle zwei Monate“"
    )
    quorum = IntegerField(
        "Beschlussfähig ab (Mitglieder)",
        validators=[Optional(), NumberRange(min=1, max=1000, message="Bitte eine Zahl zwischen 1 und 1000 angeben.")],
    )
    areas = IdMultiSelectField("Sozialräume")
    terms = IdMultiSelectField("Handlungsfelder")
    active = BooleanField("aktiv", default=True)


class MembershipForm(Form):
    person_id = PickerField(
        "Person", art="personen", zweck="mitglied", validators=[DataRequired("Bitte eine Person wählen.")]
    )
    organisation_id = PickerField(
        "Vertritt Organisation",
        art="organisationen",
        zweck="mitglied",
        empty_label="die Organisation der Person",
        description="Leer: die Organisation der Person.",
    )
    role = StringField(
        "Funktion im Gremium",
        validators=[Optional(), Length(max=100), no_markup],
        description="z. B. Vorsitz, Mitglied, beratend",
    )
    has_mandate = BooleanField("Mit Mandat (entscheidungsbefugt für die Organisation)")
    deputy_id = PickerField("Stellvertretung", art="personen", zweck="mitglied")
    circle = SelectField("Kreis", choices=[("Kernkreis", "Kernkreis"), ("erweiterter Kreis", "erweiterter Kreis")])
    start_date = DateField("Mitglied seit", validators=[Optional()])
    end_date = DateField("Mitglied bis", validators=[Optional()])


REPEAT_CHOICES = [
    ("", "einmalig"),
    ("monatlich", "monatlich"),
    ("zweimonatlich", "alle zwei Monate"),
    ("quartal", "vierteljährlich"),
    ("halbjahr", "halbjährlich"),
    ("woechentlich", "wöchentlich"),
]


class MeetingForm(Form):
    version = VersionField()
    title = StringField("Titel", validators=[DataRequired(REQ), Length(max=200), no_markup])
    start = DateTimeLocalField(
        "Beginn", format="%Y-%m-%dT%H:%M", validators=[DataRequired("Bitte Datum und Uhrzeit des Beginns angeben.")]
    )
    end = DateTimeLocalField(
        "Ende", format="%Y-%m-%dT%H:%M", validators=[DataRequired("Bitte Datum und Uhrzeit des Endes angeben.")]
    )
    location = StringField("Ort", validators=[Optional(), Length(max=300), no_markup])
    online_url = URLField("Online-Link", validators=[Optional(), Length(max=500)])
    is_public = BooleanField("Öffentliche Sitzung")
    goals = TextAreaField(
        "Ziele der Sitzung",
        validators=[Optional(), Length(max=5000)],
        description="Was soll am Ende der Sitzung erreicht sein? (Markdown möglich)",
    )
    registration_open = BooleanField("Anmeldung für Bürger·innen auf der öffentlichen Seite")
    capacity = IntegerField(
        "Plätze", validators=[Optional(), NumberRange(min=1, max=100000, message="Bitte eine Zahl ab 1 angeben.")]
    )
    registration_fields = IdMultiSelectField(
        "Zusätzliche Felder der Anmeldung", coerce=str, choices=list(REGISTRATION_FIELDS.items())
    )


class MeetingCreateForm(MeetingForm):
    repeat = SelectField("Wiederholung", choices=REPEAT_CHOICES)
    count = IntegerField(
        "Anzahl der Sitzungen der Serie",
        validators=[Optional()],
        description="Nur bei Wiederholung, z. B. 6 für ein Jahr alle zwei Monate.",
    )


class AgendaItemForm(Form):
    version = VersionField()
    title = StringField("Titel", validators=[DataRequired("Bitte einen Titel angeben."), Length(max=300), no_markup])
    goal = TextAreaField("Ziel des Punkts", validators=[Optional(), Length(max=2000)])
    duration_minutes = IntegerField(
        "Dauer (Minuten)",
        validators=[
            Optional(),
            NumberRange(min=1, max=600, message="Die Dauer muss zwischen 1 und 600 Minuten liegen."),
        ],
    )
    presenter = StringField("Einbringung durch", validators=[Optional(), Length(max=200), no_markup])
    is_public = BooleanField("Öffentlicher Punkt", default=True)
    description = TextAreaField("Erläuterung", validators=[Optional(), Length(max=5000)])
    terms = IdMultiSelectField("Themen")


class TopicForm(Form):
    title = StringField("Thema", validators=[DataRequired("Bitte ein Thema angeben."), Length(max=300), no_markup])
    description = TextAreaField("Beschreibung", validators=[Optional(), Length(max=5000)])


class InviteFilterForm(Form):
    circles = IdMultiSelectField(
        "Kreis", coerce=str, choices=[("Kernkreis", "Kernkreis"), ("erweiterter Kreis", "erweiterter Kreis")]
    )
    mandate_only = BooleanField("Nur Mitglieder mit Mandat")
    organisation_ids = IdMultiSelectField("Organisationen")
    area_ids = IdMultiSelectField("Sozialräume (Organisationen, die dort tätig sind)")
    term_ids = IdMultiSelectField("Handlungsfelder / Themen der Organisationen")
    roles = IdMultiSelectField("Zusätzlich alle mit dieser Rolle (im Kreis)", coerce=str)
    person_ids = PickerField(
        "Weitere Personen (Gäste)",
        art="personen",
        zweck="einladung",
        multiple=True,
        description="Name oder Organisation eingeben; gewählte Personen stehen unter dem Suchfeld.",
    )


class RsvpForm(Form):
    rsvp = RadioField(
        "Ihre Antwort",
        choices=[
            ("zugesagt", "Zusage – ich nehme teil"),
            ("abgesagt", "Absage – ich kann nicht teilnehmen"),
            ("vielleicht", "Vielleicht"),
            ("vertreten", "Vertretung – eine andere Person kommt für mich"),
        ],
        validators=[DataRequired("Bitte wählen Sie eine Antwort.")],
    )
    deputy_id = IdSelectField("Vertretung (nur bei Vertretung)")
    comment = StringField("Anmerkung", validators=[Optional(), Length(max=500), no_markup])


class RegistrationForm(Form):
    name = StringField("Name", validators=[DataRequired("Bitte geben Sie Ihren Namen an."), Length(max=200), no_markup])
    email = EmailField(
        "E-Mail-Adresse",
        validators=[
            DataRequired("Bitte geben Sie Ihre E-Mail-Adresse an."),
            Email("Bitte geben Sie eine gültige E-Mail-Adresse an."),
            Length(max=254),
        ],
    )
    organisation = StringField(REGISTRATION_FIELDS["organisation"], validators=[Optional(), Length(max=200), no_markup])
    phone = StringField(REGISTRATION_FIELDS["phone"], validators=[Optional(), Length(max=60), no_markup])
    accessibility = TextAreaField(REGISTRATION_FIELDS["accessibility"], validators=[Optional(), Length(max=2000)])
    remarks = TextAreaField(REGISTRATION_FIELDS["remarks"], validators=[Optional(), Length(max=2000)])
