"""The 责任状 page with real widgets: issue, sign with a scan, print through Qt, export all."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter

from app.services import agreements
from app.services.errors import ValidationError
from app.services.setup import initialise
from app.ui.dialogs.agreement_dialogs import IssueDialog, SignDialog, VoidDialog
from app.ui.operations import running_tasks
from app.ui.pages.agreements import AgreementsPage
from app.ui.printing import print_pdf
from tests.conftest import TEMPLATE_KEY, open_unlocked
from tests.helpers import drive_dialog, make_pdf, open_page


def _page(qtbot, db_path) -> AgreementsPage:
    page = open_page(qtbot, db_path, "agreements")
    assert isinstance(page, AgreementsPage)
    return page


def _select(page: AgreementsPage, department: str) -> None:
    assert page.view.select_where(lambda r: r.department == department)


def test_issue_then_sign_raises_the_signing_rate(qtbot, monkeypatch, dialogs, db_path, tmp_path):
    page = _page(qtbot, db_path)
    assert page.rate_label.text().startswith("0 / 7")
    assert [r.status_label for r in page.model.rows()] == ["未建立"] * 7
    _select(page, "法律援助中心")
    assert not page.sign_button.isEnabled()  # nothing to sign before it is issued
    assert len(page.preview.page_labels) >= 2  # the draft is previewed

    drive_dialog(monkeypatch, IssueDialog, lambda d: d.issued_on.setValue(date(2018, 6, 28)))
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
        dialog.signed_on.setValue(date(2018, 7, 2))  # in the programme's year
        dialog.party_a.setText("张主任")
        dialog.party_b.setText("李主任")
        dialog.set_scans([make_pdf(tmp_path / "签署件.pdf")])

    drive_dialog(monkeypatch, SignDialog, fill)
    qtbot.mouseClick(page.sign_button, Qt.MouseButton.LeftButton)
    assert page.selected().status_label == "已签署" and page.selected().has_scan
    assert page.rate_label.text().startswith("1 / 7")
    assert page.scan_button.isEnabled()
    qtbot.mouseClick(page.scan_button, Qt.MouseButton.LeftButton)
    (opened,) = dialogs.opened
    assert opened.endswith("签署扫描件-法律援助中心.pdf")
    assert Path(opened).read_bytes() == (tmp_path / "签署件.pdf").read_bytes()

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


def test_save_as_writes_the_pdf_where_the_file_dialog_said(qtbot, dialogs, db_path, tmp_path):
    page = _page(qtbot, db_path)
    _select(page, "基层科")
    target = tmp_path / "文件" / "基层科的责任状.pdf"
    target.parent.mkdir()
    dialogs.save_paths = [target]
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "乙方：基层科" in PdfReader(target).pages[0].extract_text()
    assert str(target) in dialogs.texts("information")[0]
    assert str(target) in page.status.text()

    missing = tmp_path / "没有这个文件夹" / "x.pdf"
    dialogs.save_paths = [missing]
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    warning = dialogs.texts("warning")[0]
    assert "文件夹" in warning and "不存在" in warning and not missing.exists()

    dialogs.save_paths = []  # 取消 in the file dialog: nothing written, nothing said
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert len(dialogs.shown) == 2


def test_export_all_writes_every_file_and_says_how_many_and_where(
    qtbot, dialogs, db_path, tmp_path
):
    page = _page(qtbot, db_path)
    folder = tmp_path / "责任状" / "2018"  # made, with its parent
    dialogs.folders = [folder, folder]
    qtbot.mouseClick(page.export_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=60000)
    # nothing issued yet: the compilation leaves drafts out, so there is none
    assert len(list(folder.glob("责任状-*.pdf"))) == 7 and not (folder / "责任状汇编.pdf").exists()
    (question,) = dialogs.texts("question")
    assert "已生成 7 份科室责任状" in question and "未生成汇编" in question
    dialogs.shown.clear()
    qtbot.mouseClick(page.include_drafts, Qt.MouseButton.LeftButton)
    assert page.include_drafts.isChecked()
    qtbot.mouseClick(page.export_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=60000)
    names = sorted(p.name for p in folder.glob("*.pdf"))
    assert len(names) == 8 and "责任状汇编.pdf" in names and "责任状-基层科.pdf" in names
    assert len(PdfReader(folder / "责任状汇编.pdf").pages) > len(
        PdfReader(folder / "责任状-基层科.pdf").pages
    )
    (question,) = dialogs.texts("question")
    assert (
        "已生成 8 个文件" in question and "7 份科室责任状" in question and str(folder) in question
    )
    assert dialogs.opened == [str(folder)] * 2  # the clerk chose to open the folder


def test_open_without_a_pdf_reader_says_so_and_how_to_keep_the_file(qtbot, dialogs, db_path):
    page = _page(qtbot, db_path)
    _select(page, "基层科")
    dialogs.viewer_installed = False
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    (opened,) = dialogs.opened
    assert opened.endswith("责任状-基层科.pdf")
    (warning,) = dialogs.texts("warning")
    assert "没有安装能打开这种文件的程序" in warning and "另存为" in warning


def test_printing_all_happens_in_the_background(qtbot, monkeypatch, dialogs, db_path, tmp_path):
    out = tmp_path / "printed.pdf"

    def to_pdf(dialog: QPrintDialog) -> int:
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(out))
        return 1

    monkeypatch.setattr(QPrintDialog, "exec", to_pdf)
    page = _page(qtbot, db_path)
    qtbot.mouseClick(page.print_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=60000)
    assert not out.exists() and "还没有已印发或已签署的责任状可以打印" in "".join(dialogs.texts())
    qtbot.mouseClick(page.include_drafts, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.print_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=60000)
    pages = len(PdfReader(out).pages)
    assert pages >= 14 and page.status.text() == f"已送打印机 {pages} 页。"


def test_a_typed_1900_or_impossible_issue_date_is_refused(qtbot, monkeypatch, dialogs, db_path):
    page = _page(qtbot, db_path)
    _select(page, "基层科")
    defaults = []

    def typed(text: str):
        def fill(dialog: IssueDialog) -> None:
            defaults.append(dialog.issued_on.value())
            dialog.issued_on.edit.setText(text)

        return fill

    seen = drive_dialog(monkeypatch, IssueDialog, typed("1900-11-30"))
    qtbot.mouseClick(page.issue_button, Qt.MouseButton.LeftButton)
    assert seen[0].issued_on.error.text() == "印发日期应在2018年1月1日至2018年12月31日之间。"
    assert seen[0].result() == 0 and page.selected().status_label == "未建立"
    assert defaults[0].year == 2018  # not today: the programme's year

    seen = drive_dialog(monkeypatch, IssueDialog, typed("2018-02-30"))
    qtbot.mouseClick(page.issue_button, Qt.MouseButton.LeftButton)
    assert "“2018-02-30”不是有效的日期" in seen[0].issued_on.error.text()
    assert page.selected().status_label == "未建立" and dialogs.shown == []

    db = open_unlocked(str(db_path))  # the service refuses it too
    with db.session() as s, pytest.raises(ValidationError, match="印发日期应在"):
        draft = agreements.create_draft(s, page.context.programme_id, page.selected().department_id)
        agreements.issue(s, db.attachments, draft, date(1900, 11, 30))
    db.close()


def test_a_departments_pc_cannot_issue_sign_or_void(qtbot, dialogs, tmp_path):
    path = tmp_path / "department.db"
    initialise(str(path), TEMPLATE_KEY, "法律援助中心").database.close()
    page = _page(qtbot, path)
    for button in page.manage_buttons:
        assert not button.isVisibleTo(page)
    assert page.read_only_note.isVisibleTo(page) and "社区矫正科" in page.read_only_note.text()
    assert page.selected().department == "法律援助中心"  # its own agreement, shown first
    dialogs.save_paths = [tmp_path / "法援.pdf"]
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)  # it still saves
    assert "乙方：法律援助中心" in PdfReader(tmp_path / "法援.pdf").pages[0].extract_text()

    db = open_unlocked(str(path))
    with db.session() as s, pytest.raises(ValidationError, match="本机单位（法律援助中心）不能"):
        agreements.create_draft(s, page.context.programme_id, page.selected().department_id)
    db.close()


def test_esc_on_a_filled_sign_dialog_asks_first(qtbot, dialogs, gui_app, tmp_path):
    from app.services.dates import programme_date_range

    dialog = SignDialog(lambda _v: None, "基层科", date(2018, 6, 28), programme_date_range(2018))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.signed_on.value() == date(2018, 12, 31)
    dialog.party_a.setText("张主任")
    dialogs.confirm = False
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and dialogs.texts("question")
    dialogs.confirm = True
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_a_failing_save_is_explained_and_the_dialog_keeps_what_was_typed(
    qtbot, monkeypatch, dialogs, db_path
):
    import errno

    page = _page(qtbot, db_path)
    qtbot.mouseClick(page.draft_all_button, Qt.MouseButton.LeftButton)
    assert page.status.text() == "已为 7 个科室建立草稿。"
    _select(page, "基层科")

    def full_disk(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(agreements, "void", full_disk)
    seen = drive_dialog(monkeypatch, VoidDialog, lambda d: d.reason.setText("职责调整"))
    qtbot.mouseClick(page.void_button, Qt.MouseButton.LeftButton)
    (warning,) = dialogs.texts("warning")
    assert "磁盘空间已满" in warning
    assert seen[0].result() == 0 and seen[0].reason.text() == "职责调整"
    assert "没有保存" in seen[0].error_text()
    assert page.selected().status_label == "草稿"


def test_export_all_says_how_many_agreements_the_compilation_holds(
    qtbot, dialogs, db_path, tmp_path
):
    db = open_unlocked(str(db_path))
    with db.session() as s:
        from app.services.settings import current_programme
        from tests.helpers import unit_ids

        programme_id, units = current_programme(s).id, unit_ids(s)
    for name in ("基层科", "法律援助中心"):
        with db.session() as s:
            agreement_id = agreements.create_draft(s, programme_id, units[name])
        with db.session() as s:
            agreements.issue(s, db.attachments, agreement_id, date(2018, 6, 28))
    db.close()
    page = _page(qtbot, db_path)
    folder = tmp_path / "责任状"
    dialogs.folders = [folder, folder]
    dialogs.confirm = False
    qtbot.mouseClick(page.export_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=60000)
    (question,) = dialogs.texts("question")
    assert "汇编收入 2 份（草稿 5 份未收入）" in question
    assert "汇编收入 2 份（草稿 5 份未收入）" in page.status.text()
    assert [o["/Title"] for o in PdfReader(folder / "责任状汇编.pdf").outline][1:] == [
        "基层科",
        "法律援助中心",
    ]
    dialogs.shown.clear()
    qtbot.mouseClick(page.include_drafts, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.export_all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=60000)
    (question,) = dialogs.texts("question")
    assert "汇编收入 7 份（含草稿 5 份）" in question
    assert dialogs.opened == []  # the clerk did not want the folder opened
