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
import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, event, func, insert, inspect, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
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
    "logout": "退出登录",
    "role_change": "角色变更",
    "show_id_number": "显示完整身份证号",
    "verify": "核实",
    "unlock": "解锁",
    "ledger_import": "导入台账",
    "accept": "受理",
    "migrate": "迁入数据库服务器",
    "overwrite": "覆盖他人修改",
}

# Record kinds in Chinese, for descriptions (the exchange's labels, plus local tables).
TABLE_LABELS: dict[str, str] = {
    "units": "单位", "attachments": "附件", "correction_subjects": "社区矫正对象", "local_settings": "本机设置",
    "entry_verifications": "台账核实", "doubt_answers": "存疑说明", "period_unlocks": "阶段解锁",
    "statistics_reports": "统计报表", "statistics_reviews": "统计报表审核",
    "statistics_unlocks": "统计期间解锁",
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
    "users": "用户", "roles": "角色", "evidence_flags": "核查标记", "archive_numbers": "档号",
}  # fmt: skip

# Bookkeeping columns left out of "修改…（字段：…）"
_QUIET_COLUMNS = frozenset({"updated_at", "revision"})

# Columns in Chinese for "修改台账（日期、正文）": the exchange's labels (sync.conflicts.FIELD_LABELS)
# first, then these for the columns it does not name.
COLUMN_LABELS: dict[str, str] = {
    "answer": "说明",
    "period_end": "统计期间止",
    "period_start": "统计期间起",
    "report_id": "统计报表",
    "report_key": "报表",
    "report_revision": "报表版本",
    "answered_on": "说明日期",
    "marked_on": "核实日期",
    "unlocked_on": "解锁日期",
    "verification_revision": "核实版本",
    "verified_only": "只计已核实台账",
    "adjusted_on": "加减分日期",
    "as_of": "统计截至日期",
    "assessment_end": "考核期结束",
    "assessment_start": "考核期开始",
    "attachment_id": "附件",
    "attendees": "参会人员",
    "basis": "依据",
    "brand_id": "品牌",
    "categories": "类别",
    "chair": "主持人",
    "closed_on": "销号日期",
    "code": "编号",
    "comment": "意见",
    "content": "内容",
    "created_at": "建立时间",
    "deadline_task": "限期任务",
    "decided_at": "处理时间",
    "decided_on": "议定日期",
    "decision": "决定",
    "department_id": "科室",
    "document_number": "文号",
    "done": "已完成",
    "done_on": "完成日期",
    "due_date": "完成时限",
    "duty_id": "职责",
    "entry_id": "台账",
    "entry_kind_id": "台账类型",
    "evidence": "佐证",
    "evidence_entry_id": "佐证台账",
    "fields": "表单字段",
    "figures": "数据",
    "finding": "问题",
    "findings": "发现问题",
    "id": "编号",
    "indicator_id": "指标",
    "indicator_points": "指标得分",
    "inspected_unit_id": "被督查单位",
    "inspection_date": "督查日期",
    "inspection_id": "督查",
    "inspectors": "督查人员",
    "issue_date": "印发日期",
    "issued_on": "印发日期",
    "issuer": "发文单位",
    "item_id": "整改事项",
    "item_key": "项目",
    "key": "核查标识",
    "kind": "类别",
    "lead_unit_id": "牵头单位",
    "location": "地点",
    "measure": "措施",
    "measure_unit": "计量单位",
    "media_type": "文件类型",
    "meeting_date": "会议日期",
    "meeting_id": "例会",
    "meeting_type": "会议类型",
    "metric": "统计口径",
    "min_photos": "最少照片数",
    "note": "备注",
    "notes": "备注",
    "number": "编号",
    "office_id": "司法所",
    "original_name": "原文件名",
    "outcomes": "成效",
    "owner_unit_id": "登记单位",
    "parent_id": "上级",
    "party_a_id": "甲方",
    "party_a_signatory": "甲方签署人",
    "party_b_signatory": "乙方签署人",
    "pdf_sha256": "PDF 校验值",
    "phase_id": "阶段",
    "phone": "电话",
    "points": "分值",
    "problems": "问题",
    "programme_id": "实施方案",
    "progress": "进展",
    "rated_on": "评价日期",
    "reason": "理由",
    "recipient_unit_id": "接收单位",
    "recorded_on": "登记日期",
    "rectification_item_id": "整改事项",
    "rectified_on": "整改日期",
    "reported_on": "报告日期",
    "responsible_person": "责任人",
    "responsible_unit_id": "责任单位",
    "reverses_id": "冲销记录",
    "review_comment": "审核意见",
    "rules": "规则",
    "scan_attachment_id": "签署扫描件",
    "score": "得分",
    "scored_on": "评分日期",
    "scores": "得分",
    "sections": "各部分内容",
    "sha256": "校验值",
    "signed_on": "签署日期",
    "size_bytes": "文件大小",
    "snapshot": "快照",
    "state": "处理状态",
    "submitted_on": "提交日期",
    "sum_field": "汇总字段",
    "summary_id": "阶段总结",
    "summary_revision": "总结版本",
    "supersedes_id": "取代的记录",
    "target_max": "目标上限",
    "target_min": "目标下限",
    "template_key": "模板",
    "total": "合计",
    "uuid": "全局编号",
    "value": "数值",
    "value_unit_id": "数值单位",
    "version": "版本",
    "void_reason": "作废理由",
    "year": "年度",
    "display_name": "显示名",
    "role": "角色",
    "active": "在用",
    "password_hash": "密码",
    "failed_attempts": "密码错误次数",
    "locked_until": "锁定至",
    "name_key": "用户名",
    "updated_at": "修改时间",
    "revision": "修订号",
}  # fmt: skip


