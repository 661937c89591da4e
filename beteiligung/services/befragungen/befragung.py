"""Befragungen: builder, status workflow, answering (anonymous, idempotent), tokens, drafts.

Privacy rules implemented here (see docs/modules/befragungen.md):
- a response stores only the ISO week, the language, area/Zielgruppe and the answers;
- an invitation token is a signed random nonce; on use only sha256(nonce) goes into
  survey_used_token (no response id, no time) in the same transaction as the response;
- a draft is keyed by the sha256 of a random cookie value and deleted on submit;
- paper questionnaires are flagged `paper=True`; the staff user is NOT stored on the
  response (an audit entry on the survey counts the entry without the response id).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import unicodedata
from datetime import date

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services import Conflict, NotFound, ValidationError, ensure_version, require
from beteiligung.services.audit import record, snapshot
from beteiligung.services.befragungen import zaehler
from models import Area, Term
from models.surveys import (
    CHOICE_KINDS,
    ENDED_STATES,
    PREPARATION_STATES,
    QUESTION_KINDS,
    SURVEY_LANGUAGES,
    SURVEY_STATES,
    Question,
    QuestionOption,
    StreetArea,
    Survey,
    SurveyAnswer,
    SurveyDraft,
    SurveyResponse,
    SurveySection,
    SurveyStatus,
    SurveyUsedToken,
)

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
YES_NO = ("Ja", "Nein")
SCALE_DEFAULTS = {
    3: ["unzufrieden", "teils, teils", "zufrieden"],
    5: ["sehr unzufrieden", "eher unzufrieden", "teils, teils", "eher zufrieden", "sehr zufrieden"],
    7: ["überhaupt nicht", "nicht", "eher nicht", "teils, teils", "eher", "ja", "voll und ganz"],
}
TRANSITIONS = {
    (SurveyStatus.ENTWURF, SurveyStatus.GEPRUEFT),
    (SurveyStatus.GEPRUEFT, SurveyStatus.ENTWURF),
    (SurveyStatus.GEPRUEFT, SurveyStatus.OFFEN),
    (SurveyStatus.OFFEN, SurveyStatus.GESCHLOSSEN),
    (SurveyStatus.GESCHLOSSEN, SurveyStatus.OFFEN),
    (SurveyStatus.GESCHLOSSEN, SurveyStatus.AUSGEWERTET),
    (SurveyStatus.AUSGEWERTET, SurveyStatus.GESCHLOSSEN),
}
# Hints for the "suggestive Formulierung" review (manual check stays required).
LEADING_PATTERNS = [
    r"\bnicht auch\b",
    r"\bsicherlich\b",
    r"\bbestimmt\b",
    r"\boffensichtlich\b",
    r"\bwie sehr\b",
    r"\bsind sie nicht\b",
    r"\bfinden sie nicht\b",
    r"\bstimmen sie zu, dass\b",
    r"\bselbstverständlich\b",
]


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def threshold_of(survey: Survey) -> int:
    return survey.threshold or current_app.config.get("SMALL_GROUP_THRESHOLD", 5)


def iso_week(day: date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def _text(value, limit, label, errors, key, required=False):
    value = (value or "").strip()
    if required and not value:
        errors[key] = f"{label}: Bitte ausfüllen."
    elif len(value) > limit:
        errors[key] = f"{label}: höchstens {limit} Zeichen."
    elif CONTROL.search(value):
        errors[key] = f"{label}: enthält unzulässige Steuerzeichen."
    return value or None


# --- builder --------------------------------------------------------------------

SURVEY_FIELDS = ("title", "intro", "purpose", "decided_by", "privacy_notice")


def _apply_survey_data(survey: Survey, data: dict) -> None:
    errors = {}
    survey.title = _text(data.get("title"), 200, "Titel", errors, "title", required=True)
    for name, label in (
        ("intro", "Einleitung"),
        ("purpose", "Zweck"),
        ("decided_by", "Wer entscheidet"),
        ("privacy_notice", "Datenschutzhinweis"),
    ):
        setattr(survey, name, _text(data.get(name), 5000, label, errors, name))
    survey.starts_on = data.get("starts_on")
    survey.ends_on = data.get("ends_on")
    if survey.starts_on and survey.ends_on and survey.ends_on < survey.starts_on:
        errors["ends_on"] = "Das Ende liegt vor dem Beginn."
    t = data.get("threshold")
    if t is not None and not (3 <= int(t) <= 50):
        errors["threshold"] = "Die Mindestgruppengröße muss zwischen 3 und 50 liegen."
    app_min = current_app.config.get("SMALL_GROUP_THRESHOLD", 5)
    if t is not None and int(t) < app_min:
        errors["threshold"] = f"Die Mindestgruppengröße darf den Standard ({app_min}) nicht unterschreiten."
    survey.threshold = t
    langs = [lang for lang in (data.get("languages") or []) if lang in SURVEY_LANGUAGES]
    if "de" not in langs:
        langs.insert(0, "de")
    survey.languages = langs
    survey.access = data.get("access") if data.get("access") in ("offen", "einladung") else "offen"
    survey.results_public = bool(data.get("results_public"))
    survey.questions_checked = bool(data.get("questions_checked"))
    area_ids = set(data.get("area_ids") or [])
    areas = db.session.scalars(select(Area).where(Area.id.in_(area_ids))).all() if area_ids else []
    if any(a.body_id != survey.body_id for a in areas) or len(areas) != len(area_ids):
        errors["area_ids"] = "Nur Sozialräume der eigenen Körperschaft."
    survey.areas = list(areas)
    zg_ids = set(data.get("zielgruppe_ids") or [])
    zgs = (
        db.session.scalars(select(Term).where(Term.id.in_(zg_ids), Term.vocabulary == "zielgruppe")).all()
        if zg_ids
        else []
    )
    if len(zgs) != len(zg_ids):
        errors["zielgruppe_ids"] = "Ungültige Zielgruppe."
    survey.zielgruppen = list(zgs)
    if errors:
        raise ValidationError(errors)


def create_survey(user, data: dict) -> Survey:
    body_id = data.get("body_id")
    require(perm.can_create_survey(user, body_id))
    survey = Survey(body_id=body_id, public_key=secrets.token_urlsafe(9), status=SurveyStatus.ENTWURF, languages=["de"])
    try:
        with db.session.no_autoflush:
            _apply_survey_data(survey, data)
    except ValidationError:
        raise  # the caller's unit of work rolls the half-applied data back
    db.session.add(survey)
    record(user, "create", survey, None, snapshot(survey), f"Befragung „{survey.title}“ angelegt")
    db.session.flush()
    return survey


def update_survey(user, survey: Survey, data: dict, version) -> Survey:
    require(perm.can_manage_survey(user, survey))
    ensure_version(survey, version)
    before = snapshot(survey)
    try:
        with db.session.no_autoflush:
            _apply_survey_data(survey, data)
    except ValidationError:
        raise  # the caller's unit of work rolls the half-applied data back
    record(user, "update", survey, before, snapshot(survey), "Befragung geändert")
    db.session.flush()
    return survey


def _ensure_editable(survey: Survey) -> None:
    if survey.status not in PREPARATION_STATES:
        raise Conflict("Fragen können nur im Entwurf geändert werden. Eingegangene Antworten bleiben so vergleichbar.")


def add_section(user, survey: Survey, title: str) -> SurveySection:
    require(perm.can_manage_survey(user, survey))
    _ensure_editable(survey)
    errors = {}
    title = _text(title, 200, "Titel", errors, "title", required=True)
    if errors:
        raise ValidationError(errors)
    pos = max([s.position for s in survey.sections] or [0]) + 1
    section = SurveySection(survey=survey, title=title, position=pos)
    db.session.add(section)
    survey.status = SurveyStatus.ENTWURF
    db.session.flush()
    return section


def save_question(user, survey: Survey, data: dict, question: Question | None = None) -> Question:
    """Create or update a question. data: kind, text, help, required, section_id, options (lines),
    scale_points, allow_other, min_value, max_value, max_length, condition_option_id."""
    require(perm.can_manage_survey(user, survey))
    _ensure_editable(survey)
    errors = {}
    kind = data.get("kind")
    if kind not in QUESTION_KINDS:
        errors["kind"] = "Unbekannter Fragetyp."
    text = _text(data.get("text"), 500, "Frage", errors, "text", required=True)
    help_text = _text(data.get("help"), 500, "Hinweis", errors, "help")
    section_id = data.get("section_id")
    if section_id and section_id not in {s.id for s in survey.sections}:
        errors["section_id"] = "Ungültiger Abschnitt."
    lines = [ln.strip() for ln in (data.get("options") or "").splitlines() if ln.strip()]
    if any(len(ln) > 300 or CONTROL.search(ln) for ln in lines):
        errors["options"] = "Antwortmöglichkeiten: höchstens 300 Zeichen je Zeile."
    if kind in ("einfach", "mehrfach") and len(lines) < 2:
        errors["options"] = "Bitte mindestens zwei Antwortmöglichkeiten (eine je Zeile)."
    points = data.get("scale_points")
    if kind == "skala":
        if points not in (3, 5, 7):
            errors["scale_points"] = "Eine Skala hat 3, 5 oder 7 Stufen."
        elif lines and len(lines) != points:
            errors["options"] = (
                f"Bitte genau {points} Beschriftungen angeben (oder keine für die Standardbeschriftung)."
            )
    cond = data.get("condition_option_id")
    if cond:
        earlier = {o.id for q in survey.questions if q is not question and q.kind in CHOICE_KINDS for o in q.options}
        if cond not in earlier:
            errors["condition_option_id"] = (
                "Die Bedingung muss sich auf eine Antwort einer anderen Auswahlfrage beziehen."
            )
    mn, mx = data.get("min_value"), data.get("max_value")
    if mn is not None and mx is not None and mn > mx:
        errors["max_value"] = "Das Maximum liegt unter dem Minimum."
    max_length = data.get("max_length") or 2000
    if not (10 <= max_length <= 5000):
        errors["max_length"] = "Zwischen 10 und 5.000 Zeichen."
    if errors:
        raise ValidationError(errors)
    new = question is None
    if new:
        question = Question(survey=survey, position=max([q.position for q in survey.questions] or [0]) + 1)
        db.session.add(question)
    kind_changed = question.kind != kind
    question.kind, question.text, question.help = kind, text, help_text
    question.required = bool(data.get("required"))
    question.allow_other = bool(data.get("allow_other")) and kind in ("einfach", "mehrfach")
    question.section_id = section_id
    question.min_value, question.max_value, question.max_length = mn, mx, max_length
    question.condition_option_id = cond
    if kind == "janein":
        labels = list(YES_NO)
    elif kind == "skala":
        labels = lines or SCALE_DEFAULTS[points]
    elif kind in ("einfach", "mehrfach"):
        labels = lines
    else:
        labels = []
    existing = list(question.options)
    if kind_changed or [o.label for o in existing] != labels:
        # keep options (and their translations) by position where possible
        for i, label in enumerate(labels):
            if i < len(existing):
                existing[i].label = label
                existing[i].position = i
            else:
                question.options.append(QuestionOption(label=label, position=i))
        for extra in existing[len(labels) :]:
            question.options.remove(extra)
    survey.status = SurveyStatus.ENTWURF
    survey.questions_checked = False if new else survey.questions_checked
    db.session.flush()
    # a removed option took its answers with it (ON DELETE CASCADE), a new condition or kind counts
    # differently: the running counts of the survey are rebuilt (no responses in preparation: cheap)
    zaehler.nachzaehlen(db.session.connection(), survey.id)
    record(
        user,
        "create" if new else "update",
        survey,
        None,
        None,
        f"Frage „{text[:60]}“ {'angelegt' if new else 'geändert'}",
    )
    db.session.flush()
    return question


def set_option_zielgruppe(user, survey, option_id: int, zielgruppe_id: int | None) -> None:
    require(perm.can_manage_survey(user, survey))
    option = next((o for q in survey.questions for o in q.options if o.id == option_id), None)
    if option is None:
        raise NotFound()
    if zielgruppe_id and zielgruppe_id not in {z.id for z in survey.zielgruppen}:
        raise ValidationError("Die Zielgruppe muss zur Befragung gehören.")
    option.zielgruppe_id = zielgruppe_id
    db.session.flush()


def delete_question(user, survey: Survey, question: Question) -> None:
    require(perm.can_manage_survey(user, survey))
    _ensure_editable(survey)
    option_ids = {o.id for o in question.options}
    for q in survey.questions:
        if q.condition_option_id in option_ids:
            q.condition_option_id = None
    survey.questions.remove(question)
    survey.status = SurveyStatus.ENTWURF
    record(user, "update", survey, None, None, f"Frage „{question.text[:60]}“ gelöscht")
    db.session.flush()
    zaehler.nachzaehlen(db.session.connection(), survey.id)  # its answers went with it (ON DELETE CASCADE)


def move_question(user, survey: Survey, question: Question, direction: int) -> None:
    require(perm.can_manage_survey(user, survey))
    _ensure_editable(survey)
    qs = list(survey.questions)
    i = qs.index(question)
    j = i + direction
    if 0 <= j < len(qs):
        qs[i].position, qs[j].position = qs[j].position, qs[i].position
        if qs[i].position == qs[j].position:
            for n, q in enumerate(qs):
                q.position = n
            qs[i].position, qs[j].position = j, i
    db.session.flush()


def translation_targets(survey: Survey) -> list[tuple]:
    """(object, field, German text) for every translatable text of a survey."""
    items = [(survey, f, getattr(survey, f)) for f in SURVEY_FIELDS if getattr(survey, f)]
    for s in survey.sections:
        items.append((s, "title", s.title))
    for q in survey.questions:
        items.append((q, "text", q.text))
        if q.help:
            items.append((q, "help", q.help))
        for o in q.options:
            items.append((o, "label", o.label))
    return items


def target_key(obj, fieldname) -> str:
    return f"{type(obj).__name__}-{obj.id}-{fieldname}"


def save_translations(user, survey: Survey, lang: str, values: dict) -> None:
    """values: target_key → translated text (empty = use German)."""
    require(perm.can_manage_survey(user, survey))
    if lang not in SURVEY_LANGUAGES or lang == "de":
        raise ValidationError("Unbekannte Sprache.")
    errors = {}
    for obj, fieldname, _ in translation_targets(survey):
        key = target_key(obj, fieldname)
        limit = 5000 if fieldname in SURVEY_FIELDS else 500
        value = _text(values.get(key), limit, "Übersetzung", errors, key)
        data = dict(obj.i18n or {})
        entry = dict(data.get(lang) or {})
        if value:
            entry[fieldname] = value
        else:
            entry.pop(fieldname, None)
        data[lang] = entry
        obj.i18n = data
    if errors:
        raise ValidationError(errors)  # the caller's unit of work rolls the changed texts back
    if lang not in survey.languages:
        survey.languages = list(survey.languages) + [lang]
    record(user, "update", survey, None, None, f"Übersetzung {SURVEY_LANGUAGES[lang][0]} gespeichert")
    db.session.flush()


def leading_wording_hints(survey: Survey) -> list[tuple[Question, str]]:
    hints = []
    for q in survey.questions:
        for pattern in LEADING_PATTERNS:
            m = re.search(pattern, q.text, re.IGNORECASE)
            if m:
                hints.append((q, m.group(0)))
                break
    return hints


def change_status(user, survey: Survey, new_status: str, version) -> None:
    require(perm.can_manage_survey(user, survey))
    ensure_version(survey, version)
    if new_status not in SURVEY_STATES or (survey.status, new_status) not in TRANSITIONS:
        raise ValidationError(f"Der Wechsel von „{survey.status}“ nach „{new_status}“ ist nicht möglich.")
    if new_status in (SurveyStatus.GEPRUEFT, SurveyStatus.OFFEN):
        missing = [label for label, ok in survey.checklist().items() if not ok]
        if missing:
            raise ValidationError("Die Checkliste ist nicht vollständig: " + "; ".join(missing) + ".")
        if not survey.areas:
            raise ValidationError("Bitte mindestens einen Sozialraum zuordnen.")
    before = survey.status
    survey.status = new_status
    record(user, "update", survey, {"status": before}, {"status": new_status}, f"Status: {before} → {new_status}")
    db.session.flush()


def set_kreis_sharing(user, survey: Survey, shared: bool, version, today: date | None = None) -> bool:
    """Consent of the owning Kommune: release (or withdraw) the survey's results and findings
    for planners, Sozialraummanagement and Politik of its Kreis. Returns True if it changed."""
    require(perm.can_share_survey(user, survey))
    ensure_version(survey, version)
    shared = bool(shared)
    if survey.shared_with_kreis == shared:
        return False
    if shared and survey.body.parent_id is None:
        raise ValidationError(
            "Diese Befragung gehört zu keiner kreisangehörigen Körperschaft; "
            "eine Freigabe für den Kreis ist nicht möglich."
        )
    before = {
        "shared_with_kreis": survey.shared_with_kreis,
        "shared_at": survey.shared_at.isoformat() if survey.shared_at else None,
    }
    if shared:
        from beteiligung.formatting import to_berlin
        from models.base import utcnow

        survey.shared_with_kreis = True
        survey.shared_at = today or to_berlin(utcnow()).date()
    else:
        survey.shared_with_kreis = False
        survey.shared_at = None
    after = {
        "shared_with_kreis": survey.shared_with_kreis,
        "shared_at": survey.shared_at.isoformat() if survey.shared_at else None,
    }
    summary = "Ergebnisse und Befunde für den Kreis freigegeben" if shared else "Freigabe für den Kreis zurückgenommen"
    record(user, "update", survey, before, after, summary)
    db.session.flush()
    return True


# --- answering ------------------------------------------------------------------


def availability(survey: Survey, today: date | None = None) -> tuple[int, str] | None:
    """None if the survey can be answered now, else (HTTP status, German message)."""
    today = today or date.today()
    if survey.status in PREPARATION_STATES:
        return 403, "Diese Befragung ist noch nicht geöffnet."
    if survey.status in ENDED_STATES or (survey.ends_on and today > survey.ends_on):
        return 410, "Diese Befragung ist beendet. Vielen Dank für Ihr Interesse."
    if survey.starts_on and today < survey.starts_on:
        return 403, f"Diese Befragung beginnt am {survey.starts_on:%d.%m.%Y}."
    return None


def option_question_map(survey: Survey) -> dict[int, int]:
    return {o.id: q.id for q in survey.questions for o in q.options}


def is_visible(question: Question, values: dict, opt_q: dict[int, int]) -> bool:
    if not question.condition_option_id:
        return True
    qid = opt_q.get(question.condition_option_id)
    if qid is None:
        return True
    return question.condition_option_id in (values.get(str(qid)) or {}).get("options", [])


def pages_of(survey: Survey) -> list[tuple[SurveySection | None, list[Question]]]:
    """One page per section; questions without a section form the first page."""
    pages = []
    loose = [q for q in survey.questions if q.section_id is None]
    if loose:
        pages.append((None, loose))
    for s in survey.sections:
        qs = [q for q in survey.questions if q.section_id == s.id]
        if qs:
            pages.append((s, qs))
    return pages or [(None, [])]


def _parse_number(raw: str):
    raw = raw.strip().replace(" ", "")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", raw):
        raw = raw.replace(".", "")
    raw = raw.replace(",", ".")
    value = float(raw)
    if value != value or abs(value) >= 1e12:  # NaN, inf, 1e400: no number anyone answers with
        raise ValueError("Zahl außerhalb des Bereichs")
    return value


def parse_answers(survey: Survey, questions: list[Question], form) -> tuple[dict, dict]:
    """Read posted values of `questions`. Returns (values, errors); errors for tampering/format."""
    values, errors = {}, {}
    area_ids = {a.id for a in survey.areas}
    for q in questions:
        name = f"q{q.id}"
        entry = {}
        if q.kind == "freitext":
            raw = form.get(name, "")
            if len(raw) > q.max_length:
                errors[name] = f"Ihre Antwort ist zu lang (höchstens {q.max_length} Zeichen)."
            elif CONTROL.search(raw):
                errors[name] = "Ihre Antwort enthält unzulässige Zeichen."
            elif raw.strip():
                entry["text"] = raw.strip()
        elif q.kind in CHOICE_KINDS:
            raw_list = form.getlist(name) if q.kind == "mehrfach" else ([form.get(name)] if form.get(name) else [])
            valid = {str(o.id): o.id for o in q.options}
            chosen, other = [], False
            for raw in raw_list:
                if raw == "sonstiges" and q.allow_other:
                    other = True
                elif raw in valid:
                    chosen.append(valid[raw])
                else:
                    errors[name] = "Diese Auswahl gibt es nicht. Bitte wählen Sie eine der angebotenen Antworten."
            if len(raw_list) > len(valid) + 1:
                errors[name] = "Ungültige Auswahl."
            if chosen:
                entry["options"] = sorted(set(chosen))
            other_text = form.get(f"{name}_sonstiges", "").strip()
            if other_text:
                if len(other_text) > 500 or CONTROL.search(other_text):
                    errors[name] = "„Sonstiges“: höchstens 500 Zeichen."
                elif q.allow_other:
                    entry["other"] = other_text
            elif other and q.allow_other:
                errors[name] = "Bitte beschreiben Sie „Sonstiges“ kurz oder nehmen Sie das Häkchen heraus."
        elif q.kind == "zahl":
            raw = form.get(name, "").strip()
            if raw:
                try:
                    number = _parse_number(raw)
                    if number != number or abs(number) > 1e12:
                        raise ValueError
                except ValueError:
                    errors[name] = "Bitte eine Zahl eingeben (z. B. 3 oder 2,5)."
                else:
                    if (
                        q.min_value is not None
                        and number < q.min_value
                        or q.max_value is not None
                        and number > q.max_value
                    ):
                        errors[name] = "Die Zahl liegt außerhalb des erlaubten Bereichs."
                    else:
                        entry["number"] = number
        elif q.kind == "sozialraum":
            raw = form.get(name, "")
            if raw:
                if raw.isdigit() and int(raw) in area_ids:
                    entry["area"] = int(raw)
                else:
                    errors[name] = "Diesen Sozialraum gibt es in dieser Befragung nicht."
        if entry:
            values[str(q.id)] = entry
    return values, errors


def required_errors(survey: Survey, questions: list[Question], values: dict, lang: str = "de") -> dict:
    opt_q = option_question_map(survey)
    msg = {
        "de": "Bitte beantworten Sie diese Frage.",
        "ls": "Bitte antworten Sie auf diese Frage.",
        "en": "Please answer this question.",
        "tr": "Lütfen bu soruyu yanıtlayın.",
        "ar": "يرجى الإجابة على هذا السؤال.",
        "uk": "Будь ласка, дайте відповідь на це запитання.",
    }
    return {
        f"q{q.id}": msg.get(lang, msg["de"])
        for q in questions
        if q.required and is_visible(q, values, opt_q) and not values.get(str(q.id))
    }


def find_area_by_street(survey: Survey, street: str) -> Area | None:
    key = street_key(street)
    if not key:
        return None
    row = db.session.scalar(
        select(StreetArea).where(StreetArea.body_id == survey.body_id, StreetArea.street_key == key)
    )
    if row and row.area_id in {a.id for a in survey.areas}:
        return row.area
    return None


def street_key(street: str) -> str:
    s = unicodedata.normalize("NFKC", (street or "").strip().lower())
    s = s.replace("ß", "ss")
    s = re.sub(r"\s*\d+\s*[a-z]?$", "", s)  # house number
    s = re.sub(r"(str\.|strasse)$", "strasse", s)
    s = re.sub(r"\s+", " ", s)
    return s.strip()


def import_streets(user, body_id: int, text: str) -> int:
    """CSV `Straße;Sozialraum-Kürzel` (header optional). Replaces nothing, updates existing."""
    require(perm.can_create_survey(user, body_id))
    areas = {a.code.lower(): a for a in db.session.scalars(select(Area).where(Area.body_id == body_id))}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";" if ";" in text else ",")
    errors, rows = [], []
    for n, row in enumerate(reader, start=1):
        if not row or not any(c.strip() for c in row):
            continue
        if n == 1 and row[0].strip().lower() in ("straße", "strasse", "street"):
            continue
        if len(row) < 2:
            errors.append(f"Zeile {n}: zwei Spalten erwartet (Straße;Sozialraum).")
            continue
        street, code = row[0].strip(), row[1].strip().lower()
        if code not in areas:
            errors.append(f"Zeile {n}: Sozialraum „{row[1].strip()}“ unbekannt.")
            continue
        if not street or len(street) > 200 or CONTROL.search(street):
            errors.append(f"Zeile {n}: Straßenname ungültig.")
            continue
        rows.append((street, street_key(street), areas[code].id))
    if errors:
        raise ValidationError(" ".join(errors[:10]))
    existing = {s.street_key: s for s in db.session.scalars(select(StreetArea).where(StreetArea.body_id == body_id))}
    for street, key, area_id in rows:
        if key in existing:
            existing[key].area_id = area_id
        else:
            existing[key] = StreetArea(body_id=body_id, street=street, street_key=key, area_id=area_id)
            db.session.add(existing[key])
    db.session.flush()
    return len(rows)


# --- drafts ---------------------------------------------------------------------


def load_draft(survey: Survey, draft_key: str | None) -> dict | None:
    if not draft_key:
        return None
    draft = db.session.get(SurveyDraft, sha(draft_key))
    if draft is None or draft.survey_id != survey.id:
        return None
    return dict(draft.data or {})


def save_draft(survey: Survey, draft_key: str, data: dict) -> None:
    draft = db.session.get(SurveyDraft, sha(draft_key))
    if draft is None:
        draft = SurveyDraft(key_hash=sha(draft_key), survey_id=survey.id, data={})
        db.session.add(draft)
    draft.data = data
    draft.saved_on = date.today()
    db.session.flush()


def purge_old_drafts(days: int | None = None) -> int:
    """Delete drafts not saved for `days` days (default: RETENTION_SURVEY_DRAFT_DAYS, see services.retention)."""
    from ..retention import purge

    n = purge("zwischenstaende", days)
    db.session.flush()
    return n


# --- tokens ---------------------------------------------------------------------


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="befragung-einladung")


def issue_tokens(user, survey: Survey, count: int) -> list[str]:
    """Signed single-use tokens. Nothing is stored: the list is shown/downloaded once."""
    require(perm.can_manage_survey(user, survey))
    if not (1 <= count <= 5000):
        raise ValidationError({"count": "Zwischen 1 und 5.000 Einladungen."})
    record(user, "update", survey, None, None, f"{count} Einladungscodes erzeugt")
    db.session.flush()
    s = _serializer()
    return [s.dumps([survey.id, secrets.token_urlsafe(12)]) for _ in range(count)]


def token_nonce(survey: Survey, token: str) -> str | None:
    try:
        survey_id, nonce = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return nonce if survey_id == survey.id else None


def token_used(nonce: str) -> bool:
    return db.session.get(SurveyUsedToken, sha(nonce)) is not None


# --- submit ---------------------------------------------------------------------


def validate_submission_key(key: str | None) -> str:
    if not key or not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", key):
        raise ValidationError("Das Formular ist unvollständig. Bitte laden Sie die Seite neu.")
    return key


def submit_response(
    survey: Survey,
    values: dict,
    submission_key: str,
    language: str = "de",
    token_nonce_value: str | None = None,
    paper: bool = False,
    draft_key: str | None = None,
    user=None,
    today: date | None = None,
) -> tuple[bool, SurveyResponse | None]:
    """Store one response in one short transaction. Returns (created, response).

    Idempotent: a second call with the same submission_key stores nothing and returns (False, ...).
    """
    submission_key = validate_submission_key(submission_key)
    if db.session.scalar(select(SurveyResponse.id).where(SurveyResponse.submission_key == submission_key)):
        return False, None
    opt_q = option_question_map(survey)
    questions = {str(q.id): q for q in survey.questions}
    errors = required_errors(survey, survey.questions, values, language)
    if errors:
        raise ValidationError(errors)
    zg_by_option = {o.id: o.zielgruppe_id for q in survey.questions for o in q.options if o.zielgruppe_id}
    response = SurveyResponse(
        survey_id=survey.id,
        submission_key=submission_key,
        paper=paper,
        week=iso_week(today or date.today()),
        language=language if language in SURVEY_LANGUAGES else "de",
    )
    for qid, entry in values.items():
        q = questions.get(qid)
        if q is None or not is_visible(q, values, opt_q):
            continue  # server-side conditions: answers to hidden questions are dropped
        for oid in entry.get("options", []):
            response.answers.append(SurveyAnswer(question_id=q.id, option_id=oid))
            if response.zielgruppe_id is None and oid in zg_by_option:
                response.zielgruppe_id = zg_by_option[oid]
        if entry.get("other"):
            response.answers.append(SurveyAnswer(question_id=q.id, text_value=entry["other"]))
        if entry.get("text"):
            response.answers.append(SurveyAnswer(question_id=q.id, text_value=entry["text"]))
        if entry.get("number") is not None:
            response.answers.append(SurveyAnswer(question_id=q.id, number_value=entry["number"]))
        if entry.get("area"):
            response.answers.append(SurveyAnswer(question_id=q.id, area_value_id=entry["area"]))
            if response.area_id is None:
                response.area_id = entry["area"]
    if response.area_id is None and len(survey.areas) == 1:
        response.area_id = survey.areas[0].id
    try:
        # A savepoint: a second submission of the same form (or a used invitation code) undoes
        # only this response, and the session stays usable for the checks below.
        with db.session.begin_nested():
            db.session.add(response)
            if token_nonce_value:
                db.session.add(SurveyUsedToken(token_hash=sha(token_nonce_value), survey_id=survey.id))
            if draft_key:
                db.session.execute(delete(SurveyDraft).where(SurveyDraft.key_hash == sha(draft_key)))
            if paper and user is not None:
                # who typed in paper questionnaires is audited per survey, never per response
                record(user, "update", survey, None, None, "Papierfragebogen erfasst")
    except IntegrityError:
        if db.session.scalar(select(SurveyResponse.id).where(SurveyResponse.submission_key == submission_key)):
            return False, None
        if token_nonce_value and token_used(token_nonce_value):
            raise Conflict("Dieser Einladungscode wurde bereits verwendet.") from None
        raise
    return True, response


def response_count(survey: Survey) -> int:
    return db.session.scalar(select(func.count(SurveyResponse.id)).where(SurveyResponse.survey_id == survey.id)) or 0
