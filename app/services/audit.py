"""The audit log (审计日志): recording, the hash chain and its check, and the list.

Every flush that creates, changes or deletes a synced record (or a model marked
``__audited__ = True``) appends one line per record, with the actor of the session
(``session.info["actor"]``, duck-typed: ``user_id``/``user_name``/``display_name``; none is
the program itself, "程序"). Lifecycle verbs (印发, 签署, 作废, 提交, 导入, 备份…) are
recorded explicitly with :func:`record`. Lines are written through Core in the same
transaction as the change they describe, so a rolled-back action leaves no line.

The chain: each line's ``hash`` is the SHA-256 of its canonical JSON, which includes the
previous line's hash; the newest line's number and hash are also kept in ``local_settings``
(``audit.head``), updated in the same transaction, so that removing the last lines is
detected as well as editing or removing a line in the middle (:func:`verify_chain`).
Descriptions never hold personal values: only the kind of record and the names of the
columns that changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event, func, insert, inspect, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, UOWTransaction

from app.models import AuditEntry, LocalSetting, SyncedRecord
from app.services.accounts import require

HEAD_KEY = "audit.head"  # "<seq>:<hash>" of the newest line
GENESIS = "0" * 64  # the previous hash of the first line
PROGRAM = "程序"  # the actor when no user is logged in (migrations, automatic backup, imports)
READ = "audit.read"  # the permission to read, check and export the log
QUIET = "audit.quiet"  # session.info flag: the caller records one line itself (package import)

# The kinds of action, with their Chinese labels (the page's filter and the export).
KIND_LABELS: dict[str, str] = {
    "start": "启用审计日志",
    "create": "新建",
    "change": "修改",
    "delete": "删除",
    "submit": "提交",
    "adopt": "采用",
    "return": "退回",
    "issue": "印发",
    "sign": "签署",
    "void": "作废",
    "import": "导入数据包",
    "export": "导出",
    "backup": "备份",
    "restore": "恢复",
    "login": "登录",
    "login_failed": "登录失败",
    "role_change": "角色变更",
    "show_id_number": "显示完整身份证号",
}

# Record kinds in Chinese, for descriptions (the exchange's labels, plus local tables).
TABLE_LABELS: dict[str, str] = {
    "units": "单位", "attachments": "附件", "correction_subjects": "社区矫正对象",
    "entry_kinds": "台账类型", "programmes": "实施方案", "agreement_templates": "责任状文本",
    "agreements": "责任状", "brands": "品牌", "duties": "职责", "goals": "目标", "inspections": "督查",
    "ledger_entries": "台账", "meetings": "例会", "pairings": "挂钩结对", "phases": "阶段",
    "brand_evidence": "品牌佐证", "brand_milestones": "品牌节点", "brand_participants": "品牌参与单位",
    "entry_attachments": "台账照片", "indicators": "指标", "meeting_decisions": "例会议定事项",
    "meeting_reports": "例会汇报", "phase_summaries": "阶段总结", "rectification_items": "整改事项",
    "summary_photos": "总结照片", "aggregate_reports": "县级汇总", "summary_reviews": "总结审核",
    "rectification_updates": "整改进展", "assessment_schemes": "考核方案",
    "score_adjustments": "考核加减分", "county_summaries": "全县总结", "judgement_scores": "考核评分",
    "manual_values": "指标完成值", "issued_bulletins": "进度通报", "peer_ratings": "结对部门评价",
    "users": "用户", "roles": "角色",
}  # fmt: skip

# Bookkeeping columns left out of "修改…（字段：…）"
_QUIET_COLUMNS = frozenset({"updated_at", "revision"})


def table_label(table: str) -> str:
    """A table's record kind in Chinese (the table name where none is known)."""
    return TABLE_LABELS.get(table, table)


@dataclass(frozen=True)
class Who:
    """The actor of a line."""

    user_id: str
    user_name: str
    display_name: str


