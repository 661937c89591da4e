"""Every app-wide Jinja filter, global and constant, registered in one place (from create_app).

Templates only render: they get their data from the view. What they may call is listed here –
formatting (German dates and numbers), labels, links and the permission checks (`can`).
Nothing here writes or runs a service.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Flask, url_for
from werkzeug.routing import BuildError

from . import formatting
from .markdown import render_markdown

# Where a Themenspeicher entry came from: (endpoint, url argument) per source_type. A missing
# endpoint just shows the label without a link.
TOPIC_SOURCE_ENDPOINTS = {
    "protokolleintrag": [("protokolle.entry", "entry_id"), ("protokolle.protocol", "protocol_id")],
    "bericht": [("kontrakte.report", "report_id")],
    "befund": [("befragungen.finding", "finding_id")],
}


def topic_source_url(topic) -> str | None:
    if not topic.source_id:
        return None
    for endpoint, arg in TOPIC_SOURCE_ENDPOINTS.get(topic.source_type, []):
        try:
            return url_for(endpoint, **{arg: topic.source_id})
        except BuildError:
            continue
    return None


def describe_rule(rule: str | None) -> str | None:
    """FREQ=MONTHLY;INTERVAL=2;COUNT=6 → „alle zwei Monate, 6 Sitzungen“ (else the rule itself)."""
    if not rule:
        return None
    parts = dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p)
    interval = int(parts.get("INTERVAL", "1") or 1)
    words = {1: "", 2: "zwei ", 3: "drei ", 6: "sechs "}
    unit = {"MONTHLY": ("monatlich", "Monate"), "WEEKLY": ("wöchentlich", "Wochen")}.get(parts.get("FREQ"))
    if unit is None or interval not in words:
        return rule
    text = unit[0] if interval == 1 else f"alle {words[interval]}{unit[1]}"
    if parts.get("COUNT", "").isdigit():
        text += f", {formatting.anzahl(int(parts['COUNT']), 'Sitzung', 'Sitzungen')}"
    return text


def visibility_label(key: str) -> str:
    from models.network import VISIBILITIES

    return VISIBILITIES.get(key, key)


def isodate_de(value) -> str:
    if not value:
        return ""
    return formatting.date_de(date.fromisoformat(value) if isinstance(value, str) else value)


def isodatetime_de(value) -> str:
    return formatting.datetime_de(datetime.fromisoformat(value)) if value else ""


def euro(value) -> str:
    from .services.kontrakte.kennzahlen import format_euro

    return format_euro(value) if value is not None else ""


def dec_de(value) -> str:
    from .services.kontrakte.kennzahlen import compact_de

    return compact_de(value) if value is not None else ""


def dec2_de(value) -> str:
    from .services.kontrakte.kennzahlen import format_decimal_de

    return format_decimal_de(value, 2) if value is not None else ""


def register(app: Flask) -> None:
    from models.committees import MeetingStatus, TopicStatus
    from models.contracts import DIRECTIONS, TARGET_MODES, ContractStatus, ReportStatus
    from models.monitoring import EditionStatus
    from models.oparl import PaperState
    from models.planung import MeasureStatus, PhaseStatus, Uptake
    from models.protocols import EntryKind, ProtocolStatus

    from . import permissions
    from .services.kontrakte.kennzahlen import LIGHTS

    if app.config.get("JINJA_BYTECODE_CACHE"):
        # compiled templates kept on disk: a new process (another gunicorn worker, the job worker, a restart)
        # loads them instead of compiling each template again on its first use
        from jinja2 import FileSystemBytecodeCache

        folder = Path(app.config["JINJA_BYTECODE_CACHE"])
        folder.mkdir(parents=True, exist_ok=True)
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(folder))
    formatting.register(app)
    app.jinja_env.filters.update(
        markdown=render_markdown,
        euro=euro,
        dec_de=dec_de,
        dec2_de=dec2_de,
        isodate_de=isodate_de,
        isodatetime_de=isodatetime_de,
    )
    app.jinja_env.globals.update(
        can=permissions.PERMISSIONS,
        topic_source_url=topic_source_url,
        describe_rule=describe_rule,
        visibility_label=visibility_label,
        LIGHTS=LIGHTS,
        DIRECTIONS=DIRECTIONS,
        TARGET_MODES=TARGET_MODES,
    )
    # status enums with `label` and `tone`, for macros.state_badge(value, Enum)
    app.jinja_env.globals.update(
        {
            cls.__name__: cls
            for cls in (
                MeetingStatus,
                TopicStatus,
                ContractStatus,
                ReportStatus,
                MeasureStatus,
                PhaseStatus,
                Uptake,
                ProtocolStatus,
                EntryKind,
                EditionStatus,
                PaperState,
            )
        }
    )
