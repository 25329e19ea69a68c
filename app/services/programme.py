"""The programme's goals and counts, the list of programmes, and starting the next year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
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


def shift_years(day: date, years: int) -> date:
    """``day`` moved by whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _shift_or_none(day: date | None, years: int) -> date | None:
    return None if day is None else shift_years(day, years)


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


def default_period(year: int) -> tuple[date, date]:
    """The period a new year's programme is proposed (开始新年度, the first-run wizard): the
    calendar year, 1 January → 31 December."""
    return date(year, 1, 1), date(year, 12, 31)


def check_no_overlap(
    session: Session,
    start: date,
    end: date,
    *,
    other_than: int | None = None,
    assessment: bool = False,
) -> None:
    """Refuse (ValidationError on "start" or "end", naming the other year and its period) a
    period ``start`` → ``end`` that shares a day with another live programme's period: each
    day belongs to one year, whose ledger, figures and bulletins hold it. With ``assessment``
    the same for the assessment period (考核期, the programme's period where it has none),
    refused on "assessment_start" or "assessment_end": each day's work is assessed once."""
    from app.services.wording import cn_date

    def span(p: Programme) -> tuple[date, date]:
        return p.assessment_period if assessment else p.period

    name = "考核期" if assessment else "实施期"
    first, last = ("assessment_start", "assessment_end") if assessment else ("start", "end")
    for other in sorted(_live(session, Programme), key=span):
        if other.id == other_than:
            continue
        o_start, o_end = span(other)
        if start <= o_end and o_start <= end:
            raise ValidationError(
                f"{name}（{cn_date(start)}至{cn_date(end)}）与 {other.year} 年度的{name}"
                f"（{cn_date(o_start)}至{cn_date(o_end)}）重叠，请调整日期："
                + ("每一天的工作只在一个年度考核。" if assessment else "每一天只属于一个年度。"),
                first if o_start <= start else last,
            )


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
    becomes the current programme. Refused (UserError) on a PC other than the county office's,
    and (ValidationError) when the period, or the assessment period (the source's shifted by
    whole years), overlaps another programme's (:func:`check_no_overlap`); refused for a
    role that does not keep the reference data (管理员 does).
    """
    from app.services.accounts import require

    require(session, "reference.edit")
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
    start = start or default_period(year)[0]
    end = end or default_period(year)[1]
    if start > end:
        raise ValidationError(
            f"开始日期 {start.isoformat()} 晚于结束日期 {end.isoformat()}。", "start"
        )
    check_no_overlap(session, start, end)
    years = year - copy_from_year
    assessed = (_shift_or_none(source.assessment_start, years),
                _shift_or_none(source.assessment_end, years))  # fmt: skip
    check_no_overlap(session, assessed[0] or start, assessed[1] or end, assessment=True)
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
        assessment_start=assessed[0],
        assessment_end=assessed[1],
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
        start_date=lambda p: shift_years(p.start_date, years),
        end_date=lambda p: shift_years(p.end_date, years),
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


def follow_newest_programme(session: Session) -> Programme | None:
    """On a PC other than the county office's, make the newest programme the current one when
    it is a later year than the current one (the county started a new year and sent it down);
    returns it, or None when nothing changed. The county office chooses its own year."""
    unit = local_unit(session)
    if unit is not None and unit.kind == UnitKind.COUNTY_OFFICE:
        return None
    session.flush()
    newest = session.scalar(
        select(Programme).where(Programme.deleted.is_(False)).order_by(Programme.year.desc())
    )
    current = current_programme(session)
    if newest is None or (current is not None and current.year >= newest.year):
        return None
    set_setting(session, CURRENT_PROGRAMME, newest.uuid)
    return newest


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


# ---------------------------------------------------------------- entries by period


def entry_windows(session: Session) -> dict[int, tuple[date, date]]:
    """The dates whose ledger entries belong to each live programme, by programme id.

    Each programme's own period holds its entries (where two overlap, the later-starting
    programme from its first day, as :func:`programme_holding`); a day between two periods goes
    to the programme whose year it lies in (a 2019 programme from 28 June still holds 2019's
    earlier days), and the first and last programmes reach to their dates' outer limits
    (``services.dates``: the calendar year around the period). The windows never overlap.
    """
    from app.services.dates import DatePurpose, range_for

    programmes = sorted(_live(session, Programme), key=lambda p: (p.period[0], p.year))
    outer = [range_for(session, p.id, DatePurpose.WORK) for p in programmes]
    # the first day of each programme's window after the first one
    bounds = [
        min(after.period[0], max(before.period[1] + timedelta(days=1), outer[i + 1].earliest))
        for i, (before, after) in enumerate(pairwise(programmes))
    ]
    windows: dict[int, tuple[date, date]] = {}
    for i, p in enumerate(programmes):
        first = max(outer[i].earliest, bounds[i - 1]) if i > 0 else outer[i].earliest
        last = (
            min(outer[i].latest, bounds[i] - timedelta(days=1))
            if i < len(bounds)
            else outer[i].latest
        )
        if first <= last:
            windows[p.id] = (first, last)
    return windows


def entry_window(session: Session, programme_id: int | None) -> tuple[date, date] | None:
    """The dates of the entries belonging to ``programme_id`` (:func:`entry_windows`), or None
    (no programme: every entry)."""
    if programme_id is None:
        return None
    return entry_windows(session).get(programme_id, (date.max, date.min))


def programme_for_entry(session: Session, day: date) -> Programme | None:
    """The programme an entry dated ``day`` belongs to (:func:`entry_windows`), or None when
    no programme's dates reach it."""
    for programme_id, (first, last) in entry_windows(session).items():
        if first <= day <= last:
            return session.get_one(Programme, programme_id)
    return None


