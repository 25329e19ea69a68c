"""考核与通报 and published bulletins: 发布通报… and 重新打印… on the county's PC; on a
department's PC the published bulletins read-only, its own row marked, and the PDF's lines
equal to the page's."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QPushButton

from app.reports.bulletin_pdf import render_bulletin_pdf
from app.services import assessment, issued_bulletins
from app.services.settings import current_programme, local_unit
from app.ui.operations import running_tasks
from app.ui.pages.bulletin_register import OWN_ROW, PublishDialog
from app.ui.table_model import RowTableModel
from tests.conftest import TEMPLATE_KEY
from tests.helpers import assert_fits_screen, drive_dialog, dump, open_page, unit_ids
from tests.test_issued_bulletins import DEPARTMENT, pdf_text

AS_OF = date(2018, 10, 31)


def _click_row(qtbot, view: QAbstractItemView, predicate) -> None:
    assert view.select_where(predicate)
    index = view.selectionModel().selectedRows()[0]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(index).center())  # fmt: skip


def _fill(as_of: date, number: int | None = None, proposals: list[int] | None = None):
    def fill(dialog: PublishDialog) -> None:
        assert_fits_screen(dialog)
        dialog.as_of.setValue(as_of)
        if proposals is not None:
            proposals.append(dialog.number.value())  # proposed for that date
        if number is not None:
            dialog.number.setValue(number)

    return fill


def _shown(model: RowTableModel, row: int, column: int) -> str:
    return str(model.data(model.index(row, column)))


def _page_lines(page_ranking, lines_model, rank_view, qtbot) -> str:
    """The ranking's departments with their lines as the page shows them, one after another,
    in the bulletin's order: name, then each line's 项目, 说明 and 分值."""
    text = ""
    for score in page_ranking:
        _click_row(qtbot, rank_view, lambda s, score=score: s.unit_id == score.unit_id)
        text += score.name
        for row in range(lines_model.rowCount()):
            text += "".join(_shown(lines_model, row, column) for column in range(3))
        text += f"合计第{score.rank}名"
    return re.sub(r"\s+", "", text)


def _pdf_lines(data: bytes) -> str:
    """The PDF's 三、得分说明 without the totals' figures, minus signs as the page writes them."""
    text = pdf_text(data).replace("\u2212", "-")
    section = text.split("三、得分说明", 1)[1].split("四、逾期事项", 1)[0]
    section = re.sub(r"—\d+—", "", section.split("计分。", 1)[1])  # page numbers
    section = section.replace("项目说明分值", "")  # the tables' heads, repeated on a new page
    return re.sub(r"(合计第\d+名)-?[\d.]+", r"\1", section)


def test_the_county_publishes_in_sequence_and_reprints_the_same(
    qtbot, monkeypatch, dialogs, db_path, tmp_path
):
    page = open_page(qtbot, db_path, "assessment")
    register = page.register
    assert register.publish_button.isVisible() and not register.reprint_button.isEnabled()
    page.as_of.setValue(AS_OF)
    with page.database.session() as s:
        assert issued_bulletins.next_number(s, current_programme(s).id, AS_OF) == 5
    # the first issue is numbered by its month (the template's 第1期 is June): 9-30 is 第4期
    first = date(2018, 9, 30)
    seen = drive_dialog(monkeypatch, PublishDialog, _fill(first))
    qtbot.mouseClick(register.publish_button, Qt.MouseButton.LeftButton)
    proposed = 4
    assert seen[0].number.value() == proposed and not seen[0].isVisible()
    rows = register.model.rows()
    assert [(r.number, r.as_of) for r in rows] == [(proposed, first)]
    assert register.view.selected_row() == rows[0] and register.reprint_button.isEnabled()

    # the same 期号 again: refused beside the field, the dialog stays open, nothing written
    unchanged = dump(db_path)
    proposals: list[int] = []
    seen = drive_dialog(monkeypatch, PublishDialog, _fill(AS_OF, proposed, proposals))
    qtbot.mouseClick(register.publish_button, Qt.MouseButton.LeftButton)
    assert proposals == [proposed + 1]  # the next in sequence, whatever the date
    assert "已经发布" in seen[0].error_text("number") and seen[0].isVisible()
    seen[0].hide()
    assert dump(db_path) == unchanged and len(register.model.rows()) == 1

    # the page's lines as of the bulletin's date, then a 加减分 after publishing
    page.as_of.setValue(first)
    expected = _page_lines(page.rank_model.rows(), page.lines_model, page.rank_view, qtbot)
    with page.database.session() as s:
        assessment.record_adjustment(s, programme_id=current_programme(s).id,
                                     unit_id=unit_ids(s)[DEPARTMENT], points=30,
                                     reason="发布后补记", on=date(2018, 9, 20))  # fmt: skip
    page.refresh()
    assert "发布后补记" in _page_lines(page.rank_model.rows(), page.lines_model, page.rank_view,
                                  qtbot)  # fmt: skip

    # 重新打印… prints the bulletin as published: the page's lines when it was issued
    target = tmp_path / "重印.pdf"
    dialogs.save_paths = [target]
    _click_row(qtbot, register.view, lambda r: r.number == proposed)
    qtbot.mouseClick(register.reprint_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert dialogs.opened == [str(target)]
    assert _pdf_lines(target.read_bytes()) == expected
    assert "发布后补记" not in pdf_text(target.read_bytes())


def test_a_department_sees_the_published_bulletins_read_only(qtbot, monkeypatch, dialogs, tmp_path):
    from app.sync.exchange import export_package, import_package
    from tests.test_issued_bulletins import _add_entries, _pair

    county, department = _pair(tmp_path)
    try:
        _add_entries(county, DEPARTMENT, date(2018, 9, 3), 3)
        with county.session() as s:
            programme = current_programme(s).id
            assessment.record_adjustment(s, programme_id=programme,
                                         unit_id=unit_ids(s)["基层科"], points=-1,
                                         reason="8月例会材料迟报", on=date(2018, 9, 10))  # fmt: skip
            issued_bulletins.publish(s, programme, date(2018, 9, 30), 4)
            assessment.record_adjustment(s, programme_id=programme,
                                         unit_id=unit_ids(s)["基层科"], points=5,
                                         reason="承办全市现场会", on=date(2018, 10, 10))  # fmt: skip
            issued_bulletins.publish(s, programme, AS_OF, 5)
        import_package(department, export_package(county, DEPARTMENT, tmp_path / "d.bjpkg")[0])
        path = department.file
    finally:
        county.close()
        department.close()

    page = open_page(qtbot, path, "assessment")
    view = page.published
    visible = [b for b in page.findChildren(QPushButton) if b.isVisibleTo(page)]
    assert visible == [view.save_button]  # read-only: only 另存为…
    assert [r.label for r in view.issued_model.rows()] == ["第5期", "第4期"]
    assert view.issued_view.selected_row().number == 5  # the latest first
    shots = os.environ.get("BANGJIAO_SHOTS")  # a screenshot for the docs when asked
    if shots:
        window = page.window()
        window.resize(1366, 768)
        qtbot.wait(100)
        window.grab().save(str(Path(shots) / "assessment-department-published.png"))
    with page.database.session() as s:
        own = local_unit(s).id
    # its own row is marked and chosen, its lines explained
    model = view.rank_model
    own_row = next(i for i, s in enumerate(model.rows()) if s.unit_id == own)
    background = model.data(model.index(own_row, 0), Qt.ItemDataRole.BackgroundRole)
    assert background is not None and background.color().name() == OWN_ROW
    others = [i for i in range(model.rowCount()) if i != own_row]
    assert all(model.data(model.index(i, 0), Qt.ItemDataRole.BackgroundRole) is None
               for i in others)  # fmt: skip
    assert view.rank_view.selected_row().unit_id == own
    assert "（本单位）" in view.lines_title.text() and DEPARTMENT in view.lines_title.text()
    assert _shown(model, own_row, 2) == "3"  # its entries, counted at the county
    # 互比互超: the places each department gained or lost since 第4期
    moved = {s.name: _shown(model, i, 5) for i, s in enumerate(model.rows())}
    assert moved["基层科"] == "上升 6 名" and moved[DEPARTMENT] == "下降 1 名"
    # 第4期: another department's line as published
    _click_row(qtbot, view.issued_view, lambda r: r.number == 4)
    assert "第4期" in view.rank_title.text()
    assert {_shown(model, i, 5) for i in range(model.rowCount())} == {"—"}  # the first one
    _click_row(qtbot, view.rank_view, lambda s: s.name == "基层科")
    assert any("8月例会材料迟报" in line.detail for line in view.lines_model.rows())

    # the PDF saved here has the page's lines
    expected = _page_lines(model.rows(), view.lines_model, view.rank_view, qtbot)
    target = tmp_path / "第4期.pdf"
    dialogs.save_paths = [target]
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert _pdf_lines(target.read_bytes()) == expected
    with page.database.session() as s:
        issued = issued_bulletins.issued_rows(s, current_programme(s).id)[1]
        again = render_bulletin_pdf(issued_bulletins.bulletin_of(s, issued.id))
    assert pdf_text(target.read_bytes()) == pdf_text(again)


def test_a_department_without_bulletins_is_told_where_they_come_from(qtbot, gui_app, tmp_path):
    from app.services.setup import initialise

    path = tmp_path / "department.db"
    initialise(str(path), TEMPLATE_KEY, DEPARTMENT).database.close()
    page = open_page(qtbot, path, "assessment")
    assert page.published.empty_note.isVisible() and "尚未发布" in page.published.empty_note.text()
    assert not page.published.save_button.isEnabled()
    assert page.published.rank_model.rows() == []


def test_a_judicial_office_sees_the_published_ranking_too(qtbot, gui_app, tmp_path):
    from app.sync.exchange import export_package, import_package
    from tests.test_issued_bulletins import _pair

    county, office = _pair(tmp_path, "瓯南司法所")
    try:
        with county.session() as s:
            issued_bulletins.publish(s, current_programme(s).id, AS_OF, 5)
        import_package(office, export_package(county, "瓯南司法所", tmp_path / "o.bjpkg")[0])
        path = office.file
    finally:
        county.close()
        office.close()
    page = open_page(qtbot, path, "assessment")
    view = page.published
    assert [r.label for r in view.issued_model.rows()] == ["第5期"]
    assert len(view.rank_model.rows()) == 7  # every department, none of them its own
    assert view.rank_view.selected_row() == view.rank_model.rows()[0]
    assert [r.label for r in view.lines_model.rows()[:2]] == ["量化指标", "量化指标完成"]
    assert "（本单位）" not in view.lines_title.text()
