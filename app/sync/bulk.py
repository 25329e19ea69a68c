"""Many rows into a table through the driver's ``executemany``, for imports.

The values are converted by each column type's own SQLAlchemy bind processor, so what is
stored is exactly what a Core insert would store; only SQLAlchemy's per-row statement
bookkeeping is skipped (it cost more than SQLite itself on a 100,000-entry import).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table

ROW_ID = "_row_id"  # the key naming the row an update is for

_Processors = list[Callable[[Any], Any] | None]  # a bind processor per placeholder, or None


class BulkWriter:
    """Inserts and updates of one table on one connection."""

    def __init__(self, connection: Connection, table: Table) -> None:
        self.connection = connection
        self.table = table
        self._dialect = connection.dialect
        self._quote = self._dialect.identifier_preparer.quote
        self._plans: dict[tuple[str, tuple[str, ...]], tuple[str, _Processors]] = {}

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
                       f"VALUES ({', '.join('?' for _ in columns)})")  # fmt: skip
                processors = self._processors(columns)
            else:
                assignments = ", ".join(f"{self._quote(c)} = ?" for c in columns)
                sql = f"UPDATE {name} SET {assignments} WHERE id = ?"
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
