"""Netzwerkkarte: map, table view, analysis, coverage, ego network, comparison, relations,
partner pipeline, import, export and the contact directory."""

from __future__ import annotations

import math
from datetime import date

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from beteiligung import permissions as perm
from beteiligung.exports import streamed_response
from beteiligung.extensions import db
from beteiligung.formatting import anzahl
from beteiligung.inputs import to_id
from beteiligung.services import Conflict, NotFound, ServiceError, ValidationError
from beteiligung.services.netzwerk import beziehungen as svc
from beteiligung.services.netzwerk import graph as network_graph
from beteiligung.services.stammdaten import importe
from beteiligung.uow import discard
from models import ORGANISATION_KINDS, Area, Body, Organisation, Person, Term, utcnow
from models.network import PIPELINE_STATES, STRENGTH_LABELS, PartnerStatus, Relation, RelationKind

from ..auswahl.fields import keep_current, search_requested
from ..forms import act, fail, submit
from ..seiten import PageNav
from .forms import NetworkImportForm, PartnerStatusForm, RelationForm, RelationKindForm

bp = Blueprint("netzwerk", __name__, url_prefix="/netzwerk")

PER_PAGE = 25
MAP_FIRST = 60  # the map opens with the most central nodes only (readable), …
MAP_PAGE = 150  # … and "Weitere Knoten laden" adds this many at a time
MAP_NAMED = 20  # names shown on the map for the most central nodes (the others on hover or zoom)


@bp.before_request
@login_required
def _login():
    if not perm.can_view_network(current_user):
        abort(403)


class ListPage(PageNav):
    """Pagination of an in-memory list with the interface of pagination_nav."""

    def __init__(self, items, page, per_page=PER_PAGE):
        self.total = len(items)
        self.pages = max(1, math.ceil(self.total / per_page))
        self.page = min(max(page, 1), self.pages)
        self.items = items[(self.page - 1) * per_page : self.page * per_page]
        self.has_prev, self.prev_num = self.page > 1, self.page - 1
        self.has_next, self.next_num = self.page < self.pages, self.page + 1


# --- filters -----------------------------------------------------------------------


def _int_arg(name):
    return to_id(request.args.get(name))


def _date_arg(name, errors, default=None):
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "Bitte ein gültiges Datum angeben (TT.MM.JJJJ)."
        return default


def _filters() -> tuple[svc.Filters, dict]:
    errors: dict[str, str] = {}
    f = svc.Filters(
        as_of=_date_arg("stand", errors, utcnow().date()),
        area_id=_int_arg("sozialraum"),
        handlungsfeld_id=_int_arg("handlungsfeld"),
        org_kind=request.args.get("art") if request.args.get("art") in ORGANISATION_KINDS else None,
        relation_kind=(request.args.get("beziehung") or "").strip()[:80] or None,
        persons=request.args.get("personen", "ja") != "nein",
        derived=request.args.get("abgeleitet", "ja") != "nein",
    )
    return f, errors


def _filter_choices():
    areas = db.session.execute(
        select(Area.id, Area.code, Area.name).where(perm.area_filter(current_user)).order_by(Area.body_id, Area.code)
    ).all()
    fields = db.session.execute(
        select(Term.id, Term.name).where(Term.vocabulary == "handlungsfeld").order_by(Term.name)
    ).all()
    kinds = db.session.scalars(
        select(RelationKind.name).where(RelationKind.active.is_(True)).order_by(RelationKind.name)
    ).all()
    return {
        "areas": [(a.id, f"{a.code} {a.name}") for a in areas],
        "fields": [(t.id, t.name) for t in fields],
        "org_kinds": ORGANISATION_KINDS,
        "relation_kinds": kinds,
    }


def _filter_args():
    keep = ("sozialraum", "handlungsfeld", "art", "beziehung", "stand", "personen", "abgeleitet")
    return {k: v for k, v in request.args.items() if k in keep and v}


def _node_url(node):
    if node["type"] == "organisation":
        return url_for("stammdaten.detail", key="organisationen", obj_id=node["record_id"])
    org_id = int(node["organisation"].split(":")[1]) if node["organisation"] else None
    if perm.can_open_person_node(current_user, org_id):
        return url_for("stammdaten.detail", key="personen", obj_id=node["record_id"])
    return None


def _edge_url(edge):
    return url_for(".relation_detail", rel_id=edge["record_id"]) if edge["record_id"] else None


_SENTINEL = 2147483647  # stands for the relation id in the URL pattern of the map's edges


