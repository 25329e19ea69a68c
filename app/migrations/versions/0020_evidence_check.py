"""evidence integrity (台账核查): photos' perceptual hashes, inspectors' decisions on flags

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo_hashes",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("phash", sa.String(16), nullable=False),
        sa.Column("plain", sa.Boolean(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_photo_hashes")),
    )
    op.create_table(
        "evidence_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("rectification_item_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rectification_item_id"],
            ["rectification_items.id"],
            name=op.f("fk_evidence_flags_rectification_item_id_rectification_items"),
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_flags")),
        sa.UniqueConstraint("key", name=op.f("uq_evidence_flags_key")),
    )


def downgrade() -> None:
    op.drop_table("evidence_flags")
    op.drop_table("photo_hashes")
