"""Protokoll, Beschlüsse und Nachhalten: pages under /protokolle."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.validators import Optional as Opt

from beteiligung import permissions as perm
from beteiligung.exports import csv_response, xlsx_response
from beteiligung.extensions import db
from beteiligung.formatting import anzahl
from beteiligung.inputs import to_id
from beteiligung.permissions import auswahl as auswahl_perm
from beteiligung.services import Conflict, ValidationError
from beteiligung.services import auswahl as auswahl_svc
from beteiligung.services.protokolle import anwesenheit, ausgaben, auswertung
from beteiligung.services.protokolle import eintraege as svc
from beteiligung.uow import discard
from models import Committee, Meeting, Person
from models.protocols import (
    ATTENDANCE_STATES,
    DECISION_MODES,
    ENTRY_KINDS,
    ITEM_STATES,
    MEETING_ROLES,
    NOT_DONE,
    POLITICAL_OUTCOMES,
    EntryKind,
    MeetingRole,
    Protocol,
    ProtocolEntry,
    ProtocolRevision,
)

from ..auswahl.fields import PickerField, keep_current, prefetch, row_picker, search_requested
from ..forms import Form, IdSelectField, VersionField, submit
from ..seiten import sql_page

bp = Blueprint("protokolle", __name__, url_prefix="/protokolle")


@bp.before_request
@login_required
def _login():
    return None


# --- forms ----------------------------------------------------------------------


class EntryForm(Form):
    agenda_item_id = IdSelectField("Tagesordnungspunkt")
    kind = SelectField("Art des Eintrags", choices=[(k, k) for k in ENTRY_KINDS], validators=[DataRequired()])
    text = TextAreaField(
        "Inhalt",
        validators=[DataRequired(message="Bitte den Inhalt angeben."), Length(max=20000)],
        description="Bei Beschlüssen der genaue Wortlaut. Markdown möglich.",
    )
    decision_mode = SelectField(
        "Zustandekommen (Beschluss)", choices=[("", "– bitte wählen –")] + list(DECISION_MODES.items())
    )
    votes_yes = IntegerField("Ja-Stimmen", validators=[Opt(), NumberRange(min=0, message="Bitte eine Zahl ab 0.")])
    votes_no = IntegerField("Nein-Stimmen", validators=[Opt(), NumberRange(min=0, message="Bitte eine Zahl ab 0.")])
    votes_abstain = IntegerField(
        "Enthaltungen", validators=[Opt(), NumberRange(min=0, message="Bitte eine Zahl ab 0.")]
    )
    binding = BooleanField("verbindlich")
    addressee_org_id = PickerField(
        "Adressat (Fachbereich, Organisation oder politisches Gremium)", art="organisationen", zweck="protokoll"
    )
    for_resolution = BooleanField("dem Adressaten zur Beschlussfassung vorgelegt")
    owner_person_id = PickerField("Verantwortliche Person", art="personen", zweck="protokoll")
    owner_org_id = PickerField("Verantwortliche Organisation", art="organisationen", zweck="protokoll")
    due_date = DateField("Fällig am", validators=[Opt()], format=["%Y-%m-%d", "%d.%m.%Y"])
    confirm_warning = BooleanField("Beschluss trotzdem speichern")
    version = VersionField()

    def data_for_service(self) -> dict:
        d = {k: getattr(self, k).data for k in svc.ENTRY_FIELDS}
        d["decision_mode"] = d["decision_mode"] or None
        return d


class StatusForm(Form):
    status = SelectField("Stand", choices=[(s, s) for s in ITEM_STATES])
    note = TextAreaField("Notiz (beim Abschließen: was wurde erreicht?)", validators=[Opt(), Length(max=5000)])
    version = VersionField()


class ApprovalForm(Form):
    objection_deadline = DateField("Einspruchsfrist bis", validators=[Opt()], format=["%Y-%m-%d", "%d.%m.%Y"])
    version = VersionField()


class ApproveForm(Form):
    note = StringField("Vermerk (z. B. „in der Sitzung vom … genehmigt“)", validators=[Opt(), Length(max=300)])
    version = VersionField()


class ObjectionForm(Form):
    text = TextAreaField(
        "Ihr Einwand", validators=[DataRequired(message="Bitte den Einwand beschreiben."), Length(max=5000)]
    )


class ForwardForm(Form):
    committee_id = IdSelectField(
        "In den Themenspeicher von", validators=[DataRequired(message="Bitte ein Gremium wählen.")]
    )
    title = StringField(
        "Kurztitel des Themas",
        validators=[Opt(), Length(max=280, message="Kurztitel: höchstens 280 Zeichen.")],
        description="Vorschlag: der erste Satz (leer lassen übernimmt ihn). Der ganze Text wird als Beschreibung übernommen.",
    )
    confirm_warning = BooleanField("Trotzdem weiterleiten")


class PoliticalForm(Form):
    political_date = DateField("Entschieden am", validators=[Opt()], format=["%Y-%m-%d", "%d.%m.%Y"])
    political_outcome = SelectField(
        "Ergebnis", choices=[("", "– bitte wählen –")] + [(o, o) for o in POLITICAL_OUTCOMES]
    )
    political_note = StringField("Vermerk", validators=[Opt(), Length(max=500)])
    version = VersionField()


class RolesForm(Form):
    """Per role a person (a picker over the persons the manager may pick) or a name without a person record."""

    sitzungsleitung = PickerField("Sitzungsleitung", art="personen", zweck="protokoll", empty_label="niemand")
    sitzungsleitung_name = StringField(
        "Sitzungsleitung ohne Personeneintrag (Name)", validators=[Opt(), Length(max=200)]
    )
    moderation = PickerField("Moderation", art="personen", zweck="protokoll", empty_label="niemand")
    moderation_name = StringField("Moderation ohne Personeneintrag (Name)", validators=[Opt(), Length(max=200)])
    protokollfuehrung = PickerField("Protokollführung", art="personen", zweck="protokoll", empty_label="niemand")
    protokollfuehrung_name = StringField(
        "Protokollführung ohne Personeneintrag (Name)", validators=[Opt(), Length(max=200)]
    )


# --- helpers ---------------------------------------------------------------------


def _meeting(meeting_id: int) -> Meeting:
    meeting = db.session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            joinedload(Meeting.committee),
            selectinload(Meeting.agenda_items),
            selectinload(Meeting.protocol_roles).joinedload(MeetingRole.person),
        )
    )
    if meeting is None or not perm.can_view_meeting(current_user, meeting):
        abort(404)
    return meeting


def _entry(entry_id: int) -> ProtocolEntry:
    entry = db.session.scalar(
        select(ProtocolEntry)
        .where(ProtocolEntry.id == entry_id)
        .options(joinedload(ProtocolEntry.protocol).joinedload(Protocol.meeting).joinedload(Meeting.committee))
    )
    if entry is None or not perm.can_view_meeting(current_user, entry.protocol.meeting):
        abort(404)
    return entry


def _setup_entry_form(form, meeting, entry=None):
    form.agenda_item_id.choices = [(None, "Allgemein (ohne TOP)")] + [
        (i.id, f"{svc.agenda_label(i)}: {i.title}") for i in meeting.agenda_items
    ]
    if entry is not None:  # the edit form keeps what the entry holds (pickers, views/auswahl)
        keep_current(form.addressee_org_id, entry.addressee_org_id)
        keep_current(form.owner_org_id, entry.owner_org_id)
        keep_current(form.owner_person_id, entry.owner_person_id)


def _unconfirmed(form, warning: str | None) -> bool:
    """A warning the user confirms with the form's confirm_warning box: shown next to the box (status 422)."""
    if warning and not form.confirm_warning.data:
        form.confirm_warning.errors = [warning]
        return True
    return False


