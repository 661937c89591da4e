"""Kontrakte und Zielvereinbarungen (blueprint `kontrakte`, /kontrakte): list, export, contract pages,
parties, budget, attachments, versions, PDF. Goals and indicators: ziele.py; partner reports: berichte.py."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from beteiligung import permissions as perm
from beteiligung.exports import xlsx_response
from beteiligung.extensions import db
from beteiligung.inputs import to_id
from beteiligung.services import Conflict, ServiceError
from beteiligung.services.kontrakte import anhaenge as anhaenge_svc
from beteiligung.services.kontrakte import berichte as berichte_svc
from beteiligung.services.kontrakte import parteien as parteien_svc
from beteiligung.services.kontrakte import versionen as versionen_svc
from beteiligung.services.kontrakte import vertraege as svc
from beteiligung.services.kontrakte.kennzahlen import (
    LIGHTS,
    chart_svg,
    evaluate,
    format_decimal_de,
)
from beteiligung.uow import discard
from models import Area, Body, Committee, Organisation, Term
from models.contracts import (
    BUDGET_KINDS,
    CLAUSES,
    CONTRACT_STATES,
    CONTRACT_TRANSITIONS,
    DIRECTIONS,
    IN_FORCE_STATES,
    Attachment,
    BudgetLine,
    Contract,
    ContractKind,
    ContractParty,
    ContractVersion,
    Goal,
    Indicator,
    ReportingDuty,
)

from ..auswahl.fields import row_picker, search_requested
from ..forms import act, after_conflict, fail, submit
from .forms import (
    AmendmentForm,
    BudgetForm,
    ContractForm,
    DutyForm,
    PartyForm,
    SignForm,
    UploadForm,
)

bp = Blueprint("kontrakte", __name__, url_prefix="/kontrakte")

ENDING_SOON_DAYS = 90


@bp.before_request
@login_required
def _login():
    if not perm.can_use_contracts(current_user):
        abort(403)


# --- helpers ---------------------------------------------------------------------


def _contract_or_404(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not perm.can_view_contract(current_user, contract):
        abort(404)
    return contract


def _manage_or_403(contract: Contract) -> None:
    if not perm.can_manage_contract(current_user, contract):
        abort(403)


def _planner_bodies():
    q = select(Body).where(perm.planner_body_filter(current_user)).order_by(Body.name)
    return [(b.id, b.name) for b in db.session.scalars(q)]


def _partner_picker():
    """The partner filter of the list: a picker (views/auswahl), not a list of all organisations."""
    return row_picker(
        "partner",
        "Partner",
        "organisationen",
        "kontrakt",
        to_id(request.args.get("partner")),
        request.args or None,
        empty_label="alle",
    )


def _tree_bodies():
    return [
        (b.id, b.name)
        for b in db.session.scalars(select(Body).where(perm.body_filter(current_user)).order_by(Body.name))
    ]


def _tree_areas():
    return [
        (a.id, f"{a.code} {a.name}")
        for a in db.session.scalars(select(Area).where(perm.area_filter(current_user)).order_by(Area.code))
    ]


def _terms(vocabularies=("handlungsfeld", "zielgruppe")):
    return db.session.scalars(
        select(Term).where(Term.vocabulary.in_(vocabularies)).order_by(Term.vocabulary, Term.name)
    ).all()


def _goal_choices(empty=None):
    goals = db.session.scalars(select(Goal).where(perm.goal_filter(current_user)).order_by(Goal.body_id, Goal.id)).all()
    choices = [(g.id, f"{g.level}: {g.title}") for g in goals]
    return ([(None, empty)] if empty else []) + choices


def _setup_contract_form(form: ContractForm, contract: Contract | None):
    form.kind_id.choices = [
        (k.id, k.name) for k in db.session.scalars(select(ContractKind).order_by(ContractKind.name))
    ]
    form.body_id.choices = _planner_bodies()
    if contract is not None:
        form.body_id.choices = [(contract.body_id, contract.body.name)]
    form.committee_id.choices = [(None, "– keins –")] + [
        (c.id, c.name)
        for c in db.session.scalars(
            select(Committee).where(perm.committee_filter(current_user)).order_by(Committee.name)
        )
    ]
    form.terms.choices = [
        (t.id, f"{'Handlungsfeld' if t.vocabulary == 'handlungsfeld' else 'Zielgruppe'}: {t.name}") for t in _terms()
    ]
    form.areas.choices = _tree_areas()
    form.goals.choices = _goal_choices()


def _contract_values(form) -> dict:
    values = {name: getattr(form, name).data for name in svc.CONTRACT_FIELDS if name in form._fields}
    values["terms"] = list(db.session.scalars(select(Term).where(Term.id.in_(form.terms.data or [0]))))
    values["areas"] = list(db.session.scalars(select(Area).where(Area.id.in_(form.areas.data or [0]))))
    values["goals"] = list(db.session.scalars(select(Goal).where(Goal.id.in_(form.goals.data or [0]))))
    return values


def _status(form, default=200):
    if request.method == "POST" and (form.errors or getattr(form, "conflict", None)):
        return 409 if getattr(form, "conflict", None) else 422
    return default


# --- list, export --------------------------------------------------------------------


def _list_query():
    q = select(Contract).where(perm.contract_filter(current_user))
    args, active = request.args, {}

    def int_arg(name):
        raw = (args.get(name) or "").strip()
        if raw:
            active[name] = raw
        return to_id(raw)

    text = (args.get("q") or "").strip()[:100]
    if text:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(
            or_(
                func.lower(Contract.title).like(pattern, escape="\\"),
                func.lower(Contract.reference).like(pattern, escape="\\"),
            )
        )
    partner = int_arg("partner")
    if partner:
        q = q.where(Contract.parties.any(ContractParty.organisation_id == partner))
    kind = int_arg("art")
    if kind:
        q = q.where(Contract.kind_id == kind)
    status = (args.get("status") or "").strip()
    if status in CONTRACT_STATES:
        active["status"] = status
        q = q.where(Contract.status == status)
    hf = int_arg("handlungsfeld")
    if hf:
        q = q.where(Contract.terms.any(Term.id == hf))
    area = int_arg("sozialraum")
    if area:
        q = q.where(Contract.areas.any(Area.id == area))
    if args.get("bald_ablaufend"):
        active["bald_ablaufend"] = "1"
        today = date.today()
        q = q.where(
            Contract.end_date >= today,
            Contract.end_date <= today + timedelta(days=ENDING_SOON_DAYS),
            Contract.status.in_(IN_FORCE_STATES),
        )
    return q, text, active


LIST_OPTIONS = (
    joinedload(Contract.kind),
    joinedload(Contract.body),
    selectinload(Contract.parties).joinedload(ContractParty.organisation),
    selectinload(Contract.parties).joinedload(ContractParty.body),
    selectinload(Contract.terms),
    selectinload(Contract.areas),
)


# The list page shows a few columns of each row: only those are loaded (a page of 25 contracts loaded every
# clause text, every column of every party organisation and Sozialraum; issue 14, the cost per row).
PAGE_OPTIONS = (
    load_only(
        Contract.id,
        Contract.body_id,
        Contract.kind_id,
        Contract.title,
        Contract.reference,
        Contract.status,
        Contract.start_date,
        Contract.end_date,
    ),
    joinedload(Contract.kind).load_only(ContractKind.name),
    joinedload(Contract.body).load_only(Body.name),
    selectinload(Contract.parties)
    .load_only(ContractParty.contract_id, ContractParty.organisation_id, ContractParty.body_id)
    .joinedload(ContractParty.organisation)
    .load_only(Organisation.name),
    selectinload(Contract.parties).joinedload(ContractParty.body).load_only(Body.name),
    selectinload(Contract.terms).load_only(Term.name, Term.vocabulary),
    selectinload(Contract.areas).load_only(Area.code),
)


@bp.route("/")
def index():
    q, text, active = _list_query()
    page = max(request.args.get("seite", 1, type=int), 1)
    pagination = db.paginate(
        q.options(*PAGE_OPTIONS).order_by(Contract.end_date.desc().nulls_last(), Contract.id.desc()),
        page=page,
        per_page=current_app.config.get("PER_PAGE", 25),
        error_out=False,
    )
    filters = [
        ("partner", "Partner", _partner_picker()),
        ("art", "Art", [(k.id, k.name) for k in db.session.scalars(select(ContractKind).order_by(ContractKind.name))]),
        ("status", "Status", [(s, s) for s in CONTRACT_STATES]),
        ("handlungsfeld", "Handlungsfeld", [(t.id, t.name) for t in _terms(("handlungsfeld",))]),
        ("sozialraum", "Sozialraum", _tree_areas()),
    ]
    return render_template(
        "kontrakte/list.html",
        pagination=pagination,
        q=text,
        active=active,
        filters=filters,
        today=date.today(),
        soon=date.today() + timedelta(days=ENDING_SOON_DAYS),
        may_create=perm.can_create_contract(current_user),
    )


@bp.route("/export.xlsx")
def export():
    # every sheet streams its rows from the database in batches (constant memory, written into the spool)
    q, _text, _active = _list_query()
    contract_ids = q.with_only_columns(Contract.id).order_by(None)

    def indicators():
        return db.session.scalars(
            select(Indicator)
            .where(Indicator.contract_id.in_(contract_ids), perm.indicator_filter(current_user))
            .options(selectinload(Indicator.measurements), joinedload(Indicator.contract), joinedload(Indicator.area))
            .order_by(Indicator.contract_id, Indicator.id)
            .execution_options(yield_per=200)
        )

    def contract_rows():
        for c in db.session.scalars(q.options(*LIST_OPTIONS).order_by(Contract.id).execution_options(yield_per=200)):
            yield [
                c.id,
                c.title,
                c.kind.name,
                c.status,
                c.body.name,
                "; ".join(p.name for p in c.parties),
                c.reference,
                c.product_number,
                c.start_date,
                c.end_date,
                c.review_date,
                ", ".join(t.name for t in c.handlungsfelder),
                ", ".join(a.code for a in c.areas),
            ]

    def indicator_rows():
        for i in indicators():
            ev = evaluate(i)
            yield [
                i.id,
                i.contract.title if i.contract else "",
                i.name,
                i.unit,
                i.base_population,
                i.baseline_value,
                i.baseline_date,
                ev.target,
                i.target_date,
                DIRECTIONS[i.direction],
                i.data_source,
                i.periodicity,
                i.area.code if i.area else "",
                ev.latest.ist if ev.latest else None,
                ev.latest.soll.quantize(Decimal("0.01")) if ev.latest else None,
                LIGHTS[ev.light],
                ev.forecast.quantize(Decimal("0.01")) if ev.forecast is not None else None,
            ]

    def measurement_rows():
        for i in indicators():
            for m in i.measurements:
                yield [i.id, i.name, m.period_end, m.value, "Bericht" if m.report_id else "Planung", m.note]

    return xlsx_response(
        "kontrakte.xlsx",
        "Kontrakte",
        [
            "Nr.",
            "Titel",
            "Art",
            "Status",
            "Körperschaft",
            "Parteien",
            "Aktenzeichen",
            "NKF-Produkt",
            "Beginn",
            "Ende",
            "Überprüfung",
            "Handlungsfelder",
            "Sozialräume",
        ],
        contract_rows(),
        extra_sheets=[
            (
                "Kennzahlen",
                [
                    "Nr.",
                    "Kontrakt",
                    "Kennzahl",
                    "Einheit",
                    "Grundgesamtheit",
                    "Ausgangswert",
                    "Stichtag",
                    "Zielwert",
                    "Zieldatum",
                    "Richtung",
                    "Datenquelle",
                    "Rhythmus",
                    "Sozialraum",
                    "Ist (zuletzt)",
                    "Soll (zuletzt)",
                    "Ampel",
                    "Prognose zum Zieldatum",
                ],
                indicator_rows(),
            ),
            ("Messwerte", ["Kennzahl-Nr.", "Kennzahl", "Stichtag", "Wert", "Quelle", "Bemerkung"], measurement_rows()),
        ],
    )


# --- create, detail, edit ------------------------------------------------------------


@bp.route("/neu", methods=["GET", "POST"])
def create():
    if not perm.can_create_contract(current_user):
        abort(403)
    form = ContractForm()
    _setup_contract_form(form, None)
    done = submit(
        form,
        lambda: svc.create_contract(current_user, {**_contract_values(form), "comment": form.comment.data}),
        success=lambda c: f"Kontrakt „{c.title}“ wurde als Entwurf angelegt.",
        to=lambda c: url_for(".detail", contract_id=c.id),
    )
    return done.response or (render_template("kontrakte/form.html", form=form, contract=None, mode="neu"), done.status)


DETAIL_OPTIONS = (
    joinedload(Contract.kind),
    joinedload(Contract.body),
    joinedload(Contract.committee),
    selectinload(Contract.parties).joinedload(ContractParty.organisation),
    selectinload(Contract.parties).joinedload(ContractParty.body),
    selectinload(Contract.terms),
    selectinload(Contract.areas),
    selectinload(Contract.goals),
    selectinload(Contract.budget_lines),
    selectinload(Contract.attachments),
    selectinload(Contract.versions).joinedload(ContractVersion.author),
    selectinload(Contract.indicators).selectinload(Indicator.measurements),
    selectinload(Contract.duties).joinedload(ReportingDuty.party),
    selectinload(Contract.duties).selectinload(ReportingDuty.reports),
)


@bp.route("/<int:contract_id>")
def detail(contract_id):
    contract = db.session.scalar(select(Contract).where(Contract.id == contract_id).options(*DETAIL_OPTIONS))
    if contract is None or not perm.can_view_contract(current_user, contract):
        abort(404)
    indicators = [(i, evaluate(i)) for i in contract.indicators if perm.can_view_indicator(current_user, i)]
    manage = perm.can_manage_contract(current_user, contract)
    party_form = PartyForm()  # on a POST (error, picker search without JavaScript) with the user's input
    party_form.body_id.choices = [(None, "– keine –")] + _tree_bodies() if manage else []
    duty_form = DutyForm()
    duty_form.party_id.choices = [(p.id, p.name) for p in contract.parties]
    reports = []
    for d in contract.duties:
        if manage or perm.can_report_for(current_user, d.party):
            reports += [(d, r) for r in d.reports]
    reports.sort(key=lambda x: x[1].period_start)
    return render_template(
        "kontrakte/detail.html",
        contract=contract,
        indicators=indicators,
        manage=manage,
        drafts=perm.can_see_contract_drafts(current_user, contract),
        CLAUSES=CLAUSES,
        transitions=CONTRACT_TRANSITIONS.get(contract.status, []),
        budget=parteien_svc.budget_totals(contract.budget_lines),
        party_form=party_form,
        budget_form=BudgetForm(),
        duty_form=duty_form,
        upload_form=UploadForm(),
        sign_form=SignForm(),
        reports=reports,
        today=date.today(),
    )


@bp.route("/<int:contract_id>/bearbeiten", methods=["GET", "POST"])
def edit(contract_id):
    contract = _contract_or_404(contract_id)
    _manage_or_403(contract)
    if contract.locked:
        flash(svc.LOCKED_MESSAGE if contract.in_force else svc.CLOSED_MESSAGE, "warning")
        if request.method == "POST":
            form = ContractForm()
            _setup_contract_form(form, contract)
            form.conflict = svc.LOCKED_MESSAGE
            return render_template("kontrakte/form.html", form=form, contract=contract, mode="bearbeiten"), 409
        return redirect(url_for(".detail", contract_id=contract.id))
    form = ContractForm(obj=contract)
    _setup_contract_form(form, contract)
    if request.method == "GET":
        form.terms.data = [t.id for t in contract.terms]
        form.areas.data = [a.id for a in contract.areas]
        form.goals.data = [g.id for g in contract.goals]
        form.comment.data = ""
    done = submit(
        form,
        lambda: svc.update_contract(
            current_user, contract, _contract_values(form), form.version.data, form.comment.data
        ),
        success="Die Änderung wurde als neue Fassung gespeichert.",
        to=url_for(".detail", contract_id=contract.id),
        stale=contract,
    )
    if done.response:
        return done.response
    form.conflict = done.conflict
    return render_template("kontrakte/form.html", form=form, contract=contract, mode="bearbeiten"), done.status


NEW_BUDGET_ROWS = 3


def _budget_rows(contract: Contract, form_data=None, errors=None) -> list[dict]:
    """Rows of the Nachtrag's budget part: the existing lines, then empty rows for new lines.
    With form_data (a POST), the user's input is kept."""
    errors = errors or {}
    rows = []
    keys = [(str(b.id), b) for b in contract.budget_lines] + [(f"neu{n}", None) for n in range(1, NEW_BUDGET_ROWS + 1)]
    for key, line in keys:
        prefix = f"budget_{key}_"
        if form_data is not None:
            vals = {f: form_data.get(prefix + f, "") for f in ("kind", "year", "amount", "product_number", "note")}
            vals["remove"] = bool(form_data.get(prefix + "remove"))
        elif line is not None:
            vals = {
                "kind": line.kind,
                "year": str(line.year),
                "amount": format_decimal_de(line.amount, 2),
                "product_number": line.product_number or "",
                "note": line.note or "",
                "remove": False,
            }
        else:
            vals = {"kind": "Personal", "year": "", "amount": "", "product_number": "", "note": "", "remove": False}
        rows.append(
            {
                "key": key,
                "line": line,
                "prefix": prefix,
                "values": vals,
                "errors": {
                    f: errors[prefix + f]
                    for f in ("kind", "year", "amount", "product_number", "note")
                    if prefix + f in errors
                },
            }
        )
    return rows


