"""Pages refresh when another program changes the database, and a lost server connection
(issue 18): the change marker, the window's poll, the connection indicator, the Chinese
message and a form that keeps what was typed. The server tests run when
``BANGJIAO_TEST_POSTGRES`` names one; stopping and starting the server needs
``BANGJIAO_TEST_POSTGRES_CTL`` (the ``pg_ctl`` command of that cluster, as ``.ci/run`` sets it)."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from app.models import LedgerEntry
from app.services import ledger
from app.services.database import Database, create_db_engine, open_database
from app.ui.ledger.entry_dialog import EntryDialog
from app.ui.main_window import MainWindow
from app.ui.pages.ledger import LedgerPage
from tests.conftest import TEMPLATE_KEY, open_unlocked
from tests.helpers import kind_ids, unit_ids

SHOTS = Path(os.environ.get("BANGJIAO_SHOTS", "")) if os.environ.get("BANGJIAO_SHOTS") else None


def _entry(session, title: str, day: int = 2) -> int:
    units, kinds = unit_ids(session), kind_ids(session)
    return ledger.save_entry(session, None, None, ledger.EntryInput(  # type: ignore[arg-type]
        kind_id=kinds["hotline"], unit_id=units["法律援助中心"],
        entry_date=date(2018, 7, day), title=title, values={"calls": 2},
    ))  # fmt: skip


def _count(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(LedgerEntry)) or 0


def _window(qtbot, database: Database, interval_ms: int = 50) -> tuple[MainWindow, LedgerPage]:
    window = MainWindow(database)
    qtbot.addWidget(window)
    window.watcher.interval_ms = interval_ms  # a few seconds in the app
    window.show()
    page = window.open_section("ledger")
    assert isinstance(page, LedgerPage)
    window.watcher.start()
    return window, page


def _polls(qtbot, window: MainWindow, more: int = 3) -> None:
    """Wait until the watcher has polled ``more`` more times (no sleeping)."""
    target = window.watcher.polls + more
    qtbot.waitUntil(lambda: window.watcher.polls >= target, timeout=10_000)


def test_the_change_marker_moves_with_every_write_by_anyone(two_programs) -> None:
    from app.services.live import change_marker

    first, second = two_programs
    with first.session() as s:
        before = change_marker(s)
    with second.session() as s:
        _entry(s, "另一台电脑登记")
    with first.session() as s:
        after = change_marker(s)
    assert after != before and after.split(":")[0].isdigit()
    assert second.written_marker == after  # the writer knows the change was its own
    assert first.written_marker != after


def test_another_programs_entry_appears_on_the_open_ledger_within_the_poll(
    qtbot, gui_app, two_programs
) -> None:
    first, second = two_programs
    with second.session() as s:
        kept = _entry(s, "已有的台账", day=1)
    window, page = _window(qtbot, first)
    _polls(qtbot, window, 2)
    assert page.model.total == 1 and window.refreshes == 0
    page.view.selectRow(0)  # the clerk's selection survives the refresh
    assert page.selected_entry_id() == kept

    with second.session() as s:
        _entry(s, "另一台电脑刚登记的台账", day=3)
    qtbot.waitUntil(lambda: page.model.total == 2, timeout=10_000)
    assert window.refreshes == 1
    assert {page.model.row_at(i).title for i in range(2)} == {
        "已有的台账",
        "另一台电脑刚登记的台账",
    }
    assert page.selected_entry_id() == kept
    assert "共 2 条" in page.count_label.text()

    # this window's own change refreshes its page at once, and the poll does not again
    with first.session() as s:
        _entry(s, "本机登记", day=4)
    page.refresh()
    _polls(qtbot, window)
    assert window.refreshes == 1 and page.model.total == 3


def test_the_refresh_keeps_a_long_lists_scroll_position_and_selection(
    qtbot, gui_app, db_path
) -> None:
    """205 entries (two pages of the paged list), scrolled to the end, the oldest selected:
    after another program's entry the list is loaded as far and scrolled as before."""
    first, second = open_unlocked(str(db_path)), open_unlocked(str(db_path))
    with second.session() as s:
        ids = [_entry(s, f"台账 {n}", day=1 + n % 28) for n in range(205)]
    window, page = _window(qtbot, first)
    window.resize(1200, 700)
    bar = page.view.verticalScrollBar()
    while page.model.canFetchMore():
        page.model.fetchMore()
    bar.setValue(bar.maximum())
    page.view.selectRow(page.model.rowCount() - 1)
    selected, at = page.selected_entry_id(), bar.value()
    assert selected in ids and at > 0
    with second.session() as s:
        _entry(s, "另一台电脑刚登记的台账", day=28)
    qtbot.waitUntil(lambda: page.model.total == 206, timeout=10_000)
    assert page.model.rowCount() == 206  # both pages loaded again
    assert bar.value() == at and page.selected_entry_id() == selected
    first.close()
    second.close()


