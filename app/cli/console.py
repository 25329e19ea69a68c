"""Console output that cannot fail: UTF-8 whatever the PC's code page."""

from __future__ import annotations

import codecs
import sys


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
