"""Reminders: what is overdue (red) and what falls due within N days (amber, N a local setting),
for 首页's 待办与逾期 list, the 今日待办 panel shown on opening and the 催办单 PDF per unit.

"Due soon" mirrors :mod:`app.services.overdue`: a phase summary or a statistics report not yet
sent before its deadline, a rectification item not rectified before its deadline, an open meeting decision
before its due date, and this month's meeting not yet held (due on the month's last day). An
item is due soon from N days before its deadline through the deadline day itself; the day after
it is overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Phase, Unit, UnitKind
from app.services.errors import UserError
from app.services.overdue import OverdueItem, overdue_items
from app.services.settings import get_setting, set_setting

DUE_SOON_DAYS = "reminder_due_soon_days"
DISMISSED_ON = "reminder_dismissed_on"
DEFAULT_DUE_SOON_DAYS = 3
MAX_DUE_SOON_DAYS = 60
WHOLE_COUNTY = (UnitKind.COUNTY_OFFICE, UnitKind.CITY_OFFICE)
KIND_ORDER = {"阶段总结": 0, "统计报表": 1, "整改事项": 2, "例会议定事项": 3, "月度例会": 4}


@dataclass(frozen=True)
class ReminderItem:
    """An overdue or due-soon item: what, whose, its deadline; ``section`` and ``record_id``
    lead to it (as :class:`~app.services.overdue.OverdueItem`)."""

    kind: str
    unit: str
    text: str
    due: date | None
    days_late: int  # > 0 overdue; 0 otherwise
    days_left: int  # days until the deadline (0 on the deadline day); 0 when overdue
    overdue: bool
    section: str
    record_id: int | None = None
    unit_id: int | None = None

    @property
    def status(self) -> str:
        """逾期 N 天 / 逾期 / 今天到期 / 还剩 N 天."""
        if self.overdue:
            return f"逾期 {self.days_late} 天" if self.days_late else "逾期"
        return "今天到期" if self.days_left == 0 else f"还剩 {self.days_left} 天"

    @property
    def colour(self) -> str:
        """Red when overdue, amber when due soon."""
        return "red" if self.overdue else "amber"


# ---------------------------------------------------------------- the setting
def due_soon_days(session: Session) -> int:
    """N: items due within this many days are shown as due soon (default 3)."""
    value = get_setting(session, DUE_SOON_DAYS)
    try:
        days = int(value) if value is not None else DEFAULT_DUE_SOON_DAYS
    except ValueError:
        return DEFAULT_DUE_SOON_DAYS
    return min(max(days, 0), MAX_DUE_SOON_DAYS)


def set_due_soon_days(session: Session, days: int) -> None:
    """Store N (a setting of this PC: 管理员); refused in Chinese outside 0…60."""
    from app.services.accounts import require

    require(session, "settings.manage")
    if not 0 <= days <= MAX_DUE_SOON_DAYS:
        raise UserError(f"提前提醒天数应在 0 至 {MAX_DUE_SOON_DAYS} 天之间。")
    set_setting(session, DUE_SOON_DAYS, str(days))


def dismissed_today(session: Session, today: date) -> bool:
    """Whether 今日不再提示 was chosen on ``today``."""
    return get_setting(session, DISMISSED_ON) == today.isoformat()


def dismiss_for_today(session: Session, today: date) -> None:
    """今日不再提示: no 今日待办 panel again until the next day."""
    set_setting(session, DISMISSED_ON, today.isoformat())


# ---------------------------------------------------------------- the items
def programme_day(session: Session, programme_id: int, today: date) -> date:
    """``today`` as the programme's period sees it (``ProgrammePeriod.closing``): within the
    period (or before it) as it is, the day after its last day once it is over — a 2018
    programme opened in 2026 shows what was still undone when it closed."""
    from app.services.period import programme_period

    return programme_period(session, programme_id).closing(today)


def _soon(due: date, today: date, days: int) -> bool:
    return 0 <= (due - today).days <= days


def _item(kind: str, unit: str, text: str, due: date, today: date, section: str,
          record_id: int | None, unit_id: int | None = None) -> ReminderItem:  # fmt: skip
    return ReminderItem(kind, unit, text, due, 0, (due - today).days, False, section, record_id,
                        unit_id)  # fmt: skip


def _summaries_due(
    session: Session, programme_id: int, today: date, days: int
) -> list[ReminderItem]:
    from app.services.summaries import summary_rows

    found = []
    phases = session.scalars(
        select(Phase).where(Phase.programme_id == programme_id, Phase.deleted.is_(False),
                            Phase.deadline >= today).order_by(Phase.sort_order)
    ).all()  # fmt: skip
    for phase in phases:
        for row in summary_rows(session, programme_id, phase.id):
            if row.deadline is None or not _soon(row.deadline, today, days):
                continue
            # waiting: not sent (none, draft or returned) — overdue() on the day after says so
            waiting = row.overdue(row.deadline + timedelta(days=1))
            if waiting:
                found.append(_item("阶段总结", row.department,
                                   f"“{phase.name}”阶段总结{row.status_label}，尚未报送",
                                   row.deadline, today, "summaries", row.summary_id,
                                   row.department_id))  # fmt: skip
    return found


def _statistics_due(
    session: Session, programme_id: int, today: date, days: int
) -> list[ReminderItem]:
    from app.services.statistics_reports import all_rows

    found = []
    for row in all_rows(session, programme_id, today):
        # waiting: not sent (none or a draft) — overdue() on the day after says so
        if _soon(row.due_on, today, days) and row.overdue(row.due_on + timedelta(days=1)):
            waiting = "（草稿）尚未提交" if row.report_id else "尚未报送"
            found.append(_item("统计报表", row.unit, f"{row.period.label}{row.form_name}{waiting}",
                               row.due_on, today, "statistics", row.report_id, row.unit_id))  # fmt: skip
    return found


def _rectifications_due(session: Session, programme_id: int, today: date, days: int) -> list[ReminderItem]:  # fmt: skip
    from app.services.inspections import all_items

    return [
        _item(
            "整改事项",
            item.responsible_unit,
            item.finding,
            item.deadline,
            today,
            "inspections",
            item.id,
            item.responsible_unit_id,
        )
        for item in all_items(session, programme_id)
        if _soon(item.deadline, today, days)
        and item.overdue(item.deadline + timedelta(days=1))  # still open
    ]


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _meetings_due(session: Session, programme_id: int, today: date, days: int) -> list[ReminderItem]:  # fmt: skip
    from app.services import meetings

    found = []
    end = _month_end(today)
    if _soon(end, today, days):
        # this month counts once it is over: ask as of the first day of the next month
        missing = meetings.missing_months(session, programme_id, end + timedelta(days=1))
        if today.replace(day=1) in missing:
            found.append(_item("月度例会", "县矫正办",
                               f"{today.year}年{today.month}月中层干部例会尚未召开", end, today,
                               "meetings", None))  # fmt: skip
    for decision in meetings.open_decisions(session, today, programme_id):
        if decision.due_date is not None and _soon(decision.due_date, today, days):
            found.append(_item("例会议定事项", decision.responsible, decision.text,
                               decision.due_date, today, "meetings", decision.id))  # fmt: skip
    return found


def _from_overdue(item: OverdueItem) -> ReminderItem:
    return ReminderItem(item.kind, item.unit, item.text, item.due, item.days_late, 0, True,
                        item.section, item.record_id, item.unit_id)  # fmt: skip


def due_soon_items(
    session: Session, programme_id: int, today: date, days: int | None = None
) -> list[ReminderItem]:
    """Items falling due from ``today`` through ``today`` + N days (N: the setting unless
    ``days`` is given), soonest first within each kind."""
    n = due_soon_days(session) if days is None else days
    found = [
        *_summaries_due(session, programme_id, today, n),
        *_statistics_due(session, programme_id, today, n),
        *_rectifications_due(session, programme_id, today, n),
        *_meetings_due(session, programme_id, today, n),
    ]
    return sorted(found, key=lambda i: (KIND_ORDER.get(i.kind, 9), i.days_left, i.unit))


def reminder_items(
    session: Session, programme_id: int, today: date, days: int | None = None
) -> list[ReminderItem]:
    """Every overdue item (red, longest overdue first) then every due-soon item (amber,
    soonest first), as of ``today``."""
    overdue = [_from_overdue(i) for i in overdue_items(session, programme_id, today)]
    return overdue + due_soon_items(session, programme_id, today, days)


def items_for_unit(items: list[ReminderItem], unit: Unit | None) -> list[ReminderItem]:
    """What a PC of ``unit`` is reminded of: everything on the county's (or city's) PC, else
    its own unit's items."""
    if unit is None or unit.kind in WHOLE_COUNTY:
        return items
    return [i for i in items if i.unit == unit.name]


