"""Common parts of the main window's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.context import WorkContext
from app.services.database import Database
from app.ui.background import BackgroundTask
from app.ui.dialogs.saving import save_from_dialog
from app.ui.operations import Operation


class Page(QWidget):
    """A page of the main window, working on one database and context."""

    title = ""
    # the page's changes belong to the programme shown: refused while an earlier year is viewed
    # (see services.context.refuse_changes); 数据交换 and 设置 act on the whole PC instead
    follows_viewed_year = True

    def __init__(
        self, database: Database, context: WorkContext, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.context = context
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(18, 14, 18, 14)
        heading = QLabel(self.title)
        heading.setObjectName("pageTitle")
        self.layout_.addWidget(heading)
        self.forbidden: dict[QWidget, str] = {}  # controls the user's role may not use: why

    def forbid_unless(self, permission: str, *controls: QWidget) -> bool:
        """Whether the logged-in user's role grants ``permission``; when it does not, the
        ``controls`` are disabled for the page's life with a tooltip saying why (pages enable
        them through :meth:`enable`, which keeps them so). The services refuse it too."""
        allowed, why = permission_note(self.database, permission)
        if not allowed:
            for control in controls:
                self.forbidden[control] = why
                control.setEnabled(False)
                control.setToolTip(why)
        return allowed

    def enable(self, control: QWidget, enabled: bool, tooltip: str | None = None) -> None:
        """Enable ``control`` when ``enabled`` and the user's role allows it (see
        :meth:`forbid_unless`); ``tooltip``, when given, is shown unless the role's reason
        is."""
        why = self.forbidden.get(control)
        control.setEnabled(enabled and why is None)
        if why is not None:
            control.setToolTip(why)
        elif tooltip is not None:
            control.setToolTip(tooltip)

    def refresh(self) -> None:
        """Reload what the page shows from the database."""

    def keep_reference_data_read_only(self, *buttons: QPushButton) -> None:
        """On a PC whose unit does not keep the reference data, or while an earlier year is
        shown: hide the editing buttons and say why (who keeps it, or that the year is
        read-only)."""
        for button in buttons:
            button.setVisible(False)
        text = self.tr(
            "单位、结对、职责和指标由县矫正办统一维护，本机只能查看；导入县矫正办的数据包后自动更新。"
        )
        if self.context.read_only:  # an earlier year on any PC
            text = self.tr(
                "%1：单位、结对、职责和指标只能查看；修改请在窗口顶部切换回当前年度。"
            ).replace("%1", self.context.read_only_note)
        note = QLabel(text)
        note.setObjectName("hint")
        note.setWordWrap(True)
        self.layout_.insertWidget(1, note)

    def operation(self, title: str, action: Callable[..., Any], changes: bool = True) -> Operation:
        """``action(session, ...)`` as a user action on this page's database (see operations);
        while another year than the current one is viewed, any change it makes is refused
        (the year is read-only) and nothing is written."""
        note = self.context.read_only_note if self.follows_viewed_year else ""
        if note:
            from app.services.context import refuse_changes

            work = action

            def action(session: Any, *args: Any) -> Any:
                refuse_changes(session, note)
                return work(session, *args)

        return Operation(self, title, action, database=self.database, changes=changes)

    def save_from_dialog(self, title: str, action: Callable[[Any], Any]) -> Any:
        """A dialog's 保存 as one user action: the result, or the refusal raised back to the
        dialog (see :mod:`app.ui.dialogs.saving`), which then stays open with what was typed."""
        return save_from_dialog(self.operation(title, action))

    def run(self, action: Callable[[Any], Any], title: str = "") -> Any:
        """Run ``action(session)`` now as one user action; its result, or None when it failed
        (the failure was shown by the one error policy)."""
        return self.operation(title or self.tr("操作未完成"), action).run()[1]

    def attempt(self, action: Callable[[Any], Any], title: str = "") -> bool:
        """:meth:`run` for an action whose result does not matter: True when it was done."""
        return self.operation(title or self.tr("操作未完成"), action).run()[0]

    def run_in_background(
        self,
        title: str,
        label: str,
        action: Callable[..., Any],
        *,
        total: int = 0,
        success: Callable[[Any], Any] | None = None,
        changes: bool = False,
    ) -> BackgroundTask:
        """Run ``action(session, report)`` in a thread with a progress dialog (see operations)."""
        op = self.operation(title, action, changes=changes)
        if success is not None:
            op.success(success)
        return op.in_background(label, total)


def permission_note(database: Database, permission: str) -> tuple[bool, str]:
    """Whether the logged-in user's role grants ``permission``, and (when not) a tooltip
    saying so in Chinese: "当前用户的角色（查看）不能编辑工作台账。"."""
    from PySide6.QtCore import QCoreApplication

    from app.services.accounts import PERMISSION_NAMES, current_actor, may

    with database.session() as session:
        allowed = may(session, permission)
        actor = current_actor(session)
    if allowed or actor is None:
        return True, ""
    what = PERMISSION_NAMES.get(permission, permission)
    why = QCoreApplication.translate("Page", "当前用户的角色（%1）不能%2。")
    return False, why.replace("%1", actor.role).replace("%2", what)


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    """A row of buttons, left-aligned."""
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


def section_label(text: str) -> QLabel:
    """A sub-heading inside a page."""
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label