def _decision_unconfirmed(form, meeting) -> bool:
    if form.kind.data != EntryKind.BESCHLUSS:
        return False
    return _unconfirmed(form, anwesenheit.decision_warning(meeting))


def _protocol_url(meeting, anchor=None):
    return url_for("protokolle.protocol", meeting_id=meeting.id) + (f"#{anchor}" if anchor else "")


# --- the protocol page --------------------------------------------------------------


@bp.route("/sitzungen/<int:meeting_id>/")
def protocol(meeting_id):
    meeting = _meeting(meeting_id)
    if not perm.can_view_protocol(current_user, meeting):
        if perm.can_read_decisions(current_user, meeting):
            return redirect(url_for("protokolle.kurzfassung", meeting_id=meeting.id))
        abort(403)
    return _protocol_page(meeting)


def _protocol_page(meeting, roles_form=None):
    """The protocol page; `roles_form`: the submitted roles form (its picker's "Suchen" without JavaScript)."""
    ctx = ausgaben.protocol_context(meeting, perm.can_view_internal_items(current_user, meeting))
    may_edit = perm.can_edit_protocol(current_user, meeting)
    form = None
    if may_edit and not (ctx["protocol"] and ctx["protocol"].locked):
        # the entry form (and its choices) only for who sees it (issue 14: readers paid for it on every view)
        form = EntryForm(formdata=None)
        _setup_entry_form(form, meeting)
    ctx.update(
        form=form,
        open_items=_visible_open_items(meeting),
        outcomes=svc.forward_outcomes(ctx["entries"]),
        incoming=svc.incoming_topics(meeting),
        may_edit=may_edit,
        may_approve=perm.can_approve_protocol(current_user, meeting),
        may_object=perm.can_object_protocol(current_user, meeting),
        may_roles=perm.can_assign_meeting_roles(current_user, meeting),
        approval_form=ApprovalForm(formdata=None),
        approve_form=ApproveForm(formdata=None),
        objection_form=ObjectionForm(formdata=None),
        today=svc.today(),
        previous=svc.previous_protocol_for_approval(meeting),
    )
    if ctx["may_roles"] and roles_form is not None:
        ctx["roles_form"] = roles_form
    elif ctx["may_roles"]:
        roles_form = RolesForm(formdata=None)
        _setup_roles_form(roles_form, meeting)
        for role in MEETING_ROLES:
            r = ctx["roles"].get(role)
            getattr(roles_form, role).data = r.person_id if r else None
            getattr(roles_form, f"{role}_name").data = r.name if r else None
        ctx["roles_form"] = roles_form
    return render_template("protokolle/protocol.html", **ctx)


