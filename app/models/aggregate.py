"""The county's aggregate for the city office (县级汇总): figures computed from every unit's
records, sent up instead of the records themselves (no personal data leaves the county)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, ExchangeRule, SyncedRecord, ToCity
from app.models.unit import COUNTY_OFFICE, NOBODY


class AggregateReport(SyncedRecord, Base):
    """One aggregate as of a date. ``figures`` holds the totals and one row per unit
    (see ``app.services.aggregate``)."""

    __tablename__ = "aggregate_reports"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, delete=NOBODY, to_city=ToCity.ONLY,
        reason="县级汇总由县矫正办根据各单位台账生成，只报送市矫正办",
    )  # fmt: skip

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200), default="")
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
