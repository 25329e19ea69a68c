"""Supervision (督查) and rectification (整改)."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._enum import enum_column_type
from app.models.base import Base, ExchangeRule, SyncedRecord, Touch
from app.models.unit import COUNTY_OFFICE, COUNTY_UNITS, NOBODY, Unit


class RectificationStatus(enum.StrEnum):
    """待整改 → 整改中 → 已整改 → 已销号 (closed by the inspector)."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    RECTIFIED = "rectified"
    CLOSED = "closed"


class Inspection(SyncedRecord, Base):
    """An inspection of a unit on a date, by named inspectors."""

    __tablename__ = "inspections"
    # the inspecting office's own record (inspectors' names, findings): not for the city
    __exchange__ = ExchangeRule(create=COUNTY_OFFICE, reason="督查由县矫正办登记")

    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), nullable=True)
    inspection_date: Mapped[date] = mapped_column(Date, index=True)
    inspectors: Mapped[str] = mapped_column(String(200))
    inspected_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    findings: Mapped[str] = mapped_column(Text, default="")

    inspected_unit: Mapped[Unit] = relationship(foreign_keys=[inspected_unit_id])
    items: Mapped[list[RectificationItem]] = relationship(back_populates="inspection")


class RectificationItem(SyncedRecord, Base):
    """A finding to rectify, owned by a unit, with a deadline and a status."""

    __tablename__ = "rectification_items"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, reason="整改事项由督查单位（县矫正办）登记和销号",
        references={"inspection_id": Touch(reason="整改事项只能加在发送单位自己的督查下")},
    )  # fmt: skip

    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    finding: Mapped[str] = mapped_column(Text)
    responsible_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[RectificationStatus] = mapped_column(
        enum_column_type(RectificationStatus, 16), default=RectificationStatus.PENDING
    )
    evidence: Mapped[str] = mapped_column(Text, default="")
    rectified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    inspection: Mapped[Inspection] = relationship(back_populates="items")
    responsible_unit: Mapped[Unit] = relationship(foreign_keys=[responsible_unit_id])


class RectificationUpdate(SyncedRecord, Base):
    """The responsible unit's report on a rectification item: work started, or done with its
    evidence. Owned by that unit (the item stays the inspecting office's), so it travels up
    in the unit's package; only the inspector closes the item (已销号)."""

    __tablename__ = "rectification_updates"
    # the responsible unit's reports, and the inspecting office's send-backs; never deleted
    __exchange__ = ExchangeRule(
        create=COUNTY_UNITS, delete=NOBODY, reason="整改进展由责任单位报告（退回由督查单位作出），报告后不删除",
        references={"item_id": Touch(
            reason="只能报告发送单位负责的整改事项（或退回它自己督查的事项）",
            naming=("responsible_unit_id",))},
    )  # fmt: skip

    item_id: Mapped[int] = mapped_column(ForeignKey("rectification_items.id"), index=True)
    status: Mapped[RectificationStatus] = mapped_column(enum_column_type(RectificationStatus, 16))
    evidence: Mapped[str] = mapped_column(Text, default="")
    reported_on: Mapped[date] = mapped_column(Date)
