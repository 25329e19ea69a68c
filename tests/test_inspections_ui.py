"""The 督查整改 page with real widgets: a new inspection and item through the dialogs, a unit's
report with evidence, the county's 销号 and 退回整改, overdue rows in red."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from app.models import Inspection, RectificationItem, RectificationStatus, Unit
from app.services import inspections
from app.services.database import open_database
from app.services.inspections import FindingInput, InspectionInput
from app.services.settings import LOCAL_UNIT, current_programme, set_setting
from app.ui.dialogs.inspection_dialogs import (
    CloseDialog,
    InspectionDialog,
    InspectionEditDialog,
    ItemDialog,
    ProgressDialog,
    SendBackDialog,
)
from app.ui.pages.inspections import OVERDUE_BACKGROUND, InspectionsPage
from tests.helpers import assert_fits_screen, drive_dialog, open_page, unit_ids

S = RectificationStatus
AID, BASE, COUNTY = "法律援助中心", "基层科", "县矫正办"
INSPECTED = date(2018, 9, 3)
STATUS, MARK = 3, 5  # item columns
BACKGROUND = Qt.ItemDataRole.BackgroundRole


def _as_unit(db_path, name: str) -> None:
    db = open_database(str(db_path))
    with db.session() as s:
        set_setting(s, LOCAL_UNIT, s.scalar(select(Unit).where(Unit.name == name)).uuid)
    db.close()


def _page(qtbot, db_path, unit: str | None = None, today: date = date(2018, 9, 24)):
    if unit is not None:
        _as_unit(db_path, unit)
    page = open_page(qtbot, db_path, "inspections")
    assert isinstance(page, InspectionsPage)
    page.today = lambda: today
    page.refresh()
    return page


def _seed(db_path, *findings: tuple[str, str, date]) -> list[int]:
    """An inspection of 法律援助中心 by the county with items (finding, unit, deadline)."""
    db = open_database(str(db_path))
    with db.session() as s:
        units = unit_ids(s)
        data = InspectionInput(
            inspection_date=INSPECTED,
            inspectors="王芳",
            inspected_unit_id=units[AID],
            findings=[
                FindingInput(
                    text=text, rectify=True, responsible_unit_id=units[unit], deadline=deadline
                )
                for text, unit, deadline in findings
            ],
            programme_id=current_programme(s).id,
        )
        inspection = inspections.record_inspection(s, data, units[COUNTY])
        ids = [i.id for i in sorted(inspection.items, key=lambda i: i.id)]
    db.close()
    return ids


def _report(db_path, item_id: int, status: S, on: date, evidence: str = "已整改") -> None:
    db = open_database(str(db_path))
    with db.session() as s:
        inspections.report_progress(s, item_id, status, evidence, on, unit_ids(s)[AID])
    db.close()


def _stored(db_path) -> list[tuple]:
    db = open_database(str(db_path))
    with db.session() as s:
        rows = [(i.finding, i.responsible_unit.name, i.deadline, inspections.effective_status(i))
                for i in s.scalars(select(RectificationItem).order_by(RectificationItem.id))]  # fmt: skip
        rows.append(("inspections", s.scalar(select(func.count(Inspection.id)))))
    db.close()
    return rows


def _type(qtbot, field, text: str) -> None:
    """Type ``text`` into a date field as a clerk does (replacing what it held)."""
    field.edit.clear()
    qtbot.keyClicks(field.edit, text)


def _select_item(page: InspectionsPage, finding: str) -> None:
    assert page.item_view.select_where(lambda r: r.finding == finding)


def test_a_new_inspection_and_an_item_through_the_dialogs(qtbot, monkeypatch, gui_app, db_path):
    page = _page(qtbot, db_path, today=INSPECTED)
    assert page.new_button.isVisibleTo(page)
    assert page.inspection_model.rows() == [] and "督查 0 次" in page.info.text()

    def incomplete(dialog: InspectionDialog) -> None:
        dialog.rows[0].text.setText("台账照片缺少说明")
        dialog.rows[0].rectify.setChecked(True)
        _type(qtbot, dialog.rows[0].deadline, "2018-09-01")  # before the inspection

    seen = drive_dialog(monkeypatch, InspectionDialog, incomplete)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    assert dialog.result() == 0  # still open, nothing saved
    assert dialog.error_text("inspectors") == "请填写督查人员。"
    assert dialog.error_text("inspected_unit") == "请选择被督查单位。"
    assert dialog.rows[0].error.text() == "整改期限不能早于督查日期（2018年9月3日）。"
    assert _stored(db_path) == [("inspections", 0)]

    def complete(dialog: InspectionDialog) -> None:
        dialog.inspectors.setText("县矫正办 王芳")
        dialog.inspected_unit.setCurrentIndex(dialog.inspected_unit.findText(AID))
        first = dialog.rows[0]
        first.text.setText("台账照片缺少说明")
        first.rectify.setChecked(True)  # responsible: the unit inspected, due in 30 days
        qtbot.mouseClick(dialog.add_row_button, Qt.MouseButton.LeftButton)  # left blank: ignored
        qtbot.mouseClick(dialog.add_row_button, Qt.MouseButton.LeftButton)
        dialog.rows[-1].text.setText("宣传栏已更新")  # a finding needing no rectification
        qtbot.mouseClick(dialog.add_row_button, Qt.MouseButton.LeftButton)
        dialog.rows[-1].text.setText("多余的一条")
        qtbot.mouseClick(dialog.rows[-1].remove_button, Qt.MouseButton.LeftButton)
        assert [r.number.text() for r in dialog.rows] == ["1.", "2.", "3."]

    drive_dialog(monkeypatch, InspectionDialog, complete)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert _stored(db_path) == [("台账照片缺少说明", AID, date(2018, 10, 3), S.PENDING),
                                ("inspections", 1)]  # fmt: skip
    (row,) = page.inspection_model.rows()
    assert (row.inspected_unit, row.findings, row.items) == (
        AID,
        "1．台账照片缺少说明\n2．宣传栏已更新",
        1,
    )
    assert [r.finding for r in page.item_model.rows()] == ["台账照片缺少说明"]
    assert "2018-09-03 法律援助中心" in page.items_title.text()

    def early(dialog: ItemDialog) -> None:
        dialog.finding.setPlainText("结对走访次数不足")
        dialog.responsible_unit.setCurrentIndex(dialog.responsible_unit.findText(BASE))
        _type(qtbot, dialog.deadline, "2018-09-02")

    seen = drive_dialog(monkeypatch, ItemDialog, early)
    qtbot.mouseClick(page.add_item_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("deadline") == "整改期限不能早于督查日期（2018年9月3日）。"
    drive_dialog(
        monkeypatch, ItemDialog, lambda d: (early(d), _type(qtbot, d.deadline, "2018-09-03"))
    )
    qtbot.mouseClick(page.add_item_button, Qt.MouseButton.LeftButton)
    assert _stored(db_path)[1] == ("结对走访次数不足", BASE, INSPECTED, S.PENDING)
    assert page.inspection_model.rows()[0].items == 2


def test_the_unit_reports_with_evidence_and_the_county_closes(qtbot, monkeypatch, gui_app, db_path):
    _seed(
        db_path,
        ("台账照片缺少说明", AID, date(2018, 9, 30)),
        ("结对走访不足", BASE, date(2018, 9, 30)),
    )
    page = _page(qtbot, db_path, AID)
    assert page.new_button.isHidden() and page.close_button.isHidden()
    assert [r.finding for r in page.item_model.rows()] == ["台账照片缺少说明"]  # its own only
    _select_item(page, "台账照片缺少说明")
    assert page.report_button.isEnabled()

    def no_evidence(dialog: ProgressDialog) -> None:
        assert dialog.rectified.isChecked()
        dialog.evidence.setPlainText("   ")

    seen = drive_dialog(monkeypatch, ProgressDialog, no_evidence)
    qtbot.mouseClick(page.report_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("evidence") == "报告“已整改”时请写明整改情况和佐证材料。"
    assert page.selected_item().status == S.PENDING

    drive_dialog(monkeypatch, ProgressDialog, lambda d: d.evidence.setPlainText("已补齐照片 12 张"))
    qtbot.mouseClick(page.report_button, Qt.MouseButton.LeftButton)
    item = page.selected_item()
    assert (item.status_label, item.latest_text, item.reported_on) == (
        "已整改",
        "已补齐照片 12 张",
        date(2018, 9, 24),
    )
    assert page.item_model.index(0, STATUS).data() == "已整改"
    assert not page.report_button.isEnabled() and "数据交换" in page.status.text()
    assert "已补齐照片 12 张" in page.history.toPlainText()

    page.window().close()
    page = _page(qtbot, db_path, COUNTY)
    _select_item(page, "台账照片缺少说明")
    assert page.close_button.isEnabled() and page.send_back_button.isEnabled()

    def before_the_report(dialog: CloseDialog) -> None:
        assert dialog.closed_on.value() == date(2018, 9, 24)  # today by default
        _type(qtbot, dialog.closed_on, "2018-09-20")

    seen = drive_dialog(monkeypatch, CloseDialog, before_the_report)
    qtbot.mouseClick(page.close_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("closed_on") == "销号日期不能早于上一次报告的日期（2018年9月24日）。"
    assert page.selected_item().status == S.RECTIFIED
    drive_dialog(monkeypatch, CloseDialog, lambda d: _type(qtbot, d.closed_on, "2018-09-26"))
    qtbot.mouseClick(page.close_button, Qt.MouseButton.LeftButton)
    item = page.selected_item()
    assert (item.status_label, item.closed_on) == ("已销号", date(2018, 9, 26))  # the date picked
    assert not (page.close_button.isEnabled() or page.send_back_button.isEnabled()
                or page.report_button.isEnabled())  # fmt: skip
    assert _stored(db_path)[0][3] == S.CLOSED


def test_the_county_sends_back_with_a_reason(qtbot, monkeypatch, gui_app, db_path):
    (item_id,) = _seed(db_path, ("台账照片缺少说明", AID, date(2018, 9, 30)))
    _report(db_path, item_id, S.RECTIFIED, date(2018, 9, 20), "补了 2 张")
    page = _page(qtbot, db_path)
    _select_item(page, "台账照片缺少说明")
    seen = drive_dialog(monkeypatch, SendBackDialog, lambda d: d.reason.setPlainText(""))
    qtbot.mouseClick(page.send_back_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("reason") == "请写明退回整改的理由。"
    assert page.selected_item().status == S.RECTIFIED
    drive_dialog(monkeypatch, SendBackDialog, lambda d: d.reason.setPlainText("照片仍不全"))
    qtbot.mouseClick(page.send_back_button, Qt.MouseButton.LeftButton)
    item = page.selected_item()
    assert (item.status_label, item.sent_back, item.latest_text) == ("整改中", True, "照片仍不全")
    assert "退回：照片仍不全" in page.item_model.index(0, 4).data()
    history = page.history.toPlainText()
    assert history.index("报告已整改") < history.index("退回整改") and "照片仍不全" in history
    assert page.report_button.isEnabled()  # the county may record the next report for the unit


def test_overdue_rows_are_highlighted(qtbot, qtmodeltester, gui_app, db_path):
    late, due_today, done = _seed(
        db_path,
        ("热线值班记录不全", AID, date(2018, 9, 20)),
        ("宣传资料未进驻", AID, date(2018, 9, 24)),
        ("台账未归档", AID, date(2018, 9, 15)),
    )  # fmt: skip
    _report(db_path, done, S.RECTIFIED, date(2018, 9, 14))
    page = _page(qtbot, db_path, today=date(2018, 9, 24))
    qtmodeltester.check(page.inspection_model)
    qtmodeltester.check(page.item_model)
    rows = {r.id: n for n, r in enumerate(page.item_model.rows())}
    background = page.item_model.index(rows[late], 0).data(BACKGROUND)
    assert background.color().name() == OVERDUE_BACKGROUND
    assert page.item_model.index(rows[late], MARK).data() == "逾期 4 天"
    assert page.item_model.index(rows[due_today], 0).data(BACKGROUND) is None  # due today: not yet
    assert page.item_model.index(rows[done], 0).data(BACKGROUND) is None  # rectified in time
    assert page.item_model.index(rows[done], MARK).data() == "待销号"
    assert page.inspection_model.rows()[0].overdue == 1 and "逾期 1 项" in page.info.text()
    page.today = lambda: date(2018, 9, 25)
    page.refresh()
    rows = {r.id: n for n, r in enumerate(page.item_model.rows())}
    assert (
        page.item_model.index(rows[due_today], 0).data(BACKGROUND).color().name()
        == OVERDUE_BACKGROUND
    )


def test_a_dashboard_link_shows_the_item(qtbot, gui_app, db_path):
    _first, second = _seed(db_path, ("甲", AID, date(2018, 9, 20)), ("乙", BASE, date(2018, 9, 30)))
    _seed(db_path)  # a newer, empty inspection is listed first
    page = _page(qtbot, db_path)
    assert page.item_model.rows() == []
    page.window().go_to("inspections", {"record_id": second})
    assert page.selected_item().id == second and page.selected_inspection().items == 2


def _live(db_path) -> list[tuple]:
    """(inspection date, inspectors, live items' findings) of each live inspection."""
    db = open_database(str(db_path))
    with db.session() as s:
        rows = [
            (i.inspection_date, i.inspectors,
             sorted((t.finding, t.deadline) for t in i.items if not t.deleted))
            for i in s.scalars(select(Inspection).where(Inspection.deleted.is_(False)))
        ]  # fmt: skip
    db.close()
    return rows


def test_an_inspection_is_corrected_deleted_and_restored(qtbot, monkeypatch, dialogs, db_path):
    _seed(
        db_path,
        ("台账照片缺少说明", AID, date(2018, 9, 30)),
        ("结对走访不足", BASE, date(2018, 10, 8)),
    )
    page = _page(qtbot, db_path)
    assert page.edit_button.isEnabled() and page.delete_button.isEnabled()
    assert not page.undo_button.isEnabled()

    def too_late(dialog: InspectionEditDialog) -> None:
        assert (dialog.inspection_date.value(), dialog.inspectors.text()) == (INSPECTED, "王芳")
        assert dialog.inspected_unit.currentText() == AID
        _type(qtbot, dialog.inspection_date, "2018-10-01")  # after an item's deadline

    seen = drive_dialog(monkeypatch, InspectionEditDialog, too_late)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("inspection_date") == "督查日期不能晚于整改期限（2018年9月30日）。"
    assert _live(db_path)[0][:2] == (INSPECTED, "王芳")

    def corrected(dialog: InspectionEditDialog) -> None:
        _type(qtbot, dialog.inspection_date, "2018-09-02")
        dialog.inspectors.setText("王芳、李明")

    drive_dialog(monkeypatch, InspectionEditDialog, corrected)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert _live(db_path)[0][:2] == (date(2018, 9, 2), "王芳、李明")
    assert page.selected_inspection().inspectors == "王芳、李明" and "已修改" in page.status.text()

    _select_item(page, "结对走访不足")

    def item_corrected(dialog: ItemDialog) -> None:
        assert dialog.windowTitle().startswith("修改整改事项")
        assert (dialog.finding.toPlainText(), dialog.deadline.value()) == (
            "结对走访不足", date(2018, 10, 8))  # fmt: skip
        dialog.finding.setPlainText("结对走访记录不全")
        _type(qtbot, dialog.deadline, "2018-10-20")

    drive_dialog(monkeypatch, ItemDialog, item_corrected)
    qtbot.mouseClick(page.edit_item_button, Qt.MouseButton.LeftButton)
    assert ("结对走访记录不全", date(2018, 10, 20)) in _live(db_path)[0][2]

    _select_item(page, "结对走访记录不全")
    dialogs.confirm = False
    qtbot.mouseClick(page.delete_item_button, Qt.MouseButton.LeftButton)
    assert "撤销删除" in dialogs.texts("question")[-1] and len(_live(db_path)[0][2]) == 2
    dialogs.confirm = True
    qtbot.mouseClick(page.delete_item_button, Qt.MouseButton.LeftButton)
    assert [r.finding for r in page.item_model.rows()] == ["台账照片缺少说明"]
    assert _live(db_path)[0][2] == [("台账照片缺少说明", date(2018, 9, 30))]
    assert page.undo_button.isEnabled()
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    assert len(page.item_model.rows()) == 2 and page.selected_item().finding == "结对走访记录不全"
    assert not page.undo_button.isEnabled() and len(_live(db_path)[0][2]) == 2

    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert "2 项整改事项将一并删除" in dialogs.texts("question")[-1]
    assert page.inspection_model.rows() == [] and page.item_model.rows() == []
    assert _live(db_path) == [] and "撤销删除" in page.status.text()
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    assert [r.inspectors for r in page.inspection_model.rows()] == ["王芳、李明"]
    assert len(page.item_model.rows()) == 2 and len(_live(db_path)[0][2]) == 2


def test_nothing_closed_is_corrected_or_deleted_and_units_only_read(qtbot, gui_app, db_path):
    closed, _open = _seed(db_path, ("甲", AID, date(2018, 9, 30)), ("乙", AID, date(2018, 9, 30)))
    _report(db_path, closed, S.RECTIFIED, date(2018, 9, 10))
    db = open_database(str(db_path))
    with db.session() as s:
        inspections.close_item(s, closed, date(2018, 9, 12), unit_ids(s)[COUNTY])
    db.close()
    page = _page(qtbot, db_path)
    _select_item(page, "甲")
    assert not page.edit_item_button.isEnabled() and not page.delete_item_button.isEnabled()
    assert "已销号" in page.delete_item_button.toolTip()
    assert not page.delete_button.isEnabled() and "已销号" in page.delete_button.toolTip()
    assert page.edit_button.isEnabled()  # its date and findings may still be corrected
    _select_item(page, "乙")
    assert page.edit_item_button.isEnabled() and page.delete_item_button.isEnabled()
    page.window().close()
    page = _page(qtbot, db_path, AID)
    for button in (page.edit_button, page.delete_button, page.undo_button,
                   page.edit_item_button, page.delete_item_button):  # fmt: skip
        assert button.isHidden()


def test_esc_on_a_changed_inspection_form_asks_first(qtbot, monkeypatch, dialogs, db_path):
    _seed(db_path, ("台账照片缺少说明", AID, date(2018, 9, 30)))
    page = _page(qtbot, db_path)
    seen: list[InspectionEditDialog] = []
    monkeypatch.setattr(InspectionEditDialog, "exec", lambda d: seen.append(d) or d.show() or 0)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    qtbot.waitExposed(dialog)
    assert_fits_screen(dialog)
    dialog.inspectors.setText("王芳、李明")
    dialogs.confirm = False
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible() and dialogs.texts("question")
    dialogs.confirm = True
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and _live(db_path)[0][1] == "王芳"
