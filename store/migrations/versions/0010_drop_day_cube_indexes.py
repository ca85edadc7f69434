"""drop the day-cube indexes: the daily rollups answer what they served

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 18:30:00

Migrations 0002 and 0003 added covering indexes so that the daily sums could be read from an
index instead of the table: two of nine or ten columns each, and on SQLite a third one by topics
list. The dashboard now reads those sums from the rollups of 0008, and the indexes only cost
writes: every re-crawl that moves a mention's visibility rewrote an entry in each. Dropped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CUBE = ["stage", "sentiment", "source_id", "product_id", "visibility", "sentiment_score", "rating"]
SQLITE_ONLY = "ix_mention_day_topics"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(SQLITE_ONLY, table_name="mention")
    op.drop_index("ix_mention_day_cube", table_name="mention")
    op.drop_index("ix_mention_brand_day_cube", table_name="mention")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        day = sa.text("substr(published_at, 1, 10)")
        tail = [*CUBE, "published_at"]
        op.create_index(
            "ix_mention_day_cube", "mention", [day, *tail[:2], "brand_id", *tail[2:], "topics"]
        )
        op.create_index("ix_mention_brand_day_cube", "mention", ["brand_id", day, *tail, "topics"])
        op.create_index(SQLITE_ONLY, "mention", [day, "topics", "brand_id", *tail])
    else:
        op.create_index("ix_mention_day_cube", "mention", ["published_at", "brand_id", *CUBE])
        op.create_index("ix_mention_brand_day_cube", "mention", ["brand_id", "published_at", *CUBE])
