"""The vault: the data key of a database wrapped for each user and for the recovery code,
set up when the first 管理员 is (encrypting a database that was kept in clear, after a backup),
unlocked at each login. How values and files are sealed: ``app.models.sealed``."""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, event, select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.models.sealed import (
    DataKey,
    DataLocked,
    VaultError,
    attach,
    data_key,
    is_sealed_text,
    key_state,
    personal_fields,
    restore_state,
    set_personal_fields,
)
from app.services.errors import UserError

log = logging.getLogger(__name__)
VAULT_KEY = "crypto.vault"  # local setting: JSON {"version", "created", "recovery": wrap}


# ---------------------------------------------------------------- the vault setting


def has_vault(session: Session) -> bool:
    """Whether this database keeps personal data encrypted."""
    from app.models import LocalSetting

    return session.get(LocalSetting, VAULT_KEY) is not None


def vault_record(session: Session) -> dict[str, Any] | None:
    """The vault setting (JSON), or None."""
    from app.models import LocalSetting

    row = session.get(LocalSetting, VAULT_KEY)
    return json.loads(row.value) if row is not None and row.value else None


def write_vault_record(session: Session, record: dict[str, Any]) -> None:
    """Store the vault setting."""
    from app.models import LocalSetting

    value = json.dumps(record, sort_keys=True)
    row = session.get(LocalSetting, VAULT_KEY)
    if row is None:
        session.add(LocalSetting(key=VAULT_KEY, value=value))
    else:
        row.value = value


def new_vault_record(recovery_wrap: str) -> dict[str, Any]:
    """A vault setting for a fresh data key wrapped by the recovery code."""
    return {
        "version": 1,
        "id": str(uuid.uuid4()),  # the data key's identity: a restore must keep to it
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "recovery": recovery_wrap,
        "clean": False,  # True once finish_sealing has left no plain copy or page behind
    }


RECOVERY_CONTEXT = "bangjiao recovery code"


def user_context(user_id: int) -> str:
    """What a user's wrapped key is bound to (it cannot be copied to another account)."""
    return f"bangjiao user {user_id}"


# ---------------------------------------------------------------- keys for users and the code


def hold(session: Session, key: DataKey) -> None:
    """Hold ``key`` for the database of ``session`` (values are sealed and opened with it),
    with the names of the form fields marked personal: in the form files on this PC and in
    the entry kinds this database keeps."""
    from app.models import EntryKind
    from app.services.forms import personal_field_names

    attach(session, key)
    names = set(personal_field_names())
    for fields in session.scalars(select(EntryKind.fields)):
        names |= {
            str(f.get("name")) for f in fields or [] if isinstance(f, dict) and f.get("personal")
        }
    set_personal_fields(session, frozenset(names))


def wrap_for(session: Session, user_id: int, wrapping_key: bytes) -> str:
    """The database's data key wrapped for a user ("" for a database without a vault)."""
    key = data_key(session)
    return key.wrap(wrapping_key, user_context(user_id)) if key is not None else ""


def unlock_for(session: Session, user_id: int, wrapped: str, wrapping_key: bytes) -> None:
    """Unlock the database with a user's wrapped key (nothing to do without a vault).
    UserError when the account has no key yet (made before the database was encrypted)."""
    if not has_vault(session):
        return
    if not wrapped:
        raise UserError(NO_KEY_MESSAGE)
    hold(session, DataKey.unwrap(wrapped, wrapping_key, user_context(user_id)))
    if (vault_record(session) or {}).get("clean") is False:  # interrupted last time: again
        after_commit_finish(session, SealingReport())


NO_KEY_MESSAGE = (
    "这个账号是在本机数据加密之前设立的，还不能打开加密的数据。"
    "请管理员在“设置 → 用户管理”中为它重设密码，然后用新密码登录。"
)


def wrap_recovery(session: Session, wrapping_key: bytes) -> None:
    """Wrap the data key for a new recovery code (nothing without a vault)."""
    key = data_key(session)
    if key is None:
        return
    record = vault_record(session) or new_vault_record("")
    record["recovery"] = key.wrap(wrapping_key, RECOVERY_CONTEXT)
    write_vault_record(session, record)


def unlock_with_recovery(session: Session, wrapping_key: bytes) -> None:
    """Unlock the database with the recovery code's key (nothing without a vault)."""
    record = vault_record(session)
    if record is None:
        return
    hold(session, DataKey.unwrap(record["recovery"], wrapping_key, RECOVERY_CONTEXT))


# ---------------------------------------------------------------- settings that hold secrets


