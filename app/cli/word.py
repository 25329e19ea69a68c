"""`--docx FILE` on the commands that make official documents: an editable Word copy beside
(or instead of) the PDF."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.arguments import output_file


def add_docx_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--docx FILE.docx`` to ``parser``."""
    parser.add_argument(
        "--docx",
        metavar="FILE.docx",
        help="同时（或只）生成可编辑的 Word 文件（版式、字体与 PDF 相同，可在 WPS 或 Word 中修改）",
    )


def docx_target(args: argparse.Namespace) -> Path | None:
    """Where ``--docx`` asks for the Word copy (None when not asked); a name that does not end
    in .docx is refused."""
    return output_file(getattr(args, "docx", None), ".docx")
