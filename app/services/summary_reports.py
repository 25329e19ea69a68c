"""What the summary PDFs show: a department's summary, and the county's aggregated report for
the city office. Built here from the records; drawn by ``app.reports.summary_pdf``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

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
from app.services.attachments import AttachmentStore
from app.services.database import Database
from app.services.errors import UserError
from app.services.goals import GoalFigure, goal_figures
from app.services.progress import indicator_progress
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
    """A photo to print: its file (the original in the store), its caption, and where the
    print-sized copy is kept once made (beside the store's other previews)."""

    path: Path
    caption: str
    department: str
    print_copy: Path | None = None


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
        ReportPhoto(
            store.original_path(sha),
            photo.caption,
            department,
            store.print_copy_path(sha),
        )
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
    from app.services.inspections import effective_status

    inspections = []
    for inspection in session.scalars(
        select(Inspection).where(Inspection.deleted.is_(False), Inspection.inspection_date <= as_of)
        .order_by(Inspection.inspection_date)
    ):  # fmt: skip
        items = [
            (i.finding, session.get_one(Unit, i.responsible_unit_id).name, i.deadline,
             RECTIFICATION_LABELS.get(effective_status(i), str(i.status)))
            for i in session.scalars(
                select(RectificationItem).where(RectificationItem.inspection_id == inspection.id,
                                                RectificationItem.deleted.is_(False))
            )
        ]  # fmt: skip
        inspections.append(InspectionLine(inspection.inspection_date, inspection.inspected_unit.name,
                                          inspection.inspectors, inspection.findings, items))  # fmt: skip
    names = {row.department_id: row.department for row in statuses}
    grouped: dict[int, list[IndicatorFigure]] = {}
    for item in indicator_progress(session, programme_id, as_of):
        if item.department_id in names:
            grouped.setdefault(item.department_id, []).append(
                IndicatorFigure(item.name, item.measure_unit, item.target, item.actual, item.weight)
            )
    indicators = [(names[d], grouped[d]) for d in names if d in grouped]
    return CountyReport(
        me.name if me else "县矫正办",
        me.parent.name if me and me.parent else "市矫正办",
        programme.title, programme.issuer, name, as_of,
        goal_figures(session, programme_id, as_of), statuses, chapters, brands, inspections,
        indicators,
    )  # fmt: skip


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
