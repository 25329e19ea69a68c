"""The 阶段总结 page with real widgets: the county's list, a department's editor, submit, review."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import Unit
from app.services import ledger, summaries
from app.services.ledger import EntryInput, PhotoInput
from app.services.settings import LOCAL_UNIT, set_setting
from app.ui.dialogs.summary_dialogs import ReturnDialog, SummaryDialog
from app.ui.operations import running_tasks
from app.ui.pages.summaries import OVERDUE_BACKGROUND, SummariesPage
from tests.conftest import open_unlocked
from tests.helpers import assert_fits_screen, drive_dialog, kind_ids, make_jpeg, open_page, unit_ids

DEPARTMENTS = ["办公室（政治处）", "法制宣传科", "行政法制科", "基层科", "公证管理科、公证处",
               "律师管理科", "法律援助中心"]  # fmt: skip
AID = "法律援助中心"
MARK = 4  # the 提示 column


def _as_unit(db_path, name: str) -> None:
    db = open_unlocked(str(db_path))
    with db.session() as s:
        set_setting(s, LOCAL_UNIT, s.scalar(select(Unit).where(Unit.name == name)).uuid)
    db.close()


def _page(qtbot, db_path, unit: str | None = None) -> SummariesPage:
    if unit is not None:
        _as_unit(db_path, unit)
    page = open_page(qtbot, db_path, "summaries")
    assert isinstance(page, SummariesPage)
    return page


def _summary(db_path, department: str, submitted_on: date | None = None) -> int:
    """Start (and maybe submit) a department's 总结提升 summary through the service."""
    db = open_unlocked(str(db_path))
    with db.session() as s:
        programme_id, phase_id = _period(s)
        summary = summaries.start_summary(s, programme_id, unit_ids(s)[department], phase_id)
        if submitted_on is not None:
            summaries.submit_summary(s, summary.id, submitted_on)
        summary_id = summary.id
    db.close()
    return summary_id


def _period(session) -> tuple[int, int]:
    from app.services.context import load_context

    context = load_context(session)
    return context.programme_id, next(p.id for p in context.phases if p.name == "总结提升")


def _stored(db_path, department: str = AID):
    db = open_unlocked(str(db_path))
    with db.session() as s:
        programme_id, phase_id = _period(s)
        summary = summaries.find_summary(s, programme_id, unit_ids(s)[department], phase_id)
        result = (None, []) if summary is None else (
            dict(summary.sections),
            [(p.caption, p.sort_order) for p, _sha in summaries.chosen_photos(s, summary)],
        )  # fmt: skip
    db.close()
    return result


def _row(page: SummariesPage, department: str):
    return next(r for r in page.model.rows() if r.department == department)


def _select(page: SummariesPage, department: str) -> None:
    assert page.view.select_where(lambda r: r.department == department)


def test_the_county_lists_every_department_not_started(qtbot, qtmodeltester, gui_app, db_path):
    page = _page(qtbot, db_path)
    assert page.period.currentText().startswith("总结提升")  # the phase with the deadline
    assert [r.department for r in page.model.rows()] == DEPARTMENTS
    assert {r.status_label for r in page.model.rows()} == {"未开始"}
    assert page.model.index(0, 2).data() == "2018-10-15"
    assert page.return_button.isVisibleTo(page) and page.submit_button.isHidden()
    _select(page, AID)
    assert not page.edit_button.isEnabled()  # the county does not write a department's summary
    qtmodeltester.check(page.model)
    page.period.setCurrentIndex(page.period.findData(None))
    assert page.period.currentText().startswith("全年（统计") and len(page.model.rows()) == 7


