"""Issue 14, earlier years: ledger entries belong to the programme whose period holds their
date; the banner's year chooser shows an earlier year read-only (its PDFs still print); a
programme's title, 文号 and period are edited on the county PC."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import LedgerEntry, Programme
from app.services import ledger
from app.services.errors import UserError, ValidationError
from app.services.ledger import EntryInput, LedgerFilter
from app.services.programme import (
    ProgrammeEdit,
    edit_programme,
    entry_window,
    entry_windows,
    misassigned_entries,
    new_programme,
    programme_for_entry,
)
from app.services.settings import current_programme
from tests.helpers import dump, kind_ids, unit_ids


def _entry(session, store, day: str, title: str, programme_id: int | None = None) -> int:
    units, kinds = unit_ids(session), kind_ids(session)
    data = EntryInput(
        kind_id=kinds["funding"], unit_id=units["办公室（政治处）"], entry_date=day, title=title,
        values={"amount": "1500", "purpose": "专项经费"}, programme_id=programme_id,
    )  # fmt: skip
    return ledger.save_entry(session, store, None, data)


def _two_years(database) -> tuple[int, int]:
    """The 2018 programme with an entry, then 2019 started with an entry of its own."""
    with database.session() as s:
        old = current_programme(s).id
        _entry(s, database.attachments, "2018-07-02", "二〇一八年经费")
        new = new_programme(s, year=2019, copy_from_year=2018).id
        _entry(s, database.attachments, "2019-03-05", "二〇一九年经费", programme_id=new)
    return old, new


# ---------------------------------------------------------------- entries by period


def test_entry_windows_split_the_years_without_overlap(database):
    with database.session() as s:
        old, new = current_programme(s).id, None
        assert entry_window(s, old) == (date(2018, 1, 1), date(2018, 12, 31))
        new = new_programme(s, year=2019, copy_from_year=2018, start=date(2019, 6, 28)).id
        windows = entry_windows(s)
        # the days of 2019 before its period still belong to 2019, not to 2018
        assert windows[old] == (date(2018, 1, 1), date(2018, 12, 31))
        assert windows[new] == (date(2019, 1, 1), date(2019, 12, 31))
        # an overlapping next period takes over from its first day
        s.get_one(Programme, new).start_date = date(2018, 12, 1)
        s.flush()
        windows = entry_windows(s)
        assert windows[old] == (date(2018, 1, 1), date(2018, 11, 30))
        assert windows[new][0] == date(2018, 12, 1)
        for day, programme in ((date(2018, 11, 30), old), (date(2018, 12, 1), new),
                               (date(2019, 12, 31), new)):  # fmt: skip
            assert programme_for_entry(s, day).id == programme
        assert programme_for_entry(s, date(2017, 12, 31)) is None
        assert programme_for_entry(s, date(2020, 1, 1)) is None


def test_an_entry_is_assigned_to_the_programme_holding_its_date(database):
    with database.session() as s:
        old = current_programme(s).id
        new = new_programme(s, year=2019, copy_from_year=2018).id
        # saved while 2019 is shown, dated in 2018: it belongs to 2018
        late = _entry(s, database.attachments, "2018-12-20", "年底补登", programme_id=new)
        early = _entry(s, database.attachments, "2019-01-02", "新年第一笔", programme_id=old)
        assert s.get_one(LedgerEntry, late).programme_id == old
        assert s.get_one(LedgerEntry, early).programme_id == new
        # moving its date into the other year moves it too
        detail = ledger.get_entry(s, late)
        data = EntryInput(kind_id=detail.kind_id, unit_id=detail.unit_id, entry_date="2019-02-01",
                          title=detail.title, values=detail.values)  # fmt: skip
        ledger.save_entry(s, database.attachments, late, data)
        assert s.get_one(LedgerEntry, late).programme_id == new
        assert misassigned_entries(s) == []


def test_an_entry_no_year_holds_is_refused_and_nothing_saved(database, db_path):
    with database.session() as s:
        new_programme(s, year=2019, copy_from_year=2018)
    before = dump(db_path)
    with database.session() as s, pytest.raises(Exception) as caught:
        _entry(s, database.attachments, "2017-06-01", "前一年的")
    message = caught.value.errors["entry_date"]
    assert "不属于任何年度的实施方案" in message and "2018年度" in message and "2019年度" in message
    assert "开始新年度" not in message
    with database.session() as s, pytest.raises(Exception) as caught:
        _entry(s, database.attachments, "2020-01-05", "新年度还没开始")
    assert "请待县矫正办开始新年度" in caught.value.errors["entry_date"]
    assert dump(db_path) == before


def test_lists_and_the_dashboard_show_only_the_years_entries(database):
    from app.services.dashboard import build_dashboard

    old, new = _two_years(database)
    with database.session() as s:
        for programme, title in ((old, "二〇一八年经费"), (new, "二〇一九年经费")):
            window = entry_window(s, programme)
            rows = ledger.list_entries(s, LedgerFilter(window=window))
            assert [r.title for r in rows] == [title]
            assert ledger.count_entries(s, LedgerFilter(window=window)) == 1
            latest = build_dashboard(s, programme, date(2026, 12, 1)).latest
            assert [e.title for e in latest] == [title]


def test_the_data_check_finds_an_entry_filed_under_the_wrong_year(database):
    _old, new = _two_years(database)
    with database.session() as s:
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.title == "二〇一八年经费"))
        entry.programme_id = new  # as an older version could have written it
        s.flush()
        (found,) = misassigned_entries(s)
        assert (found.entry_id, found.programme_year, found.belongs_to_year) == (
            entry.id,
            2019,
            2018,
        )


# ---------------------------------------------------------------- the year chooser


def test_choosing_2018_after_starting_2019_shows_2018_read_only(
    qtbot, gui_app, dialogs, monkeypatch, database, db_path
):
    from app.ui.main_window import MainWindow

    old, new = _two_years(database)
    database.close()
    from app.services.database import open_database

    window = MainWindow(open_database(str(db_path)))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    chooser = window.year_chooser
    assert chooser.isVisible()
    assert [chooser.itemText(i) for i in range(chooser.count())] == ["2019年度（当前）", "2018年度"]
    assert not window.year_note.isVisible()
    ledger_page = window.open_section("ledger")
    assert [ledger_page.model.row_at(i).title for i in range(ledger_page.model.rowCount())] == [
        "二〇一九年经费"
    ]

    chooser.setFocus()
    qtbot.keyClick(chooser, Qt.Key.Key_Down)  # the clerk picks 2018
    qtbot.waitUntil(lambda: window.context.programme_id == old)
    assert window.year_note.isVisible() and window.year_note.text() == "正在查看2018年度（只读）"
    assert "2018年度" in window.banner.text()
    assert chooser.currentText() == "2018年度"
    ledger_page = window.pages["ledger"]
    assert window.stack.currentWidget() is ledger_page  # the same section, now for 2018
    assert [ledger_page.model.row_at(i).title for i in range(ledger_page.model.rowCount())] == [
        "二〇一八年经费"
    ]
    assert not ledger_page.add_button.isEnabled()
    home = window.open_section("home")
    assert home.context.programme_year == 2018
    duties = window.open_section("duties")  # the year's reference data: view only
    assert not duties.add_duty_button.isVisible()

    # a change is refused beside the form, the database unchanged
    from app.ui.ledger.entry_dialog import EntryDialog
    from tests.helpers import drive_dialog

    before = dump(db_path)
    ledger_page = window.open_section("ledger")
    ledger_page.view.selectRow(0)
    assert not ledger_page.delete_button.isEnabled()
    seen = drive_dialog(monkeypatch, EntryDialog, lambda d: d.title.setText("往年改动"))
    qtbot.mouseClick(ledger_page.edit_button, Qt.MouseButton.LeftButton)
    assert not seen[0].result()
    assert "正在查看2018年度（只读）" in seen[0].general_error.text()
    assert "只能查看和打印" in seen[0].general_error.text()
    assert dump(db_path) == before

    # back to the current year: editable again
    chooser.setFocus()
    qtbot.keyClick(chooser, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: window.context.programme_id == new)
    assert not window.year_note.isVisible() and window.viewed_programme_id is None
    assert window.pages["ledger"].add_button.isEnabled()
    assert window.open_section("duties").add_duty_button.isVisible()


# ---------------------------------------------------------------- editing a programme


def _edit(**changes) -> ProgrammeEdit:
    values = dict(title="青田县大帮教实施方案", document_number="青司〔2018〕45号",
                  start=date(2018, 6, 28), end=date(2018, 12, 31))  # fmt: skip
    values.update(changes)
    return ProgrammeEdit(**values)


def test_editing_a_programme_changes_its_title_number_and_periods(database):
    from app.services.period import programme_period

    with database.session() as s:
        pid = current_programme(s).id
        edit_programme(s, pid, _edit(start=date(2018, 7, 1), assessment_start=date(2017, 12, 1),
                                     assessment_end=date(2018, 11, 30)))  # fmt: skip
    with database.session() as s:
        p = s.get_one(Programme, pid)
        assert (p.title, p.document_number) == ("青田县大帮教实施方案", "青司〔2018〕45号")
        period = programme_period(s, pid)
        assert (period.start, period.end) == (date(2018, 7, 1), date(2018, 12, 31))
        assert period.assessment_start == date(2017, 12, 1)
        assert period.assessment_end == date(2018, 11, 30)


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"title": "  "}, "title", "请填写实施方案的标题"),
        ({"start": date(2018, 12, 31), "end": date(2018, 6, 1)}, "start", "晚于结束日期"),
        ({"assessment_start": date(2018, 12, 1)}, "assessment_end", "要么都填"),
        (
            {"assessment_start": date(2018, 12, 1), "assessment_end": date(2018, 1, 1)},
            "assessment_start",
            "晚于结束日期",
        ),
        ({"end": date(2020, 3, 1)}, "end", "离 2018 年度太远"),
        ({"document_number": "号" * 101}, "document_number", "不能超过 100 个字"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(database, db_path, changes, field, words):
    with database.session() as s:
        pid = current_programme(s).id
    before = dump(db_path)
    with database.session() as s, pytest.raises(ValidationError) as caught:
        edit_programme(s, pid, _edit(**changes))
    assert caught.value.field == field and words in caught.value.message
    assert dump(db_path) == before


def test_the_period_must_still_hold_the_documents_already_issued(database, db_path):
    from app.models import Agreement

    with database.session() as s:
        pid = current_programme(s).id
        from app.services.agreements import create_all_drafts

        create_all_drafts(s, pid)
        agreement = s.scalars(select(Agreement).where(Agreement.programme_id == pid)).first()
        agreement.issued_on = date(2018, 7, 3)
    before = dump(db_path)
    with database.session() as s, pytest.raises(ValidationError) as caught:
        edit_programme(s, pid, _edit(start=date(2018, 8, 1)))
    assert caught.value.field == "start"
    assert "责任状印发日期为2018年7月3日" in caught.value.message
    assert dump(db_path) == before
    with database.session() as s:  # the day itself still holds it
        edit_programme(s, pid, _edit(start=date(2018, 7, 3)))


def test_a_period_overlapping_another_years_is_refused(database, db_path):
    """The clerk's finding: 2019 moved to start on 1 December 2018 overlapped 2018 and took
    2018's December entries into 2019's ledger."""
    old, new = _two_years(database)
    with database.session() as s:
        december = _entry(s, database.attachments, "2018-12-20", "十二月经费")
    before = dump(db_path)
    edit_2019 = dict(title="2019年度实施方案", start=date(2018, 12, 1), end=date(2019, 12, 31))
    with database.session() as s, pytest.raises(ValidationError) as caught:
        edit_programme(s, new, _edit(**edit_2019))
    assert caught.value.field == "start"
    assert "与 2018 年度的实施期（2018年6月28日至2018年12月31日）重叠" in caught.value.message
    # 2018 reaching into 2019 is refused on its end
    with database.session() as s, pytest.raises(ValidationError) as caught:
        edit_programme(s, old, _edit(end=date(2019, 1, 1)))
    assert caught.value.field == "end"
    assert "与 2019 年度的实施期（2019年1月1日至2019年12月31日）重叠" in caught.value.message
    assert dump(db_path) == before
    with database.session() as s:
        assert s.get_one(LedgerEntry, december).programme_id == old
        assert programme_for_entry(s, date(2018, 12, 20)).id == old
        # touching without overlapping is fine
        edit_programme(s, new, _edit(**{**edit_2019, "start": date(2019, 1, 1)}))
        edit_programme(s, old, _edit(end=date(2018, 12, 31)))


def test_only_the_county_pc_edits_a_programme(database, db_path):
    from app.services.settings import LOCAL_UNIT, set_setting

    with database.session() as s:
        pid = current_programme(s).id
        from app.models import Unit

        department = s.scalar(select(Unit).where(Unit.name == "律师管理科"))
        set_setting(s, LOCAL_UNIT, department.uuid)
    before = dump(db_path)
    with database.session() as s, pytest.raises(UserError, match="只有县矫正办"):
        edit_programme(s, pid, _edit())
    assert dump(db_path) == before


def test_edit_year_dialog_on_the_settings_page(qtbot, gui_app, monkeypatch, dialogs, db_path):
    from app.services.period import programme_period
    from app.ui.dialogs.programme_dialog import EditYearDialog
    from tests.helpers import assert_fits_screen, drive_dialog, open_page

    page = open_page(qtbot, db_path, "settings")

    def refused(dialog: EditYearDialog) -> None:
        assert_fits_screen(dialog)
        assert dialog.start.value() == date(2018, 6, 28)
        dialog.start.setValue(date(2018, 12, 31))
        dialog.end.setValue(date(2018, 7, 1))

    seen = drive_dialog(monkeypatch, EditYearDialog, refused)
    before = dump(db_path)
    qtbot.mouseClick(page.edit_year_button, Qt.MouseButton.LeftButton)
    assert "晚于结束日期" in seen[-1].error_text("start")
    assert dump(db_path) == before

    def fill(dialog: EditYearDialog) -> None:
        dialog.number.setText("青司〔2018〕45号")
        dialog.start.setValue(date(2018, 7, 1))
        dialog.assessment_start.setValue(date(2017, 12, 1))
        dialog.assessment_end.setValue(date(2018, 11, 30))

    drive_dialog(monkeypatch, EditYearDialog, fill)
    qtbot.mouseClick(page.edit_year_button, Qt.MouseButton.LeftButton)
    assert any("已保存 2018 年度" in t for t in dialogs.texts("information"))
    with page.database.session() as s:
        programme = current_programme(s)
        assert programme.document_number == "青司〔2018〕45号"
        period = programme_period(s, programme.id)
        assert (period.start, period.assessment_start) == (date(2018, 7, 1), date(2017, 12, 1))
    window = page.window()
    qtbot.waitUntil(lambda: window.pages.get("settings") not in (None, page))
    assert window.context.programme_span == (date(2017, 12, 1), date(2018, 12, 31))


def test_edit_year_dialog_names_the_overlapped_year(
    qtbot, gui_app, monkeypatch, dialogs, database, db_path
):
    from app.ui.dialogs.programme_dialog import EditYearDialog
    from tests.helpers import drive_dialog, open_page

    _two_years(database)  # 2019 is the current programme
    database.close()
    page = open_page(qtbot, db_path, "settings")

    def overlapping(dialog: EditYearDialog) -> None:
        assert dialog.start.value() == date(2019, 1, 1)
        dialog.start.setValue(date(2018, 12, 1))

    seen = drive_dialog(monkeypatch, EditYearDialog, overlapping)
    before = dump(db_path)
    qtbot.mouseClick(page.edit_year_button, Qt.MouseButton.LeftButton)
    assert "与 2018 年度的实施期（2018年6月28日至2018年12月31日）重叠" in seen[-1].error_text(
        "start"
    )
    assert dump(db_path) == before
    assert not dialogs.texts("information")


# ---------------------------------------------------------------- the first-run wizard


def _wizard_to_unit_page(qtbot, tmp_path, today: date, name: str = "new.db"):
    from PySide6.QtWidgets import QWizard

    from app.ui.setup_wizard import SetupWizard

    wizard = SetupWizard(str(tmp_path / name))
    wizard.today = today
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.template_page.buttons["qingtian-2018"].setChecked(True)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    return wizard


def _finish(qtbot, wizard) -> None:
    from PySide6.QtWidgets import QWizard

    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    assert wizard.database is not None, wizard.unit_page.error.text()


def _years(database) -> tuple[list[int], int, tuple[date, date]]:
    with database.session() as s:
        programme = current_programme(s)
        years = sorted(s.scalars(select(Programme.year)))
        return years, programme.year, programme.period


def test_the_wizard_proposes_the_current_year_when_the_templates_is_past(qtbot, gui_app, tmp_path):
    from tests.helpers import assert_fits_screen

    wizard = _wizard_to_unit_page(qtbot, tmp_path, date(2026, 12, 1))
    page = wizard.unit_page
    assert page.year_box.isVisible()
    assert "模板是 2018 年度的" in page.year_intro.text()
    # the calendar year, as 开始新年度 proposes (not the template's 06-28 shifted)
    assert "实施期为 2026-01-01 至 2026-12-31" in page.new_year_detail.text()
    assert "2026 年度" in page.new_year_choice.text()
    assert page.new_year_choice.isChecked()  # proposed
    assert_fits_screen(wizard)
    _finish(qtbot, wizard)
    try:
        assert _years(wizard.database) == (
            [2018, 2026], 2026, (date(2026, 1, 1), date(2026, 12, 31))
        )  # fmt: skip
        with wizard.database.session() as s:  # the reference data came with it
            from app.services.programme import programme_counts

            counts = programme_counts(s, current_programme(s).id)
            assert counts.duties > 0 and counts.pairings == 9
    finally:
        wizard.database.close()


def test_the_wizard_keeps_the_templates_year_when_asked(qtbot, gui_app, tmp_path):
    wizard = _wizard_to_unit_page(qtbot, tmp_path, date(2026, 12, 1))
    wizard.unit_page.template_year_choice.setChecked(True)
    _finish(qtbot, wizard)
    try:
        assert _years(wizard.database)[:2] == ([2018], 2018)
    finally:
        wizard.database.close()


def test_the_wizard_proposes_nothing_in_the_templates_year_or_for_another_unit(
    qtbot, gui_app, tmp_path
):
    wizard = _wizard_to_unit_page(qtbot, tmp_path, date(2018, 9, 1))
    assert not wizard.unit_page.year_box.isVisible()
    wizard = _wizard_to_unit_page(qtbot, tmp_path, date(2026, 12, 1), "office.db")
    page = wizard.unit_page
    page.unit_combo.setCurrentIndex(page.unit_combo.findData("瓯南司法所"))
    assert not page.new_year_choice.isEnabled() and page.template_year_choice.isChecked()
    _finish(qtbot, wizard)
    try:
        assert _years(wizard.database)[:2] == ([2018], 2018)
    finally:
        wizard.database.close()


# ---------------------------------------------------------------- small findings


@pytest.mark.usefixtures("no_statistics_reports")  # one page, as before the 月报/季报
def test_a_reminder_notice_printed_after_the_year_is_dated_the_day_it_is_printed(db_path, tmp_path):
    from pypdf import PdfReader

    from app.cli import main
    from tests.test_reminders import AID, seed

    seed(db_path)
    out = tmp_path / "催办单.pdf"
    assert main(["--db", str(db_path), "reminders", "pdf", "--unit", AID, "--out", str(out),
                 "--date", "2026-12-01"]) == 0  # fmt: skip
    (text,) = [p.extract_text() for p in PdfReader(str(out)).pages]
    flat = text.replace("\n", "").replace(" ", "")
    assert "截至2019年1月1日" in flat  # the items as at the close
    assert flat.rstrip().endswith("2026年12月1日") or "2026年12月1日" in flat[-40:]  # 落款
    assert "2019年1月1日" not in flat[-40:]


@pytest.mark.parametrize(
    "start, end, today, months",
    [
        # a 1 January start counts January, once January is over
        (date(2019, 1, 1), date(2019, 12, 31), date(2019, 1, 31), []),
        (date(2019, 1, 1), date(2019, 12, 31), date(2019, 2, 1), [1]),
        (date(2019, 1, 1), date(2019, 12, 31), date(2019, 3, 15), [1, 2]),
        # a start after the 1st: its first (partial) month is not due
        (date(2019, 1, 2), date(2019, 12, 31), date(2019, 3, 1), [2]),
        # the last month counts once it is over; nothing after the close
        (date(2019, 1, 1), date(2019, 12, 31), date(2019, 12, 31), list(range(1, 12))),
        (date(2019, 1, 1), date(2019, 12, 31), date(2020, 1, 1), list(range(1, 13))),
        (date(2019, 1, 1), date(2019, 12, 31), date(2026, 12, 1), list(range(1, 13))),
    ],
)
def test_due_months_count_the_programmes_first_month(database, start, end, today, months):
    from app.services.meetings import due_months

    with database.session() as s:
        pid = new_programme(s, year=2019, copy_from_year=2018, start=start, end=end).id
        assert due_months(s, pid, today) == [date(2019, m, 1) for m in months]


def test_a_late_entry_of_last_year_saved_in_the_new_year_goes_to_last_year(
    qtbot, gui_app, monkeypatch, dialogs, database, db_path
):
    from app.services.database import open_database
    from app.ui.ledger.entry_dialog import EntryDialog
    from app.ui.main_window import MainWindow
    from tests.helpers import drive_dialog

    old, _new = _two_years(database)
    database.close()
    window = MainWindow(open_database(str(db_path)))
    qtbot.addWidget(window)
    window.show()
    page = window.open_section("ledger")
    assert page.model.total == 1

    def fill(dialog: EntryDialog) -> None:
        dialog.kind.setCurrentIndex(dialog.kind.findText("经费保障"))
        dialog.unit.setCurrentIndex(dialog.unit.findText("办公室（政治处）"))
        dialog.entry_date.setValue(date(2018, 12, 28))  # 年底补登, typed in 2019
        dialog.title.setText("年底补登的慰问经费")
        dialog.fields_widget.set_value("amount", "800")
        dialog.fields_widget.set_value("purpose", "慰问")

    seen = drive_dialog(monkeypatch, EntryDialog, fill)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert seen[0].result(), seen[0].general_error.text()
    assert any("已记入 2018 年度的台账" in t for t in dialogs.texts("information"))
    assert page.model.total == 1  # not in 2019's list
    with window.database.session() as s:
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.title == "年底补登的慰问经费"))
        assert entry.programme_id == old
    window.view_programme(old, "ledger")
    assert window.pages["ledger"].model.total == 2


def test_programme_check_lists_and_fixes_misassigned_entries(database, db_path, capsys):
    from app.cli import main

    _old, new = _two_years(database)
    with database.session() as s:
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.title == "二〇一八年经费"))
        entry.programme_id = new
        entry_id = entry.id
    database.close()
    assert main(["--db", str(db_path), "programme", "check"]) == 0
    out = capsys.readouterr().out
    assert f"台账 {entry_id}（2018-07-02）：记在2019 年度，应属2018 年度" in out
    # the county's PC entered it for 办公室（政治处）: that unit's PC corrects it
    assert main(["--db", str(db_path), "programme", "check", "--fix"]) == 0
    assert "另有 1 条是其他单位的台账" in capsys.readouterr().out
    from app.services.database import open_database
    from app.services.settings import LOCAL_UNIT, set_setting

    db = open_database(str(db_path))
    with db.session() as s:
        office = s.scalar(select(LedgerEntry).where(LedgerEntry.id == entry_id)).owner_unit_id
        from app.models import Unit

        set_setting(s, LOCAL_UNIT, s.get_one(Unit, office).uuid)
    db.close()
    assert main(["--db", str(db_path), "programme", "check", "--fix"]) == 0
    assert "已改正 1 条" in capsys.readouterr().out
    assert main(["--db", str(db_path), "programme", "check"]) == 0
    assert "每条台账都记在其日期所在的年度" in capsys.readouterr().out
