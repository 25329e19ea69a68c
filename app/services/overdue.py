"""Everything overdue as of a date, in one list for the dashboard and the bulletin: phase
summaries not sent by their deadline, statistics reports (月报/季报) not sent by their due day,
rectification items past their deadline, months without a meeting, and meeting decisions past
their due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Phase


@dataclass(frozen=True)
class OverdueItem:
    """One overdue thing: what, whose, since when; ``section`` and ``record_id`` lead to it."""

    kind: str
    unit: str
    text: str
    due: date | None
    days_late: int
    section: str
    record_id: int | None = None
    unit_id: int | None = None


def _summaries(session: Session, programme_id: int, as_of: date) -> list[OverdueItem]:
    from app.services.summaries import summary_rows

    found = []
    phases = session.scalars(
        select(Phase).where(Phase.programme_id == programme_id, Phase.deleted.is_(False),
                            Phase.deadline < as_of).order_by(Phase.sort_order)
    ).all()  # fmt: skip
    for phase in phases:
        for row in summary_rows(session, programme_id, phase.id):
            if row.overdue(as_of) and row.deadline is not None:  # overdue: it has one
                found.append(OverdueItem(
                    "阶段总结", row.department, f"“{phase.name}”阶段总结{row.status_label}，未报送",
                    row.deadline, (as_of - row.deadline).days, "summaries", row.summary_id,
                    row.department_id,
                ))  # fmt: skip
    return found


def _statistics(session: Session, programme_id: int, as_of: date) -> list[OverdueItem]:
    """One item per unit: its one overdue report, or how many and the oldest (a PC set up late
    in the year would otherwise list a line for every month gone by)."""
    from app.services.statistics_reports import ReportRow, all_rows

    by_unit: dict[int, list[ReportRow]] = {}
    for row in all_rows(session, programme_id, as_of):
        if row.overdue(as_of):
            by_unit.setdefault(row.unit_id, []).append(row)
    found = []
    for rows in by_unit.values():
        oldest = min(rows, key=lambda r: r.due_on)
        name = f"{oldest.period.label}{oldest.form_name}"
        text = name + ("（草稿）未提交" if oldest.report_id else "未报送")
        if len(rows) > 1:
            text = f"统计报表 {len(rows)} 份未报送，最早为{name}"
        found.append(OverdueItem(
            "统计报表", oldest.unit, text, oldest.due_on, (as_of - oldest.due_on).days,
            "statistics", oldest.report_id if len(rows) == 1 else None, oldest.unit_id,
        ))  # fmt: skip
    return found


def _rectifications(session: Session, programme_id: int, as_of: date) -> list[OverdueItem]:
    from app.services.inspections import overdue_items as overdue_rectifications

    return [
        OverdueItem(
            "整改事项",
            item.responsible_unit,
            item.finding,
            item.deadline,
            (as_of - item.deadline).days,
            "inspections",
            item.id,
        )
        for item in overdue_rectifications(session, as_of, programme_id)
    ]


def _meetings(session: Session, programme_id: int, as_of: date) -> list[OverdueItem]:
    from app.services import meetings

    found = [
        OverdueItem(
            "月度例会",
            "县矫正办",
            f"{month.year}年{month.month}月未召开中层干部例会",
            None,
            0,
            "meetings",
        )
        for month in meetings.missing_months(session, programme_id, as_of)
    ]
    for decision in meetings.open_decisions(session, as_of, programme_id):
        if decision.due_date is not None and decision.due_date < as_of:
            found.append(OverdueItem("例会议定事项", decision.responsible, decision.text,
                                     decision.due_date, (as_of - decision.due_date).days, "meetings",
                                     decision.id))  # fmt: skip
    return found


def overdue_items(session: Session, programme_id: int, as_of: date) -> list[OverdueItem]:
    """Every overdue item as of ``as_of``, the longest overdue first within each kind."""
    found = [
        *_summaries(session, programme_id, as_of),
        *_statistics(session, programme_id, as_of),
        *_rectifications(session, programme_id, as_of),
        *_meetings(session, programme_id, as_of),
    ]
    order = {"阶段总结": 0, "统计报表": 1, "整改事项": 2, "例会议定事项": 3, "月度例会": 4}
    return sorted(found, key=lambda i: (order.get(i.kind, 9), -i.days_late, i.unit))
