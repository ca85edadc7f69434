"""walk index: a stage's mentions from the most visible down

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 18:00:00

A journey cell's sample quotes take one stage's most visible mentions: at ten million mentions
the global visibility index made a rare cell walk millions of other stages' mentions (13 s cold).
Led by the stage, the walk meets only its own, with the date, brand, source and product in the
index for the filters.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGE = "ix_mention_stage_visibility"
COLUMNS = ["stage", "visibility", "published_at", "brand_id", "source_id", "product_id"]


def upgrade() -> None:
    op.create_index(STAGE, "mention", COLUMNS)


def downgrade() -> None:
    op.drop_index(STAGE, table_name="mention")
