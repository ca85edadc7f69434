"""daily rollups: per-day sums the dashboard reads instead of every mention

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 17:30:00

At ten million mentions a dashboard aggregate that reads the mentions takes seconds. The sums
every aggregate is made of are kept per (UTC day, brand, product, source, stage, sentiment) in
``mention_day``, and further per topics list in ``mention_day_topics``; writers append their
changes to ``mention_day_change``, which is folded into the two (store.rollups). This revision
creates the three tables and fills the rollups from the mentions already stored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUMS = (
    ("mentions", sa.Integer()), ("scored", sa.Integer()), ("rated", sa.Integer()),
    ("visibility", sa.Float()), ("visibility_scored", sa.Float()),
    ("visibility_score", sa.Float()), ("score_sum", sa.Float()), ("rating_sum", sa.Float()),
)  # fmt: skip
_KEYS = ("day", "brand_id", "product_id", "source_id", "stage", "sentiment")


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("sentiment", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    ]


def _sum_columns() -> list[sa.Column]:
    return [sa.Column(name, kind, nullable=False) for name, kind in _SUMS]


_FILL = """
INSERT INTO mention_day_topics (day, brand_id, product_id, source_id, stage, sentiment, topics,
    mentions, scored, rated, visibility, visibility_scored, visibility_score, score_sum,
    rating_sum)
SELECT {day}, COALESCE(brand_id, 0), COALESCE(product_id, 0), source_id, COALESCE(stage, ''),
    COALESCE(sentiment, ''), {topics}, count(*), count(sentiment_score), count(rating),
    sum(visibility), sum(CASE WHEN sentiment_score IS NOT NULL THEN visibility ELSE 0.0 END),
    COALESCE(sum(visibility * sentiment_score), 0.0), COALESCE(sum(sentiment_score), 0.0),
    COALESCE(sum(rating), 0.0)
FROM mention
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""
_FILL_DAY = """
INSERT INTO mention_day (day, brand_id, product_id, source_id, stage, sentiment, mentions,
    scored, rated, visibility, visibility_scored, visibility_score, score_sum, rating_sum)
SELECT day, brand_id, product_id, source_id, stage, sentiment, sum(mentions), sum(scored),
    sum(rated), sum(visibility), sum(visibility_scored), sum(visibility_score), sum(score_sum),
    sum(rating_sum)
FROM mention_day_topics
GROUP BY day, brand_id, product_id, source_id, stage, sentiment
"""


def upgrade() -> None:
    op.create_table(
        "mention_day",
        *_sum_columns(),
        *_key_columns(),
        sa.PrimaryKeyConstraint(*_KEYS),
    )
    op.create_table(
        "mention_day_topics",
        *_sum_columns(),
        *_key_columns(),
        sa.Column("topics", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint(*_KEYS, "topics"),
    )
    op.create_table(
        "mention_day_change",
        *_sum_columns(),
        sa.Column("id", sa.Integer(), nullable=False),
        *_key_columns(),
        sa.Column("topics", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        day = "COALESCE(CAST((published_at AT TIME ZONE 'UTC') AS DATE), DATE '1900-01-01')"
        topics = "COALESCE(CAST(topics AS TEXT), '')"
    else:
        day = "COALESCE(substr(published_at, 1, 10), '1900-01-01')"
        topics = "COALESCE(topics, '')"
    op.execute(_FILL.format(day=day, topics=topics))
    op.execute(_FILL_DAY)


def downgrade() -> None:
    for table in ("mention_day_change", "mention_day_topics", "mention_day"):
        op.drop_table(table)
