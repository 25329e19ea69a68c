"""Annual assessment (年度考核): each department's score and rank, explained line by line.

Score = the scheme's ``indicator_points`` × the department's weighted indicator completion
(each indicator capped at 100%), plus the scheme's rules computed from the records (late
summaries, overdue rectifications, brands led or joined, meetings without a report), each
capped, plus the county's manual adjustments. The scheme is data (the template's
``[assessment]``, stored as an ``AssessmentScheme``), so another county scores its own way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    AssessmentScheme,
    Brand,
    BrandParticipant,
    BrandStatus,
    Meeting,
    MeetingReport,
    ScoreAdjustment,
)
from app.services.goals import departments
from app.services.progress import IndicatorProgress, department_progress, indicator_progress

RULE_CODES = {
    "late_summary": "阶段总结逾期报送或逾期未报（每份）",
    "overdue_rectification": "整改事项逾期未整改（每项）",
    "brand_lead": "牵头创建品牌（已创建，每个）",
    "brand_participant": "参与创建品牌（已创建，每个）",
    "missing_meeting_report": "月度例会未汇报（每次）",
}
DEFAULT_RULES = [
    {"code": "late_summary", "label": "阶段总结逾期", "points": -2, "cap": 4},
    {"code": "overdue_rectification", "label": "整改逾期", "points": -3, "cap": 9},
    {"code": "brand_lead", "label": "牵头创建品牌", "points": 5, "cap": 10},
]


@dataclass(frozen=True)
class ScoreLine:
    """One line of a department's score: what, how many times, the points."""

    label: str
    detail: str
    points: float


@dataclass
class DepartmentScore:
    """A department's score, its lines, and its rank among departments (1 = best)."""

    unit_id: int
    name: str
    completion: float
    lines: list[ScoreLine] = field(default_factory=list)
    rank: int = 0

    @property
    def total(self) -> float:
        """The score: the sum of its lines, to two decimals."""
        return round(sum(line.points for line in self.lines), 2)


@dataclass(frozen=True)
class Scheme:
    """The scoring scheme in force."""

    name: str
    indicator_points: float
    rules: list[dict[str, Any]]


def scheme_for(session: Session, programme_id: int) -> Scheme:
    """The programme's scheme, or a plain default when none was loaded."""
    stored = session.scalar(
        select(AssessmentScheme).where(
            AssessmentScheme.programme_id == programme_id, AssessmentScheme.deleted.is_(False)
        )
    )
    if stored is None:
        return Scheme("年度考核", 100.0, DEFAULT_RULES)
    return Scheme(stored.name, stored.indicator_points, list(stored.rules or []))


def _late_summaries(session: Session, programme_id: int, as_of: date) -> Counter[int | None]:
    """Per department: summaries of phases with a deadline before ``as_of`` that came late or
    have not come."""
    from app.models import Phase
    from app.services.summaries import summary_rows

    phases = session.scalars(
        select(Phase.id).where(Phase.programme_id == programme_id, Phase.deleted.is_(False),
                               Phase.deadline < as_of)
    ).all()  # fmt: skip
    counts: Counter[int | None] = Counter()
    for phase_id in phases:
        for row in summary_rows(session, programme_id, phase_id):
            if row.late or row.overdue(as_of):
                counts[row.department_id] += 1
    return counts


def _overdue_rectifications(
    session: Session, programme_id: int, as_of: date
) -> Counter[int | None]:
    from app.services.inspections import overdue_items

    return Counter(item.responsible_unit_id for item in overdue_items(session, as_of, programme_id))


def _brands(session: Session, programme_id: int, as_of: date, lead: bool) -> Counter[int | None]:
    created = select(Brand).where(Brand.programme_id == programme_id, Brand.deleted.is_(False),
                                  Brand.status == BrandStatus.CREATED)  # fmt: skip
    if lead:
        return Counter(b.lead_unit_id for b in session.scalars(created))
    ids = [b.id for b in session.scalars(created)]
    rows = session.scalars(
        select(BrandParticipant.unit_id).where(
            BrandParticipant.brand_id.in_(ids), BrandParticipant.deleted.is_(False)
        )
    )
    return Counter(rows)


def _missing_reports(session: Session, programme_id: int, as_of: date) -> Counter[int | None]:
    """Per department, the monthly meetings (月度例会) it gave no report at; other types of
    meeting (动员部署会, 座谈会…) are not counted."""
    from app.services.meetings import meeting_types

    monthly = meeting_types(session, programme_id).monthly
    meetings = session.scalars(
        select(Meeting).where(Meeting.programme_id == programme_id, Meeting.deleted.is_(False),
                              Meeting.meeting_date <= as_of, Meeting.meeting_type == monthly)
    ).all()  # fmt: skip
    counts: Counter[int | None] = Counter()
    for meeting in meetings:
        reported = set(session.scalars(
            select(MeetingReport.unit_id).where(MeetingReport.meeting_id == meeting.id,
                                                MeetingReport.deleted.is_(False))
        ))  # fmt: skip
        for department in departments(session):
            if department.id not in reported:
                counts[department.id] += 1
    return counts


