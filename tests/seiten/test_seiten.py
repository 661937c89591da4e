"""Issue 14: constant cost per page. Each key page keeps its SQL statement count, the rows it fetches from
the database and its HTML size when the data grows tenfold (lists are filled beyond one page first); long lists page
(page 2, out-of-range → last page, bad page argument → page 1, never a 500).

Growth uses persons and organisations of the foreign Kreis where a page would otherwise list them in a
person/organisation dropdown: those dropdowns are replaced by pickers in a parallel change (auswahl),
this guard is about the lists of the pages.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from beteiligung.extensions import db
from models import Committee, CommitteeType, Invitation, Meeting, Membership, Person, utcnow
from models.committees import TopicProposal
from models.contracts import Contract, ContractKind, Indicator, Measurement
from models.protocols import Protocol, ProtocolEntry
from tests.support.queries import assert_constant_page, measure_page

_seq = itertools.count()


class Pages:
    """A committee of the Kreis with long lists, and growers for each kind of list."""

    def __init__(self, w):
        self.w = w
        types = {t.name: t for t in db.session.scalars(select(CommitteeType))}
        self.committee = Committee(body=w.kreis, type=types["Sozialplanungskonferenz"], name="SPK Groß")
        db.session.add(self.committee)
        self.committee.memberships.append(Membership(person=w.person_a, organisation=w.org_a, has_mandate=True))
        now = utcnow().replace(microsecond=0)
        self.now = now
        self.current = self._meeting(now + timedelta(days=3), "Aktuelle Sitzung")
        db.session.add(Protocol(meeting=self.current, status="entwurf"))
        self.foreign_org = w.org_x
        kind = db.session.scalar(select(ContractKind).where(ContractKind.name == "Zielvereinbarung"))
        self.contract = self._contract(kind, "Kontrakt unter Beobachtung")
        self.kind = kind
        db.session.commit()

    def _meeting(self, start, title):
        m = Meeting(
            committee=self.committee,
            title=title,
            start=start,
            end=start + timedelta(hours=2),
            status="eingeladen",
            ical_uid=f"{uuid.uuid4()}@test",
        )
        db.session.add(m)
        return m

    def _contract(self, kind, title):
        c = Contract(
            body=self.w.kreis,
            kind=kind,
            status="laufend",
            title=title,
            start_date=date(2024, 1, 1),
            end_date=date(2027, 12, 31),
        )
        db.session.add(c)
        return c

    def members(self, n):
        for _ in range(n):
            i = next(_seq)
            p = Person(
                body=self.w.fremd_kommune,
                first_name="Fern",
                last_name=f"Mitglied {i:05d}",
                organisation=self.foreign_org,
            )
            db.session.add(Membership(committee=self.committee, person=p, organisation=self.foreign_org))
        db.session.commit()

    def invitations(self, n):
        """n invitees of the current meeting (foreign persons: not in any of the planner's dropdowns)."""
        for _ in range(n):
            i = next(_seq)
            p = Person(
                body=self.w.fremd_kommune,
                first_name="Gast",
                last_name=f"Eingeladen {i:05d}",
                organisation=self.foreign_org,
            )
            db.session.add(
                Invitation(
                    meeting=self.current,
                    person=p,
                    organisation=self.foreign_org,
                    token_hash=uuid.uuid4().hex,
                    rsvp="zugesagt" if i % 3 else "offen",
                )
            )
        db.session.commit()

    def meetings(self, n):
        for _ in range(n):
            i = next(_seq)
            self._meeting(self.now - timedelta(days=400 + i), f"Frühere Sitzung {i:05d}")
        db.session.commit()

    def topics(self, n):
        for _ in range(n):
            i = next(_seq)
            db.session.add(TopicProposal(committee=self.committee, title=f"Thema {i:05d}", source_type="mitglied"))
        db.session.commit()

    def committee_lists(self, n):
        self.members(n)
        self.meetings(n)
        self.topics(n)

    def open_items(self, n):
        """n earlier meetings with an approved protocol and one open task each (owner: a foreign organisation)."""
        for _ in range(n):
            i = next(_seq)
            m = self._meeting(self.now - timedelta(days=30 + i), f"Sitzung mit Aufgabe {i:05d}")
            protocol = Protocol(meeting=m, status="genehmigt")
            db.session.add(protocol)
            db.session.add(
                ProtocolEntry(
                    protocol=protocol,
                    kind="Aufgabe",
                    text=f"Aufgabe {i:05d}",
                    owner_org=self.foreign_org,
                    due_date=(self.now + timedelta(days=i % 50)).date(),
                    status="offen",
                )
            )
        db.session.commit()

    def indicators(self, n):
        for _ in range(n):
            i = next(_seq)
            ind = Indicator(
                body=self.w.kreis,
                contract=self.contract,
                name=f"Kennzahl {i:05d}",
                baseline_value=Decimal(100),
                baseline_date=date(2023, 12, 31),
                target_mode="absolut",
                target_input=Decimal(200),
                target_date=date(2025, 12, 31),
                direction="hoeher",
            )
            db.session.add(ind)
            db.session.add(Measurement(indicator=ind, period_end=date(2024, 12, 31), value=Decimal(100 + i % 60)))
        db.session.commit()

    def contracts(self, n):
        for _ in range(n):
            self._contract(self.kind, f"Vertrag {next(_seq):05d}")
        db.session.commit()


@pytest.fixture
def pages(world):
    return Pages(world)


def _login(client, user):
    client.login(user.email)


# --- the second guard: statements, rows and bytes stay constant -------------------------------------


@pytest.mark.parametrize("who", ["planner_k", "politik"])
def test_committee_page_constant(client, db, pages, who):
    pages.committee_lists(60)  # more than one page of members (50), meetings (20), topics (20)
    _login(client, getattr(pages.w, who))
    assert_constant_page(
        client, db.engine, f"/gremien/{pages.committee.id}", lambda f: pages.committee_lists(60 * (f - 1))
    )


def test_meeting_and_protocol_pages_constant(client, db, pages):
    pages.open_items(25)  # more open items than the 20 shown
    _login(client, pages.w.planner_k)
    for url in (f"/gremien/sitzungen/{pages.current.id}", f"/protokolle/sitzungen/{pages.current.id}/"):
        assert_constant_page(client, db.engine, url, lambda f: pages.open_items(25 * (f - 1)))


def test_meeting_invitations_page(client, db, pages):
    pages.invitations(60)  # more than one page (50)
    _login(client, pages.w.planner_k)
    url = f"/gremien/sitzungen/{pages.current.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Eingeladene (60)" in html and "Seiten der Eingeladenen" in html and "eingeladene=2#einladungen" in html
    assert "Zusage: <strong>40</strong>" in html  # the counts per answer cover all invitees
    page2 = client.get(f"{url}?eingeladene=2").get_data(as_text=True)
    assert "Seite 2 von 2" in page2
    assert client.get(f"{url}?eingeladene=xyz").status_code == 200
    assert_constant_page(client, db.engine, url, lambda f: pages.invitations(60 * (f - 1)))


@pytest.mark.parametrize("who", ["planner_k", "admin"])
def test_followup_constant(client, db, pages, who):
    pages.open_items(30)
    _login(client, getattr(pages.w, who))
    assert_constant_page(client, db.engine, "/protokolle/", lambda f: pages.open_items(30 * (f - 1)))


@pytest.mark.parametrize("who", ["planner_k", "partner_a", "politik"])
def test_start_page_constant(client, db, pages, who):
    pages.open_items(10)
    pages.meetings(5)
    _login(client, getattr(pages.w, who))
    assert_constant_page(
        client, db.engine, "/", lambda f: (pages.open_items(10 * (f - 1)), pages.meetings(5 * (f - 1)))
    )


def test_indicator_overview_constant(client, db, pages):
    pages.indicators(60)  # more than one page (50)
    _login(client, pages.w.planner_k)
    for url in ("/kontrakte/kennzahlen/", "/kontrakte/kennzahlen/?ampel=rot"):
        assert_constant_page(client, db.engine, url, lambda f: pages.indicators(60 * (f - 1)))


def test_contract_pages_constant(client, db, pages):
    pages.contracts(30)  # more than one page (25)
    _login(client, pages.w.planner_k)
    assert_constant_page(client, db.engine, "/kontrakte/", lambda f: pages.contracts(30 * (f - 1)))
    assert_constant_page(client, db.engine, f"/kontrakte/{pages.contract.id}", lambda f: pages.contracts(10 * (f - 1)))


# --- pagination ------------------------------------------------------------------------------------


def test_committee_lists_page_independently(client, pages):
    pages.members(55)
    pages.meetings(25)
    _login(client, pages.w.planner_k)
    url = f"/gremien/{pages.committee.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Mitglieder (56)" in html and "Seiten der Mitglieder" in html and "Seiten der Sitzungen" in html
    assert "mitglieder=2#mitglieder" in html and "sitzungen=2#sitzungen" in html
    page2 = client.get(f"{url}?mitglieder=2&sitzungen=2").get_data(as_text=True)
    # each list shows its own page; the links of one list keep the other list's page
    assert page2.count("Seite 2 von 2") == 2
    assert "mitglieder=2&amp;sitzungen=1" in page2 or "sitzungen=1&amp;mitglieder=2" in page2
    # out of range → the last page; a bad argument → page 1; never a 500
    assert "Seite 2 von 2" in client.get(f"{url}?mitglieder=999").get_data(as_text=True)
    for bad in ("abc", "-3", "0", "1e9", "99999999999999999999"):
        r = client.get(f"{url}?mitglieder={bad}&sitzungen={bad}&themen={bad}")
        assert r.status_code == 200, bad
        assert "Seite 1 von 2" in r.get_data(as_text=True) or bad == "99999999999999999999"


def test_member_page_two_shows_the_rest(client, pages):
    pages.members(55)  # 56 members with person_a
    _login(client, pages.w.politik)
    url = f"/gremien/{pages.committee.id}"
    names = db.session.scalars(
        select(Membership.id)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.committee_id == pages.committee.id)
    ).all()
    assert len(names) == 56
    page1, page2 = (client.get(f"{url}?mitglieder={p}").get_data(as_text=True) for p in (1, 2))
    rows1 = page1.split('id="mitglieder"')[1].split("</table>")[0].count('<tr class="kern-table__row">') - 1
    rows2 = page2.split('id="mitglieder"')[1].split("</table>")[0].count('<tr class="kern-table__row">') - 1
    assert (rows1, rows2) == (50, 6)


