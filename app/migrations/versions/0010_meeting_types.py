"""meeting types: 月度例会, 动员部署会, 座谈会, 推进会 (the template's list); every meeting
recorded before is a 月度例会

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("meeting_type", sa.String(length=20), nullable=False,
                      server_default="月度例会")
        )  # fmt: skip


def downgrade() -> None:
    # SQLite ≥ 3.35 drops a column in place; a batch copy of the table would fail on the
    # foreign keys of meeting_reports and meeting_decisions (foreign_keys is on)
    op.drop_column("meetings", "meeting_type")
