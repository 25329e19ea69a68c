"""Glyph coverage of every name printed: a rare character (a 生僻字 in a person's name) that the
document's face lacks is printed from the first shipped face that has it; one no font has is
printed as 〓 and told to the clerk in Chinese, never a blank box. Checked on real PDFs parsed
back with pypdf."""

from __future__ import annotations

import io

from pypdf import PdfReader
from PySide6.QtWidgets import QWidget
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont

from app.reports.fonts import FONTS_DIR, font_set
from app.reports.glyphs import MISSING_MARK, missing_glyphs_warning, watching_glyphs
from app.reports.official import Styles, build_pdf, ruled_table
from app.reports.typesetting import Paragraph, runs
from app.ui.operations import Operation

RARE = "𫓩"  # CJK Extension C: in LXGW WenKai, not in Noto Serif SC nor FandolFang
NOWHERE = "𠀀"  # CJK Extension B U+20000: in none of the shipped fonts


def _cmap(path: str) -> set[int]:
    from reportlab.pdfbase.ttfonts import TTFontFile

    return set(TTFontFile(path).charToGlyph)


def _roster(names: list[str]):
    def story(st: Styles):
        return [
            Paragraph(f"矫正对象：{names[0]}", st["body"]),
            ruled_table([["姓名"], *[[name] for name in names]], [40 * mm], st),
        ]

    return story


def _read(pdf: bytes) -> tuple[str, set[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return text, fonts


def test_the_rare_character_is_in_one_shipped_font_and_not_the_others():
    assert ord(RARE) not in _cmap(str(FONTS_DIR / "NotoSerifSC-Regular.ttf"))
    assert ord(RARE) not in _cmap(str(FONTS_DIR / "FandolFang-Regular.ttf"))
    assert ord(RARE) in _cmap(str(FONTS_DIR / "LXGWWenKai-Regular.ttf"))
    for name in ("NotoSerifSC-Regular.ttf", "LXGWWenKai-Regular.ttf", "FandolFang-Regular.ttf"):
        assert ord(NOWHERE) not in _cmap(str(FONTS_DIR / name))


def test_a_rare_name_character_is_printed_from_a_face_that_has_it():
    with watching_glyphs() as missing:
        pdf = build_pdf("名单", "县矫正办", _roster([f"王{RARE}", "李喆"]))
    text, fonts = _read(pdf)
    assert f"王{RARE}" in text and "李喆" in text  # neither dropped nor boxed
    assert any("LXGW" in name for name in fonts)  # the face that has it was embedded
    assert MISSING_MARK not in text and missing == {}
    body = font_set().body
    assert [name for _piece, name in runs(f"王{RARE}", body)][-1] != body


def test_a_character_no_font_has_is_marked_and_told():
    with watching_glyphs() as missing:
        pdf = build_pdf("名单", "县矫正办", _roster([f"张{NOWHERE}明"]))
    text, _fonts = _read(pdf)
    assert f"张{MISSING_MARK}明" in text and NOWHERE not in text  # a visible mark, not tofu
    assert list(missing) == [NOWHERE] and f"张{NOWHERE}明" in missing[NOWHERE]
    warning = missing_glyphs_warning(missing)
    assert NOWHERE in warning and MISSING_MARK in warning and "手写补上" in warning
    face = getFont(font_set().fallback).face
    assert ord(MISSING_MARK) in face.charToGlyph  # the mark itself prints


def test_the_clerk_is_told_when_a_document_had_such_a_character(qtbot, dialogs):
    parent = QWidget()
    qtbot.addWidget(parent)
    made: list[bytes] = []
    ok, _ = Operation(
        parent, "生成名单", lambda: made.append(build_pdf("名单", "县", _roster([f"张{NOWHERE}"])))
    ).run()
    assert ok and made
    (told,) = dialogs.texts("warning")
    assert NOWHERE in told and "张" in told
    ok, _ = Operation(
        parent, "生成名单", lambda: made.append(build_pdf("名单", "县", _roster([f"王{RARE}"])))
    ).run()
    assert ok and len(dialogs.texts("warning")) == 1  # a character a shipped face has: silent


def test_the_command_line_says_so_on_stderr_and_still_succeeds(monkeypatch, capsys, tmp_path):
    import argparse

    from app import cli

    out = tmp_path / "名单.pdf"

    def roster(_args: argparse.Namespace) -> int:  # a command that prints a PDF of names
        out.write_bytes(build_pdf("名单", "县", _roster([f"张{NOWHERE}"])))
        return 0

    monkeypatch.setitem(cli.HANDLERS, "roster", roster)
    assert cli.run(argparse.Namespace(command="roster")) == 0
    error = capsys.readouterr().err
    assert error.startswith("注意：") and NOWHERE in error and out.is_file()
