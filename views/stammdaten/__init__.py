"""Stammdaten pages: list (search, filter, pagination), detail, create, edit, history, export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.exports import csv_response, xlsx_response
from beteiligung.extensions import db
from beteiligung.inputs import to_id
from beteiligung.services import Conflict, ValidationError
from beteiligung.services.audit import history
from beteiligung.services.stammdaten import pflege as svc
from beteiligung.uow import discard
from models import (
    AREA_KINDS,
    BODY_KINDS,
    ORGANISATION_KINDS,
    TERM_CLASSES,
    VOCABULARIES,
    Area,
    Body,
    Organisation,
    Person,
    Term,
)

from .. import current_page
from ..auswahl.fields import keep_current, row_picker, search_requested
from ..forms import CONTROL, act, submit
from .forms import AreaForm, BodyForm, OrganisationForm, PersonForm, TermForm

bp = Blueprint("stammdaten", __name__, url_prefix="/stammdaten")


@bp.before_request
@login_required
def _login():
    if not perm.can_read_masterdata(current_user):
        abort(403)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").lower() + "%"


def _body_choices(writable_only=True):
    allowed = perm.writable_body_ids(current_user) if writable_only else None
    q = select(Body).where(perm.body_filter(current_user)).order_by(Body.name)
    bodies = db.session.scalars(q).all()
    return [(b.id, b.name) for b in bodies if allowed is None or b.id in allowed]


def _area_choices():
    areas = db.session.scalars(
        select(Area)
        .options(joinedload(Area.body))
        .where(perm.area_filter(current_user))
        .order_by(Area.body_id, Area.code)
    ).all()
    return [(a.id, f"{a.body.name}: {a.code} {a.name}") for a in areas]


@dataclass
class Entity:
    key: str
    model: type
    form: type
    label: str
    label_plural: str
    list_filter: Callable
    search: Callable
    options: tuple = ()
    order: tuple = ()
    filters: list = field(default_factory=list)  # (param, label, choices_fn, column)
    relations: dict = field(default_factory=dict)  # form field -> (model)
    export_columns: list = field(default_factory=list)  # (header, getter)
    may_create: Callable = lambda: False
    may_edit: Callable = lambda obj: False
    may_delete: Callable = lambda obj: False
    may_view: Callable = lambda obj: True
    setup_form: Callable = lambda form, obj: None


def _setup_body_form(form, obj):
    form.parent_id.choices = [(None, "– keine –")] + [
        (bid, name) for bid, name in _body_choices(False) if obj is None or bid != obj.id
    ]


def _setup_area_form(form, obj):
    form.body_id.choices = _body_choices()
    if obj is not None and obj.body_id not in {c[0] for c in form.body_id.choices}:
        form.body_id.choices.append((obj.body_id, obj.body.name))
    form.parent_id.choices = [(None, "– keiner –")] + [c for c in _area_choices() if obj is None or c[0] != obj.id]


def _setup_org_form(form, obj):
    form.body_id.choices = _body_choices()
    if obj is not None and obj.body_id not in {c[0] for c in form.body_id.choices}:
        form.body_id.choices.append((obj.body_id, obj.body.name))
    if obj is not None:  # picker (views/auswahl): the current parent stays shown and valid
        keep_current(form.parent_id, obj.parent_id)
    form.areas.choices = _area_choices()
    terms = db.session.scalars(
        select(Term).where(Term.vocabulary.in_(["handlungsfeld", "zielgruppe"])).order_by(Term.vocabulary, Term.name)
    ).all()
    form.terms.choices = [(t.id, f"{VOCABULARIES[t.vocabulary]}: {t.name}") for t in terms]


def _setup_person_form(form, obj):
    form.body_id.choices = _body_choices()
    if not form.body_id.choices and perm.partner_organisation_ids(current_user):
        orgs = db.session.scalars(
            select(Organisation).where(Organisation.id.in_(perm.partner_organisation_ids(current_user)))
        ).all()
        form.body_id.choices = sorted({(o.body_id, o.body.name) for o in orgs})
    if obj is not None and obj.body_id not in {c[0] for c in form.body_id.choices}:
        form.body_id.choices.append((obj.body_id, obj.body.name))
    if obj is not None:  # picker (views/auswahl, a partner finds only their own organisations)
        keep_current(form.organisation_id, obj.organisation_id)


def _filter_picker(param, label="Organisation"):
    """A list filter over organisations as a picker (views/auswahl), not a list of all of them."""
    return row_picker(
        param,
        label,
        "organisationen",
        "allgemein",
        to_id(request.args.get(param)),
        request.args or None,
        empty_label="alle",
    )


def _text_search(*columns):
    def apply(q, text):
        pattern = _like(text)
        return q.where(or_(*[func.lower(c).like(pattern, escape="\\") for c in columns]))

    return apply


ENTITIES: dict[str, Entity] = {}


def _register(entity: Entity):
    ENTITIES[entity.key] = entity


_register(
    Entity(
        key="koerperschaften",
        model=Body,
        form=BodyForm,
        label="Körperschaft",
        label_plural="Körperschaften",
        list_filter=lambda: perm.body_filter(current_user),
        search=_text_search(Body.name, Body.code),
        options=(joinedload(Body.parent),),
        order=(Body.parent_id.is_not(None), Body.name),
        filters=[("art", "Art", lambda: [(k, k) for k in BODY_KINDS], Body.kind)],
        export_columns=[
            ("Name", lambda o: o.name),
            ("Art", lambda o: o.kind),
            ("Gemeindeschlüssel", lambda o: o.code),
            ("Übergeordnet", lambda o: o.parent.name if o.parent else ""),
            ("Einwohnerzahl", lambda o: o.population),
        ],
        may_create=lambda: perm.can_edit_body(current_user),
        may_edit=lambda o: perm.can_edit_body(current_user, o),
        may_delete=lambda o: perm.can_edit_body(current_user, o),
        may_view=lambda o: perm.can_view_body(current_user, o),
        setup_form=_setup_body_form,
    )
)
_register(
    Entity(
        key="sozialraeume",
        model=Area,
        form=AreaForm,
        label="Sozialraum",
        label_plural="Sozialräume",
        list_filter=lambda: perm.area_filter(current_user),
        search=_text_search(Area.name, Area.code),
        options=(joinedload(Area.body), joinedload(Area.parent)),
        order=(Area.body_id, Area.code),
        filters=[
            ("koerperschaft", "Körperschaft", lambda: _body_choices(False), Area.body_id),
            ("ebene", "Ebene", lambda: [(k, k) for k in AREA_KINDS], Area.kind),
        ],
        export_columns=[
            ("Kennung", lambda o: o.code),
            ("Name", lambda o: o.name),
            ("Ebene", lambda o: o.kind),
            ("Körperschaft", lambda o: o.body.name),
            ("Übergeordnet", lambda o: o.parent.code if o.parent else ""),
            ("Einwohnerzahl", lambda o: o.population),
            ("Gültig ab", lambda o: o.valid_from),
            ("Gültig bis", lambda o: o.valid_to),
        ],
        may_create=lambda: perm.can_create_area(current_user),
        may_edit=lambda o: perm.can_edit_area(current_user, o),
        may_delete=lambda o: perm.can_edit_area(current_user, o),
        may_view=lambda o: perm.can_view_area(current_user, o),
        setup_form=_setup_area_form,
    )
)
_register(
    Entity(
        key="organisationen",
        model=Organisation,
        form=OrganisationForm,
        label="Organisation",
        label_plural="Organisationen",
        list_filter=lambda: perm.organisation_filter(current_user),
        search=_text_search(Organisation.name, Organisation.short_name, Organisation.city),
        options=(joinedload(Organisation.body), selectinload(Organisation.areas), selectinload(Organisation.terms)),
        order=(Organisation.name,),
        filters=[
            ("art", "Art", lambda: [(k, k) for k in ORGANISATION_KINDS], Organisation.kind),
            ("koerperschaft", "Körperschaft", lambda: _body_choices(False), Organisation.body_id),
            ("sozialraum", "Sozialraum", _area_choices, "area"),
            (
                "handlungsfeld",
                "Handlungsfeld",
                lambda: [
                    (t.id, t.name)
                    for t in db.session.scalars(
                        select(Term).where(Term.vocabulary == "handlungsfeld").order_by(Term.name)
                    )
                ],
                "term",
            ),
        ],
        relations={"areas": Area, "terms": Term},
        export_columns=[
            ("Name", lambda o: o.name),
            ("Kurzname", lambda o: o.short_name),
            ("Art", lambda o: o.kind),
            ("Körperschaft", lambda o: o.body.name),
            ("Straße", lambda o: o.street),
            ("PLZ", lambda o: o.postcode),
            ("Ort", lambda o: o.city),
            ("E-Mail", lambda o: o.email),
            ("Telefon", lambda o: o.phone),
            ("Sozialräume", lambda o: ", ".join(a.code for a in o.areas)),
            ("Handlungsfelder", lambda o: ", ".join(t.name for t in o.handlungsfelder)),
            ("Zielgruppen", lambda o: ", ".join(t.name for t in o.zielgruppen)),
            ("aktiv", lambda o: "ja" if o.active else "nein"),
        ],
        may_create=lambda: perm.can_create_organisation(current_user),
        may_edit=lambda o: perm.can_edit_organisation(current_user, o),
        may_delete=lambda o: perm.can_delete_organisation(current_user, o),
        may_view=lambda o: perm.can_view_organisation(current_user, o),
        setup_form=_setup_org_form,
    )
)
_register(
    Entity(
        key="personen",
        model=Person,
        form=PersonForm,
        label="Person",
        label_plural="Personen",
        list_filter=lambda: perm.person_filter(current_user),
        search=_text_search(Person.first_name, Person.last_name, Person.function, Person.email),
        options=(joinedload(Person.organisation),),
        order=(Person.last_name, Person.first_name),
        filters=[("organisation", "Organisation", lambda: _filter_picker("organisation"), Person.organisation_id)],
        export_columns=[
            ("Nachname", lambda o: o.last_name),
            ("Vorname", lambda o: o.first_name),
            ("Funktion", lambda o: o.function),
            ("Organisation", lambda o: o.organisation.name if o.organisation else ""),
            ("E-Mail", lambda o: o.email),
            ("Telefon", lambda o: o.phone),
            ("Einwilligung", lambda o: "ja" if o.consent_given else "nein"),
            ("Einwilligung am", lambda o: o.consent_date),
            ("Zweck", lambda o: o.consent_purpose),
        ],
        may_create=lambda: perm.can_create_person(current_user) or bool(perm.partner_organisation_ids(current_user)),
        may_edit=lambda o: perm.can_edit_person(current_user, o),
        may_delete=lambda o: perm.can_erase_person(current_user, o),
        may_view=lambda o: perm.can_view_person(current_user, o),
        setup_form=_setup_person_form,
    )
)


def _entity(key) -> Entity:
    if key not in ENTITIES:
        abort(404)
    if key == "personen" and not perm.can_read_persons(current_user):
        abort(403)
    return ENTITIES[key]


def _list_query(ent: Entity):
    q = select(ent.model).where(ent.list_filter())
    text = CONTROL.sub("", request.args.get("q") or "").strip()[:100]
    if text:
        q = ent.search(q, text)
    active = {}
    for param, _label, _choices, column in ent.filters:
        raw = CONTROL.sub("", request.args.get(param) or "").strip()[:100]
        if not raw:
            continue
        active[param] = raw
        if column == "area" or column == "term":
            value = to_id(raw)
            if value is None:
                continue
            rel = Organisation.areas if column == "area" else Organisation.terms
            q = q.where(rel.any(id=value))
        else:
            try:
                value = to_id(raw) if column.type.python_type is int else raw
            except NotImplementedError:
                continue
            if value is None:
                continue
            q = q.where(column == value)
    return q, text, active


@bp.route("/<key>/")
def index(key):
    ent = _entity(key)
    q, text, active = _list_query(ent)
    pagination = db.paginate(
        q.options(*ent.options).order_by(*ent.order), page=current_page(), per_page=25, error_out=False
    )
    filters = [(param, label, choices()) for param, label, choices, _c in ent.filters]
    return render_template(
        "stammdaten/list.html",
        ent=ent,
        pagination=pagination,
        q=text,
        active=active,
        filters=filters,
        rows=f"stammdaten/rows_{key}.html",
    )


@bp.route("/<key>/export.<fmt>")
def export(key, fmt):
    ent = _entity(key)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    q, _text, _active = _list_query(ent)
    q = q.options(*ent.options).order_by(*ent.order).execution_options(yield_per=500)
    headers = [h for h, _g in ent.export_columns]

    def rows():
        for obj in db.session.scalars(q):
            yield [g(obj) for _h, g in ent.export_columns]

    if fmt == "csv":
        return csv_response(f"{key}.csv", headers, rows())
    return xlsx_response(f"{key}.xlsx", ent.label_plural, headers, rows())


def _get(ent: Entity, obj_id: int):
    obj = db.session.get(ent.model, obj_id)
    if obj is None or not ent.may_view(obj):
        abort(404)  # no difference between "missing" and "not yours"
    return obj


@bp.route("/<key>/<int:obj_id>")
def detail(key, obj_id):
    ent = _entity(key)
    obj = _get(ent, obj_id)
    extra = {}
    if ent.model is Organisation:
        extra["persons"] = db.session.scalars(
            select(Person)
            .where(Person.organisation_id == obj.id, perm.person_filter(current_user))
            .order_by(Person.last_name)
        ).all()
    elif ent.model is Body:
        extra["areas"] = db.session.scalars(select(Area).where(Area.body_id == obj.id).order_by(Area.code)).all()
    return render_template(f"stammdaten/detail_{key}.html", ent=ent, obj=obj, **extra)


@bp.route("/<key>/<int:obj_id>/verlauf")
def record_history(key, obj_id):
    ent = _entity(key)
    obj = _get(ent, obj_id)
    if not perm.can_see_audit(current_user):
        abort(403)
    entries = history(ent.model.__name__ if ent.model is not Term else "Term", obj.id)
    return render_template("stammdaten/history.html", ent=ent, obj=obj, entries=entries)


def _values(form, ent: Entity) -> dict:
    values = {}
    for f in form:
        if f.name in ("csrf_token", "version"):
            continue
        if f.name in ent.relations:
            ids = f.data or []
            values[f.name] = (
                list(db.session.scalars(select(ent.relations[f.name]).where(ent.relations[f.name].id.in_(ids))))
                if ids
                else []
            )
        else:
            values[f.name] = f.data
    return values


def _save(ent: Entity, obj, form):
    """Validate form, call the service; returns a response or None to re-render."""
    if search_requested(form):  # a picker's "Suchen" without JavaScript: the form again with the matches
        return None
    if not form.validate_on_submit():
        return None
    try:
        if obj is None:
            obj = svc.create(current_user, ent.model, _values(form, ent))
            flash(f"{ent.label} „{obj}“ wurde angelegt.", "success")
        else:
            svc.update(current_user, obj, _values(form, ent), form.version.data)
            flash(f"{ent.label} „{obj}“ wurde gespeichert.", "success")
    except ValidationError as exc:
        discard()
        form.apply_errors(exc.errors)
        if not exc.errors:
            flash(exc.message, "danger")
        return None
    except Conflict as exc:
        discard()
        form.conflict = exc.message
        return None
    return redirect(url_for(".detail", key=ent.key, obj_id=obj.id))


def _render_form(ent, form, obj, status=200):
    if request.method == "POST" and (form.errors or getattr(form, "conflict", None)):
        status = 409 if getattr(form, "conflict", None) else 422
    current = None
    if getattr(form, "conflict", None) and obj is not None:
        db.session.refresh(obj)
        current = obj
        form.version.data = obj.version  # a second save deliberately overrides
    return render_template("stammdaten/form.html", ent=ent, form=form, obj=obj, current=current), status


@bp.route("/<key>/neu", methods=["GET", "POST"])
def create(key):
    ent = _entity(key)
    if not ent.may_create():
        abort(403)
    form = ent.form()
    ent.setup_form(form, None)
    if request.method == "GET":
        if "body_id" in form._fields and form.body_id.choices:
            form.body_id.data = form.body_id.choices[0][0]
        if ent.model is Person and request.args.get("organisation", type=int):
            form.organisation_id.data = request.args.get("organisation", type=int)
    response = _save(ent, None, form)
    return response or _render_form(ent, form, None)


@bp.route("/<key>/<int:obj_id>/bearbeiten", methods=["GET", "POST"])
def edit(key, obj_id):
    ent = _entity(key)
    obj = _get(ent, obj_id)
    if not ent.may_edit(obj):
        abort(403)
    form = ent.form(obj=obj)
    ent.setup_form(form, obj)
    if request.method == "GET":
        for name in ent.relations:
            getattr(form, name).data = [x.id for x in getattr(obj, name)]
    response = _save(ent, obj, form)
    return response or _render_form(ent, form, obj)


@bp.route("/<key>/<int:obj_id>/loeschen", methods=["POST"])
def remove(key, obj_id):
    ent = _entity(key)
    obj = _get(ent, obj_id)
    if not ent.may_delete(obj):
        abort(403)
    return act(
        lambda: svc.delete(current_user, obj, request.form.get("version")),
        success=f"{ent.label} wurde gelöscht.",
        to=url_for(".index", key=key),
        failed_to=url_for(".detail", key=key, obj_id=obj_id),
    )


# --- persons: DSGVO ------------------------------------------------------------


@bp.route("/personen/<int:obj_id>/auskunft.json")
def person_export(obj_id):
    ent = _entity("personen")
    person = _get(ent, obj_id)
    from flask import jsonify

    response = jsonify(svc.person_export(current_user, person))
    response.headers["Content-Disposition"] = f'attachment; filename="auskunft-person-{person.id}.json"'
    return response


@bp.route("/personen/<int:obj_id>/anonymisieren", methods=["POST"])
def person_erase(obj_id):
    ent = _entity("personen")
    person = _get(ent, obj_id)
    if not perm.can_erase_person(current_user, person):
        abort(403)
    return act(
        lambda: svc.erase_person(current_user, person, request.form.get("version")),
        success="Die personenbezogenen Daten wurden anonymisiert.",
        to=url_for(".detail", key="personen", obj_id=obj_id),
    )


# --- taxonomies ----------------------------------------------------------------


@bp.route("/begriffe/")
def terms():
    rows = db.session.scalars(select(Term).order_by(Term.vocabulary, Term.name)).all()
    grouped = {voc: [t for t in rows if t.vocabulary == voc] for voc in VOCABULARIES}
    return render_template("stammdaten/terms.html", grouped=grouped, vocabularies=VOCABULARIES)


@bp.route("/begriffe/<vocabulary>/neu", methods=["GET", "POST"])
def term_create(vocabulary):
    if vocabulary not in TERM_CLASSES:
        abort(404)
    if not perm.can_edit_terms(current_user):
        abort(403)
    form = TermForm()
    done = submit(
        form,
        lambda: svc.create(
            current_user,
            TERM_CLASSES[vocabulary],
            {"vocabulary": vocabulary, "name": form.name.data, "description": form.description.data},
        ),
        success=f"{VOCABULARIES[vocabulary]} „{form.name.data}“ wurde angelegt.",
        to=url_for(".terms"),
    )
    return done.response or (
        render_template(
            "stammdaten/term_form.html", form=form, vocabulary=vocabulary, label=VOCABULARIES[vocabulary], term=None
        ),
        done.status,
    )


@bp.route("/begriffe/<int:term_id>/bearbeiten", methods=["GET", "POST"])
def term_edit(term_id):
    term = db.session.get(Term, term_id)
    if term is None:
        abort(404)
    if not perm.can_edit_terms(current_user):
        abort(403)
    form = TermForm(obj=term)
    done = submit(
        form,
        lambda: svc.update(
            current_user, term, {"name": form.name.data, "description": form.description.data}, form.version.data
        ),
        success="Gespeichert.",
        to=url_for(".terms"),
        stale=term,
    )
    return done.response or (
        render_template(
            "stammdaten/term_form.html",
            form=form,
            vocabulary=term.vocabulary,
            label=VOCABULARIES[term.vocabulary],
            term=term,
            conflict=done.conflict,
        ),
        done.status,
    )
