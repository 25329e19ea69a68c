"""Accounts of this PC (never exchanged in packages): who may log in, with which role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class User(Base):
    """One person who logs in on this PC. ``name_key`` is the user name folded to lower case
    (unique), so 「Admin」 and 「admin」 are the same account. ``password_hash`` is a scrypt
    hash with its parameters and salt (``app.services.passwords``); the password itself is
    never stored. ``unit_uuid`` names the unit the user works for when several units share
    one (server) database; None is the database's own unit. Like :class:`LocalSetting` this is a plain ``Base`` table, not a
    ``SyncedRecord``: packages never carry it."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    name_key: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[str] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(Text)
    # the data key wrapped by this user's password (app.services.vault); "" before the vault
    wrapped_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the unit this user works for (a department on the county's shared server); None: the
    # database's own unit (the local setting ``local_unit_uuid``), as on a unit's own PC
    unit_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
