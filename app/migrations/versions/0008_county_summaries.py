"""county summaries: the county office's own narrative of a phase, for its report to the city

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 02:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "county_summaries",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=True),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["owner_unit_id"], ["units.id"],
                                name=op.f("fk_county_summaries_owner_unit_id_units"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["phase_id"], ["phases.id"],
                                name=op.f("fk_county_summaries_phase_id_phases")),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"],
                                name=op.f("fk_county_summaries_programme_id_programmes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_county_summaries")),
        sa.UniqueConstraint("uuid", name=op.f("uq_county_summaries_uuid")),
    )  # fmt: skip
    with op.batch_alter_table("county_summaries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_county_summaries_owner_unit_id"), ["owner_unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_county_summaries_programme_id"), ["programme_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("county_summaries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_county_summaries_programme_id"))
        batch_op.drop_index(batch_op.f("ix_county_summaries_owner_unit_id"))
    op.drop_table("county_summaries")
