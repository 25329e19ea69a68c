"""A programme (实施方案) with its goals and phases."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._enum import enum_column_type
from app.models.base import Base, ExchangeRule, SyncedRecord, ToCity
from app.models.unit import COUNTY_OFFICE, Unit


class GoalMetric(enum.StrEnum):
    """How a goal's actual figure is computed from the records."""

    PARTICIPATION_RATE = "participation_rate"  # 科室参与率
    SIGNING_RATE = "signing_rate"  # 责任状签约率
    BRAND_COUNT = "brand_count"  # 创新品牌数
    PAIRING_COVERAGE = "pairing_coverage"  # 挂钩结对覆盖率


def period_of(
    year: int, issue_date: date | None, start_date: date | None, end_date: date | None
) -> tuple[date, date]:
    """A programme's first and last day from its fields: its own dates, else its issue date
    (in its year) or 1 January, to 31 December (``Programme.period``; packages' records too)."""
    start = start_date
    if start is None:
        start = issue_date if issue_date is not None and issue_date.year == year else None
    return start or date(year, 1, 1), end_date or date(year, 12, 31)


class Programme(SyncedRecord, Base):
    """An implementation plan issued by a bureau for one year."""

    __tablename__ = "programmes"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, to_city=ToCity.ALSO, reason="实施方案由县矫正办统一维护"
    )

    template_key: Mapped[str | None] = mapped_column(String(50), unique=True, nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(100))
    document_number: Mapped[str] = mapped_column(String(100), default="")
    issue_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    year: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(Text, default="")
    # The programme's own period (e.g. from the plan's issue date to the agreements' end) and
    # the period its work is assessed on (None: the programme's period). A record from an older
    # version may lack them: see ``period``.
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    assessment_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    assessment_end: Mapped[date | None] = mapped_column(Date, nullable=True)

    goals: Mapped[list[Goal]] = relationship(back_populates="programme", order_by="Goal.sort_order")
    phases: Mapped[list[Phase]] = relationship(
        back_populates="programme", order_by="Phase.sort_order"
    )

    @property
    def period(self) -> tuple[date, date]:
        """The programme's first and last day: its own dates, else its issue date (in its
        year) or 1 January, to 31 December."""
        return period_of(self.year, self.issue_date, self.start_date, self.end_date)

    @property
    def assessment_period(self) -> tuple[date, date]:
        """The period the work is assessed on: its own dates, else the programme's period."""
        start, end = self.period
        return self.assessment_start or start, self.assessment_end or end


class Goal(SyncedRecord, Base):
    """A goal of the programme with the figure it is judged on."""

    __tablename__ = "goals"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE,
        to_city=ToCity.ALSO,
        reason="工作目标是实施方案的一部分，由县矫正办维护",
    )

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    metric: Mapped[GoalMetric] = mapped_column(enum_column_type(GoalMetric, 32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    target_min: Mapped[float] = mapped_column(Float)
    target_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    measure_unit: Mapped[str] = mapped_column(String(10), default="%")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    programme: Mapped[Programme] = relationship(back_populates="goals")


class Phase(SyncedRecord, Base):
    """A phase of the programme (调查摸底, 动员部署…), with its dates and deadline."""

    __tablename__ = "phases"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE,
        to_city=ToCity.ALSO,
        reason="实施阶段是实施方案的一部分，由县矫正办维护",
    )

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    deadline_task: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    recipient_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)

    programme: Mapped[Programme] = relationship(back_populates="phases")
    recipient_unit: Mapped[Unit | None] = relationship(foreign_keys=[recipient_unit_id])
