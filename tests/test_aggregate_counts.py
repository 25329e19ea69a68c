"""The county's aggregate counts live entries only (every row from the covering index minus the
deleted ones, bench/province_bench.py), on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from app.models import LedgerEntry
from app.services import ledger
from app.services.aggregate import aggregate_figures
from app.services.database import Database
from app.services.ledger import EntryInput
from app.services.settings import current_programme
from tests.helpers import kind_ids, unit_ids

AID = "法律援助中心"


def _delete(s, ids: list[int]) -> None:
    """Entries marked deleted as a tombstone is stored (the ledger's delete on a server awaits
    the local_edits upsert of another branch; what counts here is the aggregate)."""
    s.execute(update(LedgerEntry).where(LedgerEntry.id.in_(ids)).values(deleted=True))
    s.commit()


def _counts(database: Database) -> tuple[dict, dict]:
    """The aid centre's row after three entries (one deleted), then after deleting them all."""
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        ids = []
        for day, served in ((2, 2), (3, 5), (4, 7)):
            entry_id = ledger.save_entry(s, database.attachments, None, EntryInput(
                kind_id=kinds["hotline"], unit_id=units[AID], entry_date=date(2018, 7, day),
                title=f"热线 {day}", subjects_served=served, values={"calls": 1},
            ))  # fmt: skip
            ids.append(entry_id)
        _delete(s, ids[1:2])
        programme_id = current_programme(s).id
        first = next(r for r in aggregate_figures(s, programme_id, date(2018, 10, 15))["units"]
                     if r["name"] == AID)  # fmt: skip
        _delete(s, [ids[0], ids[2]])
        rows = aggregate_figures(s, programme_id, date(2018, 10, 15))["units"]
        after = next((r for r in rows if r["name"] == AID), {"entries": 0, "subjects_served": 0})
    return first, after


def test_deleted_entries_are_left_out_of_the_aggregate(database) -> None:
    first, after = _counts(database)
    assert (first["entries"], first["subjects_served"]) == (2, 9)
    assert (after["entries"], after["subjects_served"]) == (0, 0)


def test_the_same_on_the_server(postgres_url: str) -> None:
    from app.services.setup import initialise
    from tests.conftest import TEMPLATE_KEY

    database = initialise(postgres_url, TEMPLATE_KEY, "县矫正办").database
    try:
        first, after = _counts(database)
    finally:
        database.close()
    assert (first["entries"], first["subjects_served"]) == (2, 9)
    assert (after["entries"], after["subjects_served"]) == (0, 0)
