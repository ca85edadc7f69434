"""stage confidence: the calibrated probability of the mention's stage

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 20:00:00

The classifier now returns, besides the sentiment's, a calibrated probability for the stage
(of the mentions given 0.8, about 80 % are right), and every dashboard list row shows both.
classification keeps it per model version; mention keeps the effective one (1.0 when a person
corrected the stage). Rows labelled before this revision stay empty (NULL) until the next model
version labels them: no probability was stored, and none is invented.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch mode: SQLite adds a column in place, and batch mode would reflect the mention
    # table (warning about its expression indexes on every upgrade).
    for table in ("classification", "mention"):
        op.add_column(table, sa.Column("stage_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: on SQLite that copies and drops the mention table, and dropping it
    # cascades to every classification row. SQLite (3.35+) drops a column in place.
    for table in ("classification", "mention"):
        op.drop_column(table, "stage_confidence")
