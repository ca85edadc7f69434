"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 19:24:48.424744
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "brand",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("period_start", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("detected_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("brand_id", "stage", "period", "period_start", name="uq_alert_period"),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_brand_id"), ["brand_id"], unique=False)

    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("brand_id", "name", name="uq_product_brand_name"),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_brand_id"), ["brand_id"], unique=False)

    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("spider", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "crawlrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("started_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("dropped", sa.Integer(), nullable=False),
        sa.Column("drop_reasons", sa.JSON(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("crawlrun", schema=None) as batch_op:
        batch_op.create_index(
            "ix_crawlrun_source_started", ["source_id", "started_at"], unique=False
        )

    op.create_table(
        "mention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("author_followers", sa.Integer(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("published_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("helpful_votes", sa.Integer(), nullable=True),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("shares", sa.Integer(), nullable=True),
        sa.Column("replies", sa.Integer(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("brand_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("visibility", sa.Float(), nullable=False),
        sa.Column("first_seen_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("sentiment", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("sentiment_score", sa.Float(), nullable=True),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=True),
        sa.Column("labels_from", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brand.id"],
        ),
        sa.ForeignKeyConstraint(
            ["last_run_id"],
            ["crawlrun.id"],
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["source.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source_id", "external_id", name="uq_mention_source_external"),
    )
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mention_brand_published", ["brand_id", "published_at"], unique=False
        )
        batch_op.create_index(
            "ix_mention_product_published", ["product_id", "published_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mention_published_at"), ["published_at"], unique=False)
        batch_op.create_index(
            "ix_mention_sentiment_published", ["sentiment", "published_at"], unique=False
        )
        batch_op.create_index(
            "ix_mention_source_published", ["source_id", "published_at"], unique=False
        )
        batch_op.create_index("ix_mention_stage_published", ["stage", "published_at"], unique=False)

    op.create_table(
        "classification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("sentiment", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("aspects", sa.JSON(), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "mention_id", "model_version", name="uq_classification_mention_version"
        ),
    )
    with op.batch_alter_table("classification", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_classification_mention_id"), ["mention_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_classification_model_version"), ["model_version"], unique=False
        )

    op.create_table(
        "complaintstatus",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("updated_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    with op.batch_alter_table("complaintstatus", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaintstatus_status"), ["status"], unique=False)

    op.create_table(
        "correction",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("sentiment", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=True),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("corrected_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    op.create_table(
        "engagementsnapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("captured_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("helpful_votes", sa.Integer(), nullable=True),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("shares", sa.Integer(), nullable=True),
        sa.Column("replies", sa.Integer(), nullable=True),
        sa.Column("author_followers", sa.Integer(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["crawlrun.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("engagementsnapshot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_engagementsnapshot_mention_id"), ["mention_id"], unique=False
        )

    op.create_table(
        "mentiontopic",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mention.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id", "topic"),
    )
    with op.batch_alter_table("mentiontopic", schema=None) as batch_op:
        batch_op.create_index("ix_mentiontopic_topic", ["topic", "mention_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("mentiontopic", schema=None) as batch_op:
        batch_op.drop_index("ix_mentiontopic_topic")

    op.drop_table("mentiontopic")
    with op.batch_alter_table("engagementsnapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_engagementsnapshot_mention_id"))

    op.drop_table("engagementsnapshot")
    op.drop_table("correction")
    with op.batch_alter_table("complaintstatus", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaintstatus_status"))

    op.drop_table("complaintstatus")
    with op.batch_alter_table("classification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_classification_model_version"))
        batch_op.drop_index(batch_op.f("ix_classification_mention_id"))

    op.drop_table("classification")
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_index("ix_mention_stage_published")
        batch_op.drop_index("ix_mention_source_published")
        batch_op.drop_index("ix_mention_sentiment_published")
        batch_op.drop_index(batch_op.f("ix_mention_published_at"))
        batch_op.drop_index("ix_mention_product_published")
        batch_op.drop_index("ix_mention_brand_published")

    op.drop_table("mention")
    with op.batch_alter_table("crawlrun", schema=None) as batch_op:
        batch_op.drop_index("ix_crawlrun_source_started")

    op.drop_table("crawlrun")
    op.drop_table("source")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_brand_id"))

    op.drop_table("product")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_brand_id"))

    op.drop_table("alert")
    op.drop_table("brand")
