"""Published bulletins on the 考核与通报 page: the county's 通报记录 (发布通报…, 重新打印…) and,
on a department's or office's PC, the bulletins the county published, read-only, with the
chosen one's ranking and the lines of each department (its own row marked)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services import issued_bulletins
from app.services.assessment import DepartmentScore, explanation
from app.services.bulletin import Bulletin
from app.services.dates import DateRange
from app.services.errors import write_file
from app.services.issued_bulletins import IssuedRow
from app.ui.desktop import open_with_system
from app.ui.dialogs.form_dialog import FormDialog
from app.ui.files import PDF_OR_WORD, ask_save_path_as
from app.ui.pages.assessment import explanation_model
from app.ui.pages.base import section_label
from app.ui.table_model import Column, RowTableModel, format_percent
from app.ui.table_view import RowTableView
from app.ui.widgets.dates import DateField

if TYPE_CHECKING:
    from app.ui.pages.base import Page

OWN_ROW = "#fff4c2"  # the PC's own department in a published ranking
GREEN, RED = "#1e7d32", "#c0392b"
FORMATS = (*PDF_OR_WORD, ("Excel 表格 (*.xlsx)", ".xlsx"))


def tr(text: str) -> str:
    """``text`` translated in this module's context."""
    return QCoreApplication.translate("bulletin_register", text)


def render(bulletin: Bulletin, suffix: str) -> bytes:
    """The bulletin as a .pdf, .docx or .xlsx file's bytes."""
    if suffix == ".docx":
        from app.reports.docx.bulletin import render_bulletin_docx

        return render_bulletin_docx(bulletin)
    if suffix == ".xlsx":
        from app.reports.bulletin_xlsx import render_bulletin_xlsx

        return render_bulletin_xlsx(bulletin)
    from app.reports.bulletin_pdf import render_bulletin_pdf

    return render_bulletin_pdf(bulletin)


def save_issued(page: Page, row: IssuedRow) -> object | None:
    """Save a published bulletin as PDF, Word or Excel from its frozen copy (the figures as
    published), in the background, then open it. None when the clerk cancels."""
    name = f"进度通报-第{row.number}期-{row.as_of:%Y%m%d}.pdf"
    path = ask_save_path_as(page, tr("保存进度通报"), name, FORMATS)
    if path is None:
        return None

    def work(session, report) -> Path:
        report(1)
        data = render(issued_bulletins.bulletin_of(session, row.id), path.suffix.lower())
        report(2)
        write_file(path, data)
        return path

    return page.run_in_background(
        tr("进度通报"), tr("正在生成 %1……").replace("%1", path.name), work,
        total=2, success=lambda saved: open_with_system(page, saved),
    )  # fmt: skip


def _issued_columns() -> list[Column[IssuedRow]]:
    return [
        Column(tr("期号"), lambda r: r.label, lambda r: r.number, align_right=True),
        Column(tr("截至日期"), lambda r: r.as_of.isoformat(), lambda r: r.as_of),
        Column(tr("发布日期"), lambda r: r.issued_on.isoformat(), lambda r: r.issued_on),
    ]


# ---------------------------------------------------------------- the county
class PublishDialog(FormDialog[dict]):
    """发布通报: the date it counts to and its 期号 (proposed: the next in sequence)."""

    def __init__(self, save: Callable[[dict], None], dates: DateRange, as_of: date, number: int,
                 previous: str, parent: QWidget | None = None,
                 propose: Callable[[date], int] | None = None) -> None:  # fmt: skip
        super().__init__(self.tr("发布进度通报"), save, parent)
        self.as_of = DateField(dates, dates.clamp(as_of), label=self.tr("通报截至日期"))
        self.number = QSpinBox()
        self.number.setRange(1, 999)
        self.number.setValue(number)
        if propose is not None:  # the first issue: numbered by its month, as the template says
            self.as_of.valueChanged.connect(
                lambda day: self.number.setValue(propose(day)) if day is not None else None
            )
        self.number.setPrefix(self.tr("第 "))
        self.number.setSuffix(self.tr(" 期"))
        self.add_field("as_of", self.tr("通报截至"), self.as_of,
                       self.tr("在本年度期间内，且不早于上一期的截至日期。"))  # fmt: skip
        self.add_field("number", self.tr("期号"), self.number,
                       previous + self.tr("期号接着上一期编排，不能重号或跳号。"))  # fmt: skip
        note = QLabel(self.tr("发布后通报的内容和数字都不再改动（可随时重新打印），并随县矫正办"
                              "的数据包发给各科室和司法所。"))  # fmt: skip
        note.setWordWrap(True)
        note.setObjectName("hint")
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.count() - 1, note)  # above 发布/取消
        self.ok_button.setText(self.tr("发布"))

    def values(self) -> dict:
        return {"as_of": self.as_of.value(), "number": self.number.value()}


