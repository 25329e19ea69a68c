"""Opening the database: engine set-up, schema check, backup and migration."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from app.models import SCHEMA_HEAD
from app.paths import default_database_path
from app.services.audit import WRITTEN_HEAD  # importing it registers the audit log's listener
from app.services.errors import DatabaseError
from app.services.private_files import create_private_file, private_folder, protect_database_file

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from alembic.config import Config

    from app.services.accounts import Actor
    from app.services.attachments import AttachmentStore

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def sqlite_url(path: Path) -> str:
    """The URL of the SQLite file ``path``, escaped so that any name (``%``, ``#``, ``?``,
    spaces, Chinese) opens exactly that file: ``a%41b`` must not become ``aAb``."""
    return URL.create(drivername="sqlite", database=str(path)).render_as_string(hide_password=False)


SERVER_DRIVER = "postgresql+psycopg"  # the one PostgreSQL driver shipped (psycopg 3)


def is_server_url(db: str | None) -> bool:
    """Whether ``db`` names a database server (a URL other than SQLite's), not a file."""
    return bool(db) and "://" in str(db) and not str(db).startswith("sqlite")


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` (psql's spellings, as IT staff type them) name
    the shipped driver explicitly: ``postgresql+psycopg://``; anything else is kept."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return SERVER_DRIVER + "://" + url[len(prefix) :]
    return url


def display_url(url: str) -> str:
    """``url`` as it may be shown or logged: the password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can read: show none of it after the scheme
        return url.split("://", 1)[0] + "://…"


def database_url(db: str | None) -> str:
    """Turn the ``--db`` argument (a path or any SQLAlchemy URL) into a URL. Without one: the
    database server this PC was pointed to (the first-run wizard's 连接到单位的数据库服务器,
    ``server_config``), else the embedded file in the user data folder."""
    if not db:
        from app.services.server_config import remembered_url

        remembered = remembered_url()
        if remembered is not None:
            return remembered
        path = default_database_path()
        private_folder(path.parent)
        return sqlite_url(path)
    if "://" in db:
        return normalise_url(db)
    return sqlite_url(Path(db).expanduser().resolve())


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


CONNECT_TIMEOUT_S = 10  # how long to wait for a database server that does not answer
BUSY_TIMEOUT_MS = 5000  # how long a write waits for another program's lock before giving up
WAL = "wal"
ROLLBACK = "delete"
# file systems reached over a network: SQLite's WAL needs shared memory between every program
# using the file, which these cannot give to programs on two PCs
NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre",
     "gpfs", "ncpfs", "davfs", "fuse.sshfs", "fuse.davfs2", "fuse.glusterfs", "fuse.rclone",
     "fuse.s3fs", "fuse.gvfsd-fuse", "fuse.cifs"}
)  # fmt: skip


def _mount_table() -> str:
    """The running system's mount table (Linux), or "" where there is none."""
    try:
        return Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _filesystem_type(path: Path, mounts: str) -> str:
    """The type of the file system holding ``path``, by the longest mount point above it."""
    best, kind = -1, ""
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        if (path == Path(point) or Path(point) in path.parents) and len(point) > best:
            best, kind = len(point), fields[2]
    return kind


def _windows_remote(path: Path) -> bool:
    """Whether a Windows path is a UNC share (``\\\\server\\share``) or a mapped network drive."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    import ctypes

    drive_remote = 4
    root = Path(path.anchor or text[:3])
    windll = getattr(ctypes, "windll", None)
    return windll is not None and windll.kernel32.GetDriveTypeW(str(root)) == drive_remote


def on_network_share(path: Path) -> bool:
    """Whether the database file lies on a network share (a mapped drive, ``\\\\server``, an
    NFS or SMB mount)."""
    if os.name == "nt":
        return _windows_remote(path)
    return _filesystem_type(path.resolve(), _mount_table()) in NETWORK_FILESYSTEMS


def journal_mode_for(path: Path | None) -> str:
    """The journal mode to ask for: WAL, except on a network share.

    WAL keeps readers and the writer apart and survives power loss with
    ``synchronous=NORMAL``, but needs shared memory that every program using the file can see:
    over a network share two PCs would each write their own log and corrupt the file. There
    the rollback journal (DELETE) is used with ``synchronous=FULL``, which relies only on file
    locks. Where even those fail, SQLite reports "locking protocol" or "disk I/O error" and
    the database is refused (:func:`_explain`) rather than written unsafely."""
    if path is not None and on_network_share(path):
        return ROLLBACK
    return WAL


def set_journal_mode(cursor: Any, wanted: str) -> str:
    """Ask for ``wanted`` and return the journal mode SQLite granted. When WAL is refused (a
    file system or VFS without shared memory), the rollback journal is kept: it is safe, only
    slower. The synchronous level follows the mode granted: NORMAL is safe only with WAL."""
    granted = str(cursor.execute(f"PRAGMA journal_mode={wanted}").fetchone()[0]).lower()
    cursor.execute("PRAGMA synchronous=NORMAL" if granted == WAL else "PRAGMA synchronous=FULL")
    return granted


def _pragmas_for(url: str) -> Callable[[DBAPIConnection, ConnectionPoolEntry], None]:
    path = sqlite_file(url)
    wanted = journal_mode_for(path)
    if wanted != WAL:
        log.warning(
            "数据库“%s”在网络共享文件夹上，不用预写日志（WAL），改用回滚日志："
            "请勿在两台电脑上同时打开它。",
            path,
        )
    told: set[str] = set()  # what was logged already: once per engine, not per connection

    def set_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # what is deleted or overwritten (a value before it was sealed) is zeroed, not left
        # in free pages of the file
        cursor.execute("PRAGMA secure_delete=ON")
        granted = set_journal_mode(cursor, wanted)
        cursor.close()
        if granted not in (wanted, "memory") and granted not in told:
            told.add(granted)
            if wanted == WAL:
                log.warning(
                    "数据库“%s”不支持预写日志（WAL），改用回滚日志（%s）继续：数据安全，写入稍慢。",
                    path or url,
                    granted,
                )
            else:
                log.warning(
                    "数据库“%s”的日志模式仍是 %s（要求 %s）。", path or url, granted, wanted
                )

    return set_pragmas


# A database server's connections: how long to wait for the server to answer a new connection,
# and TCP keepalives, so that a server gone from the network (cable pulled, PC switched off) is
# noticed within about half a minute instead of the system's two hours (libpq's parameters;
# ignored on a local socket). A value in the URL's query wins.
SERVER_CONNECT_ARGS: dict[str, int] = {
    "connect_timeout": CONNECT_TIMEOUT_S,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def create_db_engine(url: str) -> Engine:
    """An engine with foreign keys on and, for SQLite, the journal mode of
    :func:`journal_mode_for` (WAL, or the rollback journal where WAL cannot work). Its errors
    never quote the statement's values (``hide_parameters``): they are logged, and values are
    personal data.

    On a database server the pool tests each connection before handing it out
    (``pool_pre_ping``): connections the server dropped (a restart, a network cut, an
    administrator ending them) are replaced by new ones, so the first action after the server
    is back works without restarting the program."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, hide_parameters=True)
        event.listen(engine, "connect", _pragmas_for(url))
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_driver_name() == "psycopg":
        connect_args = {k: v for k, v in SERVER_CONNECT_ARGS.items() if k not in parsed.query}
    engine = create_engine(url, hide_parameters=True, pool_pre_ping=True, connect_args=connect_args)
    event.listen(engine, "handle_error", _without_server_detail)
    return engine


# the parts of a PostgreSQL error that quote the row or the key ("Failing row contains (…)",
# "Key (…)=(…) already exists", the statement's context): values, so personal data
_SERVER_DETAIL = re.compile(r"\n(DETAIL|CONTEXT|WHERE):.*", re.DOTALL)


def _without_server_detail(context: ExceptionContext) -> None:
    """``handle_error``: a server's error keeps its first line (what went wrong, the constraint's
    name) and loses the lines quoting values, in the exception the program logs or shows (its
    SQL state, ``orig.sqlstate``, stays for the checks that need it)."""
    original, wrapped = context.original_exception, context.sqlalchemy_exception
    text_ = str(original)
    trimmed = _SERVER_DETAIL.sub("", text_)
    if trimmed == text_:
        return
    original.args = (trimmed,)
    if wrapped is not None and wrapped.args and isinstance(wrapped.args[0], str):
        wrapped.args = (wrapped.args[0].replace(text_, trimmed), *wrapped.args[1:])


def current_revision(engine: Engine) -> tuple[str | None, bool]:
    """The schema revision recorded in the database (None if absent), and whether it has tables."""
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        if "alembic_version" not in tables:
            return None, bool(tables)
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar(), True


def backup_sqlite_file(path: Path) -> Path:
    """Copy a SQLite database (consistently, WAL included) next to itself; return the copy."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    create_private_file(target)
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    return target


def alembic_config() -> Config:
    """Alembic's configuration for the shipped migrations. ``sourceless``: a frozen or
    bytecode-only install may ship the migrations as ``.pyc`` files without their sources."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sourceless", "true")
    return config


def _known_revisions() -> set[str]:
    """Every revision the shipped migrations know, as Alembic itself finds them (by their
    ``revision`` identifiers, from sources or compiled files alike, never by file names)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}


def upgrade_schema(engine: Engine) -> None:
    """Apply every pending Alembic migration on this engine, in one transaction.

    On SQLite a migration that changes a column rebuilds its table (copy, drop, rename), and
    dropping a table that others refer to (correction_subjects, referred to by ledger entries)
    fails while foreign keys are enforced, even deferred: the references are to the old table.
    So foreign keys are off during the migrations, as Alembic advises for SQLite (the pragma
    only takes effect outside a transaction), and the references are checked before the
    commit: any not already broken before refuses the upgrade. Either every migration is
    committed or none: a failed upgrade leaves the file as it was."""
    from alembic import command

    config = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                if sqlite:
                    # Python's sqlite3 begins a transaction only before INSERT, UPDATE or
                    # DELETE: the migrations' CREATE and ALTER would be committed one by one,
                    # and a failed upgrade would leave half a schema behind. Begun here, all
                    # of it commits or rolls back together.
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                before = _broken_references(conn) if sqlite else 0
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
                if sqlite and (after := _broken_references(conn)) > before:
                    raise DatabaseError(
                        f"数据库升级后有 {after - before} 处记录之间的引用对不上，升级已撤销，"
                        "数据库保持原样。请将日志发给技术支持。"
                    )
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def _broken_references(conn: Connection) -> int:
    """How many rows refer to a row that is not there (SQLite's foreign_key_check)."""
    rows = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if rows:
        log.error("外键检查：%s 处引用对不上（前几处：%s）", len(rows), rows[:5])
    return len(rows)


def _after_upgrade(engine: Engine) -> None:
    """What an upgrade does to the data once the schema is at head: summaries submitted before
    their statistics were kept get a snapshot, frozen now (``summaries.freeze_unfrozen``)."""
    from datetime import date

    from app.services.summaries import freeze_unfrozen

    with Session(engine) as session, session.begin():
        freeze_unfrozen(session, date.today())


@dataclass
class Database:
    """The application's one storage object, created at start-up and passed down."""

    url: str
    engine: Engine
    session_factory: sessionmaker[Session]
    backup_path: Path | None = None
    # the logged-in user (an ``accounts.Actor``), put into every session's ``info["actor"]``;
    # None: the program itself
    actor: Actor | None = None
    _journal_mode: str | None = field(default=None, repr=False)
    # the audit log's head after this object's last committed change (services.live): a window
    # that finds the database's marker equal to it knows the change was its own
    written_marker: str | None = field(default=None, repr=False)

    @property
    def file(self) -> Path | None:
        """The SQLite file, if the database is one."""
        return sqlite_file(self.url)

    @property
    def journal_mode(self) -> str:
        """The journal mode SQLite granted (``wal``, or ``delete`` where WAL cannot work, see
        :func:`journal_mode_for`), as the connections report it."""
        if self._journal_mode is None:
            with self.engine.connect() as conn:
                self._journal_mode = str(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
        return self._journal_mode.lower()

    def _wal_lost(self) -> bool:
        """Whether another program deleted our write-ahead log while we hold connections.

        SQLite's POSIX locks are per process: any handle on the database file closed in this
        process (a library reading the file, a dialog guessing its type) drops them. Another
        program closing the database then believes it is the last user, checkpoints and deletes
        the ``-wal`` file, and our pooled connections would go on writing into the deleted file,
        invisible to every other program and lost if we are killed. In the rollback journal
        (a network share, a file system without WAL) there is no log to lose."""
        path = self.file
        if path is None or self.engine.pool.checkedin() == 0:  # type: ignore[attr-defined]
            return False
        if self.journal_mode != WAL:
            return False
        return path.exists() and not path.with_name(path.name + "-wal").exists()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one user action: committed on success, rolled back on error.

        Pooled connections whose write-ahead log was deleted under them are closed first, so
        the action runs on fresh connections (and locks) that write where others can see."""
        if self._wal_lost():
            log.warning("数据库的预写日志（-wal）被其他程序删除，已重新连接数据库。")
            self.engine.dispose()
        session = self.session_factory()
        if self.actor is not None:
            session.info["actor"] = self.actor
        try:
            yield session
            session.commit()
            if (written := session.info.get(WRITTEN_HEAD)) is not None:
                self.written_marker = written
        except BaseException as error:
            session.rollback()
            from app.services.concurrency import stale_data

            if (conflict := stale_data(error)) is not None:
                raise conflict from error  # two saves of one record at the same instant
            raise
        finally:
            session.close()

    @property
    def attachments(self) -> AttachmentStore:
        """The photo and PDF store that belongs to this database (a SQLite file's folder, a
        server's ``attachment_blobs``), sealing its files with the database's data key when it
        has one (``sealed.data_key``: DataLocked while locked)."""
        from app.models import sealed
        from app.services.attachments import store_for

        return store_for(self.file, key=lambda: sealed.data_key(self.engine), engine=self.engine)

    def close(self) -> None:
        """Release every connection (lets the file be copied or removed)."""
        self.engine.dispose()

    def log_out(self) -> None:
        """Nobody is logged in any more: the actor is gone and sealed data lock again."""
        from app.models.sealed import forget

        self.actor = None
        forget(self.engine)

    def replaced(self) -> None:
        """The file was replaced under this object (a restore): fresh connections, nobody
        logged in, and the key state of the new file (locked when it is sealed)."""
        from app.models.sealed import restore_state

        self.engine.dispose()
        self.actor = None
        restore_state(self.engine, None)
        _lock_if_sealed(self.engine)


def _check_location(path: Path | None) -> None:
    """Refuse, in Chinese, a SQLite file that cannot be opened for writing."""
    if path is None:
        return
    if not path.parent.is_dir():
        raise DatabaseError(f"文件夹“{path.parent}”不存在，无法打开或建立数据库。")
    if path.is_dir():
        raise DatabaseError(f"“{path}”是文件夹，不是数据库文件。")
    writable = os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))
    if not writable:
        raise DatabaseError(
            f"数据库“{path}”或其所在文件夹是只读的（例如写保护的 U 盘或只读共享）。"
            "请先把数据库复制到本机硬盘再打开。"
        )


# A file an earlier build began to upgrade and left half done (its tables created one by one,
# the version stamp not moved): only its copy made before that upgrade is whole.
HALF_UPGRADED = (
    "数据库“{where}”的结构不完整：以前的一次升级中途失败，留下了部分新表，本程序不能接着升级。"
    "升级前的副本在同一文件夹中（文件名含 backup，日期最早的一份）：请关闭本程序，"
    "用它替换这个文件后再打开；如有疑问，请把日志发给技术支持。"
)


_UNREACHABLE = (
    "connection refused", "could not translate host name", "timeout expired", "no route to host",
    "network is unreachable", "connection timed out", "name or service not known",
    "no such file or directory", "server closed the connection", "拒绝连接", "超时",
)  # fmt: skip
_AUTHENTICATION = (
    "password authentication failed", "no password supplied", "authentication failed",
    "认证失败",
)  # fmt: skip


def _without_password(text: str) -> str:
    """A driver's message with any ``password=…`` or ``user:password@`` in it blanked."""
    text = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", text, flags=re.IGNORECASE)
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def server_place(url: str) -> str:
    """Where a server database is, as the clerk typed it: 主机:端口 (a local socket folder
    for the host when the URL names one); never the password."""
    try:
        parsed = make_url(url)
    except Exception:
        return display_url(url)

    def first(value: str | tuple[str, ...] | None) -> str | None:  # ?host=a&host=b: a
        return value[0] if isinstance(value, tuple) else value

    host = parsed.host or first(parsed.query.get("host")) or "localhost"
    port = parsed.port or first(parsed.query.get("port")) or 5432
    return f"{host}:{port}"


def describe_database(url: str) -> str:
    """Where the database is, for the clerk (设置, messages, the command line): the SQLite
    file's path, or 数据库服务器 主机:端口 上的数据库“名”（用户 …）; never a password."""
    file = sqlite_file(url)
    if file is not None:
        return str(file)
    if not is_server_url(url):
        return display_url(url)
    try:
        parsed = make_url(url)
    except Exception:
        return display_url(url)
    user = f"（用户 {parsed.username}）" if parsed.username else ""
    return f"数据库服务器 {server_place(url)} 上的数据库“{parsed.database or ''}”{user}"


def explain_server_error(detail: str, url: str) -> str | None:
    """The Chinese explanation of a database server's refusal (``detail``: the driver's
    message) for the database ``url``, shown without its password; None when unknown."""
    lowered = detail.lower()
    where = server_place(url)
    try:
        name = make_url(url).database or ""
    except Exception:
        name = ""
    if "invalid response to ssl negotiation" in lowered or "received invalid response" in lowered:
        return f"{where} 上应答的不是数据库服务器（PostgreSQL）。请核对主机和端口（一般是 5432）。"
    if any(needle in lowered for needle in _AUTHENTICATION):
        return (
            f"无法登录数据库服务器（{where}）：用户名或密码不正确。"
            "请向信息管理员核对数据库的用户名和密码。"
        )
    if "does not exist" in lowered or "不存在" in lowered:
        if "role" in lowered or "角色" in lowered:
            return (
                f"无法登录数据库服务器（{where}）：服务器上没有这个数据库用户。"
                "请向信息管理员核对用户名。"
            )
        if "database" in lowered or "数据库" in lowered:
            return (
                f"数据库服务器上没有名为“{name}”的数据库。请核对数据库名，"
                "或请服务器管理员先建立这个（空）数据库。"
            )
    if "permission denied" in lowered or "权限" in lowered:
        return (
            f"数据库用户没有使用数据库“{name}”的权限（{where}）。"
            "请服务器管理员授予权限（CONNECT，以及建表所需的 CREATE）。"
        )
    if any(needle in lowered for needle in _UNREACHABLE) or "could not connect" in lowered:
        return (
            f"连接不上数据库服务器（{where}）：服务器没有开机、主机或端口不对，或网络不通。"
            "请核对主机和端口（一般是 5432）和网络连接后再试；仍不行请联系信息管理员。"
        )
    return None


def _explain(exc: SQLAlchemyError, where: object) -> str:
    from app.services.errors import SERVER_REFUSED_LOGIN, server_connection_problem

    detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    if isinstance(where, str) and is_server_url(where):  # named by host, never its password
        explained = explain_server_error(str(getattr(exc, "orig", None) or exc), where)
        if explained is not None:
            return explained
        server = server_connection_problem(exc)
        if server == SERVER_REFUSED_LOGIN:
            return (
                f"数据库服务器 {server_place(where)} 拒绝了连接（用户名、密码或访问权限不对，"
                "或数据库不存在）。请联系技术人员检查连接设置。"
            )
        if server is not None:
            return (
                f"连不上数据库服务器 {server_place(where)}：服务器没有运行，或网络不通。"
                "请稍后再打开程序；如果一直连不上，请检查网络，或请技术人员检查数据库服务器。"
            )
        return (
            f"无法打开数据库服务器 {server_place(where)} 上的数据库。"
            f"（技术信息：{_without_password(detail)}）"
        )
    if "file is not a database" in detail or "malformed" in detail:
        return f"“{where}”不是大帮教工作台的数据库文件，或文件已损坏。"
    if "unable to open database file" in detail:
        return f"无法打开数据库“{where}”：文件或文件夹不可访问。"
    if "locking protocol" in detail or "disk I/O error" in detail:
        return (
            f"无法在“{where}”上安全地读写数据库：磁盘出错，或该位置（多为网络共享文件夹）"
            "不支持数据库所需的文件锁。为免数据损坏，请把数据库放在本机硬盘上再打开。"
        )
    if "locked" in detail:
        return f"数据库“{where}”正被另一个程序使用，请关闭后重试。"
    return f"无法打开数据库“{where}”。（技术信息：{detail}）"


def _lock_if_sealed(engine: Engine) -> None:
    """A database whose personal data are sealed opens locked: a login unlocks it."""
    from app.models.sealed import mark_locked
    from app.services.vault import VAULT_KEY

    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM local_settings WHERE key = :key"), {"key": VAULT_KEY}
        ).first()
    if found is not None:
        mark_locked(engine)


def open_database(db: str | None = None) -> Database:
    """Open (creating if needed) and upgrade the database named by ``--db``.

    A file that already holds data is copied before any migration runs. A database made by
    a newer version of the program is refused rather than damaged. The file is created
    readable by its owner only, and an existing one readable by others is tightened
    (:func:`~app.services.private_files.protect_database_file`).
    """
    url = database_url(db)
    _check_location(sqlite_file(url))
    if (file := sqlite_file(url)) is not None:
        protect_database_file(file)
    engine = create_db_engine(url)
    backup: Path | None = None
    revision: str | None = SCHEMA_HEAD  # until it is read
    try:
        revision, has_tables = current_revision(engine)
        if not has_tables and (new_file := sqlite_file(url)) is not None:
            from app.services.audit import forget_head_file

            forget_head_file(new_file)  # a new database's log starts again
        if revision is None and has_tables and sqlite_file(url) is None and is_server_url(url):
            raise DatabaseError(
                f"数据库服务器上的数据库（{display_url(url)}）里已有别的数据表，"
                "不是大帮教工作台的数据库。请核对数据库名，或请服务器管理员建立一个空数据库。"
            )
        if revision != SCHEMA_HEAD:
            if revision is not None and revision not in _known_revisions():
                raise DatabaseError(
                    f"数据库的结构版本（{revision}）比本程序新，请升级大帮教工作台后再打开。"
                )
            path = sqlite_file(url)
            if path is not None and has_tables:
                backup = backup_sqlite_file(path)
            elif has_tables:  # a server: its administrator's backups (pg_dump) are the copy
                log.info(
                    "升级数据库服务器上的数据库（%s）：结构版本 %s → %s；服务器上不另做副本，"
                    "由服务器管理员的备份（pg_dump）保底。",
                    describe_database(url), revision, SCHEMA_HEAD,
                )  # fmt: skip
            upgrade_schema(engine)
            if has_tables:
                _after_upgrade(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        where = sqlite_file(url) or display_url(url)
        if revision != SCHEMA_HEAD and "already exists" in str(exc):
            raise DatabaseError(HALF_UPGRADED.format(where=where)) from exc
        raise DatabaseError(_explain(exc, where)) from exc
    except DatabaseError:
        engine.dispose()
        raise
    _lock_if_sealed(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    from app.services.accounts import refuse_read_only_writes
    from app.services.unit_scope import refuse_other_units_records

    event.listen(factory, "before_flush", refuse_read_only_writes)
    event.listen(factory, "before_flush", refuse_other_units_records)
    return Database(url=url, engine=engine, session_factory=factory, backup_path=backup)


def open_in_window(path: Path) -> bool:
    """Whether a window of this program has the database file open on this PC: it holds
    ``<file>.lock`` (QLockFile: locked with flock on Linux, opened without write sharing on
    Windows) for as long as it runs. A lock file left by a program that ended is not held."""
    lock = path.with_name(path.name + ".lock")
    try:
        descriptor = os.open(lock, os.O_RDWR if sys.platform == "win32" else os.O_RDONLY)
    except FileNotFoundError:
        return False
    except PermissionError:
        return sys.platform == "win32"
    try:
        if sys.platform == "win32":
            return False
        import fcntl

        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return False
    finally:
        os.close(descriptor)


def remove_sqlite_file(path: Path) -> None:
    """Remove a SQLite file with its WAL and shared-memory companions."""
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        candidate.unlink(missing_ok=True)


__all__ = [
    "Database",
    "backup_sqlite_file",
    "database_url",
    "open_database",
    "open_in_window",
    "remove_sqlite_file",
]
