"""Statistics reports (统计报表, 月报/季报): a unit's figures for one period of a report form
defined in the template, the county's decision on them, and the county's unlocks of a period
an accepted report closed."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._enum import enum_column_type
from app.models.base import Base, ExchangeRule, SyncedRecord
from app.models.unit import COUNTY_OFFICE, NOBODY, Unit, UnitKind

# the kinds of unit that may send reports (which of them owe a form is the template's choice)
REPORTING_UNITS = frozenset(
    {UnitKind.DEPARTMENT, UnitKind.JUDICIAL_OFFICE, UnitKind.CORRECTION_SECTION}
)


class ReportStatus(enum.StrEnum):
    """草稿 → 已提交 (frozen until the county returns it)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"


class StatisticsDecision(enum.StrEnum):
    """What the county decided about a submitted report."""

    ACCEPTED = "accepted"  # 已受理
    RETURNED = "returned"  # 已退回


class StatisticsReport(SyncedRecord, Base):
    """A unit's report of one form (``report_key``, the template's ``[[statistics.reports]]``)
    for one period: its figures (``values``, figure key → number), the 情况说明, and when it
    was submitted. Owned by the unit; once submitted it never changes unless the county returns
    it (a resubmission is a new revision)."""

    __tablename__ = "statistics_reports"
    __exchange__ = ExchangeRule(
        create=REPORTING_UNITS, delete=NOBODY, reason="统计报表由各单位填报和提交，提交后不删除",
        sender_columns={"unit_id": "每个单位只能报送本单位的统计报表"},
    )  # fmt: skip

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    report_key: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[ReportStatus] = mapped_column(
        enum_column_type(ReportStatus, 16), default=ReportStatus.DRAFT
    )
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])


class StatisticsReview(SyncedRecord, Base):
    """The county's decision (已受理 / 已退回 with a reason) on one submitted revision of a
    unit's report; owned by the county, it travels down only to the report's unit."""

    __tablename__ = "statistics_reviews"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, delete=NOBODY, about="report_id",
        reason="统计报表的受理、退回由县矫正办作出，作出后不删除",
    )  # fmt: skip

    report_id: Mapped[int] = mapped_column(ForeignKey("statistics_reports.id"), index=True)
    report_revision: Mapped[int] = mapped_column(Integer)
    decision: Mapped[StatisticsDecision] = mapped_column(enum_column_type(StatisticsDecision, 16))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[date] = mapped_column(Date)


class StatisticsUnlock(SyncedRecord, Base):
    """The county lets a unit change its entries of the period an accepted report closed, for
    the report's revision then accepted (a later acceptance closes it again); travels down."""

    __tablename__ = "statistics_unlocks"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, delete=NOBODY, about="report_id",
        reason="已受理统计报表的期间的台账只能由县矫正办解锁，解锁记录不删除",
    )  # fmt: skip

    report_id: Mapped[int] = mapped_column(ForeignKey("statistics_reports.id"), index=True)
    report_revision: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    unlocked_on: Mapped[date] = mapped_column(Date)
