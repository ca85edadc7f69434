"""sentiment confidence: the probability the model gave its sentiment label

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 12:30:00

Every list row carries the model's confidence, and the score alone does not give it:
sentiment_score = P(positive) - P(negative) leaves P(neutral) open. The classifier now returns
P(label); classification keeps it per model version and mention keeps the effective one (1.0
when a person corrected the sentiment). Rows labelled before this revision stay empty (NULL):
the probability was never stored, and inventing one from the score would not be honest.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("classification", "mention"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("sentiment_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    for table in ("mention", "classification"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("sentiment_confidence")
