"""Demo: Kontrakte und Zielvereinbarungen (seed 000 §6: Bielefeld cards, Ennepe-Ruhr contract).

- "Frühe Hilfen – Familienhebammen" (AWO): Leitziel "Prävention ist gewährleistet",
  indicator §19-Unterbringungen je 1.000 Neugeborene, Zielwert −10 % (relative), lower is better;
  half-yearly reports 2024 and 2025 accepted (on track), the report for 1. Halbjahr 2026 is due
  for the AWO login (partner@awo-lindenau.example).
- "Rückführung stationär untergebrachter Kinder" (Diakonie, Caritas): 20 Kinder in 2 Jahren;
  reported values 2024 and 2025 are off target (red) → a TOP proposal in the Themenspeicher.
- Kreis–Kommune Zielvereinbarung Pflegeberatung (Ennepe-Ruhr style) with the Stadt Hagenfeld:
  about 50 % of the staff costs, 1 Pflegeberater·in je 30.000 Einwohner·innen, budget over three years.
- Kooperationsvereinbarung with the Jobcenter in negotiation, with two versions to compare.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.services.kontrakte import berichte
from beteiligung.services.kontrakte import vertraege as svc
from models import Committee, CommitteeType
from models.contracts import (
    BudgetLine,
    Contract,
    ContractKind,
    ContractParty,
    Goal,
    Indicator,
    Measurement,
    ReportingDuty,
)


def _kind(name):
    return db.session.scalar(select(ContractKind).where(ContractKind.name == name))


def _goal(ctx, title, level, field, parent=None, status="beschlossen", smart=True, **kw):
    g = Goal(
        body=ctx.kreis,
        title=title,
        level=level,
        field=field,
        parent=parent,
        status=status,
        smart_specific=smart,
        smart_measurable=smart,
        smart_accepted=smart,
        smart_realistic=smart,
        smart_timed=smart,
        **kw,
    )
    db.session.add(g)
    return g


def _committee(ctx):
    committees = getattr(ctx, "committees", None) or {}
    for key, c in committees.items():
        if "Sozialplanungskonferenz" in str(key) or "Sozialplanungskonferenz" in getattr(c, "name", ""):
            return c
    ctype = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Steuerungsgruppe"))
    c = Committee(
        body=ctx.kreis,
        type=ctype,
        name="Zielvereinbarungsgespräche Jugendhilfe",
        purpose="Zielvereinbarungsgespräche mit den Trägern, im Anschluss an die Sozialplanungskonferenz.",
        cadence="halbjährlich",
    )
    db.session.add(c)
    return c


def _fill(report, values, narrative, submitted, reviewed, planner, partner_user, status="angenommen"):
    for ind, value in values:
        db.session.add(
            Measurement(
                indicator=ind,
                period_end=report.period_end,
                value=Decimal(value),
                report=report,
                created_by_id=partner_user.id,
            )
        )
    report.narrative = narrative
    report.status = status
    report.submitted_at = submitted
    report.submitted_by_id = partner_user.id
    if status == "angenommen":
        report.reviewed_at = reviewed
        report.reviewed_by_id = planner.id


def run(ctx) -> None:
    planner = ctx.users["planung"]
    awo_user = ctx.users["partner"]
    hf = ctx.terms
    committee = _committee(ctx)
    db.session.flush()

    # --- goals (Bielefeld examples) ---------------------------------------------------
    g_prev = _goal(ctx, "Prävention ist gewährleistet", "Leitziel", "Wirkung")
    g_16 = _goal(ctx, "Mehr Familien werden früh nach § 16 SGB VIII unterstützt", "Mittlerziel", "Leistung", g_prev)
    g_19 = _goal(
        ctx,
        "Unterbringungen nach § 19 SGB VIII je 1.000 Neugeborene sinken um 10 %",
        "Handlungsziel",
        "Wirkung",
        g_16,
        due_date=date(2026, 12, 31),
        target_group=hf["Kinder unter 6 Jahren"],
    )
    g_hebammen = _goal(ctx, "Familienhebammen begleiten Familien im ersten Lebensjahr", "Maßnahme", "Leistung", g_19)
    g_leben = _goal(
        ctx,
        "Ein eigenständiges und selbst bestimmtes Leben innerhalb der Gemeinschaft wird ermöglicht",
        "Leitziel",
        "Wirkung",
    )
    g_eltern = _goal(ctx, "Die Erziehungskompetenz der Eltern wird gestärkt", "Mittlerziel", "Wirkung", g_leben)
    g_rueck = _goal(
        ctx,
        "Innerhalb von 2 Jahren werden 20 Kinder und Jugendliche in den elterlichen Haushalt zurückgeführt",
        "Handlungsziel",
        "Wirkung",
        g_eltern,
        due_date=date(2025, 12, 31),
        target_group=hf["Jugendliche"],
    )
    g_fachstelle = _goal(ctx, "Eine Fachstelle Elternarbeit wird eingerichtet", "Maßnahme", "Prozess", g_rueck)
    g_ressourcen = _goal(
        ctx,
        "Mittel werden von stationären zu ambulanten Hilfen umgeschichtet",
        "Handlungsziel",
        "Ressourcen",
        g_eltern,
        status="abgestimmt",
        smart=False,
        smart_hint="Noch nicht messbar: Umschichtungsbetrag je Jahr festlegen.",
    )
    g_pflege = _goal(
        ctx, "Pflegebedürftige und Angehörige finden wohnortnah unabhängige Pflegeberatung", "Leitziel", "Wirkung"
    )
    g_pflege_h = _goal(
        ctx,
        "Je 30.000 Einwohner·innen steht eine Pflegeberatungsstelle (1 Vollzeitstelle) zur Verfügung",
        "Handlungsziel",
        "Ressourcen",
        g_pflege,
        due_date=date(2026, 12, 31),
        target_group=hf["Pflegende Angehörige"],
    )
    g_ueb = _goal(
        ctx,
        "Mehr Jugendliche gelingt der Übergang von der Schule in Ausbildung",
        "Mittlerziel",
        "Wirkung",
        status="Entwurf",
        smart=False,
    )
    db.session.flush()

    # --- 1. Familienhebammen (AWO) -------------------------------------------------------
    c1 = Contract(
        body=ctx.kreis,
        kind=_kind("Zielvereinbarung"),
        status="laufend",
        created_by_id=planner.id,
        title="Frühe Hilfen: Familienhebammen im Kreis Lindenau",
        reference="51.2-ZV-2024-03",
        legal_basis="§ 16 SGB VIII, § 3 KKG",
        product_number="06.363.01",
        subject="Aufsuchende Begleitung von Familien mit Neugeborenen durch **Familienhebammen** in den Sozialräumen "
        "mit hohem Unterstützungsbedarf. Menge: 120 begleitete Familien je Jahr.",
        start_date=date(2024, 1, 1),
        end_date=date(2026, 12, 31),
        review_date=date(2026, 9, 15),
        clause_goal="Leitziel: *Prävention ist gewährleistet.*\n\n- Mehr Familien werden nach § 16 SGB VIII unterstützt.\n"
        "- Die Unterbringungen nach § 19 SGB VIII je 1.000 Neugeborene sinken bis Ende 2026 um 10 %.",
        clause_service="Die AWO stellt 3,5 Vollzeitstellen Familienhebammen; Erstbesuch innerhalb von 14 Tagen nach Anfrage.",
        clause_budget="Finanzierung als Zuschuss; Mehrkosten (§ 16 + § 27 Abs. 2) stehen Einsparungen (§ 19) von "
        "rund 49.752 € je Fall und Jahr gegenüber.",
        clause_quality="Verbindliche Standards, Fortbildung, Qualitätsdialog mit dem Jugendamt zweimal jährlich.",
        clause_review="Halbjährlicher Bericht (Kennzahlen und Sachbericht) bis 60 Tage nach Periodenende; "
        "Zielvereinbarungsgespräch im Anschluss an die Sozialplanungskonferenz.",
        signed_on=date(2023, 12, 12),
        committee=committee,
        terms=[hf["Kinder, Jugend und Familie"], hf["Gesundheit"], hf["Kinder unter 6 Jahren"]],
        areas=[ctx.areas["SR-02"], ctx.areas["SR-05"]],
        goals=[g_prev, g_16, g_19, g_hebammen],
    )
    db.session.add(c1)
    p_awo = ContractParty(
        contract=c1,
        organisation=ctx.orgs["AWO"],
        role="Auftragnehmer",
        signatory="Petra Lohmann, Geschäftsführung",
        signed_on=date(2023, 12, 12),
    )
    db.session.add(p_awo)
    for year, amount in ((2024, "168500.00"), (2025, "173555.00"), (2026, "178761.65")):
        db.session.add(
            BudgetLine(contract=c1, kind="Zuschuss", year=year, amount=Decimal(amount), product_number="06.363.01")
        )
        db.session.add(
            BudgetLine(contract=c1, kind="Sachmittel", year=year, amount=Decimal("6200.00"), product_number="06.363.01")
        )
    i1 = Indicator(
        body=ctx.kreis,
        contract=c1,
        goal=g_19,
        name="Unterbringungen nach § 19 SGB VIII je 1.000 Neugeborene",
        definition="Quantitativer Aspekt: Anteil der Kinder mit Hilfe nach § 19 SGB VIII je 1.000 Neugeborene. "
        "Finanzieller Aspekt: Mehrkosten (§ 16 + § 27 Abs. 2) gegenüber Einsparungen (§ 19).",
        base_population="Alle Neugeborenen des Kalenderjahres",
        unit="je 1.000 Neugeborene",
        baseline_value=Decimal("12.0"),
        baseline_date=date(2023, 12, 31),
        target_mode="relativ",
        target_input=Decimal("-10"),
        target_date=date(2026, 12, 31),
        direction="niedriger",
        data_source="Prosoz 14+, NKF, Amt für Statistik",
        periodicity="halbjährlich",
        sensitive=False,
        plausible_min=Decimal("0"),
        plausible_max=Decimal("100"),
    )
    i1b = Indicator(
        body=ctx.kreis,
        contract=c1,
        goal=g_16,
        name="Begleitete Familien (Familienhebammen)",
        definition="Zahl der im Halbjahr begleiteten Familien",
        base_population="Familien mit Neugeborenen",
        unit="Familien",
        baseline_value=Decimal("40"),
        baseline_date=date(2023, 12, 31),
        target_mode="absolut",
        target_input=Decimal("60"),
        target_date=date(2026, 12, 31),
        direction="hoeher",
        data_source="Falldokumentation AWO",
        periodicity="halbjährlich",
        plausible_min=Decimal("0"),
        plausible_max=Decimal("500"),
    )
    db.session.add_all([i1, i1b])
    d1 = ReportingDuty(
        contract=c1, party=p_awo, title="Halbjahresbericht Familienhebammen", periodicity="halbjährlich", due_days=60
    )
    db.session.add(d1)
    db.session.flush()
    reports = sorted(berichte.generate_reports(d1), key=lambda r: r.period_start)
    values = [("11.9", "44"), ("11.6", "47"), ("11.4", "51"), ("11.2", "54")]
    for report, (v1, v2) in zip(reports[:4], values):
        sub = datetime.combine(report.period_end + timedelta(days=40), datetime.min.time()).replace(hour=9)
        _fill(
            report,
            [(i1, v1), (i1b, v2)],
            "Die Familienhebammen waren in beiden Sozialräumen voll ausgelastet. Die Zusammenarbeit mit der "
            "Geburtsklinik hat sich eingespielt.",
            sub,
            sub + timedelta(days=10),
            planner,
            awo_user,
        )
    # reports[4] (1. Halbjahr 2026) stays "offen": due for the AWO login.

    # --- 2. Rückführung (Diakonie + Caritas) -------------------------------------------
    c2 = Contract(
        body=ctx.kreis,
        kind=_kind("Zielvereinbarung"),
        status="laufend",
        created_by_id=planner.id,
        title="Rückführung stationär untergebrachter Kinder und Jugendlicher in den elterlichen Haushalt",
        reference="51.4-ZV-2024-01",
        legal_basis="§§ 27, 34, 37 SGB VIII",
        product_number="06.363.04",
        subject="Produktgruppe *Förderung von Familien*, Produkt *Hilfen zur Erziehung außerhalb von Familien*.",
        start_date=date(2024, 1, 1),
        end_date=date(2025, 12, 31),
        review_date=date(2026, 2, 15),
        clause_goal="Innerhalb von 2 Jahren werden 20 Kinder/Jugendliche in den elterlichen Haushalt zurückgeführt "
        "(Zielwert abhängig vom Ist-Wert).",
        clause_service="Überprüfung aller stationären Unterbringungen; Fachstelle Elternarbeit (Diakonie) mit 2 Stellen.",
        clause_budget="Umschichtung von stationären zu ambulanten Maßnahmen.",
        clause_quality="Hilfeplanung mit den Eltern, Fallkonferenzen vierteljährlich.",
        clause_review="Jährlicher Bericht bis 31.03. des Folgejahres; Abweichungen werden im Zielvereinbarungsgespräch beraten.",
        incentives="Bei Zielerreichung wird die Fachstelle Elternarbeit um zwei Jahre verlängert.",
        signed_on=date(2023, 12, 18),
        committee=committee,
        terms=[hf["Kinder, Jugend und Familie"], hf["Jugendliche"]],
        areas=[ctx.areas["SR-05"], ctx.areas["SR-06"]],
        goals=[g_leben, g_eltern, g_rueck, g_fachstelle, g_ressourcen],
    )
    db.session.add(c2)
    p_dia = ContractParty(
        contract=c2,
        organisation=ctx.orgs["Diakonie"],
        role="Auftragnehmer",
        signatory="Pfarrer Jonas Lüders, Vorstand",
        signed_on=date(2023, 12, 18),
    )
    p_car = ContractParty(
        contract=c2,
        organisation=ctx.orgs["Caritas"],
        role="Kooperationspartner",
        signatory="Clara Cordes, Fachbereichsleitung",
        signed_on=date(2023, 12, 15),
    )
    db.session.add_all([p_dia, p_car])
    for year in (2024, 2025):
        db.session.add(
            BudgetLine(contract=c2, kind="Personal", year=year, amount=Decimal("128400.00"), product_number="06.363.04")
        )
        db.session.add(
            BudgetLine(contract=c2, kind="Sachmittel", year=year, amount=Decimal("9850.50"), product_number="06.363.04")
        )
    i2 = Indicator(
        body=ctx.kreis,
        contract=c2,
        goal=g_rueck,
        name="In den elterlichen Haushalt zurückgeführte Kinder (kumuliert)",
        definition="Anteil der zum 31.12. stationär Untergebrachten, die im Kalenderjahr zurückgeführt wurden; hier als Zahl.",
        base_population="0- bis unter 18-Jährige in stationärer Unterbringung zum 31.12.",
        unit="Kinder/Jugendliche",
        baseline_value=Decimal("0"),
        baseline_date=date(2023, 12, 31),
        target_mode="absolut",
        target_input=Decimal("20"),
        target_date=date(2025, 12, 31),
        direction="hoeher",
        data_source="Prosoz 14+, Jugendamt",
        periodicity="jährlich",
        sensitive=True,
        area=ctx.areas["SR-05"],
        plausible_min=Decimal("0"),
        plausible_max=Decimal("200"),
    )
    i2b = Indicator(
        body=ctx.kreis,
        contract=c2,
        goal=g_ressourcen,
        name="Kosten stationärer Unterbringung",
        definition="Jährliche Kosten der Heimerziehung (§ 34 SGB VIII); Ziel: −5 % gegenüber 2023.",
        base_population="Alle Hilfen nach § 34 SGB VIII",
        unit="Mio. €",
        baseline_value=Decimal("8.40"),
        baseline_date=date(2023, 12, 31),
        target_mode="relativ",
        target_input=Decimal("-5"),
        target_date=date(2025, 12, 31),
        direction="niedriger",
        data_source="NKF-Finanzrechnung",
        periodicity="jährlich",
        plausible_min=Decimal("0"),
    )
    db.session.add_all([i2, i2b])
    d2 = ReportingDuty(contract=c2, party=p_dia, title="Jahresbericht Rückführung", periodicity="jährlich", due_days=90)
    db.session.add(d2)
    db.session.flush()
    r2 = sorted(berichte.generate_reports(d2), key=lambda r: r.period_start)
    _fill(
        r2[0],
        [(i2, "6"), (i2b, "8.31")],
        "Die Fachstelle Elternarbeit hat erst im Mai 2024 begonnen.",
        datetime(2025, 3, 20, 10),
        datetime(2025, 4, 2, 9),
        planner,
        ctx.users["planung"],
    )
    _fill(
        r2[1],
        [(i2, "11"), (i2b, "8.35")],
        "Mehrere Rückführungen sind gescheitert; die Wartezeit auf ambulante Anschlusshilfen ist zu lang.",
        datetime(2026, 3, 25, 10),
        None,
        planner,
        ctx.users["planung"],
        status="eingereicht",
    )
    db.session.flush()
    db.session.expire(c2, ["indicators"])
    berichte._check_deviation(planner, r2[1])

    # --- 3. Kreis–Kommune (Ennepe-Ruhr style) -----------------------------------------
    hagenfeld = ctx.kommunen[1]
    c3 = Contract(
        body=ctx.kreis,
        kind=_kind("Zielvereinbarung"),
        status="laufend",
        created_by_id=planner.id,
        title="Pflegeberatung vor Ort: Zielvereinbarung Kreis Lindenau – Stadt Hagenfeld",
        reference="50.3-ZV-2024-07",
        legal_basis="§ 7c SGB XI, Landespflegegesetz",
        product_number="05.331.02",
        subject="Aufgabenumfang der städtischen Pflegeberatungsstelle; der Kreis finanziert rund **50 % der "
        "Personalkosten** und stellt den Pflegeatlas im Internet bereit.",
        start_date=date(2024, 1, 1),
        end_date=date(2026, 12, 31),
        review_date=date(2026, 11, 30),
        clause_goal="Je 30.000 Einwohner·innen eine Pflegeberater·in (1 Vollzeitstelle).",
        clause_service="Beratung zu Finanzierung der Pflege, Pflegeversicherung, hauswirtschaftlichen Hilfen und "
        "Mahlzeitendiensten, Hausnotruf, Wohnen im Alter, Demenz, MDK-Begutachtung, häuslichen Krisen.",
        clause_budget="Der Kreis erstattet 50 % der Personalkosten der Beratungsstelle.",
        clause_quality="Dokumentation der Beratungsanlässe; Teilnahme am Netzwerk Pflegeberatung des Kreises.",
        clause_review="Jährlicher Bericht der Stadt bis 31.03.; Gespräch im Fachausschuss.",
        signed_on=date(2023, 12, 1),
        committee=committee,
        terms=[hf["Pflege"], hf["Alter und Senior·innen"], hf["Pflegende Angehörige"]],
        areas=[a for code, a in ctx.areas.items() if code.startswith("HF-")],
        goals=[g_pflege, g_pflege_h],
    )
    db.session.add(c3)
    p_hf = ContractParty(
        contract=c3,
        body=hagenfeld,
        role="Auftragnehmer",
        signatory="Bürgermeisterin der Stadt Hagenfeld",
        signed_on=date(2023, 12, 1),
    )
    db.session.add(p_hf)
    for year, amount in ((2024, "41326.32"), (2025, "42566.11"), (2026, "43843.09")):
        db.session.add(
            BudgetLine(
                contract=c3,
                kind="Personal",
                year=year,
                amount=Decimal(amount),
                product_number="05.331.02",
                note="50 % der Personalkosten",
            )
        )
    db.session.add(
        BudgetLine(
            contract=c3,
            kind="Sachmittel",
            year=2024,
            amount=Decimal("2500.00"),
            product_number="05.331.02",
            note="Ausstattung Beratungsbüro",
        )
    )
    i3 = Indicator(
        body=ctx.kreis,
        contract=c3,
        goal=g_pflege_h,
        name="Pflegeberatung: Vollzeitstellen je 30.000 Einwohner·innen",
        base_population="Einwohner·innen der Stadt Hagenfeld",
        unit="Stellen je 30.000 EW",
        baseline_value=Decimal("0.80"),
        baseline_date=date(2023, 12, 31),
        target_mode="absolut",
        target_input=Decimal("1.0"),
        target_date=date(2026, 12, 31),
        direction="hoeher",
        data_source="Stellenplan Stadt Hagenfeld, Einwohnermelderegister",
        periodicity="jährlich",
        plausible_min=Decimal("0"),
        plausible_max=Decimal("5"),
    )
    db.session.add(i3)
    d3 = ReportingDuty(
        contract=c3, party=p_hf, title="Jahresbericht Pflegeberatung", periodicity="jährlich", due_days=90
    )
    db.session.add(d3)
    db.session.flush()
    r3 = sorted(berichte.generate_reports(d3), key=lambda r: r.period_start)
    _fill(
        r3[0],
        [(i3, "0.87")],
        "Eine zusätzliche Teilzeitstelle wurde im Herbst besetzt.",
        datetime(2025, 3, 10, 9),
        datetime(2025, 3, 20, 9),
        planner,
        ctx.users["planung_kommune"],
    )
    _fill(
        r3[1],
        [(i3, "0.93")],
        "Die Nachfrage zu Demenz und Wohnen im Alter ist deutlich gestiegen.",
        datetime(2026, 3, 12, 9),
        datetime(2026, 3, 30, 9),
        planner,
        ctx.users["planung_kommune"],
    )

    # --- 4. Jobcenter: Kooperationsvereinbarung in Verhandlung (versions) ---------------
    c4 = Contract(
        body=ctx.kreis,
        kind=_kind("Kooperationsvereinbarung"),
        status="Entwurf",
        created_by_id=planner.id,
        title="Kooperationsvereinbarung Übergang Schule–Beruf",
        reference="50.1-KV-2027-01",
        subject="Gemeinsame Beratung von Jugendlichen am Übergang von der Schule in Ausbildung.",
        start_date=date(2027, 1, 1),
        end_date=date(2029, 12, 31),
        review_date=date(2027, 12, 1),
        clause_goal="Mehr Jugendliche beginnen nach der Schule eine Ausbildung.",
        clause_service="Das Jobcenter bietet Sprechstunden an allen weiterführenden Schulen an.",
        terms=[hf["Arbeit und Beschäftigung"], hf["Bildung"], hf["Jugendliche"]],
        goals=[g_ueb],
    )
    db.session.add(c4)
    db.session.add(ContractParty(contract=c4, organisation=ctx.orgs["Jobcenter"], role="Kooperationspartner"))
    db.session.flush()
    svc._add_version(planner, c4, "Erster Entwurf")
    c4.status = "in Verhandlung"
    c4.clause_service = (
        "Das Jobcenter bietet Sprechstunden an allen weiterführenden Schulen an.\n"
        "Die Sprechstunden finden mindestens zweimal im Monat statt.\n"
        "Die Schulsozialarbeit lädt die Jugendlichen ein."
    )
    c4.clause_goal = "Bis 2029 beginnen 10 % mehr Jugendliche nach der Schule direkt eine Ausbildung."
    db.session.flush()
    svc._add_version(planner, c4, "Verhandlungsrunde 1: Vorschlag des Jobcenters zur Häufigkeit der Sprechstunden")

    for c in (c1, c2, c3):
        svc._add_version(planner, c, "Unterzeichnete Fassung", label="Unterzeichnet")

    ctx.contracts = {"familienhebammen": c1, "rueckfuehrung": c2, "pflegeberatung": c3, "jobcenter": c4}
    ctx.goals = {
        "praevention": g_prev,
        "paragraph19": g_19,
        "hebammen": g_hebammen,
        "leben": g_leben,
        "rueckfuehrung": g_rueck,
        "fachstelle": g_fachstelle,
        "pflege": g_pflege,
        "pflege_stellen": g_pflege_h,
        "uebergang": g_ueb,
    }
    ctx.indicators = {"familienhebammen": i1, "familien": i1b, "rueckfuehrung": i2, "kosten": i2b, "pflege": i3}
    ctx.reports = {"awo_due": reports[4], "rueckfuehrung_red": r2[1]}
