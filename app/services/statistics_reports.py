"""Statistics reports (统计报表, 月报/季报): forms defined as data in the template's
``[statistics]``, filled in by the units and reviewed by the county.

A unit's report of a form for a period starts as a draft pre-filled from its ledger and
indicators; the clerk corrects the figures and writes a 情况说明. 草稿 → 已提交 (frozen, figures
included, dated: late when after the due day) → 已受理 (closes the unit's ledger of the period,
see ``period_locks``) or 已退回 (with a reason; the unit edits and resubmits). The county's
decision is its own record (``StatisticsReview``) about one submitted revision, so each side
writes only its own. The county's aggregated table for one form and period is
:func:`county_table` (``statistics_table.StatisticsTable``).
"""

from __future__ import annotations

import calendar
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    EntryKind,
    LedgerEntry,
    Programme,
    ReportStatus,
    StatisticsDecision,
    StatisticsReport,
    StatisticsReview,
    Unit,
    UnitKind,
)
from app.services import audit, concurrency, unit_scope
from app.services.accounts import require
from app.services.errors import UserError, ValidationError
from app.services.forms import FormErrors
from app.services.settings import acting_label, local_unit
from app.services.statistics_table import (
    FigureColumn,
    StatisticsRow,
    StatisticsTable,
)

FREQUENCIES = {"month": "月报", "quarter": "季报"}
SOURCES = {
    "entries": "本期台账条数",
    "served": "本期服务矫正对象人次",
    "visits": "本期走访结对司法所次数",
    "indicator": "量化指标本期完成数",
    "manual": "填报人填写",
}
UNIT_KINDS = {
    UnitKind.DEPARTMENT.value: "局科室",
    UnitKind.JUDICIAL_OFFICE.value: "司法所",
    UnitKind.CORRECTION_SECTION.value: "社区矫正科",
}
MAX_NOTE_CHARS = 2000
MAX_REASON_CHARS = 500
MAX_VALUE = 1e9
NOT_REPORTED = "未报"
DRAFT, SUBMITTED, RETURNED, ACCEPTED = "草稿", "已提交", "已退回", "已受理"
UNLOCKED = "已解锁待重报"  # accepted, then unlocked by the county: the unit corrects and resubmits
COUNTED = (SUBMITTED, ACCEPTED)
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


# ---------------------------------------------------------------- the forms (template data)
@dataclass(frozen=True)
class Figure:
    """One figure of a report form: how it is labelled and where its pre-filled value comes
    from (``source``: entries / served / visits / indicator / manual)."""

    key: str
    label: str
    unit: str
    source: str
    kinds: tuple[str, ...] = ()
    indicator: str = ""
    integer: bool = True


@dataclass(frozen=True)
class ReportForm:
    """One report form of the template's ``[[statistics.reports]]``."""

    key: str
    name: str
    frequency: str  # month / quarter
    due_day: int
    unit_kinds: tuple[str, ...]
    figures: tuple[Figure, ...]

    def owes(self, unit: Unit) -> bool:
        """Whether ``unit`` reports on this form."""
        return not unit.deleted and unit.kind.value in self.unit_kinds

    def figure(self, key: str) -> Figure | None:
        """The figure ``key``, if the form has it."""
        return next((f for f in self.figures if f.key == key), None)


def check_statistics_section(section: Any) -> str | None:
    """Why a template's ``[statistics]`` cannot be used (in Chinese), or None."""
    if not isinstance(section, dict):
        return "[statistics] 应是表"
    reports = section.get("reports", [])
    if not isinstance(reports, list):
        return "[statistics] 的 reports 应是表的数组（[[statistics.reports]]）"
    keys: set[str] = set()
    for n, report in enumerate(reports, start=1):
        if not isinstance(report, dict):
            return f"第 {n} 张统计报表应是表"
        name = report.get("name")
        what = f"统计报表“{name or n}”"
        if not isinstance(name, str) or not name.strip() or len(name) > 60:
            return f"{what}缺少名称（name，不超过 60 字）"
        key = report.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            return f"{what}的标识（key）应为小写英文字母开头的字母、数字或下划线"
        if key in keys:
            return f"{what}的标识（key）“{key}”重复"
        keys.add(key)
        if report.get("frequency") not in FREQUENCIES:
            return f"{what}的报送周期（frequency）应为 month（月报）或 quarter（季报）"
        due = report.get("due_day")
        if type(due) is not int or not 1 <= due <= 28:
            return f"{what}的报送期限（due_day）应为 1～28 的整数（次月第几日）"
        kinds = report.get("units")
        if (not isinstance(kinds, list) or not kinds
                or any(k not in UNIT_KINDS for k in kinds)):  # fmt: skip
            return f"{what}的报送单位（units）应为 {' / '.join(UNIT_KINDS)} 中的一个或几个"
        figures = report.get("figures")
        if not isinstance(figures, list) or not figures:
            return f"{what}没有统计项目（[[statistics.reports.figures]]）"
        figure_keys: set[str] = set()
        for m, figure in enumerate(figures, start=1):
            problem = _figure_problem(figure, m)
            if problem is not None:
                return f"{what}{problem}"
            if figure["key"] in figure_keys:
                return f"{what}的统计项目标识（key）“{figure['key']}”重复"
            figure_keys.add(figure["key"])
    return None


