"""编辑年度 keeps what the assessment rests on (a clerk's findings): neither period may cut off
a published bulletin's as-of date, a 加减分, a judgement score or a peer rating; two years'
考核期 may not overlap; the 考核期 is shown where it differs from the 实施期."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from app.models import PeerRating, Programme
from app.services import issued_bulletins
from app.services.assessment import record_adjustment, record_judgement
from app.services.errors import ValidationError
from app.services.programme import ProgrammeEdit, edit_programme, new_programme
from app.services.settings import current_programme
from tests.helpers import dump, unit_ids

DEPARTMENT, OFFICE = "法制宣传科", "海口司法所"  # paired in the template
YEAR_END = date(2018, 12, 31)


def _edit(**changes) -> ProgrammeEdit:
    values = dict(title="青田县大帮教实施方案", document_number="青司〔2018〕45号",
                  start=date(2018, 6, 28), end=YEAR_END)  # fmt: skip
    values.update(changes)
    return ProgrammeEdit(**values)


def _bulletin(s, pid: int, on: date) -> None:
    issued_bulletins.publish(s, pid, on, issued_on=on)


def _adjustment(s, pid: int, on: date) -> None:
    record_adjustment(s, programme_id=pid, unit_id=unit_ids(s)[DEPARTMENT], points=2,
                      reason="市级表彰", on=on)  # fmt: skip


def _judgement(s, pid: int, on: date) -> None:
    record_judgement(s, programme_id=pid, unit_id=unit_ids(s)[DEPARTMENT], item_key="leadership",
                     score=4, reason="台账齐全", on=on)  # fmt: skip


def _peer_rating(s, pid: int, on: date) -> None:
    """A rating as it arrives from the office's package (rated on the office's PC)."""
    units = unit_ids(s)
    s.add(PeerRating(programme_id=pid, office_id=units[OFFICE], department_id=units[DEPARTMENT],
                     scores={"visits": 18}, total=18, comment="", rated_on=on,
                     owner_unit_id=units[OFFICE]))  # fmt: skip
    s.flush()


RECORDS = [
    (_bulletin, "已发布的第7期进度通报（截至2018年12月31日）"),
    (_adjustment, "2018年12月31日的考核加减分"),
    (_judgement, "2018年12月31日的考核评分"),
    (_peer_rating, "2018年12月31日的结对司法所的评价"),
]


@pytest.mark.parametrize("make, named", RECORDS)
def test_neither_period_may_cut_off_what_the_assessment_rests_on(database, db_path, make, named):
    with database.session() as s:
        pid = current_programme(s).id
        make(s, pid, YEAR_END)
    before = dump(db_path)
    # the clerk's finding: 考核期 to 20 December while the record is dated 31 December
    with database.session() as s, pytest.raises(ValidationError) as caught:
        edit_programme(s, pid, _edit(assessment_start=date(2018, 6, 28),
                                     assessment_end=date(2018, 12, 20)))  # fmt: skip
    assert caught.value.field == "assessment_end"
    assert f"本年度已有{named}，新的考核期（2018年6月28日至2018年12月20日）不再包含它" in (
        caught.value.message
    )
    # the 实施期 likewise (the 考核期 left blank follows it)
    with database.session() as s, pytest.raises(ValidationError) as caught:
        edit_programme(s, pid, _edit(end=date(2018, 12, 20)))
    assert caught.value.field == "end"
    assert f"本年度已有{named}，新的实施期" in caught.value.message
    assert dump(db_path) == before
    with database.session() as s:  # a 考核期 still holding the day is fine
        edit_programme(s, pid, _edit(assessment_start=date(2018, 7, 1), assessment_end=YEAR_END))
        assert s.get_one(Programme, pid).assessment_start == date(2018, 7, 1)


def test_all_of_them_are_counted_and_the_start_is_named_on_its_field(database, db_path):
    with database.session() as s:
        pid = current_programme(s).id
        for make, _named in RECORDS[1:]:
            make(s, pid, date(2018, 7, 2))
        _bulletin(s, pid, YEAR_END)
    before = dump(db_path)
    with database.session() as s, pytest.raises(ValidationError) as caught:
        edit_programme(s, pid, _edit(assessment_start=date(2018, 8, 1), assessment_end=YEAR_END))
    assert caught.value.field == "assessment_start"
    assert "本年度已有2018年7月2日的" in caught.value.message
    assert "等 3 项" in caught.value.message
    assert dump(db_path) == before


def test_two_years_assessment_periods_may_not_overlap(database, db_path):
    """The clerk's finding: 2019's 考核期 from 1 December 2018 was accepted while 2018's ran
    to 31 December."""
    with database.session() as s:
        old = current_programme(s).id
        new = new_programme(s, year=2019, copy_from_year=2018).id
    before = dump(db_path)
    edit_2019 = dict(title="2019年度实施方案", start=date(2019, 1, 1), end=date(2019, 12, 31),
                     assessment_start=date(2018, 12, 1), assessment_end=date(2019, 11, 30))  # fmt: skip
    with database.session() as s, pytest.raises(ValidationError) as caught:
        edit_programme(s, new, _edit(**edit_2019))
    assert caught.value.field == "assessment_start"
    assert (
        "考核期（2018年12月1日至2019年11月30日）与 2018 年度的考核期"
        "（2018年6月28日至2018年12月31日）重叠" in caught.value.message
    )
    assert dump(db_path) == before
    with database.session() as s:
        # once 2018 is assessed to 30 November, 2019's 考核期 may start on 1 December
        edit_programme(s, old, _edit(assessment_start=date(2018, 6, 28),
                                     assessment_end=date(2018, 11, 30)))  # fmt: skip
        edit_programme(s, new, _edit(**edit_2019))
        # and 2018 cannot reach back into it
        with pytest.raises(ValidationError) as caught:
            edit_programme(s, old, _edit())
        assert caught.value.field == "assessment_end"
        assert "与 2019 年度的考核期（2018年12月1日至2019年11月30日）重叠" in caught.value.message


def test_a_new_year_whose_shifted_assessment_period_overlaps_is_refused(database, db_path):
    with database.session() as s:
        edit_programme(s, current_programme(s).id, _edit(assessment_start=date(2017, 12, 1),
                                                         assessment_end=date(2018, 11, 30)))  # fmt: skip
        # 2019: its 考核期 moved on a year, 2018-12-01 → 2019-11-30, meets 2018's
        new = new_programme(s, year=2019, copy_from_year=2018)
        assert (new.assessment_start, new.assessment_end) == (date(2018, 12, 1), date(2019, 11, 30))
        # 2019 assessed on its own period (考核期 = 实施期)
        edit_programme(s, new.id, _edit(title="2019年度", start=date(2019, 1, 1),
                                        end=date(2019, 12, 31)))  # fmt: skip
    before = dump(db_path)
    with database.session() as s, pytest.raises(ValidationError) as caught:
        new_programme(s, year=2020, copy_from_year=2018)  # 2019-12-01 → 2020-11-30
    assert "与 2019 年度的考核期（2019年1月1日至2019年12月31日）重叠" in caught.value.message
    assert dump(db_path) == before


def test_edit_year_dialog_refuses_cutting_off_a_published_bulletin(
    qtbot, gui_app, monkeypatch, dialogs, database, db_path
):
    from app.ui.dialogs.programme_dialog import EditYearDialog
    from tests.helpers import drive_dialog, open_page

    with database.session() as s:
        _bulletin(s, current_programme(s).id, YEAR_END)
    database.close()
    page = open_page(qtbot, db_path, "settings")

    def cut_off(dialog: EditYearDialog) -> None:
        dialog.assessment_start.setValue(date(2018, 6, 28))
        dialog.assessment_end.setValue(date(2018, 12, 20))

    seen = drive_dialog(monkeypatch, EditYearDialog, cut_off)
    before = dump(db_path)
    qtbot.mouseClick(page.edit_year_button, Qt.MouseButton.LeftButton)
    assert "已发布的第7期进度通报（截至2018年12月31日）" in seen[-1].error_text("assessment_end")
    assert dump(db_path) == before
    assert not dialogs.texts("information")


def test_the_assessment_period_is_shown_where_it_differs(qtbot, gui_app, database, db_path):
    from tests.helpers import open_page

    with database.session() as s:
        edit_programme(s, current_programme(s).id, _edit(assessment_start=date(2017, 12, 1),
                                                         assessment_end=date(2018, 11, 30)))  # fmt: skip
    database.close()
    shown = "本年度：2018年6月28日至12月31日；考核期：2017年12月1日至2018年11月30日"
    page = open_page(qtbot, db_path, "assessment")
    assert page.period_note.text() == shown
    home = page.window().open_section("home")
    assert shown in home.summary.text()


def test_the_assessment_period_is_not_repeated_when_it_is_the_programmes(qtbot, gui_app, db_path):
    from tests.helpers import open_page

    page = open_page(qtbot, db_path, "assessment")
    assert page.period_note.text() == "本年度：2018年6月28日至12月31日"
    home = page.window().open_section("home")
    assert "考核期" not in home.summary.text()


def test_new_year_dialog_shows_an_overlapping_assessment_period_at_the_top(
    qtbot, gui_app, monkeypatch, dialogs, database, db_path
):
    """The 开始新年度 dialog has no 考核期 fields: the refusal of the copied (shifted) one is
    shown at its top."""
    from app.ui.dialogs.programme_dialog import NewYearDialog
    from tests.helpers import drive_dialog, open_page

    with database.session() as s:
        edit_programme(s, current_programme(s).id, _edit(assessment_start=date(2018, 1, 1),
                                                         assessment_end=date(2019, 1, 31)))  # fmt: skip
    database.close()
    page = open_page(qtbot, db_path, "settings")

    def accept_defaults(dialog: NewYearDialog) -> None:
        assert dialog.year.value() == 2019

    seen = drive_dialog(monkeypatch, NewYearDialog, accept_defaults)
    before = dump(db_path)
    qtbot.mouseClick(page.new_year_button, Qt.MouseButton.LeftButton)
    assert "与 2018 年度的考核期（2018年1月1日至2019年1月31日）重叠" in seen[-1].error_text()
    assert dump(db_path) == before
    assert not dialogs.texts("information")