def _setup_roles_form(form, meeting):
    """Role holders: pickers over the persons this manager may pick (plus whoever holds a role now)."""
    held = [r.person_id for r in meeting.protocol_roles if r.person_id is not None]
    for role in MEETING_ROLES:
        keep_current(getattr(form, role), *held)


@bp.route("/sitzungen/<int:meeting_id>/rollen", methods=["POST"])
def roles(meeting_id):
    meeting = _meeting(meeting_id)
    if not perm.can_assign_meeting_roles(current_user, meeting):
        abort(403)
    form = RolesForm()
    _setup_roles_form(form, meeting)
    if search_requested(form):
        return _protocol_page(meeting, roles_form=form)
    if not form.validate():
        return _protocol_error(
            meeting,
            ValidationError(
                "Bitte gültige Personen (oder Namen mit höchstens 200 Zeichen) für die Sitzungsrollen wählen."
            ),
            422,
        )
    try:
        anwesenheit.set_meeting_roles(
            current_user,
            meeting,
            {role: getattr(form, role).data for role in MEETING_ROLES},
            {role: getattr(form, f"{role}_name").data for role in MEETING_ROLES},
        )
    except ValidationError as exc:
        return _protocol_error(meeting, exc, 422)
    flash("Die Sitzungsrollen wurden gespeichert.", "success")
    return redirect(_protocol_url(meeting, "rollen"))


# --- attendance ----------------------------------------------------------------------


