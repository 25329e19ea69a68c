"""the ledger's two partial indexes partial on PostgreSQL too (the deleted entries; entries
with a paired office): 0003 gave them only SQLite's WHERE, so on a server they indexed every
row and the indicator totals' "minus the deleted" query read the whole window's rows
(bench/province_bench.py: 首页 at 1,000,000 entries). SQLite's indexes are already partial.

Revision ID: 0026
Revises: 0022
Create Date: 2026-12-01 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0022"
branch_labels = None
depends_on = None

COLUMNS = {
    "ix_ledger_entries_deleted_owner_kind_date": ["owner_unit_id", "kind_id", "entry_date"],
    "ix_ledger_entries_paired_office_date": ["paired_office_id", "entry_date"],
}
WHERE = {
    "ix_ledger_entries_deleted_owner_kind_date": "deleted IS TRUE",
    "ix_ledger_entries_paired_office_date": "paired_office_id IS NOT NULL",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's are partial since 0003
    for name, columns in COLUMNS.items():
        op.drop_index(name, table_name="ledger_entries")
        op.create_index(name, "ledger_entries", columns, postgresql_where=sa.text(WHERE[name]))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns in COLUMNS.items():
        op.drop_index(name, table_name="ledger_entries")
        op.create_index(name, "ledger_entries", columns)
