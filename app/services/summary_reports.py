"""What the summary PDFs show: a department's summary, and the county's aggregated report for
the city office. Built here from the records; drawn by ``app.reports.summary_pdf``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Brand,
    BrandStatus,
    Inspection,
    PhaseSummary,
    Programme,
    RectificationItem,
    RectificationStatus,
    SummaryStatus,
    Unit,
)
from app.services.assessment import DepartmentScore
from app.services.attachments import AttachmentStore
from app.services.database import Database
from app.services.errors import UserError
from app.services.goals import GoalFigure, goal_figures
from app.services.progress import IndicatorProgress, indicator_progress
from app.services.settings import current_programme, local_unit
from app.services.summaries import (
    SECTIONS,
    STATUS_LABELS,
    IndicatorFigure,
    SummaryFigures,
    SummaryRow,
    chosen_photos,
    deadline_for,
    figures_of,
    period_of,
    status_of,
    summary_rows,
)
from app.services.wording import cn_date

SHOWN = (SummaryStatus.SUBMITTED, SummaryStatus.ACCEPTED)  # what the county report includes
BRAND_LABELS = {
    BrandStatus.PLANNED: "筹划中",
    BrandStatus.BUILDING: "创建中",
    BrandStatus.CREATED: "已创建",
}
RECTIFICATION_LABELS = {
    RectificationStatus.PENDING: "待整改", RectificationStatus.IN_PROGRESS: "整改中",
    RectificationStatus.RECTIFIED: "已整改", RectificationStatus.CLOSED: "已销号",
}  # fmt: skip


@dataclass(frozen=True)
class ReportPhoto:
    """A photo to print: the stored photo (its SHA-256 in ``store``, which opens it when it is
    sealed and keeps its print-sized copy) and its caption."""

    store: AttachmentStore = field(compare=False, repr=False)
    sha256: str
    caption: str
    department: str


@dataclass
class DepartmentReport:
    """One department's summary, ready to draw."""

    department: str
    programme_title: str
    issuer: str
    period_name: str
    status: SummaryStatus | None
    submitted_on: date | None
    deadline: date | None
    sections: dict[str, str]
    figures: SummaryFigures
    photos: list[ReportPhoto] = field(default_factory=list)

    @property
    def title(self) -> str:
        """大帮教工作总结 heading of the document."""
        period = "全年" if self.period_name == "全年" else f"{self.period_name}阶段"
        return f"{self.department}社区矫正“大帮教”工作总结（{period}）"

    @property
    def late(self) -> bool:
        """Submitted after the deadline."""
        return bool(self.deadline and self.submitted_on and self.submitted_on > self.deadline)

    @property
    def draft(self) -> bool:
        """Not submitted: the PDF carries a 草稿 watermark."""
        return self.status in (None, SummaryStatus.DRAFT, SummaryStatus.RETURNED)

    @property
    def status_label(self) -> str:
        """草稿, 已提交…"""
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class BrandLine:
    """A brand for the county report."""

    name: str
    lead: str
    status: str
    description: str
    outcomes: str


@dataclass(frozen=True)
class InspectionLine:
    """An inspection with its rectification items, for the county report."""

    inspected_on: date
    unit: str
    inspectors: str
    findings: str
    items: list[tuple[str, str, date, str]]  # finding, owner unit, deadline, status label
    overdue_days: tuple[int, ...] = ()  # per item: days past its deadline unrectified, else 0


SIGNED, ISSUED_ONLY, NOT_ISSUED = "已签署", "已印发未签署", "未印发"


@dataclass(frozen=True)
class SigningLine:
    """A department's responsibility agreement: 已签署, 已印发未签署 or 未印发 (with its dates)."""

    department: str
    state: str
    issued_on: date | None
    signed_on: date | None


@dataclass(frozen=True)
class MeetingLine:
    """A month of the period: the monthly meeting (例会) held (its date and how many units
    reported) or not held although due (``held_on`` None)."""

    month: date
    held_on: date | None
    reports: int = 0
    reporting_units: int = 0


