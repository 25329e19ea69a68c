"""File names made from unit names and titles, acceptable to every disk an office PC has."""

from __future__ import annotations

import re

# Characters Windows refuses in a name (and "/" everywhere), as the full-width forms a Chinese
# reader takes for the same thing: 办公室/政治处 → 办公室／政治处.
_FULL_WIDTH = str.maketrans(
    {
        "/": "／",
        "\\": "＼",
        ":": "：",  # "A:B" would write an NTFS alternate data stream
        "*": "＊",
        "?": "？",
        '"': "＂",
        "<": "＜",
        ">": "＞",
        "|": "｜",
    }
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])$", re.I)
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,5}$")
MAX_LENGTH = 60  # characters: 180 bytes in UTF-8, room under the 255-byte limit for temp names


def safe_file_name(text: str, fallback: str = "未命名", max_length: int = MAX_LENGTH) -> str:
    """``text`` (a unit name, a title, ``"责任状-办公室/政治处.pdf"``) as a single file name that
    Windows, Linux and a FAT32 USB stick all accept: forbidden characters become their
    full-width forms, control characters ``_``; no leading or trailing dots or spaces; no
    Windows device name (CON, NUL, COM1…); at most ``max_length`` characters, keeping a
    short suffix such as ``.pdf``. ``fallback`` when nothing is left."""
    name = _CONTROL.sub("_", text.translate(_FULL_WIDTH))
    match = _SUFFIX.search(name)
    suffix = match.group(0) if match and match.start() > 0 else ""
    stem = name[: len(name) - len(suffix)].strip(" .")
    if not stem:
        stem = fallback
    if _RESERVED.match(stem.split(".")[0].strip()):
        stem = "_" + stem
    stem = stem[: max(1, max_length - len(suffix))].rstrip(" .") or fallback
    return stem + suffix
