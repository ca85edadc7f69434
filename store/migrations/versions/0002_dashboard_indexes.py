"""dashboard indexes: covering indexes for the analytics queries at a million mentions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 20:00:00

On SQLite the day cube (store.cube) groups by the UTC day text ``substr(published_at, 1, 10)``;
indexes on that expression, led by the day (all brands) or by the brand, let SQLite read the rows
in group order from the index alone (no table lookups, no temporary B-tree). The other indexes
serve the shelf (per source by visibility), the influential mentions (by visibility) and the
advocates (positive mentions by author). PostgreSQL gets the same column lists without the
expression (its hash aggregation does not need the order).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CUBE_TAIL = [
    "stage",
    "sentiment",
    "source_id",
    "product_id",
    "visibility",
    "sentiment_score",
    "rating",
    "published_at",
]
OTHER = {
    "ix_mention_source_visibility": [
        "source_id",
        "visibility",
        "published_at",
        "brand_id",
        "product_id",
    ],
    "ix_mention_visibility": ["visibility", "published_at", "brand_id", "source_id", "product_id"],
    "ix_mention_sentiment_author": [
        "sentiment",
        "author",
        "source_id",
        "published_at",
        "brand_id",
        "product_id",
        "visibility",
        "sentiment_score",
    ],
}


def upgrade() -> None:
    day = sa.text("substr(published_at, 1, 10)")
    if op.get_bind().dialect.name == "sqlite":
        # topics (JSON text) last: the per-topic sums group by it without reading the table
        op.create_index(
            "ix_mention_day_cube",
            "mention",
            [day, *CUBE_TAIL[:2], "brand_id", *CUBE_TAIL[2:], "topics"],
        )
        op.create_index(
            "ix_mention_brand_day_cube", "mention", ["brand_id", day, *CUBE_TAIL, "topics"]
        )
    else:
        op.create_index(
            "ix_mention_day_cube", "mention", ["published_at", "brand_id", *CUBE_TAIL[:-1]]
        )
        op.create_index(
            "ix_mention_brand_day_cube", "mention", ["brand_id", "published_at", *CUBE_TAIL[:-1]]
        )
    for name, columns in OTHER.items():
        op.create_index(name, "mention", columns)


def downgrade() -> None:
    for name in [*OTHER, "ix_mention_brand_day_cube", "ix_mention_day_cube"]:
        op.drop_index(name, table_name="mention")
