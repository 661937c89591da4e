"""Blueprints, one per domain, and the main navigation."""

from __future__ import annotations

from flask import request, url_for

# (label, endpoint, url arguments, permission name or None). Modules add their entry here;
# entries whose endpoint is not registered are left out.
NAV = [
    ("Start", "main.index", {}, None),
    ("Gremien", "gremien.index", {}, None),
    ("Nachhalten", "protokolle.followup", {}, None),
    ("Vorlagen", "oparl.papers", {}, "can_list_papers"),
    ("Kontrakte", "kontrakte.index", {}, None),
    ("Maßnahmen", "planung.measures", {}, "can_use_planung"),
    ("Netzwerk", "netzwerk.index", {}, None),
    ("Befragungen", "befragungen.index", {}, "can_use_surveys"),
    ("Monitoring", "monitoring.index", {}, "can_view_monitoring"),
    ("Werkstatt", "werkstatt.index", {}, "can_use_polls"),
    ("Organisationen", "stammdaten.index", {"key": "organisationen"}, None),
    ("Personen", "stammdaten.index", {"key": "personen"}, "can_read_persons"),
    ("Sozialräume", "stammdaten.index", {"key": "sozialraeume"}, None),
    ("Körperschaften", "stammdaten.index", {"key": "koerperschaften"}, None),
    ("Begriffe", "stammdaten.terms", {}, None),
    ("Konten", "verwaltung.users", {}, "can_manage_users"),
    ("Import", "verwaltung.import_data", {}, "can_import_masterdata"),
    ("Postausgang", "verwaltung.outbox", {}, "can_read_outbox"),
    ("Änderungen", "verwaltung.audit", {}, "can_read_audit_log"),
    ("Aufbewahrung", "verwaltung.retention", {}, "can_manage_retention"),
]


# Blueprints whose navigation entries are grouped under one disclosure menu.
NAV_GROUPS = {"stammdaten": "Stammdaten", "verwaltung": "Verwaltung"}


# Each module is views/<name>.py or the package views/<key>/ with a Blueprint `bp`. All are registered; a missing module is an
# ImportError at start-up, not a silently missing part of the application.
BLUEPRINT_MODULES = [
    "main",
    "auth",
    "stammdaten",
    "verwaltung",
    "oparl",
    "gremien",
    "oeffentlich",
    "protokolle",
    "kontrakte",
    "netzwerk",
    "befragungen",
    "befragungen.umfrage",
    "anmeldung",
    "monitoring",
    "monitoring.oeffentlich",
    "planung",
    "werkstatt",
    "betrieb",
    "betrieb.dokumente",
    "auswahl",
]


def register_blueprints(app) -> None:
    import importlib

    from flask_login import current_user

    from beteiligung import permissions as perm

    for name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(f"{__name__}.{name}").bp)

    def nav_items():
        """The main navigation: (label, url, active, children). Stammdaten and Verwaltung pages are
        grouped into one entry each so that the bar stays on one line at 1366 px."""
        items, groups = [], {}
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
            entry = (label, url_for(endpoint, **args), active, [])
            group = NAV_GROUPS.get(endpoint.split(".")[0])
            if group is None:
                items.append(entry)
                continue
            if group not in groups:
                groups[group] = (group, None, False, [])
                items.append(groups[group])
            groups[group][3].append(entry)
        # A group with one page is shown as that page; a group is active when one of its pages is.
        return [
            children[0]
            if len(children) == 1
            else (label, url, any(c[2] for c in children), children)
            if children
            else (label, url, active, children)
            for label, url, active, children in items
        ]

    def page_url(page: int) -> str:
        args = {**query_args(), **(request.view_args or {}), "seite": page}
        return url_for(request.endpoint, **args)

    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["query_args"] = query_args


MAX_PAGE = 100_000


def query_args(*drop: str) -> dict:
    """The request's query arguments, safe to pass on to url_for (no '_scheme'/'_external' tricks,
    no clash with the route's own arguments)."""
    reserved = set(request.view_args or {}) | set(drop)
    return {k: v for k, v in request.args.items() if not k.startswith("_") and k not in reserved}


def current_page() -> int:
    """The ?seite= argument as a sane page number (1 … MAX_PAGE)."""
    return min(max(request.args.get("seite", 1, type=int), 1), MAX_PAGE)