def _network():
    """The filtered view of the user's analysed network (today: from the stored graph)."""
    f, errors = _filters()
    return f, errors, network_graph.network_view(current_user, f)


# --- map and table -------------------------------------------------------------------


@bp.route("/")
def index():
    f, errors, view = _network()
    result = view.summary()
    page = ListPage(view.ranked, request.args.get("seite", 1, type=int))
    nodes = view.graph.nodes

    def label(key):
        return nodes[key]["label"]

    status = 422 if errors else 200
    return render_template(
        "netzwerk/index.html",
        f=f,
        errors=errors,
        result=result,
        page=page,
        choices=_filter_choices(),
        args=_filter_args(),
        brokers=[label(k) for k in result.get("org_articulation_points") or []][:15],
        bridges=[(label(a), label(b)) for a, b in result.get("org_bridges") or []][:15],
        isolates=[label(k) for k in result["isolates"][:30]],
        node_url=_node_url,
        data_url=url_for(".data", **_filter_args()),
        map_first=MAP_FIRST,
        map_page=MAP_PAGE,
    ), status


@bp.route("/kanten")
def edges():
    f, errors, view = _network()
    page = ListPage(view.edge_ids(), request.args.get("seite", 1, type=int))
    page.items = view.edges(page.items)
    nodes = view.graph.nodes
    labels = {k: nodes[k]["label"] for e in page.items for k in (e["source"], e["target"])}
    return render_template(
        "netzwerk/edges.html",
        f=f,
        errors=errors,
        page=page,
        labels=labels,
        choices=_filter_choices(),
        args=_filter_args(),
        edge_url=_edge_url,
        strength_labels=STRENGTH_LABELS,
    ), 422 if errors else 200


def _map_json(view):
    """One page of the map: the next most central nodes and their edges to the nodes already loaded."""
    offset = max(request.args.get("offset", 0, type=int), 0)
    limit = min(max(request.args.get("limit", MAP_PAGE, type=int), 1), 1000)
    chunk, edge_ids, total = view.map_page_ids(offset, limit)
    upto = offset + limit
    pending = bool(view.graph.summary.get("pending"))
    measure = "degree" if pending else "betweenness"
    ranked = view.ranked
    peak = (ranked[0][measure] if ranked and not pending else max((n[measure] for n in chunk), default=0)) or 1
    nodes = [
        {
            "id": n["id"],
            "label": n["short"] or n["label"],
            "name": n["label"],
            "type": n["type"],
            "kind": n["kind"],
            "degree": n["degree"],
            "betweenness": n["betweenness"],
            "eigenvector": n["eigenvector"],
            "community": n["community"],
            "size": round(20 + 40 * (n[measure] / peak) ** 0.5, 1),
            "top": offset + i < MAP_NAMED,  # the most central carry their name on the map
            "url": _node_url(n),
        }
        for i, n in enumerate(chunk)
    ]
    state = view.state
    payload = {
        "total": total,
        "offset": offset,
        "limit": limit,
        "next_offset": upto if upto < total else None,
        "nodes": nodes,
        "analysis": {
            **{
                k: view.graph.summary.get(k)
                for k in ("nodes", "edges", "components", "communities", "betweenness_sampled", "betweenness_k")
            },
            "cached": state.cached,
            "pending": pending or state.pending,
            "stale": state.stale,
            "stand": state.computed_at.isoformat() if state.computed_at else None,
        },
    }
    # the edges come as JSON serialised once per stored graph (their number grows with the network)
    pattern = url_for(".relation_detail", rel_id=_SENTINEL).replace(str(_SENTINEL), "{}")
    body = current_app.json.dumps(payload)
    body = body[:-1] + ',"edges":' + view.graph.edge_json(edge_ids, pattern) + "}"
    return current_app.response_class(body + "\n", mimetype="application/json")


@bp.route("/daten.json")
def data():
    """Map data, most central nodes first, loaded in pages (offset/limit) so large graphs stay usable."""
    f, errors, view = _network()
    if errors:
        return jsonify({"errors": errors}), 422
    return _map_json(view)


@bp.route("/export.<fmt>")
def export(fmt):
    """The shown network as a file, written while it is sent, row by row from the stored graph
    (network_graph.export_rows): memory does not grow with the network."""
    if fmt not in network_graph.EXPORT_FORMATS:
        abort(404)
    f, errors = _filters()
    if errors:
        abort(422)
    rows = network_graph.export_rows(current_user, f)
    name, mimetype, content_type = network_graph.EXPORT_FORMATS[fmt]
    chunks = network_graph.export_chunks(rows, fmt)
    return streamed_response(name.format(f.as_of.isoformat()), chunks, mimetype, content_type)


