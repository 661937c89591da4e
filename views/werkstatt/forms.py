"""Forms of the Werkstatt (German messages)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from models.werkstatt import BoardKind
from views.auswahl.fields import PickerField
from views.forms import Form, IdSelectField, VersionField, no_markup
from views.gremien.forms import local_to_utc

REQ = "Bitte ausfüllen."
_LINE = re.compile(
    r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})[ ,]+(\d{1,2})[:.](\d{2})\s*(?:Uhr)?\s*$|"
    r"^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})\s*$"
)


def parse_options(text: str, duration_minutes: int) -> tuple[list[tuple[datetime, datetime]], str | None]:
    """One candidate per line, Berlin time („03.12.2026 18:30“ or „2026-12-03 18:30“) → naive UTC."""
    options, bad = [], []
    for n, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        try:
            if m is None:
                raise ValueError
            if m.group(1):
                d, mo, y, h, mi = (int(m.group(i)) for i in range(1, 6))
            else:
                y, mo, d, h, mi = (int(m.group(i)) for i in range(6, 11))
            local = datetime(y, mo, d, h, mi)
        except ValueError:
            bad.append(f"Zeile {n} („{line.strip()[:40]}“)")
            continue
        start = local_to_utc(local)
        options.append((start, start + timedelta(minutes=duration_minutes)))
    if bad:
        return options, (
            "Nicht lesbar: " + ", ".join(bad) + ". Bitte je Zeile Datum und Uhrzeit wie „03.12.2026 18:30“."
        )
    return options, None


class PollForm(Form):
    committee_id = IdSelectField("Gremium", validators=[DataRequired("Bitte ein Gremium wählen.")])
    meeting_id = IdSelectField(
        "Geplante Sitzung",
        validators=[Optional()],
        description="Leer lassen: Die Sitzung wird angelegt, sobald der Termin feststeht.",
    )
    title = StringField("Titel", validators=[DataRequired(REQ), Length(max=200), no_markup])
    description = TextAreaField("Worum geht es?", validators=[Optional(), Length(max=2000)])
    location = StringField("Ort", validators=[Optional(), Length(max=300), no_markup])
    options = TextAreaField(
        "Terminvorschläge",
        validators=[DataRequired("Bitte mindestens zwei Terminvorschläge angeben.")],
        description="Je Zeile ein Beginn mit Datum und Uhrzeit, z. B. „03.12.2026 18:30“.",
    )
    duration_minutes = IntegerField(
        "Dauer in Minuten",
        default=120,
        validators=[
            DataRequired("Bitte die Dauer angeben."),
            NumberRange(15, 3 * 24 * 60, "Zwischen 15 Minuten und drei Tagen."),
        ],
    )
    deadline = DateTimeLocalField(
        "Antworten bis",
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired("Bitte Datum und Uhrzeit der Antwortfrist angeben.")],
    )
    members = BooleanField("Alle Mitglieder des Gremiums mit E-Mail-Adresse einladen", default=True)
    person_ids = PickerField(
        "Weitere Personen",
        art="personen",
        zweck="einladung",
        multiple=True,
        description="Name oder Organisation eingeben; gewählte Personen stehen unter dem Suchfeld.",
    )


class DecideForm(Form):
    option_id = IdSelectField("Termin", validators=[DataRequired("Bitte einen Termin wählen.")])
    version = VersionField()


class AnswerForm(Form):
    comment = TextAreaField("Anmerkung", validators=[Optional(), Length(max=500)])


class BoardForm(Form):
    kind = SelectField(
        "Methode",
        choices=[("", "– bitte wählen –")] + [(k.value, k.label) for k in BoardKind],
        validators=[DataRequired("Bitte eine Methode wählen.")],
    )
    title = StringField("Titel", validators=[DataRequired(REQ), Length(max=200), no_markup])
    question = TextAreaField(
        "Leitfrage (Wirkungsbeitragsanalyse: die Wirkung)", validators=[Optional(), Length(max=1000)]
    )
    dots_per_participant = IntegerField("Punkte je Person (Punktabfrage)", validators=[Optional()], default=3)
    x_label = StringField(
        "Waagerechte Achse (Portfolio)",
        validators=[Optional(), Length(max=100), no_markup],
        description="z. B. „Dringlichkeit“",
    )
    y_label = StringField(
        "Senkrechte Achse (Portfolio)",
        validators=[Optional(), Length(max=100), no_markup],
        description="z. B. „Wirkung“",
    )


class GuestForm(Form):
    name = StringField(
        "Ihr Name", validators=[DataRequired("Bitte geben Sie Ihren Namen an."), Length(max=100), no_markup]
    )
    code = StringField(
        "Code der Tafel", validators=[DataRequired("Bitte den Code angeben, den die Moderation zeigt."), Length(max=12)]
    )
