"""Domain services: the only code that changes state.

Each service checks permission (beteiligung.permissions), validates, changes
state and flushes – it never commits or rolls back – and records an audit
entry. The caller's unit of work (beteiligung/uow.py: the request, a CLI
command, a job) commits once or rolls everything back. Views translate the
exceptions below into German messages and 4xx responses (views/forms.submit).
"""

from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str = "", errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ValidationError(ServiceError):
    status = 422

    def __init__(self, errors: dict | str):
        if isinstance(errors, str):
            super().__init__(errors, {})
        else:
            super().__init__("Bitte prüfen Sie die markierten Angaben.", errors)


class PermissionDenied(ServiceError):
    status = 403

    def __init__(self, message: str = "Dafür fehlt Ihnen die Berechtigung."):
        super().__init__(message)


class NotFound(ServiceError):
    status = 404

    def __init__(self, message: str = "Der Eintrag wurde nicht gefunden."):
        super().__init__(message)


class Conflict(ServiceError):
    """Somebody else saved the record since the form was loaded."""

    status = 409

    def __init__(
        self,
        message: str = (
            "Dieser Eintrag wurde inzwischen von jemand anderem geändert. "
            "Ihre Eingaben sind unten erhalten; bitte prüfen Sie die aktuelle Fassung und speichern Sie erneut."
        ),
    ):
        super().__init__(message)


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message) if message else PermissionDenied()


def ensure_version(obj, submitted_version) -> None:
    """Raise Conflict if the form was rendered from an older version of obj."""
    try:
        submitted = int(submitted_version)
    except (TypeError, ValueError):
        raise Conflict() from None
    if submitted != obj.version:
        raise Conflict()


# The stored Ampel of indicators is kept current after every flush (issue 14).
from .kontrakte import ampel as _kennzahl_ampel  # noqa: E402,F401
