"""The programme's goals (方案第二部分) with the county's actual figures.

Each goal names a metric; the actual value is computed from the records:
participation rate (departments with at least one ledger entry in the year), agreement signing
rate, innovation brands created (status 已创建), and pairing coverage (departments paired with an office).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Brand, BrandStatus, Goal, GoalMetric, LedgerEntry, Pairing, Unit, UnitKind
from app.services.agreements import signing_rate
from app.services.progress import programme_window


@dataclass(frozen=True)
class GoalFigure:
    """A goal, its target and the actual figure (``done`` of ``out_of`` for rates)."""

    title: str
    metric: GoalMetric
    target_min: float
    target_max: float | None
    measure_unit: str
    actual: float
    done: int
    out_of: int | None

    @property
    def met(self) -> bool:
        """True when the actual figure reaches the target."""
        return self.actual >= self.target_min

    @property
    def target_text(self) -> str:
        """The target as the plan states it: 100%, 1–2 个…"""
        low = f"{self.target_min:g}"
        if self.target_max is not None and self.target_max != self.target_min:
            return f"{low}–{self.target_max:g}{self.measure_unit}"
        return f"{low}{self.measure_unit}"

    @property
    def actual_text(self) -> str:
        """The actual figure, with the count behind a rate."""
        if self.out_of is not None:
            return f"{self.actual:.0f}{self.measure_unit}（{self.done}/{self.out_of}）"
        return f"{self.actual:g}{self.measure_unit}"


def departments(session: Session) -> list[Unit]:
    """The bureau's departments (局科室), in display order: they sign, report and are scored."""
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.kind == UnitKind.DEPARTMENT, Unit.deleted.is_(False))
            .order_by(Unit.sort_order, Unit.id)
        )
    )


def goal_figures(
    session: Session, programme_id: int, as_of: date | None = None
) -> list[GoalFigure]:
    """Every goal of the programme with its actual figure up to ``as_of``."""
    deps = [d.id for d in departments(session)]
    first, last = programme_window(session, programme_id, as_of)
    active = {  # one indexed probe per department instead of a scan of the year's entries
        department
        for department in deps
        if session.scalar(
            select(LedgerEntry.id)
            .where(LedgerEntry.owner_unit_id == department, LedgerEntry.deleted.is_(False),
                   LedgerEntry.entry_date.between(first, last))
            .limit(1)
        ) is not None
    }  # fmt: skip
    paired = set(
        session.scalars(
            select(Pairing.department_id)
            .where(Pairing.programme_id == programme_id, Pairing.deleted.is_(False),
                   Pairing.department_id.in_(deps))
            .distinct()
        )
    )  # fmt: skip
    brands = session.scalar(
        select(func.count()).select_from(Brand)
        .where(Brand.deleted.is_(False), Brand.programme_id == programme_id,
               Brand.status == BrandStatus.CREATED)
    ) or 0  # fmt: skip
    signing = signing_rate(session, programme_id)
    counts: dict[GoalMetric, tuple[int, int | None]] = {
        GoalMetric.PARTICIPATION_RATE: (len(active), len(deps)),
        GoalMetric.SIGNING_RATE: (signing.signed, signing.required),
        GoalMetric.BRAND_COUNT: (brands, None),
        GoalMetric.PAIRING_COVERAGE: (len(paired), len(deps)),
    }
    goals = session.scalars(
        select(Goal)
        .where(Goal.programme_id == programme_id, Goal.deleted.is_(False))
        .order_by(Goal.sort_order)
    )
    result = []
    for goal in goals:
        done, out_of = counts[goal.metric]
        actual = float(done) if out_of is None else (100.0 * done / out_of if out_of else 0.0)
        result.append(GoalFigure(goal.title, goal.metric, goal.target_min, goal.target_max,
                                 goal.measure_unit, actual, done, out_of))  # fmt: skip
    return result
