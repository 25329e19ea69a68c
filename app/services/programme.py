"""The programme's goals and counts, the list of programmes, and starting the next year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from app.models import (
    AgreementTemplate,
    AssessmentScheme,
    Duty,
    Goal,
    GoalMetric,
    Indicator,
    Pairing,
    Phase,
    Programme,
    Unit,
    UnitKind,
)
from app.services.errors import UserError, ValidationError
from app.services.settings import CURRENT_PROGRAMME, current_programme, local_unit, set_setting


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


# ---------------------------------------------------------------- next year


def _shift(day: date, years: int) -> date:
    """``day`` moved by whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _shift_or_none(day: date | None, years: int) -> date | None:
    return None if day is None else _shift(day, years)


def _copy_rows(
    session: Session,
    model: type[Any],
    rows: Sequence[Any],
    owner_unit_id: int | None,
    **changes: Any,
) -> dict[int, Any]:
    """Copies of ``rows`` (their own columns, new identity), keyed by the source row's id."""
    skip = {"id", "uuid", "created_at", "updated_at", "revision", "deleted", "owner_unit_id"}
    columns = [c.key for c in sa_inspect(model).column_attrs if c.key not in skip]
    copies: dict[int, Any] = {}
    for row in rows:
        values = {key: getattr(row, key) for key in columns}
        values.update({key: fn(row) if callable(fn) else fn for key, fn in changes.items()})
        copy = model(**values, owner_unit_id=owner_unit_id)
        session.add(copy)
        copies[row.id] = copy
    session.flush()
    return copies


def _live(session: Session, model: type[Any], *where: Any) -> list[Any]:
    return list(session.scalars(select(model).where(*where, model.deleted.is_(False))))


def new_programme(
    session: Session,
    *,
    year: int,
    copy_from_year: int,
    start: date | None = None,
    end: date | None = None,
) -> Programme:
    """Start the programme of ``year`` from the programme of ``copy_from_year``.

    Copies its goals, phases (shifted by whole years), pairings, duties, indicators with their
    targets and weights, the agreement wording and the assessment scheme; ledger entries,
    agreements, summaries and meetings stay with the earlier year, which is not changed. The
    new programme runs ``start`` → ``end`` (default 1 January → 31 December of ``year``) and
    becomes the current programme. Refused (UserError) on a PC other than the county office's.
    """
    unit = local_unit(session)
    if unit is None or unit.kind != UnitKind.COUNTY_OFFICE:
        raise UserError("只有县矫正办的电脑可以开始新年度。")
    if not 2000 <= year <= 2100:
        raise ValidationError(f"年度“{year}”无效。", "year")
    programmes = _live(session, Programme)
    if any(p.year == year for p in programmes):
        raise ValidationError(f"{year} 年度的实施方案已经存在。", "year")
    source = next((p for p in programmes if p.year == copy_from_year), None)
    if source is None:
        raise ValidationError(f"没有 {copy_from_year} 年度的实施方案，无法从它复制。", "copy_from")
    start = start or date(year, 1, 1)
    end = end or date(year, 12, 31)
    if start > end:
        raise ValidationError(
            f"开始日期 {start.isoformat()} 晚于结束日期 {end.isoformat()}。", "start"
        )
    years = year - copy_from_year
    owner = unit.id
    programme: Programme = _copy_rows(
        session,
        Programme,
        [source],
        owner,
        year=year,
        title=source.title.replace(str(copy_from_year), str(year)),
        # the template key is unique: it stays with the programme the template made
        template_key=None,
        document_number="",
        issue_date=None,
        start_date=start,
        end_date=end,
        assessment_start=lambda p: _shift_or_none(p.assessment_start, years),
        assessment_end=lambda p: _shift_or_none(p.assessment_end, years),
    )[source.id]
    of_source = (source.id,)
    for model in (Goal, Pairing, AssessmentScheme, AgreementTemplate):
        _copy_rows(
            session,
            model,
            _live(session, model, model.programme_id.in_(of_source)),
            owner,
            programme_id=programme.id,
        )
    _copy_rows(
        session,
        Phase,
        _live(session, Phase, Phase.programme_id == source.id),
        owner,
        programme_id=programme.id,
        start_date=lambda p: _shift(p.start_date, years),
        end_date=lambda p: _shift(p.end_date, years),
        deadline=lambda p: _shift_or_none(p.deadline, years),
    )
    duties = _copy_rows(
        session,
        Duty,
        _live(session, Duty, Duty.programme_id == source.id),
        owner,
        programme_id=programme.id,
    )
    if duties:
        _copy_rows(
            session,
            Indicator,
            _live(session, Indicator, Indicator.duty_id.in_(list(duties))),
            owner,
            duty_id=lambda i: duties[i.duty_id].id,
        )
    set_setting(session, CURRENT_PROGRAMME, programme.uuid)
    session.flush()
    return programme


@dataclass(frozen=True)
class ProgrammeRow:
    """A programme for a list: year, title, period, and whether it is the current one."""

    id: int
    year: int
    title: str
    start: date
    end: date
    current: bool


def list_programmes(session: Session) -> list[ProgrammeRow]:
    """Every live programme, oldest year first."""
    current = current_programme(session)
    rows = []
    for p in session.scalars(
        select(Programme).where(Programme.deleted.is_(False)).order_by(Programme.year)
    ):
        start, end = p.period
        rows.append(ProgrammeRow(p.id, p.year, p.title, start, end, current is p))
    return rows


def programme_holding(session: Session, day: date) -> Programme | None:
    """The programme whose own period holds ``day`` (the latest one if periods overlap), or
    None when none does."""
    from app.services.period import period_of_programme

    holding = [
        p for p in session.scalars(select(Programme).where(Programme.deleted.is_(False)))
        if period_of_programme(p).start <= day <= period_of_programme(p).end
    ]  # fmt: skip
    return max(holding, key=lambda p: period_of_programme(p).start, default=None)
