"""品牌创建: the county's innovation brands (“法援+”“调解+”…) against the plan's goal of 1–2 —
each with its units, milestones and ledger entries attached as evidence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.models import BrandStatus
from app.services import brands
from app.services.brands import (
    BACK,
    FORWARD,
    STATUS_LABELS,
    BrandDetail,
    BrandInput,
    BrandRow,
    BrandSummary,
    EvidenceRow,
    MilestoneRow,
)
from app.services.dates import DatePurpose
from app.ui.dialogs.brand_dialogs import BrandDialog, DoneDialog, EvidencePicker, MilestoneDialog
from app.ui.messages import confirm
from app.ui.pages.base import Page, button_row, section_label
from app.ui.table_model import Column, RowTableModel
from app.ui.table_view import RowTableView

STATUS_COLOURS = {BrandStatus.PLANNED: "#777777", BrandStatus.BUILDING: "#b36b00",
                  BrandStatus.CREATED: "#1e7d32"}  # fmt: skip
MET_GREEN = "#1e7d32"
SHORT_AMBER = "#b36b00"
LATE_RED = "#c0392b"


def _date(value: date | None) -> str:
    return f"{value.year}-{value.month:02d}-{value.day:02d}" if value else ""


class BrandsPage(Page):
    """The programme's brands, the goal line, and the selected brand's detail. Only the county
    correction office changes brands; elsewhere the page is read-only."""

    title = "品牌创建"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.today: Callable[[], date] = date.today
        with database.session() as session:
            self.editable = brands.can_edit(session) and context.programme_id is not None
        self._detail: BrandDetail | None = None
        self._keep: tuple[int | None, int | None, int | None] | None = None  # during a reload

        self.goal_label = QLabel()
        self.goal_label.setObjectName("figureValue")
        self.goal_caption = QLabel()
        self.goal_caption.setObjectName("figureCaption")
        self.goal_caption.setWordWrap(True)
        self.layout_.addWidget(self.goal_label)
        self.layout_.addWidget(self.goal_caption)

        self.model: RowTableModel[BrandRow] = RowTableModel(
            [
                Column(self.tr("品牌"), lambda r: r.name),
                Column(self.tr("牵头科室"), lambda r: r.lead),
                Column(self.tr("参与单位"), lambda r: "、".join(r.participants),
                       tooltip=lambda r: "、".join(r.participants)),
                Column(self.tr("状态"), lambda r: r.status_label,
                       sort_key=lambda r: list(STATUS_LABELS).index(r.status),
                       foreground=lambda r: STATUS_COLOURS[r.status]),
                Column(self.tr("节点完成"), lambda r: f"{r.milestones_done} / {r.milestones_total}",
                       sort_key=lambda r: (r.milestones_done, r.milestones_total)),
                Column(self.tr("佐证台账"), lambda r: r.evidence_count, align_right=True),
            ],
            self,
        )  # fmt: skip
        self.view = RowTableView(self.model, self, stretch=2)
        self.view.setMinimumHeight(120)

        self.new_button = QPushButton(self.tr("新建品牌…"))
        self.new_button.setObjectName("primaryButton")
        self.edit_button = QPushButton(self.tr("编辑…"))
        self.forward_button = QPushButton(self.tr("设为“创建中”"))
        self.back_button = QPushButton(self.tr("退回“筹划中”"))
        self.delete_button = QPushButton(self.tr("删除品牌"))
        self.note = QLabel()
        self.note.setStyleSheet("color: #555;")
        self.note.setWordWrap(True)

        self.heading = section_label("")
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)

        self.milestones: RowTableModel[MilestoneRow] = RowTableModel(
            [
                Column(self.tr("节点"), lambda r: r.title, tooltip=lambda r: r.title),
                Column(self.tr("计划完成"), lambda r: _date(r.due_date),
                       sort_key=lambda r: r.due_date or date.max),
                Column(self.tr("完成日期"), lambda r: _date(r.done_on),
                       sort_key=lambda r: r.done_on or date.max),
                Column(self.tr("情况"), self._milestone_state,
                       foreground=self._milestone_colour),
            ],
            self,
        )  # fmt: skip
        self.milestone_view = RowTableView(self.milestones, self, stretch=0)
        self.add_milestone_button = QPushButton(self.tr("添加节点…"))
        self.done_button = QPushButton(self.tr("标记节点完成…"))
        self.delete_milestone_button = QPushButton(self.tr("删除节点"))

        self.evidence: RowTableModel[EvidenceRow] = RowTableModel(
            [
                Column(self.tr("日期"), lambda r: _date(r.entry_date),
                       sort_key=lambda r: (r.entry_date, r.entry_id)),
                Column(self.tr("填报单位"), lambda r: r.unit),
                Column(self.tr("活动类型"), lambda r: r.kind),
                Column(self.tr("标题"),
                       lambda r: r.title + (self.tr("（台账已删除）") if r.deleted else ""),
                       tooltip=lambda r: r.title,
                       foreground=lambda r: "#999999" if r.deleted else None),
            ],
            self,
        )  # fmt: skip
        self.evidence_view = RowTableView(self.evidence, self, stretch=3)
        self.add_evidence_button = QPushButton(self.tr("添加佐证（从工作台账选择）…"))
        self.remove_evidence_button = QPushButton(self.tr("移除佐证"))

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.view, 1)
        top_layout.addLayout(button_row(self.new_button, self.edit_button, self.forward_button,
                                        self.back_button, self.delete_button))  # fmt: skip
        top_layout.addWidget(self.note)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.heading)
        left_layout.addWidget(self.facts)
        left_layout.addWidget(self.text, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(section_label(self.tr("创建节点")))
        right_layout.addWidget(self.milestone_view, 2)
        right_layout.addLayout(button_row(self.add_milestone_button, self.done_button,
                                          self.delete_milestone_button))  # fmt: skip
        self.evidence_heading = section_label(self.tr("佐证台账"))
        right_layout.addWidget(self.evidence_heading)
        right_layout.addWidget(self.evidence_view, 3)
        right_layout.addLayout(button_row(self.add_evidence_button, self.remove_evidence_button))
        detail = QSplitter(Qt.Orientation.Horizontal)
        detail.addWidget(left)
        detail.addWidget(right)
        detail.setStretchFactor(0, 2)
        detail.setStretchFactor(1, 3)
        detail.setSizes([420, 640])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(detail)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 3)
        body.setSizes([220, 520])
        self.layout_.addWidget(body, 1)

        if not self.editable:
            self.note.setText(self.tr("品牌由县矫正办登记和维护，本机只能查看；"
                                      "县矫正办的数据包导入后即可看到最新情况。"))  # fmt: skip
        for button in (self.new_button, self.edit_button, self.forward_button, self.back_button,
                       self.delete_button, self.add_milestone_button, self.done_button,
                       self.delete_milestone_button, self.add_evidence_button,
                       self.remove_evidence_button):  # fmt: skip
            button.setVisible(self.editable)

        self.view.selection_changed.connect(self._selection_changed)
        self.view.row_activated.connect(lambda _row: self.edit_selected())
        self.milestone_view.selection_changed.connect(self._update_buttons)
        self.milestone_view.row_activated.connect(lambda _row: self.mark_done())
        self.evidence_view.selection_changed.connect(self._update_buttons)
        self.new_button.clicked.connect(lambda: self.new_brand())
        self.edit_button.clicked.connect(lambda: self.edit_selected())
        self.forward_button.clicked.connect(lambda: self.step_forward())
        self.back_button.clicked.connect(lambda: self.step_back())
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.add_milestone_button.clicked.connect(lambda: self.add_milestone())
        self.done_button.clicked.connect(lambda: self.mark_done())
        self.delete_milestone_button.clicked.connect(lambda: self.delete_milestone())
        self.add_evidence_button.clicked.connect(lambda: self.add_evidence())
        self.remove_evidence_button.clicked.connect(lambda: self.remove_evidence())
        self.refresh()

    # ------------------------------------------------------------ loading

    def refresh(self, select_id: int | None = None) -> None:
        """Reload the brands and the goal line; keep (or move to) a selection."""
        selected = self.selected()
        keep = select_id if select_id is not None else (selected.id if selected else None)
        milestone, entry = self.milestone_view.selected_row(), self.evidence_view.selected_row()
        self._keep = (keep, milestone.id if milestone else None,
                      entry.entry_id if entry else None)  # fmt: skip
        rows: list[BrandRow] = []
        summary = BrandSummary(0, 0, 0)
        if self.context.programme_id is not None:
            with self.database.session() as session:
                rows = brands.list_brands(session, self.context.programme_id)
                summary = brands.brand_summary(session, self.context.programme_id)
        self.model.set_rows(rows)
        self._show_goal(summary)
        if not (keep is not None and self.view.select_where(lambda r: r.id == keep)):
            self.view.selectRow(0)
        self._selection_changed()
        self._keep = None

    def _show_goal(self, summary: BrandSummary) -> None:
        text = self.tr("已创建 %1 个").replace("%1", str(summary.created))
        if summary.target_text:
            text += self.tr("，目标 %1").replace("%1", summary.target_text)
        self.goal_label.setText(text)
        colour = MET_GREEN if summary.met else SHORT_AMBER
        self.goal_label.setStyleSheet(f"color: {colour};")
        parts = [self.tr("创建中 %1 个，筹划中 %2 个。").replace("%1", str(summary.building))
                 .replace("%2", str(summary.planned))]  # fmt: skip
        if summary.goal_title:
            parts.insert(0, self.tr("方案目标：%1。").replace("%1", summary.goal_title))
        if summary.target_min is not None and not summary.met:
            parts.append(self.tr("品牌确认“已创建”后计入目标。"))
        self.goal_caption.setText("".join(parts))

    def selected(self) -> BrandRow | None:
        """The selected brand's row."""
        return self.view.selected_row()

    def show_records(self, record_id: int | None = None, **_others: object) -> None:
        """Select a brand (when another page links to it)."""
        if record_id is not None:
            self.refresh(record_id)

    @Slot()
    def _selection_changed(self) -> None:
        row = self.selected()
        milestone_id = entry_id = None
        if row is not None and self._keep is not None and self._keep[0] == row.id:
            _brand_id, milestone_id, entry_id = self._keep
        self._detail = None
        if row is not None:
            with self.database.session() as session:
                self._detail = brands.brand_detail(session, row.id)
        detail = self._detail
        self.milestones.set_rows(detail.milestones if detail else [])
        self.evidence.set_rows(detail.evidence if detail else [])
        # the same brand reloaded keeps its selections; else the first milestone not done
        if not (
            milestone_id is not None
            and self.milestone_view.select_where(lambda m: m.id == milestone_id)
        ):
            self.milestone_view.select_where(lambda m: m.done_on is None)
        if entry_id is not None:
            self.evidence_view.select_where(lambda e: e.entry_id == entry_id)
        self._show_detail(detail)
        count = sum(not e.deleted for e in detail.evidence) if detail else 0
        self.evidence_heading.setText(
            self.tr("佐证台账（%1 条）").replace("%1", str(count))
            if detail
            else self.tr("佐证台账")
        )
        self._update_buttons()

    def _show_detail(self, detail: BrandDetail | None) -> None:
        if detail is None:
            self.heading.setText(self.tr("尚未登记品牌") if not self.model.rowCount() else "")
            self.facts.setText(
                self.tr("点“新建品牌…”登记一个品牌，例如由法律援助中心牵头的“法援+”。")
                if self.editable and not self.model.rowCount() else ""
            )  # fmt: skip
            self.text.clear()
            return
        b = detail.brand
        self.heading.setText(b.name)
        colour = STATUS_COLOURS[b.status]
        none = self.tr("（无）")
        self.facts.setText(
            f"{self.tr('状态')}：<b style='color:{colour}'>{escape(b.status_label)}</b><br>"
            f"{self.tr('牵头科室')}：{escape(b.lead)}<br>"
            f"{self.tr('参与单位')}：{escape('、'.join(b.participants) or none)}"
        )
        description = escape(b.description).replace("\n", "<br>") or f"<i>{none}</i>"
        outcomes = escape(b.outcomes).replace("\n", "<br>") or (
            f"<i style='color:#777'>{self.tr('尚未填写（确认“已创建”前须填写）')}</i>"
        )
        self.text.setHtml(
            f"<p><b>{self.tr('品牌简介')}</b></p><p>{description}</p>"
            f"<p><b>{self.tr('创建成效')}</b></p><p>{outcomes}</p>"
        )

    def _milestone_state(self, row: MilestoneRow) -> str:
        if row.done_on is not None:
            return self.tr("已完成")
        return self.tr("已逾期") if row.overdue(self.today()) else self.tr("未完成")

    def _milestone_colour(self, row: MilestoneRow) -> str:
        if row.done_on is not None:
            return MET_GREEN
        return LATE_RED if row.overdue(self.today()) else "#555555"

    @Slot()
    def _update_buttons(self) -> None:
        row = self.selected()
        has = row is not None and self.editable
        self.new_button.setEnabled(self.editable)
        for button in (self.edit_button, self.add_milestone_button, self.add_evidence_button):
            button.setEnabled(has)
        forward = FORWARD.get(row.status) if row else None
        back = BACK.get(row.status) if row else None
        self.forward_button.setEnabled(has and forward is not None)
        self.forward_button.setVisible(self.editable and (row is None or forward is not None))
        self.forward_button.setText(
            self.tr("确认“已创建”…") if forward == BrandStatus.CREATED
            else self.tr("设为“创建中”")
        )  # fmt: skip
        self.back_button.setEnabled(has and back is not None)
        self.back_button.setText(
            self.tr("撤销“已创建”") if back == BrandStatus.BUILDING else self.tr("退回“筹划中”")
        )
        self.delete_button.setEnabled(
            row is not None and self.editable and row.status != BrandStatus.CREATED
        )
        milestone = self.milestone_view.selected_row()
        self.done_button.setEnabled(has and milestone is not None and milestone.done_on is None)
        self.delete_milestone_button.setEnabled(has and milestone is not None)
        self.remove_evidence_button.setEnabled(
            has and self.evidence_view.selected_row() is not None
        )

    # ------------------------------------------------------------ brands

    def _brand_dialog(self, brand: BrandRow | None) -> int | None:
        with self.database.session() as session:
            leads, participants = brands.unit_choices(session)
        saved: list[int] = []

        def save(values: dict) -> None:
            data = BrandInput(**values)
            if brand is None:
                programme_id = self.context.programme_id
                assert programme_id is not None  # new_brand needs a programme
                saved.append(self.save_from_dialog(self.tr("新建品牌"),
                    lambda s: brands.create_brand(s, programme_id, data)))  # fmt: skip
            else:
                brand_id = brand.id
                self.save_from_dialog(self.tr("编辑品牌"),
                                      lambda s: brands.update_brand(s, brand_id, data))  # fmt: skip
                saved.append(brand_id)

        BrandDialog(save, leads, participants, brand, self).exec()
        return saved[0] if saved else None

    def new_brand(self) -> None:
        """Register a brand (筹划中)."""
        if self.context.programme_id is None:
            return
        brand_id = self._brand_dialog(None)
        self.refresh(brand_id)

    def edit_selected(self) -> None:
        """Edit the selected brand's name, units, description and outcomes."""
        row = self.selected()
        if row is None or not self.editable:
            return
        self._brand_dialog(row)
        self.refresh()

    def step_forward(self) -> None:
        """筹划中 → 创建中, or 创建中 → 已创建 (after a confirmation)."""
        row = self.selected()
        target = FORWARD.get(row.status) if row else None
        if row is None or target is None:
            return
        brand_id = row.id
        if target == BrandStatus.CREATED:
            question = self.tr("确认“%1”已创建吗？已创建的品牌计入方案目标“培育创新性品牌”。")
            if not confirm(self, self.tr("确认已创建"), question.replace("%1", row.name)):
                return
        self.attempt(lambda s: brands.set_status(s, brand_id, target), self.tr("更改品牌状态"))
        self.refresh()

    def step_back(self) -> None:
        """撤销“已创建”, or 创建中 → 筹划中, after a confirmation."""
        row = self.selected()
        target = BACK.get(row.status) if row else None
        if row is None or target is None:
            return
        brand_id = row.id
        question = self.tr("把“%1”改回“%2”吗？").replace("%1", row.name)
        if not confirm(self, self.tr("更改状态"),
                       question.replace("%2", STATUS_LABELS[target])):  # fmt: skip
            return
        self.attempt(lambda s: brands.set_status(s, brand_id, target), self.tr("更改品牌状态"))
        self.refresh()

    def delete_selected(self) -> None:
        """Delete a brand entered by mistake, after a confirmation."""
        row = self.selected()
        if row is None:
            return
        question = self.tr("删除品牌“%1”及其节点和佐证记录吗？（台账本身不受影响）")
        if confirm(self, self.tr("删除品牌"), question.replace("%1", row.name)):
            self.attempt(lambda s: brands.delete_brand(s, row.id), self.tr("删除品牌"))
        self.refresh()

    # ------------------------------------------------------------ milestones

    def add_milestone(self) -> None:
        """Add a milestone to the selected brand."""
        row = self.selected()
        if row is None:
            return
        due = self.context.date_range(DatePurpose.WORK).default(self.today())

        def save(values: dict) -> None:
            self.save_from_dialog(self.tr("添加节点"),
                lambda s: brands.add_milestone(s, row.id, values["title"], values["due_date"]),
            )  # fmt: skip

        MilestoneDialog(save, row.name, due, self.context.date_range(DatePurpose.DEADLINE),
                        self).exec()  # fmt: skip
        self.refresh()

    def mark_done(self) -> None:
        """Mark the selected milestone done, with its date (today by default)."""
        milestone = self.milestone_view.selected_row()
        if milestone is None or milestone.done_on is not None or not self.editable:
            return

        def save(values: dict) -> None:
            self.save_from_dialog(self.tr("标记节点完成"),
                lambda s: brands.mark_milestone_done(s, milestone.id, values["done_on"],
                                                     self.today()),
            )  # fmt: skip

        dates = self.context.date_range(DatePurpose.DEADLINE)
        DoneDialog(save, milestone.title, dates, dates.default(self.today()), self).exec()
        self.refresh()

    def delete_milestone(self) -> None:
        """Delete the selected milestone, after a confirmation."""
        milestone = self.milestone_view.selected_row()
        if milestone is None:
            return
        question = self.tr("删除节点“%1”吗？").replace("%1", milestone.title)
        if confirm(self, self.tr("删除节点"), question):
            self.attempt(lambda s: brands.delete_milestone(s, milestone.id), self.tr("删除节点"))
        self.refresh()

    # ------------------------------------------------------------ evidence

    def add_evidence(self) -> None:
        """Pick ledger entries of the brand's units as evidence."""
        row = self.selected()
        if row is None:
            return
        units = [(row.lead_unit_id, row.lead), *zip(row.participant_ids, row.participants,
                                                    strict=True)]  # fmt: skip

        def load(unit_id: int | None, text: str) -> brands.EvidenceChoices:
            with self.database.session() as session:
                return brands.candidate_entries(session, row.id, unit_id, text)

        def save(entry_ids: list[int]) -> None:
            self.save_from_dialog(self.tr("添加佐证"),
                             lambda s: brands.attach_evidence(s, row.id, entry_ids))  # fmt: skip

        EvidencePicker(row.name, units, load, save, self.database.attachments, self).exec()
        self.refresh()

    def remove_evidence(self) -> None:
        """Detach the selected entry from the brand (the entry itself stays in the ledger)."""
        row, entry = self.selected(), self.evidence_view.selected_row()
        if row is None or entry is None:
            return
        question = self.tr("从“%1”的佐证中移除“%2”吗？（台账本身不受影响）")
        if confirm(self, self.tr("移除佐证"),
                   question.replace("%1", row.name).replace("%2", entry.title)):  # fmt: skip
            self.attempt(lambda s: brands.detach_evidence(s, row.id, entry.entry_id),
                         self.tr("移除佐证"))  # fmt: skip
        self.refresh()