def _figure_problem(figure: Any, n: int) -> str | None:
    if not isinstance(figure, dict):
        return f"的第 {n} 个统计项目应是表"
    label = figure.get("label")
    what = f"的统计项目“{label or n}”"
    if not isinstance(label, str) or not label.strip() or len(label) > 60:
        return f"{what}缺少名称（label，不超过 60 字）"
    if not isinstance(figure.get("key"), str) or not _KEY.match(figure["key"]):
        return f"{what}的标识（key）应为小写英文字母开头的字母、数字或下划线"
    if not isinstance(figure.get("unit", ""), str) or len(figure.get("unit", "")) > 10:
        return f"{what}的计量单位（unit）应为不超过 10 字的文字"
    source = figure.get("source")
    if source not in SOURCES:
        return f"{what}的来源（source）应为 {' / '.join(SOURCES)}"
    kinds = figure.get("kinds", [])
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        return f"{what}的台账类型（kinds）应为类型代码的数组"
    if kinds and source not in ("entries", "served"):
        return f"{what}只有来源为 entries 或 served 时才能限定台账类型（kinds）"
    if source == "indicator" and not str(figure.get("indicator", "")).strip():
        return f"{what}的来源为 indicator，须写明指标名称（indicator）"
    if not isinstance(figure.get("integer", True), bool):
        return f"{what}的 integer 应为 true 或 false"
    return None


def forms_from_section(section: dict[str, Any]) -> tuple[ReportForm, ...]:
    """The report forms of a ``[statistics]`` table that :func:`check_statistics_section`
    accepts (a ValidationError otherwise)."""
    problem = check_statistics_section(section)
    if problem is not None:
        raise ValidationError(f"模板的统计报表设置有误：{problem}。")
    return tuple(
        ReportForm(
            report["key"], report["name"].strip(), report["frequency"], report["due_day"],
            tuple(report["units"]),
            tuple(
                Figure(f["key"], f["label"].strip(), f.get("unit", ""), f["source"],
                       tuple(f.get("kinds", [])), str(f.get("indicator", "")).strip(),
                       f.get("integer", True))
                for f in report["figures"]
            ),
        )
        for report in section.get("reports", [])
    )  # fmt: skip


def report_forms(session: Session, programme_id: int | None) -> tuple[ReportForm, ...]:
    """The programme's report forms (none when its template has no ``[statistics]``)."""
    from app.services.documents import from_template, template_section

    def make(s: Session, pid: int) -> tuple[ReportForm, ...]:
        section = template_section(s, pid, "statistics")
        return forms_from_section(section) if section else ()

    return from_template(session, programme_id, "statistics", make, ())


def report_form(session: Session, programme_id: int, key: str) -> ReportForm:
    """The form ``key`` (ValidationError naming the known ones)."""
    forms = report_forms(session, programme_id)
    found = next((f for f in forms if f.key == key), None)
    if found is None:
        known = "、".join(f"{f.key}（{f.name}）" for f in forms) or "（本方案没有统计报表）"
        raise ValidationError(f"没有标识为“{key}”的统计报表。可选：{known}。", "report")
    return found


# ---------------------------------------------------------------- periods and due days
@dataclass(frozen=True)
class Period:
    """One reporting period of a form: a calendar month or quarter."""

    start: date
    end: date
    label: str  # 2018年9月 / 2018年第三季度
    due_on: date

    @property
    def code(self) -> str:
        """2018-09 / 2018-Q3, as the command line writes it."""
        if self.label.endswith("季度"):
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"


