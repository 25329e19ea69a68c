"""Annual assessment (年度考核): the scoring scheme, as data, and manual score adjustments."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, ExchangeRule, SyncedRecord, ToCity
from app.models.unit import COUNTY_OFFICE


class AssessmentScheme(SyncedRecord, Base):
    """How departments are scored for a programme.

    ``indicator_points`` is what full completion of every indicator earns (each indicator's
    share is its weight); ``rules`` lists the items computed from the records, each
    ``{"code", "label", "points", "cap"}`` — e.g. late summaries, overdue rectifications,
    brands led (see ``app.services.assessment`` for the codes).
    """

    __tablename__ = "assessment_schemes"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, to_city=ToCity.ALSO, reason="考核方案由县矫正办制定"
    )

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    indicator_points: Mapped[float] = mapped_column(Float, default=100.0)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class ScoreAdjustment(SyncedRecord, Base):
    """A manual addition or deduction to a department's score, with its reason."""

    __tablename__ = "score_adjustments"
    # the county's own judgement of the departments; its reasons are free text: not for the city
    __exchange__ = ExchangeRule(create=COUNTY_OFFICE, reason="考核加减分由县矫正办登记")

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    points: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    adjusted_on: Mapped[date] = mapped_column(Date)
