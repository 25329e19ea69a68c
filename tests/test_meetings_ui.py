"""The 例会 page with real widgets: missing months in red, recording a meeting through the
editor, marking a decision done, another unit's meeting read-only, the minutes PDF."""

from __future__ import annotations

import sqlite3
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication
from sqlalchemy import event, select

from app.models import Meeting, MeetingDecision
from app.services import meetings
from app.services.database import open_database
from app.services.meetings import DecisionInput, MeetingInput, ReportInput
from app.services.settings import current_programme, local_unit
from app.ui.dialogs.meeting_dialogs import MeetingDialog
from app.ui.pages.meetings import MISSING_BACKGROUND, MeetingsPage, MonthGap
from tests.helpers import assert_fits_screen, drive_dialog, open_page, unit_ids

AID = "法律援助中心"
AUGUST = date(2018, 8, 1)
STATE, OPEN = 2, 7  # the 情况 and 未完成事项 columns (类型 is column 1)


def _page(qtbot, db_path, today: date = AUGUST) -> MeetingsPage:
    page = open_page(qtbot, db_path, "meetings")
    assert isinstance(page, MeetingsPage)
    page.today = lambda: today
    page.refresh()
    return page


def _record(db_path, when: date, decisions: list[DecisionInput], owner: str | None = None) -> int:
    db = open_database(str(db_path))
    with db.session() as s:
        units = unit_ids(s)
        owner_id = units[owner] if owner else local_unit(s).id
        data = MeetingInput(
            programme_id=current_programme(s).id,
            meeting_date=when,
            chair="张副局长",
            attendees="各科室负责人",
            location="三楼会议室",
            reports=[ReportInput(unit_id=units[AID], progress="办理法律援助案件 12 件。")],
            decisions=decisions,
        )
        meeting_id = meetings.save_meeting(s, None, data, owner_id, date(2018, 12, 31)).id
    db.close()
    return meeting_id


def _type(qtbot, field, text: str) -> None:
    """Type ``text`` into a date field as a clerk does (replacing what it held)."""
    field.edit.clear()
    qtbot.keyClicks(field.edit, text)


def _ime(widget, text: str) -> None:
    """Enter Chinese ``text`` into a text box as an input method commits it (QTest's key
    clicks are ASCII only)."""
    widget.setFocus()
    commit = QInputMethodEvent()
    commit.setCommitString(text)
    QApplication.sendEvent(widget, commit)


def _labels(page: MeetingsPage) -> list[str]:
    return [page.model.index(n, 0).data() for n in range(page.model.rowCount())]


def test_missing_months_are_red_rows_and_a_red_line(qtbot, qtmodeltester, gui_app, db_path):
    _record(db_path, date(2018, 6, 30), [])
    page = _page(qtbot, db_path, date(2018, 9, 1))
    assert _labels(page) == ["2018-06-30", "2018年7月", "2018年8月"]  # due from July (issued 06-28)
    background = Qt.ItemDataRole.BackgroundRole
    assert page.model.index(1, 0).data(background).color().name() == MISSING_BACKGROUND
    assert page.model.index(1, STATE).data() == "未召开"
    assert page.model.index(0, 0).data(background) is None
    assert (
        page.model.index(0, STATE).data() == "已召开" and page.model.index(0, 5).data() == "1 / 8"
    )
    assert page.missing_label.text().startswith("未召开例会的月份（2 个）")
    qtmodeltester.check(page.model)
    page.today = lambda: date(2018, 10, 1)  # September is over: now missing too
    page.refresh()
    assert _labels(page)[-1] == "2018年9月" and "2018年9月" in page.missing_label.text()