@bp.route("/sitzungen/<int:meeting_id>/anwesenheit", methods=["GET", "POST"])
def attendance(meeting_id):
    meeting = _meeting(meeting_id)
    if not perm.can_record_attendance(current_user, meeting):
        abort(403)
    errors = {}
    status_code = 200
    rows = anwesenheit.attendance_rows(meeting)
    # what each row holds now: stays valid in its pickers even if this user could not pick it today
    held = {r["person"].id: (r["organisation_id"], r["deputy_id"]) for r in rows}
    formdata = request.form if request.method == "POST" else None
    searching = formdata is not None and any(k.endswith("-suchen") for k in formdata)
    if request.method == "POST":
        try:
            expected_version = int(request.form.get("attendance_version", ""))
        except ValueError:
            abort(400)
        submitted = []
        for raw in request.form.getlist("person_id"):
            pid = to_id(raw)
            if pid is None:
                abort(400)

            def _int(name, pid=pid):
                value = request.form.get(f"{name}_{pid}") or ""
                if value and to_id(value) is None:
                    errors[f"{name}_{pid}"] = "Ungültige Auswahl."
                return to_id(value)

            submitted.append(
                {
                    "person_id": pid,
                    "status": request.form.get(f"status_{pid}"),
                    "organisation_id": _int("organisation"),
                    "deputy_id": _int("deputy"),
                    "note": (request.form.get(f"note_{pid}") or "").strip(),
                }
            )
        add_picker = row_picker(
            "add_person_id", "Weitere anwesende Person hinzufügen", "personen", "protokoll", None, formdata
        )
        add = "" if searching else (request.form.get("add_person_id") or "")
        if add and not add_picker.validate(None):
            errors["add_person_id"] = " ".join(add_picker.errors)
        elif add:
            add_id = to_id(add)
            if add_id is None:
                errors["add_person_id"] = "Ungültige Auswahl."
            person = db.session.get(Person, add_id) if add_id else None
            if add_id and (person is None or not perm.can_view_person(current_user, person)):
                errors["add_person_id"] = "Diese Person gibt es nicht."
            elif person is not None and all(r["person_id"] != person.id for r in submitted):
                submitted.append(
                    {
                        "person_id": person.id,
                        "status": "anwesend",
                        "organisation_id": person.organisation_id,
                        "deputy_id": None,
                        "note": "",
                    }
                )
        for r in submitted:  # organisation and deputy: the pickers' check (permission and existence)
            pid = r["person_id"]
            for kind, art, key, keep in (
                ("organisation", "organisationen", "organisation_id", held.get(pid, (None, None))[0]),
                ("deputy", "personen", "deputy_id", held.get(pid, (None, None))[1]),
            ):
                if r[key] is not None and not searching and f"{kind}_{pid}" not in errors:
                    picker = row_picker(f"{kind}_{pid}", kind, art, "protokoll", None, formdata, keep=(keep,))
                    if not picker.validate(None):
                        errors[f"{kind}_{pid}"] = " ".join(picker.errors)
        status_code = 422
        warning = anwesenheit.early_warning(meeting, "Die Anwesenheit erfassen")
        if not searching and not errors and warning and not request.form.get("confirm_warning"):
            errors = {"confirm_warning": warning}
        if searching:  # a picker's "Suchen" without JavaScript: the list again with the matches
            status_code = 200
        elif not errors:
            try:
                n = anwesenheit.save_attendance(current_user, meeting, submitted, expected_version)
                flash(f"Anwesenheit gespeichert ({anzahl(n, 'Person', 'Personen')}).", "success")
                return redirect(url_for("protokolle.attendance", meeting_id=meeting.id))
            except anwesenheit.AttendanceConflict as exc:
                errors = {"form": exc.message}
                status_code = 409
                rows = anwesenheit.attendance_rows(meeting)  # the list as the other person saved it
            except ValidationError as exc:
                discard()
                errors = exc.errors or {"form": exc.message}
        by_pid = {r["person_id"]: r for r in submitted}
        fields = ("status", "organisation_id", "deputy_id", "note")
        for row in rows:  # show what the user entered; on a conflict also what is stored now
            s = by_pid.get(row["person"].id)
            if s:
                if status_code == 409 and row["recorded"] and any((row[k] or None) != (s[k] or None) for k in fields):
                    row["stored"] = {k: row[k] for k in fields} | {"organisation": row["organisation"]}
                row.update({k: s[k] for k in fields})
    summary = anwesenheit.attendance_summary([meeting.id])[meeting.id]
    pickers = {}
    for row in rows:
        pid, name = row["person"].id, f"{row['person'].first_name} {row['person'].last_name}"
        org_held, deputy_held = held.get(pid, (None, None))
        pickers[("organisation", pid)] = row_picker(
            f"organisation_{pid}",
            f"Organisation von {name}",
            "organisationen",
            "protokoll",
            row["organisation_id"],
            formdata,
            keep=(org_held,),
        )
        pickers[("deputy", pid)] = row_picker(
            f"deputy_{pid}",
            f"Vertretung für {name}",
            "personen",
            "protokoll",
            row["deputy_id"],
            formdata,
            keep=(deputy_held,),
        )
    prefetch(pickers.values())
    for (kind, pid), picker in pickers.items():
        if errors.get(f"{kind}_{pid}"):
            picker.errors = [errors[f"{kind}_{pid}"]]
    add_picker = row_picker(
        "add_person_id", "Weitere anwesende Person hinzufügen", "personen", "protokoll", None, formdata
    )
    if errors.get("add_person_id"):
        add_picker.errors = [errors["add_person_id"]]
    stored_deputies = {r["stored"]["deputy_id"] for r in rows if r.get("stored")} - {None}
    stored_deputies |= {r.get("standing_deputy_id") for r in rows if not r["deputy_id"]} - {None}  # hint per row
    stored_names = {
        i: c.label for i, c in auswahl_svc.persons_by_ids(current_user, stored_deputies, "protokoll").items()
    }
    return render_template(
        "protokolle/attendance.html",
        meeting=meeting,
        rows=rows,
        errors=errors,
        attendance_version=meeting.attendance_version,
        states=ATTENDANCE_STATES,
        pickers=pickers,
        add_picker=add_picker,
        stored_names=stored_names,
        summary=summary,
        quorum=anwesenheit.quorum_state(meeting, summary),
    ), status_code


