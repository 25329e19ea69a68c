"""Ratings of a department by its paired township judicial offices (结对司法所测评).

Each judicial office rates each department it is paired with (挂钩结对) once per programme, on
its own PC, item by item as the template's ``[assessment.peer_rating]`` lists them; the rating
travels up to the county in the office's packages. Once sent it never changes.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, Float, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, ExchangeRule, SyncedRecord
from app.models.unit import NOBODY, Unit, UnitKind


class PeerRating(SyncedRecord, Base):
    """One office's rating of one paired department in a programme: points per item
    (``scores``: item code → points), their ``total``, a comment and the day it was made."""

    __tablename__ = "peer_ratings"
    __table_args__ = (UniqueConstraint("programme_id", "office_id", "department_id"),)
    __exchange__ = ExchangeRule(
        create=frozenset({UnitKind.JUDICIAL_OFFICE}),
        delete=NOBODY,  # a rating once made is kept
        reason="结对部门评价由结对司法所在本所电脑上填写，县矫正办只接收、不填写",
        sender_columns={"office_id": "司法所只能以本所名义评价结对部门"},
    )

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    total: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_on: Mapped[date] = mapped_column(Date)

    office: Mapped[Unit] = relationship(foreign_keys=[office_id])
    department: Mapped[Unit] = relationship(foreign_keys=[department_id])
