"""Bulk data for the page measurements of issue 14 (until the project's scale generator is merged):
grows a loaded demo by `scale` × a fixed block (persons, organisations, memberships, meetings with
protocols and open items, topics, contracts with indicators and measurements). Reproducible (seeded).

Run: BETEILIGUNG_DATABASE_URL=sqlite:///… SECRET_KEY=x python -m tests.seiten.bulk SCALE
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select


def grow(scale: int, seed: int = 14) -> dict:
    from beteiligung.extensions import db
    from models import Committee, Meeting, Membership, Organisation, Person
    from models.committees import TopicProposal
    from models.contracts import Contract, Indicator, Measurement
    from models.protocols import Protocol, ProtocolEntry

    rng = random.Random(seed)
    committees = db.session.scalars(select(Committee).order_by(Committee.id)).all()
    bodies = sorted({c.body for c in committees}, key=lambda b: b.id)
    contracts = db.session.scalars(select(Contract).order_by(Contract.id)).all()
    counts = dict.fromkeys(("persons", "memberships", "meetings", "entries", "topics", "contracts", "measurements"), 0)
    orgs = []
    for i in range(30 * scale):
        o = Organisation(body=rng.choice(bodies), name=f"Massenträger {scale}-{i:05d}", kind="Freier Träger")
        orgs.append(o)
    db.session.add_all(orgs)
    persons = []
    for i in range(150 * scale):
        org = rng.choice(orgs)
        persons.append(Person(body=org.body, first_name="Mia", last_name=f"Masse {i:05d}", organisation=org))
    db.session.add_all(persons)
    counts["persons"] = len(persons)
    db.session.flush()
    now = datetime(2026, 11, 30, 9, 0)
    for c in committees:
        for p in rng.sample(persons, min(len(persons), 10 * scale)):
            db.session.add(Membership(committee=c, person=p, organisation=p.organisation, role="Mitglied"))
            counts["memberships"] += 1
        for k in range(8 * scale):
            start = now + timedelta(days=rng.randint(-900, 200), hours=rng.randint(0, 8))
            m = Meeting(
                committee=c,
                title=f"Sitzung {k}",
                start=start,
                end=start + timedelta(hours=2),
                status="geplant",
                ical_uid=f"bulk-{scale}-{c.id}-{k}@test",
            )
            db.session.add(m)
            counts["meetings"] += 1
            if start < now:
                protocol = Protocol(meeting=m, status="genehmigt")
                db.session.add(protocol)
                for pos in range(5):
                    kind = rng.choice(["Aufgabe", "Beschluss", "Information", "Aufgabe"])
                    followup = kind in ("Aufgabe", "Beschluss")
                    e = ProtocolEntry(
                        protocol=protocol,
                        position=pos,
                        kind=kind,
                        text=f"Eintrag {pos} der Sitzung {k}: bitte nachhalten.",
                        owner_org=rng.choice(orgs) if followup else None,
                        due_date=(start + timedelta(days=rng.randint(10, 120))).date() if followup else None,
                        status=rng.choice(["offen", "in Arbeit", "erledigt"]) if followup else None,
                    )
                    db.session.add(e)
                    counts["entries"] += 1
        for k in range(2 * scale):
            db.session.add(
                TopicProposal(
                    committee=c, title=f"Thema {k}", source_type="mitglied", status=rng.choice(["offen", "abgelehnt"])
                )
            )
            counts["topics"] += 1
    db.session.flush()
    for i in range(2 * scale):
        src = contracts[i % len(contracts)]
        c = Contract(body_id=src.body_id, kind_id=src.kind_id, title=f"{src.title} (Kopie {i})", status=src.status)
        for field in ("start_date", "end_date"):
            if hasattr(src, field):
                setattr(c, field, getattr(src, field))
        db.session.add(c)
        counts["contracts"] += 1
        for j in range(3):
            ind = Indicator(
                body_id=src.body_id,
                contract=c,
                name=f"Kennzahl {i}-{j}",
                unit="Fälle",
                baseline_value=Decimal(100),
                baseline_date=date(2024, 1, 1),
                target_mode="absolut",
                target_input=Decimal(rng.randint(80, 140)),
                target_date=date(2027, 12, 31),
                direction=rng.choice(["hoeher", "niedriger"]),
            )
            db.session.add(ind)
            for q in range(4):
                db.session.add(
                    Measurement(
                        indicator=ind,
                        period_end=date(2024, 6, 30) + timedelta(days=182 * q),
                        value=Decimal(rng.randint(70, 150)),
                    )
                )
                counts["measurements"] += 1
    db.session.flush()
    return counts


if __name__ == "__main__":
    from beteiligung import create_app
    from beteiligung.uow import unit_of_work

    app = create_app()
    with app.app_context(), unit_of_work():
        print(grow(int(sys.argv[1])))
