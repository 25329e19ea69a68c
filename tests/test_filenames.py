"""Unit names and titles made into file names that every office PC's disk accepts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.models import Unit
from app.services import agreements
from app.services.filenames import safe_file_name
from app.services.settings import current_programme
from app.sync.exchange import package_file_name
from tests.conftest import open_unlocked

SLASHED = "办公室/政治处"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("责任状-办公室/政治处.pdf", "责任状-办公室／政治处.pdf"),
        ("a\\b", "a＼b"),
        ("A:B.pdf", "A：B.pdf"),  # not an NTFS alternate stream of "A"
        ('问?答*"引"<x>|y', "问？答＊＂引＂＜x＞｜y"),
        ("tab\there\nnew\x7f", "tab_here_new_"),
        ("  .隐藏. .pdf", "隐藏.pdf"),
        ("标题...", "标题"),
        ("CON", "_CON"),
        ("con.pdf", "_con.pdf"),
        ("NUL.txt", "_NUL.txt"),
        ("com1", "_com1"),
        ("LPT9.docx", "_LPT9.docx"),
        ("CONTRACT.pdf", "CONTRACT.pdf"),  # only the device names themselves
        ("", "未命名"),
        (" . ", "未命名"),
        ("/.pdf", "／.pdf"),
        ("法律援助中心", "法律援助中心"),
    ],
)
def test_safe_file_name(text, expected):
    assert safe_file_name(text) == expected


def test_long_names_are_cut_keeping_the_suffix():
    name = safe_file_name("阶段总结-" + "很长的科室名称" * 30 + ".pdf")
    assert len(name) == 60 and name.endswith(".pdf") and name.startswith("阶段总结-")
    assert len(name.encode("utf-8")) < 200
    assert safe_file_name("x" * 10, max_length=4) == "xxxx"


def test_every_name_can_be_written(tmp_path):
    for text in ("a/b", "A:B", "?*<>|", "CON", "..", "x\x00y", "办公室/政治处.pdf"):
        path = tmp_path / safe_file_name(text)
        path.write_bytes(b"1")
        assert path.parent == tmp_path


def test_package_names_are_safe():
    name = package_file_name("A:B", SLASHED, 3, date(2018, 10, 12))
    assert "/" not in name and ":" not in name and name.endswith(".bjpkg")


def _slash_the_office(db_path) -> tuple[int, int]:
    db = open_unlocked(str(db_path))
    try:
        with db.session() as s:
            unit = s.scalars(select(Unit).where(Unit.name == "办公室（政治处）")).one()
            unit.name = SLASHED
            return current_programme(s).id, unit.id
    finally:
        db.close()


def test_an_agreement_for_a_slashed_unit_is_issued_and_written(db_path, tmp_path, capsys):
    programme_id, unit_id = _slash_the_office(db_path)
    db = open_unlocked(str(db_path))
    try:
        with db.session() as s:
            agreement_id = agreements.create_draft(s, programme_id, unit_id)
        with db.session() as s:
            sha = agreements.issue(s, db.attachments, agreement_id, date(2018, 6, 28))
        assert db.attachments.has(sha)
    finally:
        db.close()
    folder = tmp_path / "责任状"
    assert main(["--db", str(db_path), "agreement", "pdf", "--all", "--out-dir", str(folder)]) == 0
    written = folder / "责任状-办公室／政治处.pdf"
    assert written.read_bytes().startswith(b"%PDF")
    assert sorted(p.parent for p in folder.rglob("*.pdf")) == [folder] * 8  # 7 + 汇编, no subfolder


def test_the_agreements_page_saves_exports_and_opens_a_slashed_unit(
    qtbot, dialogs, db_path, tmp_path
):
    from pypdf import PdfReader
    from PySide6.QtCore import Qt

    from app.ui.operations import running_tasks
    from tests.helpers import open_page

    _slash_the_office(db_path)
    page = open_page(qtbot, db_path, "agreements")
    assert page.view.select_where(lambda r: r.department == SLASHED)

    dialogs.save_folder = tmp_path  # saved under the name the dialog suggests
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    (saved,) = tmp_path.glob("责任状-*.pdf")
    assert saved.name == "责任状-办公室／政治处.pdf"
    assert "乙方：办公室/政治处" in PdfReader(saved).pages[0].extract_text()

    folder = tmp_path / "全部"
    dialogs.folders = [folder]
    dialogs.confirm = False  # not opening the folder afterwards
    qtbot.mouseClick(page.export_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=60000)
    assert (folder / "责任状-办公室／政治处.pdf").exists()
    assert len(list(folder.glob("责任状-*.pdf"))) == 7 and not list(folder.glob("*/"))

    # 打开 twice: WPS or Adobe may hold the first copy open, so the second is a new file
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    first, second = (Path(p) for p in dialogs.opened[-2:])
    assert first != second and first.name == second.name == "责任状-办公室／政治处.pdf"
    assert first.read_bytes() == second.read_bytes() == saved.read_bytes()


def test_package_names_keep_their_number_whatever_the_unit_names():
    name = package_file_name("很长的单位名称" * 10, "CON", 12, date(2018, 10, 12))
    assert name.endswith("-20181012-第12号.bjpkg") and "-至-_CON-" in name
    assert len(name.encode("utf-8")) < 200


def test_temporary_copies_are_new_each_time_and_old_ones_are_tidied(monkeypatch, tmp_path):
    import os
    import tempfile
    import time

    from app.ui import desktop

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    root = tmp_path / desktop.TEMPORARY_FOLDER
    old, recent = root / "view-old", root / "view-recent"
    for folder in (old, recent):
        folder.mkdir(parents=True)
        (folder / "责任状.pdf").write_bytes(b"old")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    first = desktop.temporary_copy(b"1", "责任状-A:B.pdf")
    second = desktop.temporary_copy(b"2", "责任状-A:B.pdf")
    assert first != second and first.name == "责任状-A：B.pdf"
    assert (first.read_bytes(), second.read_bytes()) == (b"1", b"2")
    assert not old.exists() and recent.exists()


def test_the_print_dialog_offers_a_file_name_without_a_slash(qtbot, gui_app, monkeypatch):
    """Printing to a file, Qt's dialog proposes the document's name: 办公室/政治处 must not
    become a folder that does not exist (a clerk saw 「…不可写入」)."""
    from PySide6.QtPrintSupport import QPrintDialog
    from PySide6.QtWidgets import QWidget

    from app.ui.printing import choose_printer

    offered: list[str] = []

    def answer(dialog: QPrintDialog) -> int:
        offered.append(dialog.printer().docName())
        return 0  # the clerk cancels

    monkeypatch.setattr(QPrintDialog, "exec", answer)
    parent = QWidget()
    qtbot.addWidget(parent)
    assert choose_printer(parent, "责任状-办公室/政治处-第1版") is None
    assert offered == ["责任状-办公室／政治处-第1版"]