def test_a_change_seen_while_a_dialog_is_open_waits_for_it_to_close(
    qtbot, gui_app, monkeypatch, db_path
) -> None:
    """The entry form open on A: B's entry does not reload the page under it; once the form
    is closed, the next poll refreshes the list."""
    first, second = open_unlocked(str(db_path)), open_unlocked(str(db_path))
    window, page = _window(qtbot, first)
    seen: list[tuple[int, int]] = []

    def exec_(dialog: EntryDialog) -> int:
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)  # as exec() shows it
        dialog.show()
        dialog.title.setText("正在填写的台账")
        with second.session() as s:
            _entry(s, "另一台电脑登记")
        _polls(qtbot, window)
        seen.append((page.model.total, window.refreshes))
        assert window.refresh_pending and dialog.title.text() == "正在填写的台账"
        dialog.done(0)
        return 0

    monkeypatch.setattr(EntryDialog, "exec", exec_)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert seen == [(0, 0)]
    qtbot.waitUntil(lambda: page.model.total == 1, timeout=10_000)
    assert window.refreshes == 1 and not window.refresh_pending
    first.close()
    second.close()


def test_the_open_todo_panel_lists_what_another_program_made_due(qtbot, gui_app, db_path) -> None:
    from app.services import inspections
    from app.services.inspections import FindingInput, InspectionInput
    from app.services.settings import current_programme

    first, second = open_unlocked(str(db_path)), open_unlocked(str(db_path))
    window, _page = _window(qtbot, first)
    panel = window.show_today_panel(date(2018, 12, 28))
    assert panel is not None
    before = len(panel.model.rows())
    with second.session() as s:
        units = unit_ids(s)
        inspections.record_inspection(s, InspectionInput(
            inspection_date=date(2018, 12, 3), inspectors="张三、李四",
            inspected_unit_id=units["法律援助中心"], programme_id=current_programme(s).id,
            findings=[FindingInput(text="台账照片不全", rectify=True,
                                   responsible_unit_id=units["法律援助中心"],
                                   deadline=date(2018, 12, 20))],
        ), units["县矫正办"])  # fmt: skip
    qtbot.waitUntil(lambda: len(panel.model.rows()) == before + 1, timeout=10_000)
    assert any(i.overdue and i.unit == "法律援助中心" for i in panel.model.rows())
    assert f"逾期 {sum(i.overdue for i in panel.model.rows())} 项" in panel.summary.text()
    assert panel.isVisible() and window.today_panel is panel  # refreshed in place
    panel.close()
    first.close()
    second.close()


def test_a_sqlite_window_shows_no_connection_indicator(qtbot, gui_app, db_path) -> None:
    window, _page = _window(qtbot, open_unlocked(str(db_path)))
    _polls(qtbot, window, 1)
    assert window.server is None and not window.statusBar().isVisible()
    window.database.close()


# ------------------------------------------------------------------------------ the server