def actor_of(session: Session) -> Who:
    """The session's actor (``session.info["actor"]``, any object with ``user_id``/``id``,
    ``user_name``/``name`` and ``display_name``), or the program itself."""
    actor = session.info.get("actor")
    if actor is None:
        return Who("", "", PROGRAM)
    user_id = getattr(actor, "user_id", None)
    if user_id is None:
        user_id = getattr(actor, "id", "")
    user_name = getattr(actor, "user_name", None) or getattr(actor, "name", "") or ""
    display = getattr(actor, "display_name", None) or user_name or PROGRAM
    return Who(str(user_id or ""), str(user_name), str(display))


def now_text(moment: datetime | None = None) -> str:
    """A moment as the log keeps it: UTC, ISO 8601 with microseconds."""
    when = (moment or datetime.now(UTC)).astimezone(UTC)
    return when.isoformat(timespec="microseconds")


def line_hash(line: dict[str, Any]) -> str:
    """SHA-256 of a line's canonical JSON (every column but ``hash``, ``prev_hash`` included)."""
    fields = {k: line[k] for k in sorted(line) if k != "hash"}
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_has_table: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()


def _ready(connection: Connection) -> bool:
    """Whether the database has the audit table (not an older schema being upgraded)."""
    engine = connection.engine
    if _has_table.get(engine):
        return True
    found = connection.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_entries'")
        if connection.dialect.name == "sqlite"
        else select(func.count()).select_from(AuditEntry.__table__)
    ).first()
    if found is not None:
        _has_table[engine] = True
        return True
    return False


def _head(connection: Connection) -> tuple[int, str]:
    """The newest line's number and hash, after taking the write lock (the head setting is
    touched first, so two programs never chain onto the same line)."""
    connection.execute(
        text("UPDATE local_settings SET value = value WHERE key = :key"), {"key": HEAD_KEY}
    )
    row = connection.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row is not None else (0, GENESIS)


def _append(connection: Connection, who: Who, lines: Iterable[dict[str, str]]) -> int:
    """Chain ``lines`` (kind, table_name, record_id, record_uuid, description) onto the log
    and move the head; the number of lines written."""
    pending = list(lines)
    if not pending or not _ready(connection):
        return 0
    seq, previous = _head(connection)
    at = now_text()
    rows = []
    for line in pending:
        seq += 1
        row: dict[str, Any] = {
            "seq": seq, "at": at, "user_id": who.user_id, "user_name": who.user_name,
            "display_name": who.display_name, "kind": line["kind"],
            "table_name": line.get("table_name", ""), "record_id": line.get("record_id", ""),
            "record_uuid": line.get("record_uuid", ""),
            "description": line.get("description", "")[:500], "prev_hash": previous,
        }  # fmt: skip
        row["hash"] = previous = line_hash(row)
        rows.append(row)
    connection.execute(insert(AuditEntry), rows)
    upsert = sqlite_insert(LocalSetting).values(key=HEAD_KEY, value=f"{seq}:{previous}")
    connection.execute(
        upsert.on_conflict_do_update(index_elements=["key"], set_={"value": upsert.excluded.value})
    )
    return len(rows)


def record(
    session: Session,
    kind: str,
    description: str,
    *,
    table: str = "",
    record: Any = None,
) -> None:
    """Append one line for a lifecycle verb (``kind``: a key of :data:`KIND_LABELS`).
    ``record`` is the ORM object concerned (its table, id and uuid are taken) or its id.
    ``description`` is short Chinese without personal values."""
    record_id, record_uuid = "", ""
    if record is not None:
        if isinstance(record, int | str):
            record_id = str(record)
        else:
            state = inspect(record)
            table = table or str(getattr(type(record), "__tablename__", ""))
            record_id = str(state.dict.get("id", "") or "")
            record_uuid = str(state.dict.get("uuid", "") or "")
    _append(
        session.connection(),
        actor_of(session),
        [{"kind": kind, "table_name": table, "record_id": record_id,
          "record_uuid": record_uuid, "description": description}],
    )  # fmt: skip