def _budget_changes(rows) -> list:
    return [
        svc.BudgetChange(
            key=r["key"],
            line_id=r["line"].id if r["line"] is not None else None,
            kind=r["values"]["kind"],
            year=r["values"]["year"],
            amount=r["values"]["amount"],
            product_number=r["values"]["product_number"],
            note=r["values"]["note"],
            remove=r["values"]["remove"],
        )
        for r in rows
    ]


@bp.route("/<int:contract_id>/nachtrag", methods=["GET", "POST"])
def amend(contract_id):
    contract = _contract_or_404(contract_id)
    _manage_or_403(contract)
    if not contract.in_force:
        flash("Ein Nachtrag ist nur zu einem unterzeichneten oder laufenden Kontrakt möglich.", "warning")
        return redirect(url_for(".detail", contract_id=contract.id))
    form = AmendmentForm(obj=contract)
    budget_rows = _budget_rows(contract, request.form if request.method == "POST" else None)
    budget_errors = {}
    if request.method == "GET":
        form.comment.data = ""
    if request.method == "POST":
        valid = form.validate()
        values = {
            name: getattr(form, name).data for name in form._fields if name not in ("csrf_token", "version", "comment")
        }
        try:
            if not valid:
                # still check the budget rows, so every message shows at once; nothing is written
                _ops, budget_errors = svc.check_budget_changes(contract, _budget_changes(budget_rows))
            else:
                v = svc.amend_contract(
                    current_user,
                    contract,
                    values,
                    form.version.data,
                    form.comment.data,
                    budget=_budget_changes(budget_rows),
                )
                flash(f"{v.label} wurde gespeichert.", "success")
                return redirect(url_for(".detail", contract_id=contract.id))
        except Conflict as exc:
            form.conflict = after_conflict(form, exc, contract)
        except ServiceError as exc:
            budget_errors = {k: v for k, v in (exc.errors or {}).items() if k.startswith("budget_")}
            fail(exc, form)
            contract = _contract_or_404(contract_id)
        budget_rows = _budget_rows(contract, request.form, budget_errors)
    status = _status(form)
    if request.method == "POST" and budget_errors and status == 200:
        status = 422
    return render_template(
        "kontrakte/form.html",
        form=form,
        contract=contract,
        mode="nachtrag",
        budget_rows=budget_rows,
        budget_errors=budget_errors,
        BUDGET_KINDS=BUDGET_KINDS,
    ), status


