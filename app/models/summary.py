"""Phase summaries (阶段总结) per department, with captioned photos."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._enum import enum_column_type
from app.models.base import Base, ExchangeRule, SyncedRecord, Touch
from app.models.ledger import HELD_FILE
from app.models.programme import Phase
from app.models.unit import COUNTY_OFFICE, DEPARTMENTS, NOBODY, Unit


class SummaryStatus(enum.StrEnum):
    """草稿 → 已提交 → 已退回 / 已采用."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class PhaseSummary(SyncedRecord, Base):
    """A department's summary for a phase (or the whole year when ``phase_id`` is empty).

    ``sections`` maps a section name (基本情况, 主要做法与成效…) to its text. ``figures`` is the
    snapshot of its statistics taken when it was submitted (``summaries.figures_snapshot``):
    every later PDF prints it; a draft has none and computes its figures live.
    """

    __tablename__ = "phase_summaries"
    __exchange__ = ExchangeRule(
        create=DEPARTMENTS, reason="阶段总结由各科室撰写和提交",
        sender_columns={"department_id": "每个科室只能报送本科室的总结"},
    )  # fmt: skip

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    phase_id: Mapped[int | None] = mapped_column(ForeignKey("phases.id"), nullable=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[SummaryStatus] = mapped_column(
        enum_column_type(SummaryStatus, 16), default=SummaryStatus.DRAFT
    )
    sections: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, default=None)
    review_comment: Mapped[str] = mapped_column(Text, default="")

    phase: Mapped[Phase | None] = relationship()
    department: Mapped[Unit] = relationship(foreign_keys=[department_id])


class SummaryPhoto(SyncedRecord, Base):
    """A photo chosen for a summary, with its caption."""

    __tablename__ = "summary_photos"
    __exchange__ = ExchangeRule(
        create=DEPARTMENTS, reason="总结照片由撰写总结的科室选用",
        references={"summary_id": Touch(reason="照片只能选进发送单位自己的总结"),
                    "attachment_id": HELD_FILE},
    )  # fmt: skip

    summary_id: Mapped[int] = mapped_column(ForeignKey("phase_summaries.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    caption: Mapped[str] = mapped_column(String(200), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class ReviewDecision(enum.StrEnum):
    """What the county decided about a submitted summary."""

    RETURNED = "returned"  # 已退回
    ACCEPTED = "accepted"  # 已采用


class SummaryReview(SyncedRecord, Base):
    """The county's decision on one submitted version of a department's summary.

    Owned by the reviewing office (the summary itself stays the department's), so the decision
    travels back down in the county's package. It applies to the summary's revision
    ``summary_revision``: a resubmission after a return is a new revision, waiting anew.
    """

    __tablename__ = "summary_reviews"
    # the county's decision goes down only to the department whose summary it is
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, delete=NOBODY, about="summary_id",
        reason="总结的审核（退回、采用）由县矫正办作出，作出后不删除",
    )  # fmt: skip

    summary_id: Mapped[int] = mapped_column(ForeignKey("phase_summaries.id"), index=True)
    summary_revision: Mapped[int] = mapped_column(Integer)
    decision: Mapped[ReviewDecision] = mapped_column(enum_column_type(ReviewDecision, 16))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_on: Mapped[date] = mapped_column(Date)