_QUARTERS = ("一", "二", "三", "四")


def period_containing(form: ReportForm, day: date) -> Period:
    """The form's period that ``day`` falls in."""
    if form.frequency == "quarter":
        first_month = (day.month - 1) // 3 * 3 + 1
        start = date(day.year, first_month, 1)
        last_month = first_month + 2
        label = f"{day.year}年第{_QUARTERS[(first_month - 1) // 3]}季度"
    else:
        start, last_month = date(day.year, day.month, 1), day.month
        label = f"{day.year}年{day.month}月"
    end = date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])
    return Period(start, end, label, due_date(form, end))


def due_date(form: ReportForm, period_end: date) -> date:
    """The due day: ``due_day`` of the month after the period (on that day is on time)."""
    after = period_end + timedelta(days=1)
    return date(after.year, after.month, form.due_day)


def programme_periods(
    session: Session, programme_id: int, form: ReportForm, today: date
) -> list[Period]:
    """The form's periods that overlap the programme's implementation period and have begun
    by ``today``, oldest first."""
    from app.services.period import programme_period

    span = programme_period(session, programme_id)
    found: list[Period] = []
    period = period_containing(form, span.start)
    while period.start <= min(span.end, today):
        found.append(period)
        period = period_containing(form, period.end + timedelta(days=1))
    return found


def opening_period(
    session: Session, programme_id: int, form: ReportForm, periods: list[Period], today: date
) -> Period | None:
    """The period the county's page opens on: the latest with a report waiting for 受理/退回;
    else the latest that has ended by ``today`` (the one units are reporting now — a month's
    figures are reported after it ends, so the running month would show only empty rows);
    else the latest begun."""
    if not periods:
        return None
    starts = set(
        session.scalars(
            select(StatisticsReport.period_start)
            .where(StatisticsReport.programme_id == programme_id,
                   StatisticsReport.report_key == form.key,
                   StatisticsReport.status == ReportStatus.SUBMITTED,
                   StatisticsReport.deleted.is_(False))
        )
    )  # fmt: skip
    for period in reversed(periods):
        if period.start in starts and any(
            r.status == SUBMITTED for r in county_rows(session, programme_id, form, period)
        ):
            return period
    return next((p for p in reversed(periods) if p.end < today), periods[-1])


def parse_period(form: ReportForm, text: str) -> Period:
    """A period written as 2018-09 (the month, or the quarter it falls in) or 2018-Q3."""
    text = text.strip()
    quarter = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", text)
    month = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if quarter:
        return period_containing(form, date(int(quarter[1]), int(quarter[2]) * 3 - 2, 1))
    if month and 1 <= int(month[2]) <= 12 and 1900 < int(month[1]) < 2200:
        return period_containing(form, date(int(month[1]), int(month[2]), 1))
    raise ValidationError(
        f"统计期间“{text}”无效，应写成年-月（如 2018-09）或年-季度（如 2018-Q3）。", "period"
    )


# ---------------------------------------------------------------- figures from the ledger
def prefill(
    session: Session, programme_id: int, form: ReportForm, unit_id: int, start: date, end: date
) -> dict[str, int | float]:
    """Each figure's value from the unit's ledger and indicators for the period (0 for a
    manual figure)."""
    live = (LedgerEntry.owner_unit_id == unit_id, LedgerEntry.deleted.is_(False),
            LedgerEntry.entry_date.between(start, end))  # fmt: skip
    rows = session.execute(
        select(EntryKind.code, func.count(), func.coalesce(func.sum(LedgerEntry.subjects_served), 0))
        .join(EntryKind, EntryKind.id == LedgerEntry.kind_id)
        .where(*live)
        .group_by(EntryKind.code)
    ).all()  # fmt: skip
    counts = {code: (int(n), int(served)) for code, n, served in rows}
    values: dict[str, int | float] = {}
    for figure in form.figures:
        chosen = [v for code, v in counts.items() if not figure.kinds or code in figure.kinds]
        if figure.source == "entries":
            values[figure.key] = sum(n for n, _ in chosen)
        elif figure.source == "served":
            values[figure.key] = sum(s for _, s in chosen)
        elif figure.source == "visits":
            from app.services.visits import is_visit

            values[figure.key] = int(
                session.scalar(select(func.count(LedgerEntry.id)).where(*live, is_visit())) or 0
            )
        elif figure.source == "indicator":
            values[figure.key] = _indicator_in_period(
                session, programme_id, unit_id, figure.indicator, start, end
            )
        else:
            values[figure.key] = 0
        if not figure.integer:
            values[figure.key] = float(values[figure.key])
    return values


