"""unlabelled: mentions in a language the model does not read keep empty labels, and why

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:00:00

The classifier no longer labels a text whose language no configured model reads (SPEC §5
"Languages"): it returns no sentiment, score or stage, and a reason ("unsupported language:
de"; "sentiment only: de" where a per-language model gave the sentiment but the stage and topic
heads do not read the language). classification.sentiment, sentiment_score and stage become
nullable: the row still records that the model version has seen the mention, so `umot
classify` does not try it again. classification and mention gain ``unlabelled``; the mention's
is indexed, for `umot status` and the dashboard's count. Existing rows are labelled, so NULL.

Downgrade drops the unlabelled results (NOT NULL comes back), which leaves those mentions to be
classified again by the old rule.
"""

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NULLABLE = [
    ("sentiment", sa.String(length=16)),
    ("sentiment_score", sa.Float()),
    ("stage", sa.String(length=8)),
]


# SQLite's batch mode rebuilds classification and, through its foreign key, reflects mention,
# whose expression indexes SQLAlchemy cannot reflect (and says so on stderr, in every `umot`
# command that upgrades a database). The rebuilt table does not need them.
QUIET = "Skipped unsupported reflection"


def upgrade() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", QUIET, sa.exc.SAWarning)
        _rebuild_classification_nullable()
    # Not in batch mode: SQLite adds a column in place, and batch mode would reflect the mention
    # table (warning about its expression indexes on every upgrade).
    op.add_column("mention", sa.Column("unlabelled", sa.String(length=80), nullable=True))
    op.create_index("ix_mention_unlabelled", "mention", ["unlabelled"], unique=False)


def _rebuild_classification_nullable() -> None:
    with op.batch_alter_table("classification", schema=None) as batch_op:
        for name, type_ in NULLABLE:
            batch_op.alter_column(name, existing_type=type_, nullable=True)
        batch_op.add_column(sa.Column("unlabelled", sa.String(length=80), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies and drops the mention table, and dropping it
    # cascades to every classification row. SQLite (3.35+) drops a column in place.
    op.drop_index("ix_mention_unlabelled", table_name="mention")
    op.drop_column("mention", "unlabelled")
    op.execute(
        "DELETE FROM classification WHERE sentiment IS NULL OR sentiment_score IS NULL "
        "OR stage IS NULL"
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", QUIET, sa.exc.SAWarning)
        with op.batch_alter_table("classification", schema=None) as batch_op:
            batch_op.drop_column("unlabelled")
            for name, type_ in NULLABLE:
                batch_op.alter_column(name, existing_type=type_, nullable=False)
