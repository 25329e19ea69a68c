"""Opening databases the way installed PCs do: odd folder names, frozen builds, network shares."""

from __future__ import annotations

import compileall
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from app.models import SCHEMA_HEAD
from app.services import database as database_module
from app.services.database import Database, DatabaseError, database_url, open_database, sqlite_file
from app.services.settings import set_setting
from tests.conftest import DATA_DIR

pytestmark = pytest.mark.sqlite_only(
    reason="the SQLite file's name, folder, journal and locks on office PCs"
)


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


def _header_journal(path: Path) -> int:
    """The file format byte SQLite keeps at offset 18: 2 for WAL, 1 for the rollback journal."""
    return path.read_bytes()[18]


def test_where_wal_is_refused_the_rollback_journal_is_used_safely(tmp_path, caplog):
    """A VFS without shared memory (``unix-none``) refuses WAL as a file system can: the app
    goes on in the rollback journal with synchronous=FULL, says so, and saves what it writes."""
    path = tmp_path / "无共享内存.db"
    url = f"sqlite:///file:{path}?vfs=unix-none&uri=true"
    engine = database_module.create_db_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE notes (text TEXT)")
            conn.exec_driver_sql("INSERT INTO notes VALUES ('保存了')")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        database = Database(url=url, engine=engine, session_factory=sessionmaker(engine))
        assert database.journal_mode == "delete"
    finally:
        engine.dispose()
    assert "不支持预写日志（WAL），改用回滚日志" in caplog.text
    assert not path.with_name(path.name + "-wal").exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT text FROM notes").fetchall() == [("保存了",)]


def test_a_database_on_a_network_share_uses_the_rollback_journal(db_path, monkeypatch, caplog):
    """On an NFS/SMB mount WAL would let two PCs corrupt the file: the rollback journal is used
    (the WAL file made on a local disk is converted), and the log guard stands down."""
    mounts = f"/dev/sda1 / ext4 rw 0 0\n//server/共享 {db_path.parent} cifs rw 0 0\n"
    monkeypatch.setattr(database_module, "_mount_table", lambda: mounts)
    assert _header_journal(db_path) == 2  # the template database is in WAL
    db = open_database(str(db_path))
    try:
        assert db.journal_mode == "delete"
        with db.session() as s:
            set_setting(s, "share", "网络")
        assert not db_path.with_name(db_path.name + "-wal").exists()
        assert db._wal_lost() is False
    finally:
        db.close()
    assert _header_journal(db_path) == 1
    assert "网络共享文件夹" in caplog.text
    with sqlite3.connect(db_path) as conn:
        row = conn.execute("SELECT value FROM local_settings WHERE key = 'share'").fetchone()
    assert row == ("网络",)


def test_network_shares_are_recognised(tmp_path):
    mounts = (
        "/dev/sda1 / ext4 rw 0 0\n"
        "server:/export /mnt/nfs nfs4 rw 0 0\n"
        "//pc/共享 /mnt/市局\\040共享 cifs rw 0 0\n"
        "tmpfs /mnt/nfs/local tmpfs rw 0 0\n"
    )
    kind = database_module._filesystem_type
    assert kind(Path("/mnt/nfs/a.db"), mounts) == "nfs4"
    assert kind(Path("/mnt/市局 共享/数据/a.db"), mounts) == "cifs"
    assert kind(Path("/mnt/nfs/local/a.db"), mounts) == "tmpfs"  # the longest mount point wins
    assert kind(Path("/mnt/nfsx/a.db"), mounts) == "ext4"
    assert database_module._windows_remote(Path("\\\\server\\share\\bangjiao.db"))
    assert database_module.journal_mode_for(tmp_path / "local.db") == "wal"
    assert database_module.journal_mode_for(None) == "wal"


def test_a_file_that_cannot_be_locked_is_refused_in_chinese():
    for detail in ("locking protocol", "disk I/O error"):
        error = OperationalError("SELECT 1", {}, sqlite3.OperationalError(detail))
        message = database_module._explain(error, "Z:/bangjiao.db")
        assert "不支持数据库所需的文件锁" in message and "本机硬盘" in message
