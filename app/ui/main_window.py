"""The main window: a navigation list on the left, the chosen section on the right."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QPixmapCache
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from app.ui.live import DatabaseWatcher, keeping_view_state
from app.ui.operations import notifier, running_tasks
from app.ui.pages.placeholder import PlaceholderPage

if TYPE_CHECKING:  # the database layer is imported after the window is shown
    from app.services.context import WorkContext
    from app.services.dashboard import HomeData
    from app.services.database import Database
    from app.services.home_snapshot import Snapshot
    from app.ui.application import DatabaseLoader
    from app.ui.dialogs.account_dialogs import LoginDialog
    from app.ui.dialogs.reminder_dialogs import TodayPanel
    from app.ui.pages.base import Page
    from app.ui.pages.home_view import HomePreview


def _t(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


# (key, title, what the section will hold); titles are translated where shown.
SECTIONS: list[tuple[str, str, str]] = [
    ("home", "首页", ""),
    ("organisation", "组织与结对", ""),
    ("duties", "职责与指标", ""),
    (
        "ledger",
        "工作台账",
        "按活动类型登记各科室、司法所的工作台账，附照片，可检索、统计进度并导出 Excel。",
    ),
    (
        "agreements",
        "责任状",
        "生成社区矫正科与各科室的责任状 PDF，跟踪印发、签署状态，保存签署扫描件。",
    ),
    ("meetings", "例会", "记录中层干部月度例会：各科室汇报、议定事项、责任单位和完成时限。"),
    ("inspections", "督查整改", "登记督导检查发现的问题，跟踪整改期限与销号。"),
    ("brands", "品牌创建", "“律师+”“调解+”“普法+”“公证+”“法援+”等创新品牌的创建过程与成效。"),
    ("summaries", "阶段总结", "各科室阶段总结与图片资料的报送，县矫正办汇总后报市矫正办。"),
    ("statistics", "统计报表", "各单位按月、按季度填报统计报表，县矫正办受理、汇总后报市矫正办。"),
    ("assessment", "考核与通报", ""),
    ("exchange", "数据交换", "用数据包文件（U 盘、内部邮件）在各单位与县矫正办之间交换数据。"),
    ("settings", "设置", ""),
]


def page_class(key: str) -> type[Page] | None:
    """The page class of a section, its module imported only now (on the section's first
    visit); the imports are spelled out so that a frozen build finds them."""
    if key == "home":
        from app.ui.pages.home import HomePage

        return HomePage
    if key == "organisation":
        from app.ui.pages.organisation import OrganisationPage

        return OrganisationPage
    if key == "duties":
        from app.ui.pages.duties import DutiesPage

        return DutiesPage
    if key == "ledger":
        from app.ui.pages.ledger import LedgerPage

        return LedgerPage
    if key == "agreements":
        from app.ui.pages.agreements import AgreementsPage

        return AgreementsPage
    if key == "inspections":
        from app.ui.pages.inspections import InspectionsPage

        return InspectionsPage
    if key == "meetings":
        from app.ui.pages.meetings import MeetingsPage

        return MeetingsPage
    if key == "brands":
        from app.ui.pages.brands import BrandsPage

        return BrandsPage
    if key == "summaries":
        from app.ui.pages.summaries import SummariesPage

        return SummariesPage
    if key == "statistics":
        from app.ui.pages.statistics import StatisticsPage

        return StatisticsPage
    if key == "assessment":
        from app.ui.pages.assessment import AssessmentPage

        return AssessmentPage
    if key == "exchange":
        from app.ui.pages.exchange import ExchangePage

        return ExchangePage
    if key == "settings":
        from app.ui.pages.settings import SettingsPage

        return SettingsPage
    return None


BACKUP_DELAY_MS = 3000  # the daily backup starts this long after the window opened


USER_NAME_PX = 160  # the widest a user's display name is shown in the banner


class MainWindow(QMainWindow):
    """Shows the sections; pages appear once a database is attached.

    The window can be shown before the database is open (for a fast start):
    :meth:`attach_database` then fills it.
    """

    def __init__(self, database: Database | None = None, *, remind: bool = False) -> None:
        super().__init__()
        self.database: Database | None = None
        self.today_panel: TodayPanel | None = None
        self.context: WorkContext | None = None
        self.viewed_programme_id: int | None = None  # a year chosen in the banner; None: current
        self.pages: dict[str, Page | PlaceholderPage] = {}
        self.loading_database = False  # the database is being opened in the background
        self.loader: DatabaseLoader | None = None
        self.idle_lock: object | None = None  # app.ui.login.IdleLock once logged in
        # the login dialog shown at start before this window (a database with users)
        self.early_login: LoginDialog | None = None
        self.preview: HomePreview | None = None  # 首页 from its snapshot, while opening
        self.pending: tuple[str, dict | None] | None = None  # clicked while the database opened
        self.prefetched_home: HomeData | None = None  # 首页's data read by the loader
        self._pending_package: str | None = None  # named before the database was open
        self.setWindowTitle(_t("大帮教工作台"))
        self.resize(QSize(1200, 760))

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(168)
        for key, title, _description in SECTIONS:
            item = QListWidgetItem(_t(title))
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.nav.addItem(item)
        self.stack = QStackedWidget()
        self.loading = QLabel(_t("正在打开数据库……"))
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.loading)

        self.banner = QLabel(_t("大帮教工作台"))
        self.banner.setObjectName("banner")
        # a long banner is cut at the right (whole in the tooltip), never widening the window
        # past the screen (a department's user on a shared database: 1544 px at 1366)
        self.banner.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # the year shown: every page follows it; another year than the current one is read-only
        self.year_chooser = QComboBox()
        self.year_chooser.setObjectName("yearChooser")
        self.year_chooser.setToolTip(
            _t("选择要查看的年度。往年的数据只能查看和打印；当前年度在“设置”中开始新年度时改变。")
        )
        self.year_chooser.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.year_chooser.hide()
        self.year_chooser.activated.connect(lambda index: self._year_chosen(index))
        self.year_note = QLabel()
        self.year_note.setObjectName("yearNote")
        self.year_note.hide()
        bar = QWidget()
        bar.setObjectName("bannerBar")
        bar_layout = QHBoxLayout(bar)
        bar_layout.setContentsMargins(0, 0, 18, 0)
        bar_layout.setSpacing(10)
        bar_layout.addWidget(self.banner, 1)
        bar_layout.addWidget(self.year_note, 0, Qt.AlignmentFlag.AlignVCenter)
        year_label = QLabel(_t("查看年度："))
        year_label.setObjectName("bannerLabel")
        bar_layout.addWidget(year_label)
        bar_layout.addWidget(self.year_chooser)
        self.year_label = year_label
        year_label.hide()
        # who is logged in, and 切换用户 (退出登录, then the login dialog for the next user)
        self.user_label = QLabel()
        self.user_label.setObjectName("bannerLabel")
        self.switch_user_button = QPushButton(_t("退出登录/切换用户…"))
        self.switch_user_button.setObjectName("bannerButton")
        self.switch_user_button.setToolTip(_t("退出当前用户，由另一位用户登录；不必关闭程序。"))
        self.switch_user_button.clicked.connect(lambda: self.switch_user())
        bar_layout.addSpacing(12)
        bar_layout.addWidget(self.user_label)
        bar_layout.addWidget(self.switch_user_button)
        self.user_label.hide()
        self.switch_user_button.hide()
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(bar)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)
        self.nav.currentRowChanged.connect(self._on_nav)
        notifier().changed.connect(self._on_changed)
        # other PCs' changes (a shared server or file) and, on a server, the connection
        self.watcher = DatabaseWatcher(self)
        self.watcher.changed_elsewhere.connect(self._changed_elsewhere)
        self.watcher.polled.connect(self._retry_refresh)
        self.watcher.connection_changed.connect(self._show_connection)
        self.refresh_pending = False  # a change seen while a dialog was open: refresh after it
        self.todo_day: date | None = None  # the day the 今日待办 panel shows items for
        self.refreshes = 0  # pages refreshed for other programs' changes (tests, the log)
        self.connection_label = QLabel()
        self.connection_label.setObjectName("connectionLabel")
        self.connection_label.setContentsMargins(0, 0, 12, 0)
        self.server: str | None = None  # host/database of a server database; None for a file
        status = QStatusBar()
        status.setSizeGripEnabled(False)
        status.addPermanentWidget(self.connection_label)
        self.setStatusBar(status)
        status.hide()
        if database is not None:
            self.attach_database(database, remind=remind)

    def attach_database(
        self, database: Database, *, remind: bool = False, home: HomeData | None = None
    ) -> None:
        """Build the pages on ``database`` and show the home page (painted from ``home`` when
        that was read while the database opened); with ``remind`` (the app opening, not
        tests) the 今日待办 panel follows once the window is up."""
        if getattr(database.actor, "unit_uuid", None):  # read before the login, for the
            home = None  # database's own unit: a user of another unit gets their own figures
        self.prefetched_home = home
        from app.services.context import load_context
        from app.services.live import change_marker, server_label
        from app.services.programme import list_programmes

        self.database = database
        self.watcher.watch(database)
        with database.session() as session:
            self.context = load_context(session, self.viewed_programme_id)
            programmes = list_programmes(session)
            # the pages built now show at least this: a later marker is a later change
            self.watcher.seen = change_marker(session)
        self.server = server_label(database.url)
        self._show_connection(self.watcher.connected)
        from app.ui.pages.home_view import window_titles

        title, banner = window_titles(self.context)
        self.setWindowTitle(title)
        self.banner.setText(banner)
        self.banner.setToolTip(banner)
        self._show_user()
        self._fill_year_chooser(programmes)
        pending, self.pending = self.pending, None
        self.nav.setCurrentRow(0)
        self._on_nav(0)
        if self.preview is not None:  # the real 首页 replaces the snapshot's
            self.stack.removeWidget(self.preview)
            self.preview.deleteLater()
            self.preview = None
        if pending is not None:
            self.go_to(*pending)
        if remind:  # the app opening: watch for other programs' changes from now on
            self.watcher.start()
            QTimer.singleShot(0, lambda: self.show_today_panel())
            QTimer.singleShot(BACKUP_DELAY_MS, lambda: self.start_daily_backup())
        if self._pending_package is not None:
            package, self._pending_package = self._pending_package, None
            QTimer.singleShot(0, lambda: self.open_package(package))

    def _show_user(self) -> None:
        """The logged-in user in the banner, with 退出登录/切换用户 (hidden without accounts)."""
        actor = self.database.actor if self.database is not None else None
        if actor is not None:
            # a long display name is cut short (whole in the tooltip): the banner never pushes
            # 退出登录 off a 1366-pixel screen
            metrics = self.user_label.fontMetrics()
            name = metrics.elidedText(actor.display_name, Qt.TextElideMode.ElideRight, USER_NAME_PX)
            self.user_label.setText(
                _t("当前用户：%1（%2）").replace("%1", name).replace("%2", actor.role)
            )
            self.user_label.setToolTip(f"{actor.display_name}（{actor.role}）")
        self.user_label.setVisible(actor is not None)
        self.switch_user_button.setVisible(actor is not None)

    def switch_user(self) -> bool:
        """退出登录/切换用户: log the current user out (audited), hide the window's contents and
        ask for a login; every page is then rebuilt for the new user's role. 退出程序 in the
        login dialog closes the window. True when someone logged in."""
        from app.ui.messages import show_error

        database = self.database
        if database is None or database.actor is None:
            return False
        if running_tasks():
            show_error(
                self,
                _t("切换用户"),
                _t("还有操作在后台进行（例如导出或生成 PDF），请等它完成或取消后再切换用户。"),
            )
            return False
        from app.services.audit import record_logout
        from app.ui.dialogs.account_dialogs import LoginDialog
        from app.ui.operations import Operation

        Operation(self, _t("退出登录"), record_logout, database=database, changes=False).run()
        section = self.current_section()
        database.log_out()  # the data key is forgotten too: the next login unwraps it again
        QPixmapCache.clear()  # decrypted thumbnails go with the user
        if self.today_panel is not None:
            self.today_panel.close()
        central = self.centralWidget()
        central.hide()
        dialog = LoginDialog(database, self)
        if not (dialog.exec() and dialog.actor is not None):
            self.close()
            return False
        database.actor = dialog.actor
        central.show()
        self.reload(section, programme_id=self.viewed_programme_id)
        return True

    def start_daily_backup(self) -> object | None:
        """The day's automatic backup, in the background without a dialog, once the window is
        up (see app.ui.backup_runner); the running task, or None when not due."""
        from app.ui.backup_runner import start_daily_backup

        if self.database is None:
            return None
        return start_daily_backup(self, self.database)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Paint 首页 from the snapshot of its last figures (marked 正在更新…) while the
        database opens; its figures' clicks are queued like the navigation's."""
        from app.ui.pages.home_view import CARD_SECTIONS, HomePreview

        self.preview = HomePreview(snapshot)
        self.preview.view.card_clicked.connect(lambda key: self.go_to(CARD_SECTIONS[key]))
        self.preview.view.bar_clicked.connect(
            lambda unit_id: self.go_to("ledger", {"unit_id": unit_id})
        )
        self.stack.addWidget(self.preview)
        self.stack.setCurrentWidget(self.preview)
        if snapshot.figures.window_title:
            self.setWindowTitle(snapshot.figures.window_title)
        if snapshot.figures.banner:
            self.banner.setText(snapshot.figures.banner)
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(0)
        self.nav.blockSignals(False)

    def _queue(self, key: str, records: dict | None = None) -> None:
        """While the database opens: remember the section asked for, open it afterwards."""
        row = next(i for i, s in enumerate(SECTIONS) if s[0] == key)
        self.pending = None if key == "home" and not records else (key, records)
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(row)
        self.nav.blockSignals(False)
        title = _t(SECTIONS[row][1]) if self.pending is not None else ""
        if self.preview is not None:
            self.preview.set_pending(title)
        else:
            self.loading.setText(
                _t("正在打开数据库……")
                + (_t("随后打开“%1”。").replace("%1", title) if title else "")
            )

    def _fill_year_chooser(self, programmes: list) -> None:
        """The banner's years (current one marked) and, for another year, the read-only note."""
        ctx = self.context
        assert ctx is not None
        self.year_chooser.blockSignals(True)
        self.year_chooser.clear()
        for p in reversed(programmes):
            label = _t("%1年度").replace("%1", str(p.year))
            if p.current:
                label += _t("（当前）")
            self.year_chooser.addItem(label, p.id)
        self.year_chooser.setCurrentIndex(max(self.year_chooser.findData(ctx.programme_id), 0))
        self.year_chooser.blockSignals(False)
        several = len(programmes) > 1
        self.year_chooser.setVisible(several)
        self.year_label.setVisible(several)
        self.year_note.setText(
            _t("正在查看%1年度（只读）").replace("%1", str(ctx.programme_year))
            if ctx.read_only else ""
        )  # fmt: skip
        self.year_note.setToolTip(
            _t("往年的数据只能查看和打印（责任状、总结、汇总报告、通报仍可生成 PDF）；"
               "修改请切换回当前年度。")
        )  # fmt: skip
        self.year_note.setVisible(ctx.read_only)

    def _year_chosen(self, index: int) -> None:
        programme_id = self.year_chooser.itemData(index)
        if self.context is None or programme_id == self.context.programme_id:
            return
        key = self.current_section()
        self.view_programme(programme_id, key)

    def current_section(self) -> str:
        """The key of the section on screen."""
        row = self.nav.currentRow()
        return SECTIONS[row][0] if row >= 0 else "home"

    def view_programme(self, programme_id: int | None, section: str = "home") -> None:
        """Show every page for the programme ``programme_id`` (None or the current one: the
        current programme, editable; another: read-only) and open ``section``."""
        if self.context is not None and programme_id == self.context.current_programme_id:
            programme_id = None
        self.reload(section, programme_id=programme_id)

    def reload(self, section: str = "home", *, programme_id: int | None = None) -> None:
        """Rebuild every page on the same database for ``programme_id`` (None: the current
        programme, e.g. after a new year was started) and show ``section``."""
        if self.database is None:
            return
        if self.today_panel is not None:
            self.today_panel.close()
        self.viewed_programme_id = programme_id
        for page in self.pages.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self.pages.clear()
        self.attach_database(self.database)
        self.open_section(section)

    def come_forward(self) -> None:
        """Bring the window in front of the others (asked by a second start of the program)."""
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        self.activateWindow()

    def open_package(self, path: str) -> None:
        """Show the import preview of the package file ``path`` on 数据交换 (what double-clicking
        a .bjpkg file does), as 导入数据包文件… would: nothing is imported until the clerk
        chooses 导入. Before the database is open the package waits for it."""
        if self.database is None or self.context is None:
            self._pending_package = path
            return
        from app.ui.messages import show_error

        title = _t("打开数据包")
        file = Path(path)
        problem = None
        if not file.exists():
            problem = _t("找不到文件“%1”：它可能已被移动或删除，或所在的 U 盘已拔出。")
        elif file.is_dir():
            problem = _t("“%1”是文件夹，不是数据包文件。要导入文件夹中的数据包，请在“数据交换”"
                         "页面点“导入文件夹（如 U 盘）…”。")  # fmt: skip
        else:
            try:
                with file.open("rb") as handle:
                    handle.read(1)
            except OSError:
                problem = _t("无法读取文件“%1”：没有读取权限，或文件正被其他程序占用。"
                             "请把它复制到本机的文件夹后再打开。")  # fmt: skip
        if problem is not None:
            show_error(self, title, problem.replace("%1", str(file)))
            return
        if self.context.read_only:  # an earlier year on screen: imports go to the current one
            self.view_programme(None, "exchange")
        page = self.open_section("exchange")
        if getattr(page, "_busy", False) or not hasattr(page, "import_paths"):
            show_error(
                self, title,
                _t("“数据交换”页面正在处理其他操作。请等它完成后，再打开数据包“%1”。")
                .replace("%1", file.name),
            )  # fmt: skip
            return
        page.import_paths([file])

    def show_today_panel(self, today: date | None = None) -> TodayPanel | None:
        """今日待办: this PC's overdue and due-soon items as of ``today`` (the PC's date by
        default, moved into the programme's year), shown without blocking; None when there are
        none or 今日不再提示 was chosen today."""
        from app.services.reminders import dismissed_today, due_soon_days, todo_for_pc
        from app.ui.dialogs.reminder_dialogs import TodayPanel
        from app.ui.operations import Operation

        day = today or date.today()

        def find(session) -> tuple[list, int]:
            if dismissed_today(session, day):
                return [], 0
            return todo_for_pc(session, day), due_soon_days(session)

        ok, found = Operation(self, _t("今日待办"), find, database=self.database,
                              changes=False).run()  # fmt: skip
        if not ok or found is None or not found[0]:
            return None
        items, days = found
        if self.today_panel is not None:
            self.today_panel.close()
        panel = TodayPanel(items, days, self)
        panel.open_record.connect(
            lambda item: self.go_to(item.section, {"record_id": item.record_id,
                                                   "unit_id": item.unit_id})
        )  # fmt: skip
        panel.dismissed.connect(lambda: self._dismiss_reminders(day))
        panel.destroyed.connect(lambda: setattr(self, "today_panel", None))
        self.today_panel = panel
        self.todo_day = day
        panel.show()
        return panel

    def _dismiss_reminders(self, day: date) -> None:
        from app.services.reminders import dismiss_for_today
        from app.ui.operations import Operation

        Operation(self, _t("今日不再提示未保存"), lambda s: dismiss_for_today(s, day),
                  database=self.database, changes=False).run()  # fmt: skip

    def page(self, key: str) -> Page | PlaceholderPage:
        """The page of a section, created on first use."""
        if key not in self.pages:
            self.pages[key] = self._make_page(key)
            self.stack.addWidget(self.pages[key])
        return self.pages[key]

    def _make_page(self, key: str) -> Page | PlaceholderPage:
        assert self.database is not None and self.context is not None
        cls = page_class(key)
        if cls is not None:
            if key == "home":
                home, self.prefetched_home = self.prefetched_home, None
                page = cls(self.database, self.context, prefetched=home)  # type: ignore[call-arg]
            else:
                page = cls(self.database, self.context)
            if key == "home":
                page.navigate.connect(self.go_to)  # type: ignore[attr-defined]
            return page
        _key, title, description = next(s for s in SECTIONS if s[0] == key)
        return PlaceholderPage(_t(title), _t(description))

    def open_section(self, key: str) -> QWidget:
        """Select a section in the navigation and return its page (while the database opens:
        the section is opened once it is open, and the page on screen is returned)."""
        if self.database is None:
            self._queue(key)
            return self.stack.currentWidget()
        row = next(i for i, s in enumerate(SECTIONS) if s[0] == key)
        self.nav.setCurrentRow(row)
        return self.page(key)

    @Slot(str, object)
    def go_to(self, key: str, records: dict | None = None) -> QWidget:
        """Open a section showing the records a dashboard figure stands for: ``unit_id`` or
        ``entry_id`` on the ledger, ``record_id`` on pages that can select one (while the
        database opens: once it is open)."""
        if self.database is None:
            self._queue(key, records)
            return self.stack.currentWidget()
        page = self.open_section(key)
        records = {k: v for k, v in (records or {}).items() if v is not None}
        if records and hasattr(page, "show_records"):
            page.show_records(**records)
        return page

    @Slot(int)
    def _on_nav(self, row: int) -> None:
        if row < 0:
            return
        if self.database is None:
            if self.loading_database:
                self._queue(SECTIONS[row][0])
            return
        key = SECTIONS[row][0]
        existed = key in self.pages
        page = self.page(key)
        if existed and page is not self.stack.currentWidget():
            page.refresh()  # another page may have changed what this one shows
        self.stack.setCurrentWidget(page)

    @Slot(object)
    def _on_changed(self, initiator: object) -> None:
        """A user action changed the database: the page on screen shows it at once (the page
        that started it has refreshed itself; the others refresh when opened)."""
        page = self.stack.currentWidget()
        if (
            not self.isVisible()
            or page is None
            or page is self.loading
            or not hasattr(page, "refresh")
        ):
            return
        widget = initiator
        while isinstance(widget, QWidget):
            if widget is page:
                return
            widget = widget.parentWidget()
        page.refresh()

    def _show_connection(self, connected: bool) -> None:
        """The status bar's connection indicator, for a database server only: 已连接 host/db,
        or 连接中断（正在重试） while the polls fail."""
        status = self.statusBar()
        if self.server is None:
            status.hide()
            return
        if connected:
            self.connection_label.setText(_t("已连接 %1").replace("%1", self.server))
            self.connection_label.setToolTip(_t("数据库服务器：%1").replace("%1", self.server))
            self.connection_label.setStyleSheet("color: #2e7d32;")
        else:
            self.connection_label.setText(_t("连接中断（正在重试）"))
            self.connection_label.setToolTip(
                _t("连不上数据库服务器 %1。程序每隔几秒重试一次，连上后自动恢复；"
                   "其间保存会失败，表单中填写的内容不会丢失。").replace("%1", self.server)
            )  # fmt: skip
            self.connection_label.setStyleSheet("color: #c62828; font-weight: bold;")
        status.show()

    @Slot()
    def _changed_elsewhere(self) -> None:
        """Another program changed the database: refresh what is on screen (now, or once the
        dialog open now is closed)."""
        self.refresh_pending = True
        self._retry_refresh()

    @Slot()
    def _retry_refresh(self) -> None:
        if self.refresh_pending:
            self.refresh_for_others()

    def refresh_for_others(self) -> bool:
        """Refresh the page on screen and the banner for changes made by another program,
        keeping the tables' selection and scroll position. Put off (False) while a dialog is
        open (its data are not pulled from under it) or nobody is logged in; the next poll
        tries again."""
        from PySide6.QtWidgets import QApplication

        page = self.stack.currentWidget()
        if (
            self.database is None
            or not self.isVisible()
            or not self.centralWidget().isVisible()  # logged out, or locked while idle
            or QApplication.activeModalWidget() is not None
        ):
            return False
        self.refresh_pending = False
        try:
            if page is not None and page is not self.loading and hasattr(page, "refresh"):
                with keeping_view_state(page):
                    page.refresh()
            self._refresh_banner()
            self._refresh_todo()
        except Exception as error:  # the connection dropped meanwhile: the next poll retries
            self.refresh_pending = True
            import logging

            logging.getLogger("bangjiao.ui").warning(
                "刷新其他电脑的修改未完成：%s", type(error).__name__
            )
            return False
        self.refreshes += 1
        return True

    def _refresh_banner(self) -> None:
        """The banner and title again (the programme may have been renamed elsewhere)."""
        from app.services.context import load_context
        from app.ui.pages.home_view import window_titles

        assert self.database is not None
        with self.database.session() as session:
            context = load_context(session, self.viewed_programme_id)
        title, banner = window_titles(context)
        self.setWindowTitle(title)
        self.banner.setText(banner)
        self.banner.setToolTip(banner)

    def _refresh_todo(self) -> None:
        """今日待办, when open, lists what is due now (in place: where it stands, what is
        selected)."""
        panel = self.today_panel
        if panel is None or not panel.isVisible() or self.database is None:
            return
        from app.services.reminders import due_soon_days, todo_for_pc

        day = self.todo_day or date.today()
        with self.database.session() as session:
            items, days = todo_for_pc(session, day), due_soon_days(session)
        with keeping_view_state(panel):
            panel.set_items(items, days)

    def closeEvent(self, event) -> None:
        if running_tasks():
            from app.ui.messages import show_error

            show_error(
                self,
                _t("请稍候"),
                _t("还有操作在后台进行（例如导出或生成 PDF），请等它完成或取消后再关闭程序。"),
            )
            event.ignore()
            return
        self.watcher.stop()
        if self.database is not None:
            self.database.close()
        super().closeEvent(event)
