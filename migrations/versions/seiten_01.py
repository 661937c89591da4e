"""seiten_01: Indizes für seitenweise Listen (Sitzungen eines Gremiums, Themenspeicher, Nachhalten) und
gespeicherte Ampel je Kennzahl und Messwert (mit Nachberechnung der vorhandenen Daten)

Revision ID: seiten_01
Revises: betrieb_02 (was werkstatt_02; re-chained after merging main)
Create Date: 2026-11-30 01:40:00

Plans checked (tests/seiten/test_plaene.py prints and checks them on both backends):
- Nachhalten/start page: the open tasks are found through ix_protocol_entry_kind_status_due
  (SQLite: SEARCH protocol_entry USING INDEX ix_protocol_entry_kind_status_due (kind=? …));
  PostgreSQL uses it once the table is large (on a few rows it reads the table sequentially).
- Committee page and open items of earlier meetings: ix_meeting_committee_start
  (SQLite: SEARCH meeting USING INDEX ix_meeting_committee_start (committee_id=? AND start<?)).
- Ampel counts/filter: ix_indicator_light.
"""

import sqlalchemy as sa
from alembic import op

revision = "seiten_01"
down_revision = "betrieb_02"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_meeting_committee_start", "meeting", ["committee_id", "start"])
    op.create_index("ix_topic_proposal_committee_status", "topic_proposal", ["committee_id", "status"])
    op.create_index("ix_protocol_entry_kind_status_due", "protocol_entry", ["kind", "status", "due_date"])
    # the index on kind alone is covered by the new one (kind leads) and only lured the planner away from it
    op.drop_index("ix_protocol_entry_kind", table_name="protocol_entry")
    with op.batch_alter_table("indicator") as batch:
        batch.add_column(sa.Column("light", sa.String(length=10), nullable=False, server_default="keine"))
        batch.create_index(batch.f("ix_indicator_light"), ["light"])
    with op.batch_alter_table("measurement") as batch:
        batch.add_column(sa.Column("light", sa.String(length=10), nullable=True))
    # Back-fill: the same rule as at runtime (services/kontrakte/kennzahlen.evaluate via kontrakte.ampel.refresh).
    from beteiligung.services.kontrakte.ampel import refresh

    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM indicator"))]
    refresh(bind, ids)


def downgrade():
    with op.batch_alter_table("measurement") as batch:
        batch.drop_column("light")
    with op.batch_alter_table("indicator") as batch:
        batch.drop_index(batch.f("ix_indicator_light"))
        batch.drop_column("light")
    op.create_index("ix_protocol_entry_kind", "protocol_entry", ["kind"])
    op.drop_index("ix_protocol_entry_kind_status_due", table_name="protocol_entry")
    op.drop_index("ix_topic_proposal_committee_status", table_name="topic_proposal")
    op.drop_index("ix_meeting_committee_start", table_name="meeting")
