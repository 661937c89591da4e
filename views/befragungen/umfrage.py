"""Public survey pages: answering without an account (plain forms, one page per section),
invitation links, public results and "Was aus Ihren Hinweisen wurde"."""

from __future__ import annotations

import logging
import re
import secrets

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.services import Conflict, ValidationError
from beteiligung.services.befragungen import befragung as svc
from beteiligung.services.befragungen import ergebnisse as results_svc
from beteiligung.services.befragungen import kodierung as coding_svc
from beteiligung.uow import discard
from models.surveys import SURVEY_LANGUAGES, Survey

bp = Blueprint("umfrage", __name__, url_prefix="/b")

DRAFT_COOKIE = "befragung_entwurf_{}"
TOKEN_COOKIE = "befragung_einladung_{}"

UI = {
    "de": {
        "choose": "Sprache wählen",
        "next": "Weiter",
        "back": "Zurück",
        "submit": "Antworten absenden",
        "save": "Zwischenspeichern und später weitermachen",
        "required": "Pflichtfrage",
        "other": "Sonstiges",
        "other_text": "Sonstiges, und zwar:",
        "page": "Seite {0} von {1}",
        "thanks": "Vielen Dank für Ihre Teilnahme!",
        "thanks_text": "Ihre Antworten wurden anonym gespeichert.",
        "saved": "Zwischenstand gespeichert. Sie können auf diesem Gerät später weitermachen.",
        "errors": "Bitte prüfen Sie Ihre Angaben",
        "street": "Oder Straße eingeben",
        "find": "Sozialraum suchen",
        "choose_area": "Bitte wählen",
        "privacy": "Datenschutz",
        "results": "Ergebnisse und was daraus wurde",
        "not_found": "Straße nicht gefunden. Bitte wählen Sie den Sozialraum aus der Liste.",
        "yes": "Ja",
        "no": "Nein",
        "start": "Befragung starten",
        "anon": "Die Befragung ist anonym. Wir speichern keine IP-Adresse und keine Uhrzeit.",
        "cond": "Bitte nur beantworten, wenn Sie bei „{0}“ „{1}“ gewählt haben.",
    },
    "ls": {
        "choose": "Sprache wählen",
        "next": "Weiter",
        "back": "Zurück",
        "submit": "Antworten abschicken",
        "save": "Speichern. Später weiter-machen.",
        "required": "Bitte antworten",
        "other": "Etwas anderes",
        "other_text": "Etwas anderes. Bitte schreiben Sie:",
        "page": "Seite {0} von {1}",
        "thanks": "Danke!",
        "thanks_text": "Wir haben Ihre Antworten bekommen. Niemand weiß, von wem die Antworten sind.",
        "saved": "Gespeichert. Sie können später weiter-machen. Nehmen Sie dafür dasselbe Gerät.",
        "errors": "Bitte prüfen Sie Ihre Antworten",
        "street": "Oder: Schreiben Sie Ihre Straße",
        "find": "Suchen",
        "choose_area": "Bitte aussuchen",
        "privacy": "Datenschutz",
        "results": "Ergebnisse",
        "not_found": "Wir kennen die Straße nicht. Bitte suchen Sie Ihr Viertel in der Liste aus.",
        "yes": "Ja",
        "no": "Nein",
        "start": "Los geht's",
        "anon": "Niemand erfährt, wer Sie sind.",
        "cond": "Nur antworten, wenn Sie bei „{0}“ „{1}“ gewählt haben.",
    },
    "en": {
        "choose": "Choose language",
        "next": "Next",
        "back": "Back",
        "submit": "Submit answers",
        "save": "Save and continue later",
        "required": "required",
        "other": "Other",
        "other_text": "Other, namely:",
        "page": "Page {0} of {1}",
        "thanks": "Thank you for taking part!",
        "thanks_text": "Your answers were stored anonymously.",
        "saved": "Saved. You can continue later on this device.",
        "errors": "Please check your answers",
        "street": "Or enter your street",
        "find": "Find area",
        "choose_area": "Please choose",
        "privacy": "Privacy",
        "results": "Results and what happened",
        "not_found": "Street not found. Please choose your area from the list.",
        "yes": "Yes",
        "no": "No",
        "start": "Start survey",
        "anon": "This survey is anonymous. We store no IP address and no time of day.",
        "cond": "Please answer only if you chose “{1}” for “{0}”.",
    },
    "tr": {
        "choose": "Dil seçin",
        "next": "İleri",
        "back": "Geri",
        "submit": "Yanıtları gönder",
        "save": "Kaydet ve daha sonra devam et",
        "required": "zorunlu",
        "other": "Diğer",
        "other_text": "Diğer, yani:",
        "page": "Sayfa {0} / {1}",
        "thanks": "Katılımınız için teşekkür ederiz!",
        "thanks_text": "Yanıtlarınız anonim olarak kaydedildi.",
        "saved": "Kaydedildi. Bu cihazda daha sonra devam edebilirsiniz.",
        "errors": "Lütfen yanıtlarınızı kontrol edin",
        "street": "Veya sokağınızı yazın",
        "find": "Bölgeyi bul",
        "choose_area": "Lütfen seçin",
        "privacy": "Veri koruma",
        "results": "Sonuçlar",
        "not_found": "Sokak bulunamadı. Lütfen listeden seçin.",
        "yes": "Evet",
        "no": "Hayır",
        "start": "Ankete başla",
        "anon": "Anket anonimdir. IP adresi ve saat kaydedilmez.",
        "cond": "Yalnızca “{0}” sorusunda “{1}” seçtiyseniz yanıtlayın.",
    },
    "ar": {
        "choose": "اختر اللغة",
        "next": "التالي",
        "back": "رجوع",
        "submit": "إرسال الإجابات",
        "save": "حفظ والمتابعة لاحقًا",
        "required": "إلزامي",
        "other": "أخرى",
        "other_text": "أخرى، وهي:",
        "page": "الصفحة {0} من {1}",
        "thanks": "شكرًا لمشاركتك!",
        "thanks_text": "تم حفظ إجاباتك دون الكشف عن هويتك.",
        "saved": "تم الحفظ. يمكنك المتابعة لاحقًا على هذا الجهاز.",
        "errors": "يرجى التحقق من إجاباتك",
        "street": "أو أدخل اسم الشارع",
        "find": "ابحث عن الحي",
        "choose_area": "يرجى الاختيار",
        "privacy": "حماية البيانات",
        "results": "النتائج",
        "not_found": "لم يتم العثور على الشارع. يرجى الاختيار من القائمة.",
        "yes": "نعم",
        "no": "لا",
        "start": "ابدأ الاستبيان",
        "anon": "الاستبيان مجهول الهوية. لا نحفظ عنوان IP ولا الوقت.",
        "cond": "يرجى الإجابة فقط إذا اخترت «{1}» في «{0}».",
    },
    "uk": {
        "choose": "Оберіть мову",
        "next": "Далі",
        "back": "Назад",
        "submit": "Надіслати відповіді",
        "save": "Зберегти й продовжити пізніше",
        "required": "обов'язково",
        "other": "Інше",
        "other_text": "Інше, а саме:",
        "page": "Сторінка {0} з {1}",
        "thanks": "Дякуємо за участь!",
        "thanks_text": "Ваші відповіді збережено анонімно.",
        "saved": "Збережено. Ви можете продовжити пізніше на цьому пристрої.",
        "errors": "Будь ласка, перевірте відповіді",
        "street": "Або введіть вулицю",
        "find": "Знайти район",
        "choose_area": "Будь ласка, оберіть",
        "privacy": "Захист даних",
        "results": "Результати",
        "not_found": "Вулицю не знайдено. Оберіть район зі списку.",
        "yes": "Так",
        "no": "Ні",
        "start": "Почати опитування",
        "anon": "Опитування анонімне. Ми не зберігаємо IP-адресу й час.",
        "cond": "Відповідайте, лише якщо ви обрали «{1}» у питанні «{0}».",
    },
}


