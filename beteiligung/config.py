"""Configuration from the environment.

Every setting has a safe default for a developer machine; production sets
BETEILIGUNG_DATABASE_URL, BASE_URL and SMTP_* (see README, "Betrieb").
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


DEVELOPMENT_ENVS = {"development", "entwicklung"}

SECRET_KEY_MISSING = (
    "SECRET_KEY ist nicht gesetzt. Setzen Sie die Umgebungsvariable SECRET_KEY auf allen Servern auf denselben "
    "geheimen Wert (z. B. `python3 -c 'import secrets; print(secrets.token_hex(32))'`). Nur für die Entwicklung "
    "(BETEILIGUNG_ENV=development, `make run`) wird ein Schlüssel in instance/secret_key erzeugt."
)


def is_development() -> bool:
    return os.environ.get("BETEILIGUNG_ENV", "").strip().lower() in DEVELOPMENT_ENVS


def _secret_key(instance_path: Path) -> str | None:
    """SECRET_KEY from the environment. Only in development (BETEILIGUNG_ENV=development) is one generated
    once and kept in instance/; otherwise None, and create_app refuses to start (SECRET_KEY_MISSING)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    if not is_development():
        return None
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "ja", "on"}


def _days(name: str, default: int) -> int:
    """A retention period in days from the environment; a wrong value stops the start with a clear message."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} muss eine ganze Zahl von Tagen (mindestens 1) sein, nicht {raw!r}.")
    return int(raw)


def load_config(instance_path: Path) -> dict:
    instance_path = Path(instance_path)
    db_url = os.environ.get("BETEILIGUNG_DATABASE_URL", f"sqlite:///{instance_path / 'beteiligung.sqlite'}")
    if db_url.startswith("postgres://"):
        db_url = "postgresql+psycopg://" + db_url[len("postgres://") :]
    elif db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url[len("postgresql://") :]
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "587") or 587),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        # "starttls", "ssl" or "none"
        "SMTP_SECURITY": os.environ.get("SMTP_SECURITY", "starttls").lower(),
        "SMTP_TIMEOUT": float(os.environ.get("SMTP_TIMEOUT", "10")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "beteiligung@localhost"),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance_path / "uploads")),
        "JINJA_BYTECODE_CACHE": os.environ.get("JINJA_BYTECODE_CACHE", ""),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_DURATION": timedelta(days=_days("REMEMBER_DAYS", 14)),
        "WTF_CSRF_TIME_LIMIT": None,
        "PER_PAGE": 25,
        "PASSWORD_HASH_METHOD": "scrypt",
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCK_MINUTES": int(os.environ.get("LOGIN_LOCK_MINUTES", "15")),
        # the pickers' search-as-you-type: searches per account in 30 seconds, counted across all servers
        "AUSWAHL_SUCHEN_JE_FENSTER": int(os.environ.get("AUSWAHL_SUCHEN_JE_FENSTER", "60") or 60),
        "TOKEN_MAX_AGE_HOURS": int(os.environ.get("TOKEN_MAX_AGE_HOURS", "72")),
        "SMALL_GROUP_THRESHOLD": int(os.environ.get("SMALL_GROUP_THRESHOLD", "5")),
        # Aufbewahrungsfristen (services/retention.py)
        "RETENTION_REGISTRATION_DAYS": _days("RETENTION_REGISTRATION_DAYS", 30),
        "RETENTION_SURVEY_DRAFT_DAYS": _days("RETENTION_SURVEY_DRAFT_DAYS", 60),
        "RETENTION_OUTBOX_DAYS": _days("RETENTION_OUTBOX_DAYS", 180),
        "RETENTION_LOGIN_FAILURE_DAYS": _days("RETENTION_LOGIN_FAILURE_DAYS", 7),
        # Anmeldung (README, "Anmeldung")
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0") or 0),
        "TWO_FACTOR_REQUIRED_ROLES": os.environ.get("TWO_FACTOR_REQUIRED_ROLES", "admin"),
        # Betrieb (README, "Betrieb im Rechenzentrum")
        # Uploads: "datenbank" or "verzeichnis"; empty = datenbank with PostgreSQL, else verzeichnis.
        "FILE_STORAGE": os.environ.get("FILE_STORAGE", "").strip().lower(),
        # Betreiberseiten (services/betrieb/rechtliches.py); "|" trennt Zeilen.
        **{
            key: os.environ.get(key, "").strip()
            for key in (
                "BETREIBER_NAME",
                "BETREIBER_ANSCHRIFT",
                "BETREIBER_VERTRETEN",
                "BETREIBER_EMAIL",
                "BETREIBER_TELEFON",
                "BETREIBER_AUFSICHT",
                "DATENSCHUTZ_BEAUFTRAGTE",
                "DATENSCHUTZ_AUFSICHT",
                "BARRIEREFREIHEIT_STATUS",
                "BARRIEREFREIHEIT_MAENGEL",
                "BARRIEREFREIHEIT_ERSTELLT",
                "BARRIEREFREIHEIT_KONTAKT",
                "SCHLICHTUNGSSTELLE",
            )
        },
        # PDF for the eAkte (services/betrieb/pdf.py): protocols and contracts as PDF/A-3a; empty = plain PDF.
        "PDF_VARIANT": os.environ.get("PDF_VARIANT", "pdf/a-3a").strip().lower(),
        "OUTBOX_CLAIM_SECONDS": int(os.environ.get("OUTBOX_CLAIM_SECONDS", "600") or 600),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN", "").strip(),
        # False when a separate worker runs (`flask --app beteiligung betrieb worker`); /healthz then checks it.
        "JOBS_IN_PROCESS": _bool("JOBS_IN_PROCESS", True),
        # Netzwerkkarte: networks up to this many nodes are recomputed in the request after a change,
        # larger ones by the job "netzwerk" (services/netzwerk/graph.py).
        "NETZWERK_SOFORT_BIS_KNOTEN": int(os.environ.get("NETZWERK_SOFORT_BIS_KNOTEN", "500") or 500),
        # Queue worker (procrastinate): heartbeat interval; a worker silent for longer than JOBS_STALLED_SECONDS
        # counts as gone (kill -9) and its running jobs are retried by another worker.
        "JOBS_HEARTBEAT_SECONDS": float(os.environ.get("JOBS_HEARTBEAT_SECONDS", "10") or 10),
        "JOBS_STALLED_SECONDS": float(os.environ.get("JOBS_STALLED_SECONDS", "60") or 60),
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text").strip().lower(),
        **_anmeldung_config(),
    }


def _anmeldung_config() -> dict:
    """LDAP / Active Directory (services/anmeldung/ldap.py); empty LDAP_URL switches it off."""
    return {
        "LDAP_URL": os.environ.get("LDAP_URL", "").strip(),
        "LDAP_STARTTLS": _bool("LDAP_STARTTLS", False),
        "LDAP_CA_FILE": os.environ.get("LDAP_CA_FILE", "").strip(),
        "LDAP_BIND_DN": os.environ.get("LDAP_BIND_DN", ""),
        "LDAP_BIND_PASSWORD": os.environ.get("LDAP_BIND_PASSWORD", ""),
        "LDAP_BASE_DN": os.environ.get("LDAP_BASE_DN", ""),
        "LDAP_USER_FILTER": os.environ.get("LDAP_USER_FILTER", "(uid={login})"),
        "LDAP_ATTR_NAME": os.environ.get("LDAP_ATTR_NAME", "cn"),
        "LDAP_ATTR_EMAIL": os.environ.get("LDAP_ATTR_EMAIL", "mail"),
        "LDAP_GROUP_FILTER": os.environ.get("LDAP_GROUP_FILTER", "(|(member={dn})(uniqueMember={dn}))"),
        "LDAP_GROUP_ROLES": os.environ.get("LDAP_GROUP_ROLES", ""),
        "LDAP_CREATE_USERS": os.environ.get("LDAP_CREATE_USERS", "jit").strip().lower(),
        "LDAP_TIMEOUT": float(os.environ.get("LDAP_TIMEOUT", "5") or 5),
        "LDAP_RECHECK_SECONDS": int(os.environ.get("LDAP_RECHECK_SECONDS", "60") or 60),
        "OIDC_PROVIDERS": _oidc_providers(),
    }


def _oidc_providers() -> dict:
    """OIDC_PROVIDERS=keycloak,entra and per name OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _LABEL,
    _SCOPES, _GROUPS_CLAIM, _GROUP_ROLES, _CREATE_USERS (services/anmeldung/oidc.py)."""
    result = {}
    for name in [n.strip().lower() for n in os.environ.get("OIDC_PROVIDERS", "").split(",") if n.strip()]:

        def env(key, default="", prefix=f"OIDC_{name.upper()}_"):
            return os.environ.get(prefix + key, default).strip()

        if not env("ISSUER") or not env("CLIENT_ID"):
            raise ValueError(
                f"OIDC_{name.upper()}_ISSUER und OIDC_{name.upper()}_CLIENT_ID müssen gesetzt sein "
                f"(OIDC_PROVIDERS nennt {name!r})."
            )
        result[name] = {
            "name": name,
            "issuer": env("ISSUER"),
            "client_id": env("CLIENT_ID"),
            "client_secret": env("CLIENT_SECRET"),
            "label": env("LABEL", name),
            "scopes": env("SCOPES", "openid email profile"),
            "groups_claim": env("GROUPS_CLAIM", "groups"),
            "group_roles": env("GROUP_ROLES"),
            "create_users": env("CREATE_USERS", "jit").lower(),
        }
    return result
