"""walk indexes: a stage's mentions and the complaints from the top down

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 18:00:00

Two lists walk mentions from the top of an index and stop early. A journey cell's sample quotes
take one stage's most visible mentions: at ten million mentions the global visibility index made
a rare cell walk millions of other stages' mentions (13 s cold); led by the stage, the walk meets
only its own, with the date, brand, source and product in the index for the filters. The
complaints (store.walks) walk each source's negative mentions by visibility · (1 + |score|), the
part of the priority the mention itself fixes: the index holds that expression, written exactly
as the query writes it so that both databases match them.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGE = "ix_mention_stage_visibility"
COMPLAINTS = "ix_mention_complaint_walk"
COMPLAINT_ORDER = "(visibility * (1 + abs(sentiment_score)))"  # as store.exports.COMPLAINT_ORDER


def upgrade() -> None:
    op.create_index(
        STAGE, "mention", ["stage", "visibility", "published_at", "brand_id", "source_id",
                           "product_id"],
    )  # fmt: skip
    op.execute(f"CREATE INDEX {COMPLAINTS} ON mention (sentiment, source_id, {COMPLAINT_ORDER})")


def downgrade() -> None:
    op.execute(f"DROP INDEX {COMPLAINTS}")
    op.drop_index(STAGE, table_name="mention")
