"""arch2_01: Sitzungsrollen nur noch an einer Stelle (meeting_role mit Person oder Name)

Until now a meeting's roles existed twice: as free text on `meeting` (chair, moderator,
minute_taker) and as `meeting_role` rows per user account that drove the permissions; the two
could disagree. From now on `meeting_role` alone holds them: a person (who may or may not have an
account) or, for holders without a person record, a name.

Data migration:
1. every meeting_role row keeps its holder as the person of its account; an account without a
   person gets one (name and e-mail of the account, in the body of the meeting's committee) and is
   linked to it, so its rights do not change;
2. free text of a role that has no meeting_role row becomes a row: the person whose full name is
   exactly that text (preferring the committee's body; only if that is unambiguous), else the name;
   where a row exists, the row wins (it is what the permissions used);
3. meeting.chair / moderator / minute_taker and meeting_role.user_id are dropped.

Revision ID: arch2_01
Revises: protokoll_02
Create Date: 2026-11-29 23:00:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "arch2_01"
down_revision = "planung_01"
branch_labels = None
depends_on = None

TEXT_COLUMNS = {"chair": "sitzungsleitung", "moderator": "moderation", "minute_taker": "protokollfuehrung"}


def _now():
    return datetime.now(UTC).replace(tzinfo=None)


def _split_name(display_name: str) -> tuple[str, str]:
    parts = (display_name or "").strip().rsplit(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0] or "Unbekannt")


def upgrade():
    with op.batch_alter_table("meeting_role", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_meeting_role_person_id"), ["person_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_meeting_role_person_id_person"), "person", ["person_id"], ["id"])

    conn = op.get_bind()
    meta = sa.MetaData()
    role_t = sa.Table("meeting_role", meta, autoload_with=conn)
    meeting_t = sa.Table("meeting", meta, autoload_with=conn)
    committee_t = sa.Table("committee", meta, autoload_with=conn)
    user_t = sa.Table("user_account", meta, autoload_with=conn)
    person_t = sa.Table("person", meta, autoload_with=conn)
    now = _now()

    # 1. rows per account → rows per person
    rows = conn.execute(
        sa.select(
            role_t.c.id,
            user_t.c.id.label("user_id"),
            user_t.c.person_id,
            user_t.c.display_name,
            user_t.c.email,
            committee_t.c.body_id,
        ).select_from(
            role_t.join(user_t, user_t.c.id == role_t.c.user_id)
            .join(meeting_t, meeting_t.c.id == role_t.c.meeting_id)
            .join(committee_t, committee_t.c.id == meeting_t.c.committee_id)
        )
    ).all()
    person_of_user: dict[int, int] = {}
    for row in rows:
        person_id = row.person_id or person_of_user.get(row.user_id)
        if person_id is None:
            first, last = _split_name(row.display_name)
            person_id = conn.execute(
                person_t.insert().values(
                    body_id=row.body_id,
                    first_name=first,
                    last_name=last,
                    email=row.email,
                    consent_given=False,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            ).inserted_primary_key[0]
            conn.execute(user_t.update().where(user_t.c.id == row.user_id).values(person_id=person_id))
        person_of_user[row.user_id] = person_id
        conn.execute(role_t.update().where(role_t.c.id == row.id).values(person_id=person_id))

    # 2. free text without a row → a row (person if the name is unambiguous, else the name)
    taken = {(m, r) for m, r in conn.execute(sa.select(role_t.c.meeting_id, role_t.c.role))}
    persons = conn.execute(
        sa.select(person_t.c.id, person_t.c.first_name, person_t.c.last_name, person_t.c.body_id).where(
            person_t.c.anonymised_at.is_(None)
        )
    ).all()
    by_name: dict[str, list] = {}
    for p in persons:
        by_name.setdefault(f"{p.first_name} {p.last_name}".strip().casefold(), []).append(p)
    meetings = conn.execute(
        sa.select(
            meeting_t.c.id, meeting_t.c.chair, meeting_t.c.moderator, meeting_t.c.minute_taker, committee_t.c.body_id
        ).select_from(meeting_t.join(committee_t, committee_t.c.id == meeting_t.c.committee_id))
    ).all()
    for m in meetings:
        for column, role in TEXT_COLUMNS.items():
            text = (getattr(m, column) or "").strip()
            if not text or (m.id, role) in taken:
                continue
            candidates = by_name.get(text.casefold(), [])
            same_body = [p for p in candidates if p.body_id == m.body_id]
            match = same_body if same_body else candidates
            person_id = match[0].id if len(match) == 1 else None
            conn.execute(
                role_t.insert().values(
                    meeting_id=m.id,
                    role=role,
                    person_id=person_id,
                    name=None if person_id else text[:200],
                    created_at=now,
                    updated_at=now,
                )
            )

    # 3. one representation left
    with op.batch_alter_table("meeting_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_role_user_id"))
        batch_op.drop_constraint(batch_op.f("fk_meeting_role_user_id_user_account"), type_="foreignkey")
        batch_op.drop_column("user_id")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("minute_taker")
        batch_op.drop_column("moderator")
        batch_op.drop_column("chair")


def downgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chair", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("moderator", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("minute_taker", sa.String(length=200), nullable=True))
    with op.batch_alter_table("meeting_role", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))

    conn = op.get_bind()
    meta = sa.MetaData()
    role_t = sa.Table("meeting_role", meta, autoload_with=conn)
    meeting_t = sa.Table("meeting", meta, autoload_with=conn)
    user_t = sa.Table("user_account", meta, autoload_with=conn)
    person_t = sa.Table("person", meta, autoload_with=conn)
    column_of = {role: column for column, role in TEXT_COLUMNS.items()}
    rows = conn.execute(
        sa.select(
            role_t.c.id,
            role_t.c.meeting_id,
            role_t.c.role,
            role_t.c.name,
            person_t.c.first_name,
            person_t.c.last_name,
            person_t.c.id.label("person_id"),
        ).select_from(role_t.outerjoin(person_t, person_t.c.id == role_t.c.person_id))
    ).all()
    for row in rows:
        text = row.name or f"{row.first_name} {row.last_name}".strip()
        if row.role in column_of and text:
            conn.execute(
                meeting_t.update().where(meeting_t.c.id == row.meeting_id).values({column_of[row.role]: text[:200]})
            )
        user_id = (
            conn.execute(sa.select(user_t.c.id).where(user_t.c.person_id == row.person_id).limit(1)).scalar()
            if row.person_id
            else None
        )
        if user_id is None:
            conn.execute(role_t.delete().where(role_t.c.id == row.id))
        else:
            conn.execute(role_t.update().where(role_t.c.id == row.id).values(user_id=user_id))

    with op.batch_alter_table("meeting_role", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_meeting_role_user_id_user_account"), "user_account", ["user_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index(batch_op.f("ix_meeting_role_user_id"), ["user_id"], unique=False)
        batch_op.drop_constraint(batch_op.f("fk_meeting_role_person_id_person"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_meeting_role_person_id"))
        batch_op.drop_column("name")
        batch_op.drop_column("person_id")
