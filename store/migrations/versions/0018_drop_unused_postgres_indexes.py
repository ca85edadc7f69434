"""drop unused PostgreSQL indexes: three indexes no dashboard, report, export or crawl plan uses

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 02:40:00

Every re-crawl rewrites a mention row and so adds an entry to each of its indexes. On a ten
million mention database every statement the dashboard, the report, the exports, the crawl and
classify issue (581 of them, each filter combination included) was EXPLAINed with and without
each index: ``ix_mention_visibility`` (0002; the walks read the per-source and per-stage
visibility indexes on PostgreSQL, and only SQLite's one walk needs it) and
``ix_mention_source_published`` (0001) appear in no plan, and ``ix_mention_stage_published``
(0001) only in the Mentions page's count with both a stage and a sentiment filter, which costs
4-8 % more without it. Together 1 GB at ten million mentions. SQLite keeps all three.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_mention_visibility": ["visibility", "published_at", "brand_id", "source_id", "product_id"],
    "ix_mention_source_published": ["source_id", "published_at"],
    "ix_mention_stage_published": ["stage", "published_at"],
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.drop_index(name, table_name="mention")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns in INDEXES.items():
        op.create_index(name, "mention", columns)
