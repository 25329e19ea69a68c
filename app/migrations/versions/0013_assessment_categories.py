"""考核细则 as data: scheme categories (assessment_schemes.categories), the county's scores of
judgement items (judgement_scores), and the link from a 撤销 to the entry it reverses
(score_adjustments.reverses_id)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assessment_schemes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("categories", sa.JSON(), nullable=True))
    with op.batch_alter_table("score_adjustments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_score_adjustments_reverses_id_score_adjustments"),
            "score_adjustments", ["reverses_id"], ["id"],
        )  # fmt: skip
    op.create_table(
        "judgement_scores",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=50), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("scored_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("owner_unit_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["owner_unit_id"], ["units.id"],
                                name=op.f("fk_judgement_scores_owner_unit_id_units"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["programme_id"], ["programmes.id"],
                                name=op.f("fk_judgement_scores_programme_id_programmes")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_judgement_scores_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgement_scores")),
        sa.UniqueConstraint("uuid", name=op.f("uq_judgement_scores_uuid")),
    )  # fmt: skip
    with op.batch_alter_table("judgement_scores", schema=None) as batch_op:
        for column in ("owner_unit_id", "programme_id", "unit_id"):
            batch_op.create_index(
                batch_op.f(f"ix_judgement_scores_{column}"), [column], unique=False
            )


def downgrade() -> None:
    op.drop_table("judgement_scores")
    with op.batch_alter_table("score_adjustments", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_score_adjustments_reverses_id_score_adjustments", type_="foreignkey"
        )
        batch_op.drop_column("reverses_id")
    with op.batch_alter_table("assessment_schemes", schema=None) as batch_op:
        batch_op.drop_column("categories")
