"""统计报表 in 首页's 待办与逾期, the 今日待办 panel and the 催办单: a report not sent is due soon
in the N days before its due day and overdue from the day after."""

from __future__ import annotations

from datetime import date

from app.services import overdue, reminders
from app.services.settings import current_programme
from tests.test_statistics_reports import AID, _september

SEPTEMBER = "2018年9月大帮教工作统计月报"


def _items(database, day: date, unit: str) -> list[tuple[str, str, bool, int]]:
    with database.session() as s:
        programme_id = current_programme(s).id
        return [
            (item.kind, item.text, item.overdue, item.days_late)
            for item in reminders.reminder_items(s, programme_id, day, days=3)
            if item.kind == "统计报表" and item.unit == unit and SEPTEMBER in item.text
        ]


def test_a_report_not_sent_is_due_soon_then_overdue_and_one_sent_is_neither(database):
    _september(database)  # a draft, not submitted
    assert _items(database, date(2018, 10, 1), AID) == []  # 4 days before: not yet
    assert _items(database, date(2018, 10, 3), AID) == [
        ("统计报表", f"{SEPTEMBER}（草稿）尚未提交", False, 0)
    ]
    assert _items(database, date(2018, 10, 6), AID) == [
        ("统计报表", f"{SEPTEMBER}（草稿）未提交", True, 1)
    ]
    assert _items(database, date(2018, 10, 6), "律师管理科") == [
        ("统计报表", f"{SEPTEMBER}未报送", True, 1)
    ]
    with database.session() as s:
        programme_id = current_programme(s).id
        kinds = {i.kind for i in overdue.overdue_items(s, programme_id, date(2018, 10, 6))}
    assert "统计报表" in kinds


def test_a_report_submitted_late_leaves_the_overdue_list(database):
    _september(database, submitted_on=date(2018, 10, 6))
    assert _items(database, date(2018, 10, 8), AID) == []
    with database.session() as s:
        programme_id = current_programme(s).id
        assert AID in reminders.units_to_remind(s, programme_id, date(2018, 10, 8))  # August's
        (notice,) = reminders.reminder_notices(s, programme_id, date(2018, 10, 8), AID)
    texts = [i.text for i in notice.items if i.kind == "统计报表"]
    assert texts and all(SEPTEMBER not in t for t in texts)
    assert "2018年8月大帮教工作统计月报未报送" in texts
