"""faktor1_01: Teilindex der offenen Aufgaben und Beschlüsse in Listenreihenfolge (Startseite, Nachhalten)

Revision ID: faktor1_01
Revises: zaehler_01 (was netzwerk_02; re-chained after merging main)

Issue 14: the start page and Nachhalten sorted every open item of the Kreis to show the first 5 or 25
(SQLite: USE TEMP B-TREE FOR ORDER BY over ~2,900 rows at scale 10). This partial index holds only the
open follow-ups, ordered like the list (undated last, then due date), so the first page is read from
its start. Plans checked (tests/seiten/test_plaene.py, both backends):
- SQLite: SCAN protocol_entry USING INDEX ix_protocol_entry_open_due … USE TEMP B-TREE FOR RIGHT PART OF
  ORDER BY (only the ties of one due date are sorted by meeting start).
- PostgreSQL: Index Scan using ix_protocol_entry_open_due, Incremental Sort.
"""

import sqlalchemy as sa
from alembic import op

revision = "faktor1_01"
down_revision = "zaehler_01"
branch_labels = None
depends_on = None

OPEN = "status IN ('offen', 'in Arbeit')"


def upgrade():
    op.create_index(
        "ix_protocol_entry_open_due",
        "protocol_entry",
        [sa.text("(due_date IS NULL)"), "due_date", "id"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade():
    op.drop_index("ix_protocol_entry_open_due", table_name="protocol_entry")