# --- coverage, ego network, comparison ---------------------------------------------------


@bp.route("/abdeckung")
def coverage():
    errors: dict[str, str] = {}
    day = _date_arg("stand", errors, utcnow().date())
    body_id, field_id = _int_arg("kommune"), _int_arg("handlungsfeld")
    data = svc.coverage(current_user, day, body_id, field_id)
    return render_template(
        "netzwerk/coverage.html", data=data, day=day, errors=errors, body_id=body_id, field_id=field_id
    ), 422 if errors else 200


@bp.route("/organisation/<int:org_id>")
def ego(org_id):
    org = db.session.get(Organisation, org_id)
    if org is None or not perm.can_view_organisation(current_user, org):
        abort(404)
    f, errors = _filters()
    radius = 2 if request.args.get("radius") == "2" else 1
    sub, result = network_graph.ego_network(current_user, f, org, radius)
    ranked = svc.ranked_nodes(sub, result)
    labels = {k: n["label"] for k, n in sub.nodes.items()}
    return render_template(
        "netzwerk/ego.html",
        org=org,
        sub=sub,
        ranked=ranked,
        labels=labels,
        radius=radius,
        f=f,
        node_url=_node_url,
        edge_url=_edge_url,
        map_page=MAP_PAGE,
        data_url=url_for(".ego_data", org_id=org.id, radius=radius, **_filter_args()),
    ), 422 if errors else 200


def _live_state(result) -> network_graph.State:
    return network_graph.State(computed_at=utcnow(), cached=False, pending=bool(result.get("pending")))


@bp.route("/organisation/<int:org_id>/daten.json")
def ego_data(org_id):
    org = db.session.get(Organisation, org_id)
    if org is None or not perm.can_view_organisation(current_user, org):
        abort(404)
    f, errors = _filters()
    if errors:
        return jsonify({"errors": errors}), 422
    sub, result = network_graph.ego_network(current_user, f, org, 2 if request.args.get("radius") == "2" else 1)
    return _map_json(network_graph.view_of(network_graph.Graph.from_network(sub, result), f, _live_state(result)))


@bp.route("/vergleich")
def compare():
    errors: dict[str, str] = {}
    today = utcnow().date()
    day_from = _date_arg("von", errors, date(today.year - 1, today.month, 1))
    day_to = _date_arg("bis", errors, today)
    if day_from and day_to and day_to < day_from:
        errors["bis"] = "„Bis“ darf nicht vor „Von“ liegen."
    f, ferrors = _filters()
    result = svc.network_diff(current_user, f, day_from, day_to) if not errors else None
    labels = {k: n["label"] for k, n in (result or {}).get("nodes", {}).items()}
    return render_template(
        "netzwerk/compare.html",
        result=result,
        labels=labels,
        day_from=day_from,
        day_to=day_to,
        errors=errors,
        edge_url=_edge_url,
    ), 422 if errors else 200


# --- relations ----------------------------------------------------------------------------


def _writable_bodies():
    allowed = perm.network_writable_body_ids(current_user)
    return [
        (b.id, b.name)
        for b in db.session.scalars(select(Body).where(perm.body_filter(current_user)).order_by(Body.name))
        if allowed is None or b.id in allowed
    ]


def _setup_relation_form(form):
    form.body_id.choices = _writable_bodies()
    form.kind_id.choices = [(None, "– bitte wählen –")] + [
        (k.id, k.name)
        for k in db.session.scalars(
            select(RelationKind).where(RelationKind.active.is_(True)).order_by(RelationKind.name)
        )
    ]


def _relation_values(form) -> dict:
    return {
        "body_id": form.body_id.data,
        "source": form.source.data,
        "target": form.target.data,
        "kind": form.kind_id.data,
        "strength": int(form.strength.data or 0),
        "directed": {"ja": True, "nein": False}.get(form.directed.data),
        "valid_from": form.valid_from.data,
        "valid_to": form.valid_to.data,
        "evidence": form.evidence.data or None,
        "visibility": form.visibility.data,
        "note": form.note.data or None,
    }