def _audited(obj: object) -> bool:
    return isinstance(obj, SyncedRecord) or bool(getattr(type(obj), "__audited__", False))


def _line(obj: object, kind: str, description: str) -> dict[str, str]:
    state = inspect(obj)
    return {
        "kind": kind,
        "table_name": str(getattr(type(obj), "__tablename__", "")),
        "record_id": str(state.dict.get("id", "") or ""),
        "record_uuid": str(state.dict.get("uuid", "") or ""),
        "description": description,
    }


def _changed_columns(obj: object) -> list[str]:
    state = inspect(obj)
    names = []
    for attr in state.mapper.column_attrs:
        if attr.key in _QUIET_COLUMNS:
            continue
        if state.attrs[attr.key].history.has_changes():
            names.append(attr.key)
    return names


def flush_lines(session: Session) -> Iterator[dict[str, str]]:
    """The lines a flush about to finish writes: one per audited record created, changed or
    deleted (a soft delete, ``deleted`` set, is a deletion; clearing it a restoration)."""
    for obj in session.new:
        if _audited(obj):
            table = str(getattr(type(obj), "__tablename__", ""))
            yield _line(obj, "create", f"新建{table_label(table)}")
    for obj in session.dirty:
        if not _audited(obj) or not session.is_modified(obj, include_collections=False):
            continue
        columns = _changed_columns(obj)
        if not columns:
            continue
        table = table_label(str(getattr(type(obj), "__tablename__", "")))
        if "deleted" in columns:
            gone = bool(inspect(obj).dict.get("deleted"))
            yield _line(obj, "delete" if gone else "change", ("删除" if gone else "恢复") + table)
            continue
        yield _line(obj, "change", f"修改{table}（{'、'.join(columns)}）")
    for obj in session.deleted:
        if _audited(obj):
            table = str(getattr(type(obj), "__tablename__", ""))
            yield _line(obj, "delete", f"删除{table_label(table)}（彻底删除）")


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    if session.info.get(QUIET):
        return
    lines = list(flush_lines(session))
    if lines:
        _append(session.connection(), actor_of(session), lines)


@contextmanager
def quiet(session: Session) -> Iterator[None]:
    """Write no line per record inside (a package import records one line for the package)."""
    before = session.info.get(QUIET)
    session.info[QUIET] = True
    try:
        yield
    finally:
        if before is None:
            session.info.pop(QUIET, None)
        else:
            session.info[QUIET] = before


@dataclass(frozen=True)
class ChainCheck:
    """The result of :func:`verify_chain`: ``broken_at`` is the first line found missing or
    altered (None when intact); ``message`` says it in Chinese."""

    ok: bool
    count: int
    broken_at: int | None
    message: str


_COLUMNS = [c.name for c in AuditEntry.__table__.columns]