def home_items(session: Session, programme_id: int, today: date) -> tuple[list[ReminderItem], int]:
    """首页's 待办与逾期 as of ``today`` (moved into the programme's year) and N: every item on the
    county's PC; on a department's or office's only its own items (a missed 例会 is the county
    office's to hold, not theirs)."""
    from app.services.settings import local_unit

    day = programme_day(session, programme_id, today)
    items = items_for_unit(reminder_items(session, programme_id, day), local_unit(session))
    return items, due_soon_days(session)


def todo_for_pc(session: Session, today: date) -> list[ReminderItem]:
    """The 今日待办 of this PC: its unit's overdue and due-soon items in the current programme
    as of ``today`` (moved into the programme's year); empty without a programme."""
    from app.services.period import programme_period
    from app.services.settings import current_programme, local_unit

    programme = current_programme(session)
    if programme is None or programme_period(session, programme.id).ended(today):
        return []  # nothing to do today in a year that is over: 首页 says what was left undone
    day = programme_day(session, programme.id, today)
    return items_for_unit(reminder_items(session, programme.id, day), local_unit(session))


# ---------------------------------------------------------------- the 催办单
@dataclass(frozen=True)
class ReminderNotice:
    """One unit's 催办单: its items, the issuer's full name, the date its items are judged at
    (``as_of``: the programme's close once it is over) and the document's own date (the day
    it is printed)."""

    unit: str
    items: list[ReminderItem]
    issuer: str
    as_of: date
    issued_on: date | None = None  # None: as_of

    @property
    def document_date(self) -> date:
        """The 落款's date: the day the notice is issued."""
        return self.issued_on or self.as_of