COUNTERS: dict[str, Callable[[Session, int, date], Counter[int | None]]] = {
    "late_summary": _late_summaries,
    "overdue_rectification": _overdue_rectifications,
    "brand_lead": lambda s, p, d: _brands(s, p, d, lead=True),
    "brand_participant": lambda s, p, d: _brands(s, p, d, lead=False),
    "missing_meeting_report": _missing_reports,
}


def department_scores(
    session: Session, programme_id: int, as_of: date, items: list[IndicatorProgress] | None = None
) -> list[DepartmentScore]:
    """Every department's score as of a date, best first, with tied scores sharing a rank
    (``items``: the indicators' progress, if the caller has it already)."""
    scheme = scheme_for(session, programme_id)
    items = items if items is not None else indicator_progress(session, programme_id, as_of)
    progress = {
        p.department_id: p for p in department_progress(session, programme_id, as_of, items)
    }
    counted = {rule["code"]: COUNTERS[rule["code"]](session, programme_id, as_of)
               for rule in scheme.rules if rule.get("code") in COUNTERS}  # fmt: skip
    makers = _unit_names(session)
    adjustments = session.scalars(
        select(ScoreAdjustment).where(ScoreAdjustment.programme_id == programme_id,
                                      ScoreAdjustment.deleted.is_(False),
                                      ScoreAdjustment.adjusted_on <= as_of)
        .order_by(ScoreAdjustment.adjusted_on, ScoreAdjustment.id)
    ).all()  # fmt: skip
    scores = []
    for department in departments(session):
        done = progress.get(department.id)
        completion = done.completion if done else 0.0
        score = DepartmentScore(department.id, department.name, completion)
        met = f"，{done.indicators_met}/{done.indicators} 项达标" if done else "，无量化指标"
        score.lines.append(ScoreLine(
            "量化指标完成", f"加权完成率 {completion * 100:.1f}%{met}，满分 {scheme.indicator_points:g}",
            round(scheme.indicator_points * completion, 2),
        ))  # fmt: skip
        for rule in scheme.rules:
            times = counted.get(rule.get("code"), Counter()).get(department.id, 0)
            if not times:
                continue
            points = float(rule["points"]) * times
            cap: Any = rule.get("cap")  # a number from the scheme, or None
            capped = cap is not None and abs(points) > float(cap)
            if capped:
                points = float(cap) if points > 0 else -float(cap)
            each = float(rule["points"])
            verb = "扣" if each < 0 else "加"
            detail = f"{times} 次，每次{verb} {abs(each):g} 分" + (
                f"，最多{verb} {float(cap):g} 分" if capped else ""
            )
            score.lines.append(ScoreLine(rule.get("label", rule["code"]), detail, points))
        for adjustment in adjustments:
            if adjustment.unit_id == department.id:
                maker = makers.get(adjustment.owner_unit_id, "")
                detail = f"{adjustment.adjusted_on:%Y-%m-%d} {adjustment.reason}" + (
                    f"（{maker}登记）" if maker else ""
                )
                score.lines.append(ScoreLine("县矫正办加减分", detail, adjustment.points))
        scores.append(score)
    scores.sort(key=lambda s: (-s.total, s.name))
    for position, score in enumerate(scores):
        tied = position and scores[position - 1].total == score.total
        score.rank = scores[position - 1].rank if tied else position + 1
    return scores


MAX_ADJUSTMENT_POINTS = 100


def check_adjustment(points: float, reason: str) -> None:
    """An adjustment needs a reason and points from -100 to 100, not 0; else ValidationError."""
    from app.services.errors import ValidationError

    if not reason.strip():
        raise ValidationError("请写明加减分的理由。", "reason")
    if not points or abs(points) > MAX_ADJUSTMENT_POINTS:
        raise ValidationError(
            f"加减分应在 -{MAX_ADJUSTMENT_POINTS} 到 {MAX_ADJUSTMENT_POINTS} 之间且不为 0。",
            "points",
        )


def add_adjustment(
    session: Session, programme_id: int, unit_id: int, points: float, reason: str, on: date,
    owner_unit_id: int | None,
) -> ScoreAdjustment:  # fmt: skip
    """Record a manual addition (positive) or deduction (negative) with its reason."""
    check_adjustment(points, reason)
    adjustment = ScoreAdjustment(programme_id=programme_id, unit_id=unit_id, points=float(points),
                                 reason=reason.strip(), adjusted_on=on, owner_unit_id=owner_unit_id)  # fmt: skip
    session.add(adjustment)
    session.flush()
    return adjustment