def _indicator_in_period(
    session: Session, programme_id: int, unit_id: int, name: str, start: date, end: date
) -> int | float:
    """The unit's indicator ``name``: its actual at the period's end less its actual the day
    before it began (0 when the unit has no such indicator or it is not computed)."""
    from app.services.progress import indicator_progress

    def actual(as_of: date) -> float:
        return sum(
            i.actual or 0.0
            for i in indicator_progress(session, programme_id, as_of)
            if i.department_id == unit_id and i.name == name
        )

    value = max(actual(end) - actual(start - timedelta(days=1)), 0.0)
    return int(value) if float(value).is_integer() else round(value, 2)


def source_hint(session: Session, figure: Figure) -> str:
    """Where the figure's pre-filled value comes from, for the clerk: 按台账预填：本期“法律援助”
    台账条数 / 请填写."""
    if figure.source == "manual":
        return "请填写"
    what = SOURCES[figure.source]
    if figure.kinds:
        names = {
            code: name for code, name in session.execute(select(EntryKind.code, EntryKind.name))
        }
        kinds = "、".join(f"“{names.get(code, code)}”" for code in figure.kinds)
        what = what.replace("本期", f"本期{kinds}", 1)
    elif figure.source == "indicator":
        what = f"量化指标“{figure.indicator}”本期完成数"
    return f"按台账预填：{what}"


# ---------------------------------------------------------------- values and their rules
def parse_values(form: ReportForm, raw: dict[str, Any]) -> dict[str, int | float | None]:
    """The typed values (text from a form, numbers from a package) checked by the form's
    rules; FormErrors naming each wrong figure, in Chinese."""
    errors: dict[str, str] = {}
    unknown = sorted(set(raw) - {f.key for f in form.figures})
    if unknown:
        errors["values"] = f"报表“{form.name}”没有这些项目：{'、'.join(unknown)}。"
    values: dict[str, int | float | None] = {}
    for figure in form.figures:
        value = raw.get(figure.key)
        if isinstance(value, str):
            text = value.strip().replace(",", "").replace("，", "")
            if not text:
                value = None
            else:
                try:
                    value = float(text) if not re.fullmatch(r"[+-]?\d+", text) else int(text)
                except ValueError:
                    errors[figure.key] = f"“{figure.label}”应填数字。"
                    continue
        problem = value_problem(figure, value)
        if problem is not None:
            errors[figure.key] = problem
            continue
        if value is not None and figure.integer:
            value = int(value)
        values[figure.key] = value
    if errors:
        raise FormErrors(errors)
    return values


def value_problem(figure: Figure, value: Any) -> str | None:
    """Why ``value`` cannot be the figure's (None or a number ≥ 0, whole where it says)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"“{figure.label}”应填数字。"
    if value < 0:
        return f"“{figure.label}”不能小于 0。"
    if value > MAX_VALUE:
        return f"“{figure.label}”数字过大。"
    if figure.integer and not float(value).is_integer():
        return f"“{figure.label}”应填整数。"
    return None


def check_note(note: str) -> str:
    """The 情况说明, trimmed; ValidationError when too long."""
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError(f"情况说明不能超过 {MAX_NOTE_CHARS} 字。", "note")
    return note


def missing_values(form: ReportForm, values: dict[str, Any]) -> dict[str, str]:
    """The figures without a value (a report is submitted only complete)."""
    return {f.key: f"请填写“{f.label}”（没有的填 0）。" for f in form.figures
            if values.get(f.key) is None}  # fmt: skip


# ---------------------------------------------------------------- states
def latest_review(session: Session, report: StatisticsReport) -> StatisticsReview | None:
    """The county's decision on the report as it now stands, if any."""
    return session.scalar(
        select(StatisticsReview)
        .where(StatisticsReview.report_id == report.id, StatisticsReview.deleted.is_(False),
               StatisticsReview.report_revision == report.revision)
        .order_by(StatisticsReview.id.desc())
        .limit(1)
    )  # fmt: skip


