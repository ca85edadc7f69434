"""complaint and spike indexes: the complaint list walks, the spike check reads no table row

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 01:10:00

The complaint list ranks negative mentions by ``v(m)·w_source·(1 + |s|)·decay``; PostgreSQL
sorted every negative mention of the range for it: 2.1-2.4 s warm, 5.4-5.8 s cold at ten
million mentions. ``ix_mention_complaint_key`` orders the negative mentions of each source by
``visibility·(1 + |sentiment_score|)``, a bound of the priority (decay ≤ 1), so the list walks
it from the top and stops early (store.exports, store.walks), reading the index alone (it
includes what the walk filters on, and the key's own columns, without which PostgreSQL reads
each row from the table: 0.25 s per chunk on a cold cache).

The spike check counts the last fortnight's negative mentions per brand and stage; it read each
from the table (3.2-3.4 s cold). ``ix_mention_sentiment_published`` now includes the brand, the
stage and the source, so the count reads the index alone.

PostgreSQL only: SQLite meets its bar sorting, and cannot use a partial index for a query whose
sentiment is a bound parameter.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMPLAINT_INDEX = "ix_mention_complaint_key"
# Spelled as store.exports.complaint_key() renders it, so that the planner matches the two.
COMPLAINT_KEY = "(visibility * (1.0 + abs(sentiment_score)))"
SPIKE_INDEX = "ix_mention_sentiment_published"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        COMPLAINT_INDEX,
        "mention",
        ["source_id", sa.text(COMPLAINT_KEY)],
        # the key's own columns too: PostgreSQL reads an expression index alone only then
        postgresql_include=[
            "id",
            "published_at",
            "brand_id",
            "product_id",
            "visibility",
            "sentiment_score",
        ],  # fmt: skip
        postgresql_where=sa.text("sentiment = 'negative'"),
    )
    op.drop_index(SPIKE_INDEX, table_name="mention")
    op.create_index(
        SPIKE_INDEX,
        "mention",
        ["sentiment", "published_at"],
        postgresql_include=["brand_id", "stage", "source_id"],
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(COMPLAINT_INDEX, table_name="mention")
    op.drop_index(SPIKE_INDEX, table_name="mention")
    op.create_index(SPIKE_INDEX, "mention", ["sentiment", "published_at"])
