"""Service tests: attendance, entries, approval, carry-forward, bottom-up flow, reminders, health."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from beteiligung.extensions import db
from beteiligung.services import Conflict, PermissionDenied, ValidationError
from beteiligung.services.protokolle import anwesenheit, ausgaben, auswertung
from beteiligung.services.protokolle import eintraege as svc
from beteiligung.uow import unit_of_work
from models import OutboxMail, utcnow
from models.protocols import Attendance, ProtocolEntry, ProtocolRevision
from tests.support.uow import refused


def task_data(**kw):
    d = {
        "kind": "Aufgabe",
        "text": "Konzept Quartiersbüro-Sprechstunde vorlegen",
        "agenda_item_id": None,
        "owner_org_id": None,
        "owner_person_id": None,
        "due_date": svc.today() + timedelta(days=30),
    }
    d.update(kw)
    return d


def decision_data(**kw):
    d = {
        "kind": "Beschluss",
        "text": "Die Konferenz empfiehlt zwei zusätzliche Familienhebammen.",
        "decision_mode": "abstimmung",
        "votes_yes": 7,
        "votes_no": 1,
        "votes_abstain": 2,
        "binding": True,
        "addressee_org_id": None,
        "for_resolution": False,
    }
    d.update(kw)
    return d


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_attendance_quorum_and_revision(pw):
    m = pw.spk_past
    rows = anwesenheit.attendance_rows(m)
    assert [r["person"].last_name for r in rows] == ["Arndt", "Brandt", "Kreis"]
    anwesenheit.save_attendance(
        pw.planner_k,
        m,
        [
            {"person_id": pw.person_a.id, "status": "anwesend", "organisation_id": pw.org_a.id},
            {
                "person_id": pw.person_b.id,
                "status": "entschuldigt",
                "organisation_id": pw.org_b.id,
                "deputy_id": pw.person_k.id,
            },
            {"person_id": pw.person_k.id, "status": "anwesend", "organisation_id": pw.org_k.id},
        ],
    )
    s = anwesenheit.attendance_summary([m.id])[m.id]
    assert (s["anwesend"], s["entschuldigt"], s["abwesend"], s["vertreten"]) == (2, 1, 0, 1)
    assert anwesenheit.quorum_state(m, s) == {"needed": 2, "present": 2, "reached": True}
    assert count(ProtocolRevision) == 1
    assert m.status == "durchgeführt"


def test_attendance_bad_status_writes_nothing(pw):
    with refused(ValidationError) as exc:
        anwesenheit.save_attendance(
            pw.planner_k,
            pw.spk_past,
            [
                {"person_id": pw.person_a.id, "status": "anwesend"},
                {"person_id": pw.person_b.id, "status": "vielleicht"},
            ],
        )
    db.session.rollback()
    assert "anwesend, entschuldigt oder abwesend" in exc.value.errors[f"status_{pw.person_b.id}"]
    assert count(Attendance) == 0


def test_attendance_needs_editor(pw):
    with refused(PermissionDenied):
        anwesenheit.save_attendance(pw.partner_a, pw.spk_past, [{"person_id": pw.person_a.id, "status": "anwesend"}])


def test_task_due_date_in_past_is_rejected(pw):
    with refused(ValidationError) as exc:
        svc.create_entry(
            pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id, due_date=svc.today() - timedelta(days=1))
        )
    db.session.rollback()
    assert exc.value.errors["due_date"] == "Das Fälligkeitsdatum darf nicht in der Vergangenheit liegen."
    assert count(ProtocolEntry) == 0


def test_task_needs_owner_and_decision_needs_mode(pw):
    with refused(ValidationError) as exc:
        svc.create_entry(pw.planner_k, pw.spk_past, task_data())
    assert "wer die Aufgabe übernimmt" in exc.value.errors["owner_org_id"]
    db.session.rollback()
    with refused(ValidationError) as exc:
        svc.create_entry(pw.planner_k, pw.spk_past, decision_data(decision_mode=None))
    assert "Konsens oder Abstimmung" in exc.value.errors["decision_mode"]
    db.session.rollback()
    with refused(ValidationError) as exc:
        svc.create_entry(pw.planner_k, pw.spk_past, decision_data(votes_yes=None, votes_no=None, votes_abstain=None))
    assert "Stimmen" in exc.value.errors["votes_yes"]


def test_entry_for_foreign_agenda_item_rejected(pw):
    foreign_item = pw.spk_next.agenda_items[0]
    with refused(ValidationError) as exc:
        svc.create_entry(pw.planner_k, pw.spk_past, decision_data(agenda_item_id=foreign_item.id))
    assert "gehört nicht zu dieser Sitzung" in exc.value.errors["agenda_item_id"]


def test_every_save_keeps_revision_and_stale_version_conflicts(pw):
    e = svc.create_entry(pw.planner_k, pw.spk_past, decision_data())
    v1 = e.version
    svc.update_entry(pw.planner_k, e, decision_data(text="Fassung A"), v1)
    with refused(Conflict):
        svc.update_entry(pw.admin, e, decision_data(text="Fassung B"), v1)
    db.session.rollback()
    db.session.refresh(e)
    assert e.text == "Fassung A"
    revs = db.session.scalars(
        select(ProtocolRevision).where(ProtocolRevision.entry_id == e.id).order_by(ProtocolRevision.id)
    ).all()
    assert [r.action for r in revs] == ["eintrag_neu", "eintrag_geaendert"]
    assert revs[-1].author_id == pw.planner_k.id and revs[-1].data["text"] == "Fassung A"


def test_meeting_role_may_edit_partner_may_not(pw):
    with refused(PermissionDenied):
        svc.create_entry(pw.partner_a, pw.spk_past, decision_data())
    db.session.rollback()
    anwesenheit.set_meeting_roles(pw.planner_k, pw.spk_past, {"protokollfuehrung": pw.person_a.id})
    e = svc.create_entry(pw.partner_a, pw.spk_past, decision_data())
    assert e.author_id == pw.partner_a.id
    with refused(PermissionDenied):
        svc.approve(pw.partner_a, pw.spk_past, "", 1)  # Protokollführung does not approve


def test_approval_flow_mails_objections_and_lock(pw, app):
    m = pw.spk_past
    anwesenheit.save_attendance(
        pw.planner_k, m, [{"person_id": pw.person_a.id, "status": "anwesend", "organisation_id": pw.org_a.id}]
    )
    e = svc.create_entry(pw.planner_k, m, decision_data())
    p = svc.get_protocol(m)
    with refused(ValidationError) as exc:
        svc.send_for_approval(pw.planner_k, m, svc.today() - timedelta(days=1), p.version)
    assert "Vergangenheit" in exc.value.errors["objection_deadline"]
    db.session.rollback()
    n = svc.send_for_approval(pw.planner_k, m, svc.today() + timedelta(days=14), p.version)
    assert n == 3  # three invitees (person_a also present)
    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.category == "protokoll")).all()
    assert {x.recipient for x in mails} == {
        "anke.arndt@example.org",
        "bernd.brandt@example.org",
        "karla.kreis@example.org",
    }
    assert "application/pdf" in mails[0].message and "Einwände können bis zum" in mails[0].body_text
    svc.add_objection(pw.partner_a, m, "TOP 2: Die Zahl der Hebammen war drei, nicht zwei.")
    p = svc.get_protocol(m)
    p.objection_deadline = svc.today() - timedelta(days=1)
    db.session.commit()
    with refused(ValidationError) as exc:
        svc.add_objection(pw.partner_b, m, "Zu spät")
    assert "Einspruchsfrist ist am" in exc.value.errors["text"] and "abgelaufen" in exc.value.errors["text"]
    db.session.rollback()
    assert len(svc.get_protocol(m).objections) == 1
    svc.approve(pw.planner_k, m, "in der Sitzung genehmigt", svc.get_protocol(m).version)
    assert svc.get_protocol(m).locked and m.status == "protokolliert"
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.subject.like("Genehmigtes Protokoll%"))
        )
        == 3
    )
    with refused(Conflict) as exc:
        svc.update_entry(pw.planner_k, e, decision_data(text="geändert"), e.version)
    assert "genehmigt und damit gesperrt" in exc.value.message
    db.session.rollback()
    with refused(Conflict):
        svc.create_entry(pw.planner_k, m, decision_data())
    db.session.rollback()
    # follow-up still works on a locked protocol
    svc.set_followup_status(pw.planner_k, e, "in Arbeit", "", e.version)
    p = svc.new_edition(pw.planner_k, m, svc.get_protocol(m).version)
    assert p.status == "entwurf" and p.edition == 2
    svc.update_entry(pw.planner_k, e, decision_data(text="Fassung 2"), e.version)


def test_close_task_needs_note_and_owner_may_close(pw):
    e = svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id))
    with refused(PermissionDenied):  # the owner acts once the protocol has left the draft
        svc.set_followup_status(pw.partner_a, e, "in Arbeit", "", e.version)
    db.session.rollback()
    svc.send_for_approval(
        pw.planner_k, pw.spk_past, svc.today() + timedelta(days=3), svc.get_protocol(pw.spk_past).version
    )
    with refused(ValidationError) as exc:
        svc.set_followup_status(pw.partner_a, e, "erledigt", "", e.version)
    assert "festhalten" in exc.value.errors["note"]
    db.session.rollback()
    with refused(PermissionDenied):
        svc.set_followup_status(pw.partner_b, e, "erledigt", "fertig", e.version)
    db.session.rollback()
    svc.set_followup_status(pw.partner_a, e, "erledigt", "Sprechstunde läuft seit März.", e.version)
    assert e.status == "erledigt" and e.closed_note == "Sprechstunde läuft seit März." and e.closed_at


def test_open_items_carry_forward_across_series(pw):
    task = svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id))
    dec = svc.create_entry(pw.planner_k, pw.spk_past, decision_data())
    info = svc.create_entry(pw.planner_k, pw.spk_past, {"kind": "Information", "text": "Bericht"})
    later = svc.create_entry(pw.planner_k, pw.spk_mid, task_data(owner_org_id=pw.org_b.id, text="Daten liefern"))
    assert svc.open_items(pw.spk_past) == []
    assert {e.id for e in svc.open_items(pw.spk_mid)} == {task.id, dec.id}
    assert {e.id for e in svc.open_items(pw.spk_next)} == {task.id, dec.id, later.id}
    assert info.id not in {e.id for e in svc.open_items(pw.spk_next)}
    svc.set_followup_status(pw.planner_k, task, "erledigt", "erledigt durch AWO", task.version)
    # closed now: it was still open at the (past) middle meeting, but no longer at the next one
    assert task.id in {e.id for e in svc.open_items(pw.spk_mid)}
    assert {e.id for e in svc.open_items(pw.spk_next)} == {dec.id, later.id}
    # other committees never see them
    assert svc.open_items(pw.srk_past) == []


def test_forward_to_themenspeicher_and_back(pw):
    src = svc.create_entry(
        pw.srm_a,
        pw.srk_past,
        {
            "kind": "Empfehlung",
            "text": "Mehr Familienhebammen in der Altstadt\n\nBegründung: lange Wartezeiten.",
            "agenda_item_id": pw.srk_past.agenda_items[1].id,
        },
    )
    info = svc.create_entry(pw.srm_a, pw.srk_past, {"kind": "Information", "text": "Bericht"})
    with refused(ValidationError):
        svc.forward_entry(pw.srm_a, info, pw.spk)
    db.session.rollback()
    with refused(PermissionDenied):
        svc.forward_entry(pw.partner_a, src, pw.spk)
    db.session.rollback()
    topic = svc.forward_entry(pw.srm_a, src, pw.spk)
    assert topic.committee_id == pw.spk.id and topic.status == "offen"
    assert topic.source_type == "protokolleintrag" and topic.source_id == src.id
    assert topic.title == "Mehr Familienhebammen in der Altstadt"
    assert topic.source_label.startswith("Empfehlung aus: Sozialraumkonferenz Altstadt, ")
    assert topic.source_label.endswith("TOP 2")
    with refused(Conflict):
        svc.forward_entry(pw.srm_a, src, pw.spk)
    db.session.rollback()
    # the receiving committee places it on a TOP and decides
    item = pw.spk_next.agenda_items[1]
    topic.agenda_item_id, topic.status = item.id, "eingeplant"
    db.session.commit()
    d = svc.create_entry(pw.planner_k, pw.spk_next, decision_data(agenda_item_id=item.id))
    incoming = svc.incoming_topics(pw.spk_next)
    assert [(t.id, s.id) for t, s in incoming[item.id]] == [(topic.id, src.id)]
    ctx = ausgaben.protocol_context(pw.srk_past)
    outcomes = svc.forward_outcomes(ctx["entries"])
    assert [x.id for x in outcomes[item.id]] == [d.id]


def test_foreign_committee_forward_is_not_found(pw):
    src = svc.create_entry(pw.srm_a, pw.srk_past, {"kind": "Erkenntnis", "text": "Bedarf"})
    from beteiligung.services import NotFound

    with refused(NotFound):
        svc.forward_entry(pw.srm_a, src, pw.foreign)


def test_political_resolution(pw):
    e = svc.create_entry(pw.planner_k, pw.spk_past, decision_data(addressee_org_id=pw.org_k.id, for_resolution=True))
    with refused(ValidationError) as exc:
        svc.record_political_resolution(pw.planner_k, e, svc.today() + timedelta(days=3), "beschlossen", "", e.version)
    assert "Zukunft" in exc.value.errors["political_date"]
    db.session.rollback()
    with refused(PermissionDenied):
        svc.record_political_resolution(pw.politik, e, svc.today(), "beschlossen", "", e.version)
    db.session.rollback()
    svc.record_political_resolution(pw.planner_k, e, svc.today(), "beschlossen", "Kreistag", e.version)
    assert e.political_outcome == "beschlossen" and e.political_date == svc.today()


def test_reminders_before_and_after_once(pw, app):
    svc.create_entry(
        pw.planner_k, pw.spk_past, task_data(owner_person_id=pw.person_a.id, due_date=svc.today() + timedelta(days=3))
    )
    late = svc.create_entry(
        pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_b.id, due_date=svc.today() + timedelta(days=1))
    )
    far = svc.create_entry(
        pw.planner_k, pw.spk_past, task_data(owner_person_id=pw.person_b.id, due_date=svc.today() + timedelta(days=60))
    )
    pw.org_b.email = "info@jobcenter.example"
    late.due_date = svc.today() - timedelta(days=2)
    db.session.commit()
    runner = app.test_cli_runner()
    # while the protocol is a draft its tasks are not announced to the owners
    result = runner.invoke(args=["tasks", "remind"])
    assert result.exit_code == 0 and "0 Erinnerungen vor Fälligkeit, 0 nach Fälligkeit" in result.output
    svc.send_for_approval(
        pw.planner_k, pw.spk_past, svc.today() + timedelta(days=3), svc.get_protocol(pw.spk_past).version
    )
    result = runner.invoke(args=["tasks", "remind"])
    assert result.exit_code == 0, result.output
    assert "1 Erinnerung vor Fälligkeit, 1 nach Fälligkeit" in result.output
    mails = {m.recipient: m for m in db.session.scalars(select(OutboxMail).where(OutboxMail.category == "erinnerung"))}
    assert set(mails) == {"anke.arndt@example.org", "info@jobcenter.example"}
    assert mails["info@jobcenter.example"].subject.startswith("Überfällig seit")
    result = runner.invoke(args=["tasks", "remind"])
    assert "0 Erinnerungen vor Fälligkeit, 0 nach Fälligkeit" in result.output
    assert far.reminded_before_at is None
    result = runner.invoke(args=["tasks", "remind", "--date", "31.02.2027"])
    assert result.exit_code != 0 and "TT.MM.JJJJ" in result.output


def test_committee_health(pw, app):
    anwesenheit.save_attendance(
        pw.planner_k,
        pw.spk_past,
        [
            {"person_id": pw.person_a.id, "status": "anwesend", "organisation_id": pw.org_a.id},
            {"person_id": pw.person_b.id, "status": "abwesend", "organisation_id": pw.org_b.id},
        ],
    )
    anwesenheit.save_attendance(
        pw.planner_k,
        pw.spk_mid,
        [
            {"person_id": pw.person_a.id, "status": "anwesend", "organisation_id": pw.org_a.id},
            {"person_id": pw.person_k.id, "status": "anwesend", "organisation_id": pw.org_k.id},
        ],
    )
    no_owner = svc.create_entry(pw.planner_k, pw.spk_past, decision_data())
    stale = svc.create_entry(pw.planner_k, pw.spk_past, task_data(owner_org_id=pw.org_a.id))
    stale.status_changed_at = utcnow() - timedelta(weeks=10)
    db.session.commit()
    h = auswertung.committee_health(pw.spk, weeks=6)
    rows = {r["organisation"].id: r for r in h["continuity"]}
    assert rows[pw.org_a.id]["cells"] == [True, True] and rows[pw.org_a.id]["rate"] == 1.0
    assert rows[pw.org_k.id]["cells"] == [False, True]
    assert [o.id for o in h["never"]] == [pw.org_b.id]
    assert [e.id for e in h["without_owner"]] == [no_owner.id]
    assert [e.id for e in h["stale"]] == [stale.id]


def test_two_writers_at_the_same_moment_database_decides(pw):
    """Both passed the form version check; the second UPDATE finds a newer row and becomes a Conflict."""
    from sqlalchemy.orm import Session

    with unit_of_work():
        e = svc.create_entry(pw.planner_k, pw.spk_past, decision_data(text="Ausgangstext"))
    version = e.version
    with Session(db.engine) as other:  # a second request, in its own transaction
        same = other.get(ProtocolEntry, e.id)
        same.text = "Text aus dem anderen Browser"
        other.commit()
    # this session still holds version 1 in memory and passes ensure_version
    with refused(Conflict):
        svc.update_entry(pw.admin, e, decision_data(text="Mein Text"), version)
    db.session.expire_all()
    assert db.session.get(ProtocolEntry, e.id).text == "Text aus dem anderen Browser"
    assert (
        db.session.scalar(
            select(func.count()).select_from(ProtocolRevision).where(ProtocolRevision.action == "eintrag_geaendert")
        )
        == 0
    )


def test_simultaneous_attendance_insert_is_conflict_not_500(pw):
    from sqlalchemy.orm import Session

    svc.ensure_protocol(pw.spk_past)
    db.session.commit()
    with Session(db.engine) as other:
        other.add(Attendance(meeting_id=pw.spk_past.id, person_id=pw.person_a.id, status="anwesend"))
        other.commit()
    # this writer did not see the row yet (it loads existing rows first; simulate by inserting directly)
    db.session.add(Attendance(meeting_id=pw.spk_past.id, person_id=pw.person_a.id, status="abwesend"))
    with pytest.raises(Conflict), svc._stale_guard():
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(Attendance.status)) == "anwesend"


def test_attendance_saves_from_the_same_form_state_conflict(pw):
    m = pw.spk_past
    v = m.attendance_version
    anwesenheit.save_attendance(pw.planner_k, m, [{"person_id": pw.person_a.id, "status": "anwesend"}], v)
    with refused(anwesenheit.AttendanceConflict):
        anwesenheit.save_attendance(pw.admin, m, [{"person_id": pw.person_a.id, "status": "abwesend"}], v)
    db.session.expire_all()
    assert db.session.scalar(select(Attendance.status)) == "anwesend"
    assert db.session.get(type(m), m.id).attendance_version == v + 1


def test_concurrent_attendance_saves_exactly_one_wins(app, pw):
    """Two threads with their own connections save from the same form state at the same moment."""
    import threading

    m_id, v = pw.spk_past.id, pw.spk_past.attendance_version
    planner_id, admin_id, person_id = pw.planner_k.id, pw.admin.id, pw.person_a.id
    barrier, results = threading.Barrier(2), []

    def save(user_id, status):
        with app.app_context():
            from models import Meeting, User

            user, meeting = db.session.get(User, user_id), db.session.get(Meeting, m_id)
            barrier.wait()
            try:
                with unit_of_work():  # each thread is one request
                    anwesenheit.save_attendance(user, meeting, [{"person_id": person_id, "status": status}], v)
                results.append(status)
            except Conflict:
                results.append("konflikt")
            finally:
                db.session.remove()

    db.session.commit()
    threads = [
        threading.Thread(target=save, args=(planner_id, "anwesend")),
        threading.Thread(target=save, args=(admin_id, "entschuldigt")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results).count("konflikt") == 1, results
    winner = next(r for r in results if r != "konflikt")
    db.session.expire_all()
    assert db.session.scalar(select(Attendance.status).where(Attendance.meeting_id == m_id)) == winner
    assert db.session.get(type(pw.spk_past), m_id).attendance_version == v + 1


def test_deleting_a_meeting_removes_its_protocol(pw):
    anwesenheit.save_attendance(pw.planner_k, pw.spk_mid, [{"person_id": pw.person_a.id, "status": "anwesend"}])
    svc.create_entry(pw.planner_k, pw.spk_mid, decision_data())
    anwesenheit.set_meeting_roles(pw.planner_k, pw.spk_mid, {"moderation": pw.person_k.id})
    m = db.session.get(type(pw.spk_mid), pw.spk_mid.id)
    assert m.protocol is not None
    db.session.delete(m)
    db.session.commit()
    assert count(ProtocolEntry) == 0 and count(Attendance) == 0
