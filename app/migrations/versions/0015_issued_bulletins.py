"""issued bulletins (issued_bulletins): the county's published 进度通报 with its 期号 and a
frozen snapshot of what it prints

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-01 05:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_bulletins",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["owner_unit_id"], ["units.id"],
                                name=op.f("fk_issued_bulletins_owner_unit_id_units"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"],
                                name=op.f("fk_issued_bulletins_programme_id_programmes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_bulletins")),
        sa.UniqueConstraint("programme_id", "number",
                            name=op.f("uq_issued_bulletins_programme_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_issued_bulletins_uuid")),
    )  # fmt: skip
    with op.batch_alter_table("issued_bulletins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_bulletins_owner_unit_id"), ["owner_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_issued_bulletins_programme_id"), ["programme_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("issued_bulletins")
