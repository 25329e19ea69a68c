"""Noticing that the clerk changed what an input widget holds."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

_CHANGE_SIGNALS = ("textEdited", "textChanged", "currentIndexChanged", "valueChanged", "toggled")


def on_change(widget: QWidget, callback: Callable[[], object]) -> None:
    """Call ``callback()`` whenever the value of ``widget`` (a line or text edit, drop-down,
    number box, date field or check box) changes."""
    for name in _CHANGE_SIGNALS:
        signal = getattr(widget, name, None)
        if signal is not None:
            signal.connect(lambda *_args: callback())
            return
