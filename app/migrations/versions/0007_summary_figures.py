"""summary figures: the statistics snapshot kept with a submitted summary

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 03:00:00

Summaries submitted before this column existed get their snapshot after the upgrade, from the
application (``summaries.freeze_unfrozen``, run by ``open_database``): the migration only adds
the column, so it never depends on models of a later schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('phase_summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('figures', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('phase_summaries', schema=None) as batch_op:
        batch_op.drop_column('figures')