# --- entries -------------------------------------------------------------------------


@bp.route("/sitzungen/<int:meeting_id>/eintraege", methods=["POST"])
def entry_create(meeting_id):
    meeting = _meeting(meeting_id)
    if not perm.can_edit_protocol(current_user, meeting):
        abort(403)
    form = EntryForm()
    _setup_entry_form(form, meeting)

    def create():
        # an unconfirmed warning (decision without quorum) stops like a field error, next to its box
        if form.kind.data == EntryKind.BESCHLUSS and not form.confirm_warning.data:
            warning = anwesenheit.decision_warning(meeting)
            if warning:
                raise ValidationError({"confirm_warning": warning})
        return svc.create_entry(current_user, meeting, form.data_for_service())

    done = submit(
        form,
        create,
        success=lambda entry: f"{entry.kind} gespeichert.",
        to=lambda entry: _protocol_url(meeting, f"eintrag-{entry.id}"),
    )
    return done.response or (
        render_template("protokolle/entry_form.html", meeting=meeting, form=form, entry=None),
        done.status,
    )


@bp.route("/eintraege/<int:entry_id>")
def entry(entry_id):
    e = _entry(entry_id)
    return redirect(_protocol_url(e.protocol.meeting, f"eintrag-{e.id}"))


@bp.route("/eintraege/<int:entry_id>/bearbeiten", methods=["GET", "POST"])
def entry_edit(entry_id):
    e = _entry(entry_id)
    meeting = e.protocol.meeting
    if not perm.can_edit_protocol(current_user, meeting):
        abort(403)
    if e.protocol.locked:
        raise svc.Locked()
    form = EntryForm(obj=e) if request.method == "GET" else EntryForm()
    _setup_entry_form(form, meeting, e)
    if request.method == "GET":
        form.version.data = e.version
        return render_template("protokolle/entry_form.html", meeting=meeting, form=form, entry=e)
    if search_requested(form):  # a picker's "Suchen" without JavaScript: the form again with the matches
        return render_template("protokolle/entry_form.html", meeting=meeting, form=form, entry=e)
    if form.validate() and not _decision_unconfirmed(form, meeting):
        try:
            svc.update_entry(current_user, e, form.data_for_service(), form.version.data)
            flash("Eintrag gespeichert.", "success")
            return redirect(_protocol_url(meeting, f"eintrag-{e.id}"))
        except Conflict as exc:
            discard()
            current = db.session.get(ProtocolEntry, entry_id)
            if current is None:
                abort(404)
            form.conflict = exc.message
            form.version.data = current.version  # a re-submit now applies the user's text on top
            return render_template(
                "protokolle/entry_form.html", meeting=meeting, form=form, entry=current, current=current
            ), 409
        except ValidationError as exc:
            discard()
            form.apply_errors(exc.errors)
    return render_template("protokolle/entry_form.html", meeting=meeting, form=form, entry=e), 422


@bp.route("/eintraege/<int:entry_id>/loeschen", methods=["POST"])
def entry_delete(entry_id):
    e = _entry(entry_id)
    meeting = e.protocol.meeting
    if not perm.can_edit_protocol(current_user, meeting):
        abort(403)
    svc.delete_entry(current_user, e, request.form.get("version"))
    flash("Eintrag gelöscht (in den Versionen weiter nachvollziehbar).", "success")
    return redirect(_protocol_url(meeting))


