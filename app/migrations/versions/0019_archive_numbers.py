"""archive numbers (档号) of ledger entries bound into 台账 volumes

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("retention", sa.String(length=10), nullable=False),
        sa.Column("org_code", sa.String(length=20), nullable=False),
        sa.Column("item_number", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_archive_numbers_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_numbers")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_archive_numbers_entry_id")),
        sa.UniqueConstraint(
            "year", "retention", "org_code", "item_number", name=op.f("uq_archive_numbers_year")
        ),
    )


def downgrade() -> None:
    op.drop_table("archive_numbers")
