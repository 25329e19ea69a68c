"""Schema upgrades: head equals the models, old files are copied first, newer files refused."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select

from app.models import SCHEMA_HEAD, Base, Duty
from app.services.database import (
    MIGRATIONS_DIR,
    DatabaseError,
    create_db_engine,
    database_url,
    open_database,
)
from tests.conftest import DATA_DIR
from tests.helpers import dump


def test_schema_head_constant_is_alembic_head():
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_HEAD]


def test_upgrading_an_empty_database_gives_the_models_schema(tmp_path):
    db = open_database(str(tmp_path / "empty.db"))
    try:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            tables = set(db.engine.dialect.get_table_names(conn))
        assert diff == []
        assert set(Base.metadata.tables) <= tables
        assert db.backup_path is None  # nothing to back up in a new file
    finally:
        db.close()


@pytest.mark.sqlite_only(reason="SQLite's pragmas: foreign keys and the WAL journal of the file")
def test_foreign_keys_and_wal_are_on(database):
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


@pytest.mark.sqlite_only(reason="the copy of the SQLite file made before an upgrade")
def test_a_file_needing_migration_is_copied_first(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("INSERT INTO notes VALUES ('旧数据')")
    db = open_database(str(path))
    db.close()
    assert db.backup_path is not None and db.backup_path.exists()
    with sqlite3.connect(db.backup_path) as conn:
        assert conn.execute("SELECT text FROM notes").fetchall() == [("旧数据",)]
        assert conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name='alembic_version'"
        ).fetchone() == (0,)


def test_a_database_from_a_newer_program_is_refused_untouched(tmp_path, db_path):
    engine = create_db_engine(database_url(str(db_path)))
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    before, file_before = dump(db_path), _bytes(db_path)
    with pytest.raises(DatabaseError, match="比本程序新"):
        open_database(str(db_path))
    assert dump(db_path) == before and _bytes(db_path) == file_before


def _bytes(db_path) -> bytes | None:
    """The SQLite file's bytes (None for a server database)."""
    return db_path.read_bytes() if isinstance(db_path, Path) else None


@pytest.mark.sqlite_only(reason="files an older program left: only SQLite files existed then")
@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in DATA_DIR.glob("schema-*.db") if re.fullmatch(r"schema-\d+\.db", p.name)),
)
def test_released_schema_files_open_with_their_data(tmp_path, name):
    """Each released schema's database file (kept under tests/data) upgrades and keeps its data."""
    path = tmp_path / name
    shutil.copy(DATA_DIR / name, path)
    db = open_database(str(path))
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Duty)) == 24
        with db.engine.connect() as conn:
            assert (
                conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                == SCHEMA_HEAD
            )
    finally:
        db.close()
