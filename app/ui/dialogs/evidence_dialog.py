"""台账核查: the evidence-integrity flags of the year shown, from the 工作台账 page (核查…).

The list is worked out in the background (photos are read once, then remembered); each flag
lists its entries, which open in the entry form. The inspector marks a flag 已说明 with a note
or raises a rectification item from it, and saves the list as Excel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models import UnitKind
from app.models.sealed import DataLocked
from app.services import evidence_check
from app.services.dates import DateRange
from app.services.errors import UserError
from app.services.evidence_check import Flag, RectificationInput
from app.ui.dialogs.form_dialog import FormDialog, combo_box
from app.ui.dialogs.guarded import fit_to_screen
from app.ui.files import ask_save_path
from app.ui.operations import Operation
from app.ui.widgets.dates import DateField

if TYPE_CHECKING:
    from app.ui.pages.ledger import LedgerPage

COLUMNS = ("核查类型", "照片", "情况", "涉及台账", "处理状态")
PHOTO_COLUMN, ENTRIES_COLUMN, STATE_COLUMN = 1, 3, 4
THUMB_SIDE = 56  # the row's picture of a photo flag
LARGE_THUMB_SIDE = 96  # the selected flag's photos below the list
ENTRIES_SHOWN = 3  # entries named in a row (all in its tooltip and below the list)


def entries_text(flag: Flag, limit: int | None = ENTRIES_SHOWN) -> str:
    """The flag's entries, one a line: short date, unit and title — what tells rows of one
    kind apart."""
    lines = [
        f"{e.entry_date.month}月{e.entry_date.day}日 {e.unit_name}：{e.title}" for e in flag.entries
    ]
    if limit is not None and len(lines) > limit:
        lines = [*lines[: limit - 1], f"……等 {len(lines)} 条"]
    return "\n".join(lines)


def _pixmap(data: bytes | None, side: int) -> QPixmap | None:
    if not data:
        return None
    pixmap = QPixmap()
    if not pixmap.loadFromData(data):
        return None
    return pixmap.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)  # fmt: skip


STATE_COLOURS = {evidence_check.OPEN: "#b00020", evidence_check.EXPLAINED: "#2e7d32",
                 evidence_check.RECTIFICATION: "#8a5a00"}  # fmt: skip


class ExplainDialog(FormDialog):
    """标记已说明: the note saying how the flag was explained."""

    def __init__(self, save: Callable[[dict], None], flag: Flag, parent: QWidget | None = None
                 ) -> None:  # fmt: skip
        super().__init__(self.tr("标记已说明 — %1").replace("%1", flag.kind_label), save, parent)
        summary = QLabel(flag.description)
        summary.setWordWrap(True)
        self.form.addRow(summary)
        self.note = QPlainTextEdit(flag.note)
        self.note.setPlaceholderText(self.tr("核实情况，如：两场活动分别在上午和下午举行"))
        self.note.setMinimumHeight(90)
        self.note.setTabChangesFocus(True)
        self.add_field("note", self.tr("说明"), self.note)

    def values(self) -> dict:
        return {"note": self.note.toPlainText()}


class RaiseDialog(FormDialog):
    """提出整改: the problem, the responsible unit and deadline, and the 台账核查 inspection
    (date and inspectors) the item is recorded under."""

    def __init__(self, save: Callable[[dict], None], flag: Flag,
                 units: Sequence[tuple[str, int]], work: DateRange, deadlines: DateRange,
                 today: date, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("提出整改 — %1").replace("%1", flag.kind_label), save, parent)
        self.finding = QPlainTextEdit(evidence_check.finding_text(flag))
        self.finding.setMinimumHeight(110)
        self.finding.setTabChangesFocus(True)
        own = [(n, i) for n, i in units if i in flag.unit_ids]
        rest = [(n, i) for n, i in units if i not in flag.unit_ids]
        self.responsible_unit = combo_box([*own, *rest], flag.unit_ids[0])
        inspected = work.default(today)
        self.inspection_date = DateField(work, inspected, label=self.tr("核查日期"))
        self.deadline = DateField(deadlines, deadlines.clamp(inspected.fromordinal(
            inspected.toordinal() + 30)), label=self.tr("整改期限"))  # fmt: skip
        self.inspectors = QLineEdit()
        self.inspectors.setPlaceholderText(self.tr("如：县矫正办 李明、王芳"))
        self.add_field("finding", self.tr("问题"), self.finding)
        self.add_field("responsible_unit", self.tr("责任单位"), self.responsible_unit)
        self.add_field("deadline", self.tr("整改期限"), self.deadline)
        self.add_field("inspection_date", self.tr("核查日期"), self.inspection_date,
                       self.tr("整改事项记在这一天对责任单位的“台账核查”督查下，可在“督查整改”中查看。"))  # fmt: skip
        self.add_field("inspectors", self.tr("核查人员"), self.inspectors)

    def values(self) -> dict:
        return {
            "finding": self.finding.toPlainText(),
            "responsible_unit_id": self.responsible_unit.currentData(),
            "deadline": self.deadline.value(),
            "inspection_date": self.inspection_date.value(),
            "inspectors": self.inspectors.text(),
        }


class EvidenceCheckDialog(QDialog):
    """The 核查 list: flags above, the selected flag's entries below."""

    def __init__(self, page: LedgerPage) -> None:
        super().__init__(page)
        self.page = page
        self.database = page.database
        self.flags: list[Flag] = []
        self.thumbnails: dict[str, bytes] = {}  # sha256 → the store's thumbnail JPEG
        self.setWindowTitle(self.tr("台账核查"))
        self.resize(1180, 640)

        self.days = QSpinBox()
        self.days.setRange(1, evidence_check.MAX_EXIF_DAYS)
        self.days.setSuffix(self.tr(" 天"))
        self.days.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        with self.database.session() as session:
            self.days.setValue(evidence_check.exif_days(session))
        self.recheck_button = QPushButton(self.tr("重新核查"))
        self.recheck_button.setToolTip(self.tr("按新的天数保存设置并重新核查"))
        self.export_button = QPushButton(self.tr("导出 Excel…"))
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("照片拍摄日期与活动日期相差超过")))
        top.addWidget(self.days)
        top.addWidget(QLabel(self.tr("即提示")))
        top.addWidget(self.recheck_button)
        top.addStretch(1)
        top.addWidget(self.export_button)
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in COLUMNS])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ENTRIES_COLUMN, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 150), (PHOTO_COLUMN, THUMB_SIDE + 12), (STATE_COLUMN, 90)):
            self.table.setColumnWidth(column, width)
        self.table.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))

        self.entries = QListWidget()
        self.entries.setStyleSheet("QListWidget { color: #0b57d0; }")
        self.entries.setToolTip(self.tr("双击打开台账"))
        self.entries.setMinimumHeight(84)  # four entries without scrolling
        self.entries.setMaximumHeight(120)  # the list of flags above keeps the room
        self.photos = QListWidget()
        self.photos.setViewMode(QListWidget.ViewMode.IconMode)
        self.photos.setIconSize(QSize(LARGE_THUMB_SIDE, LARGE_THUMB_SIDE))
        self.photos.setFlow(QListWidget.Flow.LeftToRight)
        self.photos.setWrapping(False)
        self.photos.setFixedHeight(LARGE_THUMB_SIDE + 44)  # two lines of caption
        self.photos.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.photos_label = QLabel(self.tr("涉及的照片："))
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.open_button = QPushButton(self.tr("打开台账"))
        self.explain_button = QPushButton(self.tr("标记已说明…"))
        self.raise_button = QPushButton(self.tr("提出整改…"))
        self.close_button = QPushButton(self.tr("关闭"))
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(QLabel(self.tr("涉及的台账（双击打开）：")))
        lower_layout.addWidget(self.entries)
        lower_layout.addWidget(self.photos_label)
        lower_layout.addWidget(self.photos)
        lower_layout.addWidget(self.note_label)
        lower_layout.addStretch(1)
        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        buttons = QHBoxLayout()
        for button in (self.open_button, self.explain_button, self.raise_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.count_label)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

        self.recheck_button.clicked.connect(lambda: self.recheck())
        self.export_button.clicked.connect(lambda: self.export())
        self.open_button.clicked.connect(lambda: self.open_selected_entry())
        self.entries.itemDoubleClicked.connect(lambda _item: self.open_selected_entry())
        self.explain_button.clicked.connect(lambda: self.explain())
        self.raise_button.clicked.connect(lambda: self.raise_rectification())
        self.close_button.clicked.connect(lambda: self.accept())
        self.table.itemSelectionChanged.connect(lambda: self._show_selected())
        may_decide = page.forbid_unless("inspection.edit", self.explain_button,
                                        self.raise_button, self.recheck_button)  # fmt: skip
        self.may_decide = may_decide
        self._show_selected()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        fit_to_screen(self)
        lower = self.splitter.widget(1).minimumSizeHint().height() + 8
        total = sum(self.splitter.sizes())
        self.splitter.setSizes([max(total - lower, total // 2), min(lower, total // 2)])

    # ------------------------------------------------------------ the list

    def load(self) -> Any:
        """Work the list out in the background (photos read once); returns the task."""
        programme_id = self.page.context.programme_id
        days = self.days.value()

        store = self.database.attachments

        def work(session: Any, report: Callable[[int], None]) -> tuple[list[Flag], dict]:
            flags = evidence_check.check(session, store, days, programme_id,
                                         lambda done, _total: report(done))  # fmt: skip
            thumbnails = {}  # read here, not in the window: the first look makes them
            for sha in {sha for flag in flags for sha in flag.photos}:
                try:
                    data = store.thumbnail_bytes(sha)
                except (OSError, UserError, DataLocked):
                    data = None  # the row shows no picture; its text still tells it apart
                if data:
                    thumbnails[sha] = data
            return flags, thumbnails

        self.count_label.setText(self.tr("正在核查……"))
        self.recheck_button.setEnabled(False)
        operation = Operation(self, self.tr("台账核查"), work, database=self.database,
                              changes=False)  # fmt: skip
        operation.success(lambda found: self._loaded(*found))
        task = operation.in_background(self.tr("正在核查台账照片……"), 0)
        task.finished.connect(lambda: self.page.enable(self.recheck_button, self.may_decide))
        return task

    def recheck(self) -> Any:
        """Keep the number of days as the setting, then work the list out again."""
        days = self.days.value()
        if not self.page.attempt(lambda s: evidence_check.set_exif_days(s, days),
                                 self.tr("台账核查")):  # fmt: skip
            return None
        return self.load()

    def _loaded(self, flags: list[Flag], thumbnails: dict[str, bytes] | None = None) -> None:
        selected = self.selected_flag()
        self.flags = flags
        self.thumbnails = thumbnails or {}
        self.table.setRowCount(len(flags))
        for row, flag in enumerate(flags):
            cells = (flag.kind_label, "", flag.description, entries_text(flag), flag.state_label)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(entries_text(flag, None) if column == ENTRIES_COLUMN else text)
                if column == STATE_COLUMN:
                    item.setForeground(QBrush(QColor(STATE_COLOURS[flag.state])))
                if column == PHOTO_COLUMN:
                    self._set_photo(item, flag)
                self.table.setItem(row, column, item)
        self.table.resizeRowsToContents()
        waiting = sum(1 for f in flags if f.state == evidence_check.OPEN)
        self.count_label.setText(
            self.tr("共 %1 处，待处理 %2 处").replace("%1", str(len(flags))).replace(
                "%2", str(waiting))
            if flags else self.tr("未发现问题。")
        )  # fmt: skip
        keys = [f.key for f in flags]
        if selected is not None and selected.key in keys:
            self.table.selectRow(keys.index(selected.key))
        elif flags:
            self.table.selectRow(0)
        self._show_selected()

    def _set_photo(self, item: QTableWidgetItem, flag: Flag) -> None:
        """The row's picture: the flag's first photo (the one in question)."""
        pixmap = next(
            (p for p in (_pixmap(self.thumbnails.get(s), THUMB_SIDE) for s in flag.photos) if p),
            None,
        )
        if pixmap is not None:
            item.setData(Qt.ItemDataRole.DecorationRole, pixmap)
            item.setToolTip(
                self.tr("%1 张照片，选中后在下方查看").replace("%1", str(len(flag.photos)))
            )

    def _photo_caption(self, flag: Flag, sha: str) -> str:
        """Where the photo is, numbered as the row's description numbers it: its place on
        its entry, e.g. "第 2 张（台账标题）", one line per entry it is on."""
        titles = {e.entry_id: e.title for e in flag.entries}
        return "\n".join(
            self.tr("第 %1 张（%2）").replace("%1", str(number)).replace("%2", titles[entry_id])
            for entry_id, number in flag.places.get(sha, [])
        )

    def selected_flag(self) -> Flag | None:
        """The flag of the selected row."""
        rows = self.table.selectionModel().selectedRows()
        return self.flags[rows[0].row()] if rows and rows[0].row() < len(self.flags) else None

    def _show_selected(self) -> None:
        flag = self.selected_flag()
        self.entries.clear()
        if flag is not None:
            for entry in flag.entries:
                item = QListWidgetItem(f"{entry.label}（编号 {entry.entry_id}）")
                item.setData(Qt.ItemDataRole.UserRole, entry.entry_id)
                self.entries.addItem(item)
            self.entries.setCurrentRow(0)
        self.photos.clear()
        for sha in flag.photos if flag is not None else ():
            assert flag is not None
            pixmap = _pixmap(self.thumbnails.get(sha), LARGE_THUMB_SIDE)
            item = QListWidgetItem(self._photo_caption(flag, sha))
            if pixmap is not None:
                item.setIcon(QIcon(pixmap))
            item.setToolTip(self.tr("SHA-256 %1…").replace("%1", sha[:12]))
            self.photos.addItem(item)
        has_photos = flag is not None and bool(flag.photos)
        self.photos.setVisible(has_photos)
        self.photos_label.setVisible(has_photos)
        self.note_label.setText(
            self.tr("处理：%1").replace("%1", flag.note) if flag is not None and flag.note else ""
        )
        open_flag = flag is not None and flag.state != evidence_check.RECTIFICATION
        self.open_button.setEnabled(flag is not None)
        self.page.enable(self.explain_button, open_flag and self.may_decide)
        self.page.enable(self.raise_button, open_flag and self.may_decide)

    # ------------------------------------------------------------ actions

    def open_selected_entry(self) -> None:
        """Open the chosen entry of the selected flag in the entry form."""
        item = self.entries.currentItem()
        if item is not None:
            self.page.open_entry(int(item.data(Qt.ItemDataRole.UserRole)))

    def explain(self) -> None:
        """标记已说明…: the note, then the list again."""
        flag = self.selected_flag()
        if flag is None:
            return
        saved: list[bool] = []

        def save(values: dict) -> None:
            self.page.save_from_dialog(self.tr("标记已说明"), lambda s: evidence_check.explain(
                s, flag.key, flag.kind, values["note"]))  # fmt: skip
            saved.append(True)

        ExplainDialog(save, flag, self).exec()
        if saved:
            self.load()

    def raise_rectification(self) -> None:
        """提出整改…: the item's problem, unit and deadline, then the list again."""
        flag = self.selected_flag()
        if flag is None:
            return
        saved: list[bool] = []

        def save(values: dict) -> None:
            data = RectificationInput(**values)
            self.page.save_from_dialog(self.tr("提出整改"), lambda s: evidence_check.
                                       raise_rectification(s, flag.key, flag.kind, data))  # fmt: skip
            saved.append(True)

        from app.services import reference
        from app.services.dates import DatePurpose

        with self.database.session() as session:
            units = [(u.name, u.id) for u in reference.list_units(session)
                     if u.kind != UnitKind.CITY_OFFICE]  # fmt: skip
        context = self.page.context
        RaiseDialog(save, flag, units, context.date_range(DatePurpose.WORK),
                    context.date_range(DatePurpose.DEADLINE), date.today(), self).exec()  # fmt: skip
        if saved:
            self.load()

    def export(self) -> None:
        """导出 Excel…: the list as shown."""
        path = ask_save_path(self, self.tr("导出核查清单"), f"台账核查-{date.today():%Y%m%d}.xlsx",
                             self.tr("Excel 工作簿 (*.xlsx)"), ".xlsx")  # fmt: skip
        if path is None:
            return
        flags, days = list(self.flags), self.days.value()

        def work(_session: Any) -> int:
            from app.reports.evidence_xlsx import write_evidence_xlsx

            return write_evidence_xlsx(flags, path, days)

        if self.page.attempt(work, self.tr("导出核查清单")):
            self.count_label.setText(self.tr("已导出到：%1").replace("%1", str(path)))
