"""Terminabstimmung: end to end with the real SMTP server and the token links, the tally against a
hand count, deadline, reminders (CLI), the pick that creates or moves the meeting and invites it
(iTIP), permissions and bad input (4xx, nothing written)."""

from __future__ import annotations

import re
from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from beteiligung.formatting import to_berlin
from beteiligung.services import Conflict, PermissionDenied, ValidationError
from beteiligung.services.mail import send_queued
from beteiligung.services.werkstatt import polls as svc
from models import Invitation, Meeting, OutboxMail, utcnow
from models.werkstatt import DatePoll, DatePollAnswer, DatePollInvitee, PollStatus

from .conftest import future, switch_user

LINK = re.compile(r"http://\S+/werkstatt/abstimmung/(\S+)")


def _local(dt):
    return to_berlin(dt).strftime("%d.%m.%Y %H:%M")


def _create_via_page(client, gw, **extra):
    o1, o2, o3 = future(12, 16), future(13, 16), future(14, 8)
    deadline = to_berlin(future(8, 12)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "committee_id": str(gw.spk.id),
        "title": "Werkstatt Prioritäten",
        "description": "Gemeinsam priorisieren",
        "location": "Kreishaus, Saal 2",
        "options": f"{_local(o1)}\n{_local(o2)}\n{_local(o3)}",
        "duration_minutes": "180",
        "deadline": deadline,
        "members": "y",
        **extra,
    }
    client.login("planung@kreis.example")
    r = client.post("/werkstatt/abstimmungen/neu", data=data)
    return r


def _links(smtp_server):
    out = {}
    for rcpt, msg in smtp_server.received:
        body = msg.get_body(preferencelist=("plain",)).get_content()
        m = LINK.search(body)
        if m:
            out[rcpt[0]] = m.group(1)
    return out


def _answer(client, token, poll, values, comment=""):
    data = {f"option_{o.id}": v for o, v in zip(poll.options, values)}
    data["comment"] = comment
    return client.post(f"/werkstatt/abstimmung/{token}", data=data)


def test_poll_end_to_end_with_smtp_and_token_links(client, gw, app, db, smtp_server):
    smtp_server.configure(app)
    r = _create_via_page(client, gw)
    assert r.status_code == 303, r.get_data(as_text=True)
    poll = db.session.scalar(select(DatePoll))
    assert [i.person.email for i in poll.invitees] == ["anke.arndt@example.org", "bernd.brandt@example.org"]
    assert len(poll.options) == 3 and poll.status == PollStatus.OFFEN
    # only hashes stored
    assert all(len(i.token_hash) == 64 for i in poll.invitees)
    assert send_queued() == (2, 0)
    links = _links(smtp_server)
    assert set(links) == {"anke.arndt@example.org", "bernd.brandt@example.org"}
    msg = smtp_server.messages[0]
    assert msg["Subject"] == "Terminabstimmung: Werkstatt Prioritäten"
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert f"{to_berlin(poll.options[0].start):%d.%m.%Y}, 16:00 bis 19:00" in body or "bis" in body
    assert not any(i.token_hash in body for i in poll.invitees)

    anon = app.test_client()
    page = anon.get(f"/werkstatt/abstimmung/{links['anke.arndt@example.org']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Guten Tag Anke Arndt" in html
    assert html.count('type="radio"') == 9
    r = _answer(anon, links["anke.arndt@example.org"], poll, ["ja", "nein", "wenn_noetig"], "Ab 15 Uhr")
    assert r.status_code == 200 and "Danke für Ihre Antwort" in r.get_data(as_text=True)
    r = _answer(anon, links["bernd.brandt@example.org"], poll, ["wenn_noetig", "nein", "ja"])
    assert r.status_code == 200
    # changing an answer replaces it (no second row)
    r = _answer(anon, links["bernd.brandt@example.org"], poll, ["ja", "nein", "ja"])
    assert r.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(DatePollAnswer)) == 6

    # tally against a hand count: option 1 ja 2; option 2 nein 2; option 3 ja 1 + wenn nötig 1
    t = svc.tally(poll)
    o1, o2, o3 = poll.options
    assert t["counts"][o1.id] == {"ja": 2, "wenn_noetig": 0, "nein": 0}
    assert t["counts"][o2.id] == {"ja": 0, "wenn_noetig": 0, "nein": 2}
    assert t["counts"][o3.id] == {"ja": 1, "wenn_noetig": 1, "nein": 0}
    assert t["best_option_id"] == o1.id and t["answered"] == 2
    stand = client.get(f"/werkstatt/abstimmungen/{poll.id}/stand.json").get_json()
    assert stand["counts"][str(o1.id)]["ja"] == 2 and stand["answered"] == 2 and stand["best"] == o1.id
    page = re.sub(r"<[^>]+>", "", client.get(f"/werkstatt/abstimmungen/{poll.id}").get_data(as_text=True))
    assert "2 von 2 haben geantwortet" in page and "Ab 15 Uhr" in page

    # the planner picks option 1: the meeting is created and invited with the usual iTIP invitation
    smtp_server.received.clear()
    r = client.post(
        f"/werkstatt/abstimmungen/{poll.id}/entscheiden", data={"option_id": o1.id, "version": poll.version}
    )
    assert r.status_code == 303, r.get_data(as_text=True)
    db.session.expire_all()
    poll = db.session.get(DatePoll, poll.id)
    assert poll.status == PollStatus.ENTSCHIEDEN and poll.chosen_option_id == o1.id
    m = poll.meeting
    assert m.start == o1.start and m.end == o1.end and m.status == "eingeladen" and m.location == "Kreishaus, Saal 2"
    assert {i.person.email for i in db.session.scalars(select(Invitation).where(Invitation.meeting_id == m.id))} == {
        "anke.arndt@example.org",
        "bernd.brandt@example.org",
    }
    assert send_queued() == (2, 0)
    msg = smtp_server.messages[0]
    assert msg["Subject"].startswith("Einladung: Werkstatt Prioritäten")
    cal = [p for p in msg.walk() if p.get_content_type() == "text/calendar"][0]
    ev = icalendar.Calendar.from_ical(cal.get_payload(decode=True))
    assert str(ev["METHOD"]) == "REQUEST"
    assert list(ev.walk("VEVENT"))[0].decoded("DTSTART").astimezone().replace(tzinfo=None) is not None

    # an answer after the decision: German message, 409, nothing changed
    r = _answer(anon, links["anke.arndt@example.org"], poll, ["nein", "nein", "nein"])
    assert r.status_code == 409
    assert "Termin wurde" in r.get_data(as_text=True)
    assert (
        db.session.scalar(select(func.count()).select_from(DatePollAnswer).where(DatePollAnswer.value == "nein")) == 2
    )


