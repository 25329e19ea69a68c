"""Word copies from the pages: the save dialog offers "Word 文档 (*.docx)" and the name the
clerk gives decides; the file is made in the background and is a real Word document."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from PySide6.QtCore import Qt

from app.ui.operations import running_tasks
from app.ui.pages.agreements import AgreementsPage
from tests.helpers import open_page
from tests.test_summaries_ui import AID, _page, _select, _summary


def _texts(path) -> list[str]:
    doc = Document(io.BytesIO(path.read_bytes()))
    return [p.text for p in doc.paragraphs] + [
        c.text for t in doc.tables for row in t.rows for c in row.cells
    ]


def test_save_as_word_writes_an_editable_agreement(qtbot, monkeypatch, dialogs, db_path, tmp_path):
    from app.ui import files

    offered: list[str] = []
    answer = files._save_file_name  # the fixture's answer, after noting the file types

    def save_name(*args, **kwargs):
        offered.append(args[3])
        return answer(*args, **kwargs)

    monkeypatch.setattr(files, "_save_file_name", save_name)
    page = open_page(qtbot, db_path, "agreements")
    assert isinstance(page, AgreementsPage)
    assert page.view.select_where(lambda r: r.department == "基层科")
    target = tmp_path / "基层科的责任状.docx"
    dialogs.save_paths = [target]
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert "Word 文档 (*.docx)" in offered[0] and "PDF (*.pdf)" in offered[0]
    texts = _texts(target)
    assert "乙方：基层科" in texts and "一、乙方工作职责" in texts
    assert str(target) in dialogs.texts("information")[0] and "Word" in dialogs.texts()[0]
    assert str(target) in page.status.text()


def test_summaries_page_saves_word_copies_of_both_summaries(qtbot, dialogs, db_path, tmp_path):
    _summary(db_path, AID, submitted_on=date(2018, 10, 14))
    page = _page(qtbot, db_path)
    _select(page, AID)
    one, county = tmp_path / "法援总结.docx", tmp_path / "全县"  # no suffix: the first type
    dialogs.save_paths = [one, tmp_path / "全县.docx"]
    qtbot.mouseClick(page.pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert any(t.startswith(f"{AID}社区矫正") for t in _texts(one))
    assert not page.print_button.isEnabled()  # a Word copy is printed from WPS or Word
    qtbot.mouseClick(page.county_pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert "目　录" in _texts(tmp_path / "全县.docx") and not county.exists()
    assert dialogs.opened == [str(one), str(tmp_path / "全县.docx")]
    dialogs.save_paths = [county]  # a name without a suffix is saved as a PDF
    qtbot.mouseClick(page.county_pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    pdf = tmp_path / "全县.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and page.print_button.isEnabled()


def test_a_word_save_is_named_as_word_and_cannot_be_printed_here(qtbot, dialogs, db_path, tmp_path):
    """After a PDF, a Word save: titles name neither format, the message names the Word file,
    a PC without WPS/Word is told so (not about a PDF reader), and 打印 is off."""
    from app.ui import files

    _summary(db_path, AID, submitted_on=date(2018, 10, 14))
    page = _page(qtbot, db_path)
    _select(page, AID)
    titles: list[str] = []
    answer = files._save_file_name

    def save_name(*args, **kwargs):
        titles.append(args[1])
        return answer(*args, **kwargs)

    import pytest

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(files, "_save_file_name", save_name)
        pdf, word = tmp_path / "全县.pdf", tmp_path / "全县.docx"
        dialogs.save_paths = [pdf, word, tmp_path / "法援.docx"]
        qtbot.mouseClick(page.county_pdf_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
        assert page.print_button.isEnabled() and "PDF" in page.status.text()
        dialogs.viewer_installed = False
        qtbot.mouseClick(page.county_pdf_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
        assert not page.print_button.isEnabled()  # the PDF made before is not this file
        assert page.status.text().startswith(f"已保存 Word 文件：{word}")
        (message,) = dialogs.texts("information")
        assert str(word) in message and "WPS 或 Word" in message and "PDF" not in message
        qtbot.mouseClick(page.pdf_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert titles == ["保存全县汇总报告", "保存全县汇总报告", "保存阶段总结"]
    assert not any("PDF" in title for title in titles)
    assert dialogs.opened == [str(pdf), str(word), str(tmp_path / "法援.docx")]
