"""Annual assessment (年度考核): the scoring scheme, as data, manual score adjustments and the
county's scores of judgement items."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, ExchangeRule, SyncedRecord, ToCity
from app.models.unit import COUNTY_OFFICE, NOBODY


class AssessmentScheme(SyncedRecord, Base):
    """How departments are scored for a programme.

    ``indicator_points`` is what full completion of every indicator earns (each indicator's
    share is its weight); ``rules`` lists the items computed from the records, each
    ``{"code", "label", "points", "cap"}`` — e.g. late summaries, overdue rectifications,
    brands led (see ``app.services.assessment`` for the codes). ``categories`` (考核细则 by
    工作类别, each with its 分值 cap and items; None for a scheme from before categories, whose
    rules are read as one category each) supersedes ``rules`` when present.
    """

    __tablename__ = "assessment_schemes"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, to_city=ToCity.ALSO, reason="考核方案由县矫正办制定"
    )

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    indicator_points: Mapped[float] = mapped_column(Float, default=100.0)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    categories: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSON, nullable=True, default=list
    )


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
    # the entry a 撤销 counter-entry reverses (None: an entry, or a 撤销 from before the link)
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("score_adjustments.id"), nullable=True
    )


class JudgementScore(SyncedRecord, Base):
    """The county's score of a department on a judgement item of the scheme (an item an
    inspector scores by judgement), with its reason and date. Never edited: a new score for
    the same department and item supersedes the earlier ones (the latest by date counts)."""

    __tablename__ = "judgement_scores"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, delete=NOBODY, reason="考核评分由县矫正办登记，登记后不删除"
    )

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(50))
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    scored_on: Mapped[date] = mapped_column(Date)