def verify_chain(session: Session) -> ChainCheck:
    """Check the whole log: numbers without gaps from 1, each line's hash over its content
    and the previous hash, and the newest line against the head kept in ``local_settings``
    (so removing the last lines is found too). Reports the first broken or missing line.
    Needs the permission to read the log (管理员, 负责人)."""
    require(session, READ)
    connection = session.connection()
    expected, previous, count = 1, GENESIS, 0
    result = connection.execute(
        select(AuditEntry.__table__).order_by(AuditEntry.seq).execution_options(yield_per=2000)
    )
    for mapping in result.mappings():  # the first line is written by the migration (0017)
        row = {name: mapping[name] for name in _COLUMNS}
        seq = int(row["seq"])
        if seq != expected:
            return ChainCheck(False, count, expected, f"第 {expected} 条记录缺失（被删除）。")
        if row["prev_hash"] != previous:
            return ChainCheck(
                False, count, seq, f"第 {seq} 条记录与上一条衔接不上（前面的记录被改动或删除）。"
            )
        if line_hash(row) != row["hash"]:
            return ChainCheck(False, count, seq, f"第 {seq} 条记录的内容被改动。")
        previous, expected, count = row["hash"], expected + 1, count + 1
    head = session.scalar(select(LocalSetting.value).where(LocalSetting.key == HEAD_KEY))
    if head is None:
        if not count:
            return ChainCheck(False, 0, 1, "审计日志的全部记录都缺失（被删除）。")
        return ChainCheck(False, count, count, "审计日志的校验记录缺失（被删除）。")
    seq_text, _, head_hash = head.partition(":")
    try:
        head_seq = int(seq_text)
    except ValueError:
        return ChainCheck(False, count, count, "审计日志的校验记录被改动。")
    if head_seq > count:
        return ChainCheck(
            False,
            count,
            count + 1,
            f"最后 {head_seq - count} 条记录缺失（第 {count + 1} 条起被删除）。",
        )
    if head_seq != count or head_hash != previous:
        return ChainCheck(False, count, count, "审计日志的校验记录与日志不符（日志被改动）。")
    return ChainCheck(True, count, None, f"审计日志完整：共 {count} 条记录，未发现删除或改动。")


@dataclass(frozen=True)
class AuditFilter:
    """What the 审计日志 page and the export show: a user name ("" all; PROGRAM the program
    itself), local dates (inclusive), a kind ("" all)."""

    user: str = ""
    date_from: date | None = None
    date_to: date | None = None
    kind: str = ""
    limit: int | None = None


@dataclass(frozen=True)
class AuditRow:
    """One line as listed: local time, who, the kind in Chinese, what."""

    seq: int
    at: datetime  # local time
    user_name: str
    display_name: str
    kind: str
    kind_label: str
    table_name: str
    table_label: str
    record_id: str
    record_uuid: str
    description: str


def _utc_bound(day: date) -> str:
    """Local midnight starting ``day``, as the log's UTC text."""
    return now_text(datetime.combine(day, time.min).astimezone())


def list_lines(session: Session, flt: AuditFilter = AuditFilter()) -> list[AuditRow]:
    """The lines matching ``flt``, newest first (管理员 and 负责人 read the log)."""
    require(session, READ)
    query = select(AuditEntry).order_by(AuditEntry.seq.desc())
    if flt.user == PROGRAM:
        query = query.where(AuditEntry.user_name == "")
    elif flt.user:
        query = query.where(AuditEntry.user_name == flt.user)
    if flt.kind:
        query = query.where(AuditEntry.kind == flt.kind)
    if flt.date_from is not None:
        query = query.where(AuditEntry.at >= _utc_bound(flt.date_from))
    if flt.date_to is not None:
        query = query.where(AuditEntry.at < _utc_bound(flt.date_to + timedelta(days=1)))
    if flt.limit is not None:
        query = query.limit(flt.limit)
    return [
        AuditRow(
            e.seq,
            datetime.fromisoformat(e.at).astimezone().replace(tzinfo=None),
            e.user_name,
            e.display_name,
            e.kind,
            KIND_LABELS.get(e.kind, e.kind),
            e.table_name,
            table_label(e.table_name) if e.table_name else "",
            e.record_id,
            e.record_uuid,
            e.description,
        )
        for e in session.scalars(query)
    ]


def users(session: Session) -> list[tuple[str, str]]:
    """(user name, display name) of everyone in the log; the program as (PROGRAM, PROGRAM)."""
    require(session, READ)
    found: dict[str, str] = {}
    for name, display in session.execute(
        select(AuditEntry.user_name, func.max(AuditEntry.display_name)).group_by(
            AuditEntry.user_name
        )
    ):
        found[name or PROGRAM] = display or PROGRAM
    return sorted(found.items())
