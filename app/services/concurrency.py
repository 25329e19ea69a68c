"""已被他人修改: the revision counter as an optimistic lock.

An editing form loads a record in one session and saves it in another; meanwhile another
clerk (another PC on the same server, or another window) may have saved the same record. The
form carries the revision it was opened with (``expected_revision`` in the services' inputs)
and the save service wraps its changes in :func:`editing`, the one shared check:

- the stored row is read again, locked until the commit (``FOR UPDATE`` on PostgreSQL; SQLite
  has one writer at a time), so nobody can save between the check and the UPDATE;
- when its revision is still the one the form was opened with, the save goes ahead;
- otherwise the service's changes are made (to know what "yours" is) and
  :class:`ConcurrentEdit` is raised, carrying both versions field by field and who saved the
  record and when (from the audit log); the caller's session rolls everything back.

Deleting a record changed since it was opened is refused the same way (:func:`check`). The
clerk may then save over the other version deliberately: the operation runs again with the
conflict accepted (:func:`accept`, ``session.info``), which is audited ("覆盖他人修改").

Last line of defence: every synced record's mapper has ``revision`` as its version column
(``version_id_col``, app/models/base.py), so an UPDATE whose row changed after it was read
matches no row; :func:`stale_data` turns SQLAlchemy's StaleDataError into a ConcurrentEdit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.models import AuditEntry, Base, SyncedRecord
from app.services.errors import UserError

ACCEPTED = "optlock.accepted"  # session.info: {(table, id): revision the clerk saves over}
SKIPPED = frozenset({"id", "uuid", "revision", "created_at", "updated_at", "owner_unit_id"})
Extra = Callable[[Session, Any], Mapping[str, str]]  # more shown fields: label → text


@dataclass(frozen=True)
class Difference:
    """One field of the record as the other clerk saved it and as this clerk filled it in."""

    label: str
    theirs: str
    yours: str


class ConcurrentEdit(UserError):
    """The record was saved by someone else after this form was opened: nothing was saved.

    ``differences`` are the fields that differ (他人保存的 / 您填写的); ``who`` and ``when``
    the last save's author and time when known; ``revision`` the stored revision, which a
    save-over accepts (:func:`accept`)."""

    def __init__(
        self,
        *,
        table: str,
        record_id: int,
        what: str,
        expected: int,
        revision: int,
        differences: tuple[Difference, ...] = (),
        who: str = "",
        when: datetime | None = None,
        deleting: bool = False,
        gone: bool = False,
    ) -> None:
        self.table, self.record_id, self.what = table, record_id, what
        self.expected, self.revision = expected, revision
        self.differences, self.who, self.when = differences, who, when
        self.deleting, self.gone = deleting, gone
        super().__init__(self.sentence())

    def sentence(self) -> str:
        """The Chinese message: what happened and that nothing was saved."""
        if self.gone:
            return f"{self.what}已被他人删除，您的修改没有保存。"
        by = self.who or "他人"
        at = f"于 {when_text(self.when)} " if self.when is not None else ""
        done = "没有删除" if self.deleting else "您的修改没有保存"
        return f"{self.what}在您打开后已被{by}{at}修改，{done}。"


def when_text(moment: datetime) -> str:
    """A moment in the PC's local time, to the second: 2026-12-01 17:05:09."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def accept(session: Session, conflict: ConcurrentEdit) -> None:
    """Let this session save over the version ``conflict`` reported (and only that one: a
    third save meanwhile is again a conflict)."""
    accepted: dict[tuple[str, int], int] = session.info.setdefault(ACCEPTED, {})
    accepted[(conflict.table, conflict.record_id)] = conflict.revision


def what_of(record: SyncedRecord) -> str:
    """The record named for the message: 台账“入户走访”."""
    from app.services.audit import table_label

    kind = table_label(record.__tablename__)
    for key in ("title", "name", "caption", "text", "description"):
        value = getattr(record, key, None)
        if isinstance(value, str) and value.strip():
            return f"{kind}“{value.strip()[:30]}”"
    return f"这条{kind}"


def _lock(session: Session, record: SyncedRecord) -> None:
    """Read the stored row again, locked until the commit (a no-op lock on SQLite)."""
    session.refresh(record, with_for_update=True)


def _shown(session: Session, record: Any, key: str) -> str:
    value = getattr(record, key)
    if value is None or value == "":
        return "（空）"
    if key.endswith("_id") and isinstance(value, int):
        related = _related_name(session, type(record), key, value)
        if related is not None:
            return related
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if hasattr(value, "value") and not isinstance(value, str | int | float):
        return str(value.value)  # an enum
    return str(value)


def _related_name(session: Session, model: type, key: str, value: int) -> str | None:
    """The name or title of the row a reference column points at (read through the ORM, so
    sealed names read plain)."""
    column = model.__table__.c[key]  # type: ignore[attr-defined]
    for fk in column.foreign_keys:
        target = fk.column.table
        for mapper in Base.registry.mappers:
            if mapper.local_table is target:
                row = session.get(mapper.class_, value)
                for name in ("name", "title"):
                    text = getattr(row, name, None) if row is not None else None
                    if isinstance(text, str) and text:
                        return text
    return None


@dataclass(frozen=True, kw_only=True)
class Shown:
    """How a kind of record is shown in the conflict dialog beyond its plain columns:
    ``extra`` adds fields shown their own way (an entry's form values by their labels, its
    photos), ``omit`` leaves columns out, ``labels`` names columns as its form does."""

    extra: Extra | None = None
    omit: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)


