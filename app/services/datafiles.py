"""Data files (programme templates, ledger forms) found in two places: the program's own
``resources/`` and the user's data folder, where a county adds its own without writing into
the install folder (Program Files, ``/opt``). The user's copy wins on the same name."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from app.services.errors import ValidationError

UTF8_BOM = b"\xef\xbb\xbf"
_SAVE_AS_UTF8 = (
    "请用记事本打开后另存为 UTF-8 编码（“另存为”对话框下方的“编码”选 UTF-8），再试一次。"
)


def user_folder(kind: str) -> Path:
    """The user's own folder for ``kind`` (``templates``, ``forms``) in the data folder."""
    from app import paths

    return paths.user_data_dir() / kind


def data_folders(kind: str, shipped: Path) -> list[Path]:
    """Where files of ``kind`` are looked for, in rising precedence: shipped, then the user's."""
    return [shipped, user_folder(kind)]


def find_data_file(name: str, folders: list[Path]) -> Path | None:
    """The file ``name`` from the last of ``folders`` holding it (the user's copy wins)."""
    for folder in reversed(folders):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML data file's contents. ``what`` names it in messages (“模板文件”). A UTF-8 byte
    order mark (Windows Notepad adds one) is accepted; a file in GBK/ANSI or UTF-16 gets a
    Chinese message saying how to save it as UTF-8, never a traceback."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"找不到{what} {path.name}。") from None
    except OSError as exc:
        raise ValidationError(f"{what} {path.name} 无法读取：{exc}") from exc
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError(
            f"{what} {path.name} 不是 UTF-8 编码（是 UTF-16，记事本里叫“Unicode”）。{_SAVE_AS_UTF8}"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationError(
            f"{what} {path.name} 不是 UTF-8 编码（第 {line} 行起无法识别，"
            f"多半是 GBK/ANSI 编码）。{_SAVE_AS_UTF8}"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{what} {path.name} 无法读取：{exc}") from exc
