"""Forms of the Planung module (German labels; the service validates the domain rules)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from models.planung import ProgressMode

from ..auswahl.fields import PickerField
from ..forms import Form, IdMultiSelectField, IdSelectField, VersionField, no_markup

REQUIRED = "Bitte ausfüllen."
DATE_MSG = "Bitte ein gültiges Datum angeben."


def _date(label, required=False, description=None):
    return DateField(
        label,
        validators=[DataRequired(DATE_MSG)] if required else [Optional()],
        description=description,
        render_kw={"type": "date"},
    )


class MeasureForm(Form):
    version = VersionField()
    title = StringField("Titel", validators=[DataRequired(REQUIRED), Length(max=300), no_markup])
    body_id = IdSelectField("Körperschaft", validators=[DataRequired(REQUIRED)])
    organisation_id = PickerField(
        "Verantwortliche Organisation",
        art="organisationen",
        zweck="allgemein",
        validators=[DataRequired(REQUIRED)],
        description="Träger oder Fachdienst, der die Maßnahme umsetzt",
    )
    description = TextAreaField(
        "Beschreibung",
        validators=[Optional(), Length(max=20000)],
        description="Was wird getan, für wen, mit welchem Ziel (Markdown)",
    )
    handlungsfeld_id = IdSelectField("Handlungsfeld", validators=[Optional()])
    target_group_ids = IdMultiSelectField("Zielgruppen", validators=[Optional()])
    area_ids = IdMultiSelectField("Sozialräume", validators=[Optional()])
    start_date = _date("Beginn")
    end_date = _date("Ende")
    staff_fte = StringField(
        "Personal (VZÄ)", validators=[Optional(), Length(max=20)], description="Vollzeitäquivalente, z. B. 1,5"
    )
    progress_mode = SelectField(
        "Fortschritt", choices=[(m.value, m.label) for m in ProgressMode], default=ProgressMode.EINGABE.value
    )
    progress = StringField(
        "Fortschritt in %",
        validators=[Optional(), Length(max=10)],
        description="0 bis 100; bei „aus den Meilensteinen“ wird er berechnet",
    )
    is_public = BooleanField("Auf der öffentlichen Seite „Was aus Ihren Hinweisen wurde“ zeigen")
    goal_ids = IdMultiSelectField("Ziele, denen die Maßnahme dient", validators=[Optional()])
    contract_ids = IdMultiSelectField("Kontrakte, die sie finanzieren", validators=[Optional()])
    indicator_ids = IdMultiSelectField("Kennzahlen", validators=[Optional()])


class ProgressForm(Form):
    version = VersionField()
    progress = StringField("Fortschritt in %", validators=[Optional(), Length(max=10)], description="0 bis 100")
    status_note = TextAreaField(
        "Sachstand",
        validators=[Optional(), Length(max=20000)],
        description="Was ist erreicht, was hakt? (sehen Sozialplanung und Gremien)",
    )


class StatusForm(Form):
    version = VersionField()
    status = SelectField("Neuer Status", choices=[])
    reason = TextAreaField(
        "Begründung",
        validators=[Optional(), Length(max=20000)],
        description="Pflicht, wenn die Maßnahme eingestellt wird",
    )


class MilestoneForm(Form):
    ms_title = StringField("Meilenstein", validators=[DataRequired(REQUIRED), Length(max=300), no_markup])
    ms_due = _date("Fällig am", required=True)


class BudgetForm(Form):
    year = StringField("Haushaltsjahr", validators=[DataRequired(REQUIRED), Length(max=4)])
    amount = StringField(
        "Betrag in €", validators=[DataRequired(REQUIRED), Length(max=30)], description="z. B. 48.000,00"
    )
    product_number = StringField("NKF-Produkt", validators=[Optional(), Length(max=40), no_markup])


class ProcessForm(Form):
    version = VersionField()
    title = StringField("Titel", validators=[DataRequired(REQUIRED), Length(max=300), no_markup])
    body_id = IdSelectField("Körperschaft", validators=[DataRequired(REQUIRED)])
    mandate_committee_id = IdSelectField("Auftrag durch Gremium", validators=[Optional()])
    mandate_by = StringField(
        "Auftrag durch (sonst)",
        validators=[Optional(), Length(max=200), no_markup],
        description="z. B. Kreistag, Rat der Stadt, Sozialausschuss",
    )
    mandate_date = _date("Datum des Beschlusses")
    mandate_reference = StringField(
        "Vorlage / Aktenzeichen", validators=[Optional(), Length(max=60), no_markup], description="z. B. V/2026/0815"
    )
    scope = TextAreaField(
        "Auftrag und Umfang",
        validators=[Optional(), Length(max=20000)],
        description="Was soll geplant werden, bis wann, mit wem (Markdown)",
    )
    handlungsfeld_ids = IdMultiSelectField("Handlungsfelder", validators=[Optional()])
    zielgruppe_ids = IdMultiSelectField("Zielgruppen", validators=[Optional()])
    area_ids = IdMultiSelectField("Sozialräume", validators=[Optional()])


class PhaseForm(Form):
    status = SelectField("Status", choices=[])
    start_date = _date("Beginn")
    end_date = _date("Ende")
    responsible_id = PickerField("Verantwortlich", art="personen", zweck="allgemein", empty_label="niemand benannt")


class ConsultationForm(Form):
    title = StringField(
        "Titel",
        validators=[DataRequired(REQUIRED), Length(max=300), no_markup],
        description="z. B. Entwurf Sozialbericht 2026",
    )
    body_id = IdSelectField("Körperschaft", validators=[DataRequired(REQUIRED)])
    process_id = IdSelectField("Planungsvorhaben", validators=[Optional()])
    description = TextAreaField("Worum geht es?", validators=[Optional(), Length(max=20000)])
    deadline = _date("Frist für Stellungnahmen", required=True)
    organisation_ids = PickerField(
        "Organisationen, die Stellung nehmen sollen",
        art="organisationen",
        zweck="allgemein",
        multiple=True,
        description="Name eingeben; gewählte Organisationen stehen unter dem Suchfeld.",
    )
    file = FileField("Entwurf (PDF, DOCX, ODT …, höchstens 10 MB)")


class StatementForm(Form):
    organisation_id = IdSelectField("Für die Organisation", validators=[Optional()])
    text = TextAreaField(
        "Ihre Stellungnahme", validators=[DataRequired("Bitte schreiben Sie Ihre Stellungnahme."), Length(max=50000)]
    )
    file = FileField("Anlage (optional, PDF, DOCX, ODT …, höchstens 10 MB)")


class UptakeForm(Form):
    version = VersionField()
    uptake = SelectField("Berücksichtigung", choices=[])
    uptake_note = TextAreaField("Begründung", validators=[Optional(), Length(max=20000)])
