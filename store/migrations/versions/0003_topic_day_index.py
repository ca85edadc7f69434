"""topic day index: per-day, per-topics-list sums without a sort (SQLite)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:00:00

The weekly loop contributions by topic (store.loop) group the classified mentions of the days
shown by UTC day and by their ``topics`` list. In the indexes of 0002 ``topics`` comes last, so
SQLite read the rows in day order but had to sort them all (half a million at a million
mentions) into a temporary B-tree to group by topics. This index is the day cube index of 0002
with ``topics`` moved up to second place: SQLite streams the (day, topics) groups straight from
it, with or without a brand filter or brand key (GROUP BY terms may come in any order). It
holds the same columns as ``ix_mention_day_cube`` on purpose: a narrower index would look
cheaper to the planner for other day-range queries (the complaints list, filtered on sentiment)
that it could then no longer filter without reading the table.

PostgreSQL aggregates with a hash table and needs no order; it gets nothing here (a json column
cannot be a B-tree key anyway).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_mention_day_topics"
# ix_mention_day_cube's columns, topics moved up (published_at stays: the day filter's
# "published_at IS NOT NULL" and SQLite's substr() of it are read from the index too)
COLUMNS = [
    "topics",
    "brand_id",  # right after topics: a brand key makes (brand, day, topics) groups stream too
    "stage",
    "sentiment",
    "source_id",
    "product_id",
    "visibility",
    "sentiment_score",
    "rating",
    "published_at",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.create_index(NAME, "mention", [sa.text("substr(published_at, 1, 10)"), *COLUMNS])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index(NAME, table_name="mention")
