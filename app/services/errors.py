"""Errors the user is shown, as opposed to bugs."""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """A problem the user can understand and fix; ``str()`` is a Chinese message."""


class ValidationError(UserError):
    """Bad input in a form or command; ``field`` names the offending field, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class DatabaseError(UserError):
    """The database cannot be opened or upgraded."""


def file_problem(exc: OSError, path: object, writing: bool = False) -> str:
    """A Chinese sentence for a file that could not be read or written."""
    verb = "写入" if writing else "读取"
    if isinstance(exc, IsADirectoryError):
        return f"“{path}”是文件夹，不是文件。"
    if isinstance(exc, FileNotFoundError):
        folder = Path(str(path)).parent
        if writing and not folder.exists():
            return f"文件夹“{folder}”不存在，请换一个文件夹，或先建立这个文件夹。"
        return f"找不到文件或文件夹“{path}”。"
    if isinstance(exc, PermissionError):
        return f"没有权限{verb}“{path}”，或文件正被其他程序打开。"
    return f"无法{verb}“{path}”：{exc.strerror or exc}"


def write_file(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file beside it, then put in
    place (waiting out an antivirus scan or a viewer holding the old file). ``private`` makes
    it owner-only (a recovery code, personal data). A failure is a UserError with
    :func:`file_problem`'s sentence and leaves ``path`` as it was."""
    import uuid

    from app.services.files import replace_file

    path = Path(path)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        if private:
            from app.services.private_files import write_private_bytes

            write_private_bytes(temp, data)
        else:
            temp.write_bytes(data)
        replace_file(temp, path)
    except OSError as exc:
        raise UserError(file_problem(exc, path, writing=True)) from None
    finally:
        temp.unlink(missing_ok=True)


# ---------------------------------------------------------------- the PC's environment

_SQLITE_PROBLEMS = {
    "SQLITE_BUSY": "数据库正被另一个程序占用（例如另一个大帮教工作台窗口、备份或杀毒软件），"
    "刚才的操作没有保存。请关闭占用它的程序，稍等片刻后再试一次。",
    "SQLITE_LOCKED": "数据库正被另一个程序占用，刚才的操作没有保存。请稍等片刻后再试一次。",
    "SQLITE_FULL": "磁盘空间已满，刚才的操作没有保存。请删除不需要的文件、腾出空间后再试一次。",
    "SQLITE_READONLY": "数据库文件是只读的（例如写保护的 U 盘、只读共享或文件属性为只读），"
    "刚才的操作没有保存。请把数据库复制到本机硬盘，或请技术人员取消只读后再试。",
    "SQLITE_IOERR": "读写数据库文件时出错（U 盘或网络盘可能已拔出或断开，也可能是磁盘故障），"
    "刚才的操作没有保存。请检查存放数据库的磁盘后重新打开程序。",
    "SQLITE_CANTOPEN": "无法打开数据库文件（文件或文件夹已被移走、改名，或没有访问权限）。"
    "请检查后重新打开程序。",
    "SQLITE_PERM": "没有权限写入数据库文件，刚才的操作没有保存。请请技术人员检查文件权限。",
    "SQLITE_CORRUPT": "数据库文件已损坏。请立即停止使用，并请技术人员用备份恢复。",
    "SQLITE_NOTADB": "这个文件不是大帮教工作台的数据库，或已损坏。",
}

_WINDOWS_FILE_IN_USE = {32, 33}  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION


def _sqlite_error_name(exc: BaseException) -> str | None:
    """SQLITE_BUSY, SQLITE_FULL… for a sqlite3 error, also when wrapped by SQLAlchemy."""
    import sqlite3

    for candidate in (exc, getattr(exc, "orig", None), exc.__cause__):
        if isinstance(candidate, sqlite3.Error):
            name = getattr(candidate, "sqlite_errorname", None)
            if name:
                return "_".join(str(name).split("_")[:2])  # SQLITE_IOERR_WRITE → SQLITE_IOERR
            text = str(candidate).lower()
            if "locked" in text:
                return "SQLITE_BUSY"
            if "disk is full" in text:
                return "SQLITE_FULL"
            if "readonly" in text:
                return "SQLITE_READONLY"
            if "disk i/o" in text:
                return "SQLITE_IOERR"
    return None