# Page frame (skip link, header claim, footer) of the public survey pages, in the survey's language.
CHROME = {
    "de": {
        "skip": "Zum Inhalt springen",
        "claim": "Sozialplanung gemeinsam steuern",
        "imprint": "Impressum",
        "accessibility": "Barrierefreiheit",
        "license": "Open Source unter EUPL-1.2",
    },
    "ls": {
        "skip": "Zum Inhalt springen",
        "claim": "Gemeinsam für unser Viertel",
        "imprint": "Impressum",
        "accessibility": "Barriere-Freiheit",
        "license": "Open Source unter EUPL-1.2",
    },
    "en": {
        "skip": "Skip to content",
        "claim": "Shaping social planning together",
        "imprint": "Legal notice",
        "accessibility": "Accessibility",
        "license": "Open source under EUPL-1.2",
    },
    "tr": {
        "skip": "İçeriğe geç",
        "claim": "Sosyal planlamayı birlikte yönlendirin",
        "imprint": "Künye",
        "accessibility": "Erişilebilirlik",
        "license": "EUPL-1.2 lisanslı açık kaynak",
    },
    "ar": {
        "skip": "انتقل إلى المحتوى",
        "claim": "نخطط معًا للشؤون الاجتماعية",
        "imprint": "بيانات الناشر",
        "accessibility": "إمكانية الوصول",
        "license": "مفتوح المصدر بترخيص EUPL-1.2",
    },
    "uk": {
        "skip": "Перейти до змісту",
        "claim": "Соціальне планування разом",
        "imprint": "Вихідні дані",
        "accessibility": "Доступність",
        "license": "Відкритий код за ліцензією EUPL-1.2",
    },
}
for _code, _texts in UI.items():
    _texts.update(CHROME.get(_code, CHROME["de"]))


