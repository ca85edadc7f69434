"""walk indexes hold the id: the visibility walks read no table row on PostgreSQL

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 23:40:00

The influential mentions (per source, optionally per brand) and a headline driver's quote (per
stage) walk a visibility index from the top and read, per row, its id, source, date and
visibility; the quote also filters on the sentiment score. Every column but the id and the
score is already in those indexes, so PostgreSQL fetched each walked row from the table: at ten
million mentions on a cold cache that is one random read per row (influential mentions 11 s,
the quarter's headline 6 s). With the id (and, for the stage index, the score) included, the
walks can run as index-only scans. SQLite's indexes hold the rowid, the id, already.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name -> (key columns as before, columns now included)
INDEXES = {
    "ix_mention_source_visibility": (
        ["source_id", "visibility", "published_at", "brand_id", "product_id"],
        ["id"],
    ),
    "ix_mention_source_brand_visibility": (
        ["source_id", "brand_id", "visibility", "published_at", "product_id"],
        ["id"],
    ),
    "ix_mention_stage_visibility": (
        ["stage", "visibility", "published_at", "brand_id", "source_id", "product_id"],
        ["id", "sentiment_score"],
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (columns, included) in INDEXES.items():
        op.drop_index(name, table_name="mention")
        op.create_index(name, "mention", columns, postgresql_include=included)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (columns, _) in INDEXES.items():
        op.drop_index(name, table_name="mention")
        op.create_index(name, "mention", columns)