def test_a_meeting_is_recorded_through_the_editor(qtbot, monkeypatch, gui_app, db_path):
    page = _page(qtbot, db_path)
    assert page.view.select_where(lambda r: isinstance(r, MonthGap) and r.month.month == 7)
    assert page.new_button.text() == "登记2018年7月例会…"

    def without_chair(dialog: MeetingDialog) -> None:
        assert dialog.meeting_date.value() == date(2018, 7, 1)  # the month chosen
        assert [r.unit.name for r in dialog.report_rows][:2] == ["社区矫正科", "办公室（政治处）"]
        dialog.decision_rows[0].text.setText("7月底前完成结对走访")
        _type(qtbot, dialog.decision_rows[0].due, "2018-06-01")

    seen = drive_dialog(monkeypatch, MeetingDialog, without_chair)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert seen[0].result() == 0  # still open, nothing saved
    assert seen[0].error_text("chair") == "请填写主持人。"
    assert "完成时限不能早于例会日期" in seen[0].error_text("decisions")
    assert seen[0].error_text() == "有 2 处需要修改，见下方红字。"
    assert "2018年7月" in page.missing_label.text()

    def fill(dialog: MeetingDialog) -> None:
        _type(qtbot, dialog.meeting_date, "2018-07-06")
        dialog.chair.setText("张副局长")
        dialog.location.setText("三楼会议室")
        report = next(r for r in dialog.report_rows if r.unit.name == AID)
        report.progress.setPlainText("办理法律援助案件 12 件。")
        report.problems.setPlainText("值班律师不足。")
        assert dialog.reports_box.title() == "各科室汇报（已填 1 / 8 个科室）"
        row = dialog.decision_rows[0]
        row.text.setText("7月底前完成结对走访")
        row.unit.setCurrentIndex(row.unit.findText(AID))
        _type(qtbot, row.due, "2018/7/31")
        dialog.add_decision()  # a blank row is left out

    drive_dialog(monkeypatch, MeetingDialog, fill)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert "2018-07-06" in _labels(page) and "2018年7月" not in _labels(page)
    assert "每月例会均已召开" in page.missing_label.text()
    decisions = page.decisions.rows()
    assert [(d.text, d.responsible, d.due_date) for d in decisions] == [
        ("7月底前完成结对走访", AID, date(2018, 7, 31))]  # fmt: skip
    db = open_database(str(db_path))
    with db.session() as s:
        meeting = s.scalar(select(Meeting))
        assert (meeting.chair, meeting.meeting_date) == ("张副局长", date(2018, 7, 6))
        assert [(r.unit.name, r.problems) for r in meeting.reports] == [(AID, "值班律师不足。")]
    db.close()


def test_marking_a_decision_done(qtbot, gui_app, db_path):
    _record(
        db_path,
        date(2018, 6, 30),
        [
            DecisionInput(
                text="走访结对司法所", responsible_unit_id=None, due_date=date(2018, 7, 10)
            ),
            DecisionInput(
                text="报送半年小结", responsible_unit_id=None, due_date=date(2018, 8, 31)
            ),
        ],
    )
    page = _page(qtbot, db_path)
    row = page.model.rowCount() - 2  # 2018-06-30, then July's red row
    assert page.model.index(row, OPEN).data() == "2（逾期 1）"
    assert page.decisions_label.text() == "未完成的议定事项（2 项，其中逾期 1 项）"
    assert page.decisions.index(0, 4).data() == "逾期"
    assert (
        page.decisions.index(0, 4).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#c0392b"
    )
    assert page.decisions_view.select_where(lambda d: d.text == "走访结对司法所")
    qtbot.mouseClick(page.done_button, Qt.MouseButton.LeftButton)
    assert [d.text for d in page.decisions.rows()] == ["报送半年小结"]
    assert page.model.index(row, OPEN).data() == "1" and "已标记完成" in page.status.text()
    db = open_database(str(db_path))
    with db.session() as s:
        assert s.scalar(
            select(MeetingDecision).where(MeetingDecision.text == "走访结对司法所")
        ).done
    db.close()


def test_another_units_meeting_is_read_only(qtbot, monkeypatch, gui_app, db_path):
    _record(
        db_path,
        date(2018, 6, 30),
        [DecisionInput(text="走访", responsible_unit_id=None, due_date=None)],
        owner="社区矫正科",
    )
    page = _page(qtbot, db_path)
    assert page.view.select_where(lambda r: not isinstance(r, MonthGap))
    assert page.edit_button.text() == "查看…" and not page.delete_button.isEnabled()
    assert not page.done_button.isEnabled() and "其他单位" in page.done_button.toolTip()
    seen = []
    monkeypatch.setattr(MeetingDialog, "exec", lambda d: seen.append(d) or 0)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    assert not dialog.editable and dialog.ok_button.isHidden() and dialog.chair.isReadOnly()
    assert "只能查看" in dialog.note.text()
    assert not dialog.decision_rows[0].due.isEnabled() and not dialog.meeting_date.isEnabled()
    assert_fits_screen(dialog)


