"""预览进度通报… on the county's 首页: the date asked first, then where and in which format; the
draft (征求意见稿, no 期号) is made in the background and opened."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.ui.dialogs.bulletin_dialog import BulletinDialog
from app.ui.operations import running_tasks
from tests.helpers import assert_fits_screen, open_page


def _answer(monkeypatch, as_of: date) -> list[BulletinDialog]:
    """Fill the real dialog and click its 下一步… button instead of blocking."""
    seen: list[BulletinDialog] = []

    def fake_exec(dialog: BulletinDialog) -> int:
        dialog.show()
        assert_fits_screen(dialog)
        dialog.as_of.setValue(as_of)
        box = dialog.findChild(QDialogButtonBox)
        box.button(QDialogButtonBox.StandardButton.Ok).click()
        seen.append(dialog)
        return dialog.result()

    monkeypatch.setattr(BulletinDialog, "exec", fake_exec)
    return seen


def test_the_county_makes_a_bulletin_as_pdf_word_and_excel(
    qtbot, monkeypatch, dialogs, db_path, tmp_path
):
    page = open_page(qtbot, db_path, "home")
    assert page.bulletin_button.isVisible()
    seen = _answer(monkeypatch, date(2018, 10, 20))
    targets = [tmp_path / "通报.pdf", tmp_path / "通报.docx", tmp_path / "通报.xlsx"]
    dialogs.save_paths = list(targets)
    for _ in targets:
        qtbot.mouseClick(page.bulletin_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert len(seen) == 3
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(targets[0].read_bytes())).pages)
    flat = pdf.replace(" ", "")
    assert "征求意见稿" in flat and "2018年10月20日" in flat and "期）" not in flat
    word = [p.text for p in Document(str(targets[1])).paragraphs]
    assert any("征求意见稿（未发布，不编期号）" in t.replace(" ", "") for t in word)
    assert load_workbook(targets[2]).sheetnames  # a real workbook
    assert len(dialogs.opened) == 3  # each opened for the clerk


def test_a_department_pc_has_no_bulletin_button(qtbot, db_path):
    from sqlalchemy import select

    from app.models import Unit
    from app.services.database import open_database
    from app.services.settings import LOCAL_UNIT, set_setting

    database = open_database(str(db_path))
    with database.session() as s:  # this PC is 法律援助中心's
        set_setting(s, LOCAL_UNIT, s.scalar(select(Unit).where(Unit.name == "法律援助中心")).uuid)
    database.close()
    page = open_page(qtbot, db_path, "home")
    assert not page.bulletin_button.isVisibleTo(page)