def seal_setting(session: Session, value: str, purpose: str) -> str:
    """A secret setting's value as stored (sealed when the database has a vault)."""
    key = data_key(session)
    return key.seal_text(value, purpose, deterministic=False) if key is not None else value


def open_setting(session: Session, stored: str, purpose: str) -> str:
    """A secret setting's value from :func:`seal_setting` (a plain one as it is)."""
    if not is_sealed_text(stored):
        return stored
    key = data_key(session)
    if key is None:
        raise DataLocked()
    return key.open_text(stored, purpose)


SECRET_SETTINGS = ("exchange.keys", "exchange.keys_retired")  # this PC's private keys


# ---------------------------------------------------------------- setting up the vault


def begin(session: Session) -> DataKey:
    """A fresh data key held for the database of ``session`` from now on (values written are
    sealed with it); forgotten again if the session rolls back."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    previous = key_state(engine)
    key = DataKey.generate()
    hold(session, key)

    def undo(_session: Session) -> None:
        if key_state(engine) is key:
            restore_state(engine, previous)

    def keep(_session: Session) -> None:
        if event.contains(session, "after_rollback", undo):
            event.remove(session, "after_rollback", undo)

    event.listen(session, "after_rollback", undo, once=True)
    event.listen(session, "after_commit", keep, once=True)
    return key


@dataclass
class SealingReport:
    """What encrypting a database in place did."""

    subjects: int = 0
    entries: int = 0  # ledger entries with a personal form field
    conflicts: int = 0
    settings: int = 0
    backup: Path | None = None  # the copy made first (removed once the sealed one is checked)
    removed_copies: list[Path] = field(default_factory=list)
    files: int = 0


def seal_existing(session: Session, database_file: Path | None) -> SealingReport:
    """Encrypt, in this session's transaction, every value still kept in clear: subjects'
    names and identity numbers, conflicts' waiting records, this PC's private keys. A copy of
    the database is made first (when it has any); after the commit
    (:func:`finish_sealing`) the copy and the program's earlier plain copies are removed and
    the file is rewritten so that no plain page is left in it or in its write-ahead log."""
    from app.models import Base, LocalSetting

    key = data_key(session)
    assert key is not None, "begin() first"
    report = SealingReport()
    subjects = Base.metadata.tables["correction_subjects"]
    conflicts = Base.metadata.tables["exchange_conflicts"]
    plain_subjects = [
        row
        for row in session.execute(
            text("SELECT id, name, id_number FROM correction_subjects")
        ).all()
        if not is_sealed_text(row.name) or (row.id_number and not is_sealed_text(row.id_number))
    ]
    plain_conflicts = [
        row
        for row in session.execute(text("SELECT id, incoming FROM exchange_conflicts")).all()
        if row.incoming and not is_sealed_text(row.incoming)
    ]
    secrets = [
        row
        for row in session.execute(
            text(
                "SELECT key, value FROM local_settings WHERE key IN ('exchange.keys', 'exchange.keys_retired')"
            )
        ).all()
        if row.value and not is_sealed_text(row.value)
    ]
    if database_file is not None and database_file.exists():
        from app.services.database import backup_sqlite_file

        report.backup = backup_sqlite_file(database_file)
    if plain_subjects:
        session.execute(
            update(subjects)
            .where(subjects.c.id == bindparam("row_id"))
            .values(name=bindparam("new_name"), id_number=bindparam("new_number")),
            [
                {"row_id": r.id, "new_name": r.name, "new_number": r.id_number}
                for r in plain_subjects
            ],
        )
    if plain_conflicts:
        session.execute(
            update(conflicts)
            .where(conflicts.c.id == bindparam("row_id"))
            .values(incoming=bindparam("new_incoming")),
            [{"row_id": r.id, "new_incoming": r.incoming} for r in plain_conflicts],
        )
    entries = Base.metadata.tables["ledger_entries"]
    personal = personal_fields(session)
    values_column = entries.c["values"]  # (``.c.values`` is the collection's method)
    plain_entries = [
        (entry_id, values)
        for entry_id, values in session.execute(select(entries.c.id, values_column)).all()
        if isinstance(values, dict)
        and any(k in personal and isinstance(v, str) and v and not is_sealed_text(v)
                for k, v in values.items())
    ]  # fmt: skip
    if plain_entries:
        session.execute(
            update(entries)
            .where(entries.c.id == bindparam("row_id"))
            .values({values_column: bindparam("new_values")}),
            [{"row_id": entry_id, "new_values": values} for entry_id, values in plain_entries],
        )
    report.entries = len(plain_entries)
    for row in secrets:
        setting = session.get(LocalSetting, row.key)
        assert setting is not None
        setting.value = seal_setting(session, row.value, row.key)
    session.flush()
    session.expire_all()
    # read back through the key: every value must open to what it was
    stored = {
        r.id: (r.name, r.id_number)
        for r in session.execute(select(subjects.c.id, subjects.c.name, subjects.c.id_number))
    }
    for row in plain_subjects:
        if stored.get(row.id) != (row.name, row.id_number):
            raise VaultError("加密社区矫正对象信息后核对不符，已撤销，数据库保持原样。")
    report.subjects, report.conflicts, report.settings = (
        len(plain_subjects),
        len(plain_conflicts),
        len(secrets),
    )
    return report


def plain_copies(database_file: Path) -> list[Path]:
    """The copies of a database the program made beside it before upgrades
    (``database.backup_sqlite_file``)."""
    return sorted(database_file.parent.glob(f"{database_file.stem}.backup-*{database_file.suffix}"))


def finish_sealing(engine: Engine, database_file: Path | None, report: SealingReport) -> None:
    """After :func:`seal_existing` committed: remove the copy made first and the program's
    earlier plain copies of the database (they would give away what the encryption protects),
    then rewrite the file and empty its write-ahead log (with ``secure_delete`` on, no plain
    page is left behind), and mark the vault clean. sqlite3.Error when another connection
    keeps the file busy (tried again at the next login)."""
    if database_file is None:
        return
    for copy in plain_copies(database_file):
        for part in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
            part.unlink(missing_ok=True)
        report.removed_copies.append(copy)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = sqlite3.connect(database_file, isolation_level=None, timeout=10)
    try:
        raw.execute("PRAGMA secure_delete = ON")
        raw.execute("VACUUM")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        row = raw.execute("SELECT value FROM local_settings WHERE key = ?", (VAULT_KEY,)).fetchone()
        if row is not None:
            record = json.loads(row[0])
            record["clean"] = True
            raw.execute(
                "UPDATE local_settings SET value = ? WHERE key = ?",
                (json.dumps(record, sort_keys=True), VAULT_KEY),
            )
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()


def after_commit_finish(session: Session, report: SealingReport) -> None:
    """Seal the file store (``attachments.seal_store_files``, never before the key is
    committed) and run :func:`finish_sealing` once ``session`` commits; a
    failure there is logged (the database is encrypted already) and tried again at the next
    login (:func:`unlock_for`)."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    database_file = _sqlite_file(engine)

    def finish(_session: Session) -> None:
        try:
            key = key_state(engine)
            if isinstance(key, DataKey):  # its photos and scans (a folder, or a server's rows)
                from app.services.attachments import seal_store_files, store_for

                store = store_for(database_file, lambda: key, engine=engine)
                report.files = seal_store_files(store, key)
            finish_sealing(engine, database_file, report)
        except (OSError, sqlite3.Error, SQLAlchemyError):
            log.warning("加密后清理数据库文件或旧副本时出错，下次登录时再试。", exc_info=True)

    event.listen(session, "after_commit", finish, once=True)


