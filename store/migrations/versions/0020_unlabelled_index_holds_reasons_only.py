"""unlabelled index holds reasons only: no index entry for a mention the model labelled

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 08:30:00

0011 indexed ``mention.unlabelled`` on every row, though nearly every mention has no reason
there: every write of a mention (a new one, or a re-crawl that moves a counter) added an entry
for its NULL. The index's one reader counts the mentions that have a reason
(``store.status.unlabelled_counts``: every dashboard page and ``umot status``), which an index
of those rows alone serves as well. PostgreSQL only: SQLite's planner-statistics check
(``store.db.refresh_statistics``) takes an index ANALYZE left no row for as never analyzed, and
a partial index with no entries gets none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_mention_unlabelled"
HAS_REASON = sa.text("unlabelled IS NOT NULL")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(NAME, table_name="mention")
    op.create_index(NAME, "mention", ["unlabelled"], postgresql_where=HAS_REASON)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(NAME, table_name="mention")
    op.create_index(NAME, "mention", ["unlabelled"])