@bp.route("/<int:contract_id>/status", methods=["POST"])
def change_status(contract_id):
    contract = _contract_or_404(contract_id)
    _manage_or_403(contract)
    new_status = request.form.get("status", "")
    return act(
        lambda: svc.change_status(current_user, contract, new_status, request.form.get("version")),
        success=f"Status: {new_status}.",
        to=url_for(".detail", contract_id=contract.id),
        failed=_on_detail(contract),
    )


@bp.route("/<int:contract_id>/loeschen", methods=["POST"])
def delete(contract_id):
    contract = _contract_or_404(contract_id)
    _manage_or_403(contract)
    return act(
        lambda: svc.delete_contract(current_user, contract, request.form.get("version")),
        success="Der Entwurf wurde gelöscht.",
        to=url_for(".index"),
        failed=_on_detail(contract),
    )


def _detail_redirect_with(contract, status):
    """After a refused POST: show the contract page with the message and the 4xx status."""
    return detail(contract.id), status


def _on_detail(contract):
    """For act(): a refused action shows the contract page again with its 4xx status."""
    return lambda exc: _detail_redirect_with(contract, exc.status)


@bp.route("/<int:contract_id>/parteien", methods=["POST"])
def add_party(contract_id):
    contract = _contract_or_404(contract_id)
    _manage_or_403(contract)
    form = PartyForm()
    form.body_id.choices = [(None, "– keine –")] + _tree_bodies()
    if search_requested(form):  # the organisation picker's "Suchen" without JavaScript
        return detail(contract.id)
    if not form.validate():
        flash("Partei: " + " ".join(e for errs in form.errors.values() for e in errs), "danger")
        return _detail_redirect_with(contract, 422)
    return act(
        lambda: parteien_svc.add_party(
            current_user,
            contract,
            organisation_id=form.organisation_id.data,
            body_id=form.body_id.data,
            role=form.role.data,
            signatory=form.signatory.data,
            signed_on=form.signed_on.data,
        ),
        success="Partei hinzugefügt.",
        to=url_for(".detail", contract_id=contract.id) + "#parteien",
        failed=_on_detail(contract),
    )


