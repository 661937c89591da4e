"""Service rules: committees, memberships, meetings (series, status), agenda, Themenspeicher."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from beteiligung.formatting import to_berlin
from beteiligung.services import PermissionDenied, ValidationError
from beteiligung.services.gremien import mitglieder as mitglieder_svc
from beteiligung.services.gremien import sitzungen as sitzungen_svc
from beteiligung.services.gremien import tagesordnung as tagesordnung_svc
from beteiligung.services.gremien import themen as themen_svc
from models import Meeting, TopicProposal
from tests.support.uow import refused

from .conftest import future


def test_meeting_end_before_start_is_rejected(gw, db):
    before = db.session.scalar(select(func.count()).select_from(Meeting))
    with refused(ValidationError) as exc:
        sitzungen_svc.create_meetings(
            gw.w.planner_k, gw.spk, {"title": "X", "start": future(4, 15), "end": future(4, 14)}
        )
    assert exc.value.errors["end"] == "Das Ende der Sitzung muss nach ihrem Beginn liegen."
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == before


def test_series_every_two_months_keeps_local_time(gw, db):
    start = datetime(2027, 1, 14, 17, 0)  # 18:00 Uhr Berlin (winter)
    meetings = sitzungen_svc.create_meetings(
        gw.w.planner_k,
        gw.spk,
        {"title": "SPK", "start": start, "end": datetime(2027, 1, 14, 19, 0)},
        repeat="zweimonatlich",
        count=6,
    )
    db.session.commit()
    assert len(meetings) == 6
    assert len({m.series_id for m in meetings}) == 1
    assert len({m.ical_uid for m in meetings}) == 6
    assert [to_berlin(m.start).month for m in meetings] == [1, 3, 5, 7, 9, 11]
    assert {to_berlin(m.start).strftime("%H:%M") for m in meetings} == {"18:00"}  # across DST
    assert meetings[0].rrule == "FREQ=MONTHLY;INTERVAL=2;COUNT=6"
    assert meetings[2].title == "SPK (3/6)"


def test_series_needs_count_and_rule_must_be_valid(gw, db):
    with refused(ValidationError) as exc:
        sitzungen_svc.create_meetings(
            gw.w.planner_k,
            gw.spk,
            {"title": "S", "start": future(3), "end": future(3, 18)},
            repeat="zweimonatlich",
            count=None,
        )
    assert "Anzahl" in exc.value.errors["count"]
    with refused(ValidationError) as exc:
        sitzungen_svc.create_meetings(
            gw.w.planner_k,
            gw.spk,
            {"title": "S", "start": future(3), "end": future(3, 18)},
            rule="FREQ=NONSENSE;COUNT=3",
        )
    assert "ungültig" in exc.value.errors["rrule"]


def test_status_flow_and_reason(gw, db):
    m = gw.meeting
    with refused(ValidationError) as exc:
        sitzungen_svc.set_status(gw.w.planner_k, m, "verschoben", "", m.version)
    assert exc.value.errors["reason"] == "Bitte einen Grund angeben."
    with refused(ValidationError):
        sitzungen_svc.set_status(gw.w.planner_k, m, "protokolliert", None, m.version)  # not from geplant
    sitzungen_svc.set_status(gw.w.planner_k, m, "verschoben", "Raum nicht verfügbar", m.version)
    db.session.commit()
    assert m.status == "verschoben" and m.status_reason == "Raum nicht verfügbar"
    for status in ("eingeladen", "durchgeführt", "protokolliert"):
        sitzungen_svc.set_status(gw.w.planner_k, m, status, None, m.version)
        db.session.commit()
    assert m.status == "protokolliert"
    with refused(ValidationError):
        tagesordnung_svc.add_item(gw.w.planner_k, m, {"title": "zu spät"})


def test_update_meeting_raises_sequence_only_on_time_or_place(gw, db):
    m = gw.meeting
    assert m.ical_sequence == 0
    assert sitzungen_svc.update_meeting(gw.w.planner_k, m, {"goals": "neu"}, m.version) is False
    db.session.commit()
    assert m.ical_sequence == 0
    assert sitzungen_svc.update_meeting(gw.w.planner_k, m, {"location": "Rathaus"}, m.version) is True
    db.session.commit()
    assert m.ical_sequence == 1


def test_membership_rules(gw, db):
    w = gw.w
    with refused(ValidationError) as exc:
        mitglieder_svc.add_membership(w.planner_k, gw.spk, {"person_id": w.person_x.id, "deputy_id": 999999})
    assert exc.value.errors["deputy_id"] == "Die Vertretung ist nicht im System erfasst."
    with refused(ValidationError) as exc:
        mitglieder_svc.add_membership(w.planner_k, gw.spk, {"person_id": w.person_a.id})
    assert "bereits Mitglied" in exc.value.errors["person_id"]
    m = mitglieder_svc.add_membership(
        w.planner_k, gw.spk, {"person_id": w.person_x.id, "deputy_id": w.person_b.id, "circle": "erweiterter Kreis"}
    )
    db.session.commit()
    assert m.organisation_id == w.org_x.id and m.deputy_id == w.person_b.id
    with refused(PermissionDenied):
        mitglieder_svc.add_membership(w.partner_a, gw.spk, {"person_id": w.person_x.id})


def test_agenda_numbering_move_and_reorder(gw, db):
    m = gw.meeting
    items = sorted(m.agenda_items, key=lambda i: i.position)
    assert [i.number for i in items] == ["1", "2", "3"]
    tagesordnung_svc.move_item(gw.w.planner_k, items[2], "hoch")
    db.session.commit()
    assert [i.title for i in sorted(m.agenda_items, key=lambda i: i.position)] == [
        "Begrüßung",
        "Zielgruppen 2027",
        "Geheime Personalsache",
    ]
    tagesordnung_svc.reorder(gw.w.planner_k, m, [items[2].id, items[1].id, items[0].id])
    db.session.commit()
    ordered = sorted(m.agenda_items, key=lambda i: i.position)
    assert [i.title for i in ordered] == ["Zielgruppen 2027", "Geheime Personalsache", "Begrüßung"]
    assert [i.number for i in ordered] == ["1", "2", "3"]
    with refused(ValidationError):
        tagesordnung_svc.reorder(gw.w.planner_k, m, [items[0].id])
    tagesordnung_svc.delete_item(gw.w.planner_k, ordered[0])
    db.session.commit()
    assert [i.number for i in sorted(m.agenda_items, key=lambda i: i.position)] == ["1", "2"]


def test_propose_topic_from_other_module_and_schedule(gw, db):
    topic = themen_svc.propose_topic(
        None, gw.spk, "Wohnungsnot", "aus dem Protokoll", "protokolleintrag", 42, "Protokoll SRK Altstadt, Empfehlung 3"
    )
    db.session.commit()
    assert topic.status == "offen" and topic.proposed_by_id is None and topic.source_id == 42
    item = themen_svc.schedule_topic(gw.w.planner_k, topic, gw.meeting)
    db.session.commit()
    assert topic.status == "eingeplant" and topic.agenda_item_id == item.id
    assert item.number == "4" and item.title == "Wohnungsnot"
    with refused(ValidationError):
        themen_svc.propose_topic(None, gw.spk, "  ", None, "mitglied", None, None)
    with refused(ValidationError):
        themen_svc.propose_topic(None, gw.spk, "x", None, "erfunden", None, None)
    # Politik reads but does not fill the Themenspeicher
    with refused(PermissionDenied):
        themen_svc.propose_topic(gw.w.politik, gw.spk, "x", None, "mitglied", None, None)
    # a member (partner of org_a) may propose
    themen_svc.propose_topic(gw.w.partner_a, gw.spk, "Pflegefachkräfte", None, "mitglied", None, "Vorschlag")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(TopicProposal)) == 2
