"""ratings of a department by its paired judicial offices (peer_ratings)

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-01 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "peer_ratings",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rated_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"],
                                name=op.f("fk_peer_ratings_programme_id_programmes")),
        sa.ForeignKeyConstraint(["office_id"], ["units.id"],
                                name=op.f("fk_peer_ratings_office_id_units")),
        sa.ForeignKeyConstraint(["department_id"], ["units.id"],
                                name=op.f("fk_peer_ratings_department_id_units")),
        sa.ForeignKeyConstraint(["owner_unit_id"], ["units.id"],
                                name=op.f("fk_peer_ratings_owner_unit_id_units"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_ratings")),
        sa.UniqueConstraint("uuid", name=op.f("uq_peer_ratings_uuid")),
        sa.UniqueConstraint("programme_id", "office_id", "department_id",
                            name=op.f("uq_peer_ratings_programme_id")),
    )  # fmt: skip
    with op.batch_alter_table("peer_ratings", schema=None) as batch_op:
        for column in ("programme_id", "office_id", "department_id", "owner_unit_id"):
            batch_op.create_index(batch_op.f(f"ix_peer_ratings_{column}"), [column], unique=False)


def downgrade() -> None:
    op.drop_table("peer_ratings")
