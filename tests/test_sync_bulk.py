"""The import's driver-level writer stores exactly what a Core insert or update stores, and
records inserted in one pass what ``from_record`` and an insert store; the collector pause of a
bulk job leaves the collector as it found it."""

from __future__ import annotations

import gc
import uuid
from datetime import date

import pytest
from sqlalchemy import insert, select, update

from app.models import EntryKind, LedgerEntry, Unit
from app.services import ledger
from app.services.database import open_database
from app.services.ledger import EntryInput
from app.sync.bulk import ROW_ID, BulkWriter, collector_paused
from app.sync.records import UuidMap, from_record, to_record
from tests.helpers import copy_database, kind_ids, unit_ids


def _rows(url: str, table: str) -> list[tuple]:
    """Every row of ``table`` in the database ``url`` (a file or a server's), by id."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url if "://" in url else f"sqlite:///{url}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
    finally:
        engine.dispose()


def test_inserts_and_updates_store_what_core_stores(db_path, tmp_path):
    db = open_database(str(db_path))
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        for n in range(3):
            ledger.save_entry(
                s,
                db.attachments,
                None,
                EntryInput(
                    kind_id=kinds["hotline"],
                    unit_id=units["法律援助中心"],
                    entry_date=date(2018, 8, 3 + n),
                    title=f"热线“{n}”",
                    subjects_served=n,
                    values={"calls": n + 1},
                ),
            )
        entries = [dict(r._mapping) for r in s.execute(select(LedgerEntry.__table__))]
        unit_rows = [dict(r._mapping) for r in s.execute(select(Unit.__table__).limit(3))]
    db.close()
    copies = [copy_database(db_path, tmp_path, name) for name in ("core", "bulk")]
    fresh = [{**e, "id": None, "uuid": str(uuid.uuid4()), "deleted": True} for e in entries]
    for e in fresh:
        del e["id"]
    changed = [
        {**u, "name": u["name"] + "（改）", "revision": u["revision"] + 1} for u in unit_rows
    ]
    for path, bulk in zip(copies, (False, True), strict=True):
        db = open_database(str(path))
        with db.session() as s:
            if bulk:
                BulkWriter(s.connection(), LedgerEntry.__table__).insert(fresh)
                BulkWriter(s.connection(), Unit.__table__).update(
                    [
                        {**{k: v for k, v in u.items() if k != "id"}, ROW_ID: u["id"]}
                        for u in changed
                    ]
                )
            else:
                s.execute(insert(LedgerEntry.__table__), fresh)
                for u in changed:
                    s.execute(
                        update(Unit.__table__)
                        .where(Unit.id == u["id"])
                        .values(**{k: v for k, v in u.items() if k != "id"})
                    )
        db.close()
    assert _rows(copies[0], "ledger_entries") == _rows(copies[1], "ledger_entries")
    assert len(_rows(copies[1], "ledger_entries")) == 2 * len(entries)
    assert _rows(copies[0], "units") == _rows(copies[1], "units")
    assert sum("（改）" in str(c) for r in _rows(copies[1], "units") for c in r) == 3


def test_records_in_one_pass_store_what_from_record_and_insert_store(db_path, tmp_path):
    db = open_database(str(db_path))
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        for n in range(3):
            ledger.save_entry(
                s,
                db.attachments,
                None,
                EntryInput(
                    kind_id=kinds["hotline"],
                    unit_id=units["法律援助中心"],
                    entry_date=date(2018, 8, 3 + n % 2),
                    title=f"热线“{n}”",
                    subjects_served=n,
                    values={"calls": n + 1},
                    paired_office_id=units["瓯南司法所"] if n == 1 else None,
                ),
            )
        ids = UuidMap(s)
        entries = [
            to_record(LedgerEntry.__table__, r, ids)
            for r in s.execute(select(LedgerEntry.__table__))
        ]
        kind = to_record(EntryKind.__table__, s.execute(select(EntryKind.__table__)).first(), ids)
    db.close()
    fresh = [{**e, "uuid": str(uuid.uuid4())} for e in entries]
    fresh[0].update(deleted=True, updated_at="2018-08-09T10:11:12.131415+08:00")
    lacking = {**kind, "uuid": str(uuid.uuid4()), "code": "new_kind"}
    del lacking["min_photos"]  # a key a record may lack: its column keeps the default
    copies = [copy_database(db_path, tmp_path, name) for name in ("two-steps", "one-pass")]
    for path, one_pass in zip(copies, (False, True), strict=True):
        db = open_database(str(path))
        with db.session() as s:
            ids = UuidMap(s)
            for table, records in (
                (LedgerEntry.__table__, fresh),
                (EntryKind.__table__, [lacking]),
            ):
                writer = BulkWriter(s.connection(), table)
                if one_pass:
                    writer.insert_records(records, ids)
                else:
                    writer.insert([from_record(table, r, ids) for r in records])
            if one_pass:
                unknown = {**fresh[1], "uuid": str(uuid.uuid4()), "kind_uuid": str(uuid.uuid4())}
                writer = BulkWriter(s.connection(), LedgerEntry.__table__)
                with pytest.raises(KeyError, match="entry_kinds"):  # as from_record says it
                    writer.insert_records([unknown], ids)
        db.close()
    assert _rows(copies[0], "ledger_entries") == _rows(copies[1], "ledger_entries")
    assert len(_rows(copies[1], "ledger_entries")) == 2 * len(entries)
    assert _rows(copies[0], "entry_kinds") == _rows(copies[1], "entry_kinds")
    stored = _rows(copies[1], "entry_kinds")[-1]
    assert "new_kind" in stored and 0 in stored


def test_collector_paused_for_a_job_then_as_it_was():
    was = gc.isenabled()
    try:
        gc.enable()
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled()
        with pytest.raises(RuntimeError), collector_paused():
            raise RuntimeError("a refused package")
        assert gc.isenabled()
        gc.disable()  # as the app's window keeps it (app/ui/collector.py)
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
