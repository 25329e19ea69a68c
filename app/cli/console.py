"""Console output that cannot fail: UTF-8 whatever the PC's code page."""

from __future__ import annotations

import codecs
import sys
from typing import Any, TextIO


def use_utf8_output() -> None:
    """Write stdout and stderr as UTF-8, replacing anything unencodable.

    Redirected to a file or a pipe on Windows, Python writes in the ANSI code page (GBK,
    cp1252…); a character outside it ("•" in a title) raised UnicodeEncodeError after the
    command had already saved. Called first thing, before ``--help`` can print."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:  # no console at all (a windowed build) or a test's capture
            continue
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            utf8 = codecs.lookup(encoding).name == "utf-8"
        except LookupError:
            utf8 = False
        if utf8:
            reconfigure(errors="replace")
        else:
            reconfigure(encoding="utf-8", errors="replace")


class _Forgiving:
    """A text stream whose failures to write (a closed pipe, a full disk) are swallowed: a
    command's output cannot undo or abort what the command has done."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self._stream.write(text)
                self._stream.flush()
            except (OSError, ValueError):
                self.broken = True
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self.broken = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def forgiving_output() -> None:
    """Make stdout and stderr UTF-8 (:func:`use_utf8_output`) and unable to raise: the
    process entry point's choice, so that ``ledger add`` piped into a program that stops
    reading, or redirected to a full disk, still reports success once it has saved."""
    use_utf8_output()
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        if stream is not None and not isinstance(stream, _Forgiving):
            setattr(sys, name, _Forgiving(stream))
