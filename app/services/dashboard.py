"""首页 at a glance: the goals against target, the current phase and the next deadline, each
department's indicator progress against the time gone, what is overdue, the latest entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import EntryKind, LedgerEntry, Phase, Programme, Unit, UnitKind
from app.services.goals import GoalFigure, departments, goal_figures
from app.services.overdue import OverdueItem, overdue_items
from app.services.period import ProgrammePeriod, programme_period
from app.services.progress import department_progress, indicator_progress, pace_status
from app.services.settings import local_unit
from app.services.unit_scope import seen_unit_id

if TYPE_CHECKING:
    from app.services.reminders import ReminderItem

LATEST = 12


@dataclass(frozen=True)
class DepartmentBar:
    """A department's weighted completion and its colour against the time gone."""

    unit_id: int
    name: str
    completion: float
    indicators: int
    met: int
    status: str  # "green" | "amber" | "red"


@dataclass(frozen=True)
class LatestEntry:
    """A recent ledger entry."""

    entry_id: int
    entry_date: date
    unit: str
    kind: str
    title: str


@dataclass(frozen=True)
class Deadline:
    """The next phase deadline and what is due."""

    due: date
    task: str
    phase: str

    def days_from(self, today: date) -> int:
        """Days left (negative once past)."""
        return (self.due - today).days


@dataclass
class Dashboard:
    """What 首页 shows."""

    programme_title: str
    today: date
    year_elapsed: float
    phase: str
    next_deadline: Deadline | None
    goals: list[GoalFigure]
    bars: list[DepartmentBar]
    overdue: list[OverdueItem]
    latest: list[LatestEntry]
    whole_county: bool = True
    period: ProgrammePeriod | None = None
    ended: bool = False  # the programme is over: figures and overdue items are at its end
    as_of: date | None = None  # the day the figures are taken at (today within the period)


def _phase_and_deadline(
    session: Session, programme_id: int, today: date
) -> tuple[str, Deadline | None]:
    phases = session.scalars(
        select(Phase).where(Phase.programme_id == programme_id, Phase.deleted.is_(False))
        .order_by(Phase.sort_order)
    ).all()  # fmt: skip
    current = next((p.name for p in phases if p.start_date <= today <= p.end_date), "")
    if not current and phases:
        current = "尚未开始" if today < phases[0].start_date else "已结束"
    upcoming = sorted(
        ((p.deadline, p) for p in phases if p.deadline and p.deadline >= today), key=lambda d: d[0]
    )
    if upcoming:
        deadline, p = upcoming[0]
        return current, Deadline(deadline, p.deadline_task or f"“{p.name}”阶段截止", p.name)
    return current, None


def latest_entries(
    session: Session, today: date, limit: int = LATEST, programme_id: int | None = None
) -> list[LatestEntry]:
    """The newest live entries up to ``today``, by date (then by when they were recorded);
    with ``programme_id``, only those its period holds (``programme.entry_window``)."""
    from app.services.programme import entry_window

    window = entry_window(session, programme_id)
    if window is not None:
        today = min(today, window[1])
    first = window[0] if window is not None else date.min
    query = (
        select(LedgerEntry.id, LedgerEntry.entry_date, Unit.name, EntryKind.name, LedgerEntry.title)
        .join(Unit, Unit.id == LedgerEntry.owner_unit_id)
        .join(EntryKind, EntryKind.id == LedgerEntry.kind_id)
        .where(LedgerEntry.deleted.is_(False), LedgerEntry.entry_date.between(first, today))
    )
    seen = seen_unit_id(session)  # a department's user on a shared database: its own only
    if seen is not None:
        query = query.where(LedgerEntry.owner_unit_id == seen)
    rows = session.execute(
        query.order_by(LedgerEntry.entry_date.desc(), LedgerEntry.id.desc()).limit(limit)
    ).all()
    return [LatestEntry(*row) for row in rows]


def build_dashboard(
    session: Session, programme_id: int, today: date, *, with_overdue: bool = True
) -> Dashboard:
    """Everything 首页 shows, as of ``today`` (``overdue`` left empty without
    ``with_overdue``: 首页 lists them from ``reminders.home_items``, with the due-soon ones).

    On a PC of the county (or the city) every department is shown. A department's or judicial
    office's PC holds only its own ledger, so there the bars and the overdue list are its own
    (and the meetings'); the goal figures are the county's to state (``whole_county`` False).
    The figures are taken at ``today`` moved into the programme's period: a programme that is
    over (``ended``) shows its state on its last day, never days counted by the PC's clock.
    """
    programme = session.get_one(Programme, programme_id)
    here = local_unit(session)
    whole_county = here is None or here.kind in (UnitKind.COUNTY_OFFICE, UnitKind.CITY_OFFICE)
    period = programme_period(session, programme_id)
    as_of = period.as_of(today)
    elapsed = period.elapsed(as_of)
    progress = {p.department_id: p for p in department_progress(
        session, programme_id, as_of, indicator_progress(session, programme_id, as_of))}  # fmt: skip
    bars = []
    for department in departments(session):
        if not whole_county and here is not None and department.id != here.id:
            continue
        done = progress.get(department.id)
        completion = done.completion if done else 0.0
        bars.append(DepartmentBar(department.id, department.name, completion,
                                  done.indicators if done else 0, done.indicators_met if done else 0,
                                  pace_status(completion, elapsed)))  # fmt: skip
    overdue = overdue_items(session, programme_id, period.closing(today)) if with_overdue else []
    if not whole_county and here is not None:
        overdue = [i for i in overdue if i.unit == here.name or i.kind == "月度例会"]
    phase, deadline = _phase_and_deadline(session, programme_id, today)
    return Dashboard(
        programme.title, today, elapsed, phase, deadline, goal_figures(session, programme_id, as_of),
        bars, overdue, latest_entries(session, today, programme_id=programme_id), whole_county, period, period.ended(today),
        as_of,
    )  # fmt: skip


@dataclass(frozen=True)
class HomeData:
    """What 首页 shows for a programme on a day: the dashboard (without its overdue list) and
    the 待办与逾期 list with its N days (``reminders.home_items``)."""

    programme_id: int
    today: date
    dashboard: Dashboard
    items: list[ReminderItem]
    due_soon_days: int


def home_data(session: Session, programme_id: int, today: date) -> HomeData:
    """Everything 首页 shows for ``programme_id`` as of ``today``, read in one session."""
    from app.services.reminders import home_items

    board = build_dashboard(session, programme_id, today, with_overdue=False)
    items, days = home_items(session, programme_id, today)
    return HomeData(programme_id, today, board, items, days)
