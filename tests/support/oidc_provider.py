"""Start a real OpenID Connect provider for the tests: the npm package oidc-provider (node
tests/support/oidc/provider.mjs) on a free loopback port, with our own signing key so that a test
can also forge tokens with a valid signature (wrong audience, nonce, expiry)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.postgres import free_port

HERE = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "beteiligung"
CLIENT_SECRET = "oidc-test-geheimnis"
KID = "test-schluessel"

ACCOUNTS = {
    "kplanung": {
        "email": "k.planung@idp.example",
        "email_verified": True,
        "name": "Kira Planung",
        "groups": ["/sozialplanung-kreis"],
    },
    "kpolitik": {
        "email": "k.politik@idp.example",
        "email_verified": True,
        "name": "Konrad Politik",
        "groups": ["/politik-kreis", "/andere-gruppe"],
    },
    "kkonflikt": {
        "email": "planung@ahlen.example",
        "email_verified": True,
        "name": "Kuno Konflikt",
        "groups": ["/sozialplanung-kreis"],
    },
    "kunbestaetigt": {"email": "u@idp.example", "email_verified": False, "name": "Udo Unbestätigt", "groups": []},
}


def available() -> bool:
    return bool(shutil.which("node")) and (HERE / "node_modules" / "oidc-provider").is_dir()


class OidcProvider:
    def __init__(self, redirect_uris: list[str], post_logout_redirect_uris: list[str]):
        from joserfc.jwk import RSAKey

        self.base = tempfile.mkdtemp(prefix="beteiligung-oidc-")
        self.port = free_port()
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig", "alg": "RS256"})
        self.redirect_uris = redirect_uris
        self.post_logout_redirect_uris = post_logout_redirect_uris
        self.proc: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _config(self) -> dict:
        return {
            "port": self.port,
            "issuer": self.issuer,
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": self.redirect_uris,
                    "post_logout_redirect_uris": self.post_logout_redirect_uris,
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "client_secret_basic",
                }
            ],
            "accounts": ACCOUNTS,
            "jwks": {"keys": [self.key.as_dict(private=True)]},
        }

    def start(self):
        if not available():
            raise RuntimeError("oidc-provider fehlt: `npm ci --prefix tests/support/oidc` (make test tut das)")
        for attempt in range(3):
            config = os.path.join(self.base, "config.json")
            with open(config, "w") as fh:
                json.dump(self._config(), fh)
            log = open(os.path.join(self.base, "log"), "w")
            self.proc = subprocess.Popen(
                ["node", str(HERE / "provider.mjs"), config], cwd=HERE, stdout=subprocess.PIPE, stderr=log, text=True
            )
            line = self.proc.stdout.readline()
            if line.startswith("ready"):
                return
            self.stop_process()
            self.port = free_port()
        with open(os.path.join(self.base, "log"), errors="replace") as fh:
            raise RuntimeError("oidc-provider startete nicht:\n" + fh.read()[-2000:])

    def stop_process(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def stop(self):
        self.stop_process()
        shutil.rmtree(self.base, ignore_errors=True)

    def settings(self, **extra) -> dict:
        """The app's provider entry (as config.py builds it from OIDC_* variables)."""
        return {
            "name": "test",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "label": "Test-Anbieter",
            "scopes": "openid email profile groups",
            "groups_claim": "groups",
            "group_roles": "/sozialplanung-kreis=planner:01001;/politik-kreis=politik:01001",
            "create_users": "jit",
            "timeout": 5,
            **extra,
        }

    def forge_id_token(self, claims: dict) -> str:
        """An ID token signed with the provider's own key (valid signature, any claims)."""
        from joserfc import jwt

        return jwt.encode({"alg": "RS256", "kid": KID}, claims, self.key)

    def login_at_provider(self, authorize_url: str, login: str, stop_prefix: str) -> str:
        """Drive the provider's login and consent pages (like a browser) until it redirects to
        stop_prefix; returns that redirect URL."""
        import requests

        http = requests.Session()
        url, method, data = authorize_url, "GET", None
        for _ in range(20):
            r = http.request(method, url, data=data, allow_redirects=False, timeout=10)
            if r.status_code in (301, 302, 303):
                url = requests.compat.urljoin(url, r.headers["Location"])
                method, data = "GET", None
                if url.startswith(stop_prefix):
                    return url
                continue
            r.raise_for_status()
            action = re.search(r'<form[^>]*action="([^"]+)"', r.text)
            assert action, r.text[:500]
            url = requests.compat.urljoin(url, action.group(1))
            method = "POST"
            data = (
                {"prompt": "login", "login": login, "password": "egal"}
                if 'name="login"' in r.text
                else {"prompt": "consent"}
            )
        raise AssertionError("Anbieter leitete nicht zurück")