def _party_or_404(contract, party_id) -> ContractParty:
    party = db.session.get(ContractParty, party_id)
    if party is None or party.contract_id != contract.id:
        abort(404)
    return party


@bp.route("/<int:contract_id>/parteien/<int:party_id>/unterzeichnen", methods=["POST"])
def sign_party(contract_id, party_id):
    contract = _contract_or_404(contract_id)
    _manage_or_403(contract)
    party = _party_or_404(contract, party_id)
    form = SignForm()
    if not form.validate():
        flash("Unterzeichnung: " + " ".join(e for errs in form.errors.values() for e in errs), "danger")
        return _detail_redirect_with(contract, 422)
    return act(
        lambda: parteien_svc.sign_party(
            current_user, party, form.signatory.data, form.signed_on.data, form.version.data
        ),
        success=f"Unterzeichnung von {party.name} eingetragen.",
        to=url_for(".detail", contract_id=contract.id) + "#parteien",
        failed=_on_detail(contract),
    )


@bp.route("/<int:contract_id>/parteien/<int:party_id>/entfernen", methods=["POST"])
def remove_party(contract_id, party_id):
    contract = _contract_or_404(contract_id)
    _manage_or_403(contract)
    party = _party_or_404(contract, party_id)
    return act(
        lambda: parteien_svc.remove_party(current_user, party, request.form.get("version")),
        success="Partei entfernt.",
        to=url_for(".detail", contract_id=contract.id) + "#parteien",
        failed=_on_detail(contract),
    )


