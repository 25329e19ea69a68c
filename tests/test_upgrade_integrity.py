"""Upgrading a database that holds linked records: a migration that rebuilds a table others
refer to (0018 rebuilds correction_subjects, which ledger entries refer to) keeps every
reference, and an upgrade that fails leaves the file exactly as it was, schema included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.services.database import open_database
from app.services.errors import DatabaseError
from tests.test_vault import _database_at, _revisions


def _value_for(declared: str) -> object:
    kind = declared.upper()
    if "INT" in kind or "BOOL" in kind:
        return 0
    if "DATETIME" in kind or "TIMESTAMP" in kind:
        return "2018-05-01 00:00:00.000000"
    if "DATE" in kind:
        return "2018-05-01"
    if "NUMERIC" in kind or "FLOAT" in kind or "REAL" in kind:
        return 0
    return "x"


def _insert(conn: sqlite3.Connection, table: str, given: dict[str, object]) -> int:
    """A row of ``table`` as an older program could have written it: the columns given, every
    other required one filled, and a parent row made for each required reference."""
    references = {row[3]: row[2] for row in conn.execute(f"PRAGMA foreign_key_list({table})")}
    values = dict(given)
    for _cid, name, declared, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})"):
        if name in values or pk or not notnull or default is not None:
            continue
        if name in references:
            values[name] = _insert(conn, references[name], {})
        elif name == "uuid":
            import uuid

            values[name] = str(uuid.uuid4())
        else:
            values[name] = _value_for(declared)
    columns = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("?" for _ in values)
    cursor = conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values())
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


@pytest.mark.parametrize("revision", [r for r in _revisions() if r < "0018"])
def test_an_upgrade_keeps_the_ledgers_references_to_its_subjects(tmp_path: Path, revision: str):
    path = tmp_path / "old.db"
    _database_at(revision, path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        subject = _insert(conn, "correction_subjects", {"name": "欧阳某", "category": "PROBATION"})
        entry = _insert(conn, "ledger_entries", {"subject_id": subject})
    database = open_database(str(path))  # upgraded to the head here
    database.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute(
            "SELECT subject_id FROM ledger_entries WHERE id = ?", (entry,)
        ).fetchone() == (subject,)
        assert conn.execute("SELECT count(*) FROM correction_subjects").fetchone() == (1,)


def _schema(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()


def test_a_failed_upgrade_leaves_no_half_schema_behind(tmp_path: Path):
    """Migration 0019 meets a table of its name already there and fails: the tables the
    migrations before it created (users, audit_log…) are not left in the file either."""
    path = tmp_path / "old.db"
    _database_at("0015", path)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE archive_numbers (id INTEGER PRIMARY KEY)")  # in 0019's way
    before = _schema(path)
    with pytest.raises(DatabaseError):
        open_database(str(path))
    assert _schema(path) == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0015",)


def test_a_file_an_earlier_build_left_half_upgraded_is_explained_and_left_alone(tmp_path: Path):
    """What the previous build left after its failed upgrade (a new table, the stamp at 0015):
    the clerk is told to put back the copy made before it, and the file is not touched."""
    path = tmp_path / "old.db"
    _database_at("0015", path)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")  # 0016's, left behind
    before = _schema(path)
    with pytest.raises(DatabaseError) as refused:
        open_database(str(path))
    assert "以前的一次升级中途失败" in str(refused.value)
    assert "文件名含 backup，日期最早的一份" in str(refused.value)
    assert _schema(path) == before
