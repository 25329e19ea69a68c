"""A date field that a clerk can type into or pick from a calendar, bounded to a range.

Unlike QDateEdit, which silently drops a keystroke that would make an impossible date (a typed
2018-02-30 became 2018-02-03), the field keeps what was typed and says what is wrong under it;
:func:`check_dates` stops a form from saving while any field holds such a date. An empty
optional field opens its calendar at the default date's month (the programme year), not 1900.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from app.services.dates import DateRange
from app.ui.widgets.scrolling import reveal

DISPLAY_FORMAT = "%Y-%m-%d"
_PATTERN = re.compile(
    r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))\s*$"
)


def parse_date(text: str) -> date | None:
    """2018-06-28, 2018/6/28, 2018.6.28, 2018年6月28日 or 20180628 as a date; None if it is
    no real date (2018-02-30) or not written as one."""
    match = _PATTERN.match(text)
    if match is None:
        return None
    year = int(match.group(1))
    month = int(match.group(2) or match.group(4))
    day = int(match.group(3) or match.group(5))
    try:
        return date(year, month, day)
    except ValueError:
        return None


class _DateLineEdit(QLineEdit):
    """The field's text; Up and Down ask for the day after or before.

    Signals:
        stepped(int): +1 for Up, −1 for Down.
    """

    stepped = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.stepped.emit(1 if event.key() == Qt.Key.Key_Up else -1)
            return
        super().keyPressEvent(event)


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class DateField(QWidget):
    """A date within ``date_range``: typed (several common forms) or picked from a calendar.

    Signals:
        valueChanged(object): the new date, or None when the field is empty or holds text
            that is not a valid date in range.
    """

    valueChanged = Signal(object)

    def __init__(
        self,
        date_range: DateRange,
        value: date | None = None,
        *,
        optional: bool = False,
        default: date | None = None,
        label: str = "日期",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._range = date_range
        self._optional = optional
        self._label = label
        self._default = date_range.clamp(default) if default else date_range.default(date.today())
        self.edit = _DateLineEdit()
        self.edit.setPlaceholderText(self.tr("未填") if optional else self.tr("例如 2018-06-28"))
        self.edit.setMaxLength(20)
        self.edit.setMinimumWidth(110)
        self.button = QToolButton()
        self.button.setText("▾")
        self.button.setToolTip(self.tr("从日历中选择"))
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        menu = QMenu(self.button)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        menu.aboutToShow.connect(self._prepare_calendar)
        self.button.setMenu(menu)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        self.error.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.edit, 1)
        row.addWidget(self.button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.error)
        self.setFocusProxy(self.edit)
        self._apply_range()
        if value is None and not optional:
            value = self._default
        self.setValue(value)
        self.edit.textEdited.connect(self._typed)
        self.edit.editingFinished.connect(self._finished)
        self.edit.stepped.connect(self._step)

    # ------------------------------------------------------------ value

    def value(self) -> date | None:
        """The date shown, or None when the field is empty or its text is not a date in range."""
        text = self.edit.text().strip()
        if not text:
            return None
        parsed = parse_date(text)
        return parsed if parsed is not None and self._range.contains(parsed) else None

    def setValue(self, value: date | None) -> None:
        """Show ``value`` (None empties the field)."""
        self.edit.setText(value.strftime(DISPLAY_FORMAT) if value else "")
        self.show_problem(None)
        self.valueChanged.emit(self.value())

    def date_range(self) -> DateRange:
        """The dates the field accepts."""
        return self._range

    def setDateRange(self, date_range: DateRange) -> None:
        """Accept the dates of ``date_range`` (a shown date outside it becomes a problem)."""
        self._range = date_range
        self._default = date_range.clamp(self._default)  # keeps a default inside the new range
        self._apply_range()

    def is_empty(self) -> bool:
        """Whether nothing is typed."""
        return not self.edit.text().strip()

    def problem(self) -> str | None:
        """Why the typed text is not acceptable, in Chinese (None when it is, or is empty and
        the field optional)."""
        text = self.edit.text().strip()
        if not text:
            return None if self._optional else self.tr("请填写%1。").replace("%1", self._label)
        parsed = parse_date(text)
        if parsed is None:
            return self.tr(
                "“%1”不是有效的日期，请按 2018-06-28 的格式填写，或点右边的按钮从日历中选择。"
            ).replace("%1", text)
        return self._range.problem(parsed, self._label)

    # ------------------------------------------------------------ internals

    def _apply_range(self) -> None:
        self.calendar.setDateRange(_qdate(self._range.earliest), _qdate(self._range.latest))
        self.edit.setToolTip(
            self.tr("可填写 %1 至 %2 之间的日期")
            .replace("%1", self._range.earliest.strftime(DISPLAY_FORMAT))
            .replace("%2", self._range.latest.strftime(DISPLAY_FORMAT))
        )

    def show_problem(self, message: str | None) -> None:
        """Show ``message`` under the field (None hides it)."""
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        self.edit.setProperty("invalid", bool(message))
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)

    @Slot()
    def _prepare_calendar(self) -> None:
        shown = self.value() or self._default
        self.calendar.setSelectedDate(_qdate(shown))
        self.calendar.setCurrentPage(shown.year, shown.month)

    @Slot(QDate)
    def _picked(self, picked: QDate) -> None:
        self.setValue(date(picked.year(), picked.month(), picked.day()))
        menu = self.button.menu()
        if menu is not None:
            menu.hide()

    @Slot(str)
    def _typed(self, _text: str) -> None:
        if self.error.isVisible():
            self.show_problem(None)
        self.valueChanged.emit(self.value())

    @Slot()
    def _finished(self) -> None:
        text = self.edit.text().strip()
        parsed = parse_date(text)
        if parsed is not None and parsed.strftime(DISPLAY_FORMAT) != text:
            self.edit.setText(parsed.strftime(DISPLAY_FORMAT))  # 2018/6/2 → 2018-06-02
        message = self.problem() if text else None
        self.show_problem(message)

    @Slot(int)
    def _step(self, days: int) -> None:
        """Up and down arrows move the date by a day, as in QDateEdit."""
        current = self.value() or self._default
        self.setValue(self._range.clamp(current + timedelta(days=days)))


def check_dates(container: QWidget) -> bool:
    """Show the problem of every date field in ``container`` that holds an unacceptable date
    and bring the first into view; True when there is none."""
    first: DateField | None = None
    for field in container.findChildren(DateField):
        if not field.isEnabled() or not field.isVisibleTo(container):
            continue
        message = field.problem()
        if message is None:
            continue
        field.show_problem(message)
        first = first or field
    if first is not None:
        reveal(first)  # the field with its message; the focus goes to its text box
    return first is None
