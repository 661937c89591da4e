"""Forms of the Netzwerk pages."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from models.network import PIPELINE_STATES, STRENGTH_LABELS, VISIBILITIES

from ..auswahl.fields import PickerField
from ..forms import Form, IdSelectField, VersionField, no_markup


class RelationForm(Form):
    body_id = IdSelectField("Körperschaft (Eigentümerin der Angabe)", validators=[DataRequired("Bitte wählen.")])
    source = PickerField(
        "Von", art="akteure", zweck="netzwerk", validators=[DataRequired("Bitte eine Organisation oder Person wählen.")]
    )
    kind_id = IdSelectField("Art der Beziehung", validators=[DataRequired("Bitte eine Art wählen.")])
    target = PickerField(
        "An", art="akteure", zweck="netzwerk", validators=[DataRequired("Bitte eine Organisation oder Person wählen.")]
    )
    directed = SelectField(
        "Richtung",
        choices=[("", "wie bei der Art üblich"), ("ja", "gerichtet (Von → An)"), ("nein", "ungerichtet (gegenseitig)")],
        validate_choice=True,
    )
    strength = SelectField(
        "Stärke",
        choices=[(str(k), f"{k} – {v}") for k, v in STRENGTH_LABELS.items()],
        default="2",
        validate_choice=True,
    )
    valid_from = DateField("Gültig ab", validators=[Optional()])
    valid_to = DateField("Gültig bis", validators=[Optional()])
    evidence = StringField(
        "Quelle oder Beleg",
        validators=[Optional(), Length(max=500), no_markup],
        description="z. B. Kooperationsvertrag vom 01.03.2025, Protokoll SPK 2/2026",
    )
    visibility = SelectField("Sichtbarkeit", choices=list(VISIBILITIES.items()), default="kreis", validate_choice=True)
    note = TextAreaField("Notiz", validators=[Optional(), Length(max=5000)])
    version = VersionField()


class PartnerStatusForm(Form):
    organisation_id = PickerField(
        "Organisation",
        art="organisationen",
        zweck="netzwerk",
        validators=[DataRequired("Bitte eine Organisation wählen.")],
    )
    body_id = IdSelectField("Körperschaft", validators=[DataRequired("Bitte wählen.")])
    status = SelectField("Stand", choices=[(s, s) for s in PIPELINE_STATES], validate_choice=True)
    handlungsfeld_id = IdSelectField("Handlungsfeld", validators=[Optional()])
    next_step = StringField("Nächster Schritt", validators=[Optional(), Length(max=300), no_markup])
    note = TextAreaField("Notiz", validators=[Optional(), Length(max=5000)])
    version = VersionField()


class RelationKindForm(Form):
    name = StringField("Name", validators=[DataRequired("Bitte einen Namen eingeben."), Length(max=80), no_markup])
    directed = SelectField("Üblicherweise", choices=[("nein", "ungerichtet"), ("ja", "gerichtet")])
    description = StringField("Beschreibung", validators=[Optional(), Length(max=500), no_markup])


IMPORT_KINDS = [("beziehungen", "Beziehungen"), ("organisationen", "Organisationen"), ("personen", "Personen")]


class NetworkImportForm(Form):
    kind = SelectField("Was wird importiert?", choices=IMPORT_KINDS, validate_choice=True)
    body_id = IdSelectField("Körperschaft", validators=[DataRequired("Bitte wählen.")])
