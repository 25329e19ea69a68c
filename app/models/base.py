"""Declarative base and the columns every exchanged record carries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Connection,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    event,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def new_uuid() -> str:
    """A fresh random UUID as text."""
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    """Base of every mapped class; constraint names are stable for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SyncedRecord:
    """Columns for a record that travels between offices in exchange packages.

    The integer primary key is local to one database; ``uuid`` identifies the record
    everywhere. ``owner_unit_id`` is the unit allowed to change it, ``revision`` counts
    changes (bumped on every update), and ``deleted`` is a soft delete (a tombstone).
    """

    if TYPE_CHECKING:
        __tablename__: str  # set by each mapped class

        def __init__(self, **kw: Any) -> None: ...  # the mapped class's (Base's) constructor

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    @declared_attr
    def owner_unit_id(cls) -> Mapped[int | None]:
        return mapped_column(
            ForeignKey("units.id", ondelete="RESTRICT"),
            nullable=True,
            index=True,
        )


@event.listens_for(SyncedRecord, "before_update", propagate=True)
def _bump_revision(_mapper: Mapper[Any], _connection: Connection, target: SyncedRecord) -> None:
    """Every change of an exchanged record raises its revision by one.

    An explicit revision set by the caller (an import applying a sender's revision) wins.
    """
    state = inspect(target)
    if state.attrs.revision.history.has_changes():
        return
    if state.session is not None and not state.session.is_modified(
        target, include_collections=False
    ):
        return
    target.revision = (target.revision or 0) + 1
