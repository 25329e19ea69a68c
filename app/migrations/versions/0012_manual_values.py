"""manual indicators' values (manual_values), and the unit that enters them
(indicators.value_unit_id)

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value_unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_indicators_value_unit_id_units"), "units", ["value_unit_id"], ["id"]
        )
    op.create_table(
        "manual_values",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_entry_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["evidence_entry_id"], ["ledger_entries.id"],
                                name=op.f("fk_manual_values_evidence_entry_id_ledger_entries")),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicators.id"],
                                name=op.f("fk_manual_values_indicator_id_indicators")),
        sa.ForeignKeyConstraint(["owner_unit_id"], ["units.id"],
                                name=op.f("fk_manual_values_owner_unit_id_units"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_values")),
        sa.UniqueConstraint("uuid", name=op.f("uq_manual_values_uuid")),
    )  # fmt: skip
    with op.batch_alter_table("manual_values", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_manual_values_indicator_id"), ["indicator_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_manual_values_owner_unit_id"), ["owner_unit_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("manual_values")
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_constraint("fk_indicators_value_unit_id_units", type_="foreignkey")
        batch_op.drop_column("value_unit_id")
