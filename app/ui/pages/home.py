"""首页 (dashboard): the goals against target, the phase and the next deadline, each
department's progress against the time gone, overdue items and the latest entries. Every
figure leads, by a click, to the records behind it (``navigate``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QWidget

from app.models import GoalMetric, UnitKind
from app.services.dashboard import Dashboard, HomeData, LatestEntry, home_data
from app.services.errors import write_file
from app.services.home_snapshot import BarFigure, CardFigure, HomeFigures, save_home_snapshot
from app.services.wording import cn_date
from app.ui.charts import FigureCard
from app.ui.desktop import open_with_system
from app.ui.dialogs.bulletin_dialog import make_bulletin
from app.ui.dialogs.reminder_dialogs import ReminderUnitDialog, reminder_model
from app.ui.files import ask_save_path
from app.ui.messages import inform
from app.ui.pages.base import Page
from app.ui.pages.home_view import PHASE, HomeView, window_titles
from app.ui.table_model import Column, RowTableModel
from app.ui.table_view import RowTableView

GOAL_TARGETS: dict[GoalMetric, tuple[str, dict[str, object]]] = {  # where a goal's figure leads
    GoalMetric.PARTICIPATION_RATE: ("ledger", {}),
    GoalMetric.SIGNING_RATE: ("agreements", {}),
    GoalMetric.BRAND_COUNT: ("brands", {}),
    GoalMetric.PAIRING_COVERAGE: ("organisation", {}),
}


def _date(value: date | None) -> str:
    return cn_date(value) if value else ""


def card_target(key: str) -> tuple[str, dict[str, object]]:
    """Where a figure card (a goal metric's value, or ``phase``) leads."""
    if key == PHASE:
        return "summaries", {}
    return GOAL_TARGETS[GoalMetric(key)]


class HomePage(Page):
    """The dashboard of the current programme.

    Signals:
        navigate(str, object): open a section (key) showing the records named by the dict.
    """

    title = "首页"
    navigate = Signal(str, object)

    def __init__(
        self,
        database,
        context,
        parent: QWidget | None = None,
        today: date | None = None,
        *,
        prefetched: HomeData | None = None,
    ) -> None:
        super().__init__(database, context, parent)
        self.today = today or date.today()
        self.prefetched = prefetched  # read while the database opened: the first paint uses it
        self.data: Dashboard | None = None
        self.figures: HomeFigures | None = None
        self.view = HomeView()
        self.layout_.addWidget(self.view, 1)
        view = self.view
        self.summary, self.legend, self.bars = view.summary, view.legend, view.bars
        self.scope_note, self.overdue_title = view.scope_note, view.overdue_title
        self.bulletin_button, self.reminder_button = view.bulletin_button, view.reminder_button
        self.goal_cards: dict[GoalMetric, FigureCard] = {
            metric: view.cards[metric.value] for metric in GOAL_TARGETS
        }
        self.phase_card = view.cards[PHASE]
        county = context.local_unit_kind == UnitKind.COUNTY_OFFICE
        self.bulletin_button.setVisible(county)
        self.reminder_button.setVisible(county)
        self.bulletin_button.clicked.connect(lambda: self.make_bulletin())
        self.reminder_button.clicked.connect(lambda: self.make_reminders())
        view.card_clicked.connect(lambda key: self.navigate.emit(*card_target(key)))
        view.bar_clicked.connect(lambda unit_id: self.navigate.emit("ledger", {"unit_id": unit_id}))
        self.backup_warning = view.backup_warning  # no backup for a week (backup.schedule)
        self.backup_warning_text = ""
        self.backup_warning.linkActivated.connect(lambda _link: self.navigate.emit("settings", {}))
        self.overdue_model = reminder_model(
            self, with_due=False
        )  # red: overdue; amber: due within N days
        self.overdue_view = RowTableView(self.overdue_model, stretch=2)
        self.overdue_view.row_activated.connect(
            lambda item: self.navigate.emit(
                item.section, {"record_id": item.record_id, "unit_id": item.unit_id}
            )
        )
        view.overdue_box.addWidget(self.overdue_view, 1)
        self.latest_model = RowTableModel[LatestEntry]([
            Column(self.tr("日期"), lambda e: e.entry_date.isoformat(), lambda e: e.entry_date),
            Column(self.tr("单位"), lambda e: e.unit),
            Column(self.tr("类型"), lambda e: e.kind),
            Column(self.tr("标题"), lambda e: e.title),
        ])  # fmt: skip
        self.latest_view = RowTableView(self.latest_model, stretch=3)
        self.latest_view.row_activated.connect(
            lambda entry: self.navigate.emit("ledger", {"entry_id": entry.entry_id})
        )
        view.latest_box.addWidget(self.latest_view, 1)
        self.refresh()

    def make_bulletin(self) -> object | None:
        """预览进度通报 (a draft) as of a chosen date (see :func:`make_bulletin`); None when
        cancelled."""
        return make_bulletin(self, self.today)

    def make_reminders(self) -> object | None:
        """Ask the unit (or all units with items), then where to save the 催办单 PDF; made in
        the background and opened. None when cancelled or nothing is to be reminded."""
        programme_id = self.context.programme_id
        assert programme_id is not None  # the county's PC has its programme
        today = self.today  # the document's date; its items are judged at programme_day

        def units(session) -> tuple[date, list[str]]:
            from app.services.reminders import programme_day, units_to_remind

            day = programme_day(session, programme_id, self.today)
            return day, units_to_remind(session, programme_id, day)

        found = self.run(units, self.tr("打印催办单"))
        if found is None:
            return None
        day, names = found
        if not names:
            inform(self, self.tr("打印催办单"),
                   self.tr("截至 %1 各单位都没有逾期或即将到期的事项，无需催办。")
                   .replace("%1", _date(day)))  # fmt: skip
            return None
        dialog = ReminderUnitDialog(names, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        unit = dialog.choice()
        name = f"催办单-{unit or '全部单位'}-{day:%Y%m%d}.pdf"
        path = ask_save_path(self, self.tr("保存催办单"), name, "PDF (*.pdf)", ".pdf")
        if path is None:
            return None

        def work(session, report) -> Path:
            from app.reports.reminder_pdf import render_reminder_pdf
            from app.services.reminders import reminder_notices

            report(1)
            notices = reminder_notices(session, programme_id, day, unit, issued_on=today)
            write_file(path, render_reminder_pdf(notices))
            report(2)
            return path

        return self.run_in_background(
            self.tr("打印催办单"), self.tr("正在生成 %1……").replace("%1", path.name), work,
            total=2, success=lambda saved: open_with_system(self, saved),
        )  # fmt: skip

    def refresh_backup_warning(self) -> None:
        """Warn when no backup succeeded for a week (or none ever, once there is data)."""
        from datetime import datetime

        from app.services.backup.schedule import warning

        if self.database.file is None:
            return
        with self.database.session() as session:
            text = warning(session, datetime.now())
        self.backup_warning_text = text or ""  # kept in the snapshot too
        self.backup_warning.setText(
            f"{text}　<a href='settings'>{self.tr('打开设置')}</a>" if text else ""
        )
        self.backup_warning.setVisible(bool(text))

    def refresh(self) -> None:
        """Recompute every figure (and keep them as the snapshot for the next start)."""
        self.refresh_backup_warning()
        ctx = self.context
        unit = self._unit_text()
        if ctx.programme_id is None:
            self.summary.setText(
                unit + "\n" + self.tr("尚未建立实施方案。可由县矫正办发来的参考数据包导入。")
            )
            return
        home, self.prefetched = self.prefetched, None
        if home is None or (home.programme_id, home.today) != (ctx.programme_id, self.today):
            with self.database.session() as session:
                home = home_data(session, ctx.programme_id, self.today)
        data, items, days = home.dashboard, home.items, home.due_soon_days
        self.data = data
        self.figures = self._figures(data, items, days)
        self.view.show_figures(self.figures)
        self.overdue_model.set_rows(items)
        self.latest_model.set_rows(data.latest)
        if not ctx.read_only:
            save_home_snapshot(self.database, self.figures)

    def _unit_text(self) -> str:
        """本机单位：…, or 登录单位：… (…的数据库) for a department's user on a shared database."""
        ctx = self.context
        if ctx.database_unit_name:
            return (
                self.tr("登录单位：%1（%2的数据库）")
                .replace("%1", ctx.local_unit_name)
                .replace("%2", ctx.database_unit_name)
            )
        return self.tr("本机单位：%1").replace("%1", ctx.local_unit_name or self.tr("（未设定）"))

    def _figures(self, data: Dashboard, items: list, days: int) -> HomeFigures:
        """What the view paints (and the snapshot keeps): display text, no personal data."""
        ctx = self.context
        unit = self._unit_text()
        summary = (
            f"{ctx.programme_issuer}《{ctx.programme_title}》（{ctx.programme_year}年度）　{unit}　"
            + self.tr("今天：%1").replace("%1", _date(self.today))
        )
        if data.period is not None and data.period.assessed_apart:
            summary += "\n" + self.tr("本年度：%1").replace("%1", data.period.periods_label)
        if data.ended and data.period is not None:
            summary += "\n" + self.tr(
                "本年度已结束（%1）：以下为年度结束时的完成情况和逾期事项。"
            ).replace("%1", data.period.label)
        cards = [
            CardFigure(goal.metric.value, goal.actual_text,
                       self.tr("目标 %1").replace("%1", goal.target_text),
                       "green" if goal.met else "red")
            for goal in data.goals if goal.metric in GOAL_TARGETS
        ]  # fmt: skip
        if data.next_deadline is not None:
            left = data.next_deadline.days_from(self.today)
            detail = self.tr("距 %1（%2）还有 %3 天").replace("%1", _date(data.next_deadline.due)) \
                .replace("%2", data.next_deadline.task).replace("%3", str(left))  # fmt: skip
            status = "red" if left <= 7 else ("amber" if left <= 30 else None)
        else:
            detail, status = self.tr("本年度已无截止事项"), None
        cards.append(CardFigure(PHASE, data.phase or "—", detail, status))
        bars = [
            BarFigure(b.unit_id, b.name, b.completion, b.status,
                      self.tr("%1：%2/%3 项指标达标").replace("%1", b.name)
                      .replace("%2", str(b.met)).replace("%3", str(b.indicators)))
            for b in data.bars
        ]  # fmt: skip
        legend = (
            self.tr(
                "绿色：完成率不低于时间进度（%1%）；橙色：达到时间进度的八成；红色：落后。"
            ).replace("%1", f"{data.year_elapsed * 100:.0f}")
            if data.bars else
            self.tr("本机单位没有量化指标。各科室的进度和排名见“考核与通报”中县矫正办发布的通报。")
        )  # fmt: skip
        overdue = sum(1 for i in items if i.overdue)
        if data.ended:  # what was left undone when the year closed, days counted to its close
            overdue_title = self.tr("逾期事项（截至年度结束 %1 项，双击查看）").replace(
                "%1", str(overdue)
            )
        else:
            overdue_title = (
                self.tr("待办与逾期（逾期 %1 项，%2 天内到期 %3 项，双击查看）")
                .replace("%1", str(overdue)).replace("%2", str(days))
                .replace("%3", str(len(items) - overdue))
            )  # fmt: skip
        window_title, banner = window_titles(ctx)
        return HomeFigures(
            window_title=window_title, banner=banner, summary=summary, cards=cards, bars=bars,
            year_elapsed=data.year_elapsed, legend=legend, scope_note=not data.whole_county,
            overdue_title=overdue_title,
            county_buttons=ctx.local_unit_kind == UnitKind.COUNTY_OFFICE,
            backup_warning=self.backup_warning_text,
        )  # fmt: skip
