"""LDAP / Active Directory login (part 3, filled in below)."""
from __future__ import annotations

NOT_IN_DIRECTORY = object()


def configured() -> bool:
    from flask import current_app
    return bool(current_app.config.get("LDAP_URL"))


def authenticate(login, password, client):  # pragma: no cover - replaced in part 3
    return NOT_IN_DIRECTORY