def test_answer_after_deadline_is_refused(client, gw, app, db):
    poll = _poll(gw, db)
    inv = poll.invitees[0]
    token = svc.poll_token(poll.id, inv.person_id)
    poll.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    anon = app.test_client()
    r = anon.get(f"/werkstatt/abstimmung/{token}")
    assert r.status_code == 200 and "Antwortfrist ist am" in r.get_data(as_text=True)
    r = _answer(anon, token, poll, ["ja", "ja"])
    assert r.status_code == 409
    assert "Antwortfrist ist am" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(DatePollAnswer)) == 0
    db.session.expire_all()
    assert db.session.get(DatePollInvitee, inv.id).answered_at is None


def test_answer_bad_input(client, gw, app, db):
    poll = _poll(gw, db)
    token = svc.poll_token(poll.id, poll.invitees[0].person_id)
    anon = app.test_client()
    r = anon.post(f"/werkstatt/abstimmung/{token}", data={f"option_{poll.options[0].id}": "ja"})
    assert r.status_code == 422
    assert "ja, wenn nötig oder nein wählen" in r.get_data(as_text=True)
    r = anon.post(f"/werkstatt/abstimmung/{token}", data={f"option_{o.id}": "vielleicht" for o in poll.options})
    assert r.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(DatePollAnswer)) == 0
    assert anon.get("/werkstatt/abstimmung/falsch").status_code == 404
    assert anon.get("/werkstatt/abstimmung/" + "x" * 200).status_code == 404


def _poll(gw, db, meeting=None, n_options=2):
    w = gw.w
    options = [(future(12 + i, 16), future(12 + i, 18)) for i in range(n_options)]
    poll = svc.create_poll(w.planner_k, gw.spk, {"title": "Runde", "deadline": future(8)}, options, meeting=meeting)
    db.session.commit()
    return poll


