"""Meetings of the programme: the monthly meetings of middle-level cadres (中层干部月度例会) and
the other kinds the template lists (动员部署会, 座谈会, 推进会…)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, ExchangeRule, SyncedRecord, Touch
from app.models.unit import COUNTY_UNITS, Unit

MEETING_TYPE_LENGTH = 20
DEFAULT_MEETING_TYPE = "月度例会"  # what meetings recorded before types existed were
_OWN_MEETING = Touch(reason="只能是发送单位自己记录的例会")


class Meeting(SyncedRecord, Base):
    """A meeting held on a date, chaired by someone, with attendees; ``meeting_type`` is one
    of the template's ``[meetings] types`` (only the ``monthly`` one fills a month's 例会)."""

    __tablename__ = "meetings"
    # recorded on whichever of the county's PCs took the minutes, changed only there; names
    # and free text: not for the city
    __exchange__ = ExchangeRule(create=COUNTY_UNITS, reason="例会由记录它的单位登记和修改")

    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), nullable=True)
    meeting_type: Mapped[str] = mapped_column(
        String(MEETING_TYPE_LENGTH),
        default=DEFAULT_MEETING_TYPE,
        server_default=DEFAULT_MEETING_TYPE,
    )
    meeting_date: Mapped[date] = mapped_column(Date, index=True)
    chair: Mapped[str] = mapped_column(String(50))
    attendees: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    reports: Mapped[list[MeetingReport]] = relationship(back_populates="meeting")
    decisions: Mapped[list[MeetingDecision]] = relationship(back_populates="meeting")


class MeetingReport(SyncedRecord, Base):
    """A department's report at a meeting: progress and problems."""

    __tablename__ = "meeting_reports"
    __exchange__ = ExchangeRule(
        create=COUNTY_UNITS, reason="例会汇报随例会由记录例会的单位登记",
        references={"meeting_id": _OWN_MEETING},
    )  # fmt: skip

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    progress: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="reports")
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])


class MeetingDecision(SyncedRecord, Base):
    """A decision taken at a meeting, with the unit responsible and a due date."""

    __tablename__ = "meeting_decisions"
    __exchange__ = ExchangeRule(
        create=COUNTY_UNITS, reason="例会议定事项随例会由记录例会的单位登记",
        references={"meeting_id": _OWN_MEETING},
    )  # fmt: skip

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    responsible_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")