def _os_problem(exc: OSError) -> str | None:
    import errno

    where = f"“{exc.filename}”" if exc.filename else "文件"
    if getattr(exc, "winerror", None) in _WINDOWS_FILE_IN_USE:
        return f"{where}正被其他程序打开（例如 PDF 阅读器或 Excel），请关闭它后再试一次。"
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "磁盘空间已满，文件没有写完。请删除不需要的文件、腾出空间后再试一次。"
    if exc.errno == errno.EROFS:
        return f"{where}所在的磁盘是只读的（例如写保护的 U 盘），请换一个位置保存。"
    if isinstance(exc, PermissionError):
        return (
            f"没有权限读写{where}，或它正被其他程序打开。"
            "请关闭打开它的程序，或换一个有权限的文件夹（例如“文档”）后再试。"
        )
    if isinstance(exc, FileNotFoundError):
        return f"找不到{where}：它可能已被移走、改名，或 U 盘已拔出。"
    if exc.errno == errno.EIO:
        return f"读写{where}时出错（U 盘或网络盘可能已拔出或断开）。请检查后再试。"
    return None


# A database server that cannot be reached, or dropped the connection (restarted, shut down,
# the network cut, an administrator ending the session): the pool reconnects by itself
# (``database.create_db_engine``), so the clerk only has to try again once it is back.
SERVER_CONNECTION_LOST = (
    "与数据库服务器的连接中断了，刚才的操作没有完成。您填写的内容还在，请稍后再点“保存”"
    "（或再做一次刚才的操作）：服务器恢复后程序会自动重新连接，不必关闭程序。"
    "如果过几分钟仍连不上，请检查网络，或请技术人员检查数据库服务器。"
)
SERVER_REFUSED_LOGIN = (
    "数据库服务器拒绝了本程序的连接（用户名、密码或访问权限不对，或数据库不存在），"
    "刚才的操作没有完成。请联系技术人员检查数据库服务器的连接设置。"
)
# SQLSTATE classes and codes of a connection lost or refused: 08 connection exception,
# 57P01-57P03 the server shutting down, crashed or not yet accepting connections
_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")
# libpq's words when the server refuses the login itself (not the connection)
_LOGIN_REFUSED = ("authentication failed", "pg_hba.conf", "does not exist", "no password")


def server_connection_problem(exc: BaseException) -> str | None:
    """A Chinese explanation when ``exc`` is a database server's connection that dropped or
    could not be made (psycopg's OperationalError and friends, also wrapped by SQLAlchemy);
    else None."""
    import sys

    psycopg = sys.modules.get("psycopg")  # not imported: no server was ever used
    if psycopg is None:
        return None
    for candidate in (exc, getattr(exc, "orig", None), exc.__cause__):
        if not isinstance(candidate, psycopg.Error):
            continue
        state = getattr(candidate, "sqlstate", None) or ""
        if state.startswith(_CONNECTION_STATES):
            return SERVER_CONNECTION_LOST
        if isinstance(candidate, psycopg.OperationalError) and not state:
            # raised by the client library itself: no connection, or it broke
            text = str(candidate).lower()
            if any(words in text for words in _LOGIN_REFUSED):
                return SERVER_REFUSED_LOGIN
            return SERVER_CONNECTION_LOST
        if isinstance(candidate, psycopg.InterfaceError) and "closed" in str(candidate):
            return SERVER_CONNECTION_LOST
    return None


def environment_problem(exc: BaseException) -> str | None:
    """A Chinese explanation, with what to do, when ``exc`` is a known problem of the PC
    (database locked, disk full, read-only folder, file in use, permission denied) or of its
    connection to a database server (see :func:`server_connection_problem`); else None.
    """
    if (server := server_connection_problem(exc)) is not None:
        return server
    name = _sqlite_error_name(exc)
    if name is not None:
        return _SQLITE_PROBLEMS.get(name)
    for candidate in (exc, exc.__cause__, getattr(exc, "orig", None)):
        if isinstance(candidate, OSError):
            return _os_problem(candidate)
    return None
