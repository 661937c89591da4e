"""The demo step builds the committees and meetings later steps rely on."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Invitation, OutboxMail


def test_demo_step_committees_and_meetings(app, db):
    from beteiligung.demo import load_demo

    ctx = load_demo()
    assert set(ctx.committees) == {"spk", "srk_suedstadt", "srk_hoheeiche", "werkstatt"}
    assert set(ctx.meetings) == {"spk_next", "spk_past", "srk_suedstadt_past", "srk_suedstadt_next"}
    assert ctx.meetings["spk_past"].status == "durchgeführt"
    assert ctx.meetings["spk_next"].status == "eingeladen" and ctx.meetings["spk_next"].goals
    assert ctx.committees["srk_suedstadt"].is_public and not ctx.committees["spk"].is_public
    assert any(not i.is_public for i in ctx.meetings["srk_suedstadt_next"].agenda_items)
    answered = db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.rsvp != "offen"))
    assert answered >= 5
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) > 10
    orgs = {m.organisation.short_name for m in ctx.committees["spk"].memberships if m.organisation and m.has_mandate}
    assert {"AWO", "Caritas", "Diakonie", "DRK", "Jobcenter", "Jugendamt"} <= orgs
