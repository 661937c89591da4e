"""OpenID Connect login (authorization code flow with PKCE, Authlib + joserfc).

Every provider in OIDC_PROVIDERS (config.py) is discovered from its issuer URL. The flow keeps
state, nonce and the PKCE verifier in the signed session cookie; the callback checks the state,
exchanges the code, and validates the ID token (signature from the provider's JWKS, issuer,
audience, expiry, nonce). Claims and groups map to roles exactly like the directory (ldap.py).
A refused response is logged (logger "beteiligung.anmeldung") and shown as a German message.
"""

from __future__ import annotations

import logging
import secrets
import time
from urllib.parse import urlencode

from flask import current_app, session

from models import User

from .. import ValidationError
from . import ldap

log = logging.getLogger("beteiligung.anmeldung")

FLOW = "anmeldung_oidc"
ID_TOKEN = "anmeldung_oidc_id_token"
FLOW_SECONDS = 600
_METADATA: dict[str, tuple[float, dict, dict]] = {}  # issuer -> (fetched at, metadata, jwks)
CACHE_SECONDS = 600


class ProviderUnavailable(ValidationError):
    status = 503

    def __init__(self, label: str):
        super().__init__(
            f"Die Anmeldung über {label} ist gerade nicht erreichbar. Bitte versuchen Sie es später "
            "erneut oder melden Sie sich mit E-Mail und Passwort an."
        )


class Refused(ValidationError):
    """A forged, replayed or broken response: refused (and logged with the reason)."""

    status = 400

    def __init__(self, label: str):
        super().__init__(f"Die Anmeldung über {label} ist fehlgeschlagen. Bitte versuchen Sie es noch einmal.")


def providers() -> dict[str, dict]:
    return current_app.config.get("OIDC_PROVIDERS") or {}


def provider(name: str) -> dict | None:
    return providers().get(name)


def _label(p: dict) -> str:
    return p.get("label") or p["name"]


def _http():
    import requests

    return requests


def metadata(p: dict) -> tuple[dict, dict]:
    """Discovery document and JWKS of a provider (cached for a few minutes)."""
    issuer = p["issuer"].rstrip("/")
    cached = _METADATA.get(issuer)
    if cached and time.time() - cached[0] < CACHE_SECONDS:
        return cached[1], cached[2]
    requests = _http()
    try:
        meta = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=p.get("timeout", 5))
        meta.raise_for_status()
        meta = meta.json()
        if meta.get("issuer", "").rstrip("/") != issuer:
            log.error("OIDC %s: Discovery nennt einen anderen Aussteller (%s)", p["name"], meta.get("issuer"))
            raise ProviderUnavailable(_label(p))
        jwks = requests.get(meta["jwks_uri"], timeout=p.get("timeout", 5))
        jwks.raise_for_status()
        jwks = jwks.json()
    except (requests.RequestException, ValueError, KeyError) as exc:
        log.error("OIDC %s: Anbieter nicht erreichbar: %s", p["name"], exc)
        raise ProviderUnavailable(_label(p)) from None
    _METADATA[issuer] = (time.time(), meta, jwks)
    return meta, jwks


