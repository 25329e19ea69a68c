"""Indicator actuals computed from the ledger, and each department's progress.

An indicator counts the ledger entries of its kind owned by its duty's department within the
programme's assessment period (``count``), or sums one of their fields (``sum``). A ``manual``
indicator's actual is its latest value recorded on or before the date (``app.services.manual_values``),
0 until one is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.models import (
    Duty,
    EntryVerification,
    Indicator,
    IndicatorMeasure,
    LedgerEntry,
    Unit,
    VerificationStatus,
)
from app.services.manual_values import latest_values
from app.services.period import programme_period

COLUMN_FIELDS = ("subjects_served",)


@dataclass(frozen=True)
class IndicatorProgress:
    """An indicator's target and the actual value the ledger gives it."""

    indicator_id: int
    duty_id: int
    department_id: int
    name: str
    measure_unit: str
    target: float
    weight: float
    measure: IndicatorMeasure
    actual: float | None

    @property
    def ratio(self) -> float | None:
        """Actual over target (uncapped), None when not computable."""
        if self.actual is None:
            return None
        if self.target <= 0:
            return 1.0
        return self.actual / self.target


@dataclass(frozen=True)
class DepartmentProgress:
    """A department's weighted completion: Σ weight × min(actual/target, 1) / Σ weight."""

    department_id: int
    name: str
    completion: float
    indicators: int
    indicators_met: int


def programme_window(
    session: Session, programme_id: int, as_of: date | None = None
) -> tuple[date, date]:
    """The dates whose entries count: the programme's assessment period, up to ``as_of`` if
    given."""
    period = programme_period(session, programme_id)
    start, end = period.assessment_start, period.assessment_end
    if as_of is not None and as_of < end:
        end = as_of
    return start, end


