"""Choosing whose document to print: one unit, or every unit (a page each)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget


class UnitChoiceDialog(QDialog):
    """A unit (``chosen`` by default) or all of them, then 下一步… to the save dialog.
    ``all_label`` names the choice of all ("全部单位（%1 个，每单位一页）", %1 the count)."""

    def __init__(self, title: str, field: str, all_label: str, hint: str, units: list[str],
                 chosen: str | None = None, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout(self)
        self.unit = QComboBox()
        self.unit.addItem(all_label.replace("%1", str(len(units))), None)
        for name in units:
            self.unit.addItem(name, name)
        self.unit.setCurrentIndex(max(self.unit.findData(chosen), 0) if chosen else 0)
        form.addRow(field, self.unit)
        note = QLabel(hint)
        note.setObjectName("hint")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("下一步…"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choice(self) -> str | None:
        """The unit's name, or None for every unit."""
        return self.unit.currentData()
