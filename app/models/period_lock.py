"""Unlocks of a closed period: once the county adopts a department's phase summary, that
department's entries of the period are locked (``app.services.period_locks``); the county
lifts the lock for a reason, recorded here, travelling down to the department."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, ExchangeRule, SyncedRecord
from app.models.unit import COUNTY_OFFICE, NOBODY


class PeriodUnlock(SyncedRecord, Base):
    """The county lets a department change entries of a period whose summary it adopted, for
    the summary's revision then adopted (a later adoption locks the period again)."""

    __tablename__ = "period_unlocks"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, delete=NOBODY, about="summary_id",
        reason="已采用总结的阶段的台账只能由县矫正办解锁，解锁记录不删除",
    )  # fmt: skip

    summary_id: Mapped[int] = mapped_column(ForeignKey("phase_summaries.id"), index=True)
    summary_revision: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    unlocked_on: Mapped[date] = mapped_column(Date)
