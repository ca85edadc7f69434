"""brand role: own or competitor

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 12:00:00

The cockpit and the exports open on the brand the user manages and put its competitors beside
it: each brand row says which it is. Every command that reads the config
(`umot crawl`, `status`, `export`, `dashboard`) writes the configured roles through
store.catalog.sync_configured_catalog; until one runs, an upgraded database follows the config's
own default: the first brand (the lowest id, as the first sync created them in file order) is
own, the others competitors.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "role",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="competitor",
            )
        )
    op.execute("UPDATE brand SET role = 'own' WHERE id = (SELECT min(id) FROM brand)")


def downgrade() -> None:
    with op.batch_alter_table("brand", schema=None) as batch_op:
        batch_op.drop_column("role")
