"""The ledger entry form: common items, the kind's own fields, the subject and photos."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import cast

from PySide6.QtCore import QPoint
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.models import SubjectCategory
from app.services.attachments import AttachmentStore
from app.services.dates import DateRange, unbounded_range
from app.services.forms import FieldDef
from app.services.ledger import MAX_SUBJECTS_SERVED, EntryDetail, EntryInput
from app.services.reference import KindRow, UnitRow
from app.services.subjects import SubjectInput
from app.ui.dialogs.form_dialog import ERROR_STYLE, FormDialog, combo_box
from app.ui.ledger.form_widget import FormFieldsWidget
from app.ui.ledger.photo_list import PhotoListWidget
from app.ui.widgets.dates import DateField
from app.ui.widgets.scrolling import reveal


class EntryDialog(FormDialog[EntryInput]):
    """Add or edit one ledger entry.

    ``kind_fields(kind_id)`` gives a kind's fields and its minimum photo count; choosing
    another kind re-renders the kind's own fields. ``pairings`` maps a unit id to its paired
    offices (the first is suggested). ``entry_dates`` bounds the entry's date and
    ``field_dates`` the dates inside its form (the ranges the service checks). The reporting
    unit is chosen only for a new entry on a PC that registers for other units
    (``unit_locked`` False); ``note`` is shown above the form (e.g. who owns the entry).
    """

    def __init__(
        self,
        save: Callable[[EntryInput], None],
        *,
        kinds: Sequence[KindRow],
        kind_fields: Callable[[int], tuple[list[FieldDef], int]],
        units: Sequence[UnitRow],
        offices: Sequence[UnitRow],
        pairings: dict[int, list[int]],
        store: AttachmentStore,
        unit_id: int | None,
        unit_locked: bool,
        entry: EntryDetail | None = None,
        entry_dates: DateRange | None = None,
        field_dates: DateRange | None = None,
        note: str = "",
        read_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(self.tr("编辑台账") if entry else self.tr("新增台账"), save, parent)
        self.setMinimumSize(720, 520)
        self.resize(860, 680)
        self._kind_fields = kind_fields
        self._pairings = pairings
        self._suggested: int | None = None  # the office suggested from the unit's pairing
        self._entry = entry
        self._entry_dates = entry_dates or unbounded_range(date.today())
        self._field_dates = field_dates or self._entry_dates
        self.note = QLabel(note)
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(note))
        cast(QVBoxLayout, self.layout()).insertWidget(0, self.note)  # FormDialog's
        self.kind = combo_box([(k.name, k.id) for k in kinds], entry.kind_id if entry else None)
        self.unit = combo_box([(u.name, u.id) for u in units], entry.unit_id if entry else unit_id)
        self.unit.setEnabled(not unit_locked and entry is None)
        if entry is not None:
            self.unit.setToolTip(
                self.tr("已登记的台账不能更改填报单位；如确属填错，请删除后以正确的单位重新登记。")
            )
        self.entry_date = DateField(
            self._entry_dates, entry.entry_date if entry else None, label=self.tr("日期")
        )
        self.title = QLineEdit(entry.title if entry else "")
        self.title.setPlaceholderText(self.tr("如：瓯南司法所修心教育法律讲座"))
        self.office = combo_box([(self.tr("（无）"), None)] + [(o.name, o.id) for o in offices],
                             entry.paired_office_id if entry else None)  # fmt: skip
        self.served = QSpinBox()
        self.served.setRange(0, MAX_SUBJECTS_SERVED)
        self.served.setValue(entry.subjects_served if entry else 0)
        self.served.setSuffix(self.tr(" 人"))
        self.body = QPlainTextEdit(entry.body if entry else "")
        self.body.setTabChangesFocus(True)
        self.body.setMinimumHeight(90)

        self.add_field("kind", self.tr("活动类型＊"), self.kind)
        self.add_field("unit", self.tr("填报单位＊"), self.unit)
        self.add_field("entry_date", self.tr("日期＊"), self.entry_date)
        self.add_field("title", self.tr("标题＊"), self.title)
        self.add_field("paired_office", self.tr("结对司法所"), self.office)
        self.add_field("subjects_served", self.tr("服务矫正对象人数"), self.served)

        self.fields_box = QGroupBox(self.tr("活动情况"))
        self.fields_layout = QVBoxLayout(self.fields_box)
        self.fields_widget: FormFieldsWidget | None = None

        self.subject_box = QGroupBox(self.tr("社区矫正对象（身份证号码仅在本表单中完整显示）"))
        subject_form = QFormLayout(self.subject_box)
        subject = entry.subject if entry else None
        self.subject_name = QLineEdit(subject.name if subject else "")
        self.subject_category = combo_box([(self.tr("（请选择）"), "")] + [(c.value, c.value) for c in SubjectCategory],
                                       subject.category if subject else "")  # fmt: skip
        self.subject_id_number = QLineEdit(subject.id_number if subject else "")
        self.subject_id_number.setPlaceholderText(self.tr("18 位，可不填"))
        self.subject_office = combo_box([(self.tr("（不填）"), None)] + [(o.name, o.id) for o in offices],
                                     subject.office_id if subject else None)  # fmt: skip
        self._subject_errors = {}
        for name, label, widget in (
            ("subject_name", self.tr("姓名"), self.subject_name),
            ("subject_category", self.tr("矫正类别"), self.subject_category),
            ("id_number", self.tr("身份证号码"), self.subject_id_number),
            ("subject_office", self.tr("所属司法所"), self.subject_office),
        ):
            self._subject_errors[name] = self._error_row(subject_form, label, widget)

        self.photos = PhotoListWidget(store, entry.photos if entry else ())
        photos_box = QGroupBox(self.tr("照片及附件"))
        QVBoxLayout(photos_box).addWidget(self.photos)

        extra = QWidget()
        extra_layout = QVBoxLayout(extra)
        extra_layout.setContentsMargins(0, 0, 0, 0)
        extra_layout.addWidget(self.fields_box)
        extra_layout.addWidget(self.subject_box)
        extra_layout.addWidget(photos_box)
        self.form.addRow(extra)
        self.add_field("body", self.tr("情况说明"), self.body)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.unit.currentIndexChanged.connect(self._suggest_office)
        self._kind_changed(keep_values=entry.values if entry else None)
        if read_only:
            self.show_read_only()

    def show_locked(self, text: str) -> None:
        """An entry dated in a closed period (services.period_locks): ``text`` at the top says
        so and who can unlock it; nothing is editable and 保存 is disabled, before the clerk
        types anything the service would refuse."""
        self.show_read_only()
        self.setWindowTitle(self.tr("查看台账（已锁定）"))
        self.lock_note = QLabel(text)
        self.lock_note.setObjectName("lockNote")
        self.lock_note.setWordWrap(True)
        self.lock_note.setStyleSheet(
            "QLabel#lockNote { background: #fdecea; color: #8a1f11; border: 1px solid #e6a39a;"
            " padding: 6px 10px; font-weight: bold; }"
        )
        cast(QVBoxLayout, self.layout()).insertWidget(0, self.lock_note)
        self.ok_button.show()
        self.ok_button.setEnabled(False)
        self.ok_button.setToolTip(text)

    def show_read_only(self) -> None:
        """For a role that may not edit the ledger, or an earlier year: the entry shown, no
        field editable, no 保存."""
        self.setWindowTitle(self.tr("查看台账"))
        for widget in self.findChildren(QWidget):
            if isinstance(widget, (QLineEdit, QPlainTextEdit)):
                widget.setReadOnly(True)  # still selectable and scrollable, but grey like
                _look_read_only(widget)  # the disabled fields beside it
            elif isinstance(
                widget, (QSpinBox, QComboBox, DateField, QPushButton, QCheckBox)
            ) and not self.buttons.isAncestorOf(widget):
                widget.setEnabled(False)
        self.fields_box.setEnabled(False)
        self.ok_button.hide()
        self.cancel_button.setText(self.tr("关闭"))

    def _error_row(self, form: QFormLayout, label: str, widget: QWidget) -> QLabel:
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(2)
        inner.addWidget(widget)
        error = QLabel()
        error.setStyleSheet(ERROR_STYLE)
        error.hide()
        inner.addWidget(error)
        form.addRow(label, box)
        return error

    def _kind_changed(self, *_args, keep_values: dict | None = None) -> None:
        kind_id = self.kind.currentData()
        fields, min_photos = self._kind_fields(kind_id) if kind_id is not None else ([], 0)
        if self.fields_widget is not None:
            previous = self.fields_widget.values()
            self.fields_layout.removeWidget(self.fields_widget)
            self.fields_widget.hide()
            self.fields_widget.setParent(None)
            self.fields_widget.deleteLater()
            keep_values = keep_values or {k: v for k, v in previous.items() if v not in ("", False)}
        self.fields_widget = FormFieldsWidget(
            fields,
            keep_values,
            date_range=self._field_dates,
            default=self.entry_date.value() or self._entry_dates.clamp(date.today()),
        )
        self.fields_layout.addWidget(self.fields_widget)
        self.fields_box.setVisible(bool(self.fields_widget.fields))
        subject_field = next((f for f in fields if f.type == "subject"), None)
        self.subject_box.setVisible(subject_field is not None)
        self.subject_required = bool(subject_field and subject_field.required)
        if subject_field is not None:
            self.subject_box.setTitle(subject_field.label + ("＊" if subject_field.required else "")
                                      + self.tr("（身份证号码仅在本表单中完整显示）"))  # fmt: skip
        hint = self.tr("至少附 %1 张照片。").replace("%1", str(min_photos)) if min_photos else ""
        self.photos.hint.setText(
            hint
            + self.tr("可添加 JPEG、PNG 照片或 PDF，每个文件不超过 20 MB。双击照片可填写说明。")
        )
        self._suggest_office()

    def _suggest_office(self) -> None:
        """Suggest the unit's first paired office, unless the clerk chose one: a suggestion
        follows the unit when it changes."""
        current = self.office.currentData()
        if self._entry is not None or (current is not None and current != self._suggested):
            return
        offices = self._pairings.get(self.unit.currentData(), [])
        self._suggested = offices[0] if offices else None
        self.office.setCurrentIndex(max(self.office.findData(self._suggested), 0))

    def values(self) -> EntryInput:
        subject = None
        if self.subject_box.isVisibleTo(self) and (
            self.subject_name.text().strip()
            or self.subject_required
            # a number without a name is a subject to ask the name of, never dropped silently
            or self.subject_id_number.text().strip()
        ):
            subject = SubjectInput(
                name=self.subject_name.text(),
                category=self.subject_category.currentData() or "",
                id_number=self.subject_id_number.text(),
                office_id=self.subject_office.currentData(),
                # the subject as the form read it (已被他人修改)
                revision_of=self._entry.subject.revision_of
                if self._entry is not None and self._entry.subject is not None
                else None,
            )
        return EntryInput(
            kind_id=self.kind.currentData(),
            unit_id=self.unit.currentData(),
            entry_date=self.entry_date.value() or self.entry_date.edit.text().strip(),
            title=self.title.text(),
            paired_office_id=self.office.currentData(),
            subjects_served=self.served.value(),
            body=self.body.toPlainText(),
            values=self.fields_widget.values() if self.fields_widget else {},
            subject=subject,
            photos=self.photos.photos(),
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        """Show each message beside its field and bring the topmost field with its message
        into view (also one of the kind's own fields, the subject or the photos, which lie
        further down than FormDialog knows)."""
        super().show_errors(errors)
        shown = [found for name in errors if (found := self._error_place(name)) is not None]
        if shown:
            widget, message = min(
                shown, key=lambda pair: pair[0].mapTo(self.form_container, QPoint(0, 0)).y()
            )
            reveal(widget)
            reveal(message, focus=False)

    def _error_place(self, field: str) -> tuple[QWidget, QLabel] | None:
        """The input an error about ``field`` is about and the label showing it (None when
        it is about no one input)."""
        if field in self._fields:
            return self._fields[field], self._errors[field]
        form = self.fields_widget
        if form is not None and field in form.editors:
            return form.editors[field], form.error_labels[field]
        subject = {"subject_name": self.subject_name, "subject_category": self.subject_category,
                   "id_number": self.subject_id_number, "subject_office": self.subject_office}  # fmt: skip
        if field in subject and self.subject_box.isVisibleTo(self):
            return subject[field], self._subject_errors[field]
        if field == "photos":
            return self.photos.add_button, self.photos.error
        return None

    def show_extra_error(self, field: str, message: str) -> bool:
        if self.fields_widget is not None and self.fields_widget.show_error(field, message):
            return True
        if field in self._subject_errors:
            self._subject_errors[field].setText(message)
            self._subject_errors[field].show()
            return True
        if field == "photos":
            self.photos.show_error(message)
            return True
        return False

    def clear_errors(self) -> None:
        super().clear_errors()
        fields_widget = getattr(self, "fields_widget", None)  # not yet there while being built
        if fields_widget is not None:
            fields_widget.clear_errors()
        for label in getattr(self, "_subject_errors", {}).values():
            label.hide()
        if hasattr(self, "photos"):
            self.photos.show_error("")


def _look_read_only(widget: QLineEdit | QPlainTextEdit) -> None:
    """Paint a read-only text field as a disabled one (grey ground, grey text, no prompt), so
    that a form shown only for reading has no white field inviting typing."""
    palette = widget.palette()
    for role in (QPalette.ColorRole.Base, QPalette.ColorRole.Text):
        palette.setColor(role, palette.color(QPalette.ColorGroup.Disabled, role))
    widget.setPalette(palette)
    widget.setPlaceholderText("")
