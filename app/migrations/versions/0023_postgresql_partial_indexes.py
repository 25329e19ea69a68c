"""the ledger's two partial indexes on PostgreSQL too: they were declared for SQLite only
(``sqlite_where``), so on a server they were made as full indexes over every row

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

DELETED = "ix_ledger_entries_deleted_owner_kind_date"
PAIRED = "ix_ledger_entries_paired_office_date"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():  # SQLite has had them partial since 0003
        return
    op.drop_index(DELETED, table_name="ledger_entries")
    op.create_index(
        DELETED, "ledger_entries", ["owner_unit_id", "kind_id", "entry_date"],
        postgresql_where=sa.text("deleted IS TRUE"),
    )  # fmt: skip
    op.drop_index(PAIRED, table_name="ledger_entries")
    op.create_index(
        PAIRED, "ledger_entries", ["paired_office_id", "entry_date"],
        postgresql_where=sa.text("paired_office_id IS NOT NULL"),
    )  # fmt: skip


def downgrade() -> None:
    if not _postgresql():
        return
    op.drop_index(DELETED, table_name="ledger_entries")
    op.create_index(DELETED, "ledger_entries", ["owner_unit_id", "kind_id", "entry_date"])
    op.drop_index(PAIRED, table_name="ledger_entries")
    op.create_index(PAIRED, "ledger_entries", ["paired_office_id", "entry_date"])
