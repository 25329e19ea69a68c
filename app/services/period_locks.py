"""Period locking: once the county adopts a department's phase summary (已采用), that
department's ledger entries of the period the summary reported on (its 统计期间, frozen at
submission) are locked: no new entry, change or deletion dated in it. A statistics report
the county accepts (已受理, ``statistics_reports``) closes its unit's entries of the report's
period the same way, until the county unlocks it (:func:`unlock_report`, ``StatisticsUnlock``). The county lifts the lock for a
reason (:func:`unlock_period`, recorded and audited, travelling down with its package); a
later adoption of the summary locks the period again. Derived from the summaries and their
reviews, which travel already, so the lock itself needs no package of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    PeriodUnlock,
    PhaseSummary,
    StatisticsReport,
    StatisticsUnlock,
    SummaryStatus,
    Unit,
    UnitKind,
)
from app.services import audit
from app.services.accounts import require
from app.services.errors import UserError, ValidationError
from app.services.settings import acting_label, local_unit
from app.services.wording import cn_date

MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class LockedPeriod:
    """A period closed by an adopted summary, or by an accepted statistics report
    (``report_id``; then ``summary_id`` is None)."""

    summary_id: int | None
    name: str  # 第一阶段 / 2018 年度 / 2018年9月（大帮教工作统计月报）
    start: date
    end: date
    report_id: int | None = None

    @property
    def closed_by(self) -> str:
        """What closed it, for a refusal: 该阶段总结已被县矫正办采用 / 该统计报表已被县矫正办受理."""
        if self.report_id is not None:
            return "该统计报表已被县矫正办受理"
        return "该阶段总结已被县矫正办采用"


def _period(session: Session, summary: PhaseSummary) -> tuple[str, date, date] | None:
    """The dates the adopted summary reported on: its 统计期间 (the figures frozen when it was
    submitted), not the phase's calendar, so that work after the report stays open."""
    from app.services.summaries import figures_of

    figures = figures_of(session, summary)
    name = summary.phase.name if summary.phase is not None else figures.period_name
    return name, figures.period_start, figures.period_end


def summary_unlocked(session: Session, summary: PhaseSummary) -> bool:
    """Whether the county unlocked the period of ``summary`` as it stands (its revision)."""
    return (
        session.scalar(
            select(PeriodUnlock.id).where(
                PeriodUnlock.summary_id == summary.id,
                PeriodUnlock.summary_revision == summary.revision,
                PeriodUnlock.deleted.is_(False),
            )
        )
        is not None
    )


def locked_periods(session: Session, unit_id: int) -> list[LockedPeriod]:
    """The periods of ``unit_id`` closed by an adopted summary and not unlocked."""
    from app.services.summaries import status_of

    found = []
    for summary in session.scalars(
        select(PhaseSummary).where(
            PhaseSummary.department_id == unit_id, PhaseSummary.deleted.is_(False)
        )
    ):
        if status_of(session, summary) != SummaryStatus.ACCEPTED or summary_unlocked(
            session, summary
        ):
            continue
        period = _period(session, summary)
        if period is not None:
            found.append(LockedPeriod(summary.id, *period))
    return found + _accepted_reports(session, unit_id)


def _accepted_reports(session: Session, unit_id: int) -> list[LockedPeriod]:
    """The periods of ``unit_id`` closed by an accepted statistics report, not unlocked."""
    from app.services import statistics_reports

    found = []
    for report in session.scalars(
        select(StatisticsReport).where(
            StatisticsReport.unit_id == unit_id, StatisticsReport.deleted.is_(False),
            StatisticsReport.status == "submitted",
        )
    ):  # fmt: skip
        if statistics_reports.status_of(session, report) != statistics_reports.ACCEPTED:
            continue  # not accepted as it stands, or unlocked since (已解锁待重报)
        try:
            name = statistics_reports.report_form(
                session, report.programme_id, report.report_key
            ).name
        except ValidationError:  # a form the template no longer has: the period stays closed
            name = "统计报表"
        label = statistics_reports.period_label(report.period_start, report.period_end)
        found.append(LockedPeriod(None, f"{label}（{name}）", report.period_start,
                                  report.period_end, report.id))  # fmt: skip
    return found


def check_open(session: Session, unit_id: int, *days: date) -> None:
    """Refuse (UserError, before anything is written) an entry of ``unit_id`` dated in a
    locked period."""
    for period in locked_periods(session, unit_id):
        for day in days:
            if period.start <= day <= period.end:
                if period.report_id is not None:
                    raise UserError(
                        f"{cn_date(day)}属于{period.name}（{cn_date(period.start)}至"
                        f"{cn_date(period.end)}），{period.closed_by}，本期台账已锁定，"
                        "不能新增、修改或删除。如确需修改，请县矫正办在“统计报表”中解锁。"
                    )
                raise UserError(
                    f"{cn_date(day)}属于{period.name}（{cn_date(period.start)}至"
                    f"{cn_date(period.end)}），该阶段总结已被县矫正办采用，本阶段台账已锁定，"
                    "不能新增、修改或删除。如确需修改，请县矫正办在“阶段总结”中解锁。"
                )


def _county_unlocking(session: Session, permission: str, what: str) -> Unit:
    """The county office of this PC, allowed ``permission``, about to unlock ``what``."""
    require(session, permission)
    here = local_unit(session)
    if here is None or here.kind != UnitKind.COUNTY_OFFICE:
        raise UserError(f"{what}由县矫正办解锁，{acting_label(session)}不能解锁。")
    return here


def _unlock_reason(reason: str, told: str) -> str:
    """The reason given, stripped; ValidationError when empty or too long."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(f"请写明解锁的原因（将记入审计日志并告知{told}）。", "reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError(f"原因不能超过 {MAX_REASON_CHARS} 个字。", "reason")
    return reason


def unlock_period(session: Session, summary_id: int, reason: str, today: date) -> PeriodUnlock:
    """The county unlocks the period of an adopted summary, for a reason (audited)."""
    here = _county_unlocking(session, "summary.review", "阶段台账")
    summary = session.get(PhaseSummary, summary_id)
    if summary is None or summary.deleted:
        raise UserError("找不到这份阶段总结。")
    reason = _unlock_reason(reason, "该科室")
    if not any(p.summary_id == summary.id for p in locked_periods(session, summary.department_id)):
        raise UserError("这份总结所属阶段的台账没有锁定，不需要解锁。")
    row = PeriodUnlock(summary_id=summary.id, summary_revision=summary.revision, reason=reason,
                       unlocked_on=today, owner_unit_id=here.id)  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(session, "unlock", "解锁已采用总结的阶段台账", record=summary)
    return row


def unlock_report(session: Session, report_id: int, reason: str, today: date) -> StatisticsUnlock:
    """The county unlocks the period of an accepted statistics report, for a reason
    (audited, travelling down to the report's unit). The report is then 已解锁待重报: the unit
    corrects its entries and its report and submits it again, and the county's next
    acceptance closes the period again."""
    here = _county_unlocking(session, "statistics.review", "统计期间的台账")
    report = session.get(StatisticsReport, report_id)
    if report is None or report.deleted:
        raise UserError("找不到这份统计报表。")
    reason = _unlock_reason(reason, "该单位")
    if not any(p.report_id == report.id for p in _accepted_reports(session, report.unit_id)):
        raise UserError("这份统计报表所属期间的台账没有锁定，不需要解锁。")
    row = StatisticsUnlock(report_id=report.id, report_revision=report.revision, reason=reason,
                           unlocked_on=today, owner_unit_id=here.id)  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(session, "unlock", "解锁已受理统计报表期间的台账", record=report)
    return row
