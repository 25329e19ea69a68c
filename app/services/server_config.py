"""This PC's database server (连接到单位的数据库服务器): what the first-run wizard remembers so
that the next start opens the server, and the connection test behind its 测试连接.

Two small files in the user data folder, both readable by their owner only:

- ``server.json``: 主机, 端口, 数据库名, 用户名 (no password);
- ``server.pgpass``: the password, in PostgreSQL's own password-file format, handed to the
  driver as ``passfile`` (libpq reads it, and on Linux ignores it unless it is private).

The password is kept on the PC, not asked at each start: it is the unit's connection account
set up by IT staff, not a person's; people log in with their own accounts of the program,
whose passwords also unlock the sealed personal data (the data key is wrapped per user), so
the server password alone gives no names or identity numbers. Asking it at every start would
make every clerk know it (and write it on a note). Kept out of the URL, it never reaches a
log, a window title or a message. This module imports no SQLAlchemy (the window's fast start
reads it); :func:`check_server` imports it when called.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from urllib.parse import quote

from app.services.errors import DatabaseError, ValidationError

log = logging.getLogger(__name__)

CONFIG_NAME = "server.json"
PASSFILE_NAME = "server.pgpass"
DEFAULT_PORT = 5432
DRIVER = "postgresql+psycopg"
TEST_TIMEOUT_S = 5  # 测试连接 waits this long for a server that does not answer


@dataclass(frozen=True)
class ServerSettings:
    """Where the unit's database is: 主机, 端口, 数据库名, 用户名 and (in memory only) 密码."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(default="", repr=False)

    def url(self, *, passfile: Path | None = None, timeout: int | None = None) -> str:
        """The SQLAlchemy URL: the password from ``passfile`` when given, else inline (only
        for the wizard's own test and set-up, never written anywhere)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = quote(self.user, safe="")
        if passfile is None and self.password:
            user += ":" + quote(self.password, safe="")
        if self.host.startswith("/"):  # a local socket folder (tests, a server on this PC)
            location = f"{user}@/{quote(self.database, safe='')}?host={quote(self.host, safe='')}"
            location += f"&port={self.port}"
        else:
            location = f"{user}@{host}:{self.port}/{quote(self.database, safe='')}"
        query = []
        if passfile is not None:
            query.append(f"passfile={quote(str(passfile), safe='')}")
        if timeout is not None:
            query.append(f"connect_timeout={int(timeout)}")
        if query:
            location += ("&" if "?" in location else "?") + "&".join(query)
        return f"{DRIVER}://{location}"

    def describe(self) -> str:
        """How the server is named to the clerk: 数据库名＠主机:端口 (用户 用户名)."""
        return f"{self.database}＠{self.host}:{self.port}（用户 {self.user}）"


def check_settings(
    host: str, port: str | int, database: str, user: str, password: str
) -> ServerSettings:
    """The wizard's fields as settings, or a ValidationError naming the field in Chinese."""
    host, database, user = host.strip(), database.strip(), user.strip()
    if not host:
        raise ValidationError("请填写数据库服务器的主机名或 IP 地址。", field="host")
    try:
        number = int(str(port).strip())
    except ValueError:
        number = 0
    if not 1 <= number <= 65535:
        raise ValidationError("端口应是 1 到 65535 之间的数字（一般是 5432）。", field="port")
    if not database:
        raise ValidationError("请填写数据库名。", field="database")
    if not user:
        raise ValidationError("请填写数据库用户名。", field="user")
    return ServerSettings(host, number, database, user, password)


def _folder() -> Path:
    from app import paths

    return paths.user_data_dir()


def config_file() -> Path:
    """``server.json`` in the user data folder."""
    return _folder() / CONFIG_NAME


def passfile() -> Path:
    """``server.pgpass`` in the user data folder."""
    return _folder() / PASSFILE_NAME


