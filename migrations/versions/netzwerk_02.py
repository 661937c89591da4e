"""netzwerk_02: Zwischenspeicher des analysierten Netzes je Berechtigungsbereich (issue 14)

Revision ID: netzwerk_02
Revises: betrieb_02
"""

import sqlalchemy as sa
from alembic import op

revision = "netzwerk_02"
down_revision = "seiten_01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "network_graph_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope_key", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("node_count", sa.Integer(), nullable=False),
        sa.Column("edge_count", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_network_graph_cache_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_graph_cache")),
        sa.UniqueConstraint("scope_key", name=op.f("uq_network_graph_cache_scope_key")),
    )


def downgrade():
    op.drop_table("network_graph_cache")