@bp.route("/<int:contract_id>/budget", methods=["POST"])
def add_budget(contract_id):
    contract = _contract_or_404(contract_id)
    _manage_or_403(contract)
    form = BudgetForm()
    if not form.validate():
        flash("Budget: " + " ".join(e for errs in form.errors.values() for e in errs), "danger")
        return _detail_redirect_with(contract, 422)
    return act(
        lambda: parteien_svc.add_budget_line(
            current_user,
            contract,
            form.kind.data,
            form.year.data,
            form.amount.data,
            form.product_number.data,
            form.note.data,
        ),
        success="Budgetzeile hinzugefügt.",
        to=url_for(".detail", contract_id=contract.id) + "#budget",
        failed=_on_detail(contract),
    )


@bp.route("/<int:contract_id>/budget/<int:line_id>/entfernen", methods=["POST"])
def remove_budget(contract_id, line_id):
    contract = _contract_or_404(contract_id)
    _manage_or_403(contract)
    line = db.session.get(BudgetLine, line_id)
    if line is None or line.contract_id != contract.id:
        abort(404)
    return act(
        lambda: parteien_svc.remove_budget_line(current_user, line),
        success="Budgetzeile entfernt.",
        to=url_for(".detail", contract_id=contract.id) + "#budget",
        failed=_on_detail(contract),
    )


