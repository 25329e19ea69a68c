"""职责与指标: each department's duties and their quantitative indicators."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListView, QPushButton, QSplitter, QVBoxLayout, QWidget

from app.models import IndicatorMeasure, UnitKind
from app.services import manual_values, reference
from app.services.manual_values import ManualValueRow
from app.services.progress import (
    IndicatorProgress,
    department_progress,
    indicator_progress,
    programme_window,
)
from app.services.reference import MEASURE_LABELS, DutyRow, IndicatorRow, UnitRow
from app.ui.dialogs.manual_value_dialog import ManualValueDialog
from app.ui.dialogs.reference_dialogs import DutyDialog, IndicatorDialog
from app.ui.messages import confirm
from app.ui.pages.base import Page, button_row, section_label
from app.ui.table_model import (
    ROW_ROLE,
    Column,
    RowTableModel,
    format_number,
    format_percent,
    progress_colour,
)
from app.ui.table_view import RowTableView


class DutiesPage(Page):
    """Pick a department; edit its duties and each duty's indicators."""

    title = "职责与指标"

    def __init__(self, database, context, parent: QWidget | None = None) -> None:
        super().__init__(database, context, parent)
        self.progress: dict[int, IndicatorProgress] = {}
        self.department_completion: dict[int, float] = {}
        self.latest_values: dict[int, ManualValueRow] = {}
        self.enterable: set[int] = set()  # manual indicators this PC records values of
        self.departments_model: RowTableModel[UnitRow] = RowTableModel(
            [
                Column(
                    self.tr("科室"),
                    self._department_label,
                    foreground=lambda r: progress_colour(self.department_completion.get(r.id)),
                )
            ],
            self,
        )
        self.departments_view = QListView()
        self.departments_view.setModel(self.departments_model)
        self.departments_view.setMaximumWidth(220)
        self.departments_view.setObjectName("departmentList")

        self.duties_model: RowTableModel[DutyRow] = RowTableModel(
            [
                Column(self.tr("序号"), lambda r: r.sort_order + 1, align_right=True),
                Column(self.tr("职责内容"), lambda r: r.text),
                Column(self.tr("指标数"), lambda r: r.indicator_count, align_right=True),
            ],
            self,
        )
        self.duties_view = RowTableView(self.duties_model, self, stretch=1)
        self.add_duty_button = QPushButton(self.tr("新增职责"))
        self.edit_duty_button = QPushButton(self.tr("编辑职责"))
        self.delete_duty_button = QPushButton(self.tr("删除职责"))

        self.indicators_model: RowTableModel[IndicatorRow] = RowTableModel(
            [
                Column(self.tr("指标名称"), lambda r: r.name),
                Column(self.tr("计量单位"), lambda r: r.measure_unit),
                Column(
                    self.tr("年度目标"),
                    lambda r: format_number(r.annual_target),
                    sort_key=lambda r: r.annual_target,
                    align_right=True,
                ),
                Column(
                    self.tr("权重"),
                    lambda r: format_number(r.weight),
                    sort_key=lambda r: r.weight,
                    align_right=True,
                ),
                Column(
                    self.tr("完成值"),
                    lambda r: self._actual_text(r),
                    sort_key=lambda r: self._actual(r) or 0,
                    align_right=True,
                ),
                Column(
                    self.tr("完成率"),
                    lambda r: format_percent(self._ratio(r)),
                    sort_key=lambda r: self._ratio(r) or 0,
                    align_right=True,
                    foreground=lambda r: progress_colour(self._ratio(r)),
                ),
                Column(self.tr("计算方式"), lambda r: MEASURE_LABELS[r.measure]),
                Column(self.tr("最近录入"), lambda r: self._latest_text(r)),
                Column(self.tr("计入台账类型"), lambda r: r.entry_kind_name),
            ],
            self,
        )
        self.indicators_view = RowTableView(self.indicators_model, self, stretch=0)
        self.add_indicator_button = QPushButton(self.tr("新增指标"))
        self.edit_indicator_button = QPushButton(self.tr("编辑指标"))
        self.delete_indicator_button = QPushButton(self.tr("删除指标"))
        self.enter_value_button = QPushButton(self.tr("录入完成值…"))
        self.enter_value_button.setObjectName("enterValueButton")
        self.enter_value_button.setToolTip(self.tr("人工评定的指标：录入截至某日的完成值"))
        self.weight_label = QLabel()
        self.weight_label.setObjectName("weightLabel")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(section_label(self.tr("任务分解（职责）")))
        right_layout.addWidget(self.duties_view, 3)
        right_layout.addLayout(
            button_row(self.add_duty_button, self.edit_duty_button, self.delete_duty_button)
        )
        right_layout.addWidget(section_label(self.tr("量化考核指标（所选职责）")))
        right_layout.addWidget(self.indicators_view, 2)
        indicator_buttons = button_row(
            self.add_indicator_button, self.edit_indicator_button, self.delete_indicator_button
        )
        indicator_buttons.insertWidget(3, self.enter_value_button)
        indicator_buttons.addWidget(self.weight_label)
        right_layout.addLayout(indicator_buttons)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(section_label(self.tr("局科室")))
        left_layout.addWidget(self.departments_view)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        self.layout_.addWidget(splitter, 1)

        self.departments_view.selectionModel().currentChanged.connect(lambda *_: self.load_duties())
        self.duties_view.selection_changed.connect(self.load_indicators)
        if context.owns_reference_data:
            self.duties_view.row_activated.connect(self.edit_duty)
        if context.owns_reference_data:
            self.indicators_view.row_activated.connect(self.edit_indicator)
        self.indicators_view.selection_changed.connect(self._update_buttons)
        # clicked(bool) must not reach a parameter: every button goes through a lambda
        self.add_duty_button.clicked.connect(lambda: self.edit_duty(None))
        self.edit_duty_button.clicked.connect(
            lambda: self.edit_duty(self.duties_view.selected_row())
        )
        self.delete_duty_button.clicked.connect(lambda: self.delete_duty())
        self.add_indicator_button.clicked.connect(lambda: self.edit_indicator(None))
        self.edit_indicator_button.clicked.connect(
            lambda: self.edit_indicator(self.indicators_view.selected_row())
        )
        self.delete_indicator_button.clicked.connect(lambda: self.delete_indicator())
        self.enter_value_button.clicked.connect(lambda: self.enter_value())
        if not context.owns_reference_data:
            self.keep_reference_data_read_only(
                self.add_duty_button,
                self.edit_duty_button,
                self.delete_duty_button,
                self.add_indicator_button,
                self.edit_indicator_button,
                self.delete_indicator_button,
            )
        self.refresh()

    # ------------------------------------------------------------ loading

    # ------------------------------------------------------------ progress

    def _load_progress(self, session) -> None:
        if self.context.programme_id is None:
            return
        items = indicator_progress(session, self.context.programme_id)
        manual = [i.indicator_id for i in items if i.measure == IndicatorMeasure.MANUAL]
        _start, end = programme_window(session, self.context.programme_id)
        self.latest_values = manual_values.latest_values(session, manual, end)
        self.enterable = manual_values.enterable(
            session, self.context.programme_id, self.context.local_unit_id
        )
        self.progress = {i.indicator_id: i for i in items}
        self.department_completion = {
            d.department_id: d.completion
            for d in department_progress(session, self.context.programme_id, items=items)
        }

    def _reload_progress(self) -> None:
        """Recompute the actuals after a change to indicators or duties."""
        with self.database.session() as session:
            self._load_progress(session)
        self.departments_model.refresh_display()

    def _department_label(self, row: UnitRow) -> str:
        completion = self.department_completion.get(row.id)
        return row.name if completion is None else f"{row.name}　{format_percent(completion)}"

    def _actual(self, row: IndicatorRow) -> float | None:
        item = self.progress.get(row.id)
        return item.actual if item else None

    def _actual_text(self, row: IndicatorRow) -> str:
        actual = self._actual(row)
        return "—" if actual is None else format_number(actual)

    def _latest_text(self, row: IndicatorRow) -> str:
        if row.measure != IndicatorMeasure.MANUAL:
            return ""
        latest = self.latest_values.get(row.id)
        if latest is None:
            return self.tr("未录入")
        text = latest.recorded_on.isoformat()
        return f"{text}　{latest.note}" if latest.note else text

    def _ratio(self, row: IndicatorRow) -> float | None:
        item = self.progress.get(row.id)
        return item.ratio if item else None

    def refresh(self) -> None:
        """Reload the departments and the progress figures, keeping the current selection."""
        current = self.current_department()
        with self.database.session() as session:
            self._load_progress(session)
            departments = reference.list_units(session, UnitKind.DEPARTMENT)
        self.departments_model.set_rows(departments)
        self.select_department(current.id if current else None)

    def current_department(self) -> UnitRow | None:
        """The department whose duties are shown."""
        index = self.departments_view.currentIndex()
        return index.data(ROW_ROLE) if index.isValid() else None

    def select_department(self, department_id: int | None) -> None:
        """Show a department's duties (the first department when not found)."""
        rows = self.departments_model.rows()
        row = next((i for i, d in enumerate(rows) if d.id == department_id), 0)
        if rows:
            self.departments_view.setCurrentIndex(self.departments_model.index(row, 0))
        self.load_duties()

    def load_duties(self, keep_duty_id: int | None = None) -> None:
        """Reload the current department's duties."""
        department = self.current_department()
        duties: list[DutyRow] = []
        if department is not None and self.context.programme_id is not None:
            with self.database.session() as session:
                duties = reference.list_duties(session, self.context.programme_id, department.id)
        self.duties_model.set_rows(duties)
        if keep_duty_id is None or not self.duties_view.select_where(
            lambda d: d.id == keep_duty_id
        ):
            self.duties_view.selectRow(0)
        self.load_indicators()

    def load_indicators(self) -> None:
        """Reload the selected duty's indicators and the department's weight total."""
        duty = self.duties_view.selected_row()
        department = self.current_department()
        indicators: list[IndicatorRow] = []
        total = 0.0
        with self.database.session() as session:
            if duty is not None:
                indicators = reference.list_indicators(session, duty.id)
            if department is not None and self.context.programme_id is not None:
                total = reference.department_weight_total(
                    session, self.context.programme_id, department.id
                )
        self.indicators_model.set_rows(indicators)
        self.departments_model.refresh_display()
        text = self.tr("本科室权重合计：%1").replace("%1", format_number(total))
        if abs(total - 100) > 1e-6:
            text += self.tr("（一般应为 100）")
            self.weight_label.setProperty("warning", True)
        else:
            self.weight_label.setProperty("warning", False)
        completion = self.department_completion.get(department.id) if department else None
        if completion is not None:
            text = self.tr("加权完成率：%1").replace("%1", format_percent(completion)) + "　" + text
        self.weight_label.setText(text)
        self.weight_label.style().unpolish(self.weight_label)
        self.weight_label.style().polish(self.weight_label)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_department = (
            self.current_department() is not None and self.context.programme_id is not None
        )
        has_duty = self.duties_view.selected_row() is not None
        has_indicator = self.indicators_view.selected_row() is not None
        self.add_duty_button.setEnabled(has_department)
        self.edit_duty_button.setEnabled(has_duty)
        self.delete_duty_button.setEnabled(has_duty)
        self.add_indicator_button.setEnabled(has_duty)
        self.edit_indicator_button.setEnabled(has_indicator)
        self.delete_indicator_button.setEnabled(has_indicator)
        # shown where this PC records some manual indicator's value (the county office always)
        indicator = self.indicators_view.selected_row()
        self.enter_value_button.setVisible(
            bool(self.enterable) or self.context.local_unit_kind == UnitKind.COUNTY_OFFICE
        )
        self.enter_value_button.setEnabled(indicator is not None and indicator.id in self.enterable)
        self.enter_value_button.setToolTip(self._enter_value_hint(indicator))

    def _enter_value_hint(self, indicator: IndicatorRow | None) -> str:
        """Why 录入完成值… is (not) available for the selected indicator."""
        if indicator is not None and indicator.id in self.enterable:
            return self.tr("人工评定的指标：录入截至某日的完成值")
        if indicator is None:
            return self.tr("先在下方选中一项计算方式为“人工评定”的指标。")
        if indicator.measure != IndicatorMeasure.MANUAL:
            return self.tr("该指标的完成值由台账记录自动统计，无需录入。")
        return self.tr("该指标的完成值由责任科室在本科室的电脑上录入。")

    # ------------------------------------------------------------ editing

    def edit_duty(self, duty: DutyRow | None) -> None:
        """Open the duty dialog (new when ``duty`` is None) and save on 保存."""
        department = self.current_department()
        if department is None:
            return
        saved: list[int] = []
        context = self.context

        def save(values: dict) -> None:
            def work(session) -> int:
                return reference.save_duty(
                    session,
                    duty.id if duty else None,
                    programme_id=context.programme_id,
                    department_id=department.id,
                    owner_unit_id=context.local_unit_id,
                    expected_revision=duty.revision if duty else None,
                    **values,
                )

            saved.append(self.save_from_dialog(self.tr("保存职责"), work))

        dialog = DutyDialog(save, duty.text if duty else "", department.name, self)
        if dialog.exec():
            self.load_duties(keep_duty_id=saved[-1] if saved else None)

    def delete_duty(self) -> None:
        """Remove the selected duty and its indicators after confirmation."""
        duty = self.duties_view.selected_row()
        if duty is None:
            return
        if not confirm(self, self.tr("删除职责"), self.tr("确定删除这条职责及其全部量化指标吗？")):
            return
        if self.attempt(
            lambda s: reference.delete_duty(s, duty.id, duty.revision), self.tr("删除职责")
        ):
            self._reload_progress()
            self.load_duties()

    def edit_indicator(self, indicator: IndicatorRow | None) -> None:
        """Open the indicator dialog (new when ``indicator`` is None) and save on 保存."""
        duty = self.duties_view.selected_row()
        if duty is None:
            return
        with self.database.session() as session:
            kinds = reference.list_entry_kinds(session)

        owner = self.context.local_unit_id

        def save(values: dict) -> None:
            def work(session) -> None:
                reference.save_indicator(
                    session,
                    indicator.id if indicator else None,
                    duty_id=duty.id,
                    owner_unit_id=owner,
                    expected_revision=indicator.revision if indicator else None,
                    **values,
                )

            self.save_from_dialog(self.tr("保存量化指标"), work)

        dialog = IndicatorDialog(save, kinds, indicator, self)
        if dialog.exec():
            self._reload_progress()
            self.load_duties(keep_duty_id=duty.id)

    def delete_indicator(self) -> None:
        """Remove the selected indicator after confirmation."""
        indicator = self.indicators_view.selected_row()
        duty = self.duties_view.selected_row()
        if indicator is None or duty is None:
            return
        question = self.tr("确定删除指标“%1”吗？").replace("%1", indicator.name)
        if not confirm(self, self.tr("删除指标"), question):
            return
        if self.attempt(
            lambda s: reference.delete_indicator(s, indicator.id, indicator.revision),
            self.tr("删除指标"),
        ):
            self._reload_progress()
            self.load_duties(keep_duty_id=duty.id)

    def enter_value(self) -> None:
        """Open 录入完成值 for the selected manual indicator and record the value on 保存."""
        indicator = self.indicators_view.selected_row()
        duty = self.duties_view.selected_row()
        if indicator is None or duty is None or indicator.id not in self.enterable:
            return
        entry = self.run(
            lambda s: manual_values.value_entry(s, indicator.id), self.tr("录入完成值")
        )
        if entry is None:
            return
        unit_id = self.context.local_unit_id

        def save(values: dict) -> None:
            def work(session) -> int:
                return manual_values.record_value(session, indicator.id, unit_id=unit_id, **values)

            self.save_from_dialog(self.tr("录入完成值"), work)

        dialog = ManualValueDialog(save, entry, self)
        if dialog.exec():
            self._reload_progress()
            self.load_duties(keep_duty_id=duty.id)
            self.indicators_view.select_where(lambda r: r.id == indicator.id)
