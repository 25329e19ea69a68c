"""The ledger's partial indexes are partial on PostgreSQL too (0026): on a full index the
indicator totals' "minus the deleted entries" query read every row of the window from the
table (bench/province_bench.py, 首页 at 1,000,000 entries)."""

from __future__ import annotations

from sqlalchemy import text


def test_the_ledgers_partial_indexes_are_partial_on_the_server(postgres_url: str) -> None:
    from app.services.database import open_database

    database = open_database(postgres_url)
    try:
        with database.engine.connect() as conn:
            found = dict(
                conn.execute(
                    text(
                        "SELECT indexname, indexdef FROM pg_indexes "
                        "WHERE tablename = 'ledger_entries'"
                    )
                ).all()
            )
    finally:
        database.close()
    assert found["ix_ledger_entries_deleted_owner_kind_date"].endswith("WHERE (deleted IS TRUE)")
    assert found["ix_ledger_entries_paired_office_date"].endswith(
        "WHERE (paired_office_id IS NOT NULL)"
    )
    assert "WHERE" not in found["ix_ledger_entries_owner_kind_date"]
