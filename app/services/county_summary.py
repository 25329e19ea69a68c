"""The county office's own summary of a phase (全县总结): the narrative that opens the county's
report for the city office, in the six sections of a department's summary (``SECTIONS``).

Only the county office writes it (on its own PC); it has no submission of its own: the report
it opens is what goes to the city. It starts pre-filled with a sentence of figures that the
clerk rewrites.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CountySummary, UnitKind
from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.services.period import programme_period
from app.services.settings import local_unit
from app.services.summaries import (
    SECTIONS,
    KindFigure,
    SummaryFigures,
    period_of,
    section_problems,
    summary_figures,
    summary_rows,
)
from app.services.wording import cn_date

NOT_THE_COUNTY = "全县总结只能在县矫正办的电脑上撰写。"


def find_county_summary(
    session: Session, programme_id: int, phase_id: int | None
) -> CountySummary | None:
    """The county's summary of the phase (or the year), if one was started."""
    query = select(CountySummary).where(
        CountySummary.programme_id == programme_id, CountySummary.deleted.is_(False),
        CountySummary.phase_id.is_(None) if phase_id is None else CountySummary.phase_id == phase_id,
    )  # fmt: skip
    return session.scalar(query.order_by(CountySummary.id).limit(1))


def county_sections(session: Session, programme_id: int, phase_id: int | None) -> dict[str, str]:
    """The county summary's text by section: as written, else empty sections."""
    found = find_county_summary(session, programme_id, phase_id)
    written = (found.sections or {}) if found is not None else {}
    return {name: written.get(name, "") for name in SECTIONS}


def county_figures(session: Session, programme_id: int, phase_id: int | None) -> SummaryFigures:
    """Every department's ledger figures for the period added up, kind by kind (what the
    county's summary editor shows beside the text)."""
    from app.services.goals import departments
    from app.services.progress import indicator_progress

    name, start, end = period_of(session, programme_id, phase_id)
    progress = indicator_progress(session, programme_id, end)
    kinds: dict[str, list[int]] = {}
    photos = 0
    for department in departments(session):
        figures = summary_figures(session, programme_id, department.id, phase_id, progress)
        photos += figures.photos_available
        for k in figures.kinds:
            total = kinds.setdefault(k.kind, [0, 0, 0, 0])
            for i, value in enumerate(
                (k.period_count, k.year_count, k.period_served, k.year_served)
            ):
                total[i] += value
    return SummaryFigures(
        "全县各科室", name, start, end,
        min(programme_period(session, programme_id).assessment_start, start),
        [KindFigure(kind, *values) for kind, values in kinds.items()], photos_available=photos,
    )  # fmt: skip


def draft_county_sections(
    session: Session, programme_id: int, phase_id: int | None
) -> dict[str, str]:
    """Opening text (the period, the departments' ledger totals, how many reported); the clerk
    rewrites it."""
    name, start, end = period_of(session, programme_id, phase_id)
    rows = summary_rows(session, programme_id, phase_id)
    sent = sum(r.summary_id is not None and r.status_label in ("已提交", "已采用") for r in rows)
    figures = county_figures(session, programme_id, phase_id)
    period = f"{start.year}年" if phase_id is None else f"{cn_date(start)}至{cn_date(end)}"
    basic = (f"{period}（“{name}”阶段），全县 {len(rows)} 个局科室按照实施方案分工开展大帮教工作，"
             f"共记录工作台账 {figures.period_entries} 条，服务社区矫正对象 {figures.period_served} 人次，"
             f"已报送阶段总结 {sent} 份。")  # fmt: skip
    return {name: basic if name == SECTIONS[0] else "" for name in SECTIONS}


def _check_county(session: Session) -> None:
    me = local_unit(session)
    if me is None or me.kind != UnitKind.COUNTY_OFFICE:
        raise ValidationError(NOT_THE_COUNTY)


def start_county_summary(
    session: Session, programme_id: int, phase_id: int | None
) -> CountySummary:
    """The county's summary of the period, started pre-filled if need be (county office only)."""
    found = find_county_summary(session, programme_id, phase_id)
    if found is not None:
        return found
    _check_county(session)
    me = local_unit(session)
    summary = CountySummary(
        programme_id=programme_id, phase_id=phase_id,
        sections=draft_county_sections(session, programme_id, phase_id),
        owner_unit_id=me.id if me else None,
    )  # fmt: skip
    session.add(summary)
    session.flush()
    return summary


def save_county_summary(session: Session, summary_id: int, sections: dict[str, str]) -> None:
    """Save the county summary's text; every problem is named and nothing is saved."""
    _check_county(session)
    summary = session.get(CountySummary, summary_id)
    if summary is None or summary.deleted:
        raise ValidationError("没有这份全县总结。")
    errors = section_problems(sections)
    if errors:
        raise FormErrors(errors)
    summary.sections = {name: sections.get(name, "").strip() for name in SECTIONS}
    session.flush()
