"""Innovation brands (品牌创建) such as “律师+”, “法援+”."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._enum import enum_column_type
from app.models.base import Base, ExchangeRule, SyncedRecord, ToCity, Touch
from app.models.unit import COUNTY_OFFICE, Unit

_OWN_BRAND = Touch(reason="只能是发送单位自己登记的品牌")


class BrandStatus(enum.StrEnum):
    """Planned, being built, or created (counts toward the brands goal)."""

    PLANNED = "planned"
    BUILDING = "building"
    CREATED = "created"


class Brand(SyncedRecord, Base):
    """A brand led by a department, with participants, milestones and evidence."""

    __tablename__ = "brands"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE,
        to_city=ToCity.ALSO,  # the plan's brand goal is judged at the city
        reason="品牌由县矫正办登记和维护",
    )

    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[BrandStatus] = mapped_column(
        enum_column_type(BrandStatus, 16), default=BrandStatus.PLANNED
    )
    outcomes: Mapped[str] = mapped_column(Text, default="")

    lead_unit: Mapped[Unit] = relationship(foreign_keys=[lead_unit_id])


class BrandParticipant(SyncedRecord, Base):
    """A unit taking part in a brand."""

    __tablename__ = "brand_participants"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE,
        to_city=ToCity.ALSO,
        reason="品牌参与单位由县矫正办登记",
        references={"brand_id": _OWN_BRAND},
    )
    __table_args__ = (UniqueConstraint("brand_id", "unit_id"),)

    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))


class BrandMilestone(SyncedRecord, Base):
    """A step in building a brand."""

    __tablename__ = "brand_milestones"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE,
        to_city=ToCity.ALSO,
        reason="品牌节点由县矫正办登记",
        references={"brand_id": _OWN_BRAND},
    )

    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class BrandEvidence(SyncedRecord, Base):
    """A ledger entry attached to a brand as evidence."""

    __tablename__ = "brand_evidence"
    # the county picks units' entries as evidence; each link goes down only to the entry's unit
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, about="entry_id", reason="品牌佐证由县矫正办选定",
        references={"brand_id": _OWN_BRAND},
    )  # fmt: skip
    __table_args__ = (UniqueConstraint("brand_id", "entry_id"),)

    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
