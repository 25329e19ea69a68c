"""Conflicts: a record changed here and by its owner since the two last agreed.

An import never resolves one silently. It keeps the local row as it is and the owner's version
in ``exchange_conflicts``; a person then keeps the local version, takes the owner's, or merges
the two field by field (``resolve``). Which records were changed here is known from
``local_edits`` (filled by a mapper event whenever a record another unit owns is edited).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from app.models import Base, ExchangeConflict, LocalEdit, Unit
from app.services.errors import UserError
from app.services.settings import require_database_unit
from app.sync.records import UuidMap, foreign_keys, from_record

BOOKKEEPING = {"id", "uuid", "revision", "updated_at", "created_at", "owner_unit_id"}
FIELD_LABELS = {
    "title": "标题", "name": "名称", "entry_date": "日期", "body": "正文", "values": "表单内容",
    "subjects_served": "服务对象人次", "deleted": "已删除", "kind_id": "类型", "unit_id": "单位",
    "paired_office_id": "结对司法所", "subject_id": "矫正对象", "text": "内容", "status": "状态",
    "caption": "说明", "annual_target": "年度目标", "weight": "权重", "category": "类别",
    "id_number": "身份证号", "judicial_office_id": "司法所", "sort_order": "顺序",
    "description": "说明", "start_date": "开始日期", "end_date": "结束日期", "deadline": "截止日期",
}  # fmt: skip
CHOICES = ("local", "incoming", "merged")


def differing_columns(values: dict[str, Any], local: Any) -> list[str]:
    """Columns whose incoming value differs from the local row (bookkeeping left out)."""
    row = local._mapping
    return [
        name
        for name, value in values.items()
        if name not in BOOKKEEPING and name in row and _comparable(row[name]) != _comparable(value)
    ]


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if hasattr(value, "value") and not isinstance(value, str | int | float | bool):
        return value.value
    return value


def base_revisions(session: Session, table: Table, uuids: list[str]) -> dict[str, int]:
    """For records changed here since their owner's last version: uuid → that version."""
    rows = session.execute(
        select(LocalEdit.record_uuid, LocalEdit.base_revision).where(
            LocalEdit.table_name == table.name, LocalEdit.record_uuid.in_(uuids)
        )
    )
    return dict(rows.all())


def record(
    session: Session, table: Table, incoming: dict[str, Any], local_revision: int,
    sender: Unit, sequence: int,
) -> None:  # fmt: skip
    """Keep the owner's version beside the local row (replacing an older open one)."""
    open_one = session.scalar(
        select(ExchangeConflict).where(
            ExchangeConflict.table_name == table.name,
            ExchangeConflict.record_uuid == incoming["uuid"],
            ExchangeConflict.resolved_at.is_(None),
        )
    )
    if open_one is None:
        open_one = ExchangeConflict(table_name=table.name, record_uuid=incoming["uuid"])
        session.add(open_one)
    open_one.sender_unit_id = sender.id
    open_one.package_sequence = sequence
    open_one.incoming = json.dumps(incoming, ensure_ascii=False)
    open_one.incoming_revision = int(incoming["revision"])
    open_one.local_revision = local_revision
    open_one.detected_at = datetime.now(UTC)


def agree(session: Session, table: Table, uuid: str) -> None:
    """The local row is again the owner's version: forget the local edit."""
    session.execute(
        delete(LocalEdit).where(LocalEdit.table_name == table.name, LocalEdit.record_uuid == uuid)
    )


def _table(name: str) -> Table:
    table = Base.metadata.tables.get(name)
    if table is None:
        raise UserError(f"未知的记录类型“{name}”。")
    return table


def describe(record: dict[str, Any]) -> str:
    """A short human name for a record: its title, name or text."""
    for key in ("title", "name", "caption", "text", "content", "description"):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:40]
    uuid: str = record.get("uuid", "")
    return uuid[:8]


@dataclass
class FieldDifference:
    """One field as it is here and as the owner has it."""

    column: str
    label: str
    local: str
    incoming: str


@dataclass
class OpenConflict:
    """A conflict as the 数据交换 page shows it."""

    id: int
    kind: str
    kind_label: str
    description: str
    sender: str
    sequence: int
    detected_at: datetime
    local_revision: int
    incoming_revision: int
    differences: list[FieldDifference]


