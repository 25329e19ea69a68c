"""programme period: a programme's own start and end and its assessment period

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 04:00:00.000000

An existing programme starts on its issue date (when that lies in its year), else on 1 January,
and ends on 31 December of its year; its assessment period is left empty (= its period).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ("start_date", "end_date", "assessment_start", "assessment_end")


def upgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
    programmes = sa.table(
        "programmes",
        sa.column("id", sa.Integer()),
        sa.column("year", sa.Integer()),
        sa.column("issue_date", sa.Date()),
        sa.column("start_date", sa.Date()),
        sa.column("end_date", sa.Date()),
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(programmes.c.id, programmes.c.year, programmes.c.issue_date)):
        year, issued = row.year, row.issue_date
        start = issued if issued is not None and issued.year == year else date(year, 1, 1)
        bind.execute(
            programmes.update()
            .where(programmes.c.id == row.id)
            .values(start_date=start, end_date=date(year, 12, 31))
        )


def downgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
