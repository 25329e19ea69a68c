"""The 责任状 page with real widgets: issue, sign with a scan, print through Qt, export all."""

from __future__ import annotations

import io

from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from PySide6.QtPrintSupport import QPrinter

from app.ui.dialogs.agreement_dialogs import IssueDialog, SignDialog, VoidDialog
from app.ui.pages.agreements import AgreementsPage
from app.ui.printing import print_pdf
from tests.helpers import drive_dialog, make_pdf, open_page


def _page(qtbot, db_path) -> AgreementsPage:
    page = open_page(qtbot, db_path, "agreements")
    assert isinstance(page, AgreementsPage)
    return page


def _select(page: AgreementsPage, department: str) -> None:
    assert page.view.select_where(lambda r: r.department == department)


def test_issue_then_sign_raises_the_signing_rate(qtbot, monkeypatch, gui_app, db_path, tmp_path):
    page = _page(qtbot, db_path)
    assert page.rate_label.text().startswith("0 / 7")
    assert [r.status_label for r in page.model.rows()] == ["未建立"] * 7
    _select(page, "法律援助中心")
    assert not page.sign_button.isEnabled()  # nothing to sign before it is issued
    assert len(page.preview.page_labels) >= 2  # the draft is previewed

    drive_dialog(monkeypatch, IssueDialog, lambda d: d.issued_on.setDate(QDate(2018, 6, 28)))
    qtbot.mouseClick(page.issue_button, Qt.MouseButton.LeftButton)
    row = page.selected()
    assert (row.department, row.status_label, row.version) == ("法律援助中心", "已印发", 1)
    assert page.sign_button.isEnabled() and not page.issue_button.isEnabled()

    seen = drive_dialog(monkeypatch, SignDialog, lambda d: d.party_a.setText("张主任"))
    qtbot.mouseClick(page.sign_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("party_b_signatory") == "请填写乙方签字人。"
    assert "请添加签字盖章后的扫描件" in seen[0].error_text("scan")
    assert page.selected().status_label == "已印发"

    def fill(dialog: SignDialog) -> None:
        dialog.signed_on.setDate(QDate(2018, 7, 2))  # in the programme's year
        dialog.party_a.setText("张主任")
        dialog.party_b.setText("李主任")
        dialog.set_scans([make_pdf(tmp_path / "签署件.pdf")])

    drive_dialog(monkeypatch, SignDialog, fill)
    qtbot.mouseClick(page.sign_button, Qt.MouseButton.LeftButton)
    assert page.selected().status_label == "已签署" and page.selected().has_scan
    assert page.rate_label.text().startswith("1 / 7")
    assert page.scan_button.isEnabled()

    seen = drive_dialog(monkeypatch, VoidDialog, lambda d: None)
    qtbot.mouseClick(page.void_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("reason") == "请填写作废原因。"
    assert page.selected().status_label == "已签署"


def test_printing_goes_through_qt_and_every_page_is_printed(qtbot, gui_app, db_path, tmp_path):
    page = _page(qtbot, db_path)
    _select(page, "办公室（政治处）")
    data = page.current_pdf()
    pages = len(PdfReader(io.BytesIO(data)).pages)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert print_pdf(printer, data) == pages
    assert len(PdfReader(tmp_path / "printed.pdf").pages) == pages


def test_save_and_export_all(qtbot, gui_app, db_path, tmp_path):
    page = _page(qtbot, db_path)
    _select(page, "基层科")
    saved = page.save_selected(tmp_path / "基层科.pdf")
    assert "乙方：基层科" in PdfReader(saved).pages[0].extract_text()
    folder = page.export_all(tmp_path)
    assert sorted(p.name for p in folder.glob("*.pdf"))[:2] == [
        "基层科.pdf",
        "责任状-公证管理科、公证处.pdf",
    ]
    assert (folder / "责任状汇编.pdf").exists() and len(list(folder.glob("责任状-*.pdf"))) == 7