def test_overdue_departments_are_highlighted(qtbot, gui_app, db_path):
    _summary(db_path, "律师管理科", submitted_on=date(2018, 10, 12))  # on time
    page = _page(qtbot, db_path)
    rows = page.model.rows()
    lawyers, aid = rows.index(_row(page, "律师管理科")), rows.index(_row(page, AID))
    background = Qt.ItemDataRole.BackgroundRole
    assert page.model.index(aid, 0).data(background).color().name() == OVERDUE_BACKGROUND
    assert page.model.index(aid, MARK).data() == "逾期未交"
    assert page.model.index(lawyers, 0).data(background) is None
    assert page.model.index(lawyers, MARK).data() == ""
    assert "逾期未交 6" in page.info.text()
    page.today = lambda: date(2018, 10, 1)  # before the deadline nobody is late
    page.refresh()
    assert page.model.index(aid, 0).data(background) is None


def test_a_department_sees_its_own_summary_prefilled(qtbot, monkeypatch, gui_app, db_path):
    page = _page(qtbot, db_path, AID)
    assert [r.department for r in page.model.rows()] == [AID]
    seen = []

    def look(dialog: SummaryDialog) -> int:
        seen.append((dialog.edits["基本情况"].toPlainText(), dialog.figures.toPlainText()))
        return 0

    monkeypatch.setattr(SummaryDialog, "exec", look)
    assert page.edit_button.text() == "编写/修改总结…"
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    basic, figures = seen[0]
    assert "法律援助中心共记录大帮教工作台账" in basic
    assert "总结提升" in figures and "全年累计" in figures
    assert page.selected().status_label == "草稿"


def test_a_too_long_section_is_refused_and_nothing_saved(qtbot, monkeypatch, gui_app, db_path):
    page = _page(qtbot, db_path, AID)
    seen = drive_dialog(
        monkeypatch, SummaryDialog, lambda d: d.edits["基本情况"].setPlainText("很" * 6001)
    )
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    assert dialog.error_text("基本情况") == "“基本情况”不能超过 6000 字。"
    assert dialog.error_text() == "有 1 处需要修改，见下方红字。"
    assert dialog.result() == 0  # still open
    sections, _photos = _stored(db_path)
    assert "法律援助中心共记录" in sections["基本情况"] and "很很" not in sections["基本情况"]


def test_photos_are_chosen_with_captions_in_order(qtbot, monkeypatch, gui_app, db_path, tmp_path):
    db = open_unlocked(str(db_path))
    with db.session() as s:
        for day, title in (
            ("2018-09-20", "法治讲座进社区"),
            ("2018-10-05", "法律援助值班"),
        ):  # by 10-15
            photo = make_jpeg(tmp_path / f"{title}.jpg", colour=(40, 120 + len(title), 60))
            ledger.save_entry(s, db.attachments, None, EntryInput(
                kind_id=kind_ids(s)["other"], unit_id=unit_ids(s)[AID], entry_date=day,
                title=title, photos=[PhotoInput(path=photo)]))  # fmt: skip
    db.close()
    page = _page(qtbot, db_path, AID)

    def no_caption(dialog: SummaryDialog) -> None:
        assert [c.photo.entry_title for c in dialog.photos.cards] == [
            "法治讲座进社区",
            "法律援助值班",
        ]
        assert dialog.photos.cards[0].image.pixmap() is not None  # the thumbnail is shown
        for card in dialog.photos.cards:
            card.check.setChecked(True)
        dialog.photos.cards[1].caption.setText("  ")

    seen = drive_dialog(monkeypatch, SummaryDialog, no_caption)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("photos") == "请为第 2 张照片填写说明。"
    assert _stored(db_path)[1] == []

    def captions(dialog: SummaryDialog) -> None:
        dialog.photos.cards[0].check.setChecked(True)
        dialog.photos.cards[1].check.setChecked(True)
        dialog.photos.cards[1].caption.setText("值班律师接待矫正对象")

    drive_dialog(monkeypatch, SummaryDialog, captions)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert _stored(db_path)[1] == [("法治讲座进社区", 0), ("值班律师接待矫正对象", 1)]