def _save_relation(form, rel):
    if search_requested(form):  # a picker's "Suchen" without JavaScript: the form again with the matches
        return None
    if not form.validate_on_submit():
        return None
    values = _relation_values(form)
    try:
        if rel is None:
            rel = svc.create_relation(current_user, values)
            flash("Die Beziehung wurde angelegt.", "success")
        else:
            svc.update_relation(current_user, rel, values, form.version.data)
            flash("Die Beziehung wurde gespeichert.", "success")
    except ValidationError as exc:
        discard()
        mapping = {"kind_id": "kind_id", "source": "source", "target": "target"}
        form.apply_errors({mapping.get(k, k): v for k, v in exc.errors.items()})
        return None
    except Conflict as exc:
        discard()
        form.conflict = exc.message
        return None
    return redirect(url_for(".relation_detail", rel_id=rel.id))


def _relation_form_response(form, rel):
    status = 200
    if request.method == "POST":
        status = 409 if getattr(form, "conflict", None) else (422 if form.errors else 200)
    if getattr(form, "conflict", None) and rel is not None:
        db.session.refresh(rel)
        form.version.data = rel.version
    return render_template("netzwerk/relation_form.html", form=form, rel=rel), status


@bp.route("/beziehungen/neu", methods=["GET", "POST"])
def relation_create():
    if not perm.can_create_relation(current_user):
        abort(403)
    form = RelationForm()
    _setup_relation_form(form)
    if request.method == "GET":
        if form.body_id.choices:
            form.body_id.data = form.body_id.choices[0][0]
        if request.args.get("von"):
            form.source.data = request.args.get("von")
    return _save_relation(form, None) or _relation_form_response(form, None)


def _get_relation(rel_id) -> Relation:
    try:
        return svc.get_relation(current_user, rel_id)
    except NotFound:
        abort(404)


@bp.route("/beziehungen/<int:rel_id>")
def relation_detail(rel_id):
    rel = _get_relation(rel_id)
    return render_template("netzwerk/relation.html", rel=rel, strength_labels=STRENGTH_LABELS)


@bp.route("/beziehungen/<int:rel_id>/bearbeiten", methods=["GET", "POST"])
def relation_edit(rel_id):
    rel = _get_relation(rel_id)
    if not perm.can_edit_relation(current_user, rel):
        abort(403)
    form = RelationForm(obj=rel)
    _setup_relation_form(form)
    keep_current(form.source, rel.source_key)  # the ends it has now stay valid (pickers, views/auswahl)
    keep_current(form.target, rel.target_key)
    if request.method == "GET":
        form.source.data, form.target.data = rel.source_key, rel.target_key
        form.directed.data = "ja" if rel.directed else "nein"
        form.strength.data = str(rel.strength)
    return _save_relation(form, rel) or _relation_form_response(form, rel)


@bp.route("/beziehungen/<int:rel_id>/loeschen", methods=["POST"])
def relation_delete(rel_id):
    rel = _get_relation(rel_id)
    if not perm.can_edit_relation(current_user, rel):
        abort(403)
    return act(
        lambda: svc.delete_relation(current_user, rel, request.form.get("version")),
        success="Die Beziehung wurde gelöscht.",
        to=url_for(".edges"),
        failed_to=url_for(".relation_detail", rel_id=rel_id),
    )


@bp.route("/arten", methods=["GET", "POST"])
def kinds():
    form = RelationKindForm()
    may_edit = perm.can_edit_relation_kinds(current_user)
    status = 200
    if request.method == "POST":
        if not may_edit:
            abort(403)
        done = submit(
            form,
            lambda: svc.create_relation_kind(
                current_user, form.name.data, form.directed.data == "ja", form.description.data
            ),
            success=f"Die Art „{form.name.data}“ wurde angelegt.",
            to=url_for(".kinds"),
        )
        if done.response:
            return done.response
        status = done.status
    rows = db.session.scalars(select(RelationKind).order_by(RelationKind.name)).all()
    return render_template("netzwerk/kinds.html", rows=rows, form=form, may_edit=may_edit), status


# --- partner pipeline ---------------------------------------------------------------------


def _setup_pipeline_form(form, entry=None):
    if entry is not None:  # picker (views/auswahl): the current organisation stays shown and valid
        keep_current(form.organisation_id, entry.organisation_id)
    form.body_id.choices = _writable_bodies()
    form.handlungsfeld_id.choices = [(None, "– keins –")] + [
        (i, n)
        for i, n in db.session.execute(
            select(Term.id, Term.name).where(Term.vocabulary == "handlungsfeld").order_by(Term.name)
        )
    ]


def _pipeline_values(form):
    return {
        "organisation_id": form.organisation_id.data,
        "body_id": form.body_id.data,
        "status": form.status.data,
        "handlungsfeld_id": form.handlungsfeld_id.data,
        "next_step": form.next_step.data or None,
        "note": form.note.data or None,
    }


