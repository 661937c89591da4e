"""Forms of the Kontrakte module (German labels and messages)."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from beteiligung.services.kontrakte.kennzahlen import compact_de, parse_decimal_de
from models.contracts import (
    BUDGET_KINDS,
    DIRECTIONS,
    GOAL_FIELD_QUESTIONS,
    GOAL_FIELDS,
    GOAL_LEVELS,
    GOAL_STATES,
    PARTY_ROLES,
    PERIODICITIES,
    TARGET_MODES,
)

from ..auswahl.fields import PickerField
from ..forms import Form, IdMultiSelectField, IdSelectField, VersionField, no_markup

REQUIRED = "Bitte ausfüllen."
DATE_MSG = "Bitte ein gültiges Datum angeben."


class GermanDecimalField(StringField):
    """Text input for German numbers ("1.234,5"); data is a Decimal or None."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        if not (self.raw or "").strip():
            self.data = None
            return
        try:
            self.data = parse_decimal_de(self.raw)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(exc)) from None

    def _value(self):
        if getattr(self, "raw", None) is not None and self.raw != "":
            return self.raw
        return compact_de(self.data) if isinstance(self.data, Decimal) else (self.data or "")


def _date(label, required=False, description=None):
    return DateField(
        label,
        validators=[DataRequired(DATE_MSG)] if required else [Optional()],
        description=description,
        render_kw={"type": "date"},
    )


class ContractForm(Form):
    version = VersionField()
    title = StringField("Titel", validators=[DataRequired(REQUIRED), Length(max=300), no_markup])
    kind_id = IdSelectField("Art", validators=[DataRequired(REQUIRED)])
    body_id = IdSelectField("Körperschaft (Auftraggeber)", validators=[DataRequired(REQUIRED)])
    reference = StringField("Aktenzeichen", validators=[Optional(), Length(max=60), no_markup])
    subject = TextAreaField(
        "Gegenstand",
        validators=[Optional(), Length(max=20000)],
        description="Leistungen/Produkte mit Menge, Preis, Kosten, Qualität und Zielgruppe (Markdown).",
    )
    legal_basis = StringField("Rechtsgrundlage", validators=[Optional(), Length(max=300), no_markup])
    product_number = StringField(
        "NKF-Produkt",
        validators=[Optional(), Length(max=40), no_markup],
        description="Produktnummer im Produkthaushalt, z. B. 06.363.01",
    )
    start_date = _date("Laufzeit von")
    end_date = _date("Laufzeit bis")
    review_date = _date("Überprüfung am", description="Termin des Zielvereinbarungsgesprächs bzw. der Überprüfung")
    committee_id = IdSelectField(
        "Zielvereinbarungsgespräch / Gremium",
        validators=[Optional()],
        description="Abweichungen werden in den Themenspeicher dieses Gremiums gelegt.",
    )
    terms = IdMultiSelectField("Handlungsfelder und Zielgruppen", validators=[Optional()])
    areas = IdMultiSelectField("Sozialräume", validators=[Optional()])
    goals = IdMultiSelectField("Ziele", validators=[Optional()])
    clause_goal = TextAreaField("Zielvereinbarung", validators=[Optional(), Length(max=20000)])
    clause_service = TextAreaField("Leistungsvereinbarung", validators=[Optional(), Length(max=20000)])
    clause_budget = TextAreaField("Budgetvereinbarung", validators=[Optional(), Length(max=20000)])
    clause_quality = TextAreaField("Qualitätsvereinbarung", validators=[Optional(), Length(max=20000)])
    clause_review = TextAreaField(
        "Überprüfungsvereinbarung",
        validators=[Optional(), Length(max=20000)],
        description="Berichtsform, Adressaten, Termine der Überprüfung",
    )
    incentives = TextAreaField(
        "Anreize und Sanktionen",
        validators=[Optional(), Length(max=20000)],
        description="Möglich, aber nicht zwingend nötig.",
    )
    comment = TextAreaField(
        "Kommentar zur Änderung",
        validators=[Optional(), Length(max=2000)],
        description="Wird mit der Fassung gespeichert (in der Verhandlung Pflicht).",
    )


