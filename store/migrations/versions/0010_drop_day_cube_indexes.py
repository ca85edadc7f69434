"""drop the day-cube indexes on PostgreSQL: the daily rollups answer what they served

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 18:30:00

Migration 0002 added covering indexes so that the daily sums could be read from an index instead
of the table. On PostgreSQL the dashboard now reads those sums from the rollups of 0008, and the
two indexes only cost writes: every re-crawl that moves a mention's visibility rewrote an entry in
each. Dropped there. SQLite keeps them (and 0003's): at a million mentions spread over two years
the rollups are barely smaller than the mentions, and streaming the sums from these indexes is
faster there (store.facts reads the mentions on SQLite).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CUBE = ["stage", "sentiment", "source_id", "product_id", "visibility", "sentiment_score", "rating"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.drop_index("ix_mention_day_cube", table_name="mention")
    op.drop_index("ix_mention_brand_day_cube", table_name="mention")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.create_index("ix_mention_day_cube", "mention", ["published_at", "brand_id", *CUBE])
    op.create_index("ix_mention_brand_day_cube", "mention", ["brand_id", "published_at", *CUBE])