def test_minutes_pdf_is_saved_opened_and_printable(qtbot, monkeypatch, dialogs, db_path, tmp_path):
    from pypdf import PdfReader

    _record(
        db_path,
        date(2018, 6, 30),
        [
            DecisionInput(
                text="走访结对司法所", responsible_unit_id=None, due_date=date(2018, 7, 10)
            )
        ],
    )
    printed = []
    monkeypatch.setattr("app.ui.printing.ask_and_print",
                        lambda _p, data, title: printed.append((data, title)) or True)  # fmt: skip
    page = _page(qtbot, db_path)
    assert page.view.select_where(lambda r: not isinstance(r, MonthGap))
    target = tmp_path / "纪要.pdf"
    with qtbot.waitSignal(page.minutes_pdf(target).finished, timeout=30000):
        pass
    text = "".join(p.extract_text() for p in PdfReader(target).pages).replace("\n", "")
    assert "月度例会纪要" in text and AID in text and "走访结对司法所" in text
    assert dialogs.opened == [str(target)] and "纪要.pdf" in page.status.text()
    with qtbot.waitSignal(page.print_minutes().finished, timeout=30000):
        pass
    assert printed and printed[0][1] == "例会纪要-2018-06-30" and printed[0][0][:5] == b"%PDF-"


def _shown_dialog(monkeypatch, page: MeetingsPage, qtbot) -> MeetingDialog:
    """Click 登记例会… with the dialog shown at its real size instead of run modally; the
    shown dialog (still open)."""
    seen: list[MeetingDialog] = []

    def show(dialog: MeetingDialog) -> int:
        dialog.show()
        seen.append(dialog)
        return 0

    monkeypatch.setattr(MeetingDialog, "exec", show)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitExposed(seen[0])
    return seen[0]


