"""设置: where the data lives, which unit this PC is, how many days ahead to remind, and (at the
county office) 开始新年度."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from app.models import SCHEMA_HEAD, UnitKind
from app.paths import program_version
from app.services.reference import UNIT_KIND_LABELS
from app.ui.pages.base import Page


class SettingsPage(Page):
    """Shows the database location, schema version and this PC's unit; sets N, the days before
    a deadline from which an item is shown as due soon (amber)."""

    title = "设置"
    follows_viewed_year = False  # settings of the PC, whatever year is shown

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        form = QFormLayout()
        location = str(database.file) if database.file else database.url
        self.location_label = QLabel(location)
        self.location_label.setWordWrap(True)
        kind = UNIT_KIND_LABELS.get(context.local_unit_kind) if context.local_unit_kind else ""
        form.addRow(self.tr("数据库位置："), self.location_label)
        version = QLabel(program_version())
        version.setToolTip(
            self.tr("数据库格式 %1（技术支持人员排查问题时用）").replace("%1", SCHEMA_HEAD)
        )
        form.addRow(self.tr("软件版本："), version)
        unit = context.local_unit_name or ""
        shown = (
            unit if not kind or kind in unit else f"{unit}（{kind}）"
        )  # not 县矫正办（县矫正办）
        form.addRow(self.tr("本机所属单位："), QLabel(shown))
        from app.services.reminders import MAX_DUE_SOON_DAYS, due_soon_days

        with database.session() as session:
            days = due_soon_days(session)
        self.due_soon = QSpinBox()
        self.due_soon.setRange(0, MAX_DUE_SOON_DAYS)
        self.due_soon.setSuffix(self.tr(" 天"))
        self.due_soon.setValue(days)
        self.due_soon.setToolTip(
            self.tr("截止日期前这么多天起，事项在首页和“今日待办”中以橙色提示；逾期以红色提示。")
        )
        self.due_soon.valueChanged.connect(lambda value: self.save_due_soon_days(value))
        self.due_soon.setMaximumWidth(self.due_soon.fontMetrics().horizontalAdvance("0000 天") * 2)
        form.addRow(self.tr("到期前提醒："), self.due_soon)
        if database.backup_path:
            form.addRow(self.tr("升级前备份："), QLabel(str(database.backup_path)))
        self.layout_.addLayout(form)
        self.new_year_button: QPushButton | None = None
        self.edit_year_button: QPushButton | None = None
        if context.local_unit_kind == UnitKind.COUNTY_OFFICE:
            self.new_year_button = QPushButton(self.tr("开始新年度…"))
            self.new_year_button.setToolTip(
                self.tr("从某年度复制职责、指标、阶段等，建立新年度的实施方案。")
            )
            self.new_year_button.clicked.connect(lambda: self.start_new_year())
            self.edit_year_button = QPushButton(self.tr("编辑年度…"))
            self.edit_year_button.setToolTip(
                self.tr("修改所查看年度的标题、文号、实施期和考核期，随数据包发给各单位。")
            )
            self.edit_year_button.clicked.connect(lambda: self.edit_year())
            row = QHBoxLayout()
            row.addWidget(self.new_year_button)
            row.addWidget(self.edit_year_button)
            row.addStretch(1)
            self.layout_.addLayout(row)
        self.layout_.addStretch(1)

    def save_due_soon_days(self, days: int) -> None:
        """Store N (see app.services.reminders)."""
        from app.services.reminders import set_due_soon_days

        self.attempt(lambda session: set_due_soon_days(session, days), self.tr("提醒天数未保存"))

    def start_new_year(self) -> None:
        """开始新年度: the dialog; on 保存 the new programme is made the current one."""
        from app.services.programme import list_programmes, new_programme
        from app.ui import messages
        from app.ui.dialogs.programme_dialog import NewYearDialog

        programmes = self.run(list_programmes, self.tr("开始新年度"))
        if programmes is None:
            return
        made: list[tuple[int, str]] = []

        def save(values: dict) -> None:
            def work(session) -> tuple[int, str]:
                programme = new_programme(session, **values)
                first, last = programme.period
                return programme.year, f"{first.isoformat()} 至 {last.isoformat()}"

            made.append(self.save_from_dialog(self.tr("开始新年度"), work))

        dialog = NewYearDialog(save, programmes, self)
        if dialog.exec() and made:
            year, period = made[-1]
            messages.inform(
                self,
                self.tr("开始新年度"),
                self.tr("已建立 %1 年度的实施方案（%2），并设为当前方案。"
                        "各页面现按新年度显示；原年度的数据不变。")
                .replace("%1", str(year)).replace("%2", period),
            )  # fmt: skip
            window = self.window()
            if hasattr(window, "reload"):  # after this slot returns: it rebuilds this page too
                QTimer.singleShot(0, lambda: window.reload("settings"))

    def edit_year(self) -> None:
        """编辑年度: the programme shown (the banner's year) in its dialog; on 保存 every page is
        rebuilt with the new period."""
        from app.services.programme import ProgrammeEdit, edit_programme, get_programme
        from app.ui import messages
        from app.ui.dialogs.programme_dialog import EditYearDialog

        programme_id = self.context.programme_id
        if programme_id is None:
            return
        detail = self.run(lambda s: get_programme(s, programme_id), self.tr("编辑年度"))
        if detail is None:
            return
        saved: list[bool] = []

        def save(values: dict) -> None:
            edit = ProgrammeEdit(**values)
            self.save_from_dialog(
                self.tr("编辑年度"), lambda s: edit_programme(s, programme_id, edit)
            )
            saved.append(True)

        dialog = EditYearDialog(save, detail, self)
        if dialog.exec() and saved:
            messages.inform(
                self,
                self.tr("编辑年度"),
                self.tr("已保存 %1 年度的实施方案。下次导出数据包时发给各单位。")
                .replace("%1", str(detail.year)),
            )  # fmt: skip
            window = self.window()
            if hasattr(window, "reload"):  # after this slot returns: it rebuilds this page too
                viewed = getattr(window, "viewed_programme_id", None)
                QTimer.singleShot(0, lambda: window.reload("settings", programme_id=viewed))
