"""Every permission decision of the application, in one package.

Services call these functions before they change anything; views call them to decide what to
show; templates ask through the `can` global (`can.can_x(user, obj)`). Read filters have names
(`person_filter`, `followup_filter` …) and return SQLAlchemy conditions.

- `core`: the user's Scope (roles resolved to ids) and the body tree — used only inside this package;
- one module per feature: `konten` (accounts, administration), `stammdaten`, `gremien`,
  `protokolle`, `kontrakte`, `netzwerk`, `befragungen`; later features add theirs to FEATURES below.

`from beteiligung import permissions as perm; perm.can_x(...)` reaches every public rule.
"""

from __future__ import annotations

from .befragungen import *  # noqa: F403
from .core import Scope, _body_tree, _in_tree, request_cached, scope_of  # noqa: F401
from .gremien import *  # noqa: F403
from .konten import *  # noqa: F403
from .kontrakte import *  # noqa: F403
from .netzwerk import *  # noqa: F403
from .protokolle import *  # noqa: F403
from .stammdaten import *  # noqa: F403

# Collected at import: every can_* function of the modules above and of the feature modules listed in
# FEATURES (beteiligung/permissions/<key>.py), for templates (`can.can_x(user, obj)`).
PERMISSIONS = {name: fn for name, fn in globals().items() if name.startswith("can_") and callable(fn)}

FEATURES: list[str] = ["oparl", "anmeldung", "monitoring", "planung", "werkstatt", "betrieb", "auswahl"]


def _collect_features() -> None:
    import importlib

    for key in FEATURES:
        module = importlib.import_module(f"{__name__}.{key}")
        PERMISSIONS.update({name: fn for name, fn in vars(module).items() if name.startswith("can_") and callable(fn)})


_collect_features()