def unlocked(session: Session, report: StatisticsReport) -> bool:
    """Whether the county unlocked the report's period after accepting it as it now stands
    (``StatisticsUnlock`` for its revision)."""
    from app.models import StatisticsUnlock

    return (
        session.scalar(
            select(StatisticsUnlock.id).where(
                StatisticsUnlock.report_id == report.id, StatisticsUnlock.deleted.is_(False),
                StatisticsUnlock.report_revision == report.revision,
            ).limit(1)
        )
        is not None
    )  # fmt: skip


def status_of(session: Session, report: StatisticsReport | None) -> str:
    """未报 / 草稿 / 已提交 / 已退回 / 已受理 / 已解锁待重报 (accepted, then unlocked: the unit
    may correct its entries and its report and submit again; the next acceptance locks the
    period again)."""
    if report is None:
        return NOT_REPORTED
    if report.status == ReportStatus.SUBMITTED:
        review = latest_review(session, report)
        if review is None:
            return SUBMITTED
        if review.decision != StatisticsDecision.ACCEPTED:
            return RETURNED
        return UNLOCKED if unlocked(session, report) else ACCEPTED
    return DRAFT


def find_report(
    session: Session, programme_id: int, unit_id: int, report_key: str, period_start: date
) -> StatisticsReport | None:
    """The unit's report of the form for the period, if one was started."""
    return session.scalar(
        select(StatisticsReport)
        .where(StatisticsReport.programme_id == programme_id, StatisticsReport.unit_id == unit_id,
               StatisticsReport.report_key == report_key,
               StatisticsReport.period_start == period_start, StatisticsReport.deleted.is_(False))
        .order_by(StatisticsReport.id)
        .limit(1)
    )  # fmt: skip


@dataclass(frozen=True)
class ReportRow:
    """A unit's report of a form for a period, as the page and the command line list it."""

    unit_id: int
    unit: str
    form_key: str
    form_name: str
    period: Period
    report_id: int | None
    status: str
    submitted_on: date | None
    reason: str  # the county's reason for a return

    @property
    def due_on(self) -> date:
        """The due day of the period."""
        return self.period.due_on

    @property
    def reported(self) -> bool:
        """Submitted and standing (waiting or accepted, or accepted and then unlocked for a
        correction, which keeps its first submission's date): a returned report is not
        reported until the unit submits it again."""
        return self.status in (*COUNTED, UNLOCKED) and self.submitted_on is not None

    @property
    def late(self) -> bool:
        """Submitted after the due day."""
        return self.reported and self.submitted_on is not None and self.submitted_on > self.due_on

    def overdue(self, today: date) -> bool:
        """Not submitted (nor resubmitted after editing a returned one) and the due day has
        passed."""
        return self.status in (NOT_REPORTED, DRAFT) and today > self.due_on

    def on_time(self, today: date) -> bool | None:
        """True: submitted on time; False: late, overdue, or returned with its due day
        passed (not reported until resubmitted); None: not yet due nor sent."""
        if self.reported:
            return not self.late
        if self.status == RETURNED:
            return False if today > self.due_on else None
        return False if self.overdue(today) else None

    def mark(self, today: date) -> str:
        """逾期 N 天报送 / 按时 / 逾期 N 天未报 / 已退回待重报, for a list."""
        if self.status == RETURNED:
            return "已退回待重报"
        if self.reported and self.submitted_on is not None:
            days = (self.submitted_on - self.due_on).days
            return f"逾期 {days} 天报送" if days > 0 else "按时"
        if self.overdue(today):
            return f"逾期 {(today - self.due_on).days} 天未报"
        return ""


def _row(
    session: Session, form: ReportForm, period: Period, unit: Unit,
    report: StatisticsReport | None,
) -> ReportRow:  # fmt: skip
    status = status_of(session, report)
    reason = ""
    if status == RETURNED and report is not None:
        review = latest_review(session, report)
        reason = review.reason if review else ""
    submitted = report.submitted_on if report is not None and status != DRAFT else None
    return ReportRow(unit.id, unit.name, form.key, form.name, period,
                     report.id if report else None, status, submitted, reason)  # fmt: skip


def owing_units(session: Session, form: ReportForm) -> list[Unit]:
    """The units that report on the form, in display order."""
    units = session.scalars(
        select(Unit).where(Unit.deleted.is_(False), Unit.kind.in_([UnitKind(k) for k in form.unit_kinds]))
        .order_by(Unit.sort_order, Unit.id)
    )  # fmt: skip
    return list(units)


