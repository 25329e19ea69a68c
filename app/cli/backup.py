"""Backup subcommands: ``backup --out FILE`` and ``restore FILE [--yes]``.

The 备份密码 comes from the environment variable BANGJIAO_BACKUP_PASSWORD; without it,
``backup`` uses the key this PC keeps once the password was set on 设置, and ``restore``
asks for it when run at a terminal."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path

from app.services.errors import UserError

SUFFIX = ".bjbak"


def add_parsers(commands, make_parser) -> None:
    """Add ``backup`` and ``restore``."""
    backup = make_parser(
        "backup", commands, help="备份数据库、照片、数据交换状态和密钥到一个加密文件",
        description="把数据库（程序运行时也可以）、照片原件、数据交换状态文件和本机密钥写入一个"
        "加密的备份文件，写完后打开核对（完整性检查、记录数、每张照片的校验值）。备份密码取自环境变量"
        " BANGJIAO_BACKUP_PASSWORD；未给出时用本机在“设置”中设定的备份密码。",
    )  # fmt: skip
    backup.add_argument("--out", required=True, metavar=f"FILE{SUFFIX}",
                        help="备份文件；或一个已有的文件夹，文件名自动取为“大帮教备份-单位-日期时间"
                        f"{SUFFIX}”")  # fmt: skip
    restore = make_parser(
        "restore", commands, help="从备份文件恢复（先显示备份内容，并先备份当前数据）",
        description="显示备份的单位、时间和记录数；确认后先把当前数据备份到数据库所在文件夹的"
        "“恢复前备份”中，再恢复数据库、照片和数据交换状态，并更新本机的数据交换身份。"
        "备份密码取自环境变量 BANGJIAO_BACKUP_PASSWORD，未给出时在终端询问。",
    )  # fmt: skip
    restore.add_argument("path", metavar=f"FILE{SUFFIX}", help="备份文件")
    restore.add_argument("--yes", action="store_true", help="不再询问，直接恢复")


def _env_password() -> str | None:
    from app.services.backup.schedule import PASSWORD_ENV

    return os.environ.get(PASSWORD_ENV) or None


ON_SERVER = (
    "backup 和 restore 只适用于本机的数据库文件。数据库服务器上的数据由服务器管理员在服务器上"
    "备份和恢复（pg_dump、pg_restore），本程序不做。"
)


def _database_file(db: str | None) -> Path:
    from app.services.database import database_url, sqlite_file

    path = sqlite_file(database_url(db))
    if path is None:
        raise UserError(ON_SERVER)
    return path


def _backup(args: argparse.Namespace, open_existing) -> int:
    from app.services.accounts import require
    from app.services.backup.archive import write_backup
    from app.services.backup.container import MasterKey, check_password
    from app.services.backup.schedule import PASSWORD_ENV, backup_name, record, stored_key
    from app.services.backup.schedule import success_text as describe
    from app.services.settings import database_unit

    _database_file(args.db)  # a server database: said before anything is opened
    database = open_existing(args.db)
    try:
        with database.session() as session:
            require(session, "backup.run")
            stored = stored_key(session)
            unit = database_unit(session)
        password = _env_password()
        if password is not None:
            check_password(password)
            same = stored is not None and MasterKey.from_password(password, stored.salt) == stored
            master = stored if same else MasterKey.from_password(password)
        elif stored is not None:
            master = stored
        else:
            raise UserError(
                f"没有备份密码：请在“设置”中设置备份密码，或用环境变量 {PASSWORD_ENV} 给出。"
            )
        assert master is not None and database.file is not None
        now = datetime.now()
        out = Path(args.out).expanduser()
        if out.is_dir():
            out = out / backup_name(unit.name if unit else "本机", now)
        elif not out.parent.is_dir():
            raise UserError(f"文件夹“{out.parent}”不存在。")
        result = write_backup(database.file, database.attachments, out, master, now=now)
        with database.session() as session:
            record(session, now, True, describe(result), result.path)
    finally:
        database.close()
    print(f"已备份到：{result.path}")
    for line in result.manifest.summary():
        print(f"  {line}")
    print(f"  文件大小：{result.size / (1 << 20):.1f} MB，用时 {result.seconds:.1f} 秒，已核对。")
    return 0


def _password_for_restore() -> str:
    from app.services.backup.schedule import PASSWORD_ENV

    password = _env_password()
    if password is not None:
        return password
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        return getpass.getpass("备份密码：")
    raise UserError(f"请用环境变量 {PASSWORD_ENV} 给出备份密码。")


def _safety_key(database_file: Path, password: str):
    """This PC's stored key when its database can be read, else one from ``password``."""
    import sqlite3
    from contextlib import closing

    from app.services.backup.container import MasterKey
    from app.services.backup.schedule import KEY

    try:
        with closing(sqlite3.connect(database_file)) as connection:
            row = connection.execute(
                "SELECT value FROM local_settings WHERE key = ?", (KEY,)
            ).fetchone()
    except sqlite3.DatabaseError:
        row = None
    return MasterKey.from_json(row[0]) if row else MasterKey.from_password(password)


