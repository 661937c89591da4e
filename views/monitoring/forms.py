"""Forms of the monitoring pages."""

from __future__ import annotations

from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from models import AREA_KINDS
from models.monitoring import Direction

from ..forms import Form, IdSelectField, VersionField, no_markup

IMPORT_KINDS = [
    ("werte", "Werte (Lang- oder Breitformat)"),
    ("gebiete", "Gebiete mit Einwohnerzahl"),
    ("indikatoren", "Indikatorenkatalog"),
]


class IndicatorForm(Form):
    key = StringField(
        "Schlüssel",
        validators=[DataRequired("Bitte einen Schlüssel angeben."), Length(max=60)],
        description="Kurz, ohne Leerzeichen, z. B. sgb2_quote; so heißt die Spalte in Importdateien.",
    )
    name = StringField("Name", validators=[DataRequired("Bitte einen Namen angeben."), Length(max=200), no_markup])
    unit = StringField("Einheit", validators=[Optional(), Length(max=40), no_markup], description="z. B. %, je 1.000")
    definition = TextAreaField("Definition", validators=[Optional(), Length(max=5000)])
    source = StringField(
        "Quelle",
        validators=[Optional(), Length(max=200), no_markup],
        description="z. B. Statistikstelle, Bundesagentur für Arbeit, Jugendamt",
    )
    is_rate = BooleanField("Anteil aus Zähler und Nenner")
    numerator_label = StringField(
        "Zähler",
        validators=[Optional(), Length(max=200), no_markup],
        description="z. B. Personen in Bedarfsgemeinschaften nach SGB II",
    )
    denominator_label = StringField(
        "Nenner",
        validators=[Optional(), Length(max=200), no_markup],
        description="z. B. Einwohner·innen unter 65 Jahren",
    )
    rate_factor = StringField(
        "Faktor",
        validators=[Optional(), Length(max=20)],
        default="100",
        description="Anteil = Zähler / Nenner × Faktor (100 für Prozent)",
    )
    direction = SelectField("Richtung", choices=[(d.value, d.label) for d in Direction], validate_choice=True)
    periodicity = StringField(
        "Periodizität", validators=[Optional(), Length(max=40), no_markup], description="z. B. jährlich zum 31.12."
    )
    area_kind = SelectField("Ebene", choices=[("", "–")] + [(k, k) for k in AREA_KINDS], validate_choice=True)
    min_count = IntegerField(
        "Mindestfallzahl",
        default=5,
        validators=[Optional(), NumberRange(min=0, message="Ab 0.")],
        description="Werte aus einer kleineren Fallzahl werden nirgends gezeigt.",
    )
    licence_note = TextAreaField("Lizenz und Hinweise", validators=[Optional(), Length(max=5000)])
    version = VersionField()


class MonitoringImportForm(Form):
    kind = SelectField("Was wird importiert?", choices=IMPORT_KINDS, validate_choice=True)
    body_id = IdSelectField("Körperschaft", validators=[DataRequired("Bitte wählen.")])


class DefinitionForm(Form):
    body_id = IdSelectField("Körperschaft", validators=[DataRequired("Bitte wählen.")])
    name = StringField(
        "Name",
        validators=[DataRequired("Bitte einen Namen angeben."), Length(max=200), no_markup],
        description="z. B. Sozialindex Kreis Lindenau",
    )
    ebene = SelectField("Ebene", choices=[(k, k) for k in AREA_KINDS], default="Sozialraum", validate_choice=True)
    indikatoren = StringField(
        "Indikatoren",
        validators=[DataRequired("Bitte mindestens einen Indikator angeben.")],
        description="Schlüssel durch Komma getrennt; ein vorangestelltes Minus kehrt das "
        "Vorzeichen um (z. B. sgb2_quote, kinderarmut, -einkommen).",
    )
    verdichtung = SelectField(
        "Verdichtung", choices=[("summe", "Summe der z-Werte"), ("mittel", "Mittelwert der z-Werte")]
    )
    mindest_einwohner = IntegerField(
        "Mindest-Einwohnerzahl",
        validators=[Optional(), NumberRange(min=0, message="Ab 0.")],
        description="Kleinere Gebiete zählen nicht zu Mittelwert und Standardabweichung, werden aber eingestuft.",
    )
    schwellen = StringField(
        "Schwellen (Standardabweichungen)",
        default="-1; 1; 1,5",
        validators=[DataRequired("Bitte Schwellen angeben.")],
        description="aufsteigend, durch Semikolon oder Leerzeichen getrennt",
    )
    klassen = StringField(
        "Klassen",
        default="hoch, mittel, niedrig, sehr niedrig",
        validators=[DataRequired("Bitte Klassen angeben.")],
        description="vom niedrigsten Index aufwärts, durch Komma getrennt; eine mehr als Schwellen",
    )
    dynamik = BooleanField("Dynamikindex berechnen (Veränderung zwischen zwei Stichtagen)")
    dynamik_schwellen = StringField("Schwellen der Dynamik", default="-1; 1", validators=[Optional()])
    dynamik_klassen = StringField("Klassen der Dynamik", default="positiv, stabil, negativ", validators=[Optional()])
    version = VersionField()


class ComputeForm(Form):
    stichtag = SelectField("Stichtag", validators=[DataRequired("Bitte einen Stichtag wählen.")])
    vergleich = SelectField("Vergleichsstichtag für die Dynamik", validators=[Optional()])


class ReleaseForm(Form):
    body_id = IdSelectField("Körperschaft", validators=[DataRequired("Bitte wählen.")])
    freigeben = BooleanField("Werte für den Kreis freigeben")


__all__ = [
    "IndicatorForm",
    "MonitoringImportForm",
    "DefinitionForm",
    "ComputeForm",
    "ReleaseForm",
    "IMPORT_KINDS",
    "DateField",
]