def unit_rows(session: Session, programme_id: int, unit_id: int, today: date) -> list[ReportRow]:
    """The unit's reports of every form it owes, period by period up to ``today`` (newest
    first)."""
    unit = session.get_one(Unit, unit_id)
    rows: list[ReportRow] = []
    for form in report_forms(session, programme_id):
        if not form.owes(unit):
            continue
        for period in programme_periods(session, programme_id, form, today):
            report = find_report(session, programme_id, unit.id, form.key, period.start)
            rows.append(_row(session, form, period, unit, report))
    rows.sort(key=lambda r: (r.period.due_on, r.form_key), reverse=True)
    return rows


def county_rows(
    session: Session, programme_id: int, form: ReportForm, period: Period
) -> list[ReportRow]:
    """Every unit that owes the form, with its report for the period (started or not)."""
    reports = {
        r.unit_id: r
        for r in session.scalars(
            select(StatisticsReport)
            .where(StatisticsReport.programme_id == programme_id,
                   StatisticsReport.report_key == form.key,
                   StatisticsReport.period_start == period.start,
                   StatisticsReport.deleted.is_(False))
            .order_by(StatisticsReport.id.desc())
        )
    }  # fmt: skip
    return [_row(session, form, period, u, reports.get(u.id)) for u in owing_units(session, form)]


@dataclass(frozen=True)
class OnTimeRate:
    """Reports on time out of those due so far."""

    on_time: int
    due: int

    @property
    def rate(self) -> float | None:
        """on_time ÷ due, None while nothing is due."""
        return self.on_time / self.due if self.due else None

    @property
    def text(self) -> str:
        """e.g. 按时 8/9（89%）, or 尚无到期报表."""
        if not self.due:
            return "尚无到期报表"
        return f"按时 {self.on_time}/{self.due}（{percent(self.on_time / self.due)}）"


def percent(rate: float) -> str:
    """A rate as a whole percent, with one decimal where rounding would hide that it is
    above 0% or below 100% (1/209 → 0.5%, not 0%)."""
    value = rate * 100
    if 0 < value < 1 or 99 < value < 100:
        return f"{value:.1f}%"
    return f"{value:.0f}%"


def on_time_rate(rows: list[ReportRow], today: date) -> OnTimeRate:
    """The on-time rate of ``rows``: reports submitted on time ÷ reports due (due day passed,
    or already submitted)."""
    verdicts = [row.on_time(today) for row in rows]
    return OnTimeRate(sum(v is True for v in verdicts), sum(v is not None for v in verdicts))


def all_rows(session: Session, programme_id: int, today: date) -> list[ReportRow]:
    """Every owing unit's report of every form and period so far."""
    rows: list[ReportRow] = []
    for form in report_forms(session, programme_id):
        for period in programme_periods(session, programme_id, form, today):
            rows.extend(county_rows(session, programme_id, form, period))
    return rows


def unit_rates(session: Session, programme_id: int, today: date) -> dict[int, OnTimeRate]:
    """Each owing unit's on-time rate over every form and period so far."""
    by_unit: dict[int, list[ReportRow]] = {}
    for row in all_rows(session, programme_id, today):
        by_unit.setdefault(row.unit_id, []).append(row)
    return {unit: on_time_rate(rows, today) for unit, rows in by_unit.items()}


def county_rate(session: Session, programme_id: int, today: date) -> OnTimeRate:
    """The county-wide on-time rate over every form and period so far."""
    return on_time_rate(all_rows(session, programme_id, today), today)


def late_counts(session: Session, programme_id: int, as_of: date) -> Counter[int | None]:
    """Per unit: reports whose due day passed before ``as_of`` that came late or have not
    come (the assessment's ``late_statistics_report``)."""
    counts: Counter[int | None] = Counter()
    for row in all_rows(session, programme_id, as_of):
        if row.due_on < as_of and row.on_time(as_of) is False:
            counts[row.unit_id] += 1
    return counts


# ---------------------------------------------------------------- the unit's side
def _form_of(session: Session, report: StatisticsReport) -> ReportForm:
    return report_form(session, report.programme_id, report.report_key)