class IssuedBulletinsPanel(QWidget):
    """通报记录 on the county's PC: the bulletins published (期号, 截至, 发布日期), 发布通报…
    and 重新打印… (PDF, Word or Excel from the frozen copy)."""

    def __init__(self, page: Page, as_of: Callable[[], date], dates: DateRange) -> None:
        super().__init__(page)
        self.page, self.as_of, self.dates = page, as_of, dates
        self.model = RowTableModel[IssuedRow](_issued_columns())
        self.view = RowTableView(self.model)
        self.view.selection_changed.connect(self._update_buttons)
        self.view.row_activated.connect(lambda row: save_issued(self.page, row))
        self.publish_button = QPushButton(self.tr("发布通报…"))
        self.publish_button.setToolTip(
            self.tr("冻结截至某日的通报并登记期号，随数据包发给各科室和司法所")
        )
        self.publish_button.clicked.connect(lambda: self.publish())
        self.reprint_button = QPushButton(self.tr("重新打印…"))
        self.reprint_button.setToolTip(self.tr("按发布时的内容另存所选通报：PDF、Word 或 Excel"))
        self.reprint_button.clicked.connect(lambda: self.reprint())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(section_label(self.tr("通报记录（发布后不再改动）")))
        top.addStretch(1)
        top.addWidget(self.publish_button)
        top.addWidget(self.reprint_button)
        layout.addLayout(top)
        layout.addWidget(self.view)
        self.refresh()

    def refresh(self) -> None:
        """Reload the published bulletins, keeping the selection."""
        programme_id = self.page.context.programme_id
        if programme_id is None:
            return
        chosen = self.view.selected_row()
        with self.page.database.session() as session:
            rows = issued_bulletins.issued_rows(session, programme_id)
        self.model.set_rows(rows)
        if chosen is not None:
            self.view.select_where(lambda r: r.id == chosen.id)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.reprint_button.setEnabled(self.view.selected_row() is not None)

    def publish(self) -> bool:
        """发布通报…: the date and the proposed 期号, then freeze and record it; True when
        published."""
        programme_id = self.page.context.programme_id
        if programme_id is None:
            return False
        as_of = self.dates.clamp(self.as_of())
        with self.page.database.session() as session:
            number = issued_bulletins.next_number(session, programme_id, as_of)
            rows = issued_bulletins.issued_rows(session, programme_id)
        previous = (
            self.tr("上一期是%1（截至%2）。").replace("%1", rows[0].label)
            .replace("%2", rows[0].as_of.isoformat()) if rows else
            self.tr("这是本年度的第一期，期号按模板从首期月份起每月一期建议。")
        )  # fmt: skip
        published: list[object] = []

        def save(values: dict) -> None:
            published.append(self.page.save_from_dialog(
                self.tr("发布进度通报"),
                lambda s: issued_bulletins.publish(s, programme_id, values["as_of"],
                                                   values["number"]).id))  # fmt: skip

        def propose(day: date) -> int:
            with self.page.database.session() as session:
                return issued_bulletins.next_number(session, programme_id, day)

        PublishDialog(save, self.dates, as_of, number, previous, self,
                      None if rows else propose).exec()  # fmt: skip
        self.refresh()
        if published:
            self.view.select_where(lambda r: r.id == published[0])
        return bool(published)

    def reprint(self) -> object | None:
        """重新打印… the selected bulletin from its frozen copy."""
        row = self.view.selected_row()
        return save_issued(self.page, row) if row is not None else None