def test_save_then_submit(qtbot, monkeypatch, gui_app, db_path):
    page = _page(qtbot, db_path, AID)
    drive_dialog(monkeypatch, SummaryDialog,
                 lambda d: d.edits["好经验好做法"].setPlainText("法援值班律师进驻司法所。"))  # fmt: skip
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert _stored(db_path)[0]["好经验好做法"] == "法援值班律师进驻司法所。"
    assert page.selected().status_label == "草稿" and page.submit_button.isEnabled()

    monkeypatch.setattr("app.ui.pages.summaries.confirm", lambda *a: False)
    qtbot.mouseClick(page.submit_button, Qt.MouseButton.LeftButton)
    assert page.selected().status_label == "草稿"

    monkeypatch.setattr("app.ui.pages.summaries.confirm", lambda *a: True)
    qtbot.mouseClick(page.submit_button, Qt.MouseButton.LeftButton)
    row = page.selected()
    assert (row.status_label, row.submitted_on) == ("已提交", date.today())
    assert page.model.index(0, 3).data() == f"{date.today():%Y-%m-%d}"
    assert page.model.index(0, MARK).data() == "迟交"  # the 2018 deadline has passed
    assert not page.submit_button.isEnabled() and page.edit_button.text() == "查看总结…"


def test_submit_without_required_text_is_refused(qtbot, monkeypatch, gui_app, db_path):
    summary_id = _summary(db_path, AID)
    db = open_unlocked(str(db_path))
    with db.session() as s:
        summaries.save_summary(s, summary_id, {"基本情况": ""}, [])
    db.close()
    page = _page(qtbot, db_path, AID)
    errors = []
    monkeypatch.setattr("app.ui.pages.summaries.confirm", lambda *a: True)
    monkeypatch.setattr("app.ui.messages.show_error", lambda _p, _t, text: errors.append(text))
    qtbot.mouseClick(page.submit_button, Qt.MouseButton.LeftButton)
    assert errors == ["请填写“基本情况”。\n请填写“主要做法与成效”。"]
    assert page.selected().status_label == "草稿"