def _county_office(session: Session) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.kind == UnitKind.COUNTY_OFFICE))


def _reminded(session: Session, items: list[ReminderItem]) -> dict[str, list[ReminderItem]]:
    """Items by unit, in the order units first appear, without the county office's own."""
    own = {"县矫正办"} | {
        u.name for u in session.scalars(select(Unit).where(Unit.kind.in_(WHOLE_COUNTY)))
    }
    grouped: dict[str, list[ReminderItem]] = {}
    for item in items:
        if item.unit and item.unit not in own:
            grouped.setdefault(item.unit, []).append(item)
    return grouped


def units_to_remind(session: Session, programme_id: int, today: date) -> list[str]:
    """The units (names) with overdue or due-soon items as of ``today``, the county office's
    own items left out (it issues the 催办单)."""
    return sorted(_reminded(session, reminder_items(session, programme_id, today)))


def reminder_notices(
    session: Session,
    programme_id: int,
    today: date,
    unit: str | None = None,
    issued_on: date | None = None,
) -> list[ReminderNotice]:
    """The 催办单 of ``unit`` (a name), or of every unit with items when None, its items
    judged at ``today`` (``programme_day``) and dated ``issued_on`` (the PC's date: a notice
    printed after the year ended bears the day it is printed, not the day after the close);
    refused in Chinese for an unknown unit or one with nothing to remind."""
    from app.services.summary_reports import full_name

    grouped = _reminded(session, reminder_items(session, programme_id, today))
    if unit is not None:
        if session.scalar(select(Unit.id).where(Unit.name == unit)) is None:
            raise UserError(f"没有名为“{unit}”的单位。")
        if unit not in grouped:
            raise UserError(f"“{unit}”截至{today:%Y-%m-%d}没有逾期或即将到期的事项，无需催办。")
        names = [unit]
    else:
        names = sorted(grouped)
        if not names:
            raise UserError(f"截至{today:%Y-%m-%d}各单位都没有逾期或即将到期的事项，无需催办。")
    county = _county_office(session)
    issuer = full_name(session, programme_id, county) or "县矫正办"
    return [ReminderNotice(name, grouped[name], issuer, today, issued_on) for name in names]