@dataclass
class CountyReport:
    """The county's aggregated summary for the city office."""

    county: str
    recipient: str
    programme_title: str
    issuer: str
    period_name: str
    as_of: date
    goals: list[GoalFigure]
    statuses: list[SummaryRow]
    chapters: list[DepartmentReport]
    brands: list[BrandLine]
    inspections: list[InspectionLine]
    indicators: list[tuple[str, list[IndicatorFigure]]] = field(default_factory=list)
    # what the city office asks for besides (filled by ``add_city_parts``)
    narrative: dict[str, str] = field(default_factory=dict)  # the county's own summary
    closing_issuer: str = ""  # the office's full name, for the 落款
    scheme_name: str = ""
    ranking: list[DepartmentScore] = field(default_factory=list)
    signing: list[SigningLine] = field(default_factory=list)
    meetings: list[MeetingLine] = field(default_factory=list)
    meetings_year: tuple[int, int] = (0, 0)  # held, due in the year up to ``as_of``

    @property
    def title(self) -> str:
        """The cover title."""
        period = "年度" if self.period_name == "全年" else f"“{self.period_name}”阶段"
        return f"社区矫正司法行政“大帮教”工作{period}汇总报告"

    def missing(self) -> list[SummaryRow]:
        """Departments whose summary is not (or no longer) submitted."""
        return [row for row in self.statuses if row.status not in SHOWN]


def _photos(
    session: Session, store: AttachmentStore, summary: PhaseSummary, department: str
) -> list[ReportPhoto]:
    return [
        ReportPhoto(store, sha, photo.caption, department)
        for photo, sha in chosen_photos(session, summary)
        if store.has(sha)
    ]


def department_report(
    session: Session, store: AttachmentStore, summary_id: int, today: date | None = None
) -> DepartmentReport:
    """A department's summary with its photos and figures: the snapshot frozen when it was
    submitted, or a draft's computed now (up to ``today``)."""
    summary = session.get(PhaseSummary, summary_id)
    if summary is None or summary.deleted:
        raise UserError("没有这份总结。")
    programme = session.get_one(Programme, summary.programme_id)
    department = session.get_one(Unit, summary.department_id)
    status = status_of(session, summary)
    return DepartmentReport(
        department.name, programme.title, programme.issuer,
        period_of(session, programme.id, summary.phase_id)[0], status,
        summary.submitted_on if status != SummaryStatus.DRAFT else None,
        deadline_for(session, programme.id, summary.phase_id),
        {name: (summary.sections or {}).get(name, "") for name in SECTIONS},
        figures_of(session, summary, today),
        _photos(session, store, summary, department.name),
    )  # fmt: skip


def default_as_of(
    session: Session, programme_id: int, phase_id: int | None, today: date | None = None
) -> date:
    """The day the county report counts to unless one is chosen: the period's deadline (its
    end when it has none) or today, whichever is earlier."""
    today = today or date.today()
    due = deadline_for(session, programme_id, phase_id) if phase_id is not None else None
    return min(due or period_of(session, programme_id, phase_id)[2], today)