@bp.route("/eintraege/<int:entry_id>/stand", methods=["GET", "POST"])
def entry_status(entry_id):
    e = _entry(entry_id)
    if not perm.can_update_followup(current_user, e):
        abort(403)
    form = StatusForm(obj=e) if request.method == "GET" else StatusForm()
    code = 200
    if request.method == "GET":
        form.version.data = e.version
        form.note.data = ""
    elif form.validate():
        try:
            svc.set_followup_status(current_user, e, form.status.data, form.note.data, form.version.data)
            flash(f"Stand gespeichert: {form.status.data}.", "success")
            nxt = request.form.get("next") or ""
            if nxt.startswith("/protokolle/") and not nxt.startswith("//"):
                return redirect(nxt)
            return redirect(_protocol_url(e.protocol.meeting, f"eintrag-{e.id}"))
        except Conflict as exc:
            discard()
            form.conflict = exc.message
            form.version.data = db.session.get(ProtocolEntry, entry_id).version
            code = 409
        except ValidationError as exc:
            discard()
            form.apply_errors(exc.errors)
            code = 422
    else:
        code = 422
    return render_template(
        "protokolle/status_form.html",
        entry=e,
        form=form,
        details=ausgaben.entry_details(e),
        next=request.values.get("next", ""),
    ), code


@bp.route("/eintraege/<int:entry_id>/weiterleiten", methods=["GET", "POST"])
def entry_forward(entry_id):
    e = _entry(entry_id)
    if not perm.can_forward_entry(current_user, e):
        abort(403)
    form = ForwardForm()
    committees = db.session.scalars(
        select(Committee)
        .where(
            perm.committee_filter(current_user),
            Committee.active.is_(True),
            Committee.id != e.protocol.meeting.committee_id,
        )
        .order_by(Committee.name)
    ).all()
    form.committee_id.choices = [(None, "– bitte wählen –")] + [(c.id, f"{c.name} ({c.type.name})") for c in committees]
    if request.method == "GET":
        spk = next((c for c in committees if c.type.name == "Sozialplanungskonferenz"), None)
        form.committee_id.data = spk.id if spk else None
        form.title.data = svc.short_title(e.text)
        return render_template("protokolle/forward.html", entry=e, form=form)
    meeting = e.protocol.meeting
    if form.validate() and _unconfirmed(form, anwesenheit.early_warning(meeting, "Weiterleiten")):
        return render_template("protokolle/forward.html", entry=e, form=form), 422
    done = submit(
        form,
        lambda: svc.forward_entry(current_user, e, db.session.get(Committee, form.committee_id.data), form.title.data),
        success=lambda topic: f"In den Themenspeicher von „{topic.committee.name}“ weitergeleitet.",
        to=_protocol_url(e.protocol.meeting, f"eintrag-{e.id}"),
    )
    return done.response or (render_template("protokolle/forward.html", entry=e, form=form), done.status)


@bp.route("/eintraege/<int:entry_id>/politische-entscheidung", methods=["GET", "POST"])
def entry_political(entry_id):
    e = _entry(entry_id)
    if not perm.can_record_political_resolution(current_user, e):
        abort(403)
    form = PoliticalForm(obj=e) if request.method == "GET" else PoliticalForm()
    if request.method == "GET":
        form.version.data = e.version
        return render_template("protokolle/political_form.html", entry=e, form=form)
    done = submit(
        form,
        lambda: svc.record_political_resolution(
            current_user,
            e,
            form.political_date.data,
            form.political_outcome.data,
            form.political_note.data,
            form.version.data,
        ),
        success="Die politische Entscheidung wurde festgehalten.",
        to=_protocol_url(e.protocol.meeting, f"eintrag-{e.id}"),
    )
    return done.response or (render_template("protokolle/political_form.html", entry=e, form=form), done.status)


# --- approval -----------------------------------------------------------------------


@bp.route("/sitzungen/<int:meeting_id>/zur-abstimmung", methods=["POST"])
def send_for_approval(meeting_id):
    meeting = _meeting(meeting_id)
    if not perm.can_edit_protocol(current_user, meeting):
        abort(403)
    form = ApprovalForm()
    if not form.validate():
        return _protocol_error(
            meeting,
            ValidationError("Bitte ein gültiges Datum für die Einspruchsfrist angeben (z. B. 05.12.2026)."),
            422,
        )
    try:
        n = svc.send_for_approval(current_user, meeting, form.objection_deadline.data, form.version.data)
    except ValidationError as exc:
        discard()
        return _protocol_error(meeting, exc, 422)
    flash(f"Der Entwurf wurde an {n} Beteiligte zur Abstimmung versandt.", "success")
    return redirect(_protocol_url(meeting, "freigabe"))


def _protocol_error(meeting, exc, code, kept=None):
    message = exc.message if not exc.errors else " ".join(exc.errors.values())
    return render_template(
        "protokolle/error.html",
        status=code,
        title="Eingabe nicht möglich",
        message=message,
        back=_protocol_url(meeting),
        kept=kept,
    ), code