# ---------------------------------------------------------------- a department's or office's PC
class PublishedBulletins(QWidget):
    """The bulletins the county published, read-only: choose one to see its ranking (互比互超)
    and each department's lines; this PC's own department is marked and chosen first."""

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.page = page
        self.bulletin: Bulletin | None = None
        self.bulletin_id: int | None = None
        self.cache: dict[int, Bulletin] = {}  # published bulletins never change
        self.previous_ranks: dict[int, int] = {}  # unit id → rank in the issue before
        with page.database.session() as session:
            from app.models import UnitKind
            from app.services.settings import local_unit

            me = local_unit(session)
            self.own_unit_id = me.id if me is not None else None
            ranked = me is not None and me.kind == UnitKind.DEPARTMENT  # a row of its own
        text = self.tr(
            "考核得分和排名以县矫正办发布的进度通报为准：以下是已发布的各期通报（只读），"
            "导入县矫正办的数据包后更新。"
        )
        if ranked:
            text += self.tr("本单位所在的行以黄色标出。")
        self.note = QLabel(text)
        note = self.note
        note.setObjectName("hint")
        note.setWordWrap(True)
        self.empty_note = QLabel(self.tr(
            "县矫正办尚未发布进度通报；发布后随县矫正办的数据包送达，在这里查看。"
        ))  # fmt: skip
        self.empty_note.setObjectName("hint")
        self.empty_note.setWordWrap(True)
        self.issued_model = RowTableModel[IssuedRow](_issued_columns())
        self.issued_view = RowTableView(self.issued_model)
        self.issued_view.selection_changed.connect(self._show_bulletin)
        self.save_button = QPushButton(self.tr("另存为…"))
        self.save_button.setToolTip(
            self.tr("把所选的一期通报存为 PDF、Word 或 Excel（与发布时相同）")
        )
        self.save_button.clicked.connect(lambda: self.save())
        self.rank_title = section_label(self.tr("各科室得分排名"))
        self.rank_model = RowTableModel[DepartmentScore]([
            Column(self.tr("名次"), lambda s: s.rank, lambda s: s.rank, align_right=True),
            Column(self.tr("科室"), lambda s: s.name + (self.tr("（本单位）")
                                                       if s.unit_id == self.own_unit_id else "")),
            Column(self.tr("台账（条）"), lambda s: self._entries(s), lambda s: self._entries(s),
                   align_right=True),
            Column(self.tr("指标完成率"), lambda s: format_percent(s.completion),
                   lambda s: s.completion, align_right=True),
            Column(self.tr("得分"), lambda s: f"{s.total:.2f}", lambda s: s.total,
                   align_right=True),
            Column(self.tr("较上期"), lambda s: self._change(s), lambda s: self._moved(s) or 0,
                   align_right=True,
                   foreground=lambda s: GREEN if (self._moved(s) or 0) > 0 else
                   (RED if (self._moved(s) or 0) < 0 else None)),
        ], row_background=lambda s: OWN_ROW if s.unit_id == self.own_unit_id else None)  # fmt: skip
        self.rank_view = RowTableView(self.rank_model, stretch=1)
        self.rank_view.selection_changed.connect(self._show_lines)
        self.lines_title = section_label(self.tr("得分说明"))
        self.lines_model = explanation_model(self)
        self.lines_view = RowTableView(self.lines_model, stretch=1)
        self.lines_view.setSortingEnabled(False)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(section_label(self.tr("已发布的通报")))
        top.addStretch(1)
        top.addWidget(self.save_button)
        left_layout.addLayout(top)
        left_layout.addWidget(self.empty_note)
        left_layout.addWidget(self.issued_view)
        right = QSplitter(Qt.Orientation.Vertical)
        ranking = QWidget()
        ranking_layout = QVBoxLayout(ranking)
        ranking_layout.setContentsMargins(0, 0, 0, 0)
        ranking_layout.addWidget(self.rank_title)
        ranking_layout.addWidget(self.rank_view)
        lines = QWidget()
        lines_layout = QVBoxLayout(lines)
        lines_layout.setContentsMargins(0, 0, 0, 0)
        lines_layout.addWidget(self.lines_title)
        lines_layout.addWidget(self.lines_view)
        right.addWidget(ranking)
        right.addWidget(lines)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([340, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(note)
        layout.addWidget(splitter, 1)
        self.refresh()

    def _moved(self, score: DepartmentScore) -> int | None:
        """Places gained since the issue before (negative: lost); None without one."""
        before = self.previous_ranks.get(score.unit_id)
        return None if before is None else before - score.rank

    def _change(self, score: DepartmentScore) -> str:
        moved = self._moved(score)
        if moved is None:
            return "—"
        return (
            (self.tr("上升 %1 名") if moved > 0 else self.tr("下降 %1 名")).replace(
                "%1", str(abs(moved))
            )
            if moved
            else self.tr("持平")
        )

    def _bulletin(self, issued_id: int) -> Bulletin:
        if issued_id not in self.cache:
            with self.page.database.session() as session:
                self.cache[issued_id] = issued_bulletins.bulletin_of(session, issued_id)
        return self.cache[issued_id]

    def _entries(self, score: DepartmentScore) -> int:
        return self.bulletin.entries.get(score.unit_id, 0) if self.bulletin else 0

    def refresh(self) -> None:
        """Reload the published bulletins, keeping the chosen one (else the latest)."""
        programme_id = self.page.context.programme_id
        rows: list[IssuedRow] = []
        if programme_id is not None:
            with self.page.database.session() as session:
                rows = issued_bulletins.issued_rows(session, programme_id)
        chosen = self.issued_view.selected_row()
        self.issued_model.set_rows(rows)
        self.empty_note.setVisible(not rows)
        if not (chosen and self.issued_view.select_where(lambda r: r.id == chosen.id)) and rows:
            self.issued_view.select_where(lambda r: r.id == rows[0].id)
        self._show_bulletin()

    def _show_bulletin(self) -> None:
        row = self.issued_view.selected_row()
        self.save_button.setEnabled(row is not None)
        if row is None:
            self.bulletin = None
            self.rank_title.setText(self.tr("各科室得分排名"))
            self.rank_model.set_rows([])
            return
        self.bulletin, self.bulletin_id = self._bulletin(row.id), row.id
        earlier = [r for r in self.issued_model.rows() if r.number < row.number]
        self.previous_ranks = (
            {s.unit_id: s.rank for s in self._bulletin(max(earlier, key=lambda r: r.number).id).scores
             if s.unit_id > 0}  # (a department not known here has no id to compare by)
            if earlier else {}
        )  # fmt: skip
        self.rank_title.setText(
            self.tr("%1 各科室得分排名（截至 %2）").replace("%1", row.label)
            .replace("%2", row.as_of.isoformat())
        )  # fmt: skip
        self.rank_model.set_rows(self.bulletin.scores)
        if not self.rank_view.select_where(lambda s: s.unit_id == self.own_unit_id):
            self.rank_view.selectRow(0)
        self._show_lines()

    def _show_lines(self) -> None:
        score = self.rank_view.selected_row()
        if score is None:
            self.lines_title.setText(self.tr("得分说明（选择上方的科室）"))
            self.lines_model.set_rows([])
            return
        own = self.tr("（本单位）") if score.unit_id == self.own_unit_id else ""
        self.lines_title.setText(
            self.tr("%1%4 得分说明：第 %2 名，%3 分").replace("%1", score.name)
            .replace("%2", str(score.rank)).replace("%3", f"{score.total:.2f}")
            .replace("%4", own)
        )  # fmt: skip
        self.lines_model.set_rows(explanation(score))

    def save(self) -> object | None:
        """另存为… the chosen bulletin (from its frozen copy)."""
        row = self.issued_view.selected_row()
        return save_issued(self.page, row) if row is not None else None
