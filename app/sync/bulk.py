"""Many rows into a table through the driver's ``executemany``, for imports.

The values are converted by each column type's own SQLAlchemy bind processor, so what is
stored is exactly what a Core insert would store; only SQLAlchemy's per-row statement
bookkeeping is skipped (it cost more than SQLite itself on a 100,000-entry import). New
travelling records go from the package to the stored values in one pass
(:meth:`BulkWriter.insert_records`).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, Table

from app.sync.records import UuidMap, from_record, incoming_steps

ROW_ID = "_row_id"  # the key naming the row an update is for

_Processors = list[Callable[[Any], Any] | None]  # a bind processor per placeholder, or None


def param_mark(dialect: Any) -> str:
    """The driver's positional placeholder for SQL written by hand: ``?`` (sqlite3) or ``%s``
    (psycopg and the other ``format``/``pyformat`` drivers)."""
    return "%s" if dialect.paramstyle in ("format", "pyformat") else "?"


class BulkWriter:
    """Inserts and updates of one table on one connection."""

    def __init__(self, connection: Connection, table: Table) -> None:
        self.connection = connection
        self.table = table
        self._dialect = connection.dialect
        self._quote = self._dialect.identifier_preparer.quote
        self._mark = param_mark(self._dialect)
        self._plans: dict[tuple[str, tuple[str, ...]], tuple[str, _Processors]] = {}
        self._record_rows: dict[frozenset[str], _RecordRows] = {}

    def _processors(self, columns: Sequence[str]) -> _Processors:
        return [
            self.table.c[name].type.dialect_impl(self._dialect).bind_processor(self._dialect)
            for name in columns
        ]

    def _plan(self, kind: str, columns: tuple[str, ...]) -> tuple[str, _Processors]:
        key = (kind, columns)
        if key not in self._plans:
            name = self._quote(self.table.name)
            if kind == "insert":
                sql = (f"INSERT INTO {name} ({', '.join(self._quote(c) for c in columns)}) "
                       f"VALUES ({', '.join(self._mark for _ in columns)})")  # fmt: skip
                processors = self._processors(columns)
            else:
                mark = self._mark
                assignments = ", ".join(f"{self._quote(c)} = {mark}" for c in columns)
                sql = f"UPDATE {name} SET {assignments} WHERE id = {mark}"
                processors = [*self._processors(columns), None]
            self._plans[key] = (sql, processors)
        return self._plans[key]

    def _run(self, kind: str, rows: list[dict[str, Any]]) -> None:
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:  # rows from one package share their keys; grouped to be safe
            groups.setdefault(tuple(k for k in row if k != ROW_ID), []).append(row)
        for columns, group in groups.items():
            sql, processors = self._plan(kind, columns)
            names = [*columns, ROW_ID] if kind == "update" else list(columns)
            pick = itemgetter(*names)
            values = (
                [list(pick(row)) for row in group] if len(names) > 1 else [[pick(r)] for r in group]
            )
            for index, process in enumerate(processors):
                if process is not None:
                    for value in values:
                        if value[index] is not None:
                            value[index] = process(value[index])
            self.connection.exec_driver_sql(sql, [tuple(v) for v in values])

    def insert(self, rows: list[dict[str, Any]]) -> None:
        """INSERT every row (dicts of column values)."""
        if rows:
            self._run("insert", rows)

    def update(self, rows: list[dict[str, Any]]) -> None:
        """UPDATE every row by its ``_row_id`` with the row's other values."""
        if rows:
            self._run("update", rows)

    def insert_records(
        self, records: list[dict[str, Any]], ids: UuidMap, skip: Set[str] = frozenset()
    ) -> None:
        """INSERT travelling records of the table, storing exactly what :meth:`insert` stores
        for ``from_record(table, record, ids, skip)``, in one pass (:class:`_RecordRows`). A
        record that pass does not take — one lacking a key (its column then keeps its
        default), or referring to a row not here — goes through ``from_record`` and
        :meth:`insert` after the others (``from_record`` raises KeyError for the reference)."""
        skip = frozenset(skip)
        maker = self._record_rows.get(skip)
        if maker is None:
            maker = self._record_rows[skip] = _RecordRows(self.table, self._dialect, skip)
        rows, others = maker.rows(records, ids)
        if rows:
            sql, _processors = self._plan("insert", maker.columns)
            self.connection.exec_driver_sql(sql, rows)
        if others:
            self.insert([from_record(self.table, record, ids, skip) for record in others])