@bp.route("/sitzungen/<int:meeting_id>/einwand", methods=["POST"])
def objection(meeting_id):
    meeting = _meeting(meeting_id)
    form = ObjectionForm()
    if not form.validate():
        return _protocol_error(meeting, ValidationError({"text": "Bitte den Einwand beschreiben."}), 422)
    try:
        svc.add_objection(current_user, meeting, form.text.data)
    except ValidationError as exc:
        discard()
        return _protocol_error(meeting, exc, 422, kept=form.text.data)
    flash("Ihr Einwand wurde festgehalten.", "success")
    return redirect(_protocol_url(meeting, "freigabe"))


@bp.route("/sitzungen/<int:meeting_id>/genehmigen", methods=["POST"])
def approve(meeting_id):
    meeting = _meeting(meeting_id)
    if not perm.can_approve_protocol(current_user, meeting):
        abort(403)
    form = ApproveForm()
    form.validate()
    svc.approve(current_user, meeting, form.note.data, form.version.data)
    flash("Das Protokoll ist genehmigt, gesperrt und an die Beteiligten versandt.", "success")
    return redirect(_protocol_url(meeting, "freigabe"))


@bp.route("/sitzungen/<int:meeting_id>/neue-fassung", methods=["POST"])
def new_edition(meeting_id):
    meeting = _meeting(meeting_id)
    if not perm.can_approve_protocol(current_user, meeting):
        abort(403)
    p = svc.new_edition(current_user, meeting, request.form.get("version"))
    flash(f"Fassung {p.edition} angelegt; das Protokoll ist wieder ein Entwurf.", "success")
    return redirect(_protocol_url(meeting))


@bp.route("/sitzungen/<int:meeting_id>/versionen")
def revisions(meeting_id):
    meeting = _meeting(meeting_id)
    # every saved wording, also of non-public TOPs: not for readers who may not see those
    if not perm.can_view_protocol(current_user, meeting) or not perm.can_view_internal_items(current_user, meeting):
        abort(403)
    protocol = svc.get_protocol(meeting)
    revs = []
    if protocol is not None:
        revs = db.session.scalars(
            select(ProtocolRevision)
            .where(ProtocolRevision.protocol_id == protocol.id)
            .options(joinedload(ProtocolRevision.author))
            .order_by(ProtocolRevision.created_at.desc(), ProtocolRevision.id.desc())
            .limit(500)
        ).all()
    return render_template("protokolle/revisions.html", meeting=meeting, protocol=protocol, revisions=revs)


# --- outputs -------------------------------------------------------------------------


def _file(data: bytes, filename: str, mimetype: str) -> Response:
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/sitzungen/<int:meeting_id>/protokoll.pdf")
def protocol_pdf(meeting_id):
    meeting = _meeting(meeting_id)
    if not perm.can_view_protocol(current_user, meeting):
        abort(403)
    return _file(
        ausgaben.protocol_pdf(meeting, internal=perm.can_view_internal_items(current_user, meeting)),
        f"Ergebnisprotokoll-{meeting.id}.pdf",
        "application/pdf",
    )