def start_report(
    session: Session, programme_id: int, unit_id: int, report_key: str, period_start: date
) -> StatisticsReport:
    """The unit's report of the form for the period containing ``period_start``, started as
    a draft pre-filled from its ledger if need be."""
    require(session, "statistics.draft")
    unit_scope.check_own(session, unit_id, "这份统计报表")
    form = report_form(session, programme_id, report_key)
    unit = session.get(Unit, unit_id)
    if unit is None or not form.owes(unit):
        raise UserError(f"{unit.name if unit else '该单位'}不报送“{form.name}”。")
    period = period_containing(form, period_start)
    found = find_report(session, programme_id, unit_id, report_key, period.start)
    if found is not None:
        return found
    report = StatisticsReport(
        programme_id=programme_id, unit_id=unit_id, report_key=report_key,
        period_start=period.start, period_end=period.end, status=ReportStatus.DRAFT,
        values=prefill(session, programme_id, form, unit_id, period.start, period.end),
        note="", owner_unit_id=unit_id,
    )  # fmt: skip
    session.add(report)
    session.flush()
    return report


def report_by_id(session: Session, report_id: int) -> StatisticsReport:
    """A report by its id (UserError when it is not there)."""
    report = session.get(StatisticsReport, report_id)
    if report is None or report.deleted:
        raise UserError("找不到这份统计报表。")
    return report


def _editable(session: Session, report: StatisticsReport) -> None:
    status = status_of(session, report)
    if status == SUBMITTED:
        raise ValidationError("报表已提交，不能再修改；县矫正办退回后才能修改。", "status")
    if status == ACCEPTED:
        raise ValidationError(
            "报表已被县矫正办受理，不能再修改（县矫正办解锁本期台账后才能修改并重新提交）。",
            "status",
        )


def save_draft(
    session: Session, report_id: int, values: dict[str, Any], note: str,
    expected_revision: int | None = None,
) -> StatisticsReport:  # fmt: skip
    """Save the figures and the 情况说明 of a draft (or of a returned report, which becomes
    a draft again). Every problem is named; nothing is saved. ``expected_revision``: the one
    the dialog was opened with (a newer one stored: concurrency.ConcurrentEdit)."""
    require(session, "statistics.draft")
    report = session.get_one(StatisticsReport, report_id)
    unit_scope.check_own(session, report.unit_id, "这份统计报表")
    _editable(session, report)
    form = _form_of(session, report)
    errors: dict[str, str] = {}
    try:
        parsed = parse_values(form, values)
    except FormErrors as exc:
        errors.update(exc.errors)
        parsed = {}
    try:
        note = check_note(note)
    except ValidationError as exc:
        errors["note"] = exc.message
    if errors:
        raise FormErrors(errors)
    shown = concurrency.Shown(
        extra=lambda _s, r: {
            f.label: "（空）" if (r.values or {}).get(f.key) is None else str(r.values[f.key])
            for f in form.figures
        },
        omit=("values", "status", "submitted_on", "report_key"),
        labels={"note": "情况说明"},
    )  # fmt: skip
    with concurrency.editing(session, report, expected_revision, shown=shown):
        report.values = parsed
        report.note = note
        report.status = ReportStatus.DRAFT
        session.flush()
    return report


def submit_report(session: Session, report_id: int, on: date) -> None:
    """Freeze the report — its figures and 情况说明 — and date it (late when after the due
    day)."""
    require(session, "statistics.submit")
    report = session.get_one(StatisticsReport, report_id)
    unit_scope.check_own(session, report.unit_id, "这份统计报表")
    _editable(session, report)
    form = _form_of(session, report)
    missing = missing_values(form, report.values or {})
    if missing:
        raise FormErrors(missing)
    if on < report.period_start:
        raise ValidationError("统计期间还没有开始，不能提交。", "submitted_on")
    report.status = ReportStatus.SUBMITTED
    report.submitted_on = on
    session.flush()
    late = on > due_date(form, report.period_end)
    audit.record(session, "submit", f"提交统计报表（{form.name}）" + ("，逾期" if late else ""),
                 record=report)  # fmt: skip


# ---------------------------------------------------------------- the county's side
def _county(session: Session) -> Unit:
    here = local_unit(session)
    if here is None or here.kind != UnitKind.COUNTY_OFFICE:
        raise UserError(f"统计报表由县矫正办受理、退回，{acting_label(session)}不能办理。")
    return here