def _pgpass_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def remember(settings: ServerSettings) -> Path:
    """Keep ``settings`` on this PC (both files owner-only): the next start without ``--db``
    opens this server. Returns the configuration file."""
    from app.services.private_files import private_folder, write_private_text

    folder = private_folder(_folder())
    data = {"host": settings.host, "port": settings.port, "database": settings.database,
            "user": settings.user}  # fmt: skip
    secret = folder / PASSFILE_NAME
    if settings.password:
        # one line for this one connection: any host, port, database and user it is used with
        write_private_text(secret, f"*:*:*:*:{_pgpass_field(settings.password)}\n")
    else:
        secret.unlink(missing_ok=True)
    target = folder / CONFIG_NAME
    write_private_text(target, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    log.info("本机已设为使用数据库服务器：%s", settings.describe())
    return target


def remembered() -> ServerSettings | None:
    """The server this PC was pointed to (without its password), or None."""
    path = config_file()
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServerSettings(
            str(data["host"]), int(data["port"]), str(data["database"]), str(data["user"])
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("数据库服务器设置文件“%s”无法读取，改用本机数据库：%s", path, exc)
        return None


def remembered_url() -> str | None:
    """The URL of the remembered server (its password read from ``server.pgpass``), or None."""
    settings = remembered()
    if settings is None:
        return None
    secret = passfile()
    return settings.url(passfile=secret if secret.is_file() else None)


def forget() -> None:
    """This PC no longer uses a server: the next start opens the file in the user data folder."""
    config_file().unlink(missing_ok=True)
    passfile().unlink(missing_ok=True)


class ServerState(Enum):
    """What 测试连接 found on the server."""

    EMPTY = "empty"  # no tables: set it up from a template, as a county's first PC does
    READY = "ready"  # a database of this program: log in


@dataclass(frozen=True)
class ServerCheck:
    """The result of :func:`check_server`: the state and, when set up, the database's unit."""

    state: ServerState
    unit_name: str = ""
    upgrade: bool = False  # made by an older version: opening it upgrades the schema


def check_server(settings: ServerSettings) -> ServerCheck:
    """Connect once (``TEST_TIMEOUT_S``) and say what is there; a DatabaseError in Chinese
    when the server cannot be reached, refuses the login, has no such database, or holds
    someone else's tables or a newer version of this program's. Nothing is written."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from app.logs import log_file
    from app.models import SCHEMA_HEAD
    from app.services.database import (
        _known_revisions,
        create_db_engine,
        current_revision,
        display_url,
        explain_server_error,
        server_place,
    )

    url = settings.url(timeout=TEST_TIMEOUT_S)
    where = display_url(url)  # for the log only
    engine = create_db_engine(url)
    try:
        revision, has_tables = current_revision(engine)
        if not has_tables:
            return ServerCheck(ServerState.EMPTY)
        if revision is None:
            raise DatabaseError(
                f"数据库“{settings.database}”里已有别的数据表，不是大帮教工作台的数据库。"
                "请核对数据库名，或请服务器管理员建立一个空数据库。"
            )
        if revision != SCHEMA_HEAD and revision not in _known_revisions():
            raise DatabaseError(
                f"服务器上的数据库由较新版本的大帮教工作台建立（结构版本 {revision}），"
                "本机的程序太旧，不能打开。请先升级本机的大帮教工作台。"
            )
        unit_name = ""
        with engine.connect() as conn:
            unit_name = (
                conn.execute(
                    text(
                        "SELECT u.name FROM units u JOIN local_settings s "
                        "ON s.value = u.uuid WHERE s.key = 'local_unit_uuid'"
                    )
                ).scalar()
                or ""
            )
        return ServerCheck(ServerState.READY, str(unit_name), revision != SCHEMA_HEAD)
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc)
        explained = explain_server_error(detail, url)
        if explained is None:
            log.warning("测试连接失败（%s）：%s", where, detail.splitlines()[0] if detail else "")
            explained = f"连接数据库服务器 {server_place(url)} 失败。请把日志（{log_file()}）交给信息管理员。"
        raise DatabaseError(explained) from exc
    finally:
        engine.dispose()


__all__ = [
    "ServerCheck",
    "ServerSettings",
    "ServerState",
    "check_server",
    "check_settings",
    "forget",
    "remember",
    "remembered",
    "remembered_url",
]
