"""Characters no font on this PC can print (a rare 生僻字 in a person's name that neither the
document's faces nor any fallback face holds): printed as :data:`MISSING_MARK` and collected
here, so the clerk is told in Chinese instead of finding a blank box on paper.

Kept free of ReportLab, so the UI's operations and the command line can watch a build cheaply:
``with watching_glyphs() as missing: build…`` then :func:`missing_glyphs_warning`."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger(__name__)

MISSING_MARK = "〓"
"""What is printed for a character no font holds (the typesetter's 墨钉, visibly a gap)."""

_watching: ContextVar[dict[str, str] | None] = ContextVar("missing_glyphs", default=None)


@contextmanager
def watching_glyphs() -> Iterator[dict[str, str]]:
    """Collect, while the block runs (in this thread), each character no font could print,
    with the text it stood in."""
    found: dict[str, str] = {}
    token = _watching.set(found)
    try:
        yield found
    finally:
        _watching.reset(token)


def note_missing(char: str, text: str) -> None:
    """Record that ``char`` of ``text`` could not be printed (and log it, without the text:
    it may be a person's name)."""
    found = _watching.get()
    if found is not None and char not in found:
        found[char] = text
    log.warning("没有字体包含字符 U+%04X，已印为“%s”", ord(char), MISSING_MARK)


def missing_glyphs_warning(found: dict[str, str]) -> str:
    """The Chinese message for the characters ``found`` (see :func:`watching_glyphs`)."""
    shown = "、".join(f"“{char}”（在“{text.strip()[:20]}”中）" for char, text in found.items())
    return (
        f"文件已生成，但本机所有字体都没有这些字：{shown}，文件中印成了“{MISSING_MARK}”。"
        "请在打印出的文件上手写补上；或在电脑上安装收字更全的字体（如 Windows 自带的"
        "“SimSun-ExtB”、方正或华文的超大字符集字体）后重新生成。"
    )
