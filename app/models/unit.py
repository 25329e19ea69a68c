"""Organisation: units (departments, judicial offices, correction offices) and pairings."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._enum import enum_column_type
from app.models.base import Base, ExchangeRule, SyncedRecord, ToCity

if TYPE_CHECKING:
    from app.models.programme import Programme


class UnitKind(enum.StrEnum):
    """What kind of office a unit is; the values are stored in the database."""

    DEPARTMENT = "department"  # 局科室
    JUDICIAL_OFFICE = "judicial_office"  # 司法所
    CORRECTION_SECTION = "correction_section"  # 社区矫正科
    COUNTY_OFFICE = "county_office"  # 县矫正办
    CITY_OFFICE = "city_office"  # 市矫正办


# Who may write what through packages (each model's ``__exchange__``), by the sending unit's kind.
NOBODY: frozenset[UnitKind] = frozenset()
COUNTY_OFFICE = frozenset({UnitKind.COUNTY_OFFICE})
"""The county correction office: the hub that keeps the reference data and the assessment."""
AGREEMENT_KEEPERS = frozenset({UnitKind.COUNTY_OFFICE, UnitKind.CORRECTION_SECTION})
"""The county's PCs that draft, issue, sign and void agreements (services.agreements.KEEPERS)."""
DEPARTMENTS = frozenset({UnitKind.DEPARTMENT})
"""The bureau's departments (局科室): they sign agreements, write summaries and are scored."""
COUNTY_UNITS = frozenset(kind for kind in UnitKind if kind != UnitKind.CITY_OFFICE)
"""Every office of the county, each for its own records (its ledger, its reports)."""


class Unit(SyncedRecord, Base):
    """An office taking part in the mechanism.

    ``parent`` is the unit it reports to: departments and judicial offices report to the
    county correction office, which reports to the city correction office.
    """

    __tablename__ = "units"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, to_city=ToCity.ALSO,
        reason="单位由县矫正办统一维护（其他电脑只能查看）",
    )  # fmt: skip

    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column_type(UnitKind, 32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    responsible_person: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0, index=True)

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", foreign_keys=[parent_id])


class Pairing(SyncedRecord, Base):
    """挂钩结对: a bureau department paired with a township judicial office in a programme."""

    __tablename__ = "pairings"
    __table_args__ = (UniqueConstraint("programme_id", "department_id", "office_id"),)
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, to_city=ToCity.ALSO, reason="挂钩结对由县矫正办统一维护"
    )

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")

    programme: Mapped[Programme] = relationship()
    department: Mapped[Unit] = relationship(foreign_keys=[department_id])
    office: Mapped[Unit] = relationship(foreign_keys=[office_id])