def county_report(
    session: Session, store: AttachmentStore, programme_id: int, phase_id: int | None,
    as_of: date | None = None,
) -> CountyReport:  # fmt: skip
    """The county's report: goals, every department (summary or marked missing), brands,
    supervision results and photos; figures counted up to ``as_of`` (default
    :func:`default_as_of`). Each department's chapter prints its summary's frozen figures."""
    programme = session.get_one(Programme, programme_id)
    as_of = as_of or default_as_of(session, programme_id, phase_id)
    name = period_of(session, programme_id, phase_id, as_of)[0]
    me = local_unit(session)
    statuses = summary_rows(session, programme_id, phase_id)
    chapters = [  # each prints the figures frozen with its summary
        department_report(session, store, row.summary_id)
        for row in statuses
        if row.summary_id is not None and row.status in SHOWN
    ]
    brands = [
        BrandLine(b.name, b.lead_unit.name, BRAND_LABELS.get(b.status, str(b.status)),
                  b.description, b.outcomes)
        for b in session.scalars(
            select(Brand).where(Brand.deleted.is_(False), Brand.programme_id == programme_id)
            .order_by(Brand.id)
        )
    ]  # fmt: skip
    from app.services.inspections import effective_status, overdue_items

    overdue = {row.id: row.days_overdue(as_of) for row in overdue_items(session, as_of)}
    inspections = []
    for inspection in session.scalars(
        select(Inspection).where(Inspection.deleted.is_(False), Inspection.inspection_date <= as_of)
        .order_by(Inspection.inspection_date)
    ):  # fmt: skip
        rectifications = session.scalars(
            select(RectificationItem).where(RectificationItem.inspection_id == inspection.id,
                                            RectificationItem.deleted.is_(False))
        ).all()  # fmt: skip
        items = [
            (i.finding, session.get_one(Unit, i.responsible_unit_id).name, i.deadline,
             RECTIFICATION_LABELS.get(effective_status(i), str(i.status)))
            for i in rectifications
        ]  # fmt: skip
        late = tuple(overdue.get(i.id, 0) for i in rectifications)
        inspections.append(InspectionLine(inspection.inspection_date, inspection.inspected_unit.name,
                                          inspection.inspectors, inspection.findings, items, late))  # fmt: skip
    names = {row.department_id: row.department for row in statuses}
    grouped: dict[int, list[IndicatorFigure]] = {}
    county_progress = indicator_progress(session, programme_id, as_of)
    for item in county_progress:
        if item.department_id in names:
            grouped.setdefault(item.department_id, []).append(
                IndicatorFigure(item.name, item.measure_unit, item.target, item.actual, item.weight)
            )
    indicators = [(names[d], grouped[d]) for d in names if d in grouped]
    report = CountyReport(
        me.name if me else "县矫正办",
        me.parent.name if me and me.parent else "市矫正办",
        programme.title, programme.issuer, name, as_of,
        goal_figures(session, programme_id, as_of), statuses, chapters, brands, inspections,
        indicators,
    )  # fmt: skip
    add_city_parts(session, report, programme_id, phase_id, county_progress)
    return report


def full_name(session: Session, programme_id: int, unit: Unit | None) -> str:
    """A unit's full name for a 落款: ``full_name`` of the unit in the programme's template
    (e.g. 县矫正办 → 青田县社区矫正工作领导小组办公室), else its name."""
    if unit is None:
        return ""
    from app.services.documents import template_key

    key = template_key(session, session.get_one(Programme, programme_id))
    if key:
        from app.services.templates import find_template, read_template

        try:
            data = read_template(find_template(key))
        except UserError:  # the template file is not on this PC: the unit's name will do
            return unit.name
        for row in data.get("units", []):
            if row.get("name") == unit.name and row.get("full_name"):
                return str(row["full_name"])
    return unit.name


def _signing(session: Session, programme_id: int) -> list[SigningLine]:
    from app.models import AgreementStatus
    from app.services.agreements import list_agreements

    lines = []
    for row in list_agreements(session, programme_id):
        state = {AgreementStatus.SIGNED: SIGNED, AgreementStatus.ISSUED: ISSUED_ONLY}.get(
            row.status,  # type: ignore[arg-type]  # None: no agreement at all
            NOT_ISSUED,
        )
        lines.append(SigningLine(row.department, state,
                                 row.issued_on if state != NOT_ISSUED else None,
                                 row.signed_on if state == SIGNED else None))  # fmt: skip
    return lines


def _meetings(
    session: Session, programme_id: int, phase_id: int | None, as_of: date
) -> tuple[list[MeetingLine], tuple[int, int]]:
    """The months from the period's start to ``as_of``: each monthly meeting (月度例会) held, and
    each due month without one; and (held, due) for the year up to ``as_of``."""
    from app.services.meetings import due_months, list_meetings

    _name, start, _end = period_of(session, programme_id, phase_id)
    last = as_of  # the report's as-of date ends the window (it may be after the deadline)
    held = [
        m
        for m in list_meetings(session, programme_id, as_of)
        if m.monthly and m.meeting_date <= as_of
    ]  # other types never fill a month
    due = due_months(session, programme_id, as_of)
    held_months = {m.meeting_date.replace(day=1) for m in held}
    lines = [MeetingLine(m.meeting_date.replace(day=1), m.meeting_date, m.reports, m.reporting_units)
             for m in held if start <= m.meeting_date <= last]  # fmt: skip
    lines += [MeetingLine(month, None) for month in due
              if month not in held_months and start.replace(day=1) <= month <= last]  # fmt: skip
    lines.sort(key=lambda line: (line.month, line.held_on or line.month))
    # a month counts as due once it is over, or as soon as its meeting was held
    year_due = len(set(due) | held_months)
    return lines, (len(held), year_due)