@bp.route("/<int:contract_id>/berichtspflichten", methods=["POST"])
def add_duty(contract_id):
    contract = _contract_or_404(contract_id)
    _manage_or_403(contract)
    form = DutyForm()
    form.party_id.choices = [(p.id, p.name) for p in contract.parties]
    if not form.validate():
        flash("Berichtspflicht: " + " ".join(e for errs in form.errors.values() for e in errs), "danger")
        return _detail_redirect_with(contract, 422)
    return act(
        lambda: berichte_svc.add_duty(
            current_user, contract, form.party_id.data, form.title.data, form.periodicity.data, form.due_days.data
        ),
        success="Berichtspflicht angelegt.",
        to=url_for(".detail", contract_id=contract.id) + "#berichte",
        failed=_on_detail(contract),
    )


@bp.route("/<int:contract_id>/anhaenge", methods=["POST"])
def upload(contract_id):
    contract = _contract_or_404(contract_id)
    _manage_or_403(contract)
    file = request.files.get("file")
    return act(
        lambda: anhaenge_svc.save_attachment(
            current_user,
            contract,
            file.filename if file else "",
            file.read() if file else b"",
            description=request.form.get("description"),
        ),
        success="Datei hochgeladen.",
        to=url_for(".detail", contract_id=contract.id) + "#anhaenge",
        failed=_on_detail(contract),
    )