@bp.route("/partner", methods=["GET", "POST"])
def pipeline():
    if not perm.can_view_pipeline(current_user):
        abort(403)
    form = PartnerStatusForm()
    _setup_pipeline_form(form)
    status = 200
    if request.method == "POST":
        if not perm.can_manage_network(current_user):
            abort(403)
        done = submit(
            form,
            lambda: svc.set_partner_status(current_user, _pipeline_values(form)),
            success="Der Eintrag wurde angelegt.",
            to=url_for(".pipeline"),
            code=303,
        )
        if done.response:
            return done.response
        status = done.status
    elif form.body_id.choices:
        form.body_id.data = form.body_id.choices[0][0]
    entries = db.session.scalars(
        select(PartnerStatus)
        .options(
            joinedload(PartnerStatus.organisation),
            joinedload(PartnerStatus.body),
            joinedload(PartnerStatus.handlungsfeld),
        )
        .where(perm.pipeline_filter(current_user))
        .order_by(PartnerStatus.status_since.desc(), PartnerStatus.id)
    ).all()
    columns = {s: [e for e in entries if e.status == s] for s in PIPELINE_STATES}
    return render_template("netzwerk/pipeline.html", form=form, columns=columns, states=PIPELINE_STATES), status


@bp.route("/partner/<int:entry_id>/bearbeiten", methods=["GET", "POST"])
def pipeline_edit(entry_id):
    entry = db.session.get(PartnerStatus, entry_id)
    if entry is None or not perm.can_view_partner_status(current_user, entry):
        abort(404)
    if not perm.can_manage_partner_status(current_user, entry):
        abort(403)
    form = PartnerStatusForm(obj=entry)
    _setup_pipeline_form(form, entry)
    done = submit(
        form,
        lambda: svc.set_partner_status(current_user, _pipeline_values(form), entry, form.version.data),
        success="Gespeichert.",
        to=url_for(".pipeline"),
        code=303,
        stale=entry,
    )
    return done.response or (
        render_template("netzwerk/pipeline_form.html", form=form, entry=entry, conflict=done.conflict),
        done.status,
    )


# --- import ---------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
def import_data():
    if not perm.can_import_network(current_user):
        abort(403)
    form = NetworkImportForm()
    form.body_id.choices = _writable_bodies()
    report, status = None, 200
    if form.validate_on_submit():
        upload = request.files.get("datei")
        body = db.session.get(Body, form.body_id.data)
        if upload is None or not upload.filename:
            flash("Bitte eine Datei auswählen.", "danger")
            status = 422
        else:
            commit = request.form.get("schritt") == "importieren"
            try:
                if form.kind.data == "beziehungen":
                    report = svc.import_relations(current_user, body, upload.filename, upload.read(), commit=commit)
                else:
                    report = importe.run_import(
                        current_user, form.kind.data, body, upload.filename, upload.read(), commit=commit
                    )
            except ServiceError as exc:
                fail(exc)
                status = exc.status
            else:
                if report.written:
                    flash(f"{anzahl(report.written, 'Datensatz wurde', 'Datensätze wurden')} importiert.", "success")
                elif not report.ok:
                    status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "netzwerk/import.html", form=form, report=report, specs=importe.SPECS, relation_columns=svc.RELATION_COLUMNS
    ), status


# --- contact directory -------------------------------------------------------------------------


@bp.route("/kontakte")
def contacts():
    if not perm.can_view_contact_directory(current_user):
        abort(403)
    hf, area, body = _int_arg("handlungsfeld"), _int_arg("sozialraum"), _int_arg("koerperschaft")
    function = (request.args.get("funktion") or "").strip()[:100]
    q = svc.contact_query(current_user, handlungsfeld_id=hf, area_id=area, function=function or None, body_id=body)
    pagination = db.paginate(
        q.options(joinedload(Person.organisation)),
        page=max(request.args.get("seite", 1, type=int), 1),
        per_page=PER_PAGE,
        error_out=False,
    )
    deputies = svc.deputies_for(current_user, [p.id for p in pagination.items])
    bodies = db.session.execute(
        select(Body.id, Body.name).where(perm.body_filter(current_user)).order_by(Body.name)
    ).all()
    return render_template(
        "netzwerk/contacts.html",
        pagination=pagination,
        deputies=deputies,
        choices=_filter_choices(),
        hf=hf,
        area=area,
        function=function,
        body=body,
        bodies=bodies,
    )