def no_programme_message(session: Session, day: date) -> str:
    """Why an entry dated ``day`` cannot be saved: no year's dates reach it."""
    from app.services.wording import cn_date

    windows = sorted(entry_windows(session).items(), key=lambda kv: kv[1])
    later = (
        "如是新一年度的工作，请待县矫正办开始新年度、导入其数据包后再登记。"
        if windows and day > windows[-1][1][1]
        else ""
    )
    if len(windows) == 1:
        first, last = windows[0][1]
        return f"日期应在{cn_date(first)}至{cn_date(last)}之间。{later}"
    years = "、".join(
        f"{session.get_one(Programme, pid).year}年度{cn_date(a)}至{cn_date(b)}"
        for pid, (a, b) in windows
    )
    return f"日期{cn_date(day)}不属于任何年度的实施方案（已有：{years}），请核对日期。{later}"


@dataclass(frozen=True)
class MisassignedEntry:
    """A live ledger entry whose programme is not the one its date belongs to."""

    entry_id: int
    entry_date: date
    programme_year: int | None
    belongs_to_year: int | None


def misassigned_entries(session: Session) -> list[MisassignedEntry]:
    """The data check: live entries whose ``programme_id`` differs from the programme their
    date belongs to (:func:`programme_for_entry`). Lists and figures go by date, so such an
    entry is counted in the right year anyway; the check finds rows written before entries
    were assigned by date (or by hand)."""
    from app.models import LedgerEntry

    windows = entry_windows(session)
    years = {p.id: p.year for p in _live(session, Programme)}
    found = []
    for entry_id, day, programme_id in session.execute(
        select(LedgerEntry.id, LedgerEntry.entry_date, LedgerEntry.programme_id)
        .where(LedgerEntry.deleted.is_(False))
        .order_by(LedgerEntry.entry_date, LedgerEntry.id)
    ):
        owner = next((pid for pid, (a, b) in windows.items() if a <= day <= b), None)
        if owner != programme_id:
            found.append(
                MisassignedEntry(
                    entry_id, day, years.get(programme_id or -1), years.get(owner or -1)
                )
            )
    return found


def fix_entry_assignment(session: Session) -> tuple[int, int]:
    """Assign this PC's own misassigned entries (:func:`misassigned_entries`) to the programme
    their date belongs to; returns (fixed, left): entries of other units are left for their
    own PCs, whose packages bring the correction (a change made here would be a local edit)."""
    from app.models import LedgerEntry

    here = local_unit(session)
    fixed = left = 0
    by_year = {p.year: p.id for p in _live(session, Programme)}
    for item in misassigned_entries(session):
        entry = session.get_one(LedgerEntry, item.entry_id)
        if item.belongs_to_year is None or here is None or entry.owner_unit_id != here.id:
            left += 1
            continue
        entry.programme_id = by_year[item.belongs_to_year]
        fixed += 1
    session.flush()
    return fixed, left