class _RedactTokens(logging.Filter):
    """Access logs must not contain invitation tokens."""

    pattern = re.compile(r"(/b/[^/\s]+/t/)[^\s\"?]+")

    def filter(self, record):
        if isinstance(record.msg, str) and "/t/" in record.msg:
            record.msg = self.pattern.sub(r"\1[entfernt]", record.msg)
        if isinstance(record.args, dict):
            # gunicorn's access log passes its atoms as one mapping ("%(r)s" formats); keep it a mapping.
            record.args = {k: self._redact(v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(self._redact(a) for a in record.args)
        return True

    def _redact(self, value):
        return self.pattern.sub(r"\1[entfernt]", value) if isinstance(value, str) else value


logging.getLogger("werkzeug").addFilter(_RedactTokens())
logging.getLogger("gunicorn.access").addFilter(_RedactTokens())


def _lang_meta(lang):
    label, html_lang, direction = SURVEY_LANGUAGES.get(lang, SURVEY_LANGUAGES["de"])
    return html_lang, direction


def _survey_by_key(key) -> Survey:
    survey = db.session.scalar(select(Survey).where(Survey.public_key == key))
    if survey is None:
        abort(404)
    return survey


def _closed_page(survey, lang="de"):
    problem = svc.availability(survey)
    if problem is None:
        return None
    status, message = problem
    html_lang, direction = _lang_meta(lang)
    return make_response(
        render_template(
            "befragungen/public_closed.html",
            survey=survey,
            message=message,
            page_lang=html_lang,
            page_dir=direction,
            lang=lang,
            ui=UI.get(lang, UI["de"]),
        ),
        status,
    )


def _token(survey):
    """Nonce of a valid, unused invitation token from the cookie (invitation-only surveys)."""
    raw = request.cookies.get(TOKEN_COOKIE.format(survey.id))
    if not raw:
        return None
    nonce = svc.token_nonce(survey, raw)
    if nonce is None or svc.token_used(nonce):
        return None
    return nonce


def _no_token_page(survey, lang="de"):
    html_lang, direction = _lang_meta(lang)
    return make_response(
        render_template(
            "befragungen/public_closed.html",
            survey=survey,
            lang=lang,
            ui=UI.get(lang, UI["de"]),
            page_lang=html_lang,
            page_dir=direction,
            message="Diese Befragung ist nur mit einem persönlichen Einladungslink möglich. "
            "Der Link ist ungültig oder wurde bereits verwendet.",
        ),
        403,
    )


@bp.route("/<key>")
def start(key):
    survey = _survey_by_key(key)
    closed = _closed_page(survey)
    if closed is not None:
        return closed
    lang = request.args.get("sprache")
    if lang in survey.languages:
        return redirect(url_for(".page", key=key, lang=lang, number=1))
    if len(survey.languages) == 1:
        return redirect(url_for(".page", key=key, lang="de", number=1))
    return render_template(
        "befragungen/public_start.html",
        survey=survey,
        languages=SURVEY_LANGUAGES,
        ui=UI["de"],
        UI=UI,
        page_lang="de",
        page_dir="ltr",
    )


@bp.route("/<key>/t/<token>")
def token(key, token):
    survey = _survey_by_key(key)
    nonce = svc.token_nonce(survey, token)
    if nonce is None or svc.token_used(nonce):
        return _no_token_page(survey)
    response = redirect(url_for(".start", key=key))
    response.set_cookie(
        TOKEN_COOKIE.format(survey.id),
        token,
        max_age=60 * 60 * 24 * 60,
        httponly=True,
        samesite="Lax",
        path=f"/b/{key}",
        secure=request.is_secure,
    )
    return response


def render_answer_form(
    survey,
    lang,
    questions,
    values_form,
    errors,
    status=200,
    staff=False,
    action=None,
    number=1,
    pages=1,
    section=None,
    values=None,
    sk=None,
    notice=None,
):
    ui = UI.get(lang, UI["de"])
    html_lang, direction = _lang_meta(lang)
    opt_q = svc.option_question_map(survey)
    values = values or {}
    on_page = {q.id for q in questions}
    # conditions on an earlier page are applied now; on the same page the question is shown with a hint
    # (works without JavaScript; the server drops answers whose condition is not met)
    visible = [q for q in questions if opt_q.get(q.condition_option_id) in on_page or svc.is_visible(q, values, opt_q)]
    return make_response(
        render_template(
            "befragungen/public_form.html",
            survey=survey,
            lang=lang,
            ui=ui,
            questions=visible,
            errors=errors,
            form=values_form,
            values=values,
            staff=staff,
            action=action,
            number=number,
            pages=pages,
            section=section,
            sk=sk or secrets.token_urlsafe(24),
            page_lang=html_lang,
            page_dir=direction,
            notice=notice,
            cond_label=_condition_labels(survey, lang),
        ),
        status,
    )


def _condition_labels(survey, lang):
    labels = {}
    by_id = {o.id: (q, o) for q in survey.questions for o in q.options}
    for q in survey.questions:
        if q.condition_option_id in by_id:
            cq, co = by_id[q.condition_option_id]
            # in plain words, not as a rule ("„Frage“ → „Ja“" was shown to residents before)
            ui = UI.get(lang, UI["de"])
            labels[q.id] = ui.get("cond", UI["de"]["cond"]).format(cq.tr("text", lang), co.tr("label", lang))
    return labels


@bp.route("/<key>/<lang>/<int:number>", methods=["GET", "POST"])
def page(key, lang, number):
    survey = _survey_by_key(key)
    if lang not in survey.languages:
        abort(404)
    closed = _closed_page(survey, lang)
    if closed is not None:
        return closed
    nonce = None
    if survey.access == "einladung":
        nonce = _token(survey)
        if nonce is None:
            return _no_token_page(survey, lang)
    pages = svc.pages_of(survey)
    if not 1 <= number <= len(pages):
        abort(404)
    section, questions = pages[number - 1]
    cookie_name = DRAFT_COOKIE.format(survey.id)
    draft_key = request.cookies.get(cookie_name)
    draft = svc.load_draft(survey, draft_key) or {}
    values = dict(draft.get("values") or {})
    sk = draft.get("sk") or request.form.get("sk")
    ui = UI.get(lang, UI["de"])
    if request.method == "GET":
        return render_answer_form(
            survey,
            lang,
            questions,
            {},
            {},
            number=number,
            pages=len(pages),
            section=section,
            values=values,
            sk=sk,
            notice=ui["saved"] if request.args.get("gespeichert") else None,
        )
    action = request.form.get("aktion", "weiter")
    page_values, errors = svc.parse_answers(survey, questions, request.form)
    # street → area lookup (works without JavaScript: the page is shown again)
    for q in questions:
        street = request.form.get(f"q{q.id}_strasse", "").strip()
        if q.kind == "sozialraum" and action == f"strasse-{q.id}":
            area = svc.find_area_by_street(survey, street[:200])
            if area is not None:
                page_values[str(q.id)] = {"area": area.id}
            else:
                errors[f"q{q.id}"] = ui["not_found"]
    merged = {**{k: v for k, v in values.items() if k not in {str(q.id) for q in questions}}, **page_values}
    if action.startswith("strasse-"):
        return render_answer_form(
            survey,
            lang,
            questions,
            request.form,
            errors,
            422 if errors else 200,
            number=number,
            pages=len(pages),
            section=section,
            values=merged,
            sk=sk,
        )
    if errors:
        return render_answer_form(
            survey,
            lang,
            questions,
            request.form,
            errors,
            422,
            number=number,
            pages=len(pages),
            section=section,
            values=merged,
            sk=sk,
        )
    if action == "zurueck" and number > 1:
        target = url_for(".page", key=key, lang=lang, number=number - 1)
    elif action in ("weiter", "absenden"):
        req = svc.required_errors(survey, questions, merged, lang)
        if req:
            return render_answer_form(
                survey,
                lang,
                questions,
                request.form,
                req,
                422,
                number=number,
                pages=len(pages),
                section=section,
                values=merged,
                sk=sk,
            )
        if action == "absenden" or number == len(pages):
            try:
                svc.validate_submission_key(sk)
                svc.submit_response(survey, merged, sk, lang, token_nonce_value=nonce, draft_key=draft_key)
            except ValidationError as exc:
                discard()
                return render_answer_form(
                    survey,
                    lang,
                    questions,
                    request.form,
                    exc.errors or {"_": exc.message},
                    422,
                    number=number,
                    pages=len(pages),
                    section=section,
                    values=merged,
                    sk=sk,
                )
            except Conflict:
                discard()
                raise  # German 409 page (error handler for ServiceError)
            response = redirect(url_for(".thanks", key=key, lang=lang))
            response.delete_cookie(cookie_name, path=f"/b/{key}")
            response.delete_cookie(TOKEN_COOKIE.format(survey.id), path=f"/b/{key}")
            return response
        target = url_for(".page", key=key, lang=lang, number=number + 1)
    else:  # zwischenspeichern
        target = url_for(".page", key=key, lang=lang, number=number, gespeichert=1)
    response = redirect(target)
    if not draft_key or svc.load_draft(survey, draft_key) is None:
        draft_key = secrets.token_urlsafe(24)
    svc.save_draft(survey, draft_key, {"values": merged, "sk": sk})
    response.set_cookie(
        cookie_name,
        draft_key,
        max_age=60 * 60 * 24 * 30,
        httponly=True,
        samesite="Lax",
        path=f"/b/{key}",
        secure=request.is_secure,
    )
    return response


@bp.route("/<key>/<lang>/danke")
def thanks(key, lang):
    survey = _survey_by_key(key)
    if lang not in survey.languages:
        abort(404)
    html_lang, direction = _lang_meta(lang)
    return render_template(
        "befragungen/public_thanks.html",
        survey=survey,
        lang=lang,
        ui=UI.get(lang, UI["de"]),
        page_lang=html_lang,
        page_dir=direction,
    )


@bp.route("/<key>/ergebnisse")
def public_results(key):
    survey = _survey_by_key(key)
    if not survey.results_public or survey.in_preparation:
        abort(404)
    rt = results_svc.compute(survey)
    total = rt.n()
    views = (
        [results_svc.question_view(rt, q, texts=False) for q in rt.questions if q.kind != "freitext"]
        if total is not None and total >= rt.threshold
        else []
    )
    findings = coding_svc.findings_of(survey, public_only=True)
    return render_template(
        "befragungen/public_results.html",
        survey=survey,
        rt=rt,
        total=total,
        views=views,
        findings=findings,
        followups=coding_svc.followups(findings),
        ui=UI["de"],
        page_lang="de",
        page_dir="ltr",
    )
