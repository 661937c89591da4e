"""Blueprints, one per domain, and the main navigation."""
from __future__ import annotations

from flask import request, url_for

# (label, endpoint, url arguments, permission name or None). Modules add their entry here;
# entries whose endpoint is not registered are left out.
NAV = [
    ("Start", "main.index", {}, None),
    ("Gremien", "gremien.index", {}, None),
    ("Nachhalten", "protokolle.followup", {}, None),
    ("Kontrakte", "kontrakte.index", {}, None),
    ("Netzwerk", "netzwerk.index", {}, None),
    ("Befragungen", "befragungen.index", {}, None),
    ("Organisationen", "stammdaten.index", {"key": "organisationen"}, None),
    ("Personen", "stammdaten.index", {"key": "personen"}, "can_read_persons"),
    ("Sozialräume", "stammdaten.index", {"key": "sozialraeume"}, None),
    ("Körperschaften", "stammdaten.index", {"key": "koerperschaften"}, None),
    ("Begriffe", "stammdaten.terms", {}, None),
    ("Benutzer", "verwaltung.users", {}, "can_manage_users"),
    ("Import", "verwaltung.import_data", {}, "can_import_masterdata"),
    ("Postausgang", "verwaltung.outbox", {}, "can_read_outbox"),
    ("Änderungen", "verwaltung.audit", {}, "can_see_audit"),
]


# Each module is views/<name>.py with a Blueprint `bp`; modules not (yet) present are left out.
BLUEPRINT_MODULES = ["main", "auth", "masterdata", "admin",
                     "committees", "public", "protocols", "contracts", "network", "surveys",
                     "survey_public"]


def register_blueprints(app) -> None:
    import importlib
    import importlib.util

    from beteiligung import permissions as perm
    from flask_login import current_user

    for name in BLUEPRINT_MODULES:
        if importlib.util.find_spec(f"{__name__}.{name}") is None:
            continue
        module = importlib.import_module(f"{__name__}.{name}")
        app.register_blueprint(module.bp)

    def nav_items():
        items = []
        view_key = (request.view_args or {}).get("key")
        for label, endpoint, args, permission in NAV:
            if endpoint not in app.view_functions:
                continue
            if permission and not perm.PERMISSIONS[permission](current_user):
                continue
            active = request.endpoint is not None and request.endpoint.split(".")[0] == endpoint.split(".")[0]
            if endpoint.startswith("stammdaten.index"):
                active = request.blueprint == "stammdaten" and view_key == args.get("key")
            elif endpoint == "stammdaten.terms":
                active = request.endpoint in ("stammdaten.terms", "stammdaten.term_create", "stammdaten.term_edit")
            elif endpoint.startswith("verwaltung."):
                active = request.endpoint is not None and request.endpoint.startswith(endpoint.rsplit("_", 1)[0])
            items.append((label, url_for(endpoint, **args), active))
        return items

    def page_url(page: int) -> str:
        args = {**(request.view_args or {}), **request.args.to_dict(), "seite": page}
        return url_for(request.endpoint, **args)

    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["page_url"] = page_url
