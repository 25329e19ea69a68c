"""结对部门评价 on the 考核与通报 page: on a township judicial office's PC, its paired departments
with their ratings and 结对部门评价… to rate one; on the county's PC, the ratings a department
has received from its paired offices."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget

from app.models import UnitKind
from app.services import peer_ratings
from app.services.peer_ratings import PairStatus, RatingItem
from app.services.settings import local_unit
from app.services.wording import cn_date
from app.ui.dialogs.peer_rating_dialog import PeerRatingDialog
from app.ui.messages import inform
from app.ui.pages.base import section_label
from app.ui.table_model import Column, RowTableModel
from app.ui.table_view import RowTableView

if TYPE_CHECKING:
    from app.ui.pages.base import Page

GREY = "#777777"
STATE_COLUMN = 3  # 状态
CELL_ROOM = 10  # pixels each side of the 状态 text


def _figure(value: float) -> str:
    return f"{value:g}"


class PeerRatingBox(QWidget):
    """The page's part about 结对部门评价. ``rate_button`` (shown on an office's PC only) goes
    in the page's top row; ``received`` (the county's PC only) under a department's lines."""

    def __init__(self, page: Page, today: date) -> None:
        super().__init__(page)
        self.page, self.today = page, today
        self.rows: list[PairStatus] = []
        self.items: tuple[RatingItem, ...] = ()
        with page.database.session() as session:
            me = local_unit(session)
            self.office_id = me.id if me is not None and peer_ratings.can_rate(session) else None
            self.county = me is not None and me.kind == UnitKind.COUNTY_OFFICE
        self.rate_button = QPushButton(self.tr("结对部门评价…"))
        self.rate_button.setToolTip(
            self.tr("给本所挂钩结对的局科室打分评价（每年度一次，随数据包报送县矫正办）")
        )
        self.rate_button.clicked.connect(lambda: self.rate())
        self.rate_button.setVisible(self.office_id is not None)
        self.model = RowTableModel[PairStatus]([
            Column(self.tr("结对部门"), lambda p: p.department),
            Column(self.tr("评价总分"), lambda p: _figure(p.rating.total) if p.rating else "",
                   lambda p: p.rating.total if p.rating else -1, align_right=True),
            Column(self.tr("评价日期"), lambda p: p.rating.rated_on.isoformat() if p.rating else ""),
            Column(self.tr("状态"), self._state,
                   foreground=lambda p: GREY if p.rating is None or p.rating.sent else None),
            Column(self.tr("评价意见"), lambda p: p.rating.comment if p.rating else ""),
        ])  # fmt: skip
        self.view = RowTableView(self.model, stretch=4)
        # 状态 wide enough for its longest wording with room either side (sized to its
        # contents it ended flush against the grid line and read as cut off)
        states = (self.tr("未评价"), self.tr("已报送县矫正办"), self.tr("未报送（可修改）"))
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(STATE_COLUMN, QHeaderView.ResizeMode.Fixed)
        self.view.setColumnWidth(
            STATE_COLUMN,
            max(self.view.fontMetrics().horizontalAdvance(s) for s in states) + 2 * CELL_ROOM,
        )
        self.view.row_activated.connect(lambda _row: self.rate())
        self.view.setMaximumHeight(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            section_label(self.tr("本所对结对部门的评价（每年度一次，报出后不再修改）"))
        )
        layout.addWidget(self.view)
        self.setVisible(self.office_id is not None)
        self.received = QLabel()
        self.received.setObjectName("hint")
        self.received.setWordWrap(True)
        self.received.setVisible(self.county)

    def _state(self, pair: PairStatus) -> str:
        if pair.rating is None:
            return self.tr("未评价")
        return self.tr("已报送县矫正办") if pair.rating.sent else self.tr("未报送（可修改）")

    def refresh(self) -> None:
        """Reload the pairings and ratings here."""
        programme_id = self.page.context.programme_id
        if programme_id is None or (self.office_id is None and not self.county):
            return
        chosen = self.view.selected_row()
        with self.page.database.session() as session:
            self.rows = peer_ratings.rating_status(session, programme_id)
            self.items = peer_ratings.rating_items(session, programme_id)
        if self.office_id is not None:
            self.model.set_rows([p for p in self.rows if p.office_id == self.office_id])
            if chosen is not None:
                self.view.select_where(lambda p: p.department_id == chosen.department_id)

    def show_department(self, unit_id: int | None, name: str = "") -> None:
        """On the county's PC: what the department's paired offices have rated it."""
        if not self.county:
            return
        pairs = [p for p in self.rows if p.department_id == unit_id]
        if unit_id is None or not pairs:
            self.received.setText(
                self.tr("结对司法所评价：%1 没有挂钩结对的司法所。").replace("%1", name)
                if unit_id is not None else ""
            )  # fmt: skip
            return
        full = _figure(peer_ratings.full_marks(self.items))
        parts = [
            self.tr("%1 %2 分（%3）").replace("%1", p.office).replace("%2", _figure(p.rating.total))
            .replace("%3", cn_date(p.rating.rated_on)) if p.rating is not None
            else self.tr("%1 尚未报来").replace("%1", p.office)
            for p in pairs
        ]  # fmt: skip
        totals = [p.rating.total for p in pairs if p.rating is not None]
        average = (
            self.tr("平均 %1 分（满分 %2）").replace("%1", _figure(round(sum(totals) / len(totals), 2)))
            .replace("%2", full) if totals else self.tr("尚无评价")
        )  # fmt: skip
        self.received.setText(
            self.tr("结对司法所评价：%1，%2/%3 个所已评\n%4")
            .replace("%1", average).replace("%2", str(len(totals)))
            .replace("%3", str(len(pairs))).replace("%4", "；".join(parts))
        )  # fmt: skip

    def rate(self) -> bool:
        """Rate the chosen paired department (else the first not yet rated), or correct its
        rating while it has not been sent; True when saved."""
        programme_id = self.page.context.programme_id
        if programme_id is None or self.office_id is None or not self.rate_button.isEnabled():
            return False  # (disabled while an earlier year is viewed)
        self.refresh()
        mine = [p for p in self.rows if p.office_id == self.office_id]
        if not mine:
            inform(self, self.tr("结对部门评价"), self.tr("本所在本年度没有挂钩结对的局科室。"))
            return False
        chosen = self.view.selected_row()
        if chosen is None:
            chosen = next((p for p in mine if p.rating is None or not p.rating.sent), mine[0])
        if chosen.rating is not None and chosen.rating.sent:
            inform(self, self.tr("结对部门评价"), self.tr(
                "本所对“%1”的评价已随数据包报送县矫正办（%2 分），报出后不能再修改。"
            ).replace("%1", chosen.department).replace("%2", _figure(chosen.rating.total)))  # fmt: skip
            return False
        rating = chosen.rating
        open_ones = [(p.department, p.department_id) for p in mine if p.rating is None]
        departments = [(chosen.department, chosen.department_id)] if rating else open_ones
        with self.page.database.session() as session:
            dates = peer_ratings.rating_dates(session, programme_id)
        saved: list[object] = []
        office_id = self.office_id

        def save(values: dict) -> None:
            def action(s):  # type: ignore[no-untyped-def]
                if rating is not None:
                    return peer_ratings.change_rating(
                        s, rating.id, unit_id=office_id, scores=values["scores"],
                        comment=values["comment"], rated_on=values["rated_on"],
                    )  # fmt: skip
                return peer_ratings.record_rating(
                    s, programme_id, unit_id=office_id, department_id=values["department_id"],
                    scores=values["scores"], comment=values["comment"],
                    rated_on=values["rated_on"],
                )  # fmt: skip

            self.page.save_from_dialog(self.tr("结对部门评价"), action)
            saved.append(True)

        PeerRatingDialog(save, departments, self.items, dates, dates.default(self.today),
                         rating, chosen.department_id, self).exec()  # fmt: skip
        self.refresh()
        return bool(saved)
