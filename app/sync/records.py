"""Records as they travel: every SyncedRecord table, foreign keys as UUIDs.

A record is a JSON object with the row's own columns and every foreign key ``<name>_id``
replaced by ``<name>_uuid``, the UUID of the row it points to (``owner_unit_uuid`` is the
owner). Tables are listed parents first, so an import can resolve references in order.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from app.models import Base, SyncedRecord

LOCAL_ONLY = {"local_settings"}


def travelling_tables() -> list[Table]:
    """Tables whose rows travel, parents before children (units first)."""
    synced = {
        m.class_.__tablename__ for m in Base.registry.mappers if issubclass(m.class_, SyncedRecord)
    }
    ordered = [
        t for t in Base.metadata.sorted_tables if t.name in synced and t.name not in LOCAL_ONLY
    ]
    ordered.sort(key=lambda t: t.name != "units")  # stable: units first, the rest in FK order
    return ordered


def ref_key(column: str) -> str:
    """The record key of a foreign key column: ``kind_id`` → ``kind_uuid``."""
    return (column[:-3] if column.endswith("_id") else column) + "_uuid"


def foreign_keys(table: Table) -> dict[str, Table]:
    """Column name → the table it points to (all point at ``id``)."""
    return {fk.parent.name: fk.column.table for fk in table.foreign_keys}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return value.value  # enums
    return value


class UuidMap:
    """Local id ↔ uuid for the rows of every table, filled lazily and cached."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._to_uuid: dict[str, dict[int, str]] = {}
        self._to_id: dict[str, dict[str, int]] = {}

    def _load(self, table: Table) -> None:
        if table.name not in self._to_uuid:
            rows = self.session.execute(select(table.c.id, table.c.uuid)).all()
            self._to_uuid[table.name] = dict(rows)
            self._to_id[table.name] = {u: i for i, u in rows}

    def uuid_of(self, table: Table, row_id: int | None) -> str | None:
        """The uuid of a row, or None."""
        if row_id is None:
            return None
        self._load(table)
        return self._to_uuid[table.name].get(row_id)

    def id_of(self, table: Table, row_uuid: str | None) -> int | None:
        """The local id of a row with this uuid, or None if it is not here (yet)."""
        if row_uuid is None:
            return None
        self._load(table)
        return self._to_id[table.name].get(row_uuid)

    def forget(self, table: Table) -> None:
        """Drop a table's cached ids (after bulk inserts); they are read again when needed."""
        self._to_uuid.pop(table.name, None)
        self._to_id.pop(table.name, None)

    def remember(self, table: Table, row_id: int, row_uuid: str) -> None:
        """Record a row just inserted."""
        self._load(table)
        self._to_uuid[table.name][row_id] = row_uuid
        self._to_id[table.name][row_uuid] = row_id


def to_record(table: Table, row: Any, ids: UuidMap) -> dict[str, Any]:
    """A row (a Core Row of ``table``) as a travelling record."""
    fks = foreign_keys(table)
    record: dict[str, Any] = {}
    for column in table.columns:
        if column.name == "id":
            continue
        value = row._mapping[column.name]
        if column.name in fks:
            record[ref_key(column.name)] = ids.uuid_of(fks[column.name], value)
        else:
            record[column.name] = _plain(value)
    return record


def from_record(
    table: Table, record: dict[str, Any], ids: UuidMap, skip: set[str] = frozenset()
) -> dict[str, Any]:
    """Column values for a travelling record; references resolved to local ids.

    Columns in ``skip`` (self-references, set in a second pass) are left out. A reference to a
    row that is not here raises KeyError naming the table.
    """
    from sqlalchemy import Date, DateTime

    fks = foreign_keys(table)
    values: dict[str, Any] = {}
    for column in table.columns:
        name = column.name
        if name == "id" or name in skip:
            continue
        if name in fks:
            ref = record.get(ref_key(name))
            local = ids.id_of(fks[name], ref)
            if ref is not None and local is None:
                raise KeyError(fks[name].name)
            values[name] = local
            continue
        if name not in record:
            continue
        value = record[name]
        if value is not None and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        values[name] = value
    return values