@bp.route("/anhang/<int:attachment_id>")
def download(attachment_id):
    att = db.session.get(Attachment, attachment_id)
    if att is None or not anhaenge_svc.can_download(current_user, att):
        abort(404)
    from io import BytesIO

    data = anhaenge_svc.attachment_data(att)
    if data is None:
        abort(404)
    return send_file(BytesIO(data), mimetype=att.content_type, as_attachment=True, download_name=att.filename)


@bp.route("/anhang/<int:attachment_id>/loeschen", methods=["POST"])
def delete_attachment(attachment_id):
    att = db.session.get(Attachment, attachment_id)
    if att is None or not anhaenge_svc.can_download(current_user, att):
        abort(404)
    if not perm.can_delete_attachment(current_user, att):
        abort(403)
    contract_id, report_id, filename = att.contract_id, att.report_id, att.filename
    try:
        anhaenge_svc.delete_attachment(current_user, att)
    except ServiceError as exc:
        if report_id is not None:
            from .berichte import _render_report, _report_or_404

            discard()
            return _render_report(_report_or_404(report_id), {"_": exc.message}, status=exc.status)
        fail(exc)
        return _detail_redirect_with(_contract_or_404(contract_id), exc.status)
    flash(f"Anhang „{filename}“ gelöscht.", "success")
    if report_id is not None:
        return redirect(url_for(".report", report_id=report_id) + "#anlagen", 303)
    return redirect(url_for(".detail", contract_id=contract_id) + "#anhaenge", 303)


# --- versions ---------------------------------------------------------------------------


@bp.route("/<int:contract_id>/fassungen")
def versions(contract_id):
    contract = _contract_or_404(contract_id)
    if not perm.can_see_contract_drafts(current_user, contract):
        abort(404)
    all_versions = db.session.scalars(
        select(ContractVersion)
        .where(ContractVersion.contract_id == contract.id)
        .options(joinedload(ContractVersion.author))
        .order_by(ContractVersion.number)
    ).all()
    by_number = {v.number: v for v in all_versions}
    a = by_number.get(request.args.get("a", type=int))
    b = by_number.get(request.args.get("b", type=int))
    if (request.args.get("a") or request.args.get("b")) and (a is None or b is None):
        abort(404)
    if a is None and len(all_versions) >= 2:
        a, b = all_versions[-2], all_versions[-1]
    diff = versionen_svc.compare_versions(a, b) if a and b else None
    return render_template("kontrakte/versions.html", contract=contract, versions=all_versions, a=a, b=b, diff=diff)


# --- PDF ---------------------------------------------------------------------------------


@bp.route("/<int:contract_id>.pdf")
def pdf(contract_id):
    contract = db.session.scalar(select(Contract).where(Contract.id == contract_id).options(*DETAIL_OPTIONS))
    if contract is None or not perm.can_view_contract(current_user, contract):
        abort(404)
    indicators = [(i, evaluate(i)) for i in contract.indicators if perm.can_view_indicator(current_user, i)]
    html = render_template(
        "kontrakte/pdf.html",
        contract=contract,
        indicators=indicators,
        CLAUSES=CLAUSES,
        budget=parteien_svc.budget_totals(contract.budget_lines),
        today=date.today(),
        charts={i.id: Markup(chart_svg(i, ev)) for i, ev in indicators},
    )
    from weasyprint import HTML

    def no_fetch(url, *args, **kwargs):  # the PDF needs nothing from outside; never fetch user URLs
        raise ValueError(f"Externe Ressource nicht erlaubt: {url}")

    from beteiligung.services.betrieb.pdf import pdf_options

    data = HTML(string=html, url_fetcher=no_fetch).write_pdf(**pdf_options())
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="kontrakt-{contract.id}.pdf"'
    return response


from . import berichte, ziele  # noqa: E402,F401  (the routes of the sub-pages register on bp above)
