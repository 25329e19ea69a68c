"""The programme's goals, for the home page and later the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models import Duty, Goal, GoalMetric, Indicator, Pairing, Unit, UnitKind


@dataclass(frozen=True)
class GoalRow:
    """A goal with its target as text."""

    id: int
    metric: GoalMetric
    title: str
    target_text: str


@dataclass(frozen=True)
class ProgrammeCounts:
    """How much reference data a programme holds."""

    departments: int
    offices: int
    pairings: int
    duties: int
    indicators: int


def _figure(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def list_goals(session: Session, programme_id: int) -> list[GoalRow]:
    """The programme's goals in order, with their targets written out."""
    query = (
        select(Goal)
        .where(Goal.programme_id == programme_id, Goal.deleted.is_(False))
        .order_by(Goal.sort_order)
    )
    rows = []
    for goal in session.scalars(query):
        target = _figure(goal.target_min)
        if goal.target_max is not None and goal.target_max != goal.target_min:
            target += f"–{_figure(goal.target_max)}"
        rows.append(GoalRow(goal.id, goal.metric, goal.title, f"{target}{goal.measure_unit}"))
    return rows


def programme_counts(session: Session, programme_id: int) -> ProgrammeCounts:
    """Counts of live departments, offices, pairings, duties and indicators."""

    def count(query: Select[int]) -> int:
        return session.scalar(query) or 0

    def units(kind: UnitKind) -> int:
        return count(select(func.count()).where(Unit.kind == kind, Unit.deleted.is_(False)))

    live_duty = (Duty.programme_id == programme_id, Duty.deleted.is_(False))
    return ProgrammeCounts(
        departments=units(UnitKind.DEPARTMENT),
        offices=units(UnitKind.JUDICIAL_OFFICE),
        pairings=count(
            select(func.count()).where(
                Pairing.programme_id == programme_id, Pairing.deleted.is_(False)
            )
        ),
        duties=count(select(func.count()).select_from(Duty).where(*live_duty)),
        indicators=count(
            select(func.count())
            .select_from(Indicator)
            .join(Duty, Indicator.duty_id == Duty.id)
            .where(*live_duty, Indicator.deleted.is_(False))
        ),
    )