# ---------------------------------------------------------------- 加减分 on the county's PC
UNDO_PREFIX = "撤销："


@dataclass(frozen=True)
class AdjustmentRow:
    """A recorded 加减分: never edited; undone by a counter-entry (``undoes`` its reason)."""

    id: int
    unit_id: int
    unit: str
    points: float
    reason: str
    adjusted_on: date
    made_by: str
    is_undo: bool  # a counter-entry (撤销：…)
    undone: bool  # a counter-entry for it exists


def _unit_names(session: Session) -> dict[int | None, str]:
    from app.models import Unit

    return {row.id: row.name for row in session.execute(select(Unit.id, Unit.name))}


def can_adjust(session: Session) -> bool:
    """True on the county correction office's PC, the only one that records 加减分."""
    from app.models import UnitKind
    from app.services.settings import local_unit

    me = local_unit(session)
    return me is not None and me.kind == UnitKind.COUNTY_OFFICE


def _county_unit_id(session: Session) -> int:
    from app.services.errors import ValidationError
    from app.services.settings import local_unit

    if not can_adjust(session):
        me = local_unit(session)
        where = f"本机单位（{me.name}）" if me is not None else "本机"
        raise ValidationError(f"考核加减分由县矫正办登记，{where}只能查看。")
    me = local_unit(session)
    assert me is not None
    return me.id


def _undo_key(row: ScoreAdjustment) -> tuple[int, float, str]:
    return row.unit_id, round(row.points, 2), row.reason


def adjustment_rows(session: Session, programme_id: int) -> list[AdjustmentRow]:
    """Every 加减分 of the programme, oldest first, with who recorded it and whether it was
    undone (a counter-entry of opposite points whose reason is 撤销：<its reason>)."""
    rows = session.scalars(
        select(ScoreAdjustment).where(ScoreAdjustment.programme_id == programme_id,
                                      ScoreAdjustment.deleted.is_(False))
        .order_by(ScoreAdjustment.adjusted_on, ScoreAdjustment.id)
    ).all()  # fmt: skip
    names = _unit_names(session)
    counters = Counter(
        (r.unit_id, round(-r.points, 2), r.reason[len(UNDO_PREFIX) :])
        for r in rows
        if r.reason.startswith(UNDO_PREFIX)
    )
    result = []
    for row in rows:
        is_undo = row.reason.startswith(UNDO_PREFIX)
        undone = False
        if not is_undo and counters[_undo_key(row)] > 0:
            counters[_undo_key(row)] -= 1
            undone = True
        result.append(AdjustmentRow(row.id, row.unit_id, names.get(row.unit_id, ""), row.points,
                                    row.reason, row.adjusted_on, names.get(row.owner_unit_id, ""),
                                    is_undo, undone))  # fmt: skip
    return result


def record_adjustment(
    session: Session, *, programme_id: int, unit_id: int, points: float, reason: str, on: date
) -> ScoreAdjustment:
    """The county's 加减分 for a department, dated within the programme's period, with a
    reason; refused (ValidationError naming the field) on any other PC or with bad input."""
    from app.models import Unit, UnitKind
    from app.services.dates import DateRange
    from app.services.errors import ValidationError
    from app.services.period import programme_period

    county = _county_unit_id(session)
    unit = session.get(Unit, unit_id)
    if unit is None or unit.deleted or unit.kind != UnitKind.DEPARTMENT:
        raise ValidationError("请选择要加减分的科室。", "unit")
    check_adjustment(points, reason)
    period = programme_period(session, programme_id)
    DateRange(earliest=period.start, latest=period.end).check(on, field="on", label="加减分日期")
    return add_adjustment(session, programme_id, unit_id, points, reason, on, county)


def undo_adjustment(session: Session, adjustment_id: int, on: date) -> ScoreAdjustment:
    """Undo a 加减分 by a counter-entry (opposite points, reason 撤销：<原因>) dated ``on`` (not
    before the entry itself): both stay listed, nothing is edited. County only."""
    from app.services.errors import ValidationError

    county = _county_unit_id(session)
    row = session.get(ScoreAdjustment, adjustment_id)
    if row is None or row.deleted:
        raise ValidationError("这条加减分记录已不存在。")
    listed = {r.id: r for r in adjustment_rows(session, row.programme_id)}[row.id]
    if listed.is_undo:
        raise ValidationError("这是一条撤销记录，不能再撤销；如有需要请重新登记加减分。")
    if listed.undone:
        raise ValidationError("这条加减分已经撤销过了。")
    return add_adjustment(session, row.programme_id, row.unit_id, -row.points,
                          UNDO_PREFIX + row.reason, max(on, row.adjusted_on), county)  # fmt: skip
