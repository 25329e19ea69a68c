"""The audit log (审计日志): who did what to which record, append-only and hash-chained.

Local to this PC like :class:`~app.models.settings.LocalSetting`: not a synced record, so it
never travels in a package. Lines hold no personal values (a subject's name or identity
number): only the kind of action, the table, the record's id and uuid and a short Chinese
description. Each line's ``hash`` is the SHA-256 of its canonical JSON and the previous
line's hash (``app.services.audit``).
"""

from __future__ import annotations

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AuditEntry(Base):
    """One line of the audit log. ``at`` is UTC in ISO 8601 text (exactly as hashed)."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_kind", "kind"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(64), default="")
    user_name: Mapped[str] = mapped_column(String(100), default="")
    display_name: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(32))
    table_name: Mapped[str] = mapped_column(String(64), default="")
    record_id: Mapped[str] = mapped_column(String(64), default="")
    record_uuid: Mapped[str] = mapped_column(String(36), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
