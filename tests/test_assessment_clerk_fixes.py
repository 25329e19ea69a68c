"""What a new clerk found on 考核与通报: the ranking's columns add up to 得分 (加减分 column),
评分 typed above the item's maximum is refused beside the field, the live 合计 of a 结对部门评价
leaves out a value out of range, an earlier year's buttons that change it are disabled, the
published-bulletins note on an office's PC, the draft bulletin (预览通报…) marked as a draft, and
the office's 状态 column not clipped. ``FIXB_SHOTS=dir`` saves screenshots there."""

from __future__ import annotations

import dataclasses
import io
import os
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.services.database import open_database
from app.services.setup import initialise
from app.ui.dialogs.assessment_dialogs import AdjustmentDialog, JudgementDialog
from app.ui.dialogs.peer_rating_dialog import PeerRatingDialog
from app.ui.table_model import SORT_ROLE
from tests.conftest import TEMPLATE_KEY
from tests.helpers import drive_dialog, dump, open_page
from tests.test_peer_ratings import HAIKOU, PROPAGANDA
from tests.test_peer_ratings_ui import _page as office_page
from tests.test_peer_ratings_ui import _ratings

AS_OF = date(2018, 10, 31)
AID = "法律援助中心"


def _shot(widget: QWidget, name: str) -> None:
    shots = os.environ.get("FIXB_SHOTS")
    if shots:
        widget.grab().save(str(Path(shots) / name))


def _header(model, column: int) -> str:
    return model.headerData(column, Qt.Orientation.Horizontal)


def test_the_ranking_columns_add_up_to_the_score(qtbot, monkeypatch, dialogs, db_path):
    page = open_page(qtbot, db_path, "assessment")
    page.as_of.setValue(AS_OF)

    def fill(dialog: AdjustmentDialog) -> None:
        dialog.unit.setCurrentIndex(dialog.unit.findText(AID))
        dialog.points.setValue(-1.5)
        dialog.on.setValue(AS_OF)
        dialog.reason.setText("10月例会材料迟报")

    drive_dialog(monkeypatch, AdjustmentDialog, fill)
    qtbot.mouseClick(page.adjust_button, Qt.MouseButton.LeftButton)
    model = page.rank_model
    headers = [_header(model, c) for c in range(model.columnCount())]
    first = headers.index("得分") + 1
    assert headers[-1] == "加减分" and first < len(headers) - 1
    assert any("最多扣" in h for h in headers[first:])  # a deduction-only category's limit
    for row, score in enumerate(model.rows()):
        parts = [model.data(model.index(row, c), SORT_ROLE) for c in range(first, len(headers))]
        assert sum(parts) == pytest.approx(score.total), score.name
    aid = next(n for n, s in enumerate(model.rows()) if s.name == AID)
    assert model.data(model.index(aid, len(headers) - 1)) == "-1.5"
    window = page.window()
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.width() == 1366)
    qtbot.wait(50)
    view = page.rank_view  # every column, 加减分 included, on screen at 1366×768
    assert not view.horizontalScrollBar().isVisible()
    name = headers.index("科室")
    longest = max(view.fontMetrics().horizontalAdvance(s.name) for s in model.rows())
    assert view.columnWidth(name) >= longest + 12  # the names whole, not elided
    _shot(window, "ranking.png")


def test_a_judgement_typed_above_the_maximum_is_refused_beside_the_field(
    qtbot, monkeypatch, dialogs, db_path
):
    page = open_page(qtbot, db_path, "assessment")
    page.as_of.setValue(AS_OF)
    unit_id = next(i for n, i in page.units if n == AID)
    before = page.score_of(unit_id).total

    def typed(text: str):
        def fill(dialog: JudgementDialog) -> None:
            dialog.unit.setCurrentIndex(dialog.unit.findText(AID))
            dialog.item.setCurrentIndex(dialog.item.findData("leadership"))  # 满分 5
            dialog.score.lineEdit().selectAll()
            qtbot.keyClick(dialog.score.lineEdit(), Qt.Key.Key_Delete)  # the field emptied
            qtbot.keyClicks(dialog.score.lineEdit(), text)
            dialog.reason.setText("台账齐全")
            dialog.show()

        return fill

    unchanged = dump(db_path)
    seen = drive_dialog(monkeypatch, JudgementDialog, typed("7"))
    qtbot.mouseClick(page.judge_button, Qt.MouseButton.LeftButton)
    assert seen[0].score.value() == 7  # taken as typed, not silently dropped to 0
    assert seen[0].error_text("score") == "“组织领导和工作落实”的得分应在 0 到 5 分之间。"
    assert seen[0].isVisible() and not seen[0].result()
    _shot(seen[0], "judgement-7.png")
    seen[0].hide()
    assert dump(db_path) == unchanged and page.score_of(unit_id).total == before

    for text in ("-1", ""):  # a minus, or nothing: refused, never saved as 0
        seen = drive_dialog(monkeypatch, JudgementDialog, typed(text))
        qtbot.mouseClick(page.judge_button, Qt.MouseButton.LeftButton)
        assert "之间" in seen[0].error_text("score") and not seen[0].result(), text
        assert seen[0].error_text("score").startswith("请填写") == (text == ""), text
        seen[0].hide()
        assert dump(db_path) == unchanged

    seen = drive_dialog(monkeypatch, JudgementDialog, typed("4.75"))  # two decimals kept
    qtbot.mouseClick(page.judge_button, Qt.MouseButton.LeftButton)
    assert seen[0].result() and not seen[0].error_text("score")
    assert page.score_of(unit_id).total == pytest.approx(before + 4.75)


