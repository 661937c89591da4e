"""Anmeldung: who may look after which login (sessions, two-factor)."""

from __future__ import annotations


def can_manage_own_login(user) -> bool:
    """Every signed-in account looks after its own sessions and second factor."""
    return bool(getattr(user, "is_authenticated", False))


def can_end_session(user, sitzung) -> bool:
    """Only the account a session belongs to may end it from the session list."""
    return can_manage_own_login(user) and sitzung is not None and sitzung.user_id == user.id
