"""One generic widget that renders any ledger form definition and reads it back."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.services.dates import DateRange, unbounded_range
from app.services.forms import FieldDef
from app.ui.dialogs.form_dialog import ERROR_STYLE
from app.ui.widgets.changes import on_change
from app.ui.widgets.dates import DateField, parse_date

_Editor = QPlainTextEdit | QComboBox | QCheckBox | DateField | QLineEdit  # one per field type


class FormFieldsWidget(QWidget):
    """Shows the fields of one entry kind (all but the subject, which has its own section).

    ``values()`` returns what was typed, as text (or bool / ISO date), for the service to
    validate; ``show_error(name, message)`` puts a message under a field. Date fields accept
    ``date_range`` (the programme's ``DatePurpose.FORM_FIELD`` range, which the service checks
    too); empty, they open their calendar at ``default`` (inside the range).
    """

    def __init__(
        self,
        fields: list[FieldDef],
        values: dict[str, Any] | None = None,
        parent: QWidget | None = None,
        *,
        date_range: DateRange | None = None,
        default: date | None = None,
    ) -> None:
        super().__init__(parent)
        self._date_range = date_range or unbounded_range(date.today())
        self._default_date = default
        self.fields = [f for f in fields if f.type != "subject"]
        self.editors: dict[str, _Editor] = {}
        self.error_labels: dict[str, QLabel] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        values = values or {}
        for f in self.fields:
            editor = self._editor(f, values.get(f.name))
            self.editors[f.name] = editor
            box = QWidget()
            inner = QVBoxLayout(box)
            inner.setContentsMargins(0, 0, 0, 0)
            inner.setSpacing(2)
            inner.addWidget(editor)
            if f.help:
                hint = QLabel(f.help)
                hint.setStyleSheet("color: #666;")
                hint.setWordWrap(True)
                inner.addWidget(hint)
            error = QLabel()
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            inner.addWidget(error)
            self.error_labels[f.name] = error
            on_change(editor, error.hide)
            label = f.label + ("＊" if f.required else "")
            layout.addRow(label, box)

    def _editor(self, f: FieldDef, value: Any) -> _Editor:
        if f.type == "longtext":
            editor = QPlainTextEdit("" if value is None else str(value))
            editor.setTabChangesFocus(True)
            editor.setFixedHeight(80)
            return editor
        if f.type == "choice":
            combo = QComboBox()
            combo.addItem("" if f.required else "（不填）", "")
            for choice in f.choices:
                combo.addItem(choice, choice)
            index = combo.findData(value) if value else 0
            combo.setCurrentIndex(max(index, 0))
            return combo
        if f.type == "bool":
            check = QCheckBox()
            check.setChecked(bool(value))
            return check
        if f.type == "date":
            # Empty until the clerk picks one, also when required (the service then asks for it):
            # a date filled in by the program would be easy to save unread.
            field = DateField(self._date_range, optional=True, default=self._default_date,
                              label=f"“{f.label}”")  # fmt: skip
            if f.required:
                field.edit.setPlaceholderText("2018-06-28")
            self._show_date(field, value)
            return field
        line = QLineEdit("" if value is None else str(value))
        if f.type == "integer":
            line.setPlaceholderText("整数")
        elif f.type == "amount":
            line.setPlaceholderText("金额，如 1500 或 1500.50")
        return line

    def values(self) -> dict[str, Any]:
        """What is in each editor, keyed by field name."""
        out: dict[str, Any] = {}
        for f in self.fields:
            editor = self.editors[f.name]
            if isinstance(editor, QPlainTextEdit):
                out[f.name] = editor.toPlainText()
            elif isinstance(editor, QComboBox):
                out[f.name] = editor.currentData() or ""
            elif isinstance(editor, QCheckBox):
                out[f.name] = editor.isChecked()
            elif isinstance(editor, DateField):
                chosen = editor.value()
                out[f.name] = chosen.isoformat() if chosen else editor.edit.text().strip()
            else:
                out[f.name] = editor.text()
        return out

    def set_value(self, name: str, value: Any) -> None:
        """Type a value into a field (used by tests and defaults)."""
        editor = self.editors[name]
        if isinstance(editor, QPlainTextEdit):
            editor.setPlainText(str(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(editor.findData(value), 0))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, DateField):
            self._show_date(editor, value)
        else:
            editor.setText(str(value))

    @staticmethod
    def _show_date(field: DateField, value: Any) -> None:
        """Show a stored ISO date (or a date); text that is no date is shown as it is, so the
        field explains what is wrong with it."""
        if isinstance(value, date):
            field.setValue(value)
            return
        text = "" if value is None else str(value).strip()
        parsed = parse_date(text)
        if parsed is not None or not text:
            field.setValue(parsed)
        else:
            field.edit.setText(text)

    def show_error(self, name: str, message: str) -> bool:
        """Show a message under field ``name``; False if this widget has no such field."""
        label = self.error_labels.get(name)
        if label is None:
            return False
        label.setText(message)
        label.show()
        return True

    def clear_errors(self) -> None:
        """Hide every message."""
        for label in self.error_labels.values():
            label.clear()
            label.hide()
