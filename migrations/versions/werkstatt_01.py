"""werkstatt_01: Terminabstimmung (Umfrage, Terminvorschläge, Eingeladene, Antworten) und Methodentafeln

Revision ID: werkstatt_01
Revises: protokoll_02
Create Date: 2026-11-29 23:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "werkstatt_01"
down_revision = "arch2_01"
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

    upgrade_boards()


def downgrade():
    downgrade_boards()
    op.drop_table("werkstatt_poll_answer")
    op.drop_table("werkstatt_poll_invitee")
    op.drop_table("werkstatt_poll_option")
    op.drop_table("werkstatt_poll")


def upgrade_boards():
    op.create_table(
        "werkstatt_board",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("dots_per_participant", sa.Integer(), nullable=True),
        sa.Column("x_label", sa.String(length=100), nullable=True),
        sa.Column("y_label", sa.String(length=100), nullable=True),
        sa.Column("guest_code", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("werkstatt_board", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_werkstatt_board_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "werkstatt_guest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["werkstatt_board.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("werkstatt_guest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_werkstatt_guest_board_id"), ["board_id"], unique=False)

    op.create_table(
        "werkstatt_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("cluster", sa.String(length=100), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("x", sa.Integer(), nullable=True),
        sa.Column("y", sa.Integer(), nullable=True),
        sa.Column("room", sa.String(length=100), nullable=True),
        sa.Column("slot", sa.String(length=100), nullable=True),
        sa.Column("documentation", sa.Text(), nullable=True),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("author_guest_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["werkstatt_board.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_user_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["author_guest_id"], ["werkstatt_guest.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["merged_into_id"], ["werkstatt_card.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("werkstatt_card", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_werkstatt_card_board_id"), ["board_id"], unique=False)

    op.create_table(
        "werkstatt_dot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("guest_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["board_id"], ["werkstatt_board.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["card_id"], ["werkstatt_card.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["guest_id"], ["werkstatt_guest.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("werkstatt_dot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_werkstatt_dot_board_id"), ["board_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_werkstatt_dot_card_id"), ["card_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_werkstatt_dot_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_werkstatt_dot_guest_id"), ["guest_id"], unique=False)


def downgrade_boards():
    op.drop_table("werkstatt_dot")
    op.drop_table("werkstatt_card")
    op.drop_table("werkstatt_guest")
    op.drop_table("werkstatt_board")
