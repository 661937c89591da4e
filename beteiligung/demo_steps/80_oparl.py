"""Demo: OParl-Schnittstelle und eine Vorlage für den Ausschuss.

The Sozialplanungskonferenz's Beschluss „zur Beschlussfassung“ (more Familienhebammen in the
Südstadt, addressed to the Ausschuss für Soziales) becomes the published Vorlage BV/<year>/0001
with PDF and DOCX; its political outcome is still open – `flask oparl ergebnisse-abrufen URL`
fetches it from the council system. Three members of the public Sozialraumkonferenz Südstadt
consented to publication (one also with contact data), so the API shows them with their
memberships; everybody else stays out. The Kreistag's Wahlperiode 2025–2030 is listed.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.services.oparl import papers as papers_svc
from models import Committee, Membership
from models.oparl import LegislativeTerm, PublicationConsent
from models.protocols import ProtocolEntry


def run(ctx) -> None:
    db.session.add(
        LegislativeTerm(
            body_id=ctx.kreis.id,
            name="Wahlperiode 2025–2030",
            start_date=date(2025, 11, 1),
            end_date=date(2030, 10, 31),
        )
    )
    for kommune in ctx.kommunen[:1]:
        db.session.add(
            LegislativeTerm(
                body_id=kommune.id,
                name="Wahlperiode 2025–2030",
                start_date=date(2025, 11, 1),
                end_date=date(2030, 10, 31),
            )
        )

    # Publication consent: three members of public committees, the first also with contact data.
    members = db.session.scalars(
        select(Membership).join(Committee).where(Committee.is_public.is_(True)).order_by(Membership.id)
    ).all()
    chosen = []
    for m in members:
        p = m.person
        if p.consent_given and p.anonymised_at is None and p.id not in {c.id for c in chosen}:
            chosen.append(p)
        if len(chosen) == 3:
            break
    for i, p in enumerate(chosen):
        db.session.add(PublicationConsent(person_id=p.id, given_on=date(2026, 1, 15), contact=i == 0))

    # The Vorlage for the Ausschuss, published.
    entry = db.session.scalar(
        select(ProtocolEntry)
        .where(ProtocolEntry.for_resolution.is_(True), ProtocolEntry.addressee_org_id.is_not(None))
        .order_by(ProtocolEntry.id)
    )
    planner = ctx.users.get("planung")
    if entry is None or planner is None:
        return
    db.session.flush()
    paper = papers_svc.create_paper(
        planner, entry, name="Familienhebammen und Sprechstunde der Frühen Hilfen in der Südstadt"
    )
    papers_svc.publish_paper(planner, paper, paper.version)
    ctx.oparl_paper = paper
