"""Values of manual indicators (``measure = "manual"``): entered by hand with a date and a note.

The latest value recorded on or before a date is the indicator's actual on that date. The county
office records them; a department records those of its own indicators whose template entry says
``entered_by = "department"`` (the indicator's ``value_unit_id`` names it).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, ExchangeRule, SyncedRecord, Touch
from app.models.duty import Indicator
from app.models.ledger import LedgerEntry
from app.models.unit import NOBODY, UnitKind


class ManualValue(SyncedRecord, Base):
    """One value of a manual indicator as at ``recorded_on``, with a note and optional evidence
    (a ledger entry of the indicator's department)."""

    __tablename__ = "manual_values"
    __exchange__ = ExchangeRule(
        create=frozenset({UnitKind.COUNTY_OFFICE, UnitKind.DEPARTMENT}),
        delete=NOBODY,  # a wrong value is superseded by a later entry, never removed
        # the value goes to every unit; its evidence, one department's entry, is at the county
        # and that department only (if it recorded it itself): elsewhere the value has none
        may_lack=("evidence_entry_id",),
        reason="人工评定指标的完成值由县矫正办（或指标指定的科室）录入，录入后不删除",
        references={
            "indicator_id": Touch(
                reason="只有县矫正办或指标指定的录入科室能录入该指标的完成值",
                naming=("value_unit_id",),
            ),
            "evidence_entry_id": Touch(
                reason="佐证台账只能是本单位的台账或接收单位自己的台账", importer=True
            ),
        },
    )

    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    value: Mapped[float] = mapped_column(Float)
    recorded_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id"), nullable=True
    )

    indicator: Mapped[Indicator] = relationship()
    evidence_entry: Mapped[LedgerEntry | None] = relationship()