class _RecordRows:
    """Travelling records of one table straight to the stored values of an INSERT:
    ``from_record``'s conversion and each column's bind processor, compiled to straight-line
    code for the table (the two apart, through a dict and a list per row, cost twice as much).
    Dates and times converted are remembered for a batch: an entry's date recurs, and a record's
    update time is mostly its creation time."""

    def __init__(self, table: Table, dialect: Dialect, skip: frozenset[str]) -> None:
        steps = incoming_steps(table, skip)
        self.columns = tuple(name for name, _key, _target, _parse in steps)
        self.targets = [target for _name, _key, target, _parse in steps if target is not None]
        memos: dict[tuple[Callable[[str], Any], str], int] = {}  # one for columns alike
        functions: dict[str, Any] = {}
        lines: list[str] = []
        refs = 0
        for index, (name, key, target, parse) in enumerate(steps):
            value = f"c{index}"
            if target is not None:  # a reference: the local id (KeyError when not here)
                ref, refs = f"ref_{refs}", refs + 1
                lines.append(f"        v = record.get({key!r})")
                lines.append(f"        {value} = None if v is None else {ref}[v]")
                continue
            lines.append(f"        v = record[{key!r}]")
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if parse is not None:  # ISO text: remembered per batch
                memo = f"memo_{memos.setdefault((parse, repr(table.c[name].type)), len(memos))}"
                functions[f"store_{index}"] = _stored(parse, process)
                lines += [f"        {value} = None if v is None else {memo}.get(v)",
                          f"        if {value} is None and v is not None:",
                          f"            {value} = {memo}[v] = store_{index}(v)"]  # fmt: skip
            elif process is not None:
                functions[f"process_{index}"] = process
                lines.append(f"        {value} = None if v is None else process_{index}(v)")
            else:
                lines.append(f"        {value} = v")
        head = ["def row(record, refs, memos):",
                f"    ({''.join(f'ref_{i}, ' for i in range(len(self.targets)))}) = refs",
                f"    ({''.join(f'memo_{i}, ' for i in range(len(memos)))}) = memos",
                "    try:"]  # fmt: skip
        tail = ["    except KeyError:  # a key missing, or a reference not here",
                "        return None",
                f"    return ({''.join(f'c{i}, ' for i in range(len(steps)))})"]  # fmt: skip
        code = compile("\n".join(head + lines + tail), f"<rows of {table.name}>", "exec")
        exec(code, functions)
        self._row: Callable[..., tuple[Any, ...] | None] = functions["row"]
        self._memos = len(memos)

    def rows(
        self, records: list[dict[str, Any]], ids: UuidMap
    ) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
        """The stored values of each record, and the records left to ``from_record``."""
        refs: tuple[Mapping[str, int], ...] = tuple(ids.ids_by_uuid(t) for t in self.targets)
        memos: tuple[dict[str, Any], ...] = tuple({} for _ in range(self._memos))
        row = self._row
        rows, others = [], []
        for record in records:
            values = row(record, refs, memos)
            if values is None:
                others.append(record)
            else:
                rows.append(values)
        return rows, others


def _stored(
    parse: Callable[[str], Any], process: Callable[[Any], Any] | None
) -> Callable[[str], Any]:
    """ISO text to the stored value of a date or time column (parsed, then bind-processed)."""
    if process is None:
        return parse
    return lambda text: process(parse(text))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a bulk job, then as it was before.

    An import keeps each batch of records (thousands of small dicts) alive while it checks and
    applies them, so the collector sees them survive and keeps starting full collections over
    every object of the program: about 8 % of a 100,000-entry import, for nothing, since
    records hold no reference cycles and reference counting frees them. In the app's window
    automatic collection is already off (the UI thread collects on a timer,
    ``app/ui/collector.py``): then this changes nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
