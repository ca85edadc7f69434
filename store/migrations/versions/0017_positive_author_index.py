"""positive author index: the advocates' details from the index alone, no entry for the rest

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 02:00:00

Only the advocates list reads ``ix_mention_sentiment_author`` (0002), and only for positive
mentions. For its top hundred it reads every positive mention of the authors listed (their
followers, products and most visible mention): at ten million mentions the most prolific
authors have thousands each, 180,000 rows fetched from the table, 0.3-0.6 s warm. On PostgreSQL
the index is now partial (positive mentions only: a new, unlabelled mention adds no entry, and
it is 40 % smaller) and includes the id and the author's followers, so those details read the
index alone. SQLite keeps 0002's index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_mention_sentiment_author"
COLUMNS = [
    "author", "source_id", "published_at", "brand_id", "product_id", "visibility",
    "sentiment_score",
]  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(NAME, table_name="mention")
    op.create_index(
        NAME,
        "mention",
        COLUMNS,
        postgresql_include=["id", "author_followers"],
        postgresql_where=sa.text("sentiment = 'positive'"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(NAME, table_name="mention")
    op.create_index(NAME, "mention", ["sentiment", *COLUMNS])
