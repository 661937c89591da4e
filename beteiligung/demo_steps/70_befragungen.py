"""Demo: Stadt Lindenau asks residents of Südstadt and Hohe Eiche (Deutsch, Türkçe and العربية – the Arabic
version shows the right-to-left page),
codes the open answers, writes a finding and sends it to the Sozialraumkonferenz Südstadt.
All answers are invented."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import select

from beteiligung.extensions import db
from models import Committee, CommitteeType, TopicProposal, Zielgruppe
from models.surveys import (
    Code,
    CodedMark,
    Coding,
    Finding,
    Question,
    QuestionOption,
    StreetArea,
    Survey,
    SurveyAnswer,
    SurveyResponse,
)

OPEN_ANSWERS = [
    ("Es fehlen Bänke und Schatten am Südplatz.", ["Aufenthalt im Freien"]),
    ("Mehr Sitzgelegenheiten für Ältere auf dem Weg zum Markt.", ["Aufenthalt im Freien"]),
    ("Der Spielplatz an der Eichenallee ist kaputt.", ["Spielen und Bewegung"]),
    ("Ein Treffpunkt für Jugendliche am Abend wäre gut.", ["Treffpunkte"]),
    ("Beratung auf Türkisch im Stadtteilbüro.", ["Beratung und Sprache"]),
    ("Bushaltestelle ohne Dach, im Winter sehr unangenehm.", ["Mobilität"]),
    ("Das Familienzentrum ist toll, aber die Öffnungszeiten sind zu kurz.", ["Treffpunkte"]),
    ("Mehr Bänke im Park, dann kommen auch die Älteren raus.", ["Aufenthalt im Freien"]),
    ("Ein Café für alle Generationen.", ["Treffpunkte"]),
    ("Gehwege sind zu schmal für Rollatoren.", ["Mobilität"]),
    ("Parkta daha fazla bank olmalı.", ["Aufenthalt im Freien"]),
    ("Çocuklar için oyun alanı yenilenmeli.", ["Spielen und Bewegung"]),
]


# Arabic version of each question (text, options): the demo's right-to-left survey page.
ARABIC = {
    "In welchem Viertel wohnen Sie?": ("في أي حي تسكن؟", ()),
    "Wer lebt in Ihrem Haushalt?": (
        "من يعيش في منزلك؟",
        ("عمري 65 عامًا أو أكثر", "عائلة لديها أطفال", "عمري بين 14 و21 عامًا", "غير ذلك"),
    ),
    "Nutzen Sie Angebote im Stadtteilbüro?": ("هل تستخدم خدمات مكتب الحي؟", ("نعم", "لا")),
    "Wie zufrieden sind Sie mit diesen Angeboten?": (
        "ما مدى رضاك عن هذه الخدمات؟",
        ("غير راضٍ على الإطلاق", "غير راضٍ إلى حد ما", "بين بين", "راضٍ إلى حد ما", "راضٍ جدًا"),
    ),
    "Was fehlt Ihnen im Viertel?": (
        "ما الذي ينقصك في الحي؟",
        ("أماكن للقاء", "مقاعد وظل", "ملاعب للأطفال", "استشارة بلغتي"),
    ),
    "Was sollte sich in Ihrem Viertel ändern?": ("ما الذي يجب أن يتغير في حيّك؟", ()),
}


def run(ctx):
    kommune = ctx.kommunen[0]
    sued, eiche = ctx.areas["SR-05"], ctx.areas["SR-06"]
    rng = ctx.rng
    zg = {}
    for name in ("Senior·innen", "Familien mit geringem Einkommen", "Jugendliche"):
        zg[name] = db.session.scalar(select(Zielgruppe).where(Zielgruppe.name == name)) or Zielgruppe(name=name)
    survey = Survey(
        body_id=kommune.id,
        public_key="suedstadt-2026",
        title="Wie lebt es sich in Südstadt und Hohe Eiche?",
        intro="Die Stadt Lindenau möchte wissen, was im Viertel gut läuft und was fehlt. Das Ausfüllen dauert etwa 5 Minuten.",
        purpose="Bedarfe für Treffpunkte, Aufenthaltsqualität und Beratung in den Sozialräumen Südstadt und Hohe Eiche erheben.",
        decided_by="Sozialraumkonferenz Südstadt; Empfehlungen gehen an die Sozialplanungskonferenz.",
        privacy_notice="Die Befragung ist anonym. Verantwortlich: Stadt Lindenau, Sozialamt. Es werden keine IP-Adressen und keine Uhrzeiten gespeichert. Ergebnisse werden nur für Gruppen ab 5 Antworten gezeigt.",
        questions_checked=True,
        status="offen",
        access="offen",
        languages=["de", "tr", "ar"],
        results_public=True,
        starts_on=date.today() - timedelta(days=21),
        ends_on=date.today() + timedelta(days=21),
        areas=[sued, eiche],
        zielgruppen=list(zg.values()),
        i18n={
            "tr": {
                "title": "Südstadt ve Hohe Eiche'de yaşam nasıl?",
                "intro": "Lindenau Belediyesi mahallede neyin iyi gittiğini ve neyin eksik olduğunu öğrenmek istiyor. Yaklaşık 5 dakika sürer.",
                "privacy_notice": "Anket anonimdir. IP adresi ve saat kaydedilmez.",
            },
            "ar": {
                "title": "كيف هي الحياة في زودشتات وهوهه آيشه؟",
                "intro": "تريد مدينة ليندناو أن تعرف ما الذي يسير بشكل جيد في الحي وما الذي ينقصه. "
                "يستغرق ملء الاستبيان حوالي 5 دقائق.",
                "privacy_notice": "الاستبيان مجهول الهوية. لا يتم حفظ عناوين IP ولا الأوقات. "
                "تُعرض النتائج فقط للمجموعات التي تضم 5 إجابات على الأقل.",
            },
        },
    )
    db.session.add(survey)

    def q(kind, text, tr, options=(), tr_options=(), required=False, allow_other=False, position=0):
        ar, ar_options = ARABIC[text]
        question = Question(
            survey=survey,
            kind=kind,
            text=text,
            required=required,
            allow_other=allow_other,
            position=position,
            i18n={"tr": {"text": tr}, "ar": {"text": ar}},
        )
        for i, label in enumerate(options):
            i18n = {"tr": {"label": tr_options[i]}} if tr_options else {}
            if ar_options:
                i18n["ar"] = {"label": ar_options[i]}
            question.options.append(QuestionOption(label=label, position=i, i18n=i18n or None))
        db.session.add(question)
        return question

    q_area = q(
        "sozialraum", "In welchem Viertel wohnen Sie?", "Hangi mahallede oturuyorsunuz?", required=True, position=1
    )
    q_home = q(
        "einfach",
        "Wer lebt in Ihrem Haushalt?",
        "Hanenizde kimler yaşıyor?",
        ["Ich bin 65 Jahre oder älter", "Familie mit Kindern", "Ich bin zwischen 14 und 21", "Andere"],
        ["65 yaş veya üstüyüm", "Çocuklu aile", "14 ile 21 yaş arasındayım", "Diğer"],
        position=2,
    )
    q_use = q(
        "janein",
        "Nutzen Sie Angebote im Stadtteilbüro?",
        "Semt bürosundaki hizmetleri kullanıyor musunuz?",
        ["Ja", "Nein"],
        ["Evet", "Hayır"],
        position=3,
    )
    q_sat = q(
        "skala",
        "Wie zufrieden sind Sie mit diesen Angeboten?",
        "Bu hizmetlerden ne kadar memnunsunuz?",
        ["sehr unzufrieden", "eher unzufrieden", "teils, teils", "eher zufrieden", "sehr zufrieden"],
        ["hiç memnun değilim", "pek memnun değilim", "kısmen", "oldukça memnunum", "çok memnunum"],
        position=4,
    )
    q_miss = q(
        "mehrfach",
        "Was fehlt Ihnen im Viertel?",
        "Mahallede neyin eksikliğini hissediyorsunuz?",
        ["Treffpunkte", "Bänke und Schatten", "Spielplätze", "Beratung in meiner Sprache"],
        ["Buluşma yerleri", "Bank ve gölge", "Oyun alanları", "Kendi dilimde danışmanlık"],
        allow_other=True,
        position=5,
    )
    q_text = q("freitext", "Was sollte sich in Ihrem Viertel ändern?", "Mahallenizde ne değişmeli?", position=6)
    db.session.flush()
    q_sat.condition_option_id = q_use.options[0].id
    for opt, name in zip(q_home.options, ["Senior·innen", "Familien mit geringem Einkommen", "Jugendliche"]):
        opt.zielgruppe = zg[name]
    db.session.flush()
    for street, area in (("Südplatz", sued), ("Eichenallee", eiche), ("Marktstraße", sued), ("Am Hang", eiche)):
        from beteiligung.services.befragungen.befragung import street_key

        db.session.add(StreetArea(body_id=kommune.id, street=street, street_key=street_key(street), area_id=area.id))

    week = f"{date.today().isocalendar()[0]}-W{date.today().isocalendar()[1]:02d}"
    text_answers = []
    for n in range(62):
        area = sued if n % 5 < 3 else eiche
        home = q_home.options[[0, 0, 1, 1, 1, 2, 3][n % 7]]
        r = SurveyResponse(
            survey_id=survey.id,
            submission_key=secrets.token_urlsafe(18),
            week=week,
            language="tr" if n % 4 == 0 else "de",
            area_id=area.id,
            zielgruppe_id=home.zielgruppe_id,
            paper=n % 10 == 0,
        )
        r.answers.append(SurveyAnswer(question_id=q_area.id, area_value_id=area.id))
        r.answers.append(SurveyAnswer(question_id=q_home.id, option_id=home.id))
        uses = rng.random() < 0.6
        r.answers.append(SurveyAnswer(question_id=q_use.id, option_id=q_use.options[0 if uses else 1].id))
        if uses:
            r.answers.append(
                SurveyAnswer(question_id=q_sat.id, option_id=q_sat.options[rng.choice([1, 2, 3, 3, 4])].id)
            )
        for opt in q_miss.options:
            if rng.random() < (0.55 if opt.label in ("Treffpunkte", "Bänke und Schatten") else 0.25):
                r.answers.append(SurveyAnswer(question_id=q_miss.id, option_id=opt.id))
        if n < len(OPEN_ANSWERS) * 3 and n % 3 != 2:
            text, codes = OPEN_ANSWERS[(n // 3 * 2 + n % 3) % len(OPEN_ANSWERS)]
            ans = SurveyAnswer(question_id=q_text.id, text_value=text)
            r.answers.append(ans)
            text_answers.append((ans, codes))
        db.session.add(r)
    db.session.flush()

    parent = Code(
        body_id=kommune.id,
        survey_id=survey.id,
        name="Öffentlicher Raum",
        definition="Aussagen zu Plätzen, Wegen, Grünflächen.",
    )
    db.session.add(parent)
    db.session.flush()
    codes = {}
    for name, definition, par in [
        ("Aufenthalt im Freien", "Bänke, Schatten, Sitzgelegenheiten, Aufenthaltsqualität.", parent),
        ("Spielen und Bewegung", "Spielplätze, Bolzplätze, Bewegungsangebote.", parent),
        ("Mobilität", "Wege, Haltestellen, Barrierefreiheit unterwegs.", parent),
        ("Treffpunkte", "Orte und Zeiten zum Zusammenkommen, Cafés, Jugendtreff.", None),
        ("Beratung und Sprache", "Beratung, Mehrsprachigkeit, Zugang zu Hilfen.", None),
    ]:
        codes[name] = Code(
            body_id=kommune.id, survey_id=survey.id, name=name, definition=definition, parent_id=par.id if par else None
        )
        db.session.add(codes[name])
    db.session.flush()
    coder = ctx.users.get("planung_kommune")
    second = ctx.users.get("srm")
    for i, (ans, names) in enumerate(text_answers):
        for name in names:
            db.session.add(
                Coding(answer_id=ans.id, code_id=codes[name].id, slot=1, coder_id=coder.id if coder else None)
            )
        db.session.add(CodedMark(answer_id=ans.id, slot=1))
        if i % 2 == 0:  # second coder for half the answers
            other = names if i % 6 else ["Treffpunkte"]
            for name in other:
                db.session.add(
                    Coding(answer_id=ans.id, code_id=codes[name].id, slot=2, coder_id=second.id if second else None)
                )
            db.session.add(CodedMark(answer_id=ans.id, slot=2))

    finding = Finding(
        survey_id=survey.id,
        title="Mehr Sitzplätze und Schatten im öffentlichen Raum der Südstadt",
        text="Gut die Hälfte der Teilnehmenden vermisst **Bänke und Schatten**; in den offenen Antworten "
        "ist *Aufenthalt im Freien* der häufigste Code, vor allem bei Älteren in der Südstadt.",
        created_by_id=coder.id if coder else None,
        areas=[sued],
        codes=[codes["Aufenthalt im Freien"]],
        quotes=[a for a, n in text_answers if "Aufenthalt im Freien" in n][:2],
    )
    thema = ctx.terms.get("Quartiersentwicklung")
    if thema is not None:
        finding.themen = [thema]
    db.session.add(finding)
    db.session.flush()

    committee = getattr(ctx, "committees", {}).get("srk_suedstadt")
    if committee is None:
        ctype = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Sozialraumkonferenz"))
        if ctype is None:
            ctype = CommitteeType(name="Sozialraumkonferenz", public_default=True)
            db.session.add(ctype)
        committee = Committee(
            body_id=kommune.id,
            type=ctype,
            name="Sozialraumkonferenz Südstadt",
            is_public=True,
            areas=[sued],
            purpose="Öffentliche Konferenz für den Sozialraum Südstadt.",
        )
        db.session.add(committee)
        db.session.flush()
        if not hasattr(ctx, "committees"):
            ctx.committees = {}
        ctx.committees["srk_suedstadt"] = committee
    db.session.add(
        TopicProposal(
            committee_id=committee.id,
            title=finding.title,
            description=finding.text,
            source_type="befund",
            source_id=finding.id,
            source_label=f"Befund aus Befragung „{survey.title}“",
            proposed_by_id=coder.id if coder else None,
            status="offen",
        )
    )
    # Stadt Lindenau releases the results to the Kreis (consent, audited): the Kreis planner
    # planung@kreis-lindenau.example reads results and findings, but cannot edit or export answers.
    from beteiligung.services.audit import record

    survey.shared_with_kreis, survey.shared_at = True, date.today()
    record(
        coder,
        "update",
        survey,
        {"shared_with_kreis": False, "shared_at": None},
        {"shared_with_kreis": True, "shared_at": survey.shared_at.isoformat()},
        "Ergebnisse und Befunde für den Kreis freigegeben",
    )
    ctx.surveys = {"suedstadt": survey}
    ctx.findings = {"sitzplaetze": finding}