def test_followup_pages(client, pages):
    pages.open_items(30)
    _login(client, pages.w.planner_k)
    page1 = client.get("/protokolle/").get_data(as_text=True)
    page2 = client.get("/protokolle/?seite=2").get_data(as_text=True)
    tasks1 = {f"Aufgabe {i:05d}" for i in range(100000) if f"Aufgabe {i:05d}" in page1}
    tasks2 = {f"Aufgabe {i:05d}" for i in range(100000) if f"Aufgabe {i:05d}" in page2}
    assert len(tasks1) == 25 and len(tasks2) == 5 and not tasks1 & tasks2
    assert "Seite 2 von 2" in client.get("/protokolle/?seite=50").get_data(as_text=True)
    for bad in ("x", "-1", "0", "99999999999999999999"):
        assert client.get(f"/protokolle/?seite={bad}").status_code == 200


def test_open_items_show_the_first_twenty_and_link_to_all(client, pages):
    pages.open_items(23)
    _login(client, pages.w.planner_k)
    html = client.get(f"/protokolle/sitzungen/{pages.current.id}/").get_data(as_text=True)
    assert "(23, die ersten 20)" in html
    assert f"/protokolle/?gremium={pages.committee.id}" in html and "Alle 23 offenen Punkte" in html
    html = client.get(f"/gremien/sitzungen/{pages.current.id}").get_data(as_text=True)
    assert "Alle 23 offenen Punkte" in html


