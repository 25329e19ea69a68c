"""考核与通报 page: the ranking as of a date explained line by line, 加减分 with a reason,
undone by a counter-entry, read-only on a department's PC."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QPushButton

from app.services.assessment import record_adjustment
from app.services.errors import ValidationError
from app.services.settings import current_programme
from app.ui.dialogs.assessment_dialogs import (
    AdjustmentDialog,
    JudgementDialog,
    ScoreSheetUnitDialog,
)
from tests.conftest import TEMPLATE_KEY
from tests.helpers import assert_fits_screen, drive_dialog, dump, open_page, unit_ids

AS_OF = date(2018, 10, 31)
END = date(2018, 12, 31)  # the PC's clock is past the programme: today moved into its period


def _ranks(page) -> dict[str, int]:
    return {s.name: s.rank for s in page.rank_model.rows()}


def _click_row(qtbot, view: QAbstractItemView, predicate) -> None:
    assert view.select_where(predicate)
    index = view.selectionModel().selectedRows()[0]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(index).center())  # fmt: skip


def _fill(unit: str, points: float, reason: str, on: date = AS_OF):
    def fill(dialog: AdjustmentDialog) -> None:
        assert_fits_screen(dialog)
        dialog.unit.setCurrentIndex(dialog.unit.findText(unit))
        dialog.points.setValue(points)
        dialog.on.setValue(on)
        dialog.reason.setText(reason)

    return fill


def test_adjustment_changes_the_rank_and_undo_restores_it(qtbot, monkeypatch, dialogs, db_path):
    page = open_page(qtbot, db_path, "assessment")
    assert page.adjust_button.isVisible() and page.bulletin_button.isVisible()
    page.as_of.setValue(END)
    before_end = _ranks(page)
    page.as_of.setValue(AS_OF)
    before = _ranks(page)
    last = max(before, key=lambda name: (before[name], name))
    total_before = next(s.total for s in page.rank_model.rows() if s.name == last)
    _click_row(qtbot, page.rank_view, lambda s: s.name == last)
    first = page.lines_model.rows()[0]
    assert last in page.lines_title.text() and first.heading and first.label == "量化指标"
    assert "分值 100" in first.detail and page.lines_model.rows()[1].label == "量化指标完成"

    # no reason: refused beside the field, nothing written
    unchanged = dump(db_path)
    seen = drive_dialog(monkeypatch, AdjustmentDialog, _fill(last, 50, "  "))
    qtbot.mouseClick(page.adjust_button, Qt.MouseButton.LeftButton)
    assert "理由" in seen[0].error_text("reason") and seen[0].isVisible()
    seen[0].hide()
    assert dump(db_path) == unchanged and _ranks(page) == before

    # with a reason: saved, the department goes to the top, the line explains it
    seen = drive_dialog(monkeypatch, AdjustmentDialog, _fill(last, 50, "承办全县现场会"))
    qtbot.mouseClick(page.adjust_button, Qt.MouseButton.LeftButton)
    assert not seen[0].error_text("reason") and not seen[0].error_text()
    after = _ranks(page)
    assert after[last] == 1 and all(r > 1 for n, r in after.items() if n != last)
    assert after != before
    score = next(s for s in page.rank_model.rows() if s.name == last)
    assert score.total == pytest.approx(total_before + 50)
    _click_row(qtbot, page.rank_view, lambda s: s.name == last)
    line = page.lines_model.rows()[-1]
    assert line.points == 50 and "承办全县现场会" in line.detail and "县矫正办登记" in line.detail
    [row] = page.adjustment_model.rows()
    assert (row.unit, row.points, row.made_by) == (last, 50, "县矫正办")
    assert not page.undo_button.isEnabled()  # nothing selected yet

    # 撤销: a counter-entry, both listed, the rank returns
    _click_row(qtbot, page.adjustment_view, lambda a: a.id == row.id)
    assert page.undo_button.isEnabled()
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    assert any("撤销" in text for text in dialogs.texts("question"))
    rows = page.adjustment_model.rows()
    assert len(rows) == 2
    original, counter = sorted(rows, key=lambda a: a.id)
    assert original.undone and not original.is_undo
    assert counter.is_undo and counter.points == -50 and counter.reason == "撤销：承办全县现场会"
    # dated the day it is made (the PC's date, moved into the period), not the ranking's date
    with page.database.session() as s:
        from app.models import ScoreAdjustment

        assert s.get_one(ScoreAdjustment, counter.id).adjusted_on == END
    assert _ranks(page) == after  # not back-dated into the ranking as of 10-31
    page.as_of.setValue(END)
    assert _ranks(page) == before_end
    _click_row(qtbot, page.rank_view, lambda sc: sc.unit_id == original.unit_id)
    explained = [r.detail for r in page.lines_model.rows() if r.category == "县矫正办加减分"]
    assert any("承办全县现场会" in d and d.endswith("【已撤销】") for d in explained)
    assert any(d.endswith("【撤销】") for d in explained)  # the pair marked, as on the 评分表
    _click_row(qtbot, page.adjustment_view, lambda a: a.id == original.id)
    assert not page.undo_button.isEnabled()  # undone once only


def test_a_departments_pc_sees_the_published_ranking_read_only(qtbot, gui_app, tmp_path: Path):
    from app.services.setup import initialise

    path = tmp_path / "department.db"
    initialise(str(path), TEMPLATE_KEY, "法律援助中心").database.close()
    page = open_page(qtbot, path, "assessment")
    for button in page.findChildren(QPushButton):
        if button is not page.published.save_button:  # 另存为… a published bulletin
            assert not button.isVisibleTo(page), button.text()
    assert not hasattr(page, "adjust_button")  # no 加减分 here, and no ranking of its own data
    unchanged = dump(path)
    with page.database.session() as s:
        programme = current_programme(s)
        with pytest.raises(ValidationError, match="县矫正办登记"):
            record_adjustment(s, programme_id=programme.id, unit_id=unit_ids(s)["法律援助中心"],
                              points=5, reason="自评加分", on=AS_OF)  # fmt: skip
    assert dump(path) == unchanged


def test_service_refuses_bad_adjustments(database):
    with database.session() as s:
        programme = current_programme(s)
        units = unit_ids(s)
        args = {"programme_id": programme.id, "unit_id": units["法律援助中心"]}
        with pytest.raises(ValidationError, match="理由") as caught:
            record_adjustment(s, **args, points=2, reason="", on=AS_OF)
        assert caught.value.field == "reason"
        with pytest.raises(ValidationError) as caught:
            record_adjustment(s, **args, points=0, reason="无", on=AS_OF)
        assert caught.value.field == "points"
        with pytest.raises(ValidationError) as caught:
            record_adjustment(s, **args, points=1, reason="早于方案", on=date(2018, 1, 5))
        assert caught.value.field == "on"
        with pytest.raises(ValidationError) as caught:
            record_adjustment(s, programme_id=programme.id, unit_id=units["县矫正办"], points=1,
                              reason="不是科室", on=AS_OF)  # fmt: skip
        assert caught.value.field == "unit"


def test_bulletin_from_the_page_counts_to_the_pages_date(qtbot, monkeypatch, dialogs, db_path,
                                                         tmp_path):  # fmt: skip
    import io

    from pypdf import PdfReader

    from app.ui.dialogs.bulletin_dialog import BulletinDialog
    from app.ui.operations import running_tasks

    page = open_page(qtbot, db_path, "assessment")
    page.as_of.setValue(date(2018, 9, 30))
    proposed: list[date | None] = []

    def fake_exec(dialog: BulletinDialog) -> int:
        proposed.append(dialog.as_of.value())  # the page's date, proposed as is
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(BulletinDialog, "exec", fake_exec)
    target = tmp_path / "通报.pdf"
    dialogs.save_paths = [target]
    qtbot.mouseClick(page.bulletin_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert proposed == [date(2018, 9, 30)]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(target.read_bytes())).pages)
    assert "2018年9月30日" in text.replace(" ", "") and dialogs.opened


def _judge(unit: str, score: float, reason: str, on: date = AS_OF):
    def fill(dialog: JudgementDialog) -> None:
        assert_fits_screen(dialog)
        dialog.unit.setCurrentIndex(dialog.unit.findText(unit))
        dialog.item.setCurrentIndex(dialog.item.findData("leadership"))
        dialog.score.setValue(score)
        dialog.on.setValue(on)
        dialog.reason.setText(reason)

    return fill


def test_judgement_by_clicking_changes_the_score_and_a_rescore_supersedes(
    qtbot, monkeypatch, dialogs, db_path
):
    page = open_page(qtbot, db_path, "assessment")
    page.as_of.setValue(AS_OF)
    assert page.judge_button.isVisible() and page.sheet_button.isVisible()
    header = page.rank_model.headerData(4, Qt.Orientation.Horizontal)
    assert header == "量化指标\n（100）"  # the categories, with their 分值, in the ranking
    aid = "法律援助中心"
    before = page.score_of(next(i for n, i in page.units if n == aid)).total

    # no reason: refused beside the field, nothing written
    unchanged = dump(db_path)
    seen = drive_dialog(monkeypatch, JudgementDialog, _judge(aid, 3, " "))
    qtbot.mouseClick(page.judge_button, Qt.MouseButton.LeftButton)
    assert "理由" in seen[0].error_text("reason") and seen[0].isVisible()
    seen[0].hide()
    assert dump(db_path) == unchanged

    seen = drive_dialog(monkeypatch, JudgementDialog, _judge(aid, 3, "台账不全", date(2018, 9, 1)))
    qtbot.mouseClick(page.judge_button, Qt.MouseButton.LeftButton)
    assert not seen[0].error_text("reason") and not seen[0].error_text()
    unit_id = next(i for n, i in page.units if n == aid)
    assert page.score_of(unit_id).total == pytest.approx(before + 3)
    seen = drive_dialog(monkeypatch, JudgementDialog, _judge(aid, 5, "全面落实"))
    qtbot.mouseClick(page.judge_button, Qt.MouseButton.LeftButton)
    score = page.score_of(unit_id)
    assert score.total == pytest.approx(before + 5)  # the later score counts, not 3 + 5
    assert score.category("组织领导").capped  # 5 of 5
    _click_row(qtbot, page.rank_view, lambda s: s.unit_id == unit_id)
    rows = page.lines_model.rows()
    heading = next(r for r in rows if r.heading and r.label == "组织领导")
    assert "分值 5" in heading.detail and "已达上限" in heading.detail
    line = next(r for r in rows if r.label == "组织领导和工作落实")
    assert (
        line.points == 5 and "全面落实" in line.detail and "取代 2018-09-01 的 3 分" in line.detail
    )
    cell = page.rank_model.index(
        next(n for n, s in enumerate(page.rank_model.rows()) if s.unit_id == unit_id),
        next(c for c in range(page.rank_model.columnCount())
             if page.rank_model.headerData(c, Qt.Orientation.Horizontal) == "组织领导\n（5）"),
    )  # fmt: skip
    assert page.rank_model.data(cell) == "5（已达上限）"


def test_the_score_sheet_button_saves_the_pdf_in_the_background(qtbot, monkeypatch, dialogs,
                                                                db_path, tmp_path):  # fmt: skip
    import io

    from pypdf import PdfReader

    from app.ui.operations import running_tasks

    page = open_page(qtbot, db_path, "assessment")
    page.as_of.setValue(AS_OF)
    _click_row(qtbot, page.rank_view, lambda s: s.name == "基层科")
    chosen: list[str | None] = []

    def fake_exec(dialog: ScoreSheetUnitDialog) -> int:
        assert_fits_screen(dialog)
        chosen.append(dialog.choice())  # the selected department, proposed
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(ScoreSheetUnitDialog, "exec", fake_exec)
    target = tmp_path / "评分表.pdf"
    dialogs.save_paths = [target]
    qtbot.mouseClick(page.sheet_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert chosen == ["基层科"] and dialogs.opened
    [text] = [p.extract_text() for p in PdfReader(io.BytesIO(target.read_bytes())).pages]
    flat = text.replace(" ", "").replace("\n", "")
    assert "被考核单位：基层科" in flat and "2018年10月31日" in flat and "评分标准" in flat
