"""The county's 核实 of ledger entries (已核实 / 存疑) and the units' answers to doubts."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models._enum import enum_column_type
from app.models.base import Base, ExchangeRule, SyncedRecord, Touch
from app.models.unit import COUNTY_OFFICE, COUNTY_UNITS, NOBODY


class VerificationStatus(enum.StrEnum):
    """What the county found when it checked an entry against its evidence."""

    VERIFIED = "已核实"
    DOUBTFUL = "存疑"


class EntryVerification(SyncedRecord, Base):
    """The county's mark on one ledger entry ("工作情况以工作台账为准，由甲方统计核实").

    One row per entry, owned by the county office and changed when the county marks the entry
    again (after the unit's answer, say): it travels down only to the unit whose entry it is."""

    __tablename__ = "entry_verifications"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, delete=NOBODY, about="entry_id",
        reason="台账的核实（已核实、存疑）由县矫正办标记，标记后不删除",
    )  # fmt: skip

    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    status: Mapped[VerificationStatus] = mapped_column(enum_column_type(VerificationStatus, 16))
    reason: Mapped[str] = mapped_column(Text, default="")
    marked_on: Mapped[date] = mapped_column(Date)


class DoubtAnswer(SyncedRecord, Base):
    """A unit's answer to a doubt about its own entry, for the mark's revision it answers;
    travels up to the county with the unit's packages."""

    __tablename__ = "doubt_answers"
    __exchange__ = ExchangeRule(
        create=COUNTY_UNITS, delete=NOBODY,
        reason="对存疑台账的说明由填报该台账的单位作答，作答后不删除",
        references={"entry_id": Touch(reason="只能说明发送单位自己的台账")},
    )  # fmt: skip

    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    verification_revision: Mapped[int] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(Text)
    answered_on: Mapped[date] = mapped_column(Date)