SERVER = os.environ.get("BANGJIAO_TEST_POSTGRES", "")
# A second throwaway cluster that only the stop-and-start test uses (the tests run in parallel:
# stopping the shared one would fail the others'): its URL and its pg_ctl command
STOPPABLE = os.environ.get("BANGJIAO_TEST_POSTGRES_STOPPABLE", "")
CTL = os.environ.get("BANGJIAO_TEST_POSTGRES_CTL", "")
needs_server = pytest.mark.skipif(
    not SERVER, reason="no PostgreSQL server (BANGJIAO_TEST_POSTGRES)"
)


def _terminate(url: str) -> int:
    """End every connection to the database of ``url`` from another one (as an administrator
    or a server restart would); how many were ended."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    name = make_url(url).database
    admin = create_engine(SERVER, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            return len(
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = :name AND pid <> pg_backend_pid()"),
                    {"name": name},
                ).all()
            )  # fmt: skip
    finally:
        admin.dispose()


@needs_server
def test_the_next_action_works_after_the_server_ended_the_connections(postgres_url) -> None:
    from app.services.setup import initialise

    database = initialise(postgres_url, TEMPLATE_KEY, "县矫正办").database
    try:
        with database.session() as s:
            _entry(s, "第一条")
        assert database.engine.pool.checkedin() >= 1  # type: ignore[attr-defined]
        assert _terminate(postgres_url) >= 1  # the pooled connection is dead now
        with database.session() as s:  # checked before use (pre-ping) and replaced
            _entry(s, "第二条")
        assert _count(database) == 2
    finally:
        database.close()


@needs_server
def test_a_dropped_connection_is_explained_in_chinese(postgres_url) -> None:
    import psycopg

    from app.services.errors import SERVER_CONNECTION_LOST, environment_problem

    connection = psycopg.connect(_libpq(postgres_url))
    _terminate(postgres_url)
    with pytest.raises(psycopg.OperationalError) as raised:
        connection.execute("SELECT 1")
    assert environment_problem(raised.value) == SERVER_CONNECTION_LOST
    assert "您填写的内容还在，请稍后再点“保存”" in SERVER_CONNECTION_LOST
    connection.close()


def test_a_server_that_cannot_be_reached_at_start_is_named_without_its_password(
    tmp_path,
) -> None:
    pytest.importorskip("psycopg")
    from app.services.errors import DatabaseError

    url = f"postgresql+psycopg://clerk:secret-pw@/bangjiao?host={tmp_path}&port=55444"
    with pytest.raises(DatabaseError) as raised:
        open_database(url)  # no server listens in an empty folder
    message = str(raised.value)
    assert message.startswith(f"连接不上数据库服务器（{tmp_path}:55444）：服务器没有开机")
    assert "secret-pw" not in message


def test_a_page_reading_a_server_that_is_gone_is_no_bug(dialogs, tmp_path) -> None:
    """A page opened or refreshed while the server is unreachable reads it outside the
    operations path: what escapes the slot is told as the lost connection, not as a bug (no
    error logged)."""
    psycopg = pytest.importorskip("psycopg")
    from app.services.errors import SERVER_CONNECTION_LOST
    from app.ui.application import _show_uncaught

    engine = create_db_engine(f"postgresql+psycopg://postgres@/bangjiao?host={tmp_path}&port=55444")
    try:
        engine.connect()
    except OperationalError as error:
        assert isinstance(error.orig, psycopg.OperationalError)
        _show_uncaught(type(error), error, error.__traceback__)  # as sys.excepthook
    assert dialogs.texts() == [SERVER_CONNECTION_LOST]


@needs_server
def test_a_refused_login_is_not_called_a_lost_connection(postgres_url) -> None:
    from sqlalchemy.engine import make_url

    from app.services.errors import SERVER_REFUSED_LOGIN, environment_problem

    missing = make_url(postgres_url).set(database="bangjiao_no_such_database")
    engine = create_db_engine(missing.render_as_string(hide_password=False))
    with pytest.raises(OperationalError) as raised:
        engine.connect()
    assert environment_problem(raised.value) == SERVER_REFUSED_LOGIN
    engine.dispose()


def _libpq(url: str) -> str:
    """The libpq connection string of a SQLAlchemy URL."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    parts = {"dbname": parsed.database, "user": parsed.username, **dict(parsed.query)}
    if parsed.host:
        parts["host"] = parsed.host
    if parsed.port:
        parts["port"] = str(parsed.port)
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def _ctl(action: str) -> None:
    """Stop or start the test server with the command ``BANGJIAO_TEST_POSTGRES_CTL``."""
    extra = ["-m", "fast", "-w", "stop"] if action == "stop" else ["-w", "start"]
    subprocess.run([*shlex.split(CTL), *extra], check=True, capture_output=True, timeout=60)


