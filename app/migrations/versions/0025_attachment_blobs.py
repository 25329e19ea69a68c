"""the photo store of a database on a server: attachment_blobs (sha256, kind, data), one row per
stored file (original, reduced copy, thumbnail, print copy), sealed as the files are

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 16:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "kind", name=op.f("pk_attachment_blobs")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # photos are JPEG/PNG (and sealed: random-looking): kept out of line, never compressed
        op.execute("ALTER TABLE attachment_blobs ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("attachment_blobs")
