"""Migration arch2_01: meeting roles stored once (meeting_role with person or name), data kept — on a database
of its own at the previous revision, on every backend."""

from __future__ import annotations

import sqlalchemy as sa

from tests.support.migrationen import NOW, insert


def test_free_text_and_account_roles_become_one_representation(migration_roundtrip):
    with migration_roundtrip(before="planung_01", after="arch2_01") as m:
        with m.begin() as conn:
            kreis = insert(conn, "body", name="Kreis Alt", kind="Kreis", code="09001")
            kommune = insert(conn, "body", name="Stadt Alt", kind="Kommune", code="0900101", parent_id=kreis)
            ctype = insert(conn, "committee_type", name="Konferenz alt", public_default=False)
            committee = insert(
                conn, "committee", body_id=kommune, type_id=ctype, name="Konferenz", is_public=False, active=True
            )
            anna = insert(conn, "person", body_id=kommune, first_name="Anna", last_name="Alt", consent_given=False)
            insert(conn, "person", body_id=kreis, first_name="Doppel", last_name="Name", consent_given=False)
            insert(conn, "person", body_id=kreis, first_name="Doppel", last_name="Name", consent_given=False)
            with_person = insert(
                conn, "user_account", email="a@alt.example", display_name="Anna Alt", is_enabled=True, person_id=anna
            )
            without = insert(conn, "user_account", email="bob@alt.example", display_name="Bob Berger", is_enabled=True)
            meeting = insert(
                conn,
                "meeting",
                committee_id=committee,
                title="Sitzung",
                start=NOW,
                end=NOW,
                is_public=False,
                status="geplant",
                ical_uid="alt-1@test",
                ical_sequence=0,
                registration_open=False,
                attendance_version=0,
                chair="Jemand anderes",
                moderator="Anna Alt",
                minute_taker="Doppel Name",
            )
            other = insert(
                conn,
                "meeting",
                committee_id=committee,
                title="Zweite",
                start=NOW,
                end=NOW,
                is_public=False,
                status="geplant",
                ical_uid="alt-2@test",
                ical_sequence=0,
                registration_open=False,
                attendance_version=0,
                chair="Quartiersbüro",
            )
            # the rows drove the permissions: Anna leads (the free text said someone else), Bob keeps the minutes
            insert(conn, "meeting_role", meeting_id=meeting, user_id=with_person, role="sitzungsleitung")
            insert(conn, "meeting_role", meeting_id=other, user_id=without, role="protokollfuehrung")

        m.upgrade()
        with m.connect() as conn:
            roles = {
                (r.meeting_id, r.role): (r.person_id, r.name)
                for r in conn.execute(sa.text("SELECT meeting_id, role, person_id, name FROM meeting_role"))
            }
            bob = conn.execute(sa.text("SELECT person_id FROM user_account WHERE id = :id"), {"id": without}).scalar()
            bob_person = conn.execute(
                sa.text("SELECT first_name, last_name, email, body_id FROM person WHERE id = :id"), {"id": bob}
            ).one()
            meeting_columns = {c["name"] for c in sa.inspect(conn).get_columns("meeting")}
            role_columns = {c["name"] for c in sa.inspect(conn).get_columns("meeting_role")}
        assert roles == {
            (meeting, "sitzungsleitung"): (anna, None),  # the row wins over the free text
            (meeting, "moderation"): (anna, None),  # free text matched one person by name
            (meeting, "protokollfuehrung"): (None, "Doppel Name"),  # ambiguous: kept as a name
            (other, "protokollfuehrung"): (bob, None),  # the account got a person, rights unchanged
            (other, "sitzungsleitung"): (None, "Quartiersbüro"),
        }
        assert tuple(bob_person) == ("Bob", "Berger", "bob@alt.example", kommune)
        assert not {"chair", "moderator", "minute_taker"} & meeting_columns
        assert "user_id" not in role_columns and {"person_id", "name"} <= role_columns

        m.downgrade()
        with m.connect() as conn:
            back = conn.execute(
                sa.text("SELECT chair, moderator, minute_taker FROM meeting WHERE id = :id"), {"id": meeting}
            ).one()
            users = {
                r.role: r.user_id
                for r in conn.execute(
                    sa.text("SELECT role, user_id FROM meeting_role WHERE meeting_id = :id"), {"id": meeting}
                )
            }
        assert tuple(back) == ("Anna Alt", "Anna Alt", "Doppel Name")
        assert users == {"sitzungsleitung": with_person, "moderation": with_person}
