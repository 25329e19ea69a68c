"""考核与通报: each department's score and rank as of a date, by category (each with its 分值
and 已达上限), explained line by line; the county's 加减分 (with a reason, undone by a
counter-entry, never edited), its 评分 of judgement items (a new score supersedes), the 评分表
PDF and its bulletin."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services import assessment
from app.services.assessment import AdjustmentRow, DepartmentScore, ExplanationRow
from app.services.dates import DateRange
from app.services.errors import write_file
from app.services.goals import departments
from app.services.period import programme_period
from app.ui.desktop import open_with_system
from app.ui.dialogs.assessment_dialogs import (
    AdjustmentDialog,
    JudgementDialog,
    ScoreSheetUnitDialog,
)
from app.ui.dialogs.bulletin_dialog import make_bulletin
from app.ui.files import ask_save_path
from app.ui.messages import confirm
from app.ui.pages.base import Page, section_label
from app.ui.pages.peer_ratings import PeerRatingBox
from app.ui.table_model import Column, RowTableModel, format_percent
from app.ui.table_view import RowTableView
from app.ui.widgets.dates import DateField

GREEN = "#1e7d32"
RED = "#c0392b"
GREY = "#777777"
AMBER = "#b26a00"
HEADING_BACKGROUND = "#eef1f6"


def _points(value: float) -> str:
    return f"{value:+g}" if value else "0"


def _colour(value: float) -> str | None:
    return GREEN if value > 0 else (RED if value < 0 else None)


def explanation_model(owner: QWidget) -> RowTableModel[ExplanationRow]:
    """A department's score explained (``assessment.explanation`` rows): 项目, 说明, 分值 —
    the same columns on the county's page and in a published bulletin's view."""
    return RowTableModel[ExplanationRow]([
        Column(owner.tr("项目"), lambda r: r.shown_label),
        Column(owner.tr("说明"), lambda r: r.detail, tooltip=lambda r: r.detail,
               foreground=lambda r: AMBER if r.heading and r.capped else None),
        Column(owner.tr("分值"), lambda r: _points(r.points), lambda r: r.points,
               align_right=True, foreground=lambda r: _colour(r.points)),
    ], row_background=lambda r: HEADING_BACKGROUND if r.heading else None)  # fmt: skip


class AssessmentPage(Page):
    """The ranking as of a date and the selected department's lines; on the county's PC also
    加减分…, 撤销…, 评分…, 预览通报… and 发布通报…."""

    title = "考核与通报"

    def __init__(
        self, database, context, parent: QWidget | None = None, today: date | None = None
    ) -> None:
        super().__init__(database, context, parent)
        self.today = today or date.today()
        self.scores: list[DepartmentScore] = []
        programme_id = context.programme_id
        with database.session() as session:
            self.editable = assessment.can_adjust(session)
            period = programme_period(session, programme_id) if programme_id else None
            self.units = [(u.name, u.id) for u in departments(session)]
            scheme = assessment.scheme_for(session, programme_id) if programme_id else None
        self.categories = [(c.name, c.short_limit) for c in scheme.categories] if scheme else []
        self.judgement_items = [
            (f"{c.name}：{i.label}（满分 {i.points:g}）", i.key, i.points)
            for c, i in (scheme.judgement_items() if scheme else [])
        ]
        if not self.editable:  # a department's or office's PC: the county's published bulletins
            from app.ui.pages.bulletin_register import PublishedBulletins

            self.peer = PeerRatingBox(self, self.today)  # an office's PC rates its departments
            rate_row = QHBoxLayout()
            rate_row.addWidget(self.peer.rate_button)
            rate_row.addStretch(1)
            if self.peer.office_id is not None:
                self.layout_.addLayout(rate_row)
            self.layout_.addWidget(self.peer)
            self.published = PublishedBulletins(self)
            self.layout_.addWidget(self.published, 1)
            self._keep_read_only(self.peer.rate_button)
            self.peer.refresh()
            return
        self.period_range = (
            DateRange(earliest=period.start, latest=period.end) if period else
            context.date_range()
        )  # fmt: skip
        as_of = period.as_of(self.today) if period else self.today

        self.as_of = DateField(self.period_range, as_of, label=self.tr("考核截至日期"))
        self.as_of.valueChanged.connect(self._as_of_changed)
        self.adjust_button = QPushButton(self.tr("加减分…"))
        self.adjust_button.setToolTip(self.tr("给所选科室加分或扣分，须写明理由"))
        self.adjust_button.clicked.connect(lambda: self.add_adjustment())
        self.undo_button = QPushButton(self.tr("撤销…"))
        self.undo_button.setToolTip(self.tr("撤销所选的加减分：另记一条分值相反的记录，原记录保留"))
        self.undo_button.clicked.connect(lambda: self.undo_adjustment())
        self.bulletin_button = QPushButton(self.tr("预览通报…"))
        self.bulletin_button.setToolTip(
            self.tr("未发布的通报稿，不编入通报记录；正式印发请用“发布通报…”")
        )
        self.bulletin_button.clicked.connect(lambda: make_bulletin(self, self.as_of_date()))
        self.judge_button = QPushButton(self.tr("评分…"))
        self.judge_button.setToolTip(
            self.tr(
                "给所选科室的评分项目（县矫正办督查评定）打分，须写明理由；再次评分取代之前的评分"
            )
        )
        self.judge_button.clicked.connect(lambda: self.add_judgement())
        self.sheet_button = QPushButton(self.tr("打印评分表…"))
        self.sheet_button.setToolTip(self.tr("所选科室（或全部科室）的考核评分表 PDF"))
        self.sheet_button.clicked.connect(lambda: self.make_score_sheet())
        for button in (self.adjust_button, self.undo_button, self.judge_button,
                       self.sheet_button, self.bulletin_button):  # fmt: skip
            button.setVisible(self.editable)
        self.judge_button.setVisible(self.editable and bool(self.judgement_items))
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("考核截至：")))
        top.addWidget(self.as_of)
        self.period_note = QLabel(
            self.tr("本年度：%1").replace("%1", period.periods_label) if period else ""
        )
        self.period_note.setObjectName("hint")
        top.addWidget(self.period_note)
        top.addStretch(1)
        top.addWidget(self.adjust_button)
        top.addWidget(self.undo_button)
        top.addWidget(self.judge_button)
        top.addWidget(self.sheet_button)
        top.addWidget(self.bulletin_button)
        self.peer = PeerRatingBox(self, self.today)  # 结对部门评价 (office PC: rate; county: read)
        top.addWidget(self.peer.rate_button)
        self.layout_.addLayout(top)

        self.rank_model = RowTableModel[DepartmentScore]([
            Column(self.tr("名次"), lambda s: s.rank, lambda s: s.rank, align_right=True),
            Column(self.tr("科室"), lambda s: s.name),
            Column(self.tr("指标\n完成率"), lambda s: format_percent(s.completion),
                   lambda s: s.completion, align_right=True),
            Column(self.tr("得分"), lambda s: f"{s.total:.2f}", lambda s: s.total,
                   align_right=True),
            *(self._category_column(name, limit) for name, limit in self.categories),
            Column(self.tr("加减分"), lambda s: _points(s.adjustment_points),
                   lambda s: s.adjustment_points, align_right=True,
                   foreground=lambda s: _colour(s.adjustment_points)),
        ])  # fmt: skip
        self.rank_view = RowTableView(self.rank_model, stretch=1)
        self.rank_view.selection_changed.connect(self._show_lines)
        self.lines_title = section_label(self.tr("得分说明"))
        self.lines_model = explanation_model(self)
        self.lines_view = RowTableView(self.lines_model, stretch=1)
        self.lines_view.setSortingEnabled(False)

        # the ranking across the page (a column per category); below it the selected
        # department's lines beside the 加减分 records
        self.layout_.addWidget(section_label(
            self.tr("各科室得分排名（括号内为该类分值；各类得分与加减分之和为得分）")
        ))  # fmt: skip
        self.layout_.addWidget(self.rank_view, 2)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.lines_title)
        left_layout.addWidget(self.lines_view)
        left_layout.addWidget(self.peer.received)
        self.adjustment_model = RowTableModel[AdjustmentRow]([
            Column(self.tr("日期"), lambda a: a.adjusted_on.isoformat(), lambda a: a.adjusted_on),
            Column(self.tr("科室"), lambda a: a.unit),
            Column(self.tr("分值"), lambda a: _points(a.points), lambda a: a.points,
                   align_right=True, foreground=lambda a: _colour(a.points)),
            Column(self.tr("理由"), lambda a: a.reason, tooltip=lambda a: a.reason),
            Column(self.tr("登记单位"), lambda a: a.made_by),
            Column(self.tr("状态"), lambda a: self.tr("撤销记录") if a.is_undo
                   else (self.tr("已撤销") if a.undone else ""),
                   foreground=lambda a: GREY if a.is_undo or a.undone else None),
        ])  # fmt: skip
        self.adjustment_view = RowTableView(self.adjustment_model, stretch=3)
        self.adjustment_view.selection_changed.connect(self._update_buttons)
        adjustments = QWidget()
        adjustments_layout = QVBoxLayout(adjustments)
        adjustments_layout.setContentsMargins(0, 0, 0, 0)
        adjustments_layout.addWidget(section_label(
            self.tr("加减分记录（登记后不修改；撤销即另记一条分值相反的记录）")
        ))  # fmt: skip
        adjustments_layout.addWidget(self.adjustment_view)
        from app.ui.pages.bulletin_register import IssuedBulletinsPanel

        self.register = IssuedBulletinsPanel(self, self.as_of_date, self.period_range)
        self.records = QSplitter(Qt.Orientation.Vertical)
        self.records.addWidget(adjustments)
        self.records.addWidget(self.register)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.records)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.layout_.addWidget(splitter, 3)
        self._keep_read_only(self.adjust_button, self.undo_button, self.judge_button,
                             self.register.publish_button)  # fmt: skip
        self.refresh()

    def _keep_read_only(self, *buttons: QPushButton) -> None:
        """While an earlier year is viewed: the buttons that change it disabled, their tooltip
        saying why (printing stays)."""
        if not self.context.read_only:
            return
        tip = self.tr("%1：只能查看和打印，不能修改；修改请在窗口顶部切换回当前年度。").replace(
            "%1", self.context.read_only_note
        )
        for button in buttons:
            button.setEnabled(False)
            button.setToolTip(tip)

    def _category_column(self, name: str, limit: str) -> Column[DepartmentScore]:
        """A category's points in the ranking, its 分值 in the header (``limit``: 100,
        最多扣4, 最多加14), 已达上限 when hit."""

        def points(score: DepartmentScore) -> float:
            result = score.category(name)
            return result.points if result else 0.0

        def shown(score: DepartmentScore) -> str:
            result = score.category(name)
            if result is None:
                return ""
            return f"{result.points:g}" + (self.tr("（已达上限）") if result.capped else "")

        header = name + (f"\n（{limit}）" if limit else "")  # two lines: the ranking fits 1366
        return Column(header, shown, points, align_right=True,
                      foreground=lambda s: AMBER if (c := s.category(name)) and c.capped else None)  # fmt: skip

    def _as_of_changed(self, value: date | None) -> None:
        if value is not None:
            self.refresh()

    def as_of_date(self) -> date:
        """The date the ranking is taken at (the field's, else the period's nearest day)."""
        return self.as_of.value() or self.period_range.clamp(self.today)

    def refresh(self) -> None:
        """Recompute the ranking and reload the adjustments, keeping the selection."""
        if not self.editable:
            self.published.refresh()
            self.peer.refresh()
            return
        programme_id = self.context.programme_id
        if programme_id is None:
            return
        chosen = self.rank_view.selected_row()
        with self.database.session() as session:
            self.scores = assessment.department_scores(session, programme_id, self.as_of_date())
            adjustments = assessment.adjustment_rows(session, programme_id)
        self.rank_model.set_rows(self.scores)
        self._fit_ranking()
        if chosen is None or not self.rank_view.select_where(lambda s: s.unit_id == chosen.unit_id):
            self.rank_view.selectRow(0)  # the first in the ranking explained, not an empty table
        self.adjustment_model.set_rows(adjustments)
        self.register.refresh()
        self.peer.refresh()
        self._show_lines()
        self._update_buttons()

    def _fit_ranking(self) -> None:
        """Room for every department's row (up to ten), so none is cut at 1366×768."""
        view = self.rank_view
        rows = min(max(len(self.scores), 1), 10)
        height = (view.horizontalHeader().height() + rows * view.verticalHeader().defaultSectionSize()
                  + 2 * view.frameWidth() + 2)  # fmt: skip
        view.setMinimumHeight(height)

    def score_of(self, unit_id: int) -> DepartmentScore | None:
        """The department's score as shown."""
        return next((s for s in self.scores if s.unit_id == unit_id), None)

    def _show_lines(self) -> None:
        score = self.rank_view.selected_row()
        self.peer.show_department(score.unit_id if score else None, score.name if score else "")
        if score is None:
            self.lines_title.setText(self.tr("得分说明（在上方的排名中选择科室）"))
            self.lines_model.set_rows([])
            return
        self.lines_title.setText(
            self.tr("%1 得分说明：第 %2 名，%3 分").replace("%1", score.name)
            .replace("%2", str(score.rank)).replace("%3", f"{score.total:.2f}")
        )  # fmt: skip
        self.lines_model.set_rows(assessment.explanation(score))

    def _update_buttons(self) -> None:
        row = self.adjustment_view.selected_row()
        self.undo_button.setEnabled(
            row is not None and not row.is_undo and not row.undone and not self.context.read_only
        )

    def add_adjustment(self) -> bool:
        """加减分 for a department (the selected one by default); True when saved."""
        programme_id = self.context.programme_id
        if programme_id is None or not self.editable:
            return False
        chosen = self.rank_view.selected_row()
        saved: list[object] = []

        def save(values: dict) -> None:
            saved.append(self.save_from_dialog(self.tr("加减分"),
                lambda s: assessment.record_adjustment(s, programme_id=programme_id,
                                                       unit_id=values["unit_id"],
                                                       points=values["points"],
                                                       reason=values["reason"], on=values["on"])))  # fmt: skip

        AdjustmentDialog(save, self.units, self.period_range, self.as_of_date(),
                         chosen.unit_id if chosen else None, self).exec()  # fmt: skip
        self.refresh()
        return bool(saved)

    def undo_adjustment(self) -> bool:
        """Undo the selected 加减分 by a counter-entry dated the day it is made (today, moved
        into the programme's period; never before the entry it undoes), whatever date the
        ranking is shown at: an undo is not back-dated into rankings already published. True
        when done."""
        row = self.adjustment_view.selected_row()
        if row is None or row.is_undo or row.undone or not self.editable:
            return False
        on = max(self.period_range.clamp(self.today), row.adjusted_on)
        question = (
            self.tr("撤销 %1 的加减分“%2”（%3 分）？\n将另记一条 %4 分的撤销记录（%5），原记录保留。")
            .replace("%1", row.unit).replace("%2", row.reason).replace("%3", _points(row.points))
            .replace("%4", _points(-row.points)).replace("%5", on.isoformat())
        )  # fmt: skip
        if not confirm(self, self.tr("撤销加减分"), question):
            return False
        done = self.attempt(lambda s: assessment.undo_adjustment(s, row.id, on),
                            self.tr("撤销加减分"))  # fmt: skip
        self.refresh()
        return done

    def add_judgement(self) -> bool:
        """评分 of a department (the selected one by default) on a judgement item; True when
        saved. A score given before stays recorded; the new one supersedes it."""
        programme_id = self.context.programme_id
        if programme_id is None or not self.editable or not self.judgement_items:
            return False
        chosen = self.rank_view.selected_row()
        saved: list[object] = []

        def save(values: dict) -> None:
            saved.append(self.save_from_dialog(self.tr("评分"),
                lambda s: assessment.record_judgement(s, programme_id=programme_id,
                                                      unit_id=values["unit_id"],
                                                      item_key=values["item_key"],
                                                      score=values["score"],
                                                      reason=values["reason"], on=values["on"])))  # fmt: skip

        JudgementDialog(save, self.units, self.judgement_items, self.period_range,
                        self.as_of_date(), chosen.unit_id if chosen else None, self).exec()  # fmt: skip
        self.refresh()
        return bool(saved)

    def make_score_sheet(self) -> object | None:
        """Ask the department (or all), then where to save the 评分表 PDF as of the page's
        date; made in the background and opened. None when cancelled."""
        programme_id = self.context.programme_id
        if programme_id is None:
            return None
        chosen = self.rank_view.selected_row()
        dialog = ScoreSheetUnitDialog([name for name, _id in self.units],
                                      chosen.name if chosen else None, self)  # fmt: skip
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        unit, day = dialog.choice(), self.as_of_date()
        name = f"评分表-{unit or '全部科室'}-{day:%Y%m%d}.pdf"
        path = ask_save_path(self, self.tr("保存评分表"), name, "PDF (*.pdf)", ".pdf")
        if path is None:
            return None

        def work(session, report) -> Path:
            from app.reports.scoresheet_pdf import render_scoresheet_pdf

            report(1)
            sheets = assessment.score_sheets(session, programme_id, day, unit)
            write_file(path, render_scoresheet_pdf(sheets))
            report(2)
            return path

        return self.run_in_background(
            self.tr("打印评分表"), self.tr("正在生成 %1……").replace("%1", path.name), work,
            total=2, success=lambda saved: open_with_system(self, saved),
        )  # fmt: skip
