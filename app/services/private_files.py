"""Files only their owner may read: the database and its companions, backups, the exchange
state, credentials, the photo store and the log.

On POSIX systems files are created ``0600`` and folders ``0700`` and an existing one left
readable by others (``-rw-r--r--``, made by an earlier version under the usual umask) is
tightened, which is logged. On Windows the per-user data folder (``%LOCALAPPDATA%``) is already
private to its user by its inherited access list, so nothing is changed there: a file put in
another folder gets that folder's permissions.
"""

from __future__ import annotations

import logging
import os
import stat
from glob import escape as glob_escape
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

OWNER_FILE = 0o600
OWNER_FOLDER = 0o700
POSIX = os.name == "posix"
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
BESIDE = (".exchange.json", ".home.json")  # app/sync/identity.py, app/services/home_snapshot.py


def tighten(path: Path, *, reason: str = "") -> bool:
    """Take away every permission of group and others on ``path`` (a file or folder) if it has
    any; whether it was changed. Only on POSIX, only for a file this user owns; a file system
    that cannot say (a FAT USB stick) is left as it is."""
    if not POSIX:
        return False
    try:
        st = path.stat()
        if st.st_uid != os.geteuid() or not stat.S_IMODE(st.st_mode) & 0o077:
            return False
        os.chmod(path, stat.S_IMODE(st.st_mode) & 0o700)
    except OSError as exc:
        log.warning("无法收紧“%s”的访问权限：%s", path, exc.strerror or exc)
        return False
    log.info(
        "“%s”原来其他用户也可读取，已改为仅本人可访问（%s → %s）%s",
        path,
        oct(stat.S_IMODE(st.st_mode)),
        oct(stat.S_IMODE(st.st_mode) & 0o700),
        f"：{reason}" if reason else "。",
    )
    return True


def private_folder(path: Path, *, top: Path | None = None) -> Path:
    """Make the folder ``path`` if needed and leave it ``0700``; returns ``path``.

    With ``top`` (a folder above ``path``, e.g. the photo store's root), every missing folder
    from ``top`` down is made ``0700`` too, and ``top`` itself is tightened; folders above
    ``top`` (or above ``path``) are made with the usual permissions and never changed."""
    top = path if top is None else top
    levels = [path]
    if path != top:
        levels += [parent for parent in path.parents if top in (parent, *parent.parents)]
    for level in reversed(levels):  # top first
        if not level.is_dir():
            # missing parents above ``top`` get the usual mode, the leaf OWNER_FOLDER (the
            # umask can only take bits away from it)
            level.mkdir(mode=OWNER_FOLDER, parents=True, exist_ok=True)
        elif level == top:
            tighten(level)
    return path


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty with ``0600`` unless it exists; whether it was created. A program
    that opens it afterwards (SQLite) keeps that mode, and SQLite gives its ``-wal``, ``-shm``
    and ``-journal`` files the database file's mode."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_FILE)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


def protect_database_file(path: Path) -> None:
    """Before SQLite opens ``path``: create it owner-only when it does not exist yet, else
    tighten it (logged) with what lies beside it: SQLite's ``-wal``, ``-shm`` and
    ``-journal``, the exchange state and home snapshot (``.exchange.json``, ``.home.json``),
    the copies made before upgrades (``<name>.backup-*``) and the photo store's folder."""
    if create_private_file(path):
        return
    tighten(path, reason="数据库文件")
    beside = [path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS + BESIDE]
    beside += sorted(
        path.parent.glob(f"{glob_escape(path.stem)}.backup-*{glob_escape(path.suffix)}")
    )
    for companion in beside:
        if companion.exists():
            tighten(companion, reason="数据库的附属文件")
    store = path.with_name(f"{path.stem}-files")
    if store.is_dir():
        tighten(store, reason="照片库")


def open_private(path: Path) -> BinaryIO:
    """``path`` opened for writing in binary: created ``0600``, or emptied and tightened if it
    exists."""
    binary = getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | binary, OWNER_FILE)
    except FileExistsError:
        descriptor = os.open(path, os.O_WRONLY | os.O_TRUNC | binary)
        tighten(path)
    try:
        return os.fdopen(descriptor, "wb")
    except BaseException:
        os.close(descriptor)
        raise


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (created ``0600``)."""
    with open_private(path) as handle:
        handle.write(data)


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8 (created ``0600``)."""
    write_private_bytes(path, text.encode("utf-8"))


__all__ = [
    "OWNER_FILE",
    "OWNER_FOLDER",
    "create_private_file",
    "open_private",
    "private_folder",
    "protect_database_file",
    "tighten",
    "write_private_bytes",
    "write_private_text",
]
