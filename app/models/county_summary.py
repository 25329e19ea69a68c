"""The county office's own summary of a phase (or the year): the narrative that opens its
report for the city office, in the same sections as a department's summary."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, ExchangeRule, SyncedRecord, ToCity
from app.models.unit import COUNTY_OFFICE


class CountySummary(SyncedRecord, Base):
    """The county's narrative for a phase (``phase_id`` empty: the whole year).

    ``sections`` maps a section name (基本情况, 主要做法与成效…) to its text, as
    ``PhaseSummary.sections`` does. Written by the county office, it goes to the city only.
    """

    __tablename__ = "county_summaries"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, to_city=ToCity.ONLY,
        reason="全县总结由县矫正办撰写，随汇总报告报送市矫正办",
    )  # fmt: skip

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id"), nullable=True)
    sections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
