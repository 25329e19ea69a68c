"""An editing dialog's 保存 as one user action on the operations path."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from app.services.errors import UserError, ValidationError
from app.services.forms import FormErrors
from app.ui.operations import Operation, notifier, report_failure, settle_conflict

if TYPE_CHECKING:
    from app.services.concurrency import ConcurrentEdit

T = TypeVar("T")


class EditsDropped(ValidationError):
    """采用他人的: the clerk dropped the form's changes for the version another clerk saved;
    the form closes without saving (FormDialog does; a modal form is closed here too)."""


def save_from_dialog(operation: Operation[T]) -> T:
    """Run ``operation`` now for a FormDialog's save callback and return its result.

    A refusal goes back to the dialog, which shows it beside the fields it names (a refusal
    about no field at its top). Any other failure is shown by the one error policy (a known
    problem of the PC explained, a bug logged with the log's location) and the dialog is told
    that nothing was saved, so it stays open with everything the clerk typed.

    已被他人修改 (ConcurrentEdit) shows the conflict dialog (operations.settle_conflict):
    以我的为准保存 saves again over that version; 采用他人的 closes the form without saving
    (the pages show the other clerk's version); 返回继续编辑 keeps the form as it was.
    """
    from app.services.concurrency import ConcurrentEdit

    failures: list[BaseException] = []
    ok, result = operation.failure(failures.append).run()
    if ok:
        return cast(T, result)  # the work's own result
    error = failures[0]
    if isinstance(error, ConcurrentEdit):
        return _settled(operation, error)
    if isinstance(error, ValidationError | FormErrors):
        raise error
    if isinstance(error, UserError):
        raise ValidationError(str(error)) from error
    report_failure(QApplication.activeModalWidget() or operation.parent, operation.title, error)
    raise ValidationError(
        QCoreApplication.translate(
            "saving", "没有保存。表单中填写的内容都还在，问题解决后可以再点“保存”。"
        )
    ) from error


def _settled(operation: Operation[T], conflict: ConcurrentEdit) -> T:
    """The clerk's answer to 已被他人修改 for a dialog's save (see :func:`save_from_dialog`)."""
    from app.ui.dialogs.conflict_dialog import Choice
    from app.ui.dialogs.guarded import GuardedDialog

    form = QApplication.activeModalWidget()
    choice = settle_conflict(form or operation.parent, operation.title, conflict)
    if choice is Choice.OVERWRITE:
        return save_from_dialog(operation.accepting(conflict))
    if choice is Choice.THEIRS:
        if isinstance(form, GuardedDialog):
            form.discard()
        notifier().changed.emit(None)  # the pages show the other clerk's version
        raise EditsDropped(
            QCoreApplication.translate("saving", "已采用他人保存的内容，您的修改没有保存。")
        ) from conflict
    raise ValidationError(
        QCoreApplication.translate(
            "saving", "%1表单中填写的内容都还在；再点“保存”时会再次提示。"
        ).replace("%1", str(conflict))
    ) from conflict