# ---------------------------------------------------------------- editing a programme


@dataclass(frozen=True)
class ProgrammeEdit:
    """What 编辑年度… changes: the title, the 文号, the period and the assessment period
    (None: the programme's own period)."""

    title: str
    document_number: str
    start: date | None
    end: date | None
    assessment_start: date | None = None
    assessment_end: date | None = None


@dataclass(frozen=True)
class ProgrammeDetail:
    """A programme as 编辑年度… shows it."""

    id: int
    year: int
    title: str
    document_number: str
    start: date
    end: date
    assessment_start: date | None
    assessment_end: date | None


def get_programme(session: Session, programme_id: int) -> ProgrammeDetail:
    """A programme for its edit dialog."""
    p = session.get(Programme, programme_id)
    if p is None or p.deleted:
        raise UserError("该年度的实施方案已不存在。")
    start, end = p.period
    return ProgrammeDetail(p.id, p.year, p.title, p.document_number or "", start, end,
                           p.assessment_start, p.assessment_end)  # fmt: skip


def _issued_dates(session: Session, programme_id: int) -> list[tuple[date, str]]:
    """The dates of the programme's documents already issued or held: agreements issued or
    signed, meetings, inspections, summaries submitted (its assessment records:
    :func:`_assessment_dates`)."""
    from app.models import Agreement, Inspection, Meeting, PhaseSummary

    found: list[tuple[date, str]] = []
    columns = (
        (Agreement, Agreement.issued_on, "责任状印发"),
        (Agreement, Agreement.signed_on, "责任状签署"),
        (Meeting, Meeting.meeting_date, "会议"),
        (Inspection, Inspection.inspection_date, "督导检查"),
        (PhaseSummary, PhaseSummary.submitted_on, "阶段总结报送"),
    )
    for model, column, label in columns:
        for day in session.scalars(
            select(column).where(
                model.programme_id == programme_id,
                model.deleted.is_(False),
                column.is_not(None),
            )
        ):
            if day is not None:
                found.append((day, label))
    return sorted(found)


def _assessment_dates(session: Session, programme_id: int) -> list[tuple[date, str]]:
    """What the programme's assessment already rests on, by date and as a clerk reads it:
    the as-of dates of its published bulletins, its 加减分, judgement scores and peer
    ratings."""
    from app.models import IssuedBulletin, JudgementScore, PeerRating, ScoreAdjustment
    from app.services.wording import cn_date

    found = [
        (day, f"已发布的第{number}期进度通报（截至{cn_date(day)}）")
        for number, day in session.execute(
            select(IssuedBulletin.number, IssuedBulletin.as_of).where(
                IssuedBulletin.programme_id == programme_id, IssuedBulletin.deleted.is_(False)
            )
        )
    ]
    columns = (
        (ScoreAdjustment, ScoreAdjustment.adjusted_on, "考核加减分"),
        (JudgementScore, JudgementScore.scored_on, "考核评分"),
        (PeerRating, PeerRating.rated_on, "结对司法所的评价"),
    )
    for model, column, label in columns:
        for day in session.scalars(
            select(column).where(model.programme_id == programme_id, model.deleted.is_(False))
        ):
            found.append((day, f"{cn_date(day)}的{label}"))
    return sorted(found)


def _check_still_held(
    records: list[tuple[date, str]],
    was: tuple[date, date],
    now: tuple[date, date],
    name: str,
    fields: tuple[str, str],
) -> None:
    """Refuse (ValidationError on the start or end field of the period ``name``) a period
    ``now`` that no longer holds a record the period ``was`` held."""
    from app.services.wording import cn_date

    outside = [(day, text) for day, text in records
               if was[0] <= day <= was[1] and not now[0] <= day <= now[1]]  # fmt: skip
    if outside:
        day, text = outside[0] if outside[0][0] < now[0] else outside[-1]
        more = f"等 {len(outside)} 项" if len(outside) > 1 else ""
        raise ValidationError(
            f"本年度已有{text}{more}，新的{name}（{cn_date(now[0])}至{cn_date(now[1])}）"
            f"不再包含它，请调整{name}的开始或结束日期。",
            fields[0] if day < now[0] else fields[1],
        )


