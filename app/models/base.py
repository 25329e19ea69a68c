"""Declarative base and the columns every exchanged record carries."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

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

if TYPE_CHECKING:
    from app.models.unit import UnitKind

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


class ToCity(enum.Enum):
    """Whether a table's rows go up from the county to the city office."""

    NO = "no"  # they stay in the county (the ledger, anything personal, the county's own work)
    ALSO = "also"  # reference data: down to the units and up to the city
    ONLY = "only"  # the county's aggregate: to the city only


class Personal(enum.Enum):
    """How a table's rows carry a correction subject's data. Such rows go up to the county
    whole, down to a unit only when that unit serves the subject, never to the city (see
    ``app.sync.rights``)."""

    SUBJECT = "subject"  # the subject itself (name, identity number)
    ENTRY = "entry"  # a ledger entry, which may name a subject (``subject_id``)
    ENTRY_PART = "entry_part"  # a row of a ledger entry (``entry_id``), e.g. a photo link
    FILE = "file"  # a stored file, withheld with the entries it is a photo of


@dataclass(frozen=True, kw_only=True)
class Touch:
    """Which rows a reference column of an incoming record may point at: the rows the sender
    may touch. A row qualifies when any of the conditions set here holds."""

    reason: str  # Chinese, said when a reference is refused: "台账照片只能加在本单位自己的台账上"
    owned: bool = True  # rows the sending unit owns
    naming: tuple[str, ...] = ()  # rows whose unit column (responsible_unit_id) names the sender
    importer: bool = False  # rows the importing unit owns (it sent them to the sender)
    in_package: bool = False  # rows the same package brings (content-named attachments)
    linked_from: tuple[str, str] | None = None  # rows the sender's own rows of (table, column)
    # point at, e.g. ("entry_attachments", "attachment_id"): the photos of its own entries


@dataclass(frozen=True, kw_only=True)
class ExchangeRule:
    """Who may write a table's rows through an exchange package, and where they travel.

    Every exchanged model declares one as ``__exchange__``; the import enforces it for every
    record (``app.sync.rights``), the export follows it. The kinds are those of the *sending*
    unit, which must also own every record it sends. ``change`` and ``delete`` default to
    ``create``; an empty set means nobody (e.g. records the app never deletes).
    """

    create: frozenset[UnitKind]
    reason: str  # Chinese, who keeps these records, said when a write is refused
    change: frozenset[UnitKind] | None = None
    delete: frozenset[UnitKind] | None = None
    to_city: ToCity = ToCity.NO
    # a reference column: the rows go down only to the unit that owns the row it points at;
    # one about a row the recipient has not (the sender keeps it on the recipient's behalf)
    # is left out there on import, not refused (app.sync.exchange)
    about: str | None = None
    # optional (nullable) reference columns whose row the recipient may not have, e.g. a value's
    # evidence: another unit's ledger entry, which travels only to the county. Imported empty
    # there (app.sync.exchange); other references must point at rows the recipient has
    may_lack: tuple[str, ...] = ()
    # rows named by their content (an attachment's uuid comes from its SHA-256): a copy sent
    # by another unit than the one whose row is here is the same file, not a change
    shared_content: bool = False
    # unit columns of the record itself that must name the sender, with the reason
    sender_columns: Mapping[str, str] = field(default_factory=dict)
    # reference columns and which rows they may point at; other references may point anywhere
    references: Mapping[str, Touch] = field(default_factory=dict)
    personal: Personal | None = None

    def kinds(self, action: str) -> frozenset[UnitKind]:
        """The kinds of sending unit that may ``action`` ("create", "change", "delete") a row."""
        if action == "create":
            return self.create
        chosen = self.change if action == "change" else self.delete
        return self.create if chosen is None else chosen


class SyncedRecord:
    """Columns for a record that travels between offices in exchange packages.

    The integer primary key is local to one database; ``uuid`` identifies the record
    everywhere. ``owner_unit_id`` is the unit allowed to change it, ``revision`` counts
    changes (bumped on every update), and ``deleted`` is a soft delete (a tombstone).
    """

    if TYPE_CHECKING:
        __tablename__: str  # set by each mapped class
        __exchange__: ClassVar[ExchangeRule]  # set by each mapped class: its write rights

        def __init__(self, **kw: Any) -> None: ...  # the mapped class's (Base's) constructor

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    revision: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # the revision is the optimistic lock: an UPDATE or DELETE names the revision it read
        # (WHERE revision = …) and matches no row when another session saved meanwhile
        # (StaleDataError, see app.services.concurrency); the listener below sets the new one
        return {"version_id_col": cls.revision, "version_id_generator": False}

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
