"""Exchange bookkeeping local to this database (never exchanged): the history of packages sent
and received, conflicts waiting for a person, and the records edited here that another unit
owns."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Mapper, mapped_column, object_session

from app.models._enum import enum_column_type
from app.models.base import Base, SyncedRecord, utcnow
from app.models.sealed import SealedText


class Direction(enum.StrEnum):
    """Whether a package left this PC or arrived, (KEYS) a change of exchange keys, or
    (REFUSED) a package this PC refused to import."""

    SENT = "sent"
    RECEIVED = "received"
    KEYS = "keys"
    REFUSED = "refused"


class PackageLog(Base):
    """One package exported or imported, or one change of keys (``Direction.KEYS``: details
    ``{"key_event", "code", "old_code"}``), kept for the 数据交换 page's history."""

    __tablename__ = "package_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    direction: Mapped[Direction] = mapped_column(enum_column_type(Direction, 16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    peer_unit_uuid: Mapped[str] = mapped_column(String(36))
    peer_unit_name: Mapped[str] = mapped_column(String(100))
    instance_uuid: Mapped[str] = mapped_column(String(36), default="")
    sequence: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    full: Mapped[bool] = mapped_column(default=False)
    reference_version: Mapped[int] = mapped_column(Integer, default=0)
    # JSON: {"records": n, "files": n, "created": {...}, "updated": {...}, ...}
    details: Mapped[str] = mapped_column(Text, default="{}")


class ExchangeConflict(Base):
    """A record changed both here and by its owner since the two last agreed.

    The local row is left as it is; the owner's version waits here (as a travelling record,
    JSON) until a person keeps one of them or merges the two on the 数据交换 page.
    """

    __tablename__ = "exchange_conflicts"
    __table_args__ = (
        Index("ix_exchange_conflicts_open", "table_name", "record_uuid", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64))
    record_uuid: Mapped[str] = mapped_column(String(36))
    sender_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    package_sequence: Mapped[int] = mapped_column(Integer)
    # a whole record (a subject's name and number too): sealed like the subject's columns
    incoming: Mapped[str] = mapped_column(SealedText("exchange_conflicts.incoming", False))
    incoming_revision: Mapped[int] = mapped_column(Integer)
    local_revision: Mapped[int] = mapped_column(Integer)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolution: Mapped[str] = mapped_column(String(16), default="")


class LocalEdit(Base):
    """A record another unit owns, changed on this PC since the last version received from its
    owner (``base_revision``). Absent means the local row is the owner's last version."""

    __tablename__ = "local_edits"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    base_revision: Mapped[int] = mapped_column(Integer)


_LOCAL_UNIT_ID = text(
    "SELECT units.id FROM units JOIN local_settings ON local_settings.value = units.uuid "
    "WHERE local_settings.key = 'local_unit_uuid'"
)
_UNIT_ID = text("SELECT units.id FROM units WHERE units.uuid = :uuid")


def _acting_unit_id(connection: Connection, target: SyncedRecord) -> int | None:
    """The id of the unit the change is made for: the acting user's unit when their account
    names one (several units sharing a server database, as ``settings.local_unit`` answers),
    else the database's own unit."""
    session = object_session(target)
    unit_uuid = getattr(session.info.get("actor"), "unit_uuid", None) if session else None
    found = (
        connection.scalar(_UNIT_ID, {"uuid": unit_uuid})
        if unit_uuid
        else connection.scalar(_LOCAL_UNIT_ID)
    )
    return int(found) if found is not None else None


@event.listens_for(SyncedRecord, "before_update", propagate=True)
def _remember_local_edit(
    _mapper: Mapper[Any], connection: Connection, target: SyncedRecord
) -> None:
    """A change made here to a record another unit owns is remembered with the revision it
    started from, so the next version from the owner is recognised as a conflict. "Another
    unit" is another than the acting user's: a department's clerk editing the department's
    own record on the county's shared server is its owner, not a local edit of the county."""
    history = inspect(target).attrs.revision.history
    if not history.has_changes() or not history.deleted or target.owner_unit_id is None:
        return
    if _acting_unit_id(connection, target) in (None, target.owner_unit_id):
        return
    # the first base revision is kept: INSERT … ON CONFLICT DO NOTHING in either dialect
    dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(
        dialect_insert(LocalEdit)
        .values(table_name=target.__tablename__, record_uuid=target.uuid,
                base_revision=history.deleted[0])
        .on_conflict_do_nothing(index_elements=["table_name", "record_uuid"])
    )  # fmt: skip
