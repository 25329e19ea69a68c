"""Login, recovery, 用户管理 and the 设置 section, clicked as a clerk clicks them."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QWidget

from app.services import accounts
from app.ui.dialogs.account_dialogs import (
    LoginDialog,
    RecoveryCodeDialog,
    RecoveryDialog,
    UserDialog,
    UsersDialog,
)
from tests.conftest import ADMIN_USER as TEST_USER
from tests.conftest import TEST_PASSWORD, open_unlocked
from tests.helpers import assert_fits_screen, open_page

SHOTS = os.environ.get("BANGJIAO_SHOTS", "")


def _ok(qtbot, dialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _shot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / name))


def test_login_dialog_refuses_a_wrong_password_then_logs_in(qtbot, gui_app, database):
    dialog = LoginDialog(database)
    qtbot.addWidget(dialog)
    assert_fits_screen(dialog)
    dialog.name.setText(TEST_USER)
    dialog.password.setText("wrong-password")
    _ok(qtbot, dialog)
    assert dialog.error.isVisible() and "用户名或密码不正确" in dialog.error.text()
    assert dialog.actor is None and dialog.password.text() == ""
    _shot(dialog, "acct-login.png")
    dialog.password.setText(TEST_PASSWORD)
    _ok(qtbot, dialog)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.role == "管理员"


def test_forgotten_password_recovered_with_the_code(
    qtbot, gui_app, database, recovery_code, monkeypatch
):
    shown: list[str] = []
    monkeypatch.setattr(RecoveryCodeDialog, "exec", lambda self: shown.append(self.code) or 1)
    dialog = RecoveryDialog(database)
    qtbot.addWidget(dialog)
    assert_fits_screen(dialog)
    dialog.code.setText(recovery_code)
    dialog.name.setText(TEST_USER)
    dialog.password.setText("recovered-pw-1")
    dialog.repeat.setText("recovered-pw-1")
    _ok(qtbot, dialog)
    assert shown and shown[0] != recovery_code  # a new code, shown once
    with database.session() as s:
        assert accounts.authenticate(s, TEST_USER, "recovered-pw-1").role == "管理员"


def test_recovery_code_sheet_is_saved_as_a_pdf(qtbot, gui_app, dialogs, tmp_path):
    sheet = RecoveryCodeDialog("7KQ2-M9XH-ABCD-EFGH-JKMN", TEST_USER, "县矫正办")
    qtbot.addWidget(sheet)
    assert_fits_screen(sheet)
    dialogs.save_paths.append(tmp_path / "恢复码单.pdf")
    qtbot.mouseClick(sheet.save, Qt.MouseButton.LeftButton)
    assert sheet.saved_to is not None
    data = Path(sheet.saved_to).read_bytes()
    assert data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = PdfReader(sheet.saved_to).pages[0].extract_text()
    assert "7KQ2-M9XH-ABCD-EFGH-JKMN" in text and "恢复码" in text
    if os.name == "posix":  # the code opens every account's data: owner-only
        assert Path(sheet.saved_to).stat().st_mode & 0o777 == 0o600


def test_users_dialog_adds_a_user_changes_a_role_and_keeps_the_last_admin(qtbot, gui_app, database):
    add = UserDialog(database)
    qtbot.addWidget(add)
    add.name.setText("li")
    add.display.setText("李填报")
    add.role.setCurrentText("填报员")
    add.password.setText("clerk-pass-1")
    add.repeat.setText("clerk-pass-2")
    _ok(qtbot, add)
    assert "不一致" in add.error.text()
    add.repeat.setText("clerk-pass-1")
    _ok(qtbot, add)
    assert add.result() == UserDialog.DialogCode.Accepted
    users = UsersDialog(database)
    qtbot.addWidget(users)
    assert_fits_screen(users)
    rows = users.table.rowCount()
    assert rows == 2
    row = [users.table.item(r, 0).text() for r in range(rows)].index("li")
    users.table.selectRow(row)
    users.role.setCurrentText("查看")
    qtbot.mouseClick(users.set_role, Qt.MouseButton.LeftButton)
    assert users.table.item(row, 2).text() == "查看"
    admin_row = [users.table.item(r, 0).text() for r in range(rows)].index(TEST_USER)
    users.table.selectRow(admin_row)
    qtbot.mouseClick(users.toggle, Qt.MouseButton.LeftButton)
    assert "最后一位" in users.error.text()
    assert users.table.item(admin_row, 4).text() == "在用"
    _shot(users, "acct-users.png")


def test_settings_shows_user_management_to_the_admin_only(qtbot, gui_app, db_path, shipped_roles):

    db = open_unlocked(str(db_path))
    with db.session() as s:
        accounts.add_user(s, "viewer", "viewer-pass-1", "查看")
    db.close()
    admin_page = open_page(qtbot, db_path, "settings")
    admin_page.database.actor = None  # the program itself: everything
    viewer_db = open_unlocked(str(db_path))
    with viewer_db.session() as s:
        viewer_db.actor = accounts.authenticate(s, "viewer", "viewer-pass-1")
    from app.ui.pages.settings import SettingsPage

    page = SettingsPage(viewer_db, admin_page.context)
    qtbot.addWidget(page)
    page.show()
    assert not page.users_button.isVisibleTo(page) and not page.idle.isEnabled()
    assert admin_page.users_button.isVisibleTo(admin_page)
    # a 查看 user can neither back up nor restore (restore would replace every record)
    assert not page.restore_button.isEnabled() and not page.backup_now_button.isEnabled()
    assert "角色" in page.restore_button.toolTip()
    assert admin_page.restore_button.isEnabled()
    viewer_db.close()


def test_the_window_logs_in_from_the_variables_and_hides_the_snapshot_without_them(
    gui_app, database, db_path, monkeypatch
):
    from app.ui.application import _snapshot_for
    from app.ui.login import file_has_users, log_in

    assert file_has_users(db_path)
    assert log_in(database, None) and database.actor is not None
    assert database.actor.user_name == TEST_USER
    monkeypatch.delenv("BANGJIAO_PASSWORD")
    assert _snapshot_for(str(db_path)) is None  # no figures before a login


def test_idle_lock_hides_the_window_and_asks_the_password_again(
    qtbot, gui_app, db_path, monkeypatch
):
    import time

    from app.ui.login import IdleLock

    page = open_page(qtbot, db_path, "settings")
    window = page.window()
    database = page.database
    with database.session() as s:
        database.actor = accounts.authenticate(s, TEST_USER, TEST_PASSWORD)
        accounts.set_idle_minutes(s, 1)
    seen: list[tuple[str | None, bool]] = []

    def answer(dialog) -> int:
        seen.append((dialog.name.text(), window.centralWidget().isVisible()))
        dialog.password.setText(TEST_PASSWORD)
        _ok(qtbot, dialog)
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", answer)
    lock = IdleLock(window, database)
    lock.check()
    assert seen == []  # not idle yet
    lock.last_input = time.monotonic() - 61
    lock.check()
    assert seen == [(TEST_USER, False)]  # locked: contents hidden, the same user asked
    assert window.centralWidget().isVisible() and not lock.locked

    monkeypatch.setattr(LoginDialog, "exec", lambda dialog: 0)  # 退出程序
    lock.last_input = time.monotonic() - 61
    lock.check()
    assert not window.isVisible()


def test_settings_sets_up_the_first_admin_of_a_database_without_users(
    qtbot, gui_app, tmp_path, monkeypatch
):
    from app.services.setup import initialise
    from app.ui.dialogs.account_dialogs import FirstAdminDialog

    path = tmp_path / "old.db"
    initialise(str(path), "qingtian-2018", "县矫正办").database.close()  # no users yet
    page = open_page(qtbot, str(path), "settings")
    assert page.first_admin_button.isVisibleTo(page)
    codes: list[str] = []
    monkeypatch.setattr(RecoveryCodeDialog, "exec", lambda self: codes.append(self.code) or 1)

    def answer(dialog) -> int:
        assert_fits_screen(dialog)
        dialog.name.setText("王管理")
        dialog.password.setText("office-pass-1")
        dialog.repeat.setText("office-pass-1")
        _ok(qtbot, dialog)
        return dialog.result()

    monkeypatch.setattr(FirstAdminDialog, "exec", answer)
    qtbot.mouseClick(page.first_admin_button, Qt.MouseButton.LeftButton)
    assert len(codes) == 1 and not page.first_admin_button.isVisibleTo(page)
    assert page.database.actor is not None and page.database.actor.role == "管理员"
    with page.database.session() as s:
        accounts.recover_with_code(s, codes[0], "王管理", "new-office-pw-1")


def test_the_ledger_page_disables_what_a_viewer_may_not_do(qtbot, gui_app, db_path, shipped_roles):
    from app.ui.pages.ledger import LedgerPage

    clerk_page = open_page(qtbot, db_path, "ledger")
    assert clerk_page.add_button.isEnabled() and clerk_page.export_button.isEnabled()
    viewer_db = open_unlocked(str(db_path))
    with viewer_db.session() as s:
        accounts.add_user(s, "viewer", "viewer-pass-1", "查看")
    with viewer_db.session() as s:
        viewer_db.actor = accounts.authenticate(s, "viewer", "viewer-pass-1")
    page = LedgerPage(viewer_db, clerk_page.context)
    qtbot.addWidget(page)
    page.show()
    assert not page.add_button.isEnabled() and not page.export_button.isEnabled()
    assert "角色" in page.add_button.toolTip()
    viewer_db.close()


def test_a_viewer_double_clicking_an_entry_sees_it_read_only_with_the_number_masked(
    qtbot, gui_app, db_path, shipped_roles, monkeypatch
):
    from datetime import date

    from app.services import ledger
    from app.services.idcard import mask_id_number
    from app.services.ledger import EntryInput
    from app.services.subjects import SubjectInput
    from app.ui.ledger.entry_dialog import EntryDialog
    from app.ui.pages.ledger import LedgerPage
    from tests.helpers import kind_ids, unit_ids, valid_id_number

    database = open_unlocked(str(db_path))
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        ledger.save_entry(s, database.attachments, None, EntryInput(
            kind_id=kinds["legal_aid"], unit_id=units["法律援助中心"], entry_date=date(2018, 8, 3),
            title="法律援助", values={"applicant": "李玥", "relation": "本人", "case_type": "民事",
                                      "approved_on": "2018-08-01", "result": "办理中"},
            subject=SubjectInput(name="李玥", category="缓刑", id_number=valid_id_number(),
                                 office_id=units["瓯南司法所"]),
        ))  # fmt: skip
        accounts.add_user(s, "viewer", "viewer-pass-1", "查看")
    with database.session() as s:
        database.actor = accounts.authenticate(s, "viewer", "viewer-pass-1")
    from app.services.context import load_context

    with database.session() as s:
        context = load_context(s)
    page = LedgerPage(database, context)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    seen: list[EntryDialog] = []
    monkeypatch.setattr(EntryDialog, "exec", lambda dialog: seen.append(dialog) or 0)
    rect = page.view.visualRect(page.view.model().index(0, 2))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    (dialog,) = seen
    assert dialog.windowTitle() == "查看台账" and not dialog.ok_button.isVisible()
    assert dialog.cancel_button.text() == "关闭" and dialog.subject_name.isReadOnly()
    assert dialog.subject_id_number.text() == mask_id_number(valid_id_number())
    assert not dialog.photos.isEnabled() or not dialog.kind.isEnabled()
    database.close()


def test_idle_lock_leaves_a_closed_window_alone(qtbot, gui_app, db_path, monkeypatch):
    """A window already closed is not locked (a nested login over nothing, then closing a
    window that may be gone: seen when a run's earlier windows outlived 15 idle minutes)."""
    import time

    from app.ui.login import IdleLock

    page = open_page(qtbot, db_path, "settings")
    window = page.window()
    database = page.database
    with database.session() as s:
        database.actor = accounts.authenticate(s, TEST_USER, TEST_PASSWORD)
        accounts.set_idle_minutes(s, 1)
    asked: list[object] = []
    monkeypatch.setattr(LoginDialog, "exec", lambda dialog: asked.append(dialog) or 0)
    lock = IdleLock(window, database)
    window.close()
    lock.last_input = time.monotonic() - 61
    lock.check()
    assert asked == [] and not lock.locked


def test_idle_lock_is_quiet_while_the_server_is_out_of_reach(qtbot, gui_app, postgres_url):
    """The idle check reads the database every 15 s: a server out of reach is the status
    bar's to say (连接中断), not a box every 15 s over every window (CLERK20)."""
    import time

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from app.services.setup import initialise
    from app.ui.login import IdleLock

    database = initialise(postgres_url, "qingtian-2018", "县矫正办").database
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    database.actor = accounts.Actor(1, "admin", "管理员", "管理员", frozenset({"read"}))
    lock = IdleLock(window, database)
    name = make_url(postgres_url).database
    server = make_url(postgres_url).set(database="postgres")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # the database gone from under the program
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()
    lock.last_input = time.monotonic() - 3600
    lock.check()  # no error escapes: the no_unanswered_dialogs fixture fails on any box
    assert not lock.locked and window.isVisible()
    database.close()
