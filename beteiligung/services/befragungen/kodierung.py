"""Qualitative coding: codebook, codings (two coder slots), agreement, findings, feedback.

Follow-up providers: other modules register a function that, for a finding, returns
lines for "Was aus Ihren Hinweisen wurde" (decisions, tasks, goals) without editing
this module:

    from beteiligung.services.befragungen.kodierung import register_followup_provider
    register_followup_provider("kontrakte", lambda finding: [FollowUp(...), ...])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services import NotFound, ValidationError, ensure_version, require
from beteiligung.services.audit import record, snapshot
from beteiligung.services.befragungen.befragung import _text
from beteiligung.services.gremien.themen import propose_topic
from models import Committee, Term, TopicProposal
from models.surveys import Code, CodedMark, Coding, Finding, Survey, SurveyAnswer, SurveyResponse

# --- agreement (pure functions) --------------------------------------------------


def percent_agreement(a: list, b: list) -> float:
    if len(a) != len(b) or not a:
        raise ValueError("Zwei gleich lange, nicht leere Listen erwartet.")
    return sum(1 for x, y in zip(a, b) if x == y) / len(a)


def cohens_kappa(a: list, b: list) -> float:
    """Cohen's kappa for two raters' nominal judgements of the same items."""
    po = percent_agreement(a, b)
    n = len(a)
    ca, cb = Counter(a), Counter(b)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if pe == 1:
        return 1.0
    return (po - pe) / (1 - pe)


def agreement_for_survey(survey: Survey) -> list[dict]:
    """Per code: percent agreement and kappa (code applied yes/no) over answers coded by both slots."""
    marks = db.session.execute(
        select(CodedMark.answer_id, CodedMark.slot)
        .join(SurveyAnswer, SurveyAnswer.id == CodedMark.answer_id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id)
    ).all()
    slots: dict[int, set] = {}
    for aid, slot in marks:
        slots.setdefault(aid, set()).add(slot)
    both = sorted(aid for aid, s in slots.items() if s >= {1, 2})
    if not both:
        return []
    codings = db.session.execute(
        select(Coding.answer_id, Coding.code_id, Coding.slot).where(Coding.answer_id.in_(both))
    ).all()
    applied = {(aid, cid, slot) for aid, cid, slot in codings}
    out = []
    for code in codebook(survey):
        a = [(aid, code.id, 1) in applied for aid in both]
        b = [(aid, code.id, 2) in applied for aid in both]
        out.append({"code": code, "n": len(both), "percent": percent_agreement(a, b), "kappa": cohens_kappa(a, b)})
    return out


# --- codebook --------------------------------------------------------------------


def codebook(survey: Survey) -> list[Code]:
    """Codes of this survey plus shared codes of its Körperschaft, parents before children."""
    codes = db.session.scalars(
        select(Code)
        .options(selectinload(Code.parent))
        .where(Code.body_id == survey.body_id, (Code.survey_id == survey.id) | Code.survey_id.is_(None))
        .order_by(Code.position, Code.name)
    ).all()
    children: dict = {}
    for c in codes:
        children.setdefault(c.parent_id, []).append(c)
    ordered = []

    def walk(pid, depth):
        for c in children.get(pid, []):
            c.depth = depth
            ordered.append(c)
            walk(c.id, depth + 1)

    walk(None, 0)
    return ordered


def save_code(user, survey: Survey, data: dict, code: Code | None = None) -> Code:
    require(perm.can_manage_survey(user, survey))
    errors = {}
    name = _text(data.get("name"), 120, "Name", errors, "name", required=True)
    definition = _text(data.get("definition"), 2000, "Definition", errors, "definition")
    example = _text(data.get("example"), 2000, "Ankerbeispiel", errors, "example")
    parent_id = data.get("parent_id")
    valid_parents = {c.id for c in codebook(survey)} - ({code.id} if code else set())
    if parent_id and parent_id not in valid_parents:
        errors["parent_id"] = "Ungültige Oberkategorie."
    if errors:
        raise ValidationError(errors)
    if code is None:
        code = Code(body_id=survey.body_id)
        db.session.add(code)
    code.name, code.definition, code.example, code.parent_id = name, definition, example, parent_id
    code.survey_id = None if data.get("shared") else survey.id
    record(user, "update", survey, None, None, f"Code „{name}“ gespeichert")
    db.session.flush()
    return code


def free_text_answers(survey: Survey) -> list[SurveyAnswer]:
    """All free-text answers (Freitext and "Sonstiges"), in a stable order not tied to submission."""
    rows = db.session.scalars(
        select(SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id, SurveyAnswer.text_value.is_not(None))
        .options(selectinload(SurveyAnswer.question))
        .order_by(SurveyAnswer.question_id, SurveyAnswer.id)
    ).all()
    return list(rows)


def quotable_answers(survey: Survey) -> list[SurveyAnswer]:
    """The free-text answers the finding form offers as quotes: none of a suppressed small group."""
    from beteiligung.services.befragungen import ergebnisse

    allowed = ergebnisse.quotable_answer_ids(ergebnisse.compute(survey))
    return [a for a in free_text_answers(survey) if a.id in allowed]


def codings_of(answer_ids: list[int], slot: int) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {aid: set() for aid in answer_ids}
    if answer_ids:
        for aid, cid in db.session.execute(
            select(Coding.answer_id, Coding.code_id).where(Coding.answer_id.in_(answer_ids), Coding.slot == slot)
        ):
            out[aid].add(cid)
    return out


def coded_answer_ids(survey: Survey, slot: int) -> set[int]:
    return set(
        db.session.scalars(
            select(CodedMark.answer_id)
            .join(SurveyAnswer, SurveyAnswer.id == CodedMark.answer_id)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(SurveyResponse.survey_id == survey.id, CodedMark.slot == slot)
        )
    )


def code_answer(user, survey: Survey, answer_id: int, code_ids: list[int], slot: int) -> None:
    """Replace the codes of one answer for one coder slot (one transaction)."""
    require(perm.can_code_survey(user, survey))
    if slot not in (1, 2):
        raise ValidationError("Ungültige Codierrunde.")
    answer = db.session.scalar(
        select(SurveyAnswer)
        .join(SurveyResponse)
        .where(SurveyAnswer.id == answer_id, SurveyResponse.survey_id == survey.id)
    )
    if answer is None or answer.text_value is None:
        raise NotFound()
    valid = {c.id for c in codebook(survey)}
    if any(cid not in valid for cid in code_ids):
        raise ValidationError("Unbekannter Code.")
    db.session.execute(delete(Coding).where(Coding.answer_id == answer.id, Coding.slot == slot))
    for cid in sorted(set(code_ids)):
        db.session.add(Coding(answer_id=answer.id, code_id=cid, slot=slot, coder_id=user.id))
    if db.session.get(CodedMark, (answer.id, slot)) is None:
        db.session.add(CodedMark(answer_id=answer.id, slot=slot))
    db.session.flush()


def code_response_sets(survey: Survey, slot: int = 1) -> dict[int, set[int]]:
    """code id → set of response ids with that code (for frequencies)."""
    out: dict[int, set[int]] = {}
    rows = db.session.execute(
        select(Coding.code_id, SurveyAnswer.response_id)
        .join(SurveyAnswer, SurveyAnswer.id == Coding.answer_id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == survey.id, Coding.slot == slot)
    ).all()
    for cid, rid in rows:
        out.setdefault(cid, set()).add(rid)
    return out


# --- findings --------------------------------------------------------------------


def save_finding(user, survey: Survey, data: dict, finding: Finding | None = None, version=None) -> Finding:
    require(perm.can_manage_survey(user, survey))
    if finding is not None:
        ensure_version(finding, version)
    errors = {}
    title = _text(data.get("title"), 300, "Titel", errors, "title", required=True)
    text = _text(data.get("text"), 10000, "Befund", errors, "text")
    themen = db.session.scalars(
        select(Term).where(Term.id.in_(data.get("thema_ids") or []), Term.vocabulary == "thema")
    ).all()
    if len(themen) != len(set(data.get("thema_ids") or [])):
        errors["thema_ids"] = "Ungültiges Thema."
    survey_area_ids = {a.id for a in survey.areas}
    area_ids = set(data.get("area_ids") or [])
    if not area_ids <= survey_area_ids:
        errors["area_ids"] = "Nur Sozialräume der Befragung."
    code_ids = set(data.get("code_ids") or [])
    if not code_ids <= {c.id for c in codebook(survey)}:
        errors["code_ids"] = "Unbekannter Code."
    quote_ids = set(data.get("quote_ids") or [])
    quotes = []
    if quote_ids:
        quotes = db.session.scalars(
            select(SurveyAnswer)
            .join(SurveyResponse)
            .where(
                SurveyAnswer.id.in_(quote_ids),
                SurveyResponse.survey_id == survey.id,
                SurveyAnswer.text_value.is_not(None),
            )
        ).all()
        if len(quotes) != len(quote_ids):
            errors["quote_ids"] = "Ungültiges Zitat."
        else:
            from beteiligung.services.befragungen import ergebnisse

            if not quote_ids <= ergebnisse.quotable_answer_ids(ergebnisse.compute(survey)):
                errors["quote_ids"] = "Antworten aus zu kleinen Gruppen können nicht zitiert werden."
    if errors:
        raise ValidationError(errors)
    before = snapshot(finding) if finding else None
    if finding is None:
        finding = Finding(survey=survey, created_by_id=user.id)
        db.session.add(finding)
    finding.title, finding.text = title, text
    finding.is_public = bool(data.get("is_public", True))
    finding.themen = list(themen)
    finding.areas = [a for a in survey.areas if a.id in area_ids]
    finding.codes = db.session.scalars(select(Code).where(Code.id.in_(code_ids))).all() if code_ids else []
    finding.quotes = list(quotes)
    record(user, "update" if before else "create", finding, before, snapshot(finding), f"Befund „{title[:80]}“")
    db.session.flush()
    return finding


def send_to_committee(user, finding: Finding, committee_id: int) -> TopicProposal:
    require(perm.can_manage_survey(user, finding.survey))
    committee = db.session.scalar(select(Committee).where(Committee.id == committee_id, perm.committee_filter(user)))
    if committee is None:
        raise ValidationError({"committee_id": "Bitte ein Gremium wählen, das Sie sehen dürfen."})
    existing = db.session.scalar(
        select(TopicProposal).where(
            TopicProposal.source_type == "befund",
            TopicProposal.source_id == finding.id,
            TopicProposal.committee_id == committee.id,
        )
    )
    if existing is not None:
        raise ValidationError({"committee_id": "Dieser Befund liegt dort bereits im Themenspeicher."})
    label = f"Befund aus Befragung „{finding.survey.title}“"
    topic = propose_topic(user, committee, finding.title[:300], finding.text or "", "befund", finding.id, label[:300])
    db.session.flush()
    return topic


# Extension point for the contracts module (Goal.source_finding_id): its goal form offers
# `finding_choices(user)` as "Quelle: Befund", and it registers a follow-up provider (below)
# so that the goal and its indicator values appear under "Was aus Ihren Hinweisen wurde":
#
#     def _goal_lines(findings):
#         goals = select(Goal).where(Goal.source_finding_id.in_([f.id for f in findings]))
#         return {g.source_finding_id: [FollowUp("Ziel", g.title, g.status)] for g in db.session.scalars(goals)}
#     register_followup_provider("kontrakte", _goal_lines)


def finding_choices(user) -> list[Finding]:
    """Findings a user may link (e.g. to a goal): those of surveys the user may see."""
    return list(
        db.session.scalars(
            select(Finding)
            .join(Survey, Survey.id == Finding.survey_id)
            .where(perm.survey_filter(user))
            .options(selectinload(Finding.survey))
            .order_by(Finding.id.desc())
        )
    )


@dataclass
class FollowUp:
    kind: str  # e.g. "Themenspeicher", "Tagesordnung", "Beschluss", "Aufgabe", "Ziel"
    text: str
    status: str | None = None
    date: object | None = None
    url: str | None = None


FOLLOWUP_PROVIDERS: dict[str, Callable[[list[Finding]], dict[int, list[FollowUp]]]] = {}


def register_followup_provider(name: str, provider: Callable[[list[Finding]], dict[int, list[FollowUp]]]) -> None:
    """provider(findings) → {finding id: [FollowUp, ...]} — one call per page for all findings (no N+1)."""
    FOLLOWUP_PROVIDERS[name] = provider


def _topic_followups(findings: list[Finding]) -> dict[int, list[FollowUp]]:
    from sqlalchemy.orm import joinedload

    from models import AgendaItem, Meeting

    ids = [f.id for f in findings]
    out: dict[int, list[FollowUp]] = {}
    if not ids:
        return out
    topics = db.session.scalars(
        select(TopicProposal)
        .where(TopicProposal.source_type == "befund", TopicProposal.source_id.in_(ids))
        .options(
            joinedload(TopicProposal.committee),
            joinedload(TopicProposal.agenda_item).joinedload(AgendaItem.meeting).joinedload(Meeting.committee),
        )
        .order_by(TopicProposal.id)
    ).all()
    for t in topics:
        lines = out.setdefault(t.source_id, [])
        lines.append(
            FollowUp(
                "Themenspeicher",
                f"Als Thema vorgeschlagen für: {t.committee.name}",
                t.status,
                t.created_at.date() if t.created_at else None,
            )
        )
        item = t.agenda_item
        if item is not None and item.meeting is not None:
            m = item.meeting
            top = f"TOP {item.number}: " if item.number else ""
            # Followups also appear on the public results page: a non-public TOP keeps its title to itself.
            what = f"{top}{item.title}" if item.is_public else "nicht öffentlicher Tagesordnungspunkt"
            lines.append(
                FollowUp("Tagesordnung", f"Beraten in „{m.title}“ ({m.committee.name}) – {what}", m.status, m.start)
            )
    return out


register_followup_provider("themenspeicher", _topic_followups)


def followups(findings: list[Finding]) -> dict[int, list[FollowUp]]:
    out: dict[int, list[FollowUp]] = {f.id: [] for f in findings}
    for provider in FOLLOWUP_PROVIDERS.values():
        for fid, lines in (provider(findings) or {}).items():
            out.setdefault(fid, []).extend(lines)
    return out


def findings_of(survey: Survey, public_only: bool = False) -> list[Finding]:
    q = (
        select(Finding)
        .where(Finding.survey_id == survey.id)
        .options(
            selectinload(Finding.themen),
            selectinload(Finding.areas),
            selectinload(Finding.codes),
            selectinload(Finding.quotes),
        )
        .order_by(Finding.id)
    )
    if public_only:
        q = q.where(Finding.is_public.is_(True))
    return list(db.session.scalars(q))
