"""责任状: every department's agreement — status, signing rate, PDF preview, print, sign.

Only the PCs of 社区矫正科 and 县矫正办 draft, issue, sign and void (the services refuse
elsewhere); on another unit's PC those buttons are hidden and a note says who keeps the
agreements. Every action goes through the operations path; PDFs of all departments are made
in the background.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from app.services import agreements
from app.services.agreements import AgreementRow
from app.services.dates import DatePurpose
from app.services.errors import write_file
from app.services.filenames import safe_file_name
from app.ui import messages
from app.ui.desktop import open_with_system, show_in_folder, temporary_copy
from app.ui.dialogs.agreement_dialogs import IssueDialog, SignDialog, VoidDialog
from app.ui.files import ask_folder, ask_save_path_as
from app.ui.operations import Operation
from app.ui.pages.base import Page, button_row, section_label
from app.ui.pdf_preview import PdfPreview
from app.ui.printing import print_in_background
from app.ui.table_model import Column, RowTableModel, format_percent
from app.ui.table_view import RowTableView

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

STATUS_COLOURS = {
    "已签署": "#1e7d32",
    "已印发": "#1d3f72",
    "草稿": "#b36b00",
    "作废": "#999999",
    "未建立": "#c0392b",
}
COMBINED_NAME = "责任状汇编.pdf"
T = TypeVar("T")


def _suffix(data: bytes) -> str:
    """The file name suffix of a stored scan (a PDF, or one photo)."""
    if data.startswith(b"%PDF-"):
        return ".pdf"
    return ".png" if data.startswith(b"\x89PNG") else ".jpg"


def _date(value: date | None) -> str:
    return f"{value.year}-{value.month:02d}-{value.day:02d}" if value else ""


class AgreementsPage(Page):
    """The agreements of the current programme, one row per department."""

    title = "责任状"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.can_manage = context.local_unit_kind in agreements.KEEPERS
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
        self._pdf: bytes | None = None  # what the preview shows: saved, opened and printed as is

        self.draft_all_button = QPushButton(self.tr("为全部科室建立草稿"))
        self.issue_button = QPushButton(self.tr("印发…"))
        self.sign_button = QPushButton(self.tr("登记签署…"))
        self.void_button = QPushButton(self.tr("作废…"))
        self.new_version_button = QPushButton(self.tr("建立新版本"))
        self.open_button = QPushButton(self.tr("用 PDF 阅读器打开"))
        self.save_button = QPushButton(self.tr("另存为…"))
        self.save_button.setToolTip(
            self.tr("保存为 PDF；文件类型选“Word 文档”则保存可修改的 Word 文件")
        )
        self.print_button = QPushButton(self.tr("打印…"))
        self.scan_button = QPushButton(self.tr("查看扫描件"))
        self.export_all_button = QPushButton(self.tr("全部生成 PDF…"))
        self.print_all_button = QPushButton(self.tr("打印全部…"))
        self.include_drafts = QCheckBox(self.tr("汇编收入草稿"))
        self.include_drafts.setToolTip(
            self.tr("责任状汇编默认只收已印发、已签署的责任状；勾选后草稿也收入（带“草稿”水印）。")
        )
        self.manage_buttons = (self.draft_all_button, self.issue_button, self.sign_button,
                               self.void_button, self.new_version_button)  # fmt: skip
        self.status = QLabel()
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.view, 1)
        left_layout.addLayout(button_row(*self.manage_buttons))
        left_layout.addLayout(
            button_row(self.open_button, self.save_button, self.print_button, self.scan_button)
        )
        all_row = button_row(self.export_all_button, self.print_all_button)
        all_row.insertWidget(2, self.include_drafts)
        left_layout.addLayout(all_row)
        left_layout.addWidget(self.status)
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
        if not self.can_manage:
            self._read_only()

        self.view.selection_changed.connect(self._selection_changed)
        # clicked(bool) would reach a parameter: every button goes through a lambda
        self.draft_all_button.clicked.connect(lambda: self.create_all_drafts())
        self.issue_button.clicked.connect(lambda: self.issue_selected())
        self.sign_button.clicked.connect(lambda: self.sign_selected())
        self.void_button.clicked.connect(lambda: self.void_selected())
        self.new_version_button.clicked.connect(lambda: self.new_version())
        self.open_button.clicked.connect(lambda: self.open_selected())
        self.save_button.clicked.connect(lambda: self.save_selected())
        self.print_button.clicked.connect(lambda: self.print_selected())
        self.scan_button.clicked.connect(lambda: self.open_scan())
        self.export_all_button.clicked.connect(lambda: self.export_all())
        self.print_all_button.clicked.connect(lambda: self.print_all())
        self.refresh()
        if not self.can_manage and context.local_unit_id is not None:
            self.view.select_where(lambda r: r.department_id == context.local_unit_id)

    def _read_only(self) -> None:
        """On a PC that does not keep the agreements: hide the buttons that change them and
        say who does."""
        for button in self.manage_buttons:
            button.setVisible(False)
        note = QLabel(
            self.tr(
                "责任状由社区矫正科（县矫正办）起草、印发和登记签署，本机不能修改。"
                "本机可以查看、另存和打印责任状；县矫正办印发或登记签署后，导入其数据包即可看到。"
            )
        )
        note.setObjectName("hint")
        note.setWordWrap(True)
        self.read_only_note = note
        self.layout_.insertWidget(1, note)

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
        self._shown = False
        self.model.set_rows(rows)
        if rate is not None:
            self.rate_label.setText(
                f"{rate.signed} / {rate.required}　（{format_percent(rate.rate)}）"
            )
        if not (
            selected and self.view.select_where(lambda r: r.department_id == selected.department_id)
        ):
            self.view.selectRow(0)
        if not self._shown:  # no new selection (an empty list): show that
            self._selection_changed()

    def selected(self) -> AgreementRow | None:
        """The selected department's row."""
        return self.view.selected_row()

    def _selection_changed(self) -> None:
        self._shown = True
        row = self.selected()
        status = row.status_label if row else ""
        manage = self.can_manage
        self.draft_all_button.setEnabled(manage and self.context.programme_id is not None)
        self.issue_button.setEnabled(manage and status in ("草稿", "未建立", "作废"))
        self.sign_button.setEnabled(manage and status == "已印发")
        self.void_button.setEnabled(manage and status in ("草稿", "已印发", "已签署"))
        self.new_version_button.setEnabled(manage and status in ("已印发", "已签署"))
        self._show_preview()
        for button in (self.open_button, self.save_button, self.print_button):
            button.setEnabled(self._pdf is not None)
        self.scan_button.setEnabled(bool(row and row.has_scan))
        has_rows = self.model.rowCount() > 0
        self.export_all_button.setEnabled(has_rows)
        self.print_all_button.setEnabled(has_rows)

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
        self._pdf = self.current_pdf()
        self.preview.show_pdf(self._pdf)

    def _file_name(self, row: AgreementRow) -> str:
        return f"责任状-{row.department}" + (f"-第{row.version}版" if row.version else "") + ".pdf"

    # ------------------------------------------------------------ lifecycle

    def _dialog_save(
        self, title: str, action: Callable[[Session, dict], None]
    ) -> Callable[[dict], None]:
        """A dialog's save callback: ``action(session, values)`` as one user action."""
        return lambda values: self.save_from_dialog(title, lambda s: action(s, values))

    def create_all_drafts(self) -> None:
        """A draft for every department that has none."""
        programme_id, owner = self.context.programme_id, self.context.local_unit_id
        if programme_id is None:
            return
        made = self.run(lambda s: agreements.create_all_drafts(s, programme_id, owner),
                        self.tr("建立责任状草稿"))  # fmt: skip
        if made is not None:
            self.status.setText(
                self.tr("已为 %1 个科室建立草稿。").replace("%1", str(made))
                if made
                else self.tr("每个科室都已有责任状，没有新建草稿。")
            )
        self.refresh()

    def issue_selected(self) -> None:
        """Issue the selected department's draft (making it first if it has none), with a date."""
        row = self.selected()
        if row is None or self.context.programme_id is None:
            return
        programme_id, owner, store = (self.context.programme_id, self.context.local_unit_id,
                                      self.database.attachments)  # fmt: skip

        def issue(session: Session, values: dict) -> None:
            agreement_id = agreements.create_draft(session, programme_id, row.department_id, owner)
            agreements.issue(session, store, agreement_id, values["issued_on"])

        dialog = IssueDialog(self._dialog_save(self.tr("印发责任状"), issue), row.department,
                             self.context.date_range(DatePurpose.WORK), self)  # fmt: skip
        if dialog.exec():
            self.status.setText(self.tr("已印发%1的责任状。").replace("%1", row.department))
        self.refresh()

    def sign_selected(self) -> None:
        """Record the selected agreement's signing."""
        row = self.selected()
        if row is None or row.agreement_id is None:
            return
        agreement_id, store = row.agreement_id, self.database.attachments

        def sign(session: Session, values: dict) -> None:
            agreements.sign(session, store, agreement_id, **values)

        dialog = SignDialog(self._dialog_save(self.tr("登记签署"), sign), row.department,
                            row.issued_on, self.context.date_range(DatePurpose.WORK), self)  # fmt: skip
        if dialog.exec():
            self.status.setText(self.tr("已登记%1责任状的签署。").replace("%1", row.department))
        self.refresh()

    def void_selected(self) -> None:
        """Void the selected agreement, with a reason."""
        row = self.selected()
        if row is None or row.agreement_id is None:
            return
        agreement_id = row.agreement_id

        def void(session: Session, values: dict) -> None:
            agreements.void(session, agreement_id, values["reason"])

        dialog = VoidDialog(self._dialog_save(self.tr("作废责任状"), void), row.department, self)
        if dialog.exec():
            self.status.setText(self.tr("已作废%1的责任状。").replace("%1", row.department))
        self.refresh()

    def new_version(self) -> None:
        """Draft the next version of the selected agreement."""
        row = self.selected()
        if row is None or row.agreement_id is None:
            return
        agreement_id, owner = row.agreement_id, self.context.local_unit_id
        if self.attempt(lambda s: agreements.new_version(s, agreement_id, owner),
                        self.tr("建立新版本")):  # fmt: skip
            self.status.setText(
                self.tr("已为%1建立第%2版草稿，印发后旧版本自动作废。")
                .replace("%1", row.department).replace("%2", str(row.version + 1))
            )  # fmt: skip
        self.refresh()

    # ------------------------------------------------------------ files and printing

    def open_selected(self) -> None:
        """Open the PDF in the PC's PDF reader (or say where it is when there is none)."""
        row, data = self.selected(), self._pdf
        if row is None or data is None:
            return
        name = self._file_name(row)
        ok, path = self._file_action(self.tr("打开责任状"), lambda: temporary_copy(data, name))
        if ok and path is not None:
            open_with_system(self, path, temporary=True)

    def _file_action(self, title: str, work: Callable[[], T]) -> tuple[bool, T | None]:
        """``work()`` (files only, no database) as one user action; (done, its result)."""
        return Operation(self, title, work, changes=False).run()

    def save_selected(self) -> Path | None:
        """Save the PDF (or, when the clerk picks a .docx name, an editable Word copy) where
        the clerk says, and say where it went."""
        row, data = self.selected(), self._pdf
        if row is None or data is None:
            return None
        path = ask_save_path_as(self, self.tr("保存责任状"), self._file_name(row))
        if path is None:
            return None
        if path.suffix.lower() == ".docx":
            self._save_word(row, path)
            return path
        if not self._file_action(self.tr("保存责任状"), lambda: write_file(path, data))[0]:
            return None
        self.status.setText(self.tr("已保存到 %1").replace("%1", str(path)))
        messages.inform(
            self,
            self.tr("已保存"),
            self.tr("%1的责任状已保存到：\n%2")
            .replace("%1", row.department)
            .replace("%2", str(path)),
        )
        return path

    def _save_word(self, row: AgreementRow, path: Path) -> None:
        """The agreement as it stands (issued content frozen, a draft live) as an editable
        Word copy at ``path``, made in the background; then say where it went."""
        programme_id, department_id = self.context.programme_id, row.department_id
        if programme_id is None:
            return

        def work(session: Session, _report: Callable[[int], None]) -> Path:
            from app.reports.docx.agreement import render_agreement_docx

            content = agreements.content_for_department(session, programme_id, department_id)
            write_file(path, render_agreement_docx(content))
            return path

        def done(written: Path) -> None:
            self.status.setText(self.tr("已保存到 %1").replace("%1", str(written)))
            messages.inform(
                self,
                self.tr("已保存"),
                self.tr("%1的责任状（Word 文件，可修改）已保存到：\n%2")
                .replace("%1", row.department)
                .replace("%2", str(written)),
            )

        self.run_in_background(self.tr("保存责任状"), self.tr("正在生成 Word 文件……"), work,
                               success=done)  # fmt: skip

    def print_selected(self) -> None:
        """Print through Qt's print dialog (pages sent to the printer in the background)."""
        row, data = self.selected(), self._pdf
        if row is not None and data is not None:
            print_in_background(self, self._file_name(row), data, done=self._printed)

    def _printed(self, pages: int) -> None:
        self.status.setText(self.tr("已送打印机 %1 页。").replace("%1", str(pages)))

    def open_scan(self) -> None:
        """Open the signed scan."""
        row = self.selected()
        if row is None or row.agreement_id is None:
            return
        agreement_id, store = row.agreement_id, self.database.attachments
        name = f"签署扫描件-{row.department}"

        def copy(session: Session) -> Path | None:
            # a lost file is explained by the one error policy
            data = agreements.scan_bytes(session, store, agreement_id)
            if data is None:
                return None
            return temporary_copy(data, name + _suffix(data))

        ok, path = self.operation(self.tr("查看扫描件"), copy, changes=False).run()
        if ok and path is not None:
            open_with_system(self, path, temporary=True)

    def export_all(self) -> None:
        """Write every department's PDF and the combined file into a folder the clerk picks, in
        the background; then say how many files went where, offering to open the folder."""
        programme_id = self.context.programme_id
        if programme_id is None:
            return
        folder = ask_folder(self, self.tr("选择保存责任状的文件夹"))
        if folder is None:
            return
        store = self.database.attachments
        departments = self.model.rowCount()
        drafts = self.include_drafts.isChecked()

        def work(
            session: Session, report: Callable[[int], None]
        ) -> tuple[list[Path], dict[str, int]]:
            from app.reports.agreement_pdf import render_agreements_pdf

            folder.mkdir(parents=True, exist_ok=True)
            written: list[Path] = []
            for department, data in agreements.department_pdfs(session, store, programme_id,
                                                               report):  # fmt: skip
                written.append(folder / safe_file_name(f"责任状-{department}.pdf"))
                write_file(written[-1], data)
            book = agreements.compilation(session, programme_id, include_drafts=drafts)
            held = {"agreements": len(book["agreements"]), "drafts": book["drafts"],
                    "left_out": book["drafts_left_out"]}  # fmt: skip
            if book["agreements"]:
                written.append(folder / COMBINED_NAME)
                write_file(written[-1], render_agreements_pdf(book))
            report(departments + 1)
            return written, held

        def done(result: tuple[list[Path], dict[str, int]]) -> None:
            written, held = result
            if written and written[-1].name == COMBINED_NAME:
                text = (
                    self.tr("已生成 %1 个文件：%2 份科室责任状和汇编“%3”，保存在：\n%4")
                    .replace("%1", str(len(written))).replace("%2", str(len(written) - 1))
                    .replace("%3", COMBINED_NAME).replace("%4", str(folder))
                ) + "\n" + self._compilation_note(held)  # fmt: skip
            else:
                text = (
                    self.tr("已生成 %1 份科室责任状，保存在：\n%2\n还没有已印发或已签署的责任状，"
                            "未生成汇编（如需收入草稿，请勾选“汇编收入草稿”）。")
                    .replace("%1", str(len(written))).replace("%2", str(folder))
                )  # fmt: skip
            self.status.setText(text.replace("\n", ""))
            if messages.confirm(
                self, self.tr("已生成责任状"), text + self.tr("\n\n现在打开这个文件夹吗？")
            ):
                show_in_folder(self, folder)

        self.run_in_background(self.tr("全部生成 PDF"), self.tr("正在生成各科室的责任状……"),
                               work, total=departments + 1, success=done)  # fmt: skip

    def _compilation_note(self, held: dict[str, int]) -> str:
        """How many agreements the compilation holds, and how many drafts it holds or left out:
        "汇编收入 2 份（草稿 5 份未收入）。"."""
        text = self.tr("汇编收入 %1 份").replace("%1", str(held["agreements"]))
        if held["drafts"]:
            text += self.tr("（含草稿 %1 份）").replace("%1", str(held["drafts"]))
        elif held["left_out"]:
            text += self.tr("（草稿 %1 份未收入）").replace("%1", str(held["left_out"]))
        return text + self.tr("。")

    def print_all(self) -> None:
        """Print every department's agreement (the combined file, made in the background)."""
        programme_id = self.context.programme_id
        if programme_id is None:
            return

        drafts = self.include_drafts.isChecked()

        def combined(session: Session, _report: Callable[[int], None]) -> bytes:
            from app.reports.agreement_pdf import render_agreements_pdf
            from app.services.errors import ValidationError

            book = agreements.compilation(session, programme_id, include_drafts=drafts)
            if not book["agreements"]:
                raise ValidationError("还没有已印发或已签署的责任状可以打印。如需打印草稿，"
                                      "请勾选“汇编收入草稿”。")  # fmt: skip
            return render_agreements_pdf(book)

        print_in_background(self, COMBINED_NAME.removesuffix(".pdf"), combined,
                            database=self.database, done=self._printed)  # fmt: skip