@bp.route("/sitzungen/<int:meeting_id>/protokoll.docx")
def protocol_docx(meeting_id):
    meeting = _meeting(meeting_id)
    if not perm.can_view_protocol(current_user, meeting):
        abort(403)
    return _file(
        ausgaben.protocol_docx(meeting, perm.can_view_internal_items(current_user, meeting)),
        f"Ergebnisprotokoll-{meeting.id}.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@bp.route("/sitzungen/<int:meeting_id>/kurzfassung")
def kurzfassung(meeting_id):
    meeting = _meeting(meeting_id)
    if not perm.can_read_decisions(current_user, meeting):
        abort(403)
    ctx = ausgaben.protocol_context(meeting, perm.can_view_internal_items(current_user, meeting))
    return render_template("protokolle/kurzfassung.html", full=perm.can_view_protocol(current_user, meeting), **ctx)


@bp.route("/sitzungen/<int:meeting_id>/kurzfassung.pdf")
def kurzfassung_pdf(meeting_id):
    meeting = _meeting(meeting_id)
    if not perm.can_read_decisions(current_user, meeting):
        abort(403)
    return _file(
        ausgaben.protocol_pdf(meeting, short=True, internal=perm.can_view_internal_items(current_user, meeting)),
        f"Kurzfassung-{meeting.id}.pdf",
        "application/pdf",
    )


@bp.route("/beschluesse.csv")
def decisions_csv():
    return csv_response(
        "Beschlussregister.csv", svc.DECISION_REGISTER_HEADERS, svc.decision_register_rows(current_user)
    )


@bp.route("/beschluesse.xlsx")
def decisions_xlsx():
    return xlsx_response(
        "Beschlussregister.xlsx", "Beschlüsse", svc.DECISION_REGISTER_HEADERS, svc.decision_register_rows(current_user)
    )


# --- Nachhalten ------------------------------------------------------------------------


def _int_arg(name):
    return to_id(request.args.get(name))


FOLLOWUP_COUNT_PAGES = 10


@bp.route("/")
def followup():
    filters = {
        "owner_person_id": _int_arg("person"),
        "organisation_id": _int_arg("organisation"),
        "committee_id": _int_arg("gremium"),
        "status": request.args.get("stand") or NOT_DONE,
        "kind": request.args.get("art") or None,
        "overdue": request.args.get("ueberfaellig") == "1",
    }
    # counted up to ten pages ahead: counting every open item of a large Kreis cost more than the page (issue 14)
    pagination = sql_page(
        svc.followup_ids(current_user, **filters),
        svc.load_followup_page_query,
        per_page=25,
        count_pages=FOLLOWUP_COUNT_PAGES,
    )
    # committee, organisation and person filters: pickers (views/auswahl) instead of lists of everything the
    # user may see (a large Kreis has hundreds of committees, issue 14)
    args = request.args or None
    committee_picker = row_picker(
        "gremium", "Gremium", "gremien", "protokoll", filters["committee_id"], args, empty_label="alle"
    )
    org_picker = row_picker(
        "organisation",
        "Organisation",
        "organisationen",
        "protokoll",
        filters["organisation_id"],
        args,
        empty_label="alle",
    )
    person_picker = row_picker(
        "person",
        "Verantwortliche Person",
        "personen",
        "protokoll",
        filters["owner_person_id"],
        args,
        empty_label="alle",
    )
    return render_template(
        "protokolle/followup.html",
        pagination=pagination,
        filters=filters,
        committee_picker=committee_picker,
        org_picker=org_picker,
        person_picker=person_picker if auswahl_perm.can_search_persons(current_user, "protokoll") else None,
        states=[NOT_DONE, *ITEM_STATES, "alle"],
        today=svc.today(),
        details=ausgaben.entry_details,
    )


# --- committee health -------------------------------------------------------------------


@bp.route("/gremien/<int:committee_id>/gesundheit")
def health(committee_id):
    committee = db.session.get(Committee, committee_id)
    if committee is None or not perm.can_view_committee(current_user, committee):
        abort(404)
    if not perm.can_view_committee_health(current_user, committee):
        abort(403)
    weeks = request.args.get("wochen", type=int)
    if weeks is not None and not (1 <= weeks <= 104):
        weeks = None
    return render_template(
        "protokolle/health.html", committee=committee, health=auswertung.committee_health(committee, weeks)
    )


# --- context helpers for the partials included by other modules --------------------------


OPEN_ITEMS_SHOWN = 20


def _visible_open_items(meeting):
    """Open items of earlier meetings that this reader may see (not from a draft protocol they may not
    read, not from a non-public TOP unless they may see those: followup_filter, the SQL twin of
    can_read_entry): the first OPEN_ITEMS_SHOWN, and how many there are (the rest is in Nachhalten)."""
    items = svc.open_items(meeting, current_user, limit=OPEN_ITEMS_SHOWN)
    return OpenItems(items, svc.open_items_count(meeting, current_user), meeting.committee_id)


class OpenItems(list):
    """The shown open items (a list) plus `total` and the committee for the link to all of them."""

    def __init__(self, items, total, committee_id):
        super().__init__(items)
        self.total, self.committee_id = total, committee_id


def meeting_panel(meeting) -> dict:
    """Data for templates/protokolle/_meeting_panel.html on the meeting page (a fixed number of
    queries); the meeting view computes it and passes it as `panel` – the template only renders."""
    protocol = svc.get_protocol(meeting)
    summary = anwesenheit.attendance_summary([meeting.id])[meeting.id]
    return {
        "protocol": protocol,
        "summary": summary,
        "quorum": anwesenheit.quorum_state(meeting, summary),
        "open_items": _visible_open_items(meeting),
        "previous": svc.previous_protocol_for_approval(meeting),
    }