def edit_programme(session: Session, programme_id: int, edit: ProgrammeEdit) -> None:
    """Change a programme's title, 文号, period and assessment period (county PC only).

    Refused (ValidationError naming the field, database unchanged) when the title is empty or
    longer than 200 characters, the 文号 longer than 100, a start is after its end, either
    period is not within one year of the programme's year, or the new dates no longer hold a
    document the programme has already issued or held (an agreement, a meeting, …), or either
    period no longer holds what the assessment rests on (a published bulletin's as-of date, a
    加减分, a judgement score, a peer rating: :func:`_assessment_dates`), or either period
    overlaps another programme's (:func:`check_no_overlap`). The
    change travels down in the county's packages like any reference data. Refused for a
    role that does not keep the reference data (管理员 does).
    """
    from app.services.accounts import require
    from app.services.dates import programme_span

    require(session, "reference.edit")
    from app.services.wording import cn_date

    unit = local_unit(session)
    if unit is None or unit.kind != UnitKind.COUNTY_OFFICE:
        raise UserError("只有县矫正办的电脑可以修改年度的实施方案。")
    programme = session.get(Programme, programme_id)
    if programme is None or programme.deleted:
        raise UserError("该年度的实施方案已不存在。")
    title = " ".join(edit.title.split())
    if not title:
        raise ValidationError("请填写实施方案的标题。", "title")
    if len(title) > 200:
        raise ValidationError("标题不能超过 200 个字。", "title")
    number = edit.document_number.strip()
    if len(number) > 100:
        raise ValidationError("文号不能超过 100 个字。", "document_number")
    if edit.start is None or edit.end is None:
        raise ValidationError(
            "请填写实施期的开始和结束日期。", "start" if edit.start is None else "end"
        )
    if edit.start > edit.end:
        raise ValidationError(
            f"开始日期 {edit.start.isoformat()} 晚于结束日期 {edit.end.isoformat()}。", "start"
        )
    if (edit.assessment_start is None) != (edit.assessment_end is None):
        field = "assessment_start" if edit.assessment_start is None else "assessment_end"
        raise ValidationError("考核期的开始和结束日期要么都填，要么都不填。", field)
    if (
        edit.assessment_start is not None
        and edit.assessment_end is not None
        and edit.assessment_start > edit.assessment_end
    ):
        raise ValidationError(
            f"考核期开始日期 {edit.assessment_start.isoformat()} 晚于结束日期 "
            f"{edit.assessment_end.isoformat()}。",
            "assessment_start",
        )
    year = programme.year
    for field, day in (("start", edit.start), ("end", edit.end),
                       ("assessment_start", edit.assessment_start),
                       ("assessment_end", edit.assessment_end)):  # fmt: skip
        if day is not None and not year - 1 <= day.year <= year + 1:
            raise ValidationError(
                f"{cn_date(day)}离 {year} 年度太远：日期应在 {year - 1} 年至 {year + 1} 年之间。",
                field,
            )
    first = min(edit.start, edit.assessment_start or edit.start)
    last = max(edit.end, edit.assessment_end or edit.end)
    was_first, was_last = programme_span(programme)
    # the documents the period held must stay inside it (the new one may hold more)
    outside = [
        (day, label)
        for day, label in _issued_dates(session, programme.id)
        if was_first <= day <= was_last and not first <= day <= last
    ]
    if outside:
        day, label = outside[0]
        more = f"等 {len(outside)} 项" if len(outside) > 1 else ""
        raise ValidationError(
            f"本年度已有{label}日期为{cn_date(day)}{more}，新的期间"
            f"（{cn_date(first)}至{cn_date(last)}）不再包含它，请调整开始或结束日期。",
            "start" if day < first else "end",
        )
    assessed = _assessment_dates(session, programme.id)
    _check_still_held(assessed, programme.period, (edit.start, edit.end), "实施期",
                      ("start", "end"))  # fmt: skip
    new_assessment = (edit.assessment_start or edit.start, edit.assessment_end or edit.end)
    _check_still_held(assessed, programme.assessment_period, new_assessment, "考核期",
                      ("assessment_start", "assessment_end"))  # fmt: skip
    check_no_overlap(session, edit.start, edit.end, other_than=programme.id)
    check_no_overlap(session, *new_assessment, other_than=programme.id, assessment=True)
    programme.title = title
    programme.document_number = number
    programme.start_date, programme.end_date = edit.start, edit.end
    programme.assessment_start = edit.assessment_start
    programme.assessment_end = edit.assessment_end
    session.flush()
