"""statistics reports (月报/季报): the units' reports (statistics_reports), the county's
decisions on them (statistics_reviews) and its unlocks of periods an accepted report closed
(statistics_unlocks)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _synced(table: str) -> list[sa.schema.SchemaItem]:
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
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("uuid", name=op.f(f"uq_{table}_uuid")),
    ]  # fmt: skip


def _about_report(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("report_revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["statistics_reports.id"],
                                name=op.f(f"fk_{table}_report_id_statistics_reports")),
    ]  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "statistics_reports",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("report_key", sa.String(length=40), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"],
                                name=op.f("fk_statistics_reports_programme_id_programmes")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_statistics_reports_unit_id_units")),
        *_synced("statistics_reports"),
    )  # fmt: skip
    op.create_table(
        "statistics_reviews",
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        *_about_report("statistics_reviews"),
        *_synced("statistics_reviews"),
    )
    op.create_table(
        "statistics_unlocks",
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("unlocked_on", sa.Date(), nullable=False),
        *_about_report("statistics_unlocks"),
        *_synced("statistics_unlocks"),
    )
    with op.batch_alter_table("statistics_reports", schema=None) as batch_op:
        for column in ("programme_id", "unit_id", "owner_unit_id"):
            batch_op.create_index(
                batch_op.f(f"ix_statistics_reports_{column}"), [column], unique=False
            )
    for table in ("statistics_reviews", "statistics_unlocks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ("report_id", "owner_unit_id"):
                batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade() -> None:
    op.drop_table("statistics_unlocks")
    op.drop_table("statistics_reviews")
    op.drop_table("statistics_reports")