@pytest.fixture
def stoppable_server_url() -> Iterator[str]:
    """A fresh database on the test server this test may stop and start again
    (``BANGJIAO_TEST_POSTGRES_STOPPABLE``, its ``pg_ctl`` in ``BANGJIAO_TEST_POSTGRES_CTL``)."""
    if not STOPPABLE or not CTL:
        pytest.skip(
            "no server the test may stop and start "
            "(BANGJIAO_TEST_POSTGRES_STOPPABLE, BANGJIAO_TEST_POSTGRES_CTL)"
        )
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    name = f"bangjiao_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(STOPPABLE, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(STOPPABLE).set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception:  # the server left stopped by a failed test: start it first
            _ctl("start")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _choose(combo, label: str) -> None:
    index = combo.findText(label)
    assert index >= 0, label
    combo.setCurrentIndex(index)


def test_save_while_the_server_is_down_keeps_the_form_and_saves_once_it_is_back(
    qtbot, monkeypatch, dialogs, stoppable_server_url
) -> None:
    from app.services.errors import SERVER_CONNECTION_LOST
    from app.services.setup import initialise

    database = initialise(stoppable_server_url, TEMPLATE_KEY, "县矫正办").database
    window, page = _window(qtbot, database, interval_ms=100)
    assert window.statusBar().isVisible()
    assert window.connection_label.text() == f"已连接 {window.server}"
    assert window.server is not None and window.server.endswith(database.engine.url.database)
    states: list[object] = []

    def exec_(dialog: EntryDialog) -> int:
        dialog.show()
        _choose(dialog.kind, "12348 热线服务")
        _choose(dialog.unit, "法律援助中心")
        dialog.entry_date.setValue(date(2018, 7, 9))
        dialog.title.setText("服务器停机时填写的台账")
        dialog.fields_widget.set_value("calls", "3")
        _ctl("stop")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        states.append((dialog.isVisible(), dialog.title.text(), dialog.general_error.text()))
        qtbot.waitUntil(lambda: window.connection_label.text() == "连接中断（正在重试）",
                        timeout=10_000)  # fmt: skip
        if SHOTS is not None:
            window.grab().save(str(SHOTS / "pg19-live-disconnected-window.png"))
            dialog.grab().save(str(SHOTS / "pg19-live-disconnected-dialog.png"))
        _ctl("start")
        qtbot.waitUntil(lambda: window.connection_label.text().startswith("已连接"),
                        timeout=10_000)  # fmt: skip
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        states.append(dialog.result())
        return dialog.result()

    monkeypatch.setattr(EntryDialog, "exec", exec_)
    try:
        qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    finally:
        if not _server_up():
            _ctl("start")
    visible, typed, note = states[0]  # type: ignore[misc]
    assert visible and typed == "服务器停机时填写的台账"
    assert "表单中填写的内容都还在" in note
    assert dialogs.texts() == [SERVER_CONNECTION_LOST]
    assert states[1] == 1  # accepted: saved
    with database.session() as s:
        titles = list(s.scalars(select(LedgerEntry.title)))
    assert titles == ["服务器停机时填写的台账"]  # saved once
    assert page.model.total == 1
    window.close()
    database.close()


def _server_up() -> bool:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(STOPPABLE, poolclass=NullPool)
    try:
        with engine.connect():
            return True
    except Exception:
        return False
    finally:
        engine.dispose()
