"""Archive numbers (档号) of ledger entries bound into a 台账 volume (never exchanged)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class ArchiveNumber(Base):
    """The 档号 of one ledger entry in the style of DA/T 22 (年度-保管期限-机构代码-件号, e.g.
    2018-D10-FLYZ-0001), assigned the first time the entry is bound into a volume and never
    changed afterwards: a later entry gets the next 件号 of its year, retention and unit, and a
    deleted entry keeps its number (the row stays). Numbers are this PC's binding record, like
    :class:`LocalSetting` a plain ``Base`` table that packages never carry."""

    __tablename__ = "archive_numbers"
    __table_args__ = (UniqueConstraint("year", "retention", "org_code", "item_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    retention: Mapped[str] = mapped_column(String(10))
    org_code: Mapped[str] = mapped_column(String(20))
    item_number: Mapped[int] = mapped_column(Integer)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def text(self) -> str:
        """The 档号 as printed: 2018-D10-FLYZ-0001."""
        return archive_number_text(self.year, self.retention, self.org_code, self.item_number)


def archive_number_text(year: int, retention: str, org_code: str, item_number: int) -> str:
    """年度-保管期限-机构代码-件号 with a four-digit 件号."""
    return f"{year}-{retention}-{org_code}-{item_number:04d}"