PLAIN = Shown()


def snapshot(session: Session, record: Any, shown: Shown = PLAIN) -> dict[str, str]:
    """The record's fields as the conflict dialog shows them: label → text (bookkeeping
    columns left out; see :class:`Shown`)."""
    from app.services.audit import column_label

    fields: dict[str, str] = {}
    with session.no_autoflush:
        for attr in inspect(record).mapper.column_attrs:
            if attr.key not in SKIPPED and attr.key not in shown.omit:
                label = shown.labels.get(attr.key) or column_label(attr.key)
                fields[label] = _shown(session, record, attr.key)
        if shown.extra is not None:
            fields.update(shown.extra(session, record))
    return fields


def differences(theirs: Mapping[str, str], yours: Mapping[str, str]) -> tuple[Difference, ...]:
    """The fields whose text differs, in the order of the record's columns."""
    labels = list(dict.fromkeys([*theirs, *yours]))
    return tuple(
        Difference(label, theirs.get(label, "（空）"), yours.get(label, "（空）"))
        for label in labels
        if theirs.get(label, "（空）") != yours.get(label, "（空）")
    )


def last_save(session: Session, record: SyncedRecord) -> tuple[str, datetime | None]:
    """Who saved ``record`` last and when: the audit log's newest line about it (its author's
    display name), else its ``updated_at`` alone."""
    line = session.execute(
        select(AuditEntry.display_name, AuditEntry.at)
        .where(
            AuditEntry.table_name == record.__tablename__,
            AuditEntry.record_id == str(record.id),
            AuditEntry.kind.in_(("create", "change", "delete", "overwrite", "import")),
        )
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).first()
    if line is not None:
        return line.display_name, datetime.fromisoformat(line.at)
    return "", record.updated_at


def _stale(
    session: Session, record: SyncedRecord, expected: int | None, deleting: bool = False
) -> bool:
    """Whether the stored record moved on from ``expected`` (and was not accepted: a save
    over it, or a delete, audited as 覆盖他人修改)."""
    if expected is None or record.revision == expected:
        return False
    accepted = session.info.get(ACCEPTED, {}).get((record.__tablename__, record.id))
    if accepted is not None and accepted == record.revision:
        from app.services.audit import record as audit_line

        what = "删除他人修改过的记录" if deleting else "以本人填写的内容覆盖他人的修改"
        audit_line(
            session, "overwrite", f"{what}（修订号 {expected} → {record.revision}）", record=record
        )
        return False
    return True


@contextmanager
def editing(
    session: Session,
    record: SyncedRecord,
    expected: int | None,
    *,
    shown: Shown = PLAIN,
    what: str | None = None,
) -> Iterator[None]:
    """Make the changes to ``record`` inside this block: when the stored revision is no longer
    ``expected`` (the one the form was opened with), they are compared with the stored
    version and :class:`ConcurrentEdit` is raised instead of saving (None: no check, e.g.
    the command line). The row stays locked from the check to the commit."""
    if expected is None:
        yield
        return
    _lock(session, record)
    if not _stale(session, record, expected):
        yield
        return
    theirs = snapshot(session, record, shown)
    name = what or what_of(record)
    who, when = last_save(session, record)  # before this session's own flush adds a line
    stored = record.revision
    yield
    yours = snapshot(session, record, shown)
    found = differences(theirs, yours)
    if not found:  # both saved the same: nothing of either is lost
        return
    raise ConcurrentEdit(
        table=record.__tablename__, record_id=record.id, what=name, expected=expected,
        revision=stored, differences=found, who=who, when=when,
    )  # fmt: skip


def check(
    session: Session,
    record: SyncedRecord,
    expected: int | None,
    *,
    shown: Shown = PLAIN,
    deleting: bool = True,
) -> None:
    """Refuse an action on a record (a delete) that someone changed after it was shown:
    :class:`ConcurrentEdit` with the stored version's fields (the row is locked otherwise)."""
    if expected is None:
        return
    _lock(session, record)
    if not _stale(session, record, expected, deleting):
        return
    who, when = last_save(session, record)
    fields = snapshot(session, record, shown)
    raise ConcurrentEdit(
        table=record.__tablename__, record_id=record.id, what=what_of(record),
        expected=expected, revision=record.revision,
        differences=tuple(Difference(label, text, "（删除）") for label, text in fields.items()),
        who=who, when=when, deleting=deleting,
    )  # fmt: skip


def touch_if_parts_changed(session: Session, record: SyncedRecord, *parts: type) -> bool:
    """A change of a record's parts kept in rows of their own (an entry's photos, a meeting's
    reports and decisions) is a change of the record: its ``updated_at`` is set, so its
    revision moves and a form opened before sees the conflict. Call before the last flush;
    whether anything changed."""
    from app.models.base import utcnow

    changed = any(
        isinstance(row, parts) and (row in session.new or session.is_modified(row))
        for row in [*session.new, *session.dirty]
    )
    if changed and record not in session.new:
        record.updated_at = utcnow()
    return changed


def stale_data(error: BaseException) -> ConcurrentEdit | None:
    """SQLAlchemy's StaleDataError (an UPDATE or DELETE whose row's revision changed after
    it was read: two saves at the same instant) as a ConcurrentEdit without details."""
    from sqlalchemy.orm.exc import StaleDataError

    if not isinstance(error, StaleDataError):
        return None
    return ConcurrentEdit(table="", record_id=0, what="这条记录", expected=0, revision=0)
