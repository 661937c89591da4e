"""OParl-Schnittstelle (/oparl/v1/…): the public JSON API, the "Offene Daten" page and the
Vorlagen pages. Blueprint `oparl`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("oparl", __name__, url_prefix="/oparl/v1")

from beteiligung.services.oparl import tombstones as _tombstones  # noqa: E402

from . import api, pages  # noqa: E402,F401  (routes)

_tombstones.install()