def add_city_parts(
    session: Session, report: CountyReport, programme_id: int, phase_id: int | None,
    progress: list[IndicatorProgress] | None = None,
) -> None:  # fmt: skip
    """Fill what the city office asks for besides the departments' chapters: the county's own
    summary, the 落款's issuer, the ranking with scores, the agreements' signing, the meetings
    held and missed (``progress``: the indicators' progress as of ``report.as_of``)."""
    from app.services.assessment import department_scores, scheme_for
    from app.services.county_summary import county_sections

    report.narrative = county_sections(session, programme_id, phase_id)
    me = local_unit(session)
    report.closing_issuer = full_name(session, programme_id, me) or report.county
    if me is not None and me.parent is not None:
        report.recipient = full_name(session, programme_id, me.parent)
    report.scheme_name = scheme_for(session, programme_id).name
    report.ranking = department_scores(session, programme_id, report.as_of, progress)
    report.signing = _signing(session, programme_id)
    report.meetings, report.meetings_year = _meetings(session, programme_id, phase_id, report.as_of)


def department_summary_pdf(database: Database, summary_id: int) -> bytes:
    """The department summary PDF's bytes."""
    from app.reports.summary_pdf import render_department_summary

    with database.session() as session:
        report = department_report(session, database.attachments, summary_id)
    return render_department_summary(report)


def county_summary_pdf(
    database: Database, programme_id: int | None, phase_id: int | None, as_of: date | None = None
) -> bytes:
    """The county report PDF's bytes (the current programme when ``programme_id`` is None),
    counted up to ``as_of`` (default :func:`default_as_of`)."""
    from app.reports.summary_pdf import render_county_summary

    with database.session() as session:
        if programme_id is None:
            programme = current_programme(session)
            if programme is None:
                raise UserError("还没有实施方案。")
            programme_id = programme.id
        report = county_report(session, database.attachments, programme_id, phase_id, as_of)
    return render_county_summary(report)


def meetings_sentence(report: CountyReport) -> str:
    """The 月度例会 chapter's sentence: held and missed in the period, due and held in the year."""
    held = [m for m in report.meetings if m.held_on is not None]
    missed = [m for m in report.meetings if m.held_on is None]
    year_held, year_due = report.meetings_year
    text = f"本期召开大帮教工作中层干部月度例会 {len(held)} 次"
    if missed:
        months = "、".join(f"{m.month.year}年{m.month.month}月" for m in missed)
        text += f"，未召开 {len(missed)} 次（{months}）"
    return text + f"；全年截至{cn_date(report.as_of)}应召开 {year_due} 次，已召开 {year_held} 次。"


def signing_sentence(report: CountyReport, names: Callable[[list[str]], str]) -> str:
    """The 责任状签订情况 chapter's sentence: how many signed, and who has not (``names`` joins
    the departments' names, e.g. ``wording.name_list``)."""
    by_state: dict[str, list[str]] = {}
    for line in report.signing:
        by_state.setdefault(line.state, []).append(line.department)
    signed = len(by_state.get(SIGNED, []))
    text = f"应签订责任状 {len(report.signing)} 个科室，已签署 {signed} 个"
    for state in (ISSUED_ONLY, NOT_ISSUED):
        if by_state.get(state):
            text += f"；{state} {len(by_state[state])} 个：{names(by_state[state])}"
    return text + ("。" if signed < len(report.signing) else "，全部签订。")


def signing_rows(report: CountyReport) -> list[list[str]]:
    """The chapter's table: a header, then each department's state and dates."""
    rows = [["科室", "签订情况", "印发日期", "签署日期"]]
    for line in report.signing:
        rows.append([line.department, line.state,
                     cn_date(line.issued_on) if line.issued_on else "—",
                     cn_date(line.signed_on) if line.signed_on else "—"])  # fmt: skip
    return rows
