"""Operator pages (Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit) from configuration.

Each installation sets its own operator data in the environment (README, "Betreiberseiten"); no template has to
be edited. A missing entry is shown as missing, naming the variable, so nothing false is published."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

# (config key, label); values come from the environment with the same name (config.py).
OPERATOR_FIELDS = [
    ("BETREIBER_NAME", "Betreiber"),
    ("BETREIBER_ANSCHRIFT", "Anschrift"),
    ("BETREIBER_VERTRETEN", "Vertreten durch"),
    ("BETREIBER_EMAIL", "E-Mail"),
    ("BETREIBER_TELEFON", "Telefon"),
    ("BETREIBER_AUFSICHT", "Zuständige Aufsichtsbehörde"),
    ("DATENSCHUTZ_BEAUFTRAGTE", "Datenschutzbeauftragte·r"),
    ("DATENSCHUTZ_AUFSICHT", "Datenschutz-Aufsichtsbehörde"),
    ("BARRIEREFREIHEIT_STATUS", "Stand der Vereinbarkeit"),
    ("BARRIEREFREIHEIT_MAENGEL", "Nicht barrierefreie Inhalte"),
    ("BARRIEREFREIHEIT_ERSTELLT", "Erklärung erstellt am"),
    ("BARRIEREFREIHEIT_KONTAKT", "Feedback zur Barrierefreiheit"),
    ("SCHLICHTUNGSSTELLE", "Schlichtungsstelle"),
]

CONFORMITY = {
    "vollständig": "vollständig vereinbar mit der BITV 2.0 (WCAG 2.1, Stufe AA)",
    "teilweise": "teilweise vereinbar mit der BITV 2.0 (WCAG 2.1, Stufe AA)",
    "nicht": "nicht vereinbar mit der BITV 2.0",
}


@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    value: str | None

    @property
    def lines(self) -> list[str]:
        return [part.strip() for part in (self.value or "").split("|") if part.strip()]


def operator_info() -> dict[str, Entry]:
    cfg = current_app.config
    info = {}
    for key, label in OPERATOR_FIELDS:
        value = (cfg.get(key) or "").strip() or None
        if key == "BARRIEREFREIHEIT_STATUS" and value:
            value = CONFORMITY.get(value.lower(), value)
        info[key] = Entry(key, label, value)
    return info


def retention_periods() -> list[tuple[str, int, str]]:
    """(what, days, from when) for the Datenschutzerklärung, the same periods the retention job applies."""
    from beteiligung.services import retention

    return [(r.label, retention.period(r), r.rule) for r in retention.RULES]