def test_create_bad_input_writes_nothing(client, gw, db):
    r = _create_via_page(client, gw, options=_local(future(12)))
    assert r.status_code == 422 and "mindestens zwei Terminvorschläge" in r.get_data(as_text=True)
    r = _create_via_page(client, gw, options=f"{_local(future(12))}\nnächsten Dienstag")
    assert r.status_code == 422 and "Nicht lesbar: Zeile 2" in r.get_data(as_text=True)
    r = _create_via_page(client, gw, deadline=to_berlin(future(20)).strftime("%Y-%m-%dT%H:%M"))
    assert r.status_code == 422 and "vor dem ersten Terminvorschlag" in r.get_data(as_text=True)
    r = _create_via_page(client, gw, options=f"01.01.2020 10:00\n{_local(future(12))}")
    assert r.status_code == 422 and "in der Zukunft" in r.get_data(as_text=True)
    r = _create_via_page(client, gw, person_ids=str(gw.w.person_x.id))  # a person of the foreign Kreis
    assert r.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(DatePoll)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_decide_moves_planned_meeting_and_invites(gw, db):
    w = gw.w
    poll = _poll(gw, db, meeting=gw.meeting)
    chosen = poll.options[1]
    with pytest.raises(Conflict):
        svc.decide(w.planner_k, poll, chosen.id, poll.version + 5)
    with pytest.raises(ValidationError):
        svc.decide(w.planner_k, poll, 999999, poll.version)
    m = svc.decide(w.planner_k, poll, chosen.id, poll.version)
    db.session.commit()
    assert m.id == gw.meeting.id and m.start == chosen.start and m.status == "eingeladen"
    assert m.ical_sequence == 1
    assert db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.committee_id == gw.spk.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.meeting_id == m.id)) == 2
    with pytest.raises(ValidationError):  # decided once
        svc.decide(w.planner_k, poll, chosen.id, poll.version)


def test_reminders_cli_only_non_responders(app, gw, db):
    poll = _poll(gw, db)
    inv_a = next(i for i in poll.invitees if i.person_id == gw.w.person_a.id)
    svc.answer(svc.poll_token(poll.id, inv_a.person_id), {o.id: "ja" for o in poll.options})
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["werkstatt", "erinnern"])
    assert result.exit_code == 0, result.output
    assert "1 Erinnerung zu Terminabstimmungen" in result.output
    mails = db.session.scalars(select(OutboxMail).where(OutboxMail.category == "terminabstimmung-erinnerung")).all()
    assert [m.recipient for m in mails] == ["bernd.brandt@example.org"]
    assert svc.answer_url(poll.invitees[1]) in mails[0].body_text or "/werkstatt/abstimmung/" in mails[0].body_text
    result = runner.invoke(args=["werkstatt", "erinnern"])
    assert "0 Erinnerungen" in result.output  # at most once in 24 hours


@pytest.mark.parametrize(
    "who, index, detail",
    [
        ("planung@kreis.example", 200, 200),
        ("admin@test.example", 200, 200),
        ("planung@fremd.example", 200, 404),  # planner of another Kreis
        ("srm@ahlen.example", 200, 404),  # manages SRK Altstadt, not the SPK
        ("partner@wohlfahrt.example", 403, 404),  # member organisation, but not an organiser
        ("partner@jobcenter.example", 403, 404),
        ("politik@kreis.example", 403, 404),
    ],
)
def test_permissions(client, gw, db, who, index, detail):
    poll = _poll(gw, db)
    c = switch_user(client, who)
    assert c.get("/werkstatt/").status_code == index
    assert c.get(f"/werkstatt/abstimmungen/{poll.id}").status_code == detail
    assert c.get(f"/werkstatt/abstimmungen/{poll.id}/stand.json").status_code == detail
    r = c.post(
        f"/werkstatt/abstimmungen/{poll.id}/entscheiden",
        data={"option_id": poll.options[0].id, "version": poll.version},
    )
    assert r.status_code == (303 if detail == 200 else 404)


def test_service_permission_and_anonymous(client, gw, db):
    with pytest.raises(PermissionDenied):
        svc.create_poll(
            gw.w.partner_a,
            gw.spk,
            {"title": "x", "deadline": future(8)},
            [(future(12), future(12, 18)), (future(13), future(13, 18))],
        )
    assert client.get("/werkstatt/").status_code in (302, 401)


def test_detail_page_query_count_constant(client, gw, db):
    from models import Person
    from tests.support.queries import assert_constant_queries

    poll = _poll(gw, db)
    client.login("planung@kreis.example")

    def grow(factor):
        for i in range(factor):
            p = Person(body=gw.w.kreis, first_name="Viel", last_name=f"Person {i:03d}", email=f"v{i}@example.org")
            db.session.add(p)
            db.session.flush()
            inv = DatePollInvitee(poll=poll, person=p, token_hash=f"{i:064d}")
            db.session.add(inv)
            inv.answers.append(DatePollAnswer(option_id=poll.options[0].id, value="ja"))
        db.session.commit()

    assert_constant_queries(client, db.engine, f"/werkstatt/abstimmungen/{poll.id}", grow)


def test_poll_list_query_count_constant(client, gw, db):
    from tests.support.queries import assert_constant_queries

    _poll(gw, db)
    client.login("planung@kreis.example")

    def grow(factor):
        for _ in range(factor):
            svc.create_poll(
                gw.w.planner_k,
                gw.spk,
                {"title": "Noch eine", "deadline": future(8)},
                [(future(12, 16), future(12, 18)), (future(13, 16), future(13, 18))],
            )
        db.session.commit()

    assert_constant_queries(client, db.engine, "/werkstatt/", grow)