class AmendmentForm(Form):
    version = VersionField()
    title = StringField("Titel", validators=[DataRequired(REQUIRED), Length(max=300), no_markup])
    subject = TextAreaField("Gegenstand", validators=[Optional(), Length(max=20000)])
    end_date = _date("Laufzeit bis")
    review_date = _date("Überprüfung am")
    clause_goal = TextAreaField("Zielvereinbarung", validators=[Optional(), Length(max=20000)])
    clause_service = TextAreaField("Leistungsvereinbarung", validators=[Optional(), Length(max=20000)])
    clause_budget = TextAreaField("Budgetvereinbarung", validators=[Optional(), Length(max=20000)])
    clause_quality = TextAreaField("Qualitätsvereinbarung", validators=[Optional(), Length(max=20000)])
    clause_review = TextAreaField("Überprüfungsvereinbarung", validators=[Optional(), Length(max=20000)])
    incentives = TextAreaField("Anreize und Sanktionen", validators=[Optional(), Length(max=20000)])
    comment = TextAreaField("Anlass und Inhalt des Nachtrags", validators=[DataRequired(REQUIRED), Length(max=2000)])


class PartyForm(Form):
    organisation_id = PickerField("Organisation", art="organisationen", zweck="kontrakt")
    body_id = IdSelectField("oder Körperschaft (z. B. Kommune)", validators=[Optional()])
    role = SelectField("Rolle", choices=[(r, r) for r in PARTY_ROLES], default="Auftragnehmer")
    signatory = StringField("Unterzeichnet von", validators=[Optional(), Length(max=200), no_markup])
    signed_on = _date("Unterzeichnet am")


class SignForm(Form):
    version = VersionField()
    signatory = StringField("Unterzeichnet von", validators=[DataRequired(REQUIRED), Length(max=200), no_markup])
    signed_on = _date("Unterzeichnet am", required=True)


class BudgetForm(Form):
    kind = SelectField("Budgetart", choices=[(k, k) for k in BUDGET_KINDS])
    year = IntegerField(
        "Haushaltsjahr",
        validators=[
            DataRequired("Bitte ein Jahr angeben."),
            NumberRange(2000, 2100, "Bitte ein Jahr zwischen 2000 und 2100."),
        ],
    )
    amount = StringField(
        "Betrag in €", validators=[DataRequired(REQUIRED), Length(max=30)], description="z. B. 247.957,90"
    )
    product_number = StringField("NKF-Produkt", validators=[Optional(), Length(max=40), no_markup])
    note = StringField("Bemerkung", validators=[Optional(), Length(max=300), no_markup])


class DutyForm(Form):
    party_id = IdSelectField("Berichtende Partei", validators=[DataRequired(REQUIRED)])
    title = StringField("Worüber wird berichtet?", validators=[DataRequired(REQUIRED), Length(max=300), no_markup])
    periodicity = SelectField("Rhythmus", choices=[(p, p) for p in PERIODICITIES], default="jährlich")
    due_days = IntegerField(
        "Frist nach Periodenende (Tage)",
        default=60,
        validators=[DataRequired("Bitte eine Frist angeben."), NumberRange(0, 365, "0 bis 365 Tage.")],
    )


class StatusForm(Form):
    version = VersionField()
    status = StringField("Neuer Status", validators=[DataRequired(REQUIRED)])


class UploadForm(Form):
    file = FileField("Datei", description="PDF, PNG, JPG, DOCX, XLSX, ODT oder ODS, höchstens 10 MB")
    description = StringField("Beschreibung", validators=[Optional(), Length(max=300), no_markup])


