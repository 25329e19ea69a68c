"""Issued bulletins (已发布的进度通报): the county's 通报 with its 期号, frozen when published."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, ExchangeRule, SyncedRecord
from app.models.unit import COUNTY_OFFICE, NOBODY


class IssuedBulletin(SyncedRecord, Base):
    """A bulletin the county published: its 期号 (``number``, in sequence within the
    programme), the date it counts to, the day it was issued, its title and a frozen
    ``snapshot`` of everything it prints (``app.services.issued_bulletins``). An issued
    bulletin never changes; it travels down to every department and office."""

    __tablename__ = "issued_bulletins"
    __table_args__ = (UniqueConstraint("programme_id", "number"),)
    # the county's document, its figures included; never deleted (the next issue supersedes)
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, delete=NOBODY,
        reason="进度通报由县矫正办发布，发布后不再改动",
    )  # fmt: skip

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    issued_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
