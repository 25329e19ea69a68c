"""A dialog's 保存 as one user action: the save callback a page hands to its editing dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QCoreApplication

from app.services.errors import UserError, ValidationError
from app.services.forms import FormErrors
from app.ui.operations import report_failure

if TYPE_CHECKING:
    from app.ui.pages.base import Page

T = TypeVar("T")


def not_saved_text() -> str:
    """The line a dialog shows when a save failed for a reason that is not the form's."""
    return QCoreApplication.translate(
        "saving", "没有保存。表单中填写的内容仍在，处理上面提示的问题后可再点“保存”。"
    )


def save_from_dialog(page: Page, title: str, action: Callable[[Any], T]) -> T:
    """Run ``action(session)`` as one user action of ``page`` (operations: its own session,
    rolled back on failure, then "changed") and return its result.

    A refusal (UserError) is raised again for the dialog to show beside its fields. Any other
    failure (database locked, disk full, a bug) is shown by the one error policy and raised
    as a ValidationError saying nothing was saved, so the dialog stays open with what the
    clerk typed.
    """
    refused: list[UserError] = []

    def failed(error: BaseException) -> None:
        if isinstance(error, UserError):
            refused.append(error)
        else:
            report_failure(page, title, error)

    ok, result = page.operation(title, action).failure(failed).run()
    if refused:
        error = refused[0]
        if isinstance(error, (FormErrors, ValidationError)):
            raise error
        raise ValidationError(str(error)) from error
    if not ok:
        raise ValidationError(not_saved_text())
    return result
