"""werkstatt_01: Terminabstimmung (Umfrage, Terminvorschläge, Eingeladene, Antworten)

Revision ID: werkstatt_01
Revises: protokoll_02
Create Date: 2026-11-29 23:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "werkstatt_01"
down_revision = "protokoll_02"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "werkstatt_poll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=True),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("chosen_option_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["committee_id"], ["committee.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("werkstatt_poll", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_werkstatt_poll_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_werkstatt_poll_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "werkstatt_poll_option",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("end", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["werkstatt_poll.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("werkstatt_poll_option", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_werkstatt_poll_option_poll_id"), ["poll_id"], unique=False)

    op.create_table(
        "werkstatt_poll_invitee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["werkstatt_poll.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "person_id", name="uq_werkstatt_poll_invitee"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("werkstatt_poll_invitee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_werkstatt_poll_invitee_poll_id"), ["poll_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_werkstatt_poll_invitee_person_id"), ["person_id"], unique=False)

    op.create_table(
        "werkstatt_poll_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["invitee_id"], ["werkstatt_poll_invitee.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["option_id"], ["werkstatt_poll_option.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invitee_id", "option_id", name="uq_werkstatt_poll_answer"),
    )
    with op.batch_alter_table("werkstatt_poll_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_werkstatt_poll_answer_invitee_id"), ["invitee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_werkstatt_poll_answer_option_id"), ["option_id"], unique=False)


def downgrade():
    op.drop_table("werkstatt_poll_answer")
    op.drop_table("werkstatt_poll_invitee")
    op.drop_table("werkstatt_poll_option")
    op.drop_table("werkstatt_poll")