def test_open_items_respect_visibility(client, pages):
    """A draft protocol's tasks stay hidden from readers who may not read the draft (followup_filter in SQL,
    as can_read_entry did in Python)."""
    pages.open_items(2)
    hidden = pages._meeting(pages.now - timedelta(days=5), "Entwurfssitzung")
    protocol = Protocol(meeting=hidden, status="entwurf")
    db.session.add(protocol)
    db.session.add(ProtocolEntry(protocol=protocol, kind="Aufgabe", text="Geheime Entwurfsaufgabe", status="offen"))
    db.session.commit()
    _login(client, pages.w.planner_k)
    assert "Geheime Entwurfsaufgabe" in client.get(f"/gremien/sitzungen/{pages.current.id}").get_data(as_text=True)
    client.logout()
    _login(client, pages.w.politik)
    r = client.get(f"/gremien/sitzungen/{pages.current.id}")
    assert r.status_code == 200 and "Geheime Entwurfsaufgabe" not in r.get_data(as_text=True)


def test_the_guard_catches_a_growing_list(client, db, pages):
    """The row guard itself: the rows fetched from the cursor include rows loaded only to be filtered in
    Python; a list shown whole (six members, below one page of 50) grows with the data and fails the guard."""
    from beteiligung.services.leistung.messung import kosten

    pages.members(5)
    person_id = pages.w.person_a.id
    db.session.expire_all()
    with kosten(db.engine) as cost:
        kept = [m for m in db.session.scalars(select(Membership)) if m.person_id == person_id]
    assert len(kept) == 1 and cost.rows == 6  # one kept, six fetched and counted
    _login(client, pages.w.planner_k)
    url = f"/gremien/{pages.committee.id}"
    before, size = measure_page(client, db.engine, url)
    pages.members(5)
    after, _size = measure_page(client, db.engine, url)
    assert after.sql == before.sql and after.rows >= before.rows + 5 and size > 0
    with pytest.raises(AssertionError, match="Zeilen gelesen"):
        assert_constant_page(client, db.engine, url, lambda f: pages.members(5 * (f - 1)))
