"""责任状: every department's agreement — status, signing rate, PDF preview, print, sign."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from app.services import agreements
from app.services.agreements import AgreementRow
from app.ui.dialogs.agreement_dialogs import IssueDialog, SignDialog, VoidDialog
from app.ui.messages import show_error
from app.ui.pages.base import Page, button_row, section_label
from app.ui.pdf_preview import PdfPreview
from app.ui.printing import ask_and_print, open_in_viewer
from app.ui.table_model import Column, RowTableModel, format_percent
from app.ui.table_view import RowTableView

STATUS_COLOURS = {
    "已签署": "#1e7d32",
    "已印发": "#1d3f72",
    "草稿": "#b36b00",
    "作废": "#999999",
    "未建立": "#c0392b",
}


def _date(value: date | None) -> str:
    return f"{value.year}-{value.month:02d}-{value.day:02d}" if value else ""


class AgreementsPage(Page):
    """The agreements of the current programme, one row per department."""

    title = "责任状"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.rate_label = QLabel()
        self.rate_label.setObjectName("figureValue")
        self.rate_caption = QLabel(self.tr("责任状签约率（已签署 / 应签科室），方案目标 100%"))
        self.rate_caption.setObjectName("figureCaption")
        self.layout_.addWidget(self.rate_label)
        self.layout_.addWidget(self.rate_caption)

        self.model: RowTableModel[AgreementRow] = RowTableModel(
            [
                Column(self.tr("科室"), lambda r: r.department),
                Column(
                    self.tr("版本"),
                    lambda r: f"第{r.version}版" if r.version else "",
                    sort_key=lambda r: r.version,
                ),
                Column(
                    self.tr("状态"),
                    lambda r: r.status_label,
                    foreground=lambda r: STATUS_COLOURS[r.status_label],
                ),
                Column(
                    self.tr("印发日期"),
                    lambda r: _date(r.issued_on),
                    sort_key=lambda r: r.issued_on or date.min,
                ),
                Column(
                    self.tr("签署日期"),
                    lambda r: _date(r.signed_on),
                    sort_key=lambda r: r.signed_on or date.min,
                ),
                Column(self.tr("扫描件"), lambda r: self.tr("有") if r.has_scan else ""),
                Column(
                    self.tr("提示"),
                    lambda r: self.tr("职责或指标已变更，请建立新版本") if r.outdated else "",
                    foreground=lambda r: "#c0392b",
                ),
            ],
            self,
        )
        self.view = RowTableView(self.model, self, stretch=6)
        self.preview = PdfPreview()

        self.draft_all_button = QPushButton(self.tr("为全部科室建立草稿"))
        self.issue_button = QPushButton(self.tr("印发…"))
        self.sign_button = QPushButton(self.tr("登记签署…"))
        self.void_button = QPushButton(self.tr("作废…"))
        self.new_version_button = QPushButton(self.tr("建立新版本"))
        self.open_button = QPushButton(self.tr("用 PDF 阅读器打开"))
        self.save_button = QPushButton(self.tr("另存为…"))
        self.print_button = QPushButton(self.tr("打印…"))
        self.scan_button = QPushButton(self.tr("查看扫描件"))
        self.export_all_button = QPushButton(self.tr("全部生成 PDF…"))
        self.print_all_button = QPushButton(self.tr("打印全部…"))

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.view, 1)
        left_layout.addLayout(button_row(self.draft_all_button, self.issue_button, self.sign_button,
                                         self.void_button, self.new_version_button))  # fmt: skip
        left_layout.addLayout(
            button_row(self.open_button, self.save_button, self.print_button, self.scan_button)
        )
        left_layout.addLayout(button_row(self.export_all_button, self.print_all_button))
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(section_label(self.tr("预览")))
        right_layout.addWidget(self.preview, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 420])
        self.layout_.addWidget(splitter, 1)

        self.view.selection_changed.connect(self._selection_changed)
        self.draft_all_button.clicked.connect(self.create_all_drafts)
        self.issue_button.clicked.connect(self.issue_selected)
        self.sign_button.clicked.connect(self.sign_selected)
        self.void_button.clicked.connect(self.void_selected)
        self.new_version_button.clicked.connect(self.new_version)
        self.open_button.clicked.connect(self.open_selected)
        self.save_button.clicked.connect(self.save_selected)
        self.print_button.clicked.connect(self.print_selected)
        self.scan_button.clicked.connect(self.open_scan)
        self.export_all_button.clicked.connect(lambda: self.export_all())
        self.print_all_button.clicked.connect(self.print_all)
        self.refresh()

    # ------------------------------------------------------------ loading

    def refresh(self) -> None:
        """Reload the list and the signing rate."""
        selected = self.view.selected_row()
        programme_id = self.context.programme_id
        rows, rate = [], None
        if programme_id is not None:
            with self.database.session() as session:
                rows = agreements.list_agreements(session, programme_id)
                rate = agreements.signing_rate(session, programme_id)
        self.model.set_rows(rows)
        if rate is not None:
            self.rate_label.setText(
                f"{rate.signed} / {rate.required}　（{format_percent(rate.rate)}）"
            )
        if not (
            selected and self.view.select_where(lambda r: r.department_id == selected.department_id)
        ):
            self.view.selectRow(0)
        self._selection_changed()

    def selected(self) -> AgreementRow | None:
        """The selected department's row."""
        return self.view.selected_row()

    def _selection_changed(self) -> None:
        row = self.selected()
        status = row.status_label if row else ""
        self.issue_button.setEnabled(status in ("草稿", "未建立", "作废"))
        self.sign_button.setEnabled(status == "已印发")
        self.void_button.setEnabled(status in ("草稿", "已印发", "已签署"))
        self.new_version_button.setEnabled(status in ("已印发", "已签署"))
        for button in (self.open_button, self.save_button, self.print_button):
            button.setEnabled(row is not None)
        self.scan_button.setEnabled(bool(row and row.has_scan))
        self._show_preview()

    def current_pdf(self) -> bytes | None:
        """The selected department's agreement PDF (issued original, or the draft as it stands)."""
        row = self.selected()
        if row is None or self.context.programme_id is None:
            return None
        from app.reports.agreement_pdf import render_agreement_pdf

        with self.database.session() as session:
            if row.agreement_id is not None and row.status_label != "作废":
                return agreements.agreement_pdf(
                    session, self.database.attachments, row.agreement_id
                )
            return render_agreement_pdf(
                agreements.content_for_department(
                    session, self.context.programme_id, row.department_id
                )
            )

    def _show_preview(self) -> None:
        self.preview.show_pdf(self.current_pdf())

    def _file_name(self, row: AgreementRow) -> str:
        return f"责任状-{row.department}" + (f"-第{row.version}版" if row.version else "") + ".pdf"

    # ------------------------------------------------------------ lifecycle

    def _ensure_draft(self, row: AgreementRow) -> int | None:
        if row.agreement_id is not None and row.status_label != "作废":
            return row.agreement_id
        programme_id = self.context.programme_id
        if programme_id is None:
            return None
        return self.run(lambda s: agreements.create_draft(s, programme_id, row.department_id,
                                                          self.context.local_unit_id))  # fmt: skip

    def create_all_drafts(self) -> None:
        """A draft for every department that has none."""
        programme_id = self.context.programme_id
        if programme_id is None:
            return
        self.run(
            lambda s: agreements.create_all_drafts(s, programme_id, self.context.local_unit_id)
        )
        self.refresh()

    def issue_selected(self) -> None:
        """Issue the selected draft (making it first if needed)."""
        row = self.selected()
        if row is None:
            return
        agreement_id = self._ensure_draft(row)
        if agreement_id is None:
            return

        def save(values: dict) -> None:
            with self.database.session() as session:
                agreements.issue(
                    session, self.database.attachments, agreement_id, values["issued_on"]
                )

        IssueDialog(save, row.department, self).exec()
        self.refresh()

    def sign_selected(self) -> None:
        """Record the selected agreement's signing."""
        row = self.selected()
        if row is None or row.agreement_id is None:
            return
        agreement_id = row.agreement_id

        def save(values: dict) -> None:
            with self.database.session() as session:
                agreements.sign(session, self.database.attachments, agreement_id, **values)

        SignDialog(save, row.department, row.issued_on, self).exec()
        self.refresh()

    def void_selected(self) -> None:
        """Void the selected agreement, with a reason."""
        row = self.selected()
        if row is None or row.agreement_id is None:
            return
        agreement_id = row.agreement_id

        def save(values: dict) -> None:
            with self.database.session() as session:
                agreements.void(session, agreement_id, values["reason"])

        VoidDialog(save, row.department, self).exec()
        self.refresh()

    def new_version(self) -> None:
        """Draft the next version of the selected agreement."""
        row = self.selected()
        if row is not None and row.agreement_id is not None:
            agreement_id = row.agreement_id
            self.run(lambda s: agreements.new_version(s, agreement_id, self.context.local_unit_id))
            self.refresh()

    # ------------------------------------------------------------ files and printing

    def open_selected(self) -> None:
        """Open the PDF in the system viewer."""
        row, data = self.selected(), self.current_pdf()
        if row is not None and data is not None:
            open_in_viewer(self, data, self._file_name(row))

    def save_selected(self, path: Path | None = None) -> Path | None:
        """Save the PDF where the user says."""
        row, data = self.selected(), self.current_pdf()
        if row is None or data is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("保存责任状"), self._file_name(row), "PDF (*.pdf)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            path.write_bytes(data)
        except OSError as exc:
            show_error(self, self.tr("保存失败"), str(exc))
            return None
        return path

    def print_selected(self) -> None:
        """Print through Qt's print dialog."""
        row, data = self.selected(), self.current_pdf()
        if row is not None and data is not None:
            ask_and_print(self, data, self._file_name(row))

    def open_scan(self) -> None:
        """Open the signed scan."""
        row = self.selected()
        if row is None or row.agreement_id is None:
            return
        with self.database.session() as session:
            path = agreements.scan_path(session, self.database.attachments, row.agreement_id)
        if path is not None:
            suffix = ".pdf" if path.read_bytes()[:5] == b"%PDF-" else ".jpg"
            open_in_viewer(self, path.read_bytes(), f"签署扫描件-{row.department}{suffix}")

    def _combined(self, programme_id: int) -> bytes:
        from app.reports.agreement_pdf import render_agreements_pdf

        with self.database.session() as session:
            return render_agreements_pdf(agreements.all_contents(session, programme_id))

    def export_all(self, folder: Path | None = None) -> Path | None:
        """Write every department's PDF and the combined file into a folder."""
        programme_id = self.context.programme_id
        if programme_id is None:
            return None
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(self, self.tr("选择保存责任状的文件夹"))
            if not chosen:
                return None
            folder = Path(chosen)
        from app.reports.agreement_pdf import render_agreement_pdf, render_agreements_pdf

        with self.database.session() as session:
            contents = agreements.all_contents(session, programme_id)
        try:
            for content in contents:
                (folder / f"责任状-{content['party_b']}.pdf").write_bytes(
                    render_agreement_pdf(content)
                )
            (folder / "责任状汇编.pdf").write_bytes(render_agreements_pdf(contents))
        except OSError as exc:
            show_error(self, self.tr("保存失败"), str(exc))
            return None
        return folder

    def print_all(self) -> None:
        """Print every department's agreement (the combined file)."""
        if self.context.programme_id is not None:
            ask_and_print(self, self._combined(self.context.programme_id), "责任状汇编.pdf")