def test_the_live_total_leaves_out_a_value_out_of_range(qtbot, monkeypatch, dialogs, tmp_path):
    path = tmp_path / "office.db"
    initialise(str(path), TEMPLATE_KEY, HAIKOU).database.close()
    page = office_page(qtbot, path, monkeypatch)
    totals: list[str] = []

    def fill(dialog: PeerRatingDialog) -> None:
        for edit, text in zip(dialog.scores.values(), ["35", "18", "22", "20"], strict=True):
            edit.setText(text)  # 35 for the 满分 30 item
        totals.append(dialog.total.text())
        dialog.scores["pairing_duty"].setText("abc")
        totals.append(dialog.total.text())
        dialog.scores["pairing_duty"].setText("28")
        totals.append(dialog.total.text())
        dialog.scores["pairing_duty"].setText("35")
        dialog.show()
        _shot(dialog, "peer-35.png")

    seen = drive_dialog(monkeypatch, PeerRatingDialog, fill)
    qtbot.mouseClick(page.peer.rate_button, Qt.MouseButton.LeftButton)
    assert totals == [
        "60 分（满分 100），不含超出范围的“结对帮扶落实”",
        "60 分（满分 100），不含超出范围的“结对帮扶落实”",
        "88 分（满分 100）",
    ]
    assert "0 到 30 分" in seen[0].error_text("item:pairing_duty") and not seen[0].result()
    assert _ratings(path) == []


def _two_years(db_path: Path) -> tuple[int, int]:
    from app.services.assessment import record_adjustment
    from app.services.programme import new_programme
    from app.services.settings import current_programme
    from tests.helpers import unit_ids

    database = open_database(str(db_path))
    with database.session() as s:
        old = current_programme(s).id
        record_adjustment(s, programme_id=old, unit_id=unit_ids(s)[AID], points=2,
                          reason="承办现场会", on=AS_OF)  # fmt: skip
        new = new_programme(s, year=2019, copy_from_year=2018).id
    database.close()
    return old, new


def test_an_earlier_years_buttons_that_change_it_are_disabled(qtbot, monkeypatch, dialogs,
                                                               db_path):  # fmt: skip
    old, _new = _two_years(db_path)
    page = open_page(qtbot, db_path, "assessment")
    assert page.adjust_button.isEnabled() and page.judge_button.isEnabled()
    window = page.window()
    window.reload("assessment", programme_id=old)
    page = window.pages["assessment"]
    assert page.context.read_only
    changing = [page.adjust_button, page.undo_button, page.judge_button,
                page.register.publish_button]  # fmt: skip
    for button in changing:
        assert button.isVisible() and not button.isEnabled(), button.text()
        assert "正在查看2018年度（只读）" in button.toolTip(), button.text()
    for button in (page.sheet_button, page.bulletin_button):  # printing stays
        assert button.isEnabled(), button.text()
    assert page.adjustment_view.select_where(lambda a: a.reason == "承办现场会")
    assert not page.undo_button.isEnabled()  # a selection does not enable it again
    opened = drive_dialog(monkeypatch, AdjustmentDialog, lambda d: None)
    qtbot.mouseClick(page.adjust_button, Qt.MouseButton.LeftButton)
    assert opened == []  # no form to fill before being refused
    _shot(window, "read-only-year.png")


def test_an_offices_rating_button_is_disabled_in_an_earlier_year(qtbot, gui_app, tmp_path):
    from app.services.context import load_context
    from app.ui.pages.assessment import AssessmentPage

    path = tmp_path / "office.db"
    initialise(str(path), TEMPLATE_KEY, HAIKOU).database.close()
    database = open_database(str(path))
    with database.session() as s:
        context = dataclasses.replace(load_context(s), read_only_note="正在查看2018年度（只读）")
    page = AssessmentPage(database, context, today=date(2018, 12, 20))
    qtbot.addWidget(page)
    page.show()
    assert page.peer.rate_button.isVisible() and not page.peer.rate_button.isEnabled()
    assert "只读" in page.peer.rate_button.toolTip()
    assert page.published.save_button.isVisibleTo(page)  # printing a published one stays