def _shown(value: Any, column: str, table: Table, ids: UuidMap, session: Session) -> str:
    if value is None or value == "":
        return "（空）"
    target = foreign_keys(table).get(column)
    if target is not None:
        names = [c for c in ("name", "title") if c in target.c]
        if names:
            found = session.scalar(select(target.c[names[0]]).where(target.c.id == value))
            if found:
                return str(found)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(_comparable(value))


def _incoming_values(
    session: Session, conflict: ExchangeConflict
) -> tuple[Table, dict[str, Any], Any]:
    table = _table(conflict.table_name)
    incoming = json.loads(conflict.incoming)
    try:
        values = from_record(table, incoming, UuidMap(session))
    except KeyError:
        raise UserError("对方版本引用了本机没有的记录，无法采用；请先导入其余数据包。") from None
    local = session.execute(select(table).where(table.c.uuid == conflict.record_uuid)).one()
    return table, values, local


def open_conflicts(session: Session) -> list[OpenConflict]:
    """Every unresolved conflict, newest first, with the fields that differ."""
    from app.sync.exchange import KIND_LABELS

    found = session.scalars(
        select(ExchangeConflict)
        .where(ExchangeConflict.resolved_at.is_(None))
        .order_by(ExchangeConflict.detected_at.desc(), ExchangeConflict.id.desc())
    ).all()
    ids = UuidMap(session)
    result = []
    for conflict in found:
        table = _table(conflict.table_name)
        try:
            table, values, local = _incoming_values(session, conflict)
        except UserError as problem:  # listed all the same, with the reason it cannot be taken
            differences = [FieldDifference("", "说明", "—", str(problem))]
        else:
            row = local._mapping
            differences = [
                FieldDifference(
                    column, FIELD_LABELS.get(column, column),
                    _shown(row[column], column, table, ids, session),
                    _shown(values[column], column, table, ids, session),
                )
                for column in differing_columns(values, local)
            ]  # fmt: skip
        sender = session.get(Unit, conflict.sender_unit_id)
        result.append(
            OpenConflict(
                conflict.id, table.name, KIND_LABELS.get(table.name, table.name),
                describe(json.loads(conflict.incoming)), sender.name if sender else "",
                conflict.package_sequence, conflict.detected_at, conflict.local_revision,
                conflict.incoming_revision, differences,
            )
        )  # fmt: skip
    return result


def resolve(
    session: Session, conflict_id: int, choice: str, take_incoming: set[str] | None = None
) -> None:
    """Settle a conflict: keep the ``local`` version, take the ``incoming`` one, or ``merged``:
    the local row with the columns in ``take_incoming`` taken from the owner's version.

    Keeping or merging leaves the row marked as changed here, based on the owner's version
    just seen, so the owner's next change is again shown as a conflict rather than lost.
    """
    require_database_unit(session, "处理数据交换冲突")
    if choice not in CHOICES:
        raise UserError("请选择保留本机版本、采用对方版本或逐项合并。")
    conflict = session.get(ExchangeConflict, conflict_id)
    if conflict is None or conflict.resolved_at is not None:
        raise UserError("这个冲突已经处理过了。")
    table, values, local = _incoming_values(session, conflict)
    row = local._mapping
    if choice == "incoming":
        changes = {**values, "revision": conflict.incoming_revision}
        agree(session, table, conflict.record_uuid)
    else:
        picked = set(take_incoming or ()) if choice == "merged" else set()
        unknown = picked - set(differing_columns(values, local))
        if unknown:
            raise UserError("合并时只能选择两个版本不同的项目。")
        changes = {column: values[column] for column in picked}
        if picked:
            changes["revision"] = max(row["revision"], conflict.incoming_revision) + 1
        edit = session.get(LocalEdit, (table.name, conflict.record_uuid))
        if edit is None:
            session.add(LocalEdit(table_name=table.name, record_uuid=conflict.record_uuid,
                                  base_revision=conflict.incoming_revision))  # fmt: skip
        else:
            edit.base_revision = conflict.incoming_revision
    if changes:
        changes["updated_at"] = datetime.now(UTC)
        session.execute(update(table).where(table.c.id == row["id"]).values(**changes))
    conflict.resolved_at = datetime.now(UTC)
    conflict.resolution = choice
    session.flush()
