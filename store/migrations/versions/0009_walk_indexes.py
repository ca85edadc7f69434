"""walk indexes: a stage's and a sentiment's mentions from the most visible down

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 18:00:00

Two lists walk mentions in descending visibility and stop early: a journey cell's sample quotes
(one stage, most visible first) and the complaints (negative mentions, whose priority is at
most visibility · the largest source weight · 2). At ten million mentions the global visibility
index made the sample quotes of a rare cell walk millions of other stages' mentions (13 s cold),
and the complaints sorted every negative mention of the year (3 s). Led by the stage or the
sentiment, each walk meets only its own mentions; the date, brand, source and product ride along
so the filters are read from the index.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TAIL = ["visibility", "published_at", "brand_id", "source_id", "product_id"]
INDEXES = {
    "ix_mention_stage_visibility": ["stage", *TAIL],
    "ix_mention_sentiment_visibility": ["sentiment", *TAIL],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "mention", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="mention")
