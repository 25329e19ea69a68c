"""Opening databases the way installed PCs do: odd folder names, frozen builds, network shares."""

from __future__ import annotations

import compileall
import shutil
import sqlite3
from pathlib import Path

import pytest

from app.models import SCHEMA_HEAD
from app.services import database as database_module
from app.services.database import DatabaseError, database_url, open_database, sqlite_file
from app.services.settings import set_setting
from tests.conftest import DATA_DIR


@pytest.mark.parametrize("folder", ["a%41b", "市局 #1?备份", "a%20b"])
def test_any_folder_name_opens_exactly_that_file(tmp_path, db_path, folder):
    """The path is escaped into the URL: ``a%41b`` must not open ``aAb``."""
    place = tmp_path / folder
    place.mkdir()
    target = place / "数据 #.db"
    shutil.copy(db_path, target)
    assert sqlite_file(database_url(str(target))) == target
    db = open_database(str(target))
    try:
        with db.session() as s:
            set_setting(s, "where", folder)
    finally:
        db.close()
    with sqlite3.connect(target) as conn:
        row = conn.execute("SELECT value FROM local_settings WHERE key = 'where'").fetchone()
    assert row is not None and folder in row[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["bangjiao.db", folder])


@pytest.fixture
def compiled_migrations(tmp_path, monkeypatch) -> Path:
    """The migrations as a frozen build may ship them: compiled files beside where the sources
    were (``compileall -b``), no ``.py`` at all; the application is pointed there."""
    folder = tmp_path / "frozen" / "migrations"
    shutil.copytree(
        database_module.MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__")
    )
    assert compileall.compile_dir(folder, legacy=True, quiet=1)
    for source in folder.rglob("*.py"):
        source.unlink()
    assert list(folder.rglob("*.py")) == [] and list((folder / "versions").glob("*.pyc"))
    monkeypatch.setattr(database_module, "MIGRATIONS_DIR", folder)
    return folder


def test_an_old_database_is_upgraded_from_compiled_migrations(tmp_path, compiled_migrations):
    path = tmp_path / "old.db"
    shutil.copy(DATA_DIR / "schema-0001.db", path)
    db = open_database(str(path))
    try:
        with db.engine.connect() as conn:
            assert (
                conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                == SCHEMA_HEAD
            )
    finally:
        db.close()
    assert db.backup_path is not None and db.backup_path.exists()


def test_a_newer_database_is_still_refused_with_compiled_migrations(db_path, compiled_migrations):
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = db_path.read_bytes()
    with pytest.raises(DatabaseError, match="比本程序新"):
        open_database(str(db_path))
    assert db_path.read_bytes() == before


def test_known_revisions_come_from_the_scripts_not_file_names(compiled_migrations):
    known = database_module._known_revisions()
    assert SCHEMA_HEAD in known and "0001" in known and "9999" not in known