@cache
def _column_labels() -> dict[str, str]:
    from app.sync.conflicts import FIELD_LABELS  # the exchange's labels (imported on first use)

    return {**COLUMN_LABELS, **FIELD_LABELS}


def column_label(column: str) -> str:
    """A column's name in Chinese for the log's descriptions (the name where none is known)."""
    return _column_labels().get(column, column)


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
    unit = getattr(actor, "unit_name", "")
    if unit:  # a user of another unit than the database's (a shared server): named
        display = f"{display}（{unit}）"[:100]
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
    dialect_insert = (
        postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    )  # both write INSERT … ON CONFLICT (key) DO UPDATE
    upsert = dialect_insert(LocalSetting).values(key=HEAD_KEY, value=f"{seq}:{previous}")
    connection.execute(
        upsert.on_conflict_do_update(index_elements=["key"], set_={"value": upsert.excluded.value})
    )
    connection.info[PENDING_HEAD] = f"{seq}:{previous}"  # for the session's commit (below)
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
    connection = session.connection()
    _append(
        connection,
        actor_of(session),
        [{"kind": kind, "table_name": table, "record_id": record_id,
          "record_uuid": record_uuid, "description": description}],
    )  # fmt: skip
    _note_head(session, connection)


def record_logout(session: Session) -> None:
    """One line for the session's user logging out (退出登录 / 切换用户); none for the program."""
    who = actor_of(session)
    if who.user_name:
        record(
            session,
            "logout",
            f"退出登录：{who.user_name}",
            table="users",
            record=who.user_id or None,
        )


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
        named = "、".join(dict.fromkeys(column_label(c) for c in columns))
        yield _line(obj, "change", f"修改{table}（{named}）")
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
        connection = session.connection()
        _append(connection, actor_of(session), lines)
        _note_head(session, connection)


def _note_head(session: Session, connection: Connection) -> None:
    """Move the head just written from the connection to the session, which copies it to the
    head file once its transaction commits (see :func:`_after_commit`) — unless the file's
    head is no longer a line of this chain: that file is evidence of lines removed or
    rewritten and stays as it is (a restore starts it anew: :data:`NEW_HEAD`)."""
    head = connection.info.pop(PENDING_HEAD, None)
    if head is None:
        return
    session.info[WRITTEN_HEAD] = head  # the marker this session leaves (services.live)
    if not session.info.get(NEW_HEAD):
        copied = _file_head(session)
        if copied is not None and not _on_chain(connection, copied[1]):
            logging.getLogger("bangjiao.audit").warning(
                "审计日志与另存的校验记录 %s 不符：校验记录保持不变", copied[0]
            )
            session.info.pop(PENDING_HEAD, None)
            return
    session.info[PENDING_HEAD] = head


