"""Account-related UI and guards (issue 16, second pass): what each role sees disabled and why,
logging out, the default role of a new user, the audit log's permission, clicked as a clerk
clicks them."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.services import accounts
from app.ui.dialogs.account_dialogs import UserDialog
from tests.conftest import open_unlocked
from tests.helpers import assert_fits_screen, open_page

SHOTS = os.environ.get("BANGJIAO_SHOTS", "")


def _ok(qtbot, dialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _shot(widget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(SHOTS) / name))


def test_a_new_user_is_a_filler_by_default_and_each_role_says_what_it_may_do(
    qtbot, gui_app, database, shipped_roles
):
    add = UserDialog(database)
    qtbot.addWidget(add)
    assert_fits_screen(add)
    assert add.role.currentText() == "填报员"  # the least-privileged writing role, not 管理员
    described = accounts.roles()["填报员"].description
    assert described and described in add.role_description.text()
    _shot(add, "ui16-add-user.png")
    add.role.setCurrentText("负责人")
    assert accounts.roles()["负责人"].description in add.role_description.text()
    tips = [add.role.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(add.role.count())]
    assert tips == [role.description for role in accounts.roles().values()]
    add.role.setCurrentText("填报员")
    add.name.setText("zhang")
    add.password.setText("clerk-pass-1")
    add.repeat.setText("clerk-pass-1")
    _ok(qtbot, add)  # 确定 without touching the role: a 填报员
    with database.session() as s:
        assert accounts.find_user(s, "zhang").role == "填报员"


def test_the_idle_lock_box_is_as_wide_as_its_text(qtbot, gui_app, db_path):
    page = open_page(qtbot, db_path, "settings")
    page.window().resize(1366, 768)
    qtbot.wait(10)
    assert page.idle.width() < 200 < page.width() / 3
    _shot(page.window(), "ui16-settings.png")


def _window_as(qtbot, db_path, user: str, role: str):
    """A shown main window on ``db_path`` with ``user`` (a new account of ``role``) logged in."""
    from app.ui.main_window import MainWindow
    from tests import helpers

    database = open_unlocked(str(db_path))
    with database.session() as s:
        accounts.add_user(s, user, f"{user}-pass-1", role)
    with database.session() as s:
        database.actor = accounts.authenticate(s, user, f"{user}-pass-1")
    window = MainWindow(database)
    helpers._open_windows.append(window)
    qtbot.addWidget(window)
    window.show()
    return window


def _refused(control, what: str) -> None:
    assert not control.isEnabled(), control
    assert "当前用户的角色（" in control.toolTip() and what in control.toolTip(), control.toolTip()


def test_a_viewer_sees_every_changing_button_disabled_with_the_reason(
    qtbot, dialogs, db_path, shipped_roles
):
    window = _window_as(qtbot, db_path, "viewer", "查看")
    settings = window.open_section("settings")
    for control in (settings.new_year_button, settings.edit_year_button):
        _refused(control, "修改基础数据")
    _refused(settings.due_soon, "修改设置")
    _refused(settings.idle, "修改设置")
    _refused(settings.audit_button, "查看审计日志")
    _refused(settings.backup_now_button, "备份与恢复")
    qtbot.mouseClick(settings.new_year_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(settings.audit_button, Qt.MouseButton.LeftButton)
    assert not dialogs.shown  # a disabled button opens nothing
    _shot(window, "ui16-viewer-settings.png")

    summaries = window.open_section("summaries")
    summaries.view.selectRow(0)
    for control in (summaries.return_button, summaries.accept_button):
        _refused(control, "采纳或退回阶段总结")
    _refused(summaries.narrative_button, "编辑阶段总结草稿")

    meetings = window.open_section("meetings")
    meetings.view.selectRow(0)
    for control in (meetings.new_button, meetings.delete_button, meetings.done_button):
        _refused(control, "登记会议")
    _shot(window, "ui16-viewer-meetings.png")

    inspections = window.open_section("inspections")
    inspections.inspection_view.selectRow(0)
    for control in (inspections.new_button, inspections.edit_button, inspections.delete_button,
                    inspections.add_item_button, inspections.report_button):  # fmt: skip
        _refused(control, "登记督导记录")
    _refused(inspections.close_button, "督导问题销号")
    _shot(window, "ui16-viewer-inspections.png")

    ledger = window.open_section("ledger")
    _refused(ledger.add_button, "编辑工作台账")
    _refused(ledger.export_button, "导出工作台账")


def test_a_filler_may_write_but_neither_review_nor_read_the_audit_log(
    qtbot, dialogs, db_path, shipped_roles
):
    window = _window_as(qtbot, db_path, "filler", "填报员")
    summaries = window.open_section("summaries")
    summaries.view.selectRow(0)
    assert summaries.narrative_button.isEnabled()  # 填报员 drafts
    _refused(summaries.accept_button, "采纳或退回阶段总结")
    meetings = window.open_section("meetings")
    assert meetings.new_button.isEnabled() and not meetings.new_button.toolTip()
    settings = window.open_section("settings")
    _refused(settings.audit_button, "查看审计日志")
    assert settings.audit_button.toolTip() == "当前用户的角色（填报员）不能查看审计日志。"


def test_a_manager_reads_the_audit_log(qtbot, dialogs, db_path, shipped_roles, monkeypatch):
    from app.ui.dialogs.audit_dialog import AuditLogDialog

    opened: list[int] = []
    monkeypatch.setattr(AuditLogDialog, "exec", lambda self: opened.append(self.model.rowCount()))
    window = _window_as(qtbot, db_path, "lead", "负责人")
    settings = window.open_section("settings")
    assert settings.audit_button.isEnabled()
    qtbot.mouseClick(settings.audit_button, Qt.MouseButton.LeftButton)
    assert opened and opened[0] > 0 and not dialogs.shown
    _refused(settings.new_year_button, "修改基础数据")  # the year belongs to the 管理员


def test_the_audit_command_needs_the_permission(db_path, tmp_path, monkeypatch, capsys):
    from app.cli import main
    from tests.helpers import dump

    database = open_unlocked(str(db_path))
    with database.session() as s:
        accounts.add_user(s, "filler", "filler-pass-1", "填报员")
    database.close()
    monkeypatch.setenv("BANGJIAO_USER", "filler")
    monkeypatch.setenv("BANGJIAO_PASSWORD", "filler-pass-1")
    before = dump(db_path)
    out = tmp_path / "审计.xlsx"
    assert main(["--db", str(db_path), "audit", "--out", str(out)]) == 2
    assert "无权查看审计日志" in capsys.readouterr().err and not out.exists()
    assert main(["--db", str(db_path), "audit", "--verify"]) == 2
    assert "无权查看审计日志" in capsys.readouterr().err
    assert dump(db_path) == before
    monkeypatch.setenv("BANGJIAO_USER", "admin")
    monkeypatch.setenv("BANGJIAO_PASSWORD", "test-pass-2018")
    assert main(["--db", str(db_path), "audit", "--verify"]) == 0


def test_switching_user_logs_out_audited_and_rebuilds_the_pages_for_the_new_role(
    qtbot, dialogs, db_path, shipped_roles, monkeypatch
):
    from app.services import audit
    from app.ui.dialogs.account_dialogs import LoginDialog

    window = _window_as(qtbot, db_path, "chief", "管理员")
    database = window.database
    with database.session() as s:
        accounts.add_user(s, "filler", "filler-pass-1", "填报员")
    before = window.open_section("settings")
    assert before.audit_button.isEnabled()
    assert window.user_label.text() == "当前用户：chief（管理员）"
    assert window.switch_user_button.isVisible()
    _shot(window, "ui16-banner-user.png")
    seen: list[tuple[bool, object]] = []

    def answer(dialog) -> int:
        seen.append((window.centralWidget().isVisible(), database.actor))
        dialog.name.setText("filler")
        dialog.password.setText("filler-pass-1")
        _ok(qtbot, dialog)
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", answer)
    qtbot.mouseClick(window.switch_user_button, Qt.MouseButton.LeftButton)
    assert seen == [(False, None)]  # logged out, the contents hidden behind the login
    assert database.actor is not None and database.actor.user_name == "filler"
    assert window.centralWidget().isVisible()
    assert window.user_label.text() == "当前用户：filler（填报员）"
    assert window.current_section() == "settings"
    after = window.pages["settings"]
    assert after is not before and not after.audit_button.isEnabled()  # rebuilt for 填报员
    filler, database.actor = database.actor, None  # the program reads the whole log
    with database.session() as s:
        lines = audit.list_lines(s, audit.AuditFilter(limit=2))
    database.actor = filler
    assert [(line.kind, line.user_name) for line in lines] == [
        ("login", "filler"),
        ("logout", "chief"),
    ]
    assert lines[1].description == "退出登录：chief" and lines[1].kind_label == "退出登录"

    monkeypatch.setattr(LoginDialog, "exec", lambda dialog: 0)  # 退出程序
    qtbot.mouseClick(window.switch_user_button, Qt.MouseButton.LeftButton)
    assert not window.isVisible()


def test_a_long_display_name_keeps_the_banner_within_the_screen(qtbot, db_path, shipped_roles):
    database = open_unlocked(str(db_path))
    with database.session() as s:
        accounts.add_user(s, "long", "long-pass-12", "填报员", "李填报" * 12)
    database.close()
    window = _window_as(qtbot, db_path, "long2", "填报员")
    with window.database.session() as s:
        window.database.actor = accounts.authenticate(s, "long", "long-pass-12")
    window._show_user()
    window.resize(1366, 740)
    qtbot.wait(20)
    assert window.width() <= 1366 and window.minimumSizeHint().width() <= 1366
    assert window.user_label.text().endswith("…（填报员）")
    assert window.user_label.toolTip() == "李填报" * 12 + "（填报员）"
    button = window.switch_user_button
    right = button.mapTo(window, button.rect().topRight()).x()
    assert button.isVisible() and right <= window.width()
