"""Values of manual indicators: recorded by hand with a date, a note and optional evidence.

The latest value recorded on or before a date is the indicator's actual on that date
(``app.services.progress`` counts it like a computed one). The county office records them; a
department records those its indicator names (``Indicator.value_unit_id``, from the template's
``entered_by = "department"``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Duty, Indicator, IndicatorMeasure, LedgerEntry, ManualValue, Unit, UnitKind
from app.services.dates import DateRange
from app.services.errors import ValidationError
from app.services.period import programme_period
from app.services.reference import parse_number

MAX_NOTE_CHARS = 200
MAX_EVIDENCE_CHOICES = 300  # the department's latest entries offered as evidence


@dataclass(frozen=True)
class ManualValueRow:
    """A recorded value of a manual indicator."""

    id: int
    indicator_id: int
    value: float
    recorded_on: date
    note: str
    evidence_entry_id: int | None


def value_dates(session: Session, programme_id: int) -> DateRange:
    """The dates a value may be recorded on: the programme's own and assessment periods."""
    period = programme_period(session, programme_id)
    return DateRange(
        earliest=min(period.start, period.assessment_start),
        latest=max(period.end, period.assessment_end),
        period_end=period.end,
    )


def check_value(value: object, note: str) -> None:
    """A value is a number ≥ 0 and its note at most 200 characters; else ValidationError."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError("完成值应为数字。", "value")
    if value < 0:
        raise ValidationError("完成值不能为负数。", "value")
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError(f"说明最多 {MAX_NOTE_CHARS} 个字。", "note")


def value_unit(indicator: Indicator) -> int | None:
    """The unit whose PC records the indicator's values besides the county office (None: only
    the county office)."""
    return indicator.value_unit_id


def may_enter(indicator: Indicator, unit: Unit | None) -> bool:
    """Whether ``unit``'s PC may record values of ``indicator``: a manual indicator, by the
    county office or by the department the indicator names."""
    if unit is None or indicator.measure != IndicatorMeasure.MANUAL or indicator.deleted:
        return False
    return unit.kind == UnitKind.COUNTY_OFFICE or unit.id == indicator.value_unit_id


def record_value(
    session: Session,
    indicator_id: int | None,
    value: float | str,
    recorded_on: date,
    note: str = "",
    *,
    unit_id: int | None,
    evidence_entry_id: int | None = None,
) -> int:
    """Record a value of a manual indicator as at ``recorded_on`` on ``unit_id``'s PC; return
    its id. Refused (ValidationError naming the field) for a missing or computed indicator, a
    unit that may not enter it, a negative value, a date outside the programme's period, a note
    over 200 characters, or evidence that is not one of the department's ledger entries."""
    indicator = session.get(Indicator, indicator_id) if indicator_id is not None else None
    if indicator is None or indicator.deleted:
        raise ValidationError("请选择要录入完成值的指标（该指标不存在或已删除）。", "indicator")
    if indicator.measure != IndicatorMeasure.MANUAL:
        raise ValidationError("该指标由台账自动统计，不能手工录入完成值。", "indicator")
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    if not may_enter(indicator, unit):
        raise ValidationError("本机不能录入该指标的完成值：由县矫正办或指标指定的科室录入。")
    note = note.strip()
    if isinstance(value, str):
        value = parse_number(value, "完成值", "value")
    check_value(value, note)
    duty = session.get_one(Duty, indicator.duty_id)
    value_dates(session, duty.programme_id).check(recorded_on, field="recorded_on", label="日期")
    if evidence_entry_id is not None:
        entry = session.get(LedgerEntry, evidence_entry_id)
        if entry is None or entry.deleted or entry.owner_unit_id != duty.department_id:
            raise ValidationError("佐证台账应为该科室的台账。", "evidence")
    record = ManualValue(
        indicator_id=indicator.id,
        value=float(value),
        recorded_on=recorded_on,
        note=note,
        evidence_entry_id=evidence_entry_id,
        owner_unit_id=unit_id,
    )
    session.add(record)
    session.flush()
    return record.id


def latest_values(
    session: Session, indicator_ids: Iterable[int], as_of: date | None = None
) -> dict[int, ManualValueRow]:
    """Each indicator's latest value recorded on or before ``as_of`` (any date when None);
    indicators without one are absent."""
    ids = sorted(set(indicator_ids))
    if not ids:
        return {}
    query = select(ManualValue).where(
        ManualValue.indicator_id.in_(ids), ManualValue.deleted.is_(False)
    )
    if as_of is not None:
        query = query.where(ManualValue.recorded_on <= as_of)
    query = query.order_by(ManualValue.recorded_on, ManualValue.created_at, ManualValue.id)
    found: dict[int, ManualValueRow] = {}
    for v in session.scalars(query):
        found[v.indicator_id] = ManualValueRow(
            v.id, v.indicator_id, v.value, v.recorded_on, v.note, v.evidence_entry_id
        )
    return found


@dataclass(frozen=True)
class ValueEntry:
    """What the 录入完成值 dialog shows for an indicator."""

    indicator_id: int
    name: str
    measure_unit: str
    target: float
    department: str
    dates: DateRange
    latest: ManualValueRow | None
    evidence: list[tuple[int, str]]  # the department's entries: (id, "2018-07-03 title")


def enterable(session: Session, programme_id: int, unit_id: int | None) -> set[int]:
    """The manual indicators of a programme whose values ``unit_id``'s PC may record."""
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None:
        return set()
    query = (
        select(Indicator)
        .join(Duty, Indicator.duty_id == Duty.id)
        .where(
            Duty.programme_id == programme_id,
            Duty.deleted.is_(False),
            Indicator.deleted.is_(False),
            Indicator.measure == IndicatorMeasure.MANUAL,
        )
    )
    return {i.id for i in session.scalars(query) if may_enter(i, unit)}


def value_entry(session: Session, indicator_id: int) -> ValueEntry:
    """The indicator, its latest value, the dates a value may have and the evidence on offer."""
    indicator = session.get(Indicator, indicator_id)
    if indicator is None or indicator.deleted:
        raise ValidationError("该指标已不存在。", "indicator")
    duty = session.get_one(Duty, indicator.duty_id)
    dates = value_dates(session, duty.programme_id)
    entries = session.execute(
        select(LedgerEntry.id, LedgerEntry.entry_date, LedgerEntry.title)
        .where(
            LedgerEntry.owner_unit_id == duty.department_id,
            LedgerEntry.deleted.is_(False),
            LedgerEntry.entry_date.between(dates.earliest, dates.latest),
        )
        .order_by(LedgerEntry.entry_date.desc(), LedgerEntry.id.desc())
        .limit(MAX_EVIDENCE_CHOICES)
    ).all()
    return ValueEntry(
        indicator.id,
        indicator.name,
        indicator.measure_unit,
        indicator.annual_target,
        session.get_one(Unit, duty.department_id).name,
        dates,
        latest_values(session, [indicator.id]).get(indicator.id),
        [(entry_id, f"{on.isoformat()} {title}") for entry_id, on, title in entries],
    )
