"""统计报表 in 首页's 待办与逾期, the 今日待办 panel and the 催办单: a report not sent is due soon
in the N days before its due day and overdue from the day after; a unit's overdue reports are
one line (how many, and the oldest)."""

from __future__ import annotations

from datetime import date

from app.services import overdue, reminders
from app.services.settings import current_programme
from tests.test_statistics_reports import AID, _september

SEPTEMBER = "2018年9月大帮教工作统计月报"


def _items(database, day: date, unit: str) -> list[tuple[str, bool, int]]:
    with database.session() as s:
        programme_id = current_programme(s).id
        return [
            (item.text, item.overdue, item.days_late)
            for item in reminders.reminder_items(s, programme_id, day, days=3)
            if item.kind == "统计报表" and item.unit == unit
        ]


def test_a_report_not_sent_is_due_soon_then_overdue(database):
    _september(database)  # a draft, not submitted
    assert (f"{SEPTEMBER}（草稿）尚未提交", False, 0) not in _items(
        database, date(2018, 10, 1), AID
    )
    assert (f"{SEPTEMBER}（草稿）尚未提交", False, 0) in _items(database, date(2018, 10, 3), AID)
    # 10-06: the 月报 of June to September and the second quarter's 季报 overdue, one line
    # from the oldest (June's, due 07-05)
    overdue_now = [i for i in _items(database, date(2018, 10, 6), AID) if i[1]]
    assert overdue_now == [("统计报表 5 份未报送，最早为2018年6月大帮教工作统计月报", True, 93)]
    with database.session() as s:
        programme_id = current_programme(s).id
        kinds = [i.kind for i in overdue.overdue_items(s, programme_id, date(2018, 7, 6))]
    assert kinds.count("统计报表") == 16  # June's 月报, one line for each unit that owes it
    only_june = [i for i in _items(database, date(2018, 7, 6), "律师管理科") if i[1]]
    assert only_june == [("2018年6月大帮教工作统计月报未报送", True, 1)]


def test_a_report_submitted_leaves_the_lists(database):
    _september(database, submitted_on=date(2018, 10, 4))
    due_soon = [t for t, late, _ in _items(database, date(2018, 10, 4), AID) if not late]
    assert all(SEPTEMBER not in t for t in due_soon)
    with database.session() as s:
        programme_id = current_programme(s).id
        (notice,) = reminders.reminder_notices(s, programme_id, date(2018, 10, 8), AID)
    texts = [i.text for i in notice.items if i.kind == "统计报表"]
    assert texts == [  # not September's: June to August and the second quarter
        "统计报表 4 份未报送，最早为2018年6月大帮教工作统计月报",
        "2018年第三季度大帮教工作统计季报尚未报送",  # due 10-10
    ]
