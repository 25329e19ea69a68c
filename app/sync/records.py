"""Records as they travel: every SyncedRecord table, foreign keys as UUIDs.

A record is a JSON object with the row's own columns and every foreign key ``<name>_id``
replaced by ``<name>_uuid``, the UUID of the row it points to (``owner_unit_uuid`` is the
owner). Tables are listed parents first, so an import can resolve references in order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from datetime import date, datetime
from functools import cache
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

    def ids_by_uuid(self, table: Table) -> Mapping[str, int]:
        """Every row of ``table`` here, uuid → local id (read again after :meth:`forget`)."""
        self._load(table)
        return self._to_id[table.name]

    def forget(self, table: Table) -> None:
        """Drop a table's cached ids (after bulk inserts); they are read again when needed."""
        self._to_uuid.pop(table.name, None)
        self._to_id.pop(table.name, None)

    def remember(self, table: Table, row_id: int, row_uuid: str) -> None:
        """Record a row just inserted."""
        self._load(table)
        self._to_uuid[table.name][row_id] = row_uuid
        self._to_id[table.name][row_uuid] = row_id


# ------------------------------------------------------------ per-table conversion plans
#
# What to do with each column is worked out once per table (and set of skipped columns), so
# converting a record is a tight loop over precomputed steps: an import or export converts
# every row of a package, 100,000 and more.

# how a step's "how" converts a value (0: as it is, not looked up)
_FROM_ISO: dict[int, Callable[[str], date]] = {1: date.fromisoformat, 2: datetime.fromisoformat}


class _Plan:
    """How the columns of one table travel, in the table's column order."""

    def __init__(self, table: Table) -> None:
        from sqlalchemy import Boolean, Date, DateTime, Enum, Float, Integer, String

        fks = foreign_keys(table)
        self.names = tuple(c.name for c in table.columns)
        # to_record: (position in a row of select(table), column, record key, the table a
        # reference points to or None, whether the value goes through _plain: anything that
        # is not a str/int/float/bool column, e.g. dates, times, enums)
        self.by_position: list[tuple[int, str, Table | None, bool]] = []
        self.by_name: list[tuple[str, str, Table | None, bool]] = []
        # from_record: (column, record key, the table a reference points to or None, how to
        # convert a value: 0 as it is, 1 date.fromisoformat, 2 datetime.fromisoformat)
        self.incoming: list[tuple[str, str, Table | None, int]] = []
        for index, column in enumerate(table.columns):
            name = column.name
            if name == "id":
                continue
            target = fks.get(name)
            key = ref_key(name) if target is not None else name
            kind = type(column.type)
            scalar = issubclass(kind, String | Integer | Boolean | Float) and not issubclass(
                kind, Enum | Date | DateTime
            )
            convert = target is None and not scalar
            self.by_position.append((index, key, target, convert))
            self.by_name.append((name, key, target, convert))
            how = (
                2
                if isinstance(column.type, DateTime)
                else 1
                if isinstance(column.type, Date)
                else 0
            )
            self.incoming.append((name, key, target, 0 if target is not None else how))
        self._incoming_without: dict[frozenset[str], list[tuple[str, str, Table | None, int]]] = {}

    def incoming_without(self, skip: frozenset[str]) -> list[tuple[str, str, Table | None, int]]:
        """The from_record steps with the columns in ``skip`` left out."""
        if not skip:
            return self.incoming
        steps = self._incoming_without.get(skip)
        if steps is None:
            steps = self._incoming_without[skip] = [s for s in self.incoming if s[0] not in skip]
        return steps


@cache
def _plan(table: Table) -> _Plan:
    """The table's plan, made once."""
    return _Plan(table)


IncomingStep = tuple[str, str, Table | None, Callable[[str], date] | None]


def incoming_steps(table: Table, skip: Set[str] = frozenset()) -> list[IncomingStep]:
    """How :func:`from_record` fills each column of ``table`` but those in ``skip``, in the
    table's column order: (column, record key, the table a reference points to or None, how a
    value is converted: a function from its ISO text, or None to take it as it is)."""
    steps = _plan(table).incoming_without(skip if type(skip) is frozenset else frozenset(skip))
    return [(name, key, target, _FROM_ISO.get(how)) for name, key, target, how in steps]


def to_record(table: Table, row: Any, ids: UuidMap) -> dict[str, Any]:
    """A row (a Core Row of ``table``) as a travelling record."""
    plan = _plan(table)
    steps: Sequence[tuple[int | str, str, Table | None, bool]]
    if getattr(row, "_fields", None) == plan.names:  # a row of select(table): by position
        steps, get = plan.by_position, row.__getitem__
    else:
        steps, get = plan.by_name, row._mapping.__getitem__
    to_uuid = ids._to_uuid
    record: dict[str, Any] = {}
    for where, key, target, convert in steps:
        value = get(where)
        if target is not None:
            if value is not None:
                known = to_uuid.get(target.name)
                if known is None:
                    ids._load(target)
                    known = to_uuid[target.name]
                value = known.get(value)
        elif convert and value is not None:
            value = _plain(value)
        record[key] = value
    return record


def from_record(
    table: Table, record: dict[str, Any], ids: UuidMap, skip: Set[str] = frozenset()
) -> dict[str, Any]:
    """Column values for a travelling record; references resolved to local ids.

    Columns in ``skip`` (self-references, set in a second pass) are left out. A reference to a
    row that is not here raises KeyError naming the table.
    """
    steps = _plan(table).incoming_without(skip if type(skip) is frozenset else frozenset(skip))
    to_id = ids._to_id
    values: dict[str, Any] = {}
    for name, key, target, how in steps:
        if target is not None:
            ref = record.get(key)
            if ref is not None:
                known = to_id.get(target.name)
                if known is None:
                    ids._load(target)
                    known = to_id[target.name]
                local = known.get(ref)
                if local is None:
                    raise KeyError(target.name)
                values[name] = local
            else:
                values[name] = None
        elif key in record:
            value = record[key]
            if how and value is not None:
                value = _FROM_ISO[how](value)
            values[name] = value
    return values
