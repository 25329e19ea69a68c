"""A dialog's 保存 as one user action (see :mod:`app.ui.operations`).

A refusal (UserError) is raised back into the dialog, which shows it beside the field it names
and stays open; any other failure (a locked database, a full disk, a bug) is shown by the one
error policy and raised as :class:`NotSaved`, so the dialog stays open with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QWidget

from app.services.errors import UserError, ValidationError
from app.services.forms import FormErrors
from app.ui import messages
from app.ui.operations import Operation, report_failure

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.services.database import Database


class NotSaved(ValidationError):
    """The save failed for a reason already shown to the clerk; the dialog stays open."""


def save_from_dialog(
    parent: QWidget, title: str, action: Callable[[Session], Any], *, database: Database
) -> Any:
    """Run ``action(session)`` as one user action for a dialog's save callback; its result.

    Raises the refusal (a ValidationError or FormErrors, for the dialog to show) or
    :class:`NotSaved` after any other failure was shown.
    """
    refusals: list[UserError] = []

    def failed(error: BaseException) -> None:
        if isinstance(error, UserError):
            refusals.append(error)
        else:
            report_failure(QApplication.activeModalWidget() or parent, title, error)

    ok, result = Operation(parent, title, action, database=database).failure(failed).run()
    if refusals:
        refusal = refusals[0]
        if isinstance(refusal, (ValidationError, FormErrors)):
            raise refusal
        raise ValidationError(messages.error_text(refusal)) from refusal
    if not ok:
        raise NotSaved(
            QCoreApplication.translate(
                "saving", "没有保存（原因见刚才的提示）。填写的内容仍在，处理后可以再点“保存”。"
            )
        )
    return result
