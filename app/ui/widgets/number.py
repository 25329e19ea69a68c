"""A figure typed by the clerk: what was typed, or nothing — never a value nobody typed."""

from __future__ import annotations

from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import QLineEdit, QWidget


class NumberField(QLineEdit):
    """A number typed as text (digits, one minus, ``decimals`` decimals). ``value()`` is None
    while the field is empty or holds no number yet, so a form refuses it beside the field; a
    spin box would instead restore its last value (e.g. 0) when the clerk leaves it empty."""

    def __init__(self, decimals: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        validator = QDoubleValidator(-1_000_000.0, 1_000_000.0, decimals, self)
        validator.setNotation(QDoubleValidator.Notation.StandardNotation)
        self.setValidator(validator)
        self.setMaximumWidth(180)

    def value(self) -> float | None:
        """The number typed, or None."""
        try:
            return float(self.text().strip())
        except ValueError:
            return None

    def setValue(self, value: float) -> None:
        """Show ``value`` as the clerk would type it (4.5, not 4.50)."""
        self.setText(f"{value:g}")

    def lineEdit(self) -> QLineEdit:
        """The field itself (as a spin box's ``lineEdit()``)."""
        return self
