"""预览进度通报: the date the draft bulletin (征求意见稿, no 期号: it is not in 通报记录) counts
to, before the file is chosen; and the whole flow (:func:`make_bulletin`), shared by 首页 and
考核与通报. An issue is published with 发布通报… (app.ui.pages.bulletin_register)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from app.services.dates import DatePurpose
from app.services.errors import write_file
from app.ui.desktop import open_with_system
from app.ui.files import PDF_OR_WORD, ask_save_path_as
from app.ui.widgets.dates import DateField, check_dates

if TYPE_CHECKING:
    from app.ui.pages.base import Page


def tr(text: str) -> str:
    """``text`` translated in this module's context."""
    return QCoreApplication.translate("make_bulletin", text)


class BulletinDialog(QDialog):
    """Ask the as-of date (within the programme's year) of the draft; it has no 期号."""

    def __init__(self, date_range, as_of: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("预览进度通报"))
        self.setMinimumWidth(460)
        form = QFormLayout(self)
        self.as_of = DateField(date_range, as_of, label=self.tr("通报截至日期"))
        form.addRow(self.tr("通报截至："), self.as_of)
        hint = QLabel(self.tr(
            "这是未发布的通报稿（征求意见稿），不编期号，不编入通报记录；正式印发请用"
            "考核与通报页的“发布通报…”。\n下一步选择保存位置和格式：PDF、Word（可修改）或 Excel。"
        ))  # fmt: skip
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        form.addRow(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("下一步…"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        """Close only with a valid date."""
        if check_dates(self):
            super().accept()

    def choice(self) -> date:
        """The as-of date."""
        value = self.as_of.value()
        assert value is not None  # checked on accept
        return value


def make_bulletin(page: Page, today: date) -> object | None:
    """预览进度通报 on ``page`` (首页, 考核与通报): ask the date (``today`` within the
    programme's year by default), then where to save the draft (征求意见稿, no 期号) as PDF,
    Word or Excel; made in the background and opened. None when the clerk cancels."""
    dates = page.context.date_range(DatePurpose.WORK)
    dialog = BulletinDialog(dates, dates.clamp(today), page)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    as_of = dialog.choice()
    choices = (*PDF_OR_WORD, ("Excel 表格 (*.xlsx)", ".xlsx"))
    name = f"进度通报-征求意见稿-{as_of:%Y%m%d}.pdf"
    path = ask_save_path_as(page, tr("保存进度通报（征求意见稿）"), name, choices)
    if path is None:
        return None
    programme_id = page.context.programme_id
    assert programme_id is not None  # the county's PC has its programme

    def work(session, report) -> Path:
        from app.services.bulletin import draft_bulletin

        report(1)
        bulletin = draft_bulletin(session, programme_id, as_of)
        report(2)
        suffix = path.suffix.lower()
        if suffix == ".docx":
            from app.reports.docx.bulletin import render_bulletin_docx

            data = render_bulletin_docx(bulletin)
        elif suffix == ".xlsx":
            from app.reports.bulletin_xlsx import render_bulletin_xlsx

            data = render_bulletin_xlsx(bulletin)
        else:
            from app.reports.bulletin_pdf import render_bulletin_pdf

            data = render_bulletin_pdf(bulletin)
        write_file(path, data)
        report(3)
        return path

    return page.run_in_background(
        tr("预览进度通报"), tr("正在生成 %1……").replace("%1", path.name), work,
        total=3, success=lambda saved: open_with_system(page, saved),
    )  # fmt: skip
