"""The picker field: a person or organisation chosen by searching, with and without JavaScript.

    person_id = PickerField("Person", art="personen", zweck="mitglied")
    person_ids = PickerField("Weitere Personen", art="personen", zweck="einladung", multiple=True)

The form value is the id (or the ids). The field renders a search box (`<name>-q`), a "Suchen"
button (`<name>-suchen`) and the current choice as radio buttons (multiple: checkboxes). Without
JavaScript "Suchen" submits the form, the view shows it again (see `search_requested`) with the
matches as further radio buttons/checkboxes; with JavaScript (static/js/auswahl.js) the search box
becomes an ARIA combobox over `/auswahl/<art>`. Either way the server checks every posted id
again with the same named filter: a guessed or foreign id is a German message at the field.
"""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms import Field
from wtforms.validators import StopValidation

from beteiligung.services import auswahl as svc

from ..forms import coerce_id

MESSAGES = {
    "akteure": "Diese Organisation oder Person steht hier nicht zur Auswahl. Bitte über die Suche wählen.",
    "personen": "Diese Person steht hier nicht zur Auswahl. Bitte über die Suche eine Person wählen.",
    "organisationen": "Diese Organisation steht hier nicht zur Auswahl. Bitte über die Suche eine Organisation wählen.",
    "gremien": "Dieses Gremium steht hier nicht zur Auswahl. Bitte über die Suche ein Gremium wählen.",
}
NOUN = {
    "personen": "Person",
    "organisationen": "Organisation",
    "akteure": "Organisation oder Person",
    "gremien": "Gremium",
}


class PickerWidget:
    def __call__(self, field, **kwargs):
        return Markup(render_template("auswahl/_picker.html", f=field, attrs=kwargs))


class PickerField(Field):
    widget = PickerWidget()

    def __init__(self, label=None, validators=None, art="personen", zweck="allgemein", multiple=False, **kwargs):
        self.art = art
        self.zweck = zweck
        self.multiple = multiple
        self.empty_label = kwargs.pop("empty_label", "keine")
        super().__init__(label, validators, **kwargs)
        self.keep: set[int] = set()  # ids the edited record holds already (shown and accepted)
        self.query = ""
        self.search_requested = False
        self._selected = None
        self._matches = None
        self.search_message = ""

    # --- values ------------------------------------------------------------------------------

    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata is not None:
            raw = formdata.get(f"{self.name}-q", "") or ""
            self.query = raw[: svc.MAX_CHARS + 1]
            self.search_requested = f"{self.name}-suchen" in formdata

    def process_data(self, value):
        if self.art == "akteure":
            self.data = value if isinstance(value, str) and svc.ACTOR_KEY.fullmatch(value) else None
            return
        if self.multiple:
            self.data = [v if isinstance(v, int) else getattr(v, "id", v) for v in (value or [])]
        else:
            self.data = getattr(value, "id", value) if value not in ("", None) else None

    def process_formdata(self, valuelist):
        values = [v for v in valuelist if v not in ("", "None", None)]
        if self.art == "akteure":  # "org:<id>" or "person:<id>"
            keys = list(dict.fromkeys(values))
            if any(not svc.ACTOR_KEY.fullmatch(str(k)) for k in keys):
                self.data = [] if self.multiple else None
                raise ValueError("Ungültige Auswahl.")
            self.data = keys if self.multiple else (keys[0] if keys else None)
            return
        try:
            ids = list(dict.fromkeys(coerce_id(v) for v in values))
        except (ValueError, TypeError):
            self.data = [] if self.multiple else None
            raise ValueError("Ungültige Auswahl.") from None
        self.data = ids if self.multiple else (ids[0] if ids else None)

    @property
    def ids(self) -> list[int]:
        if self.multiple:
            return list(self.data or [])
        return [self.data] if self.data is not None else []

    def _lookup(self, ids):
        _search, lookup, _allowed = svc.KINDS[self.art]
        return lookup(current_user, ids, self.zweck, keep=self.keep)

    def pre_validate(self, form):
        if self.process_errors:  # not an id at all: keep "Ungültige Auswahl." (no "required" on top)
            raise StopValidation()
        if self.search_requested:
            return
        found = self._lookup(self.ids)
        if any(i not in found for i in self.ids):
            self.data = [i for i in self.ids if i in found] if self.multiple else None
            self._selected = None
            raise StopValidation(MESSAGES[self.art])

    # --- what the template shows ------------------------------------------------------------------

    @property
    def selected(self) -> list[svc.Choice]:
        """The current choice with labels (only what this user may choose)."""
        if self._selected is None:
            found = self._lookup(self.ids)
            self._selected = [found[i] for i in self.ids if i in found]
        return self._selected

    @property
    def matches(self) -> list[svc.Choice]:
        """Without JavaScript: the matches of the search the user asked for."""
        if self._matches is None:
            self._matches = []
            if self.search_requested:
                search, _lookup, allowed = svc.KINDS[self.art]
                try:
                    text = svc.check_query(self.query)
                except svc.SearchError as exc:
                    self.search_message = str(exc)
                else:
                    if allowed(current_user, self.zweck):
                        chosen = set(self.ids)
                        found = search(current_user, text, self.zweck, limit=svc.LIMIT + len(chosen))
                        self._matches = [c for c in found if c.id not in chosen][: svc.LIMIT]
                    self.search_message = (
                        f"{len(self._matches)} Treffer für „{text}“ – bitte unten auswählen."
                        if self._matches
                        else f"Keine Treffer für „{text}“."
                    )
        return self._matches

    @property
    def search_url(self) -> str:
        return url_for(f"auswahl.{self.art}", zweck=self.zweck)

    @property
    def noun(self) -> str:
        return NOUN[self.art]


def search_requested(form) -> bool:
    """Did the user press "Suchen" of a picker (no JavaScript)? Then the form is shown again."""
    return any(getattr(f, "search_requested", False) for f in form)


def keep_current(field: PickerField, *ids) -> None:
    """An edit form accepts and shows the ids the record already holds, even if the user could
    not pick them today (e.g. a person who has left the user's area)."""
    field.keep |= {i for i in ids if isinstance(i, int | str)}
    field._selected = None


def row_picker(name, label, art, zweck, value, formdata=None, keep=(), empty_label="keine") -> PickerField:
    """A picker outside a WTForms form (e.g. one per row of the attendance list): bound to `name`,
    filled from `formdata` (a POST) or `value`; `keep`: ids the record holds already."""
    from wtforms.meta import DefaultMeta

    field = PickerField(label, art=art, zweck=zweck, empty_label=empty_label).bind(
        form=None, name=name, _meta=DefaultMeta()
    )
    field.process(formdata, value)
    keep_current(field, *keep)
    return field


def prefetch(pickers) -> None:
    """Load the labels of many pickers at once (one query per kind instead of one per picker),
    e.g. the two pickers in every row of the attendance list."""
    groups: dict[tuple[str, str], list[PickerField]] = {}
    for p in pickers:
        groups.setdefault((p.art, p.zweck), []).append(p)
    for (art, zweck), fields in groups.items():
        ids = {i for f in fields for i in f.ids}
        if not ids:
            for f in fields:
                f._selected = []
            continue
        _search, lookup, _allowed = svc.KINDS[art]
        keep = set().union(*(f.keep for f in fields))
        found = lookup(current_user, ids, zweck, keep=keep)
        for f in fields:
            f._selected = [found[i] for i in f.ids if i in found]
