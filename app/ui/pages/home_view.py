"""首页's layout and its painting from :class:`HomeFigures`, without the database layer: the
real page (``pages.home``) paints it from the database, and at start-up the window paints it
from the snapshot of the last figures (:class:`HomePreview`) before SQLAlchemy is imported."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.home_snapshot import HomeFigures, Snapshot
from app.ui.charts import Bar, FigureCard, ProgressBars

# the goal cards in their order (GoalMetric values), with their captions; then the phase card
GOAL_CAPTIONS: dict[str, str] = {
    "participation_rate": "科室参与率",
    "signing_rate": "责任状签订率",
    "brand_count": "创新品牌",
    "pairing_coverage": "挂钩结对覆盖",
}
PHASE = "phase"
CARD_SECTIONS: dict[str, str] = {  # the section a card leads to (pages.home: GOAL_TARGETS)
    "participation_rate": "ledger",
    "signing_rate": "agreements",
    "brand_count": "brands",
    "pairing_coverage": "organisation",
    PHASE: "summaries",
}


def _t(text: str) -> str:
    return QCoreApplication.translate("HomePage", text)


def section_title(text: str) -> QLabel:
    """A section heading (as ``pages.base.section_label``, without importing it)."""
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def window_titles(context: Any) -> tuple[str, str]:
    """The window's title and banner for a ``WorkContext`` (this PC's unit, the programme)."""
    app_name = QCoreApplication.translate("MainWindow", "大帮教工作台")
    banner = app_name
    if context.programme_title:
        banner += f"　|　{context.programme_issuer} {context.programme_year}年度"
    shared = getattr(context, "database_unit_name", "")
    if shared:  # a user of another unit on the county's shared database
        label = QCoreApplication.translate("MainWindow", "登录单位")
        where = QCoreApplication.translate("MainWindow", "（%1的数据库）").replace("%1", shared)
        banner += f"　|　{label}：{context.local_unit_name}"  # the database: in the title
        return f"{app_name} — {context.local_unit_name}{where}", banner
    unit = QCoreApplication.translate("MainWindow", "本机单位")
    banner += f"　|　{unit}：{context.local_unit_name}"
    return f"{app_name} — {context.local_unit_name}", banner


class HomeView(QWidget):
    """首页 below its title: the programme line and the county's buttons, the figure cards, the
    departments' bars, and the places of the two lists (``overdue_box``, ``latest_box``).

    Signals:
        card_clicked(str): a card (a goal metric's value, or ``phase``) was clicked.
        bar_clicked(int): a department's bar was clicked (its unit id).
    """

    card_clicked = Signal(str)
    bar_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setObjectName("homeSummary")
        self.summary.setWordWrap(True)
        self.bulletin_button = QPushButton(_t("预览进度通报…"))
        self.bulletin_button.setToolTip(
            _t(
                "未发布的通报稿（工作目标、各科室进度与得分、逾期事项），不编入通报记录；"
                "正式印发请用考核与通报页的“发布通报…”"
            )
        )
        self.reminder_button = QPushButton(_t("打印催办单…"))
        self.reminder_button.setToolTip(
            _t("给有逾期或即将到期事项的单位打印催办单（PDF），可选一个单位或全部单位")
        )
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.bulletin_button)
        top.addWidget(self.reminder_button)
        layout.addLayout(top)
        self.backup_warning = QLabel()  # set by the page: no backup for a week
        self.backup_warning.setObjectName("backupWarning")
        self.backup_warning.setWordWrap(True)
        self.backup_warning.setStyleSheet(
            "color: #b3261e; background: #fdecea; border: 1px solid #f4b4ae; padding: 6px;"
        )
        self.backup_warning.hide()
        layout.addWidget(self.backup_warning)

        cards = QGridLayout()
        cards.setHorizontalSpacing(10)
        self.cards: dict[str, FigureCard] = {}
        for column, key in enumerate([*GOAL_CAPTIONS, PHASE]):
            card = FigureCard(_t(GOAL_CAPTIONS.get(key, "当前阶段")))
            card.clicked.connect(lambda k=key: self.card_clicked.emit(k))
            self.cards[key] = card
            cards.addWidget(card, 0, column)
        layout.addLayout(cards)
        self.scope_note = QLabel(
            _t(
                "本机只有本单位的台账：上面的全县目标数字以县矫正办的汇总为准，下面只列本单位的进度和逾期事项。"
            )
        )
        self.scope_note.setObjectName("hint")
        self.scope_note.setWordWrap(True)
        self.scope_note.setVisible(False)
        layout.addWidget(self.scope_note)

        middle = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(section_title(_t("各科室量化指标完成进度（点击查看台账）")))
        self.bars = ProgressBars()
        self.bars.bar_clicked.connect(self.bar_clicked)
        left.addWidget(self.bars)
        self.legend = QLabel()
        self.legend.setObjectName("hint")
        self.legend.setWordWrap(True)
        left.addWidget(self.legend)
        left.addStretch(1)
        middle.addLayout(left, 3)
        self.overdue_box = QVBoxLayout()
        self.overdue_title = section_title(_t("待办与逾期"))
        self.overdue_box.addWidget(self.overdue_title)
        middle.addLayout(self.overdue_box, 2)
        layout.addLayout(middle, 3)
        self.latest_box = QVBoxLayout()
        self.latest_box.addWidget(section_title(_t("最新台账（双击打开）")))
        layout.addLayout(self.latest_box, 2)

    def show_figures(self, figures: HomeFigures) -> None:
        """Paint the figures (the lists are the page's own)."""
        self.summary.setText(figures.summary)
        for card in figures.cards:
            if card.key in self.cards:
                self.cards[card.key].show_figure(card.value, card.detail, card.status)
        self.scope_note.setVisible(figures.scope_note)
        self.bars.set_bars(
            [Bar(b.unit_id, b.name, b.completion, b.status, b.tooltip) for b in figures.bars],
            figures.year_elapsed,
        )
        self.legend.setText(figures.legend)
        self.overdue_title.setText(figures.overdue_title)
        self.bulletin_button.setVisible(figures.county_buttons)
        self.reminder_button.setVisible(figures.county_buttons)


class HomePreview(QWidget):
    """首页 painted from the snapshot of its last figures while the database opens: marked
    正在更新…, its buttons disabled, its lists not shown; clicks on a figure are passed on
    (``card_clicked``, ``bar_clicked``) for the window to open the section once it can."""

    def __init__(self, snapshot: Snapshot, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.snapshot = snapshot
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)  # as pages.base.Page
        heading = QLabel(_t("首页"))
        heading.setObjectName("pageTitle")
        # the note sits beside the title, so that the figures do not move when it goes
        self.note = QLabel()
        self.note.setObjectName("updatingNote")
        self.note.setStyleSheet(
            "QLabel#updatingNote { background: #fff4d6; color: #7a4b00; padding: 2px 8px; }"
        )
        title_row = QHBoxLayout()
        title_row.addWidget(heading)
        title_row.addSpacing(12)
        title_row.addWidget(self.note, 0, Qt.AlignmentFlag.AlignVCenter)
        title_row.addStretch(1)
        layout.addLayout(title_row)
        self.view = HomeView()
        layout.addWidget(self.view, 1)
        self.view.show_figures(snapshot.figures)
        for button in (self.view.bulletin_button, self.view.reminder_button):
            button.setEnabled(False)
        self.view.backup_warning.setText(snapshot.figures.backup_warning)
        self.view.backup_warning.setVisible(bool(snapshot.figures.backup_warning))
        for box in (self.view.overdue_box, self.view.latest_box):
            waiting = QLabel(_t("正在读取……"))
            waiting.setObjectName("hint")
            box.addWidget(waiting)
            box.addStretch(1)
        self.set_pending("")

    def set_pending(self, section: str) -> None:
        """Say that the figures are being updated (and which section opens afterwards)."""
        written = self.snapshot.written
        text = _t("正在更新……下面是%1的数字，数据库打开后自动刷新。").replace(
            "%1", f"{written.month}月{written.day}日 {written:%H:%M}"
        )
        if section:
            text += _t("随后打开“%1”。").replace("%1", section)
        self.note.setText(text)
