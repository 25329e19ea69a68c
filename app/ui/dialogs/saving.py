"""An editing dialog's 保存 as one user action on the operations path."""

from __future__ import annotations

from typing import TypeVar, cast

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from app.services.errors import UserError, ValidationError
from app.services.forms import FormErrors
from app.ui.operations import Operation, report_failure

T = TypeVar("T")


def save_from_dialog(operation: Operation[T]) -> T:
    """Run ``operation`` now for a FormDialog's save callback and return its result.

    A refusal goes back to the dialog, which shows it beside the fields it names (a refusal
    about no field at its top). Any other failure is shown by the one error policy (a known
    problem of the PC explained, a bug logged with the log's location) and the dialog is told
    that nothing was saved, so it stays open with everything the clerk typed.
    """
    failures: list[BaseException] = []
    ok, result = operation.failure(failures.append).run()
    if ok:
        return cast(T, result)  # the work's own result
    error = failures[0]
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