def indicator_progress(
    session: Session, programme_id: int, as_of: date | None = None
) -> list[IndicatorProgress]:
    """Every live indicator of the programme with its actual value, in plan order."""
    indicators = session.execute(
        select(Indicator, Duty.department_id)
        .join(Duty, Indicator.duty_id == Duty.id)
        .join(Unit, Duty.department_id == Unit.id)
        .where(
            Duty.programme_id == programme_id, Duty.deleted.is_(False), Indicator.deleted.is_(False)
        )
        .order_by(Unit.sort_order, Duty.sort_order, Indicator.sort_order)
    ).all()
    computed = [
        (i, dep)
        for i, dep in indicators
        if i.measure != IndicatorMeasure.MANUAL and i.entry_kind_id is not None
    ]
    start, end = programme_window(session, programme_id, as_of)
    window = [
        LedgerEntry.entry_date.between(start, end),
        LedgerEntry.owner_unit_id.in_(sorted({dep for _, dep in computed})),
        LedgerEntry.kind_id.in_(sorted({i.entry_kind_id for i, _ in computed})),
    ]

    def grouped(*extra: ColumnElement[bool]) -> dict[tuple[int | None, int], tuple[int, int]]:
        query = (
            select(
                LedgerEntry.owner_unit_id,
                LedgerEntry.kind_id,
                func.count(),
                func.sum(LedgerEntry.subjects_served),
            )
            .where(*window, *extra)
            .group_by(LedgerEntry.owner_unit_id, LedgerEntry.kind_id)
        )
        return {
            (owner, kind): (n, served or 0) for owner, kind, n, served in session.execute(query)
        }

    # All rows from the covering index, minus the deleted ones from their small partial index:
    # far quicker than reading every row to test ``deleted``.
    totals: dict[tuple[int | None, int], tuple[int, int]] = {}
    if computed:
        dead = grouped(LedgerEntry.deleted.is_(True))
        for key, (n, served) in grouped().items():
            dead_n, dead_served = dead.get(key, (0, 0))
            totals[key] = (n - dead_n, served - dead_served)

    def verified(department_id: int, kind_id: int) -> tuple[int, int]:
        """Count and subjects served of the entries the county marked 已核实 (the few
        indicators whose scheme counts only those)."""
        row = session.execute(
            select(func.count(), func.sum(LedgerEntry.subjects_served))
            .join(EntryVerification, EntryVerification.entry_id == LedgerEntry.id)
            .where(
                *window,
                LedgerEntry.deleted.is_(False),
                LedgerEntry.owner_unit_id == department_id,
                LedgerEntry.kind_id == kind_id,
                EntryVerification.status == VerificationStatus.VERIFIED,
                EntryVerification.deleted.is_(False),
            )
        ).one()
        return int(row[0] or 0), int(row[1] or 0)

    def field_sum(department_id: int, kind_id: int, field: str, verified_only: bool) -> float:
        query = select(func.sum(LedgerEntry.values[field].as_float())).where(
            LedgerEntry.deleted.is_(False),
            LedgerEntry.entry_date.between(start, end),
            LedgerEntry.owner_unit_id == department_id,
            LedgerEntry.kind_id == kind_id,
        )
        if verified_only:  # only what the county marked 已核实, as the count above
            query = query.join(
                EntryVerification, EntryVerification.entry_id == LedgerEntry.id
            ).where(
                EntryVerification.status == VerificationStatus.VERIFIED,
                EntryVerification.deleted.is_(False),
            )
        return float(session.scalar(query) or 0)

    manual = latest_values(
        session, [i.id for i, _ in indicators if i.measure == IndicatorMeasure.MANUAL], end
    )
    out = []
    for indicator, department_id in indicators:
        actual: float | None = None
        if indicator.measure == IndicatorMeasure.MANUAL:
            found = manual.get(indicator.id)
            actual = found.value if found is not None else 0.0
        elif indicator.entry_kind_id is not None:
            n, served = (
                verified(department_id, indicator.entry_kind_id)
                if indicator.verified_only
                else totals.get((department_id, indicator.entry_kind_id), (0, 0))
            )
            if indicator.measure == IndicatorMeasure.COUNT:
                actual = float(n)
            elif indicator.sum_field in COLUMN_FIELDS:
                actual = float(served)
            else:
                actual = (
                    field_sum(
                        department_id,
                        indicator.entry_kind_id,
                        indicator.sum_field,
                        indicator.verified_only,
                    )
                    if n
                    else 0.0
                )
        out.append(
            IndicatorProgress(
                indicator.id,
                indicator.duty_id,
                department_id,
                indicator.name,
                indicator.measure_unit,
                indicator.annual_target,
                indicator.weight,
                indicator.measure,
                actual,
            )
        )
    return out


def department_progress(
    session: Session,
    programme_id: int,
    as_of: date | None = None,
    items: list[IndicatorProgress] | None = None,
) -> list[DepartmentProgress]:
    """Each department with indicators, in display order, with its weighted completion."""
    items = items if items is not None else indicator_progress(session, programme_id, as_of)
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    order: list[int] = []
    grouped: dict[int, list[IndicatorProgress]] = {}
    for item in items:
        if item.department_id not in grouped:
            order.append(item.department_id)
        grouped.setdefault(item.department_id, []).append(item)
    result = []
    for department_id in order:
        group = [(i, r) for i in grouped[department_id] if (r := i.ratio) is not None]
        weight = sum(i.weight for i, _ in group)
        completion = sum(i.weight * min(r, 1.0) for i, r in group) / weight if weight else 0.0
        met = sum(1 for _, r in group if r >= 1.0)
        result.append(
            DepartmentProgress(
                department_id, names[department_id], completion, len(grouped[department_id]), met
            )
        )
    return result


def pace_status(completion: float, elapsed: float) -> str:
    """ "green" when completion keeps up with the time gone, "amber" within 80% of it, else
    "red" (the colours of 首页 and of the bulletin)."""
    if elapsed <= 0 or completion >= elapsed:
        return "green"
    return "amber" if completion >= 0.8 * elapsed else "red"
