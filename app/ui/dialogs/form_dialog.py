"""A dialog with labelled fields, a Chinese error beside each, and a save callback."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.ui.dialogs.guarded import GuardedDialog, screen_limit
from app.ui.widgets.changes import on_change
from app.ui.widgets.dates import check_dates
from app.ui.widgets.scrolling import reveal, scroll_area

ERROR_STYLE = "color: #c0392b;"

_Values = TypeVar("_Values")  # what values() gives and save receives: a dict, or an input record


def combo_box(items: Sequence[tuple[str, object]], current: object = None) -> QComboBox:
    """A combo box of (label, value) items with ``current`` selected (else the first)."""
    combo = QComboBox()
    for label, value in items:
        combo.addItem(label, value)
    combo.setCurrentIndex(max(combo.findData(current), 0))
    return combo


class FormDialog(GuardedDialog, Generic[_Values]):
    """Base of the editing dialogs.

    Subclasses add fields with :meth:`add_field` and implement :meth:`values`. On 确定 the
    ``save`` callback receives the values; a ValidationError it raises is shown beside the
    field it names (or at the top, scrolled into view) and the dialog stays open, so nothing
    is lost. Long forms scroll inside the dialog, which fits a 1366×768 screen.
    """

    def __init__(
        self, title: str, save: Callable[[_Values], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self._save = save
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}
        self.form_container = QWidget()
        self.form = QFormLayout(self.form_container)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.general_error = QLabel()
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button.setText(self.tr("保存"))
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.general_error)
        self.form_scroll = scroll_area(self.form_container)
        layout.addWidget(self.form_scroll, 1)
        # a message a field shows by itself (the date field's) makes room as show_errors does
        self.form_container.installEventFilter(self)
        layout.addWidget(self.buttons)

    def add_field(self, name: str, label: str, widget: QWidget, hint: str = "") -> None:
        """Add a labelled field with room for its error message (and an optional hint)."""
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(2)
        inner.addWidget(widget)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setStyleSheet("color: #666;")
            hint_label.setWordWrap(True)
            inner.addWidget(hint_label)
        error = QLabel()
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        inner.addWidget(error)
        self._errors[name] = error
        self._fields[name] = widget
        on_change(widget, lambda: self._field_changed(error))
        self.form.addRow(label, box)

    def _field_changed(self, error: QLabel) -> None:
        """The clerk changed a field: its message (and the count at the top) no longer hold."""
        error.hide()
        self.general_error.hide()

    def values(self) -> _Values:
        """The entered values (keyed by field name, or a service's input record)."""
        raise NotImplementedError

    def error_text(self, name: str | None = None) -> str:
        """The error shown for a field (or the general one), empty when none."""
        label = self._errors.get(name) if name else self.general_error
        return label.text() if label is not None and not label.isHidden() else ""

    def show_error(self, message: str, field: str | None) -> None:
        """Show ``message`` beside ``field`` (or at the top if the field is unknown)."""
        self.show_errors({field or "": message})

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show each message beside its field; messages for unknown fields go to the top."""
        self.clear_errors()
        general = []
        for field, message in errors.items():
            label = self._errors.get(field)
            if label is not None:
                label.setText(message)
                label.show()
            elif not self.show_extra_error(field, message):
                general.append(message)
        placed = len(errors) - len(general)
        if placed > 1:
            general.insert(0, self.tr("有 %1 处需要修改，见下方红字。").replace("%1", str(placed)))
        if general:
            self.general_error.setText("\n".join(general))
            self.general_error.show()
        self._grow_to_fit()
        first = next((name for name in self._fields if name in errors), None)
        if first is not None:
            box = self._errors[first].parentWidget()  # the field with its message
            reveal(box or self._fields[first], focus=False)
            self._fields[first].setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.form_container and event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self, self._grow_to_fit)  # dropped if the dialog is deleted first
        return super().eventFilter(watched, event)

    def _grow_to_fit(self) -> None:
        """Taller by what the messages added, within the screen (beyond it the form scrolls)."""
        layout = self.layout()
        if layout is not None:
            layout.activate()  # the messages at the top take their room first
        self.form_container.adjustSize()
        extra = self.form_container.sizeHint().height() - self.form_scroll.viewport().height()
        if extra > 0 and self.isVisible():
            _width, limit = screen_limit(self)
            self.resize(self.width(), min(self.height() + extra, limit))

    def show_extra_error(self, field: str, message: str) -> bool:
        """Subclasses with fields of their own show the message there and return True."""
        return False

    def clear_errors(self) -> None:
        """Hide every error message."""
        for label in (*self._errors.values(), self.general_error):
            label.clear()
            label.hide()

    def _try_accept(self) -> None:
        if not check_dates(self):
            return
        from app.ui.dialogs.saving import EditsDropped

        try:
            self._save(self.values())
        except EditsDropped:
            self.discard()  # 采用他人的: closed, nothing saved
            return
        except FormErrors as exc:
            self.show_errors(exc.errors)
            return
        except ValidationError as exc:
            self.show_error(exc.message, exc.field)
            return
        self.accept()
