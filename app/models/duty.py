"""Duties decomposed per department (任务分解) and their quantitative indicators (量化考核)."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._enum import enum_column_type
from app.models.base import Base, ExchangeRule, SyncedRecord, ToCity, Touch
from app.models.ledger import EntryKind
from app.models.programme import Programme
from app.models.unit import COUNTY_OFFICE, Unit


class IndicatorMeasure(enum.StrEnum):
    """How an indicator's actual value is computed from the ledger."""

    COUNT = "count"  # number of entries of the counted kind
    SUM = "sum"  # sum of one field (``sum_field``) over those entries
    MANUAL = "manual"  # entered by hand, not computed


class Duty(SyncedRecord, Base):
    """One duty of a department in a programme, in the plan's order."""

    __tablename__ = "duties"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, to_city=ToCity.ALSO, reason="任务分解由县矫正办统一维护"
    )

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    programme: Mapped[Programme] = relationship()
    department: Mapped[Unit] = relationship(foreign_keys=[department_id])
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="duty", order_by="Indicator.sort_order"
    )


class Indicator(SyncedRecord, Base):
    """A measurable indicator of a duty: target for the year, weight, counted evidence."""

    __tablename__ = "indicators"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, to_city=ToCity.ALSO, reason="量化指标由县矫正办统一维护",
        references={"duty_id": Touch(reason="指标只能加在发送单位自己维护的职责下")},
    )  # fmt: skip

    duty_id: Mapped[int] = mapped_column(ForeignKey("duties.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    measure_unit: Mapped[str] = mapped_column(String(10))
    annual_target: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    measure: Mapped[IndicatorMeasure] = mapped_column(
        enum_column_type(IndicatorMeasure, 16),
        default=IndicatorMeasure.COUNT,
    )
    entry_kind_id: Mapped[int | None] = mapped_column(ForeignKey("entry_kinds.id"), nullable=True)
    sum_field: Mapped[str] = mapped_column(String(50), default="")
    # counts only entries the county marked 已核实 (the scheme says so: 以核实为准)
    verified_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # a manual indicator's value is entered on this unit's PC (its department, when the
    # template says ``entered_by = "department"``); None: the county office's
    value_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    duty: Mapped[Duty] = relationship(back_populates="indicators")
    entry_kind: Mapped[EntryKind | None] = relationship()
