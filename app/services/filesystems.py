"""The file system a file is about to be written to, and whether a file of a given size fits it:
FAT32 (most USB sticks as sold) holds no file of 4 GiB or more; exFAT and NTFS have no such
limit. Linux reads ``/proc/mounts`` (the longest mount point holding the path); Windows asks
``GetVolumeInformationW``; elsewhere the file system is not known and nothing is refused."""

from __future__ import annotations

import errno
import os
import re
import sys
from pathlib import Path

from app.services.errors import UserError

FAT_MAX_FILE = 4 * 1024**3 - 1
"""The largest file FAT32 (and FAT16 with large clusters) can hold: 4 GiB − 1 byte."""
FAT_TYPES = frozenset({"vfat", "msdos", "umsdos", "fat", "fat12", "fat16", "fat32"})
"""File system names (Linux's mount types, Windows' names lower-cased) with that limit;
``exfat``, ``ntfs``, ``ntfs3``, ``fuseblk`` and the rest are not among them."""
MOUNTS = Path("/proc/mounts")
_ESCAPE = re.compile(r"\\([0-7]{3})")
ERROR_FILE_TOO_LARGE = 223  # Windows' code for a write past what the file system holds


def parse_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, file system type) of every line of a ``/proc/mounts`` table (a space in a
    mount point is written ``\\040`` there)."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            point = _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), fields[1])
            mounts.append((point, fields[2]))
    return mounts


def mounted_file_system(path: str, mounts: list[tuple[str, str]]) -> str | None:
    """The type of the file system holding the absolute ``path``: the longest mount point
    that is ``path`` or one of its folders (the last such line when one point is mounted over)."""
    best: tuple[int, str] | None = None
    for point, kind in mounts:
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= best[0]):
            best = (len(point), kind)
    return best[1] if best else None


def _existing(path: Path) -> Path:
    """``path`` or its nearest folder that exists (a file about to be written does not)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _windows_file_system(path: Path) -> str | None:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    root = ctypes.create_unicode_buffer(261)
    if not kernel32.GetVolumePathNameW(str(path), root, len(root)):
        return None
    name = ctypes.create_unicode_buffer(261)
    ok = kernel32.GetVolumeInformationW(root, None, 0, None, None, None, name, len(name))
    return name.value if ok else None


def file_system(path: Path) -> str | None:
    """The file system type (``vfat``, ``exfat``, ``ext4``; on Windows ``FAT32``, ``NTFS``…)
    where ``path`` (a file or folder, existing or about to be written) lies; None when unknown."""
    target = _existing(path)
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return _windows_file_system(target)
    if sys.platform.startswith("linux"):
        try:
            text = MOUNTS.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        return mounted_file_system(os.path.realpath(target), parse_mounts(text))
    return None


def size_limit(kind: str | None) -> int | None:
    """The largest file the file system ``kind`` holds, None when it sets no limit we know."""
    return FAT_MAX_FILE if kind is not None and kind.lower() in FAT_TYPES else None


def _gigabytes(size: int) -> str:
    return f"{size / 1024**3:.1f}"


def too_large_message(destination: Path, size: int | None, *, full: bool) -> str:
    """What to tell the clerk when a package cannot go onto a FAT32 disk, and what to do."""
    where = destination if destination.is_dir() else destination.parent
    about = f"，而这个数据包约 {_gigabytes(size)} GB" if size else ""
    text = (
        f"“{where}”所在的磁盘（多半是 U 盘）是 FAT32 格式，单个文件不能达到 4 GB{about}，写不下。"
        "数据包没有导出，本机数据没有改动。请把数据包保存到本机硬盘或 NTFS、exFAT 格式的 U 盘"
        "（移动硬盘多为 NTFS），再交给对方"
    )
    if full:
        text += "；或者取消勾选“导出全部记录”（命令行去掉 --full），只导出对方尚未收到的变化，数据包会小得多"
    return text + "。"


def check_fits(destination: Path, size: int, *, full: bool, kind: str | None = None) -> None:
    """Refuse, before anything is written, a file of ``size`` bytes for ``destination`` on a
    file system that cannot hold it (``kind``: the file system, looked up when not given)."""
    limit = size_limit(kind if kind is not None else file_system(destination))
    if limit is not None and size > limit:
        raise UserError(too_large_message(destination, size, full=full))


def is_too_large_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the file system refusing to make a file larger (FAT32 at 4 GiB)."""
    return isinstance(exc, OSError) and (
        exc.errno == errno.EFBIG or getattr(exc, "winerror", None) == ERROR_FILE_TOO_LARGE
    )