def _client(p: dict, redirect_uri: str):
    from authlib.integrations.requests_client import OAuth2Session

    return OAuth2Session(
        p["client_id"],
        p.get("client_secret") or None,
        scope=p.get("scopes", "openid email profile"),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def start(name: str, redirect_uri: str, target: str) -> str:
    """The provider's authorization URL; state, nonce and PKCE verifier go into the session."""
    p = provider(name)
    meta, _ = metadata(p)
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    verifier = verifier + secrets.token_urlsafe(16)  # 43–128 characters
    session[FLOW] = {
        "p": name,
        "s": state,
        "n": nonce,
        "v": verifier,
        "t": target,
        "bis": int(time.time()) + FLOW_SECONDS,
    }
    url, _ = _client(p, redirect_uri).create_authorization_url(
        meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
    )
    return url


def _refuse(p: dict, reason: str, *args) -> Refused:
    log.warning("OIDC %s: Antwort abgewiesen – " + reason, p["name"], *args)
    return Refused(_label(p))


def validate_id_token(p: dict, id_token: str, nonce: str) -> dict:
    """Claims of a valid ID token for this client and login attempt; raises Refused otherwise."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    meta, jwks = metadata(p)
    try:
        token = jwt.decode(
            id_token,
            KeySet.import_key_set(jwks),
            algorithms=meta.get("id_token_signing_alg_values_supported") or ["RS256"],
        )
        claims = token.claims
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": meta["issuer"]},
            aud={"essential": True, "value": p["client_id"]},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(claims)
    except JoseError as exc:
        raise _refuse(p, "ID-Token ungültig (%s)", exc.__class__.__name__ + ": " + str(exc)) from None
    except ValueError as exc:
        raise _refuse(p, "ID-Token nicht lesbar (%s)", exc) from None
    aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if p["client_id"] not in aud or (len(aud) > 1 and claims.get("azp") != p["client_id"]):
        raise _refuse(p, "falsche Zielgruppe (aud %s)", aud)
    return claims


def finish(name: str, args: dict, redirect_uri: str) -> tuple[User | None, str, str]:
    """The callback: check state, exchange the code, validate the ID token, link the account.

    Returns (user or None if the account is deactivated, target URL, id token)."""
    p = provider(name)
    flow = session.pop(FLOW, None)
    if not isinstance(flow, dict) or flow.get("p") != name or flow.get("bis", 0) < time.time():
        raise _refuse(p, "keine laufende Anmeldung (abgelaufen oder wiederholt)")
    if args.get("error"):
        raise _refuse(p, "Fehler vom Anbieter: %s", args.get("error"))
    if not secrets.compare_digest(str(args.get("state", "")), flow["s"]):
        raise _refuse(p, "state stimmt nicht")
    if not args.get("code"):
        raise _refuse(p, "kein Code")
    meta, _ = metadata(p)
    from authlib.common.errors import AuthlibBaseError

    requests = _http()
    try:
        token = fetch_token(p, meta, redirect_uri, args["code"], flow["v"])
    except (AuthlibBaseError, requests.RequestException, ValueError) as exc:
        raise _refuse(p, "Code nicht eingelöst (%s)", exc) from None
    id_token = token.get("id_token")
    if not id_token:
        raise _refuse(p, "kein ID-Token")
    claims = validate_id_token(p, id_token, flow["n"])
    groups_claim = p.get("groups_claim", "groups")
    if (not claims.get("email") or groups_claim not in claims) and meta.get("userinfo_endpoint"):
        try:
            info = _client(p, redirect_uri)
            info.token = token
            extra = info.get(meta["userinfo_endpoint"], timeout=p.get("timeout", 5)).json()
            if extra.get("sub") == claims["sub"]:
                claims = {**extra, **claims}
        except (requests.RequestException, ValueError) as exc:
            log.warning("OIDC %s: UserInfo nicht lesbar: %s", name, exc)
    if claims.get("email_verified") is False:
        raise _refuse(p, "E-Mail-Adresse beim Anbieter nicht bestätigt (%s)", claims.get("email"))
    quelle = f"oidc:{name}"
    user = ldap.link_account(
        quelle,
        claims["sub"],
        claims.get("email", ""),
        claims.get("name") or claims.get("preferred_username") or "",
        create=p.get("create_users", "jit") == "jit",
    )
    if user is None:
        return None, flow["t"], id_token
    groups = claims.get(groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    ldap.sync_roles(
        user,
        ldap.grants_for({ldap.normal_dn(str(g)) for g in groups}, p.get("group_roles", ""), require_dn=False),
        quelle=quelle,
    )
    return user, flow["t"], id_token


def fetch_token(p: dict, meta: dict, redirect_uri: str, code: str, verifier: str) -> dict:
    return _client(p, redirect_uri).fetch_token(
        meta["token_endpoint"],
        code=code,
        code_verifier=verifier,
        grant_type="authorization_code",
        timeout=p.get("timeout", 5),
    )


def logout_url(name: str | None, id_token: str | None, after: str) -> str | None:
    """RP-initiated logout at the provider, where it supports it."""
    p = provider(name) if name else None
    if p is None:
        return None
    try:
        meta, _ = metadata(p)
    except ProviderUnavailable:
        return None
    endpoint = meta.get("end_session_endpoint")
    if not endpoint:
        return None
    params = {"post_logout_redirect_uri": after, "client_id": p["client_id"]}
    if id_token:
        params["id_token_hint"] = id_token
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)
