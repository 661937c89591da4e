"""Demo: the whole Wirkungskette in the Kreis Lindenau (Planung, issue 13).

Story: in the Südstadt survey many answers ask for advice in the Stadtteilbüro and easier access
to help (code "Beratung und Sprache") → a finding goes to the Themenspeicher of the
Sozialraumkonferenz Südstadt and is discussed on its TOP "Frühe Hilfen", where the SRK records
its Empfehlung (more Familienhebammen, a Sprechstunde im Quartiersbüro) → forwarded to the
Sozialplanungskonferenz → its binding Beschluss → the measure "Sprechstunde Frühe Hilfen im
Quartiersbüro Südstadt" run by the AWO (in Umsetzung, 40 %) → funded by the contract
"Frühe Hilfen: Familienhebammen" → its indicator and the AWO's reports. A second measure of the
Jobcenter is still planned; a Planungsvorhaben holds it all phase by phase; the providers are being
consulted on the draft Sozialbericht (the AWO has not answered yet). A third (Elterncafé of the Diakonie, funded by the Rückführung contract)
has an overdue milestone, so
`flask --app beteiligung planung abweichungen` proposes it to the committees.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from beteiligung.extensions import db
from models import TopicProposal
from models.planung import (
    PHASE_ORDER,
    Measure,
    MeasureBudget,
    Milestone,
    PlanningProcess,
    ProcessAssignment,
    ProcessPhase,
    decision_goal,
    decision_measure,
)
from models.protocols import ProtocolEntry
from models.surveys import Code, Finding


def run(ctx) -> None:
    story = getattr(ctx, "protocol_story", None)
    contracts = getattr(ctx, "contracts", None)
    survey = (getattr(ctx, "surveys", None) or {}).get("suedstadt")
    if not story or not contracts or survey is None:
        return
    empfehlung = story["empfehlung"]
    spk_topic = story["topic"]
    sued = ctx.areas["SR-05"]
    srk = ctx.committees["srk_suedstadt"]
    planner = ctx.users["planung"]
    coder = ctx.users.get("planung_kommune")

    # 1. the survey finding, discussed on the SRK's TOP "Frühe Hilfen"
    code = db.session.scalar(select(Code).where(Code.survey_id == survey.id, Code.name == "Beratung und Sprache"))
    finding = Finding(
        survey_id=survey.id,
        title="Familien in der Südstadt finden schwer Zugang zu Beratung und Frühen Hilfen",
        text="In den offenen Antworten wünschen sich Familien **Beratung im Stadtteilbüro**, auch auf "
        "Türkisch; viele kennen die Frühen Hilfen nicht.",
        created_by_id=coder.id if coder else None,
        areas=[sued],
        codes=[code] if code else [],
    )
    db.session.add(finding)
    db.session.flush()
    db.session.add(
        TopicProposal(
            committee_id=srk.id,
            title=finding.title,
            description=finding.text,
            source_type="befund",
            source_id=finding.id,
            source_label=f"Befund aus Befragung „{survey.title}“",
            proposed_by_id=coder.id if coder else None,
            status="eingeplant",
            agenda_item_id=empfehlung.agenda_item_id,
        )
    )

    # 2. the SPK's Beschluss on the forwarded Empfehlung
    beschluss = db.session.scalar(
        select(ProtocolEntry).where(
            ProtocolEntry.agenda_item_id == spk_topic.agenda_item_id, ProtocolEntry.kind == "Beschluss"
        )
    )
    c1 = contracts["familienhebammen"]
    indicator = ctx.indicators["familienhebammen"]
    goal = ctx.goals["hebammen"]
    hf = ctx.terms

    # 3. the measures
    today = date.today()
    m1 = Measure(
        body=ctx.kreis,
        organisation=ctx.orgs["AWO"],
        created_by_id=planner.id,
        title="Sprechstunde Frühe Hilfen im Quartiersbüro Südstadt",
        description="Wöchentliche offene Sprechstunde der Familienhebammen und der Frühen Hilfen im "
        "Quartiersbüro Südstadt, mit Sprachmittlung Türkisch an jedem zweiten Termin.",
        handlungsfeld=hf["Kinder, Jugend und Familie"],
        target_groups=[hf["Kinder unter 6 Jahren"]],
        areas=[sued],
        staff_fte=Decimal("0.5"),
        status="in Umsetzung",
        progress=40,
        is_public=True,
        start_date=today - timedelta(days=120),
        end_date=date(today.year + 1, 12, 31),
        status_note="Die Sprechstunde läuft seit drei Monaten; im Schnitt kommen sechs Familien. "
        "Die Sprachmittlung ist ab dem nächsten Quartal gesichert.",
        goals=[goal],
        contracts=[c1],
        indicators=[indicator],
    )
    m1.milestones = [
        Milestone(
            title="Raum im Quartiersbüro vereinbart",
            due_date=today - timedelta(days=110),
            done=True,
            done_on=today - timedelta(days=112),
        ),
        Milestone(
            title="Erste Sprechstunde",
            due_date=today - timedelta(days=90),
            done=True,
            done_on=today - timedelta(days=92),
        ),
        Milestone(title="Sprachmittlung Türkisch gesichert", due_date=today + timedelta(days=60)),
        Milestone(title="Auswertung mit der Sozialraumkonferenz", due_date=today + timedelta(days=240)),
    ]
    m1.budget_lines = [
        MeasureBudget(year=today.year, amount=Decimal("24000.00"), product_number="06.363.01"),
        MeasureBudget(year=today.year + 1, amount=Decimal("24720.00"), product_number="06.363.01"),
    ]
    m2 = Measure(
        body=ctx.kreis,
        organisation=ctx.orgs["Jobcenter"],
        created_by_id=planner.id,
        title="Sprechzeiten des Jobcenters im Quartiersbüro Südstadt",
        description="Monatliche Beratung zu Leistungen für Familien (Bildung und Teilhabe).",
        handlungsfeld=hf["Existenzsicherung und Armut"],
        areas=[sued],
        status="geplant",
        progress=0,
        start_date=today + timedelta(days=30),
        end_date=date(today.year + 1, 12, 31),
    )
    m3 = Measure(
        body=ctx.kreis,
        organisation=ctx.orgs["Diakonie"],
        created_by_id=planner.id,
        title="Elterncafé Hohe Eiche",
        handlungsfeld=hf["Kinder, Jugend und Familie"],
        description="Offenes Elterncafé der Fachstelle Elternarbeit (Kontrakt Rückführung).",
        goals=[ctx.goals["eltern"]] if "eltern" in ctx.goals else [],
        contracts=[contracts["rueckfuehrung"]],
        areas=[ctx.areas["SR-06"]],
        status="in Umsetzung",
        progress_mode="meilensteine",
        progress=50,
        start_date=today - timedelta(days=200),
        end_date=date(today.year + 1, 6, 30),
    )
    m3.milestones = [
        Milestone(
            title="Träger und Raum gefunden",
            due_date=today - timedelta(days=150),
            done=True,
            done_on=today - timedelta(days=160),
        ),
        Milestone(title="Erstes Elterncafé", due_date=today - timedelta(days=14)),
    ]
    db.session.add_all([m1, m2, m3])
    db.session.flush()

    # 4. the decision commissioned the measure and the goal
    if beschluss is not None:
        db.session.execute(decision_measure.insert().values(entry_id=beschluss.id, measure_id=m1.id))
        db.session.execute(decision_measure.insert().values(entry_id=beschluss.id, measure_id=m2.id))
        db.session.execute(decision_goal.insert().values(entry_id=beschluss.id, goal_id=goal.id))
    # 5. the Planungsvorhaben that holds it all, phase by phase
    process = PlanningProcess(
        body=ctx.kreis,
        title="Frühe Hilfen in der Südstadt 2026–2028",
        created_by_id=planner.id,
        mandate_by="Jugendhilfeausschuss des Kreises Lindenau",
        mandate_date=today - timedelta(days=300),
        mandate_reference="V/2026/0815",
        scope="Die Sozialplanung soll mit der Sozialraumkonferenz Südstadt und den Trägern der Frühen Hilfen "
        "den Zugang junger Familien verbessern und dem Ausschuss halbjährlich berichten.",
        areas=[sued],
        terms=[hf["Kinder, Jugend und Familie"], hf["Kinder unter 6 Jahren"]],
    )
    states = ["abgeschlossen", "abgeschlossen", "abgeschlossen", "abgeschlossen", "laufend", "offen"]
    starts = [-300, -260, -200, -150, -120, 200]
    ends = [-270, -200, -160, -120, 400, 600]
    process.phases = [
        ProcessPhase(
            kind=k.value,
            position=i + 1,
            status=states[i],
            start_date=today + timedelta(days=starts[i]),
            end_date=today + timedelta(days=ends[i]),
            responsible=planner.person,
        )
        for i, k in enumerate(PHASE_ORDER)
    ]
    db.session.add(process)
    db.session.flush()
    phase = {ph.kind: ph for ph in process.phases}
    rows = [
        ("bestandsaufnahme", "befragung", survey.id),
        ("bestandsaufnahme", "sitzung", empfehlung.protocol.meeting_id),
        ("zielbildung", "ziel", goal.id),
        ("massnahmen", "kontrakt", c1.id),
        ("massnahmen", "massnahme", m1.id),
        ("massnahmen", "massnahme", m2.id),
    ]
    if beschluss is not None:
        rows.append(("zielbildung", "eintrag", beschluss.id))
    for kind, item_kind, item_id in rows:
        db.session.add(
            ProcessAssignment(process_id=process.id, phase_id=phase[kind].id, item_kind=item_kind, item_id=item_id)
        )
    # 6. a running consultation of the providers on the draft Sozialbericht
    from weasyprint import HTML

    from beteiligung.services.planung.stellungnahmen import _store
    from models import utcnow
    from models.planung import Consultation, ConsultationParticipant, Statement

    draft = HTML(
        string="<h1>Sozialbericht Kreis Lindenau 2026 – Entwurf</h1><p>Kapitel 1: Bevölkerung. "
        "Kapitel 2: Kinderarmut in den Sozialräumen. Kapitel 3: Frühe Hilfen.</p>"
    ).write_pdf()
    consultation = Consultation(
        body=ctx.kreis,
        process=process,
        title="Entwurf Sozialbericht 2026",
        created_by_id=planner.id,
        description="Die Sozialplanung bittet die Träger um eine Stellungnahme zum Entwurf, besonders zu Kapitel 3.",
        deadline=today + timedelta(days=10),
        sent_at=utcnow() - timedelta(days=4),
        draft_filename="sozialbericht-2026-entwurf.pdf",
        draft_content_type="application/pdf",
        draft_size=len(draft),
        draft_stored_name=_store(draft, ".pdf"),
    )
    consultation.participants = [
        ConsultationParticipant(organisation=ctx.orgs[k]) for k in ("AWO", "Diakonie", "Caritas", "Jobcenter")
    ]
    consultation.statements = [
        Statement(
            organisation=ctx.orgs["Diakonie"],
            submitted_at=utcnow() - timedelta(days=1),
            text="Das Diakonische Werk begrüßt den Entwurf. In Kapitel 3 fehlen die Wartezeiten der Familienhebammen.",
            uptake="teilweise",
            uptake_note="Wartezeiten werden ergänzt, soweit die Träger sie melden.",
        )
    ]
    db.session.add(consultation)
    ctx.measures = {"sprechstunde": m1, "jobcenter": m2, "elterncafe": m3}
    ctx.processes = {"fruehe_hilfen": process}
    ctx.planung_story = {"finding": finding, "beschluss": beschluss}
    db.session.flush()
