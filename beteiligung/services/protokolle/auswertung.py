"""Protokolle: Kennzahlen zur Arbeit eines Gremiums (Gremien-Gesundheit)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from beteiligung.extensions import db
from models import (
    Committee,
    Meeting,
    Membership,
    Organisation,
    utcnow,
)
from models.protocols import (
    FOLLOWUP_KINDS,
    Attendance,
    Protocol,
    ProtocolEntry,
    TaskStatus,
)

from .eintraege import _followup_options

# --- committee health -------------------------------------------------------------


def committee_health(committee: Committee, weeks: int | None = None, last_meetings: int = 6) -> dict:
    weeks = weeks or current_app.config.get("PROTOKOLL_STALE_WEEKS", 6)
    meetings = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.committee_id == committee.id,
            Meeting.start <= utcnow(),
            Meeting.id.in_(select(Attendance.meeting_id)),
        )
        .order_by(Meeting.start.desc())
        .limit(last_meetings)
    ).all()
    meetings = list(reversed(meetings))
    meeting_ids = [m.id for m in meetings]
    present = defaultdict(set)  # org_id -> meeting ids with someone present
    if meeting_ids:
        for org_id, mid in db.session.execute(
            select(Attendance.organisation_id, Attendance.meeting_id)
            .where(
                Attendance.meeting_id.in_(meeting_ids),
                Attendance.status == "anwesend",
                Attendance.organisation_id.is_not(None),
            )
            .distinct()
        ):
            present[org_id].add(mid)
    member_orgs = {}
    for org in db.session.scalars(
        select(Organisation)
        .where(
            Organisation.id.in_(
                select(Membership.organisation_id).where(
                    Membership.committee_id == committee.id, Membership.organisation_id.is_not(None)
                )
            )
        )
        .order_by(Organisation.name)
    ):
        member_orgs[org.id] = org
    other_ids = set(present) - set(member_orgs)
    others = (
        {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(other_ids)))}
        if other_ids
        else {}
    )
    continuity = []
    for org_id, org in list(member_orgs.items()) + sorted(others.items(), key=lambda kv: kv[1].name):
        attended = present.get(org_id, set())
        continuity.append(
            {
                "organisation": org,
                "member": org_id in member_orgs,
                "cells": [m.id in attended for m in meetings],
                "count": len(attended),
                "rate": (len(attended) / len(meetings)) if meetings else 0.0,
            }
        )
    never = [c["organisation"] for c in continuity if c["member"] and c["count"] == 0] if meetings else []
    stale_before = utcnow() - timedelta(weeks=weeks)
    base = (
        select(ProtocolEntry)
        .join(Protocol, ProtocolEntry.protocol_id == Protocol.id)
        .join(Meeting, Protocol.meeting_id == Meeting.id)
        .where(
            Meeting.committee_id == committee.id,
            ProtocolEntry.kind.in_(FOLLOWUP_KINDS),
            ProtocolEntry.status != TaskStatus.ERLEDIGT,
        )
        .options(*_followup_options())
        .order_by(Meeting.start, ProtocolEntry.position)
    )
    without_owner = list(
        db.session.scalars(
            base.where(
                ProtocolEntry.owner_person_id.is_(None),
                ProtocolEntry.owner_org_id.is_(None),
                ProtocolEntry.addressee_org_id.is_(None),
            )
        ).unique()
    )
    stale = list(
        db.session.scalars(
            base.where(func.coalesce(ProtocolEntry.status_changed_at, ProtocolEntry.created_at) < stale_before)
        ).unique()
    )
    return {
        "meetings": meetings,
        "continuity": continuity,
        "never": never,
        "without_owner": without_owner,
        "stale": stale,
        "weeks": weeks,
    }
