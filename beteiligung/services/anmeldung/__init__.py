"""Anmeldung wie in der Verwaltung: server-side sessions (sitzungen), two-factor (totp),
directory login (ldap).

`check_credentials` is the one entry for a password login: the directory first (if configured
and the login is not a local administration account), then the local accounts.
"""

from __future__ import annotations

from models import User
from models.anmeldung import Anmeldeweg

from .. import accounts


def check_credentials(login: str, password: str, client: str) -> tuple[User | None, Anmeldeweg]:
    """The account for a login and password, and the way it was checked; (None, …) if they are wrong.

    Raises ValidationError while the login is locked, or with a clear message when the directory
    cannot be reached (local accounts still work then).
    """
    if ldap.configured():
        result = ldap.authenticate(login, password, client)
        if result is not ldap.NOT_IN_DIRECTORY:
            return result, Anmeldeweg.LDAP
    return accounts.authenticate(login, password, client), Anmeldeweg.PASSWORT


from . import ldap  # noqa: E402  (anmeldung.ldap.configured() for the login form)
