"""Modal questions and notices in one place, so tests can replace them."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app.services.errors import UserError
from app.services.forms import FormErrors


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask a yes/no question; True for yes."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def show_error(parent: QWidget | None, title: str, text: str) -> None:
    """Tell the user something went wrong."""
    QMessageBox.warning(parent, title, text)


def error_messages(exc: UserError) -> dict[str, str]:
    """Field → Chinese message of a refused action ("" for a message about no one field)."""
    if isinstance(exc, FormErrors):
        return dict(exc.errors)
    return {getattr(exc, "field", None) or "": str(exc)}


def error_text(exc: UserError) -> str:
    """Every message of a refused action, a line each."""
    return "\n".join(error_messages(exc).values())
