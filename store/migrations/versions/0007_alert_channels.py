"""alert channels: per-channel delivery and back-off for spike alerts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 12:00:00

Alerts now go to a webhook and by e-mail. Each channel is tracked on its own
(``webhook_delivered_at``, ``email_delivered_at``) so that a channel that accepted an alert never
gets it again while another is retried; ``delivered_at`` keeps its meaning (no configured channel
is left). ``next_attempt_at`` spaces retries out (exponential back-off). Alerts delivered before
this revision went to the webhook, the only channel then.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("webhook_delivered_at", "email_delivered_at", "next_attempt_at")


def upgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        for name in _COLUMNS:
            batch_op.add_column(
                sa.Column(name, store.types.UTCDateTime(timezone=True), nullable=True)
            )
    op.execute("UPDATE alert SET webhook_delivered_at = delivered_at")


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        for name in reversed(_COLUMNS):
            batch_op.drop_column(name)