def test_the_county_returns_with_a_comment_and_accepts(qtbot, monkeypatch, gui_app, db_path):
    _summary(db_path, AID, submitted_on=date(2018, 10, 14))
    _summary(db_path, "基层科", submitted_on=date(2018, 10, 16))
    page = _page(qtbot, db_path)
    _select(page, AID)
    assert page.return_button.isEnabled() and page.accept_button.isEnabled()

    seen = drive_dialog(monkeypatch, ReturnDialog, lambda d: d.comment.setPlainText("  "))
    qtbot.mouseClick(page.return_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("comment") == "退回时请写明需要修改的地方。"
    assert page.selected().status_label == "已提交"

    comment = "“典型案例”请补充具体事例。"
    drive_dialog(monkeypatch, ReturnDialog, lambda d: d.comment.setPlainText(comment))
    qtbot.mouseClick(page.return_button, Qt.MouseButton.LeftButton)
    row = page.selected()
    assert (row.department, row.status_label) == (AID, "已退回")
    assert page.model.index(page.model.rows().index(row), 5).data() == comment
    assert not page.return_button.isEnabled()

    monkeypatch.setattr("app.ui.pages.summaries.confirm", lambda *a: True)
    _select(page, "基层科")
    qtbot.mouseClick(page.accept_button, Qt.MouseButton.LeftButton)
    assert page.selected().status_label == "已采用" and page.model.index(3, MARK).data() == "迟交"

    page.window().close()
    page = _page(qtbot, db_path, AID)  # the department reopens it, with the comment shown
    notes = []
    monkeypatch.setattr(SummaryDialog, "exec", lambda d: notes.append(d.note.text()) or 0)
    assert page.submit_button.isEnabled()
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert comment in notes[0]


def test_real_pdfs_are_made_in_the_background_saved_and_printable(
    qtbot, monkeypatch, dialogs, db_path, tmp_path
):
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    _summary(db_path, AID, submitted_on=date(2018, 10, 14))
    printed = tmp_path / "printed.pdf"

    def to_pdf(dialog: QPrintDialog) -> int:
        dialog.printer().setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        dialog.printer().setOutputFileName(str(printed))
        return 1

    monkeypatch.setattr(QPrintDialog, "exec", to_pdf)
    page = _page(qtbot, db_path)
    _select(page, AID)
    assert not page.print_button.isEnabled()
    dialogs.save_paths = [tmp_path / "one.pdf", tmp_path / "all.pdf"]
    qtbot.mouseClick(page.pdf_button, Qt.MouseButton.LeftButton)
    assert running_tasks() == 1 and not page.pdf_button.isEnabled()  # in the background
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "one.pdf").pages).replace(
        "\n", ""
    )
    assert AID in text and "工作总结" in text
    qtbot.mouseClick(page.county_pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    reader = PdfReader(tmp_path / "all.pdf")
    assert "汇总报告" in reader.pages[0].extract_text().replace("\n", "") and reader.outline
    assert dialogs.opened == [str(tmp_path / "one.pdf"), str(tmp_path / "all.pdf")]
    assert "all.pdf" in page.status.text() and page.print_button.isEnabled()
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    assert len(PdfReader(printed).pages) == len(reader.pages)
    assert page.status.text() == f"已送打印机 {len(reader.pages)} 页。"


def test_the_county_report_counts_to_the_date_chosen(qtbot, dialogs, db_path, tmp_path):
    """统计截至 defaults to the deadline (or today when earlier); the date typed is the one the
    cover prints; a date that is none stops before any file is asked for."""
    from pypdf import PdfReader
    from PySide6.QtTest import QTest

    page = _page(qtbot, db_path)
    assert page.as_of.isVisible() and page.as_of.value() == date(2018, 10, 15)  # the deadline
    page.period.setCurrentIndex(page.period.findData(None))  # 全年
    assert page.as_of.value() == date(2018, 12, 31)
    page.period.setCurrentIndex(page.period.findText("总结提升", Qt.MatchFlag.MatchStartsWith))
    assert page.as_of.value() == date(2018, 10, 15)
    page.as_of.edit.clear()
    QTest.keyClicks(page.as_of.edit, "2018-02-30")
    qtbot.mouseClick(page.county_pdf_button, Qt.MouseButton.LeftButton)
    assert running_tasks() == 0 and "不是有效的日期" in page.as_of.error.text()
    page.as_of.edit.clear()
    QTest.keyClicks(page.as_of.edit, "2018-10-10")
    dialogs.save_paths = [tmp_path / "all.pdf"]
    qtbot.mouseClick(page.county_pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    cover = PdfReader(tmp_path / "all.pdf").pages[0].extract_text().replace("\n", "")
    assert "统计截至：2018年10月10日" in cover.replace(" ", "")


def test_a_pdf_that_cannot_be_written_is_explained(qtbot, dialogs, db_path, tmp_path):
    _summary(db_path, AID, submitted_on=date(2018, 10, 14))
    page = _page(qtbot, db_path)
    _select(page, AID)
    dialogs.save_paths = [tmp_path / "拔出的U盘" / "one.pdf"]
    qtbot.mouseClick(page.pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    (warning,) = dialogs.texts("warning")
    assert "不存在" in warning and "拔出的U盘" in warning
    assert dialogs.opened == [] and page.pdf_button.isEnabled()


def _photos(db_path, tmp_path, count: int) -> None:
    db = open_unlocked(str(db_path))
    with db.session() as s:
        for n in range(count):
            photo = make_jpeg(tmp_path / f"p{n}.jpg", colour=(40 + 20 * n, 120, 60))
            ledger.save_entry(s, db.attachments, None, EntryInput(
                kind_id=kind_ids(s)["other"], unit_id=unit_ids(s)[AID],
                entry_date=date(2018, 10, 2 + n), title=f"走访司法所 {n}",
                photos=[PhotoInput(path=photo)]))  # fmt: skip
    db.close()


def _inside(widget, dialog) -> bool:
    """Whether ``widget`` lies wholly inside the dialog's area."""
    top_left = widget.mapTo(dialog, widget.rect().topLeft())
    return dialog.rect().contains(top_left) and dialog.rect().contains(
        widget.mapTo(dialog, widget.rect().bottomRight())
    )


def test_the_editor_fits_the_screen_and_still_saves(qtbot, monkeypatch, dialogs, db_path, tmp_path):
    _photos(db_path, tmp_path, 7)
    page = _page(qtbot, db_path, AID)

    def fill(dialog: SummaryDialog) -> None:
        assert_fits_screen(dialog)
        assert _inside(dialog.ok_button, dialog) and _inside(dialog.cancel_button, dialog)
        assert _inside(dialog.photos, dialog) and _inside(dialog.figures, dialog)
        assert dialog.sections_scroll.verticalScrollBar().maximum() > 0  # the sections scroll
        last = dialog.edits["下步打算"]
        last.setPlainText("继续推进法援值班律师进驻司法所。")
        dialog.photos.cards[6].check.setChecked(True)
        dialog.photos.cards[6].caption.setText("走访")

    seen = drive_dialog(monkeypatch, SummaryDialog, fill)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert seen[0].result() == 1
    sections, photos = _stored(db_path)
    assert sections["下步打算"] == "继续推进法援值班律师进驻司法所。" and photos == [("走访", 0)]
    assert page.status.text() == "总结已保存。"


def test_an_error_below_the_fold_is_scrolled_into_view(qtbot, monkeypatch, dialogs, db_path):
    page = _page(qtbot, db_path, AID)

    def too_long_at_the_bottom(dialog: SummaryDialog) -> None:
        dialog.show()
        dialog.edits["下步打算"].setPlainText("很" * 6001)
        dialog.sections_scroll.verticalScrollBar().setValue(0)

    seen = drive_dialog(monkeypatch, SummaryDialog, too_long_at_the_bottom)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    assert dialog.error_text("下步打算") == "“下步打算”不能超过 6000 字。"
    label = dialog._errors["下步打算"]
    viewport = dialog.sections_scroll.viewport()

    def in_view() -> bool:
        top = label.mapTo(viewport, label.rect().topLeft())
        return viewport.rect().contains(top)

    qtbot.waitUntil(in_view, timeout=2000)
    assert dialog.sections_scroll.verticalScrollBar().value() > 0
    dialog.hide()


def test_esc_on_a_changed_editor_asks_before_discarding(qtbot, monkeypatch, dialogs, db_path):
    page = _page(qtbot, db_path, AID)
    visible_after = []

    def press_esc(dialog: SummaryDialog) -> int:
        dialog.show()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nothing changed: closes without asking
        visible_after.append(dialog.isVisible())
        dialog.show()
        dialog.edits["存在问题"].setPlainText("人手不足。")
        dialogs.confirm = False  # 不放弃
        qtbot.keyClick(dialog.edits["存在问题"], Qt.Key.Key_Escape)
        visible_after.append(dialog.isVisible())
        dialogs.confirm = True  # 放弃修改
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        visible_after.append(dialog.isVisible())
        return dialog.result()

    monkeypatch.setattr(SummaryDialog, "exec", press_esc)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert visible_after == [False, True, False]
    (question, again) = dialogs.texts("question")
    assert "尚未保存的修改" in question and question == again
    assert "人手不足" not in _stored(db_path)[0].get("存在问题", "")


def test_the_period_shows_the_days_the_summary_counts_not_the_phase_dates(qtbot, db_path):
    page = _page(qtbot, db_path)
    db = open_unlocked(str(db_path))
    with db.session() as s:
        programme_id, phase_id = _period(s)
        _name, start, end = summaries.period_of(s, programme_id, phase_id)
    db.close()
    assert (start, end) == (date(2018, 6, 28), date(2018, 10, 15))  # from the programme's start
    assert page.period.currentText() == "总结提升（统计 2018年6月28日至10月15日，10月15日前报送）"
    assert "2018-10-01" not in page.period.currentText()
    texts = [page.period.itemText(i) for i in range(page.period.count())]
    assert texts[-1] == "全年（统计 2018年6月28日至12月31日）"
    assert "组织实施（统计 2018年6月1日至9月30日）" in texts  # no deadline: its own dates
