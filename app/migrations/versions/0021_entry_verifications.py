"""the county's 核实 of ledger entries (entry_verifications), units' answers to doubts
(doubt_answers), the county's unlocks of periods whose summary it adopted (period_unlocks),
and indicators that count only verified entries (indicators.verified_only)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _synced(table: str, about: str = "entry_id", target: str = "ledger_entries") -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["owner_unit_id"], ["units.id"],
                                name=op.f(f"fk_{table}_owner_unit_id_units"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint([about], [f"{target}.id"],
                                name=op.f(f"fk_{table}_{about}_{target}")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("uuid", name=op.f(f"uq_{table}_uuid")),
    ]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "entry_verifications",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("marked_on", sa.Date(), nullable=False),
        *_synced("entry_verifications"),
        sa.UniqueConstraint("entry_id", name=op.f("uq_entry_verifications_entry_id")),
    )
    op.create_table(
        "doubt_answers",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("verification_revision", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        *_synced("doubt_answers"),
    )
    op.create_table(
        "period_unlocks",
        sa.Column("summary_id", sa.Integer(), nullable=False),
        sa.Column("summary_revision", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("unlocked_on", sa.Date(), nullable=False),
        *_synced("period_unlocks", "summary_id", "phase_summaries"),
    )
    with op.batch_alter_table("period_unlocks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_period_unlocks_summary_id"), ["summary_id"], unique=False
        )
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("verified_only", sa.Boolean(), server_default="0", nullable=False)
        )
    for table in ("entry_verifications", "doubt_answers", "period_unlocks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f(f"ix_{table}_owner_unit_id"), ["owner_unit_id"], unique=False
            )
    with op.batch_alter_table("doubt_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_doubt_answers_entry_id"), ["entry_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_column("verified_only")
    op.drop_table("period_unlocks")
    op.drop_table("doubt_answers")
    op.drop_table("entry_verifications")