def _has_users(database_file: Path) -> bool:
    """Whether the database file there has accounts (read with sqlite3: a file that cannot
    be opened as a database has none, and is what a restore is for)."""
    import sqlite3
    from contextlib import closing

    if not database_file.is_file():
        return False
    try:
        uri = database_file.resolve().as_uri() + "?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            row = connection.execute("SELECT COUNT(*) FROM users").fetchone()
    except sqlite3.DatabaseError:
        return False
    return bool(row and row[0])


def _require_restore_permission(args: argparse.Namespace, open_existing) -> None:
    """A database with users is replaced only by a user whose role may back up and restore
    (管理员), logged in as every command logs in; refused with exit code 2 otherwise."""
    if not _has_users(_database_file(args.db)):
        return
    from app.services.accounts import require

    database = open_existing(args.db)  # logs in from BANGJIAO_USER / BANGJIAO_PASSWORD
    try:
        with database.session() as session:
            require(session, "backup.run")
    finally:
        database.close()


def _restore(args: argparse.Namespace, open_existing) -> int:
    from app.services.backup.archive import read_manifest
    from app.services.backup.container import Secret
    from app.services.backup.restore import restore_backup

    database_file = _database_file(args.db)
    if not database_file.parent.is_dir():
        raise UserError(f"文件夹“{database_file.parent}”不存在。")
    from app.services.database import open_in_window

    if open_in_window(database_file):
        raise UserError(
            "大帮教工作台的窗口正打开着这个数据库：请先关闭窗口，再恢复"
            "（或在窗口的“设置 → 恢复…”里恢复）。数据未改动。"
        )
    _require_restore_permission(args, open_existing)  # as the window's 恢复… does
    path = Path(args.path).expanduser()
    password = _password_for_restore()
    secret = Secret(password)
    manifest = read_manifest(path, secret)
    print(f"备份文件：{path}")
    for line in manifest.summary():
        print(f"  {line}")
    if not args.yes:
        try:
            answer = input(
                f"用这个备份替换“{database_file}”中的数据？当前数据会先备份。输入 y 确认："
            )
        except EOFError:  # a script or a pipe with nothing to answer
            print()
            raise UserError("未恢复：没有收到确认。在脚本中运行时请加 --yes。") from None
        if answer.strip().lower() not in ("y", "yes", "是"):
            print("未恢复。")
            return 2
    safety = _safety_key(database_file, password) if database_file.exists() else None
    from app.services.backup.container import MasterKey

    result = restore_backup(
        path, database_file, secret, safety or MasterKey.from_password(password)
    )
    if result.safety_copy is not None:
        print(f"恢复前的数据已备份到：{result.safety_copy}")
    if result.upgraded:
        print("备份由较早版本的程序制作，已升级到本程序的数据库结构。")
    print("已恢复。本机的数据交换身份已更新（之后的数据包编号不会与恢复前的重复）。")
    return 0


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run ``backup`` or ``restore``."""
    if args.command == "backup":
        return _backup(args, open_existing)
    return _restore(args, open_existing)