def test_the_yellow_row_note_only_on_a_departments_pc(qtbot, monkeypatch, tmp_path):
    notes = {}
    for name in (HAIKOU, PROPAGANDA):
        path = tmp_path / f"{name}.db"
        initialise(str(path), TEMPLATE_KEY, name).database.close()
        notes[name] = office_page(qtbot, path, monkeypatch).published.note.text()
    assert "黄色" not in notes[HAIKOU] and "以县矫正办发布的进度通报为准" in notes[HAIKOU]
    assert "本单位所在的行以黄色标出" in notes[PROPAGANDA]


def test_the_draft_bulletin_says_it_is_a_draft(qtbot, monkeypatch, dialogs, db_path, tmp_path):
    from app.ui.dialogs.bulletin_dialog import BulletinDialog
    from app.ui.operations import running_tasks

    page = open_page(qtbot, db_path, "assessment")
    page.as_of.setValue(AS_OF)
    button = page.bulletin_button
    assert button.text() == "预览通报…" and "不编入通报记录" in button.toolTip()
    assert "发布通报…" in button.toolTip()

    def fake_exec(dialog: BulletinDialog) -> int:
        assert not hasattr(dialog, "issue")  # a draft has no 期号 to choose
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(BulletinDialog, "exec", fake_exec)
    targets = [tmp_path / "稿.pdf", tmp_path / "稿.docx", tmp_path / "稿.xlsx"]
    dialogs.save_paths = list(targets)
    for _ in targets:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(targets[0].read_bytes())).pages)
    flat = pdf.replace(" ", "").replace("\n", "")
    assert "征求意见稿（未发布，不编期号）" in flat and "草稿" in flat  # the watermark too
    assert "期）" not in flat and not any(f"第{n}期" in flat for n in range(1, 13))
    word = " ".join(p.text for p in Document(str(targets[1])).paragraphs)
    assert "征求意见稿" in word and not any(f"第{n}期" in word for n in range(1, 13))
    sheet = load_workbook(targets[2])["排名"]
    assert any("征求意见稿" in str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    with page.database.session() as s:  # nothing entered in 通报记录
        from sqlalchemy import func, select

        from app.models import IssuedBulletin

        assert s.scalar(select(func.count()).select_from(IssuedBulletin)) == 0
    home = page.window().open_section("home")
    assert home.bulletin_button.text() == "预览进度通报…"
    assert "不编入通报记录" in home.bulletin_button.toolTip()


def test_the_offices_state_column_is_not_clipped(qtbot, monkeypatch, dialogs, tmp_path):
    from app.models import Direction
    from app.services import peer_ratings
    from app.services.settings import current_programme
    from app.sync.history import log_package
    from tests.helpers import unit_ids

    path = tmp_path / "office.db"
    initialise(str(path), TEMPLATE_KEY, HAIKOU).database.close()
    db = open_database(str(path))
    with db.session() as s:
        units = unit_ids(s)
        peer_ratings.record_rating(
            s, current_programme(s).id, unit_id=units[HAIKOU], department_id=units[PROPAGANDA],
            scores={"pairing_duty": 26, "visits": 18, "cooperation": 22, "results": 20},
            comment="每月走访，协作配合到位。", rated_on=date(2018, 12, 20))  # fmt: skip
    with db.session() as s:
        log_package(s, Direction.SENT, "x", "县矫正办", sequence=1, instance="", file_name="up",
                    reference_version=0, details={})  # fmt: skip
    db.close()
    page = office_page(qtbot, path, monkeypatch)
    window = page.window()
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: page.peer.view.isVisible())
    view = page.peer.view
    column = next(c for c in range(view.model().columnCount())
                  if _header(view.model(), c) == "状态")  # fmt: skip
    text = view.model().index(0, column).data()
    assert text == "已报送县矫正办"
    needed = view.fontMetrics().horizontalAdvance(text)
    assert view.columnWidth(column) >= needed + 16, (view.columnWidth(column), needed)  # room
    _shot(window, "office-state.png")


def test_an_adjustment_typed_past_the_limit_is_refused_beside_the_field(
    qtbot, monkeypatch, dialogs, db_path
):
    page = open_page(qtbot, db_path, "assessment")

    def fill(dialog: AdjustmentDialog) -> None:
        dialog.unit.setCurrentIndex(dialog.unit.findText(AID))
        dialog.points.lineEdit().selectAll()
        qtbot.keyClicks(dialog.points.lineEdit(), "150")
        dialog.reason.setText("承办现场会")
        dialog.show()

    unchanged = dump(db_path)
    seen = drive_dialog(monkeypatch, AdjustmentDialog, fill)
    qtbot.mouseClick(page.adjust_button, Qt.MouseButton.LeftButton)
    assert seen[0].points.value() == 150  # as typed
    assert seen[0].error_text("points") == "加减分应在 -100 到 100 之间且不为 0。"
    assert not seen[0].result() and dump(db_path) == unchanged
