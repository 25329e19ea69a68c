"""首页: the programme at a glance (the full dashboard comes with progress tracking)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from app.services.context import PhaseRow
from app.services.programme import GoalRow, list_goals, programme_counts
from app.ui.pages.base import Page, section_label
from app.ui.table_model import Column, RowTableModel
from app.ui.table_view import RowTableView


def _date(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


class HomePage(Page):
    """Programme title, this PC's unit, the phases and the goals."""

    title = "首页"

    def __init__(
        self, database, context, parent: QWidget | None = None, today: date | None = None
    ) -> None:
        super().__init__(database, context, parent)
        self.today = today or date.today()
        self.summary = QLabel()
        self.summary.setObjectName("homeSummary")
        self.summary.setWordWrap(True)
        self.counts = QGridLayout()
        self.phases_model: RowTableModel[PhaseRow] = RowTableModel(
            [
                Column(self.tr("阶段"), lambda r: r.name),
                Column(
                    self.tr("开始"), lambda r: _date(r.start_date), sort_key=lambda r: r.start_date
                ),
                Column(self.tr("结束"), lambda r: _date(r.end_date), sort_key=lambda r: r.end_date),
                Column(
                    self.tr("截止事项"),
                    lambda r: f"{_date(r.deadline)}前 {r.deadline_task}" if r.deadline else "",
                ),
            ],
            self,
        )
        self.phases_view = RowTableView(self.phases_model, self, stretch=3)
        self.goals_model: RowTableModel[GoalRow] = RowTableModel(
            [
                Column(self.tr("工作目标"), lambda r: r.title),
                Column(self.tr("目标值"), lambda r: r.target_text, align_right=True),
            ],
            self,
        )
        self.goals_view = RowTableView(self.goals_model, self, stretch=0)
        self.layout_.addWidget(self.summary)
        self.layout_.addLayout(self.counts)
        self.layout_.addWidget(section_label(self.tr("实施步骤")))
        self.layout_.addWidget(self.phases_view, 1)
        self.layout_.addWidget(section_label(self.tr("工作目标")))
        self.layout_.addWidget(self.goals_view, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reload the overview."""
        ctx = self.context
        lines = [
            self.tr("本机单位：%1").replace("%1", ctx.local_unit_name or self.tr("（未设定）"))
        ]
        if ctx.programme_id is None:
            lines.append(self.tr("尚未建立实施方案。可由县矫正办发来的参考数据包导入。"))
            self.summary.setText("\n".join(lines))
            return
        lines.insert(
            0, f"{ctx.programme_issuer}《{ctx.programme_title}》（{ctx.programme_year}年度）"
        )
        phase = ctx.current_phase(self.today)
        if phase is not None:
            lines.append(
                self.tr("当前阶段：%1（%2至%3）")
                .replace("%1", phase.name)
                .replace("%2", _date(phase.start_date))
                .replace("%3", _date(phase.end_date))
            )
        self.summary.setText("\n".join(lines))
        with self.database.session() as session:
            goals = list_goals(session, ctx.programme_id)
            counts = programme_counts(session, ctx.programme_id)
        self.phases_model.set_rows(ctx.phases)
        self.goals_model.set_rows(goals)
        while self.counts.count():
            item = self.counts.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        figures = [
            (self.tr("局科室"), counts.departments),
            (self.tr("司法所"), counts.offices),
            (self.tr("挂钩结对"), counts.pairings),
            (self.tr("职责"), counts.duties),
            (self.tr("量化指标"), counts.indicators),
        ]
        for column, (label, value) in enumerate(figures):
            number = QLabel(str(value))
            number.setObjectName("figureValue")
            caption = QLabel(label)
            caption.setObjectName("figureCaption")
            self.counts.addWidget(number, 0, column)
            self.counts.addWidget(caption, 1, column)