def _on_chain(connection: Connection, head: tuple[int, str] | None) -> bool:
    """Whether ``head`` (from the head file) is a line of the log as it is now."""
    if head is None:
        return False
    found = connection.execute(select(AuditEntry.hash).where(AuditEntry.seq == head[0])).first()
    return found is not None and found[0] == head[1]


# --- the head copied outside the database ------------------------------------------------------
# Removing the last lines and rewriting the head in local_settings (anyone who can edit the file
# can) leaves a chain that checks. So the head is also copied, after each commit that moved it,
# into a small owner-only file beside the database ("bangjiao.db.audit-head"); the check
# requires the file's head to be a line of the chain (an older one is fine: another program on
# the same database, or a crash between the commit and the copy).

HEAD_FILE_SUFFIX = ".audit-head"
PENDING_HEAD = "audit.pending_head"  # the head written, not yet copied to the file
WRITTEN_HEAD = "audit.written_head"  # session.info: the newest head this session wrote
NEW_HEAD = "audit.new_head"  # session.info: the log was replaced (a restore): copy its head


def head_file(database_file: Path) -> Path:
    """The copy of the chain's head beside the database file."""
    return database_file.with_name(database_file.name + HEAD_FILE_SUFFIX)


def _database_file(session: Session) -> Path | None:
    """The SQLite file the session works on (None: in memory or another database)."""
    bind = session.get_bind()
    url = bind.engine.url if isinstance(bind, Connection) else bind.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database))


def forget_head_file(database_file: Path) -> None:
    """Remove the head file of a database file that is created anew (its log starts again)."""
    head_file(database_file).unlink(missing_ok=True)


def write_head_file(database_file: Path, head: str) -> None:
    """Write ``head`` ("<seq>:<hash>") to the head file (owner-only; replaced whole). A
    folder that cannot be written is logged, never a failure of the action itself."""
    from app.services.private_files import write_private_text

    target = head_file(database_file)
    staged = target.with_name(target.name + ".new")
    try:
        write_private_text(staged, head + "\n")
        os.replace(staged, target)
    except OSError:
        logging.getLogger("bangjiao.audit").warning("审计日志校验记录未能另存到 %s", target)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    head = session.info.pop(PENDING_HEAD, None)
    path = _database_file(session) if head is not None else None
    if path is not None and head is not None:
        write_head_file(path, head)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _previous: object) -> None:
    session.info.pop(PENDING_HEAD, None)


def _file_head(session: Session) -> tuple[Path, tuple[int, str] | None] | None:
    """The head file of the session's database and its head (None when unreadable); None
    when there is no such file (a database from before it, or in memory)."""
    path = _database_file(session)
    if path is None or not head_file(path).is_file():
        return None
    target = head_file(path)
    try:
        seq_text, _, head_hash = target.read_text(encoding="utf-8").strip().partition(":")
        return target, (int(seq_text), head_hash)
    except (OSError, ValueError, UnicodeDecodeError):
        return target, None


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
    copied = _file_head(session)
    file_hash = ""  # the chain's hash at the head file's number
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
        if copied is not None and copied[1] is not None and copied[1][0] == seq:
            file_hash = previous
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
    if copied is not None:
        problem = _against_file(copied[0].name, copied[1], count, file_hash)
        if problem is not None:
            return problem
    return ChainCheck(True, count, None, f"审计日志完整：共 {count} 条记录，未发现删除或改动。")


def _against_file(
    name: str, head: tuple[int, str] | None, count: int, chain_hash: str
) -> ChainCheck | None:
    """The chain (intact in itself) against the head copied into the file ``name``: None
    when the file's head is a line of the chain, else what disagrees."""
    if head is None:
        return ChainCheck(
            False, count, count, f"本机另存的审计日志校验记录（文件 {name}）已损坏或被改动。"
        )
    seq, head_hash = head
    if seq > count:
        return ChainCheck(
            False,
            count,
            count + 1,
            f"审计日志与本机另存的校验记录（文件 {name}）不符：校验记录表明至少有 {seq} 条记录，"
            f"数据库中只有 {count} 条：记录被删除（至少 {seq - count} 条），数据库中的校验记录"
            "被改写。",
        )
    if head_hash != chain_hash:
        return ChainCheck(
            False,
            count,
            seq,
            f"审计日志与本机另存的校验记录（文件 {name}）不符：第 {seq} 条记录已不是当时的记录，"
            "日志被改动后重新计算了校验值。",
        )
    return None


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