def database_file(session: Session) -> Path | None:
    """The SQLite file of ``session``'s database, if it is one."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    return _sqlite_file(engine)


def _sqlite_file(engine: Engine) -> Path | None:
    name = engine.url.database if engine.dialect.name == "sqlite" else None
    return Path(name) if name and name != ":memory:" else None


def vault_identity(database_file: Path) -> str | None:
    """Which data key a database file's vault holds (read with sqlite3), None without one."""
    try:
        with closing(sqlite3.connect(database_file)) as connection:
            row = connection.execute(
                "SELECT value FROM local_settings WHERE key = ?", (VAULT_KEY,)
            ).fetchone()
    except sqlite3.DatabaseError:
        return None
    if row is None:
        return None
    record = json.loads(row[0])
    return str(record.get("id") or record.get("created") or "")


def check_restore(current: Path, restored: Path) -> None:
    """Refuse (UserError) a restore that would leave the photo store sealed under a data key
    the restored database does not hold: a backup made before this database was encrypted,
    or one of another encrypted database."""
    here = vault_identity(current) if current.is_file() else None
    there = vault_identity(restored)
    if here is None or here == there:
        return
    if there is None:
        raise UserError(
            "这个备份是在本机数据加密之前做的。恢复它之后，加密后保存的照片将无法打开，"
            "所以没有恢复，数据库保持原样。请选择加密之后做的备份。"
        )
    raise UserError(
        "这个备份来自另一个加密的数据库（不是本机数据库的备份），恢复后本机的照片将无法打开，"
        "所以没有恢复，数据库保持原样。"
    )
