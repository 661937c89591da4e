"""Aufbewahrungsfristen (DSGVO Art. 5 Abs. 1 e): personal data that is no longer needed is deleted.

One table of rules; each period comes from the configuration (environment RETENTION_*_DAYS, see
README). `flask --app beteiligung retention run` (daily timer) and the admin page
"Aufbewahrung" apply all rules; the module commands (`gremien purge-registrations`,
`befragungen entwuerfe-loeschen`) apply one rule with their own period.

Deliberately not here: the audit log (append-only; Art. 17 anonymisation scrubs persons from it),
protocols, contracts and survey responses (anonymous), which are records of the administration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from beteiligung.extensions import db
from beteiligung.formatting import to_berlin
from models import LoginFailure, Meeting, OutboxMail, utcnow
from models.committees import MeetingRegistration
from models.mail import STATUS_SENT
from models.surveys import SurveyDraft


@dataclass(frozen=True)
class Rule:
    key: str
    label: str  # what is deleted (German, for page and CLI)
    config_key: str  # RETENTION_…_DAYS
    default_days: int
    rule: str  # when it is deleted (German)
    model: type
    condition: Callable  # days -> SQL condition on model


def _registrations(days):
    return MeetingRegistration.meeting_id.in_(select(Meeting.id).where(Meeting.end < utcnow() - timedelta(days=days)))


def _drafts(days):
    return SurveyDraft.saved_on < to_berlin(utcnow()).date() - timedelta(days=days)


def _sent_mail(days):
    return (OutboxMail.status == STATUS_SENT) & (OutboxMail.sent_at < utcnow() - timedelta(days=days))


def _login_failures(days):
    return LoginFailure.at < utcnow() - timedelta(days=days)


RULES = [
    Rule(
        "anmeldungen",
        "Anmeldungen von Bürger·innen zu öffentlichen Sitzungen",
        "RETENTION_REGISTRATION_DAYS",
        30,
        "Tage nach dem Ende der Sitzung",
        MeetingRegistration,
        _registrations,
    ),
    Rule(
        "zwischenstaende",
        "Zwischenstände unvollständiger Befragungsantworten",
        "RETENTION_SURVEY_DRAFT_DAYS",
        60,
        "Tage nach dem letzten Speichern",
        SurveyDraft,
        _drafts,
    ),
    Rule(
        "postausgang",
        "Versendete Mails im Postausgang (Empfänger·in, Inhalt)",
        "RETENTION_OUTBOX_DAYS",
        180,
        "Tage nach dem Versand; wartende und fehlgeschlagene bleiben",
        OutboxMail,
        _sent_mail,
    ),
    Rule(
        "anmeldeversuche",
        "Fehlgeschlagene Anmeldeversuche (Hash von E-Mail bzw. Client)",
        "RETENTION_LOGIN_FAILURE_DAYS",
        7,
        "Tage nach dem Versuch",
        LoginFailure,
        _login_failures,
    ),
]
RULES_BY_KEY = {r.key: r for r in RULES}


def period(rule: Rule) -> int:
    return int(current_app.config.get(rule.config_key, rule.default_days))


def overview() -> list[dict]:
    """Each rule with its period and how many records are due now (one COUNT per rule)."""
    out = []
    for r in RULES:
        days = period(r)
        due = db.session.scalar(select(func.count()).select_from(r.model).where(r.condition(days)))
        out.append({"rule": r, "days": days, "due": due or 0})
    return out


def purge(key: str, days: int | None = None) -> int:
    """Delete what one rule says is due (in the caller's transaction). Returns the number of rows."""
    r = RULES_BY_KEY[key]
    days = period(r) if days is None else days
    if days < 1:
        raise ValueError("Die Frist muss mindestens einen Tag betragen.")
    return db.session.execute(delete(r.model).where(r.condition(days))).rowcount or 0


def run_all(user=None) -> dict[str, int]:
    """Apply every rule in one transaction; the run is recorded in the audit log."""
    from models import AuditEntry

    counts = {r.key: purge(r.key) for r in RULES}
    db.session.add(
        AuditEntry(
            user_id=getattr(user, "id", None),
            action="delete",
            entity_type="Aufbewahrung",
            entity_id=0,
            summary="Aufbewahrungsfristen angewendet: "
            + ", ".join(f"{RULES_BY_KEY[k].label}: {n}" for k, n in counts.items())[:300],
            after={k: {"geloescht": n, "frist_tage": period(RULES_BY_KEY[k])} for k, n in counts.items()},
        )
    )
    db.session.flush()
    return counts
