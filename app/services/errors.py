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
        return f"找不到文件或文件夹“{path}”。"
    if isinstance(exc, PermissionError):
        return f"没有权限{verb}“{path}”，或文件正被其他程序打开。"
    return f"无法{verb}“{path}”：{exc.strerror or exc}"


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``; a failure is a UserError with :func:`file_problem`'s sentence."""
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise UserError(file_problem(exc, path, writing=True)) from None
