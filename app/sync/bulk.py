"""Many rows into a table through the driver's ``executemany``, for imports.

The values are converted by each column type's own SQLAlchemy bind processor, so what is
stored is exactly what a Core insert would store; only SQLAlchemy's per-row statement
bookkeeping is skipped (it cost more than SQLite itself on a 100,000-entry import).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
