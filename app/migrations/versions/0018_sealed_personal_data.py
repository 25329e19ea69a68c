"""personal data sealed at rest: users' wrapped data keys; subjects' name and identity number
(and a conflict's waiting record) become text columns that hold ciphertext

The values themselves are encrypted when the database's vault is set up (with its first
管理员, ``app.services.vault.create_vault``), not here: a migration runs before anybody logs in.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _defer_foreign_keys() -> None:
    if op.get_bind().dialect.name == "sqlite":  # other databases alter the column in place
        op.execute("PRAGMA defer_foreign_keys = ON")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("wrapped_key", sa.Text(), server_default="", nullable=False))
    # the table is rebuilt (SQLite): other tables' references to it are checked at commit
    _defer_foreign_keys()
    with op.batch_alter_table("correction_subjects") as batch_op:
        batch_op.alter_column("name", type_=sa.Text(), existing_type=sa.String(50))
        batch_op.alter_column("id_number", type_=sa.Text(), existing_type=sa.String(18))


def downgrade() -> None:
    _defer_foreign_keys()
    with op.batch_alter_table("correction_subjects") as batch_op:
        batch_op.alter_column("name", type_=sa.String(50), existing_type=sa.Text())
        batch_op.alter_column("id_number", type_=sa.String(18), existing_type=sa.Text())
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("wrapped_key")
