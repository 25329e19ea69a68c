"""Restoring a backup: everything checked first, the current state backed up, then the photos,
the database (one step, by SQLite's backup API into the live file) and the exchange state; the
exchange identity is renewed as for any restored file."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.services.attachments import store_for
from app.services.backup.archive import (
    SUFFIX,
    Manifest,
    Report,
    read_backup,
    write_backup,
)
from app.services.backup.container import BackupError, MasterKey, Secret
from app.services.files import replace_file
from app.services.private_files import (
    create_private_file,
    private_folder,
    protect_database_file,
)

log = logging.getLogger(__name__)

PC_SETTINGS = "backup."  # this PC's backup settings: kept as they are, not taken from the backup
SAFETY_FOLDER = "恢复前备份"


@dataclass(frozen=True)
class RestoreResult:
    """A restore done: what the backup held, where the state before it was kept, and whether
    the backup's older schema was upgraded."""

    manifest: Manifest
    safety_copy: Path | None
    upgraded: bool


def _nothing(_done: int) -> None:
    pass


def _readable(database_file: Path) -> bool:
    if not database_file.is_file():
        return False
    try:
        with closing(sqlite3.connect(database_file)) as connection:
            return bool(connection.execute("PRAGMA quick_check").fetchone()[0] == "ok")
    except sqlite3.DatabaseError:
        return False


def _pc_settings(database_file: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(database_file)) as connection:
        try:
            rows = connection.execute(
                "SELECT key, value FROM local_settings WHERE key LIKE ?", (PC_SETTINGS + "%",)
            ).fetchall()
        except sqlite3.DatabaseError:
            return []
    return [(str(k), str(v)) for k, v in rows]


def _prepare(staged: Path, database_file: Path, kept: list[tuple[str, str]], when: str) -> bool:
    """Bring the staged copy to this program's schema, keep this PC's backup settings, and
    give it a new exchange identity. Whether the schema was upgraded."""
    from sqlalchemy.orm import Session

    from app.models import SCHEMA_HEAD, LocalSetting
    from app.services.database import (
        _after_upgrade,
        create_db_engine,
        current_revision,
        sqlite_url,
        upgrade_schema,
    )
    from app.services.settings import set_setting
    from app.sync import identity

    engine = create_db_engine(sqlite_url(staged))
    try:
        revision, _tables = current_revision(engine)
        upgraded = revision != SCHEMA_HEAD
        if upgraded:
            upgrade_schema(engine)
            _after_upgrade(engine)
        with Session(engine) as session, session.begin():
            for row in session.query(LocalSetting).filter(LocalSetting.key.like(PC_SETTINGS + "%")):
                session.delete(row)
            session.flush()
            for key, value in kept:
                set_setting(session, key, value)
            identity.check_instance(session, database_file)
            identity.new_instance(session)
            set_setting(session, identity.MOVED, f"数据库于 {when} 从备份恢复")
    finally:
        engine.dispose()
    return upgraded


def _copy_into(staged: Path, database_file: Path) -> None:
    """The staged database into the live file in one step (SQLite's backup API: the app may
    have the file open; a kill midway leaves it as it was)."""
    with (
        closing(sqlite3.connect(staged)) as source,
        closing(sqlite3.connect(database_file, timeout=30)) as live,
    ):
        source.backup(live)


def _replace_whole(staged: Path, database_file: Path) -> None:
    """A missing or unreadable database file replaced by the staged copy."""
    temporary = database_file.with_name(f".{database_file.name}.restoring")
    temporary.unlink(missing_ok=True)
    create_private_file(temporary)
    shutil.copyfile(staged, temporary)  # into the owner-only file: copyfile keeps its mode
    for companion in ("-wal", "-shm"):
        database_file.with_name(database_file.name + companion).unlink(missing_ok=True)
    replace_file(temporary, database_file)


def safety_copy(database_file: Path, master: MasterKey, now: datetime) -> Path:
    """Back up the current state into the data folder (``恢复前备份/``) before a restore; a
    database too damaged to back up is copied aside as it is."""
    folder = private_folder(database_file.parent / SAFETY_FOLDER)
    stamp = f"{now:%Y%m%d-%H%M%S}"
    if _readable(database_file):
        target = folder / f"恢复前-{database_file.stem}-{stamp}{SUFFIX}"
        write_backup(database_file, store_for(database_file), target, master, now=now)
        return target
    target = folder / f"恢复前-{database_file.stem}-{stamp}-原文件{database_file.suffix}"
    create_private_file(target)
    shutil.copyfile(database_file, target)
    log.warning("恢复前数据库无法读取，已原样复制到 %s", target)
    return target


def restore_backup(
    path: Path,
    database_file: Path,
    secret: Secret,
    safety_key: MasterKey,
    *,
    report: Report = _nothing,
    now: datetime | None = None,
) -> RestoreResult:
    """Restore the backup at ``path`` over the database at ``database_file`` (which may be
    missing): read and check it all, keep the current state (sealed with ``safety_key``), add
    the photos it lacks, replace the database, renew the exchange identity and write the
    exchange state for it. A backup that is damaged, cut off, from a newer program or opened
    with a wrong password is refused before anything changes."""
    from sqlalchemy.orm import Session

    from app.services.database import create_db_engine, sqlite_url
    from app.sync import identity

    when = now or datetime.now()
    with tempfile.TemporaryDirectory(prefix=".bangjiao-restore-", dir=database_file.parent) as work:
        staging = Path(work)
        checked = read_backup(path, secret, staging=staging)
        staged = checked.database
        assert staged is not None
        from app.services.vault import check_restore

        check_restore(database_file, staged)
        readable = _readable(database_file)
        kept = _pc_settings(database_file) if readable else []
        upgraded = _prepare(staged, database_file, kept, f"{when:%Y-%m-%d %H:%M}")
        saved = safety_copy(database_file, safety_key, when) if database_file.exists() else None
        read_backup(path, secret, store=store_for(database_file), report=report)
        if readable:
            protect_database_file(database_file)
            _copy_into(staged, database_file)
        else:
            _replace_whole(staged, database_file)
    engine = create_db_engine(sqlite_url(database_file))
    try:
        with Session(engine) as session, session.begin():
            identity.remember_issued(session, database_file)
            from app.services import audit

            session.info[audit.NEW_HEAD] = True  # the restored log's head replaces the copy
            audit.record(
                session, "restore",
                f"从备份恢复数据库（{checked.manifest.unit_name}，{checked.manifest.created}）",
            )  # fmt: skip
    finally:
        engine.dispose()
    log.info("已从备份恢复数据库（%s，%s）", checked.manifest.unit_name, checked.manifest.created)
    return RestoreResult(checked.manifest, saved, upgraded)


__all__ = ["BackupError", "RestoreResult", "restore_backup", "safety_copy"]
