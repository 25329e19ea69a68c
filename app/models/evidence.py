"""Evidence integrity (台账核查): photos' perceptual hashes and the inspector's decisions.

Both tables are local to this PC, like the audit log: never exchanged. ``photo_hashes`` is
derived data (computed once per stored photo, so a second 核查 reads instead of decoding);
``evidence_flags`` keeps what an inspector decided about a flag, found again by its ``key``
(the flag's kind and the entries it names), and is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class PhotoHash(Base):
    """What the 核查 reads from one stored photo: its perceptual hash (64-bit pHash as 16 hex
    digits, empty when the photo could not be decoded), whether it is too plain to compare
    by look, and its EXIF date taken (None when it has none)."""

    __tablename__ = "photo_hashes"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    phash: Mapped[str] = mapped_column(String(16), default="")
    plain: Mapped[bool] = mapped_column(Boolean, default=False)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class EvidenceFlag(Base):
    """An inspector's decision on a 核查 flag: 已说明 (with a note) or 已提出整改 (the
    rectification item raised from it)."""

    __tablename__ = "evidence_flags"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    rectification_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("rectification_items.id"), nullable=True
    )
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