def review_report(
    session: Session, report_id: int, decision: StatisticsDecision, reason: str, on: date
) -> StatisticsReview:
    """The county accepts (已受理) or returns (已退回, with a reason) a submitted report."""
    require(session, "statistics.review")
    here = _county(session)
    report = session.get(StatisticsReport, report_id)
    if report is None or report.deleted or status_of(session, report) != SUBMITTED:
        raise ValidationError("只能受理或退回已提交、尚未处理的报表。", "status")
    reason = reason.strip()
    if decision == StatisticsDecision.RETURNED and not reason:
        raise ValidationError("退回时请写明原因（需要更正的地方）。", "reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError(f"原因不能超过 {MAX_REASON_CHARS} 个字。", "reason")
    review = StatisticsReview(report_id=report.id, report_revision=report.revision,
                              decision=decision, reason=reason, decided_on=on,
                              owner_unit_id=here.id)  # fmt: skip
    session.add(review)
    session.flush()
    accepted = decision == StatisticsDecision.ACCEPTED
    audit.record(session, "accept" if accepted else "return",
                 "受理统计报表" if accepted else "退回统计报表", record=report)  # fmt: skip
    return review


# ---------------------------------------------------------------- the county's table
def _place_name(session: Session, programme_id: int) -> str:
    """青田县 from the programme's issuer 青田县司法局 (empty when it says no county)."""
    issuer = session.get_one(Programme, programme_id).issuer or ""
    found = re.match(r"^(.*?[县市区旗])", issuer)
    return found[1] if found else ""


def county_table(
    session: Session, report_key: str, period: str | date | Period, made_on: date | None = None,
    programme_id: int | None = None,
) -> StatisticsTable:  # fmt: skip
    """The county's table of one form for one period (``period``: 2018-09, 2018-Q3, a day in
    it, or a Period): a row per owing unit, the totals of the reports counted (已提交, 已受理),
    the on-time rate."""
    from app.services.settings import required_programme
    from app.services.summary_reports import full_name

    if programme_id is None:
        programme_id = required_programme(session).id
    form = report_form(session, programme_id, report_key)
    if isinstance(period, str):
        period = parse_period(form, period)
    elif isinstance(period, date):
        period = period_containing(form, period)
    made_on = made_on or date.today()
    rows = county_rows(session, programme_id, form, period)
    table_rows: list[StatisticsRow] = []
    totals: list[int | float | None] = [None] * len(form.figures)
    reported = 0
    for row in rows:
        values: tuple[int | float | None, ...] = tuple(None for _ in form.figures)
        if row.report_id is not None and row.status != DRAFT:
            stored = session.get_one(StatisticsReport, row.report_id).values or {}
            values = tuple(stored.get(f.key) for f in form.figures)
        if row.status in COUNTED:
            reported += 1
            for n, value in enumerate(values):
                if value is not None:
                    totals[n] = (totals[n] or 0) + value
        table_rows.append(StatisticsRow(row.unit, values, row.status, row.submitted_on,
                                        row.on_time(made_on)))  # fmt: skip
    for n, figure in enumerate(form.figures):  # sums of floats: no 0.30000000000000004
        if totals[n] is not None and not figure.integer:
            totals[n] = round(float(totals[n] or 0), 2)
    rate = on_time_rate(rows, made_on)
    county = session.scalar(select(Unit).where(Unit.kind == UnitKind.COUNTY_OFFICE))
    return StatisticsTable(
        title=f"{_place_name(session, programme_id)}{form.name}汇总表",
        report_name=form.name, period_label=period.label, period_start=period.start,
        period_end=period.end, due_on=period.due_on,
        columns=tuple(FigureColumn(f.key, f.label, f.unit) for f in form.figures),
        rows=tuple(table_rows), totals=tuple(totals), reported=reported, expected=len(rows),
        on_time_rate=rate.rate, issuer=full_name(session, programme_id, county) or "县矫正办",
        made_on=made_on, counted_statuses=COUNTED,
    )  # fmt: skip


def period_label(start: date, end: date) -> str:
    """2018年9月 for a month, 2018年第三季度 for a quarter, else the dates."""
    if start.day == 1 and end == date(
        end.year, end.month, calendar.monthrange(end.year, end.month)[1]
    ):
        if start.year == end.year and start.month == end.month:
            return f"{start.year}年{start.month}月"
        if start.year == end.year and start.month % 3 == 1 and end.month == start.month + 2:
            return f"{start.year}年第{_QUARTERS[(start.month - 1) // 3]}季度"
    return f"{start.isoformat()}至{end.isoformat()}"
