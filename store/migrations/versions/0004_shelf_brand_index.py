"""shelf brand index: each brand's top-K visible mentions per source without a long walk

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 03:20:00

The ZMOT shelf (store.shelf.zmot_shelf) asks, per series and source, for the K most visible
mentions of the look-back window. With brands side by side a series is one brand, and the
(source_id, visibility) index of 0002 makes SQLite walk every other brand's mentions of that
source on the way down: 0.39 s per brand at a million mentions, 0.75 s for two brands. With
brand_id second the walk only meets the series' own mentions: 33 ms and 59 ms, same rows
(measured with bench/dashboard_queries.py's database). published_at and product_id ride along
so the window and product filters are read from the index, as in 0002. Both dialects: the
PostgreSQL plan is the same index walk.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_mention_source_brand_visibility"
COLUMNS = ["source_id", "brand_id", "visibility", "published_at", "product_id"]


def upgrade() -> None:
    op.create_index(NAME, "mention", COLUMNS)


def downgrade() -> None:
    op.drop_index(NAME, table_name="mention")