class GoalForm(Form):
    version = VersionField()
    title = StringField(
        "Titel (auch für Rückmeldungen an Bürger·innen geeignet)",
        validators=[DataRequired(REQUIRED), Length(max=300), no_markup],
    )
    body_id = IdSelectField("Körperschaft", validators=[DataRequired(REQUIRED)])
    level = SelectField("Zielebene", choices=[(x, x) for x in GOAL_LEVELS])
    parent_id = IdSelectField("Übergeordnetes Ziel", validators=[Optional()])
    field = SelectField("Zielfeld", choices=[(f, f"{f} – {GOAL_FIELD_QUESTIONS[f]}") for f in GOAL_FIELDS])
    description = TextAreaField("Beschreibung", validators=[Optional(), Length(max=20000)])
    target_group_id = IdSelectField("Zielgruppe", validators=[Optional()])
    area_id = IdSelectField("Sozialraum", validators=[Optional()])
    due_date = _date("Zu erreichen bis")
    status = SelectField("Status", choices=[(s, s) for s in GOAL_STATES])
    smart_specific = BooleanField("spezifisch")
    smart_measurable = BooleanField("messbar")
    smart_accepted = BooleanField("aktiv beeinflussbar / akzeptiert")
    smart_realistic = BooleanField("realistisch")
    smart_timed = BooleanField("terminiert")
    smart_hint = TextAreaField("Hinweis zur SMART-Prüfung", validators=[Optional(), Length(max=2000)])
    source_finding_id = IdSelectField(
        "Quelle: Befund aus einer Befragung",
        validators=[Optional()],
        description="Wirkungskette: Bürger·innen sehen auf der Ergebnisseite, "
        "welches Ziel aus ihren Hinweisen entstanden ist.",
    )


class IndicatorForm(Form):
    version = VersionField()
    name = StringField("Name der Kennzahl", validators=[DataRequired(REQUIRED), Length(max=300), no_markup])
    body_id = IdSelectField("Körperschaft", validators=[DataRequired(REQUIRED)])
    contract_id = IdSelectField("Kontrakt", validators=[Optional()])
    goal_id = IdSelectField("Ziel", validators=[Optional()])
    definition = TextAreaField(
        "Definition",
        validators=[Optional(), Length(max=5000)],
        description="Quantitativer, qualitativer und finanzieller Aspekt",
    )
    base_population = StringField("Grundgesamtheit", validators=[Optional(), Length(max=300), no_markup])
    unit = StringField(
        "Einheit",
        validators=[Optional(), Length(max=60), no_markup],
        description="z. B. je 1.000 Neugeborene, Fälle, %",
    )
    baseline_value = GermanDecimalField("Ausgangswert (Ist)", validators=[InputRequired(REQUIRED)])
    baseline_date = _date("Stichtag des Ausgangswerts", required=True)
    target_mode = SelectField("Zielwert", choices=list(TARGET_MODES.items()))
    target_input = GermanDecimalField(
        "Zielwert bzw. Änderung in %",
        validators=[InputRequired(REQUIRED)],
        description="absolut z. B. 20, relativ z. B. -10 für −10 %",
    )
    target_date = _date("Zu erreichen bis", required=True)
    direction = SelectField("Richtung", choices=list(DIRECTIONS.items()))
    data_source = StringField("Datenquelle", validators=[Optional(), Length(max=300), no_markup])
    periodicity = SelectField("Erhebungsrhythmus", choices=[(p, p) for p in PERIODICITIES], default="jährlich")
    area_id = IdSelectField("Sozialraum", validators=[Optional()])
    sensitive = BooleanField("Datensensibel (nicht für Politik sichtbar)")
    green_limit = GermanDecimalField(
        "Ampel grün bis Abweichung (%)", default=Decimal("5"), validators=[InputRequired(REQUIRED)]
    )
    yellow_limit = GermanDecimalField(
        "Ampel gelb bis Abweichung (%)", default=Decimal("10"), validators=[InputRequired(REQUIRED)]
    )
    plausible_min = GermanDecimalField("Plausibel ab", validators=[Optional()])
    plausible_max = GermanDecimalField("Plausibel bis", validators=[Optional()])


class MeasurementForm(Form):
    period_end = _date("Stichtag", required=True)
    value = StringField("Ist-Wert", validators=[DataRequired(REQUIRED), Length(max=30)])
    note = StringField("Bemerkung", validators=[Optional(), Length(max=300), no_markup])


class ReviewForm(Form):
    version = VersionField()
    comment = TextAreaField("Kommentar", validators=[Optional(), Length(max=5000)])
