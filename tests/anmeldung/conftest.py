"""Fixtures for the Anmeldung tests: a real OpenLDAP server (slapd) and an app configured for it."""

from __future__ import annotations

import pytest

from tests.support import ldap as ldap_support
from tests.support.components import require


@pytest.fixture(scope="session")
def ldap_server():
    require(ldap_support.available(), "OpenLDAP (slapd, slapadd)", ".ci/run installiert slapd und ldap-utils.")
    server = ldap_support.LdapServer()
    server.start()
    yield server
    server.stop()


def group_roles() -> str:
    g = ldap_support.group_dn
    return ";".join(
        [
            f"{g('admins')}=admin",
            f"{g('sozialplanung-kreis')}=planner:01001",
            f"{g('sozialplanung-ahlen')}=sozialplanung:0100101",
            f"{g('sozialraum-altstadt')}=sozialraummanagement:0100101/A-01",
            f"{g('partner-wohlfahrt')}=partner:Wohlfahrt Ahlen e. V.",
            f"{g('politik-kreis')}=politik:01001",
        ]
    )


@pytest.fixture
def ldap_config(app, ldap_server, monkeypatch):
    """The test app talks to the test directory (as an administrator would configure it)."""
    settings = {
        "LDAP_URL": ldap_server.url,
        "LDAP_STARTTLS": False,
        "LDAP_BIND_DN": ldap_support.SERVICE_DN,
        "LDAP_BIND_PASSWORD": ldap_support.SERVICE_PW,
        "LDAP_BASE_DN": ldap_support.SUFFIX,
        "LDAP_USER_FILTER": "(&(objectClass=inetOrgPerson)(uid={login}))",
        "LDAP_ATTR_NAME": "cn",
        "LDAP_ATTR_EMAIL": "mail",
        "LDAP_GROUP_FILTER": "(&(objectClass=groupOfNames)(member={dn}))",
        "LDAP_GROUP_ROLES": group_roles(),
        "LDAP_CREATE_USERS": "jit",
        "LDAP_TIMEOUT": 3,
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return ldap_server


@pytest.fixture(scope="session")
def oidc_server():
    from tests.support import oidc_provider

    require(oidc_provider.available(), "oidc-provider", "make test installiert tests/support/oidc (node).")
    server = oidc_provider.OidcProvider(
        ["http://localhost/anmeldung/oidc/test/rueckkehr"], ["http://localhost/anmelden"]
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def oidc_config(app, oidc_server, monkeypatch):
    import logging

    from beteiligung.services.anmeldung import oidc

    # Alembic's logging setup (the migrations of the test session) disables loggers created before it.
    monkeypatch.setattr(logging.getLogger("beteiligung.anmeldung"), "disabled", False)
    monkeypatch.setitem(app.config, "OIDC_PROVIDERS", {"test": oidc_server.settings()})
    oidc._METADATA.clear()
    return oidc_server