def _visible(widget) -> bool:
    """Whether some of ``widget`` is on screen inside its dialog (not scrolled away)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def _whole(widget) -> bool:
    """Whether all of ``widget`` is on screen inside its dialog."""
    return widget.isVisible() and widget.visibleRegion().boundingRect() == widget.rect()


def _meetings(db_path) -> list[tuple]:
    db = open_database(str(db_path))
    with db.session() as s:
        rows = [
            (m.meeting_date, m.chair, [(r.unit.name, r.progress) for r in m.reports],
             [(d.text, d.due_date) for d in m.decisions if not d.deleted])
            for m in s.scalars(select(Meeting).where(Meeting.deleted.is_(False)))
        ]  # fmt: skip
    db.close()
    return rows


def test_the_meeting_dialog_fits_and_saves_through_its_scrolled_form(
    qtbot, monkeypatch, gui_app, db_path
):
    page = _page(qtbot, db_path)
    assert page.view.select_where(lambda r: isinstance(r, MonthGap) and r.month.month == 7)
    dialog = _shown_dialog(monkeypatch, page, qtbot)
    assert_fits_screen(dialog)
    scroll = dialog.form_scroll.verticalScrollBar()
    assert scroll.maximum() > 0  # the units' boxes and the decisions scroll inside
    last = dialog.report_rows[-1]
    assert last.unit.name == AID and not _visible(last.progress)  # below the fold at first
    assert _visible(dialog.ok_button) and _visible(dialog.cancel_button)

    _ime(dialog.chair, "张副局长")
    scroll.setValue(scroll.maximum())  # the clerk scrolls down to the last unit and decisions
    assert _visible(last.progress) and _visible(dialog.decision_rows[0].text)
    assert _visible(dialog.ok_button)  # the buttons never scroll away
    qtbot.mouseClick(last.progress.viewport(), Qt.MouseButton.LeftButton)
    _ime(last.progress, "办理法律援助案件 12 件。")
    qtbot.mouseClick(dialog.decision_rows[0].text, Qt.MouseButton.LeftButton)
    _ime(dialog.decision_rows[0].text, "走访结对司法所")
    assert dialog.decision_rows[0].due.value() == date(2018, 7, 31)  # a month after the meeting
    qtbot.mouseClick(dialog.add_decision_button, Qt.MouseButton.LeftButton)
    _ime(dialog.decision_rows[1].text, "多余的一项")
    assert _whole(dialog.decision_rows[1])  # a new row is brought into view
    qtbot.mouseClick(dialog.decision_rows[1].remove_button, Qt.MouseButton.LeftButton)
    assert len(dialog.decision_rows) == 1
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == 1 and not dialog.isVisible()
    assert _meetings(db_path) == [(date(2018, 7, 1), "张副局长", [(AID, "办理法律援助案件 12 件。")],
                                   [("走访结对司法所", date(2018, 7, 31))])]  # fmt: skip


def test_a_2017_decision_deadline_is_refused_not_moved(qtbot, monkeypatch, gui_app, db_path):
    page = _page(qtbot, db_path)
    dialog = _shown_dialog(monkeypatch, page, qtbot)
    _ime(dialog.chair, "张副局长")
    row = dialog.decision_rows[0]
    _ime(row.text, "报送上年度总结")
    _type(qtbot, row.due, "2017-12-20")
    dialog.form_scroll.verticalScrollBar().setValue(0)
    assert not _visible(row.due.edit)  # the decisions are below the fold
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() == 0  # still open
    assert row.due.error.text() == "完成时限应在2018年1月1日至2019年6月30日之间。"
    assert _whole(row.due.error)  # scrolled into view
    assert row.due.edit.text() == "2017-12-20"  # what was typed stays, not clamped
    assert _meetings(db_path) == []
    _type(qtbot, row.due, "2018-12-20")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert _meetings(db_path)[0][3] == [("报送上年度总结", date(2018, 12, 20))]


def test_a_service_refusal_below_the_fold_is_scrolled_into_view(
    qtbot, monkeypatch, gui_app, db_path
):
    page = _page(qtbot, db_path)
    dialog = _shown_dialog(monkeypatch, page, qtbot)
    _ime(dialog.chair, "张副局长")
    row = dialog.decision_rows[0]
    row.unit.setCurrentIndex(row.unit.findText(AID))  # a unit but no text
    dialog.form_scroll.verticalScrollBar().setValue(0)
    assert not _visible(row.text)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.error_text("decisions") == "第 1 项议定事项请填写内容。"
    assert _whole(dialog._errors["decisions"]) and _meetings(db_path) == []


def test_esc_on_a_changed_meeting_dialog_asks_first(qtbot, monkeypatch, dialogs, db_path):
    page = _page(qtbot, db_path)
    dialog = _shown_dialog(monkeypatch, page, qtbot)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nothing typed: closes at once
    assert not dialog.isVisible() and dialogs.shown == []

    dialog = _shown_dialog(monkeypatch, page, qtbot)
    _ime(dialog.chair, "张副局长")
    dialogs.confirm = False
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialogs.texts("question") == ["表单中有尚未保存的修改。确定不保存就关闭吗？"]
    assert dialog.isVisible() and dialog.chair.text() == "张副局长"  # kept
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and len(dialogs.texts("question")) == 2
    dialogs.confirm = True
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and _meetings(db_path) == []


def test_a_locked_database_keeps_the_dialog_open_and_says_why(qtbot, monkeypatch, dialogs, db_path):
    page = _page(qtbot, db_path)

    @event.listens_for(page.database.engine, "connect")
    def short_wait(connection, _record) -> None:
        connection.execute("PRAGMA busy_timeout = 200")  # the default 5 s, shortened

    page.database.engine.dispose()
    dialog = _shown_dialog(monkeypatch, page, qtbot)
    _ime(dialog.chair, "张副局长")
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another program holds the database
    try:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    finally:
        other.execute("ROLLBACK")
        other.close()
    (warning,) = dialogs.texts("warning")
    assert "数据库正被另一个程序占用" in warning
    assert dialog.isVisible() and "没有保存" in dialog.error_text()
    assert dialog.chair.text() == "张副局长" and _meetings(db_path) == []
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # again, once it is free
    assert not dialog.isVisible() and _meetings(db_path)[0][1] == "张副局长"
