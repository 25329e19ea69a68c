"""Dialogs of the 责任状 page: issue date, signing (with the scan), voiding.

Dates are typed or picked in a :class:`DateField` bounded to the programme's year (the
service checks the same range): a typed 1900 or 2018-02-30 is explained under the field and
nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from app.services.dates import DateRange
from app.ui.dialogs.form_dialog import FormDialog
from app.ui.files import ask_open_paths
from app.ui.widgets.dates import DateField


class IssueDialog(FormDialog):
    """Confirm issuing, with its date (today, or the nearest day of the programme's year)."""

    def __init__(
        self,
        save: Callable[[dict], None],
        department: str,
        date_range: DateRange,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("印发责任状 — %1").replace("%1", department), save, parent)
        self.ok_button.setText(self.tr("印发"))
        note = QLabel(self.tr("印发后内容即固定，不能再修改；如职责或指标有变化，需建立新版本。"))
        note.setWordWrap(True)
        self.issued_on = DateField(date_range, label=self.tr("印发日期"))
        self.form.addRow(note)
        self.add_field("issued_on", self.tr("印发日期"), self.issued_on)

    def values(self) -> dict:
        return {"issued_on": self.issued_on.value()}


class SignDialog(FormDialog):
    """Record signing: date, both signatories, the scanned signed copy."""

    def __init__(
        self,
        save: Callable[[dict], None],
        department: str,
        issued_on: date | None,
        date_range: DateRange,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("登记签署 — %1").replace("%1", department), save, parent)
        default = date_range.default(date.today())
        if issued_on is not None and date_range.contains(issued_on):
            default = max(default, issued_on)  # signed on or after the issue date
        self.signed_on = DateField(date_range, default=default, label=self.tr("签署日期"))
        self.party_a = QLineEdit()
        self.party_a.setPlaceholderText(self.tr("社区矫正科负责人姓名"))
        self.party_b = QLineEdit()
        self.party_b.setPlaceholderText(self.tr("%1负责人姓名").replace("%1", department))
        self.scans: list[Path] = []
        self.scan_label = QLabel(self.tr("（未选择）"))
        self.scan_label.setWordWrap(True)
        self.choose_button = QPushButton(self.tr("选择扫描件…"))
        self.choose_button.clicked.connect(self.choose_scans)
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.choose_button)
        row.addWidget(self.scan_label, 1)
        self.add_field("signed_on", self.tr("签署日期"), self.signed_on)
        self.add_field("party_a_signatory", self.tr("甲方签字人"), self.party_a)
        self.add_field("party_b_signatory", self.tr("乙方签字人"), self.party_b)
        self.add_field(
            "scan",
            self.tr("签署扫描件"),
            box,
            self.tr("签字盖章后的责任状扫描成一个 PDF，或拍成若干张照片。"),
        )

    def choose_scans(self) -> None:
        """Pick the scanned PDF or photos."""
        paths = ask_open_paths(
            self,
            self.tr("选择签署扫描件"),
            self.tr("PDF 或照片 (*.pdf *.jpg *.jpeg *.png *.PDF *.JPG *.JPEG *.PNG)"),
        )
        if paths:
            self.set_scans(paths)

    def set_scans(self, paths: list[Path]) -> None:
        """Use these files as the scan."""
        self.scans = paths
        self.scan_label.setText("、".join(p.name for p in paths) or self.tr("（未选择）"))

    def has_changes(self) -> bool:
        """Also a chosen scan counts as a change (Esc asks before dropping it)."""
        return super().has_changes() or bool(self.scans)

    def values(self) -> dict:
        return {
            "signed_on": self.signed_on.value(),
            "party_a_signatory": self.party_a.text(),
            "party_b_signatory": self.party_b.text(),
            "scans": list(self.scans),
        }


class VoidDialog(FormDialog):
    """Void an agreement, with a reason."""

    def __init__(
        self, save: Callable[[dict], None], department: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("作废责任状 — %1").replace("%1", department), save, parent)
        self.ok_button.setText(self.tr("作废"))
        self.reason = QLineEdit()
        self.add_field("reason", self.tr("作废原因"), self.reason)

    def values(self) -> dict:
        return {"reason": self.reason.text()}
