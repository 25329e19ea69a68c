"""Reminders: due-soon boundaries (N days before, N+1 days before, the deadline day, the day
after → overdue), the setting N, the per-unit grouping of the 催办单 and its PDF, the CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.services import inspections, meetings, reminders
from app.services.database import open_database
from app.services.errors import UserError
from app.services.inspections import FindingInput, InspectionInput
from app.services.meetings import DecisionInput, MeetingInput
from app.services.settings import current_programme, local_unit
from tests.helpers import unit_ids

# a world before the 月报/季报 (their reminders: tests/test_statistics_reminders.py)
pytestmark = pytest.mark.usefixtures("no_statistics_reports")

AID = "法律援助中心"
DECISION_DUE = date(2018, 8, 10)
ITEM_DUE = date(2018, 9, 15)
SUMMARY_DUE = date(2018, 10, 15)  # the template's 总结提升 deadline


def seed(db_path: Path) -> None:
    """A meeting in July with a decision for 法律援助中心 due 08-10, and an inspection with a
    rectification item for it due 09-15."""
    db = open_database(str(db_path))
    with db.session() as s:
        units, here = unit_ids(s), local_unit(s)
        programme_id = current_programme(s).id
        meetings.save_meeting(s, None, MeetingInput(
            programme_id=programme_id, meeting_date=date(2018, 7, 30), chair="张副局长",
            attendees="各科室负责人", location="三楼会议室", reports=[],
            decisions=[DecisionInput(text="走访结对司法所", responsible_unit_id=units[AID],
                                     due_date=DECISION_DUE)],
        ), here.id, date(2018, 12, 31))  # fmt: skip
        inspections.record_inspection(s, InspectionInput(
            inspection_date=date(2018, 8, 15), inspectors="王芳", inspected_unit_id=units[AID],
            findings=[FindingInput(text="台账照片不全", rectify=True,
                                   responsible_unit_id=units[AID], deadline=ITEM_DUE)],
            programme_id=programme_id,
        ), here.id)  # fmt: skip
    db.close()


def _items(db_path: Path, day: date, kind: str, days: int | None = None):
    db = open_database(str(db_path))
    try:
        with db.session() as s:
            programme_id = current_programme(s).id
            return [
                i for i in reminders.reminder_items(s, programme_id, day, days) if i.kind == kind
            ]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("kind", "due", "unit"),
    [
        ("例会议定事项", DECISION_DUE, AID),
        ("整改事项", ITEM_DUE, AID),
        ("阶段总结", SUMMARY_DUE, "基层科"),
    ],
)
def test_due_soon_boundaries(db_path, kind, due, unit):
    from datetime import timedelta

    seed(db_path)

    def mine(day: date):
        return [i for i in _items(db_path, day, kind) if i.unit == unit]

    assert mine(due - timedelta(days=4)) == []  # N+1 days before: not yet
    three = mine(due - timedelta(days=3))
    assert len(three) == 1 and not three[0].overdue and three[0].colour == "amber"
    assert three[0].days_left == 3 and three[0].status == "还剩 3 天"
    on_the_day = mine(due)
    assert len(on_the_day) == 1 and not on_the_day[0].overdue
    assert on_the_day[0].status == "今天到期"
    after = mine(due + timedelta(days=1))
    assert len(after) == 1 and after[0].overdue and after[0].colour == "red"
    assert after[0].status == "逾期 1 天"


def test_this_months_meeting_is_due_soon_at_the_end_of_the_month(db_path):
    seed(db_path)  # July's meeting is held; August has none
    assert _items(db_path, date(2018, 8, 27), "月度例会") == []
    soon = _items(db_path, date(2018, 8, 28), "月度例会")
    assert [(i.text, i.due, i.overdue) for i in soon] == [
        ("2018年8月中层干部例会尚未召开", date(2018, 8, 31), False)
    ]
    late = _items(db_path, date(2018, 9, 1), "月度例会")
    assert [i.overdue for i in late] == [True] and "2018年8月" in late[0].text


def test_the_setting_changes_n(db_path):
    seed(db_path)
    db = open_database(str(db_path))
    with db.session() as s:
        assert reminders.due_soon_days(s) == 3
        with pytest.raises(UserError, match="0 至 60"):
            reminders.set_due_soon_days(s, 61)
        reminders.set_due_soon_days(s, 7)
    with db.session() as s:
        assert reminders.due_soon_days(s) == 7
    db.close()
    early = date(2018, 8, 3)  # seven days before the decision's due date
    assert [i.days_left for i in _items(db_path, early, "例会议定事项")] == [7]
    assert _items(db_path, early, "例会议定事项", days=3) == []


def test_the_day_is_judged_within_the_programmes_period(db_path):
    db = open_database(str(db_path))
    with db.session() as s:
        programme_id = current_programme(s).id
        # a programme that is over is judged the day after its last day, not by the PC's clock
        assert reminders.programme_day(s, programme_id, date(2026, 12, 1)) == date(2019, 1, 1)
        assert reminders.programme_day(s, programme_id, date(2018, 8, 3)) == date(2018, 8, 3)
    db.close()


def test_notices_group_by_unit_and_refuse_nothing_to_remind(db_path):
    seed(db_path)
    db = open_database(str(db_path))
    with db.session() as s:
        programme_id = current_programme(s).id
        day = date(2018, 9, 13)  # decision overdue, item due in 2 days
        assert reminders.units_to_remind(s, programme_id, day) == [AID]
        (notice,) = reminders.reminder_notices(s, programme_id, day, AID)
        assert notice.issuer == "青田县社区矫正工作领导小组办公室"
        assert [(i.kind, i.overdue) for i in notice.items] == [
            ("例会议定事项", True), ("整改事项", False),
        ]  # fmt: skip
        with pytest.raises(UserError, match="没有逾期或即将到期"):
            reminders.reminder_notices(s, programme_id, day, "基层科")
        with pytest.raises(UserError, match="没有名为"):
            reminders.reminder_notices(s, programme_id, day, "不存在的科")
    db.close()


def _pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(str(path)).pages]


def test_cli_makes_the_reminder_pdf_of_a_unit(db_path, tmp_path, capsys):
    from app.cli import main

    seed(db_path)
    out = tmp_path / "催办单.pdf"
    args = ["--db", str(db_path), "reminders", "pdf", "--unit", AID, "--out", str(out),
            "--date", "2018-09-13"]  # fmt: skip
    assert main(args) == 0
    assert "已生成催办单 PDF" in capsys.readouterr().out
    (text,) = _pdf_pages(out)
    flat = text.replace("\n", "").replace(" ", "")
    assert "社区矫正大帮教工作催办单" in flat and f"{AID}：" in flat
    assert "走访结对司法所" in flat and "逾期34天" in flat  # due 08-10
    assert "台账照片不全" in flat and "还剩2天" in flat  # due 09-15
    assert "青田县社区矫正工作领导小组办公室" in flat and "2018年9月13日" in flat


def test_cli_all_units_make_a_page_per_unit(db_path, tmp_path):
    from app.cli import main

    seed(db_path)
    out = tmp_path / "all.pdf"
    args = ["--db", str(db_path), "reminders", "pdf", "--all", "--out", str(out),
            "--date", "2018-10-16"]  # fmt: skip
    assert main(args) == 0
    pages = _pdf_pages(out)
    db = open_database(str(db_path))
    with db.session() as s:
        units = reminders.units_to_remind(s, current_programme(s).id, date(2018, 10, 16))
    db.close()
    assert len(units) == 7 and len(pages) == len(units)  # every department's summary is late
    for unit, text in zip(units, pages, strict=True):
        assert f"{unit}：" in text.replace("\n", "")
        assert "青田县社区矫正工作领导小组办公室" in text.replace("\n", "").replace(" ", "")


def test_cli_refuses_in_chinese(db_path, tmp_path, capsys):
    from app.cli import main

    seed(db_path)
    out = tmp_path / "x.pdf"
    base = ["--db", str(db_path), "reminders", "pdf", "--out"]
    assert main([*base, str(out), "--unit", "基层科", "--date", "2018-07-01"]) == 2
    assert "无需催办" in capsys.readouterr().err and not out.exists()
    assert main([*base, str(tmp_path / "x.txt"), "--all"]) == 2
    assert "应以 .pdf 结尾" in capsys.readouterr().err
    assert main([*base, str(out), "--all", "--date", "2018-13-01"]) == 2
    assert "日期" in capsys.readouterr().err and not out.exists()


def test_a_departments_home_lists_only_its_own_items_not_the_countys_missed_meetings(tmp_path):
    from app.services.setup import initialise
    from tests.conftest import TEMPLATE_KEY

    day = date(2018, 9, 20)  # July and August have passed without a 例会
    lists = {}
    for unit in ("县矫正办", "法律援助中心"):
        database = initialise(str(tmp_path / f"{unit}.db"), TEMPLATE_KEY, unit).database
        with database.session() as s:
            items, _days = reminders.home_items(s, current_programme(s).id, day)
            lists[unit] = [(i.kind, i.unit) for i in items]
        database.close()
    assert ("月度例会", "县矫正办") in lists["县矫正办"]
    assert all(unit == "法律援助中心" for _kind, unit in lists["法律援助中心"])
