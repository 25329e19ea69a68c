"""组织与结对: units and department–office pairings."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QSplitter, QVBoxLayout, QWidget

from app.models import UnitKind
from app.services import reference
from app.services.reference import PairingRow, UnitRow
from app.ui.dialogs.reference_dialogs import PairingDialog, UnitDialog
from app.ui.messages import confirm
from app.ui.pages.base import Page, button_row, section_label
from app.ui.table_model import Column, RowTableModel
from app.ui.table_view import RowTableView


class OrganisationPage(Page):
    """Lists units and pairings; adds, edits and removes them."""

    title = "组织与结对"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.units_model: RowTableModel[UnitRow] = RowTableModel(
            [
                Column(self.tr("单位名称"), lambda r: r.name),
                Column(self.tr("类别"), lambda r: r.kind_label),
                Column(self.tr("上报单位"), lambda r: r.parent_name),
                Column(self.tr("负责人"), lambda r: r.responsible_person),
                Column(self.tr("联系电话"), lambda r: r.phone),
                Column(self.tr("挂钩结对"), lambda r: r.paired_with),
            ],
            self,
        )
        self.units_view = RowTableView(self.units_model, self, stretch=5)
        self.add_unit_button = QPushButton(self.tr("新增单位"))
        self.edit_unit_button = QPushButton(self.tr("编辑"))
        self.delete_unit_button = QPushButton(self.tr("删除"))
        self.pairings_model: RowTableModel[PairingRow] = RowTableModel(
            [
                Column(self.tr("局科室"), lambda r: r.department),
                Column(self.tr("结对司法所"), lambda r: r.office),
            ],
            self,
        )
        self.pairings_view = RowTableView(self.pairings_model, self, stretch=1)
        self.add_pairing_button = QPushButton(self.tr("新增结对"))
        self.delete_pairing_button = QPushButton(self.tr("解除结对"))

        units_box, pairings_box = QWidget(), QWidget()
        units_layout = QVBoxLayout(units_box)
        units_layout.setContentsMargins(0, 0, 0, 0)
        units_layout.addWidget(section_label(self.tr("单位")))
        units_layout.addWidget(self.units_view)
        units_layout.addLayout(
            button_row(self.add_unit_button, self.edit_unit_button, self.delete_unit_button)
        )
        pairings_layout = QVBoxLayout(pairings_box)
        pairings_layout.setContentsMargins(0, 0, 0, 0)
        pairings_layout.addWidget(section_label(self.tr("挂钩结对")))
        pairings_layout.addWidget(self.pairings_view)
        pairings_layout.addLayout(button_row(self.add_pairing_button, self.delete_pairing_button))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(units_box)
        splitter.addWidget(pairings_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.layout_.addWidget(splitter, 1)

        # clicked(bool) must not reach a parameter: every button goes through a lambda
        self.add_unit_button.clicked.connect(lambda: self.edit_unit(None))
        self.edit_unit_button.clicked.connect(
            lambda: self.edit_unit(self.units_view.selected_row())
        )
        if context.owns_reference_data:
            self.units_view.row_activated.connect(self.edit_unit)
        self.delete_unit_button.clicked.connect(lambda: self.delete_unit())
        self.add_pairing_button.clicked.connect(lambda: self.add_pairing())
        self.delete_pairing_button.clicked.connect(lambda: self.delete_pairing())
        self.units_view.selection_changed.connect(self._update_buttons)
        self.pairings_view.selection_changed.connect(self._update_buttons)
        if not context.owns_reference_data:
            self.keep_reference_data_read_only(
                self.add_unit_button,
                self.edit_unit_button,
                self.delete_unit_button,
                self.add_pairing_button,
                self.delete_pairing_button,
            )
        self.refresh()

    def refresh(self) -> None:
        """Reload units and pairings."""
        with self.database.session() as session:
            units = reference.list_units(session, programme_id=self.context.programme_id)
            pairings = reference.list_pairings(session, self.context.programme_id)
        self.units_model.set_rows(units)
        self.pairings_model.set_rows(pairings)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.edit_unit_button.setEnabled(self.units_view.selected_row() is not None)
        self.delete_unit_button.setEnabled(self.units_view.selected_row() is not None)
        self.delete_pairing_button.setEnabled(self.pairings_view.selected_row() is not None)
        self.add_pairing_button.setEnabled(self.context.programme_id is not None)

    def edit_unit(self, unit: UnitRow | None) -> None:
        """Open the unit dialog (new when ``unit`` is None) and save on 保存."""
        unit_id = unit.id if unit else None
        revision = unit.revision if unit else None  # as listed: 已被他人修改

        owner = self.context.local_unit_id

        def save(values: dict) -> None:
            def work(session) -> None:
                reference.save_unit(
                    session, unit_id, owner_unit_id=owner, expected_revision=revision, **values
                )

            self.save_from_dialog(self.tr("保存单位"), work)

        dialog = UnitDialog(save, self.units_model.rows(), unit, self)
        if dialog.exec():
            self.refresh()

    def delete_unit(self) -> None:
        """Remove the selected unit after confirmation."""
        unit = self.units_view.selected_row()
        if unit is None or not confirm(
            self, self.tr("删除单位"), self.tr("确定删除“%1”吗？").replace("%1", unit.name)
        ):
            return
        if self.attempt(
            lambda s: reference.delete_unit(s, unit.id, unit.revision), self.tr("删除单位")
        ):
            self.refresh()

    def add_pairing(self) -> None:
        """Pair a department with a judicial office."""
        programme_id = self.context.programme_id
        if programme_id is None:
            return
        units = self.units_model.rows()

        owner = self.context.local_unit_id

        def save(values: dict) -> None:
            def work(session) -> None:
                reference.add_pairing(session, programme_id, owner_unit_id=owner, **values)

            self.save_from_dialog(self.tr("新增结对"), work)

        dialog = PairingDialog(
            save,
            [u for u in units if u.kind == UnitKind.DEPARTMENT],
            [u for u in units if u.kind == UnitKind.JUDICIAL_OFFICE],
            self,
        )
        if dialog.exec():
            self.refresh()

    def delete_pairing(self) -> None:
        """Remove the selected pairing after confirmation."""
        pairing = self.pairings_view.selected_row()
        if pairing is None:
            return
        question = self.tr("确定解除“%1”与“%2”的挂钩结对吗？")
        if not confirm(
            self,
            self.tr("解除结对"),
            question.replace("%1", pairing.department).replace("%2", pairing.office),
        ):
            return
        if self.attempt(lambda s: reference.delete_pairing(s, pairing.id), self.tr("解除结对")):
            self.refresh()
