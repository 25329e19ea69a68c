"""Export a unit's records to a package, and import a package all-or-nothing.

Export (``export_package``): every record this install's unit owns that goes to the recipient
(the models' ``__exchange__`` declarations, :mod:`app.sync.rights`: least data down, reference
data and the aggregate up to the city), with its photos and scans, all sealed to the recipient.
Import (``import_package``): verify the whole package first, then apply every record in one
transaction — a record is accepted only from its owning unit, and only when that unit's kind
may write it and its references point at rows the unit may touch (:mod:`app.sync.rights`);
an incoming record replaces the local one when its revision
is higher and the local row was not changed here since the owner's last version; a record
changed on both sides is kept twice (the local row, and the owner's version in a conflict for a
person to settle); the package's sequence, data version and history line are recorded in the
same transaction, so a re-import or a crash part-way leaves the database as it was.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import Attachment, Direction, Unit, UnitKind
from app.services import audit
from app.services.database import Database
from app.services.errors import UserError
from app.services.filenames import safe_file_name
from app.services.filesystems import (
    check_fits,
    file_system,
    is_too_large_error,
    size_limit,
    too_large_message,
)
from app.services.programme import follow_newest_programme
from app.services.settings import database_unit, require_database_unit
from app.sync import conflicts, history, identity, registration, rights, validation, versions
from app.sync.bulk import ROW_ID, BulkWriter, collector_paused
from app.sync.keys import NewKeysPresented, SenderTrust, announcements
from app.sync.package import (
    FRAME_PLAINTEXT,
    PackageError,
    PackageWriter,
    Party,
    VerifiedPackage,
    open_package,
    padded_length,
    read_envelope,
)
from app.sync.records import (
    UuidMap,
    foreign_keys,
    from_record,
    ref_key,
    to_record,
    travelling_tables,
)

log = logging.getLogger("bangjiao.sync")
PACKAGE_SUFFIX = ".bjpkg"
Progress = Callable[[int], None]
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\s]+')  # refused by Windows, or awkward

KIND_LABELS = {
    "units": "单位", "attachments": "附件", "correction_subjects": "社区矫正对象", "entry_kinds": "台账类型",
    "programmes": "实施方案", "agreement_templates": "责任状文本", "agreements": "责任状", "brands": "品牌",
    "duties": "职责", "goals": "目标", "inspections": "督查", "ledger_entries": "台账", "meetings": "例会",
    "pairings": "挂钩结对", "phases": "阶段", "brand_evidence": "品牌佐证", "brand_milestones": "品牌节点",
    "brand_participants": "品牌参与单位", "entry_attachments": "台账照片", "indicators": "指标",
    "meeting_decisions": "例会议定事项", "meeting_reports": "例会汇报", "phase_summaries": "阶段总结",
    "rectification_items": "整改事项", "summary_photos": "总结照片", "aggregate_reports": "县级汇总",
    "summary_reviews": "总结审核", "entry_verifications": "台账核实", "doubt_answers": "存疑说明",
    "period_unlocks": "阶段解锁", "statistics_reports": "统计报表", "statistics_reviews": "统计报表审核",
    "statistics_unlocks": "统计期间解锁", "rectification_updates": "整改进展", "assessment_schemes": "考核方案",
    "score_adjustments": "考核加减分", "county_summaries": "全县总结", "judgement_scores": "考核评分",
    "manual_values": "指标完成值", "issued_bulletins": "进度通报", "peer_ratings": "结对部门评价",
}  # fmt: skip


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do), per kind of record."""

    sender: str
    sequence: int
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, int] = field(default_factory=dict)
    conflict_items: list[str] = field(default_factory=list)
    # rows about one of this unit's records that is not here (the sender recorded it on this
    # unit's behalf, and only a record's owner sends it), left out on import
    set_aside: dict[str, int] = field(default_factory=dict)
    summary_photos: list[str] = field(default_factory=list)  # attachment uuids chosen for summaries
    files: int = 0
    dry_run: bool = False
    data_version: int = 0
    note: str = ""
    new_year: int | None = None  # the county's new year this PC switched to
    # records the clerk should hear of by name (退回统计报表, 存疑台账…): phrase → how many
    named: dict[str, int] = field(default_factory=dict)

    def named_text(self) -> str:
        """The records named, said for the clerk: "县矫正办退回统计报表 1 份、存疑台账 1 条"
        ("" when none)."""
        if not self.named:
            return ""
        order = [p for _c, phrases in NAMED_RECORDS.values() for p in phrases.values()]
        named = sorted(self.named.items(), key=lambda item: order.index(item[0]))
        parts = [phrase.replace("{n}", str(n)) for phrase, n in named]
        return f"{self.sender}{'、'.join(parts)}"

    def count(self, bucket: dict[str, int], kind: str) -> None:
        """Add one record of ``kind`` to a bucket."""
        bucket[kind] = bucket.get(kind, 0) + 1

    def lines(self) -> list[str]:
        """The summary in Chinese, a line a kind."""
        buckets = (self.created, self.updated, self.unchanged, self.deleted, self.conflicts)
        kinds = dict.fromkeys(k for bucket in buckets for k in bucket)
        lines = [
            f"{KIND_LABELS.get(k, k)}：新增 {self.created.get(k, 0)}，更新 {self.updated.get(k, 0)}，"
            f"删除 {self.deleted.get(k, 0)}，未变 {self.unchanged.get(k, 0)}"
            + (f"，冲突 {self.conflicts[k]}" if self.conflicts.get(k) else "")
            for k in kinds
        ]
        if self.named:
            lines.append(f"其中：{self.named_text()}")
        lines.extend(
            f"{KIND_LABELS.get(k, k)} {n} 条未导入：所指的本单位记录是{self.sender}代为登记的，"
            "本机没有（只在对方电脑上）"
            for k, n in self.set_aside.items()
        )
        if self.new_year is not None:
            lines.append(
                f"县矫正办已开始 {self.new_year} 年度：本机已切换到 {self.new_year} 年度；"
                "往年的数据不变，可在窗口顶部选择年度查看和打印。"
            )
        if self.conflict_items:
            lines.append(
                f"冲突 {len(self.conflict_items)} 条（本机和对方都改过，两个版本都已保留，"
                "请在“数据交换”页面逐条处理）："
            )
            lines.extend(f"  · {item}" for item in self.conflict_items[:20])
            if len(self.conflict_items) > 20:
                lines.append(f"  · ……另有 {len(self.conflict_items) - 20} 条")
        return lines

    def totals(self) -> dict[str, Any]:
        """Counts for the history: per bucket, per kind."""
        return {
            "created": self.created, "updated": self.updated, "deleted": self.deleted,
            "unchanged": self.unchanged, "conflicts": self.conflicts, "files": self.files,
            "set_aside": self.set_aside,
        }  # fmt: skip


def _me(session: Session) -> Unit:
    """The database's own unit, which packages are made and received as; a user of another
    unit sharing the database (a department on the county's server) is refused: its work is
    in the shared database already, and a package made or taken in its name would sign or
    accept for the county."""
    require_database_unit(session)
    unit = database_unit(session)
    if unit is None:
        raise UserError("本机尚未设定所属单位，请先完成首次设置。")
    return unit


def _unit_by_name(session: Session, name: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.name == name, Unit.deleted.is_(False)))
    if unit is None:
        raise UserError(f"没有名为“{name}”的单位。")
    return unit


def package_file_name(sender: str, recipient: str, sequence: int, on: date) -> str:
    """法律援助中心-至-县矫正办-20181012-第3号.bjpkg: who sends to whom, when, which number."""
    parts = [
        safe_file_name(_NOT_IN_FILE_NAMES.sub("_", name).strip("_"), max_length=30)
        for name in (sender, recipient)
    ]
    return f"{parts[0]}-至-{parts[1]}-{on:%Y%m%d}-第{sequence}号{PACKAGE_SUFFIX}"


def suggested_package_name(session: Session, recipient_name: str, today: date | None = None) -> str:
    """The file name for this PC's next package to ``recipient_name`` (its number as the
    export will give it, unless another export comes first), for a save dialog."""
    me = _me(session)
    recipient = _unit_by_name(session, recipient_name)
    sequence = identity.upcoming_sequence(session, recipient.uuid)
    return package_file_name(me.name, recipient.name, sequence, today or date.today())


def export_package(
    database: Database,
    recipient_name: str,
    out: Path,
    full: bool = False,
    progress: Progress | None = None,
) -> tuple[Path, dict[str, int]]:
    """Write this install's unit's records into a package for ``recipient_name``: those changed
    since the newest package the recipient has confirmed (everything when ``full`` or before
    any confirmation), tombstones included. For the city office: reference data and the
    county's aggregate only. When ``out`` is a folder the package is named there by
    :func:`package_file_name`; the path written is returned. ``progress(n)`` is called before
    each of the :func:`steps` kinds of record; an exception it raises (a cancel) stops the
    export with nothing written or recorded."""
    store = database.attachments
    written: Path | None = None  # the finished package, removed if it is not recorded
    try:
        with database.session() as session:
            me = _me(session)
            identity.check_instance(session, database.file)
            recipient = _unit_by_name(session, recipient_name)
            keys = identity.key_pairs(session)
            recipient_keys = identity.peer_keys(session, recipient.uuid)
            if recipient_keys is None:
                raise UserError(
                    f"“{recipient.name}”还没有接入，不能给它导出数据包：请先为它生成接入凭证，"
                    "在它的电脑上接入，再导入它发来的第一个数据包。"
                )
            to_city = recipient.kind == UnitKind.CITY_OFFICE
            if to_city and me.kind == UnitKind.COUNTY_OFFICE:
                from app.services.aggregate import refresh_aggregate

                refresh_aggregate(session, me)
            sequence = identity.next_sequence(session, recipient.uuid)
            if Path(out).is_dir():
                out = Path(out) / package_file_name(me.name, recipient.name, sequence, date.today())
            ids = UuidMap(session)
            instance = identity.instance_uuid(session)
            sender = Party(me.uuid, me.name, instance)
            intro = registration.introduction(session)
            since = None if full else identity.export_since(session, recipient.uuid)
            confirmed = None if since is None else identity.confirmed(session, recipient.uuid)
            version = versions.publish(session, me)
            began = datetime.now(UTC)
            identity.record_export(session, recipient.uuid, sequence, began.isoformat())
            extra: dict[str, Any] = {"acknowledges": identity.acks_for(session, recipient.uuid),
                                     "changed_since": since,
                                     "data_version": versions.block(session, recipient.uuid, confirmed, version)}  # fmt: skip
            if intro:
                extra["introduction"] = intro
            extra.update(announcements(session))
            kind = file_system(Path(out))
            if size_limit(kind) is not None:  # FAT32: refused before writing when it cannot fit
                check_fits(Path(out), _estimated_size(session, store, me, recipient, since),
                           full=full, kind=kind)  # fmt: skip
            with PackageWriter(Path(out), sender=sender, recipient=Party(recipient.uuid, recipient.name),
                               sequence=sequence, keys=keys, recipient_encryption_key=recipient_keys.encryption,
                               extra=extra) as writer:  # fmt: skip
                files: list[str] = []
                for step, table in enumerate(travelling_tables(), 1):
                    if progress is not None:
                        progress(step)
                    query = _export_query(table, me, recipient, since)
                    if query is None:  # not for this recipient (models' __exchange__)
                        continue
                    rows = session.execute(query)
                    records = (to_record(table, row, ids) for row in rows)
                    if table.name == "attachments":
                        kept = list(records)
                        files = [r["sha256"] for r in kept]
                        writer.add_records(table.name, kept)
                    else:
                        writer.add_records(table.name, records)
                for sha in files:
                    if store.has(sha):
                        writer.add_file(store.read_original(sha), sha)  # plain, sealed anew
            written = Path(out)
            history.log_package(
                session, Direction.SENT, recipient.uuid, recipient.name, sequence=sequence,
                instance=instance, file_name=Path(out).name, reference_version=version,
                details={"records": writer.counts, "files": len(files)}, full=since is None,
            )  # fmt: skip
            audit.record(
                session, "export",
                f"导出数据包给{recipient.name}（第 {sequence} 号，{sum(writer.counts.values())} 条记录，"
                f"{len(files)} 个文件{'，全量' if since is None else ''}）",
            )  # fmt: skip
    except BaseException as exc:
        if written is not None:  # written but not recorded: its number would be used again
            written.unlink(missing_ok=True)
        if is_too_large_error(exc):  # FAT32's 4 GiB, met although the estimate fitted
            raise UserError(too_large_message(Path(out), None, full=full)) from exc
        raise
    with database.session() as session:  # only once the export is committed
        identity.remember_issued(session, database.file)
    return Path(out), writer.counts


def _export_query(table: Table, me: Unit, recipient: Unit, since: str | None) -> Any:
    """The rows of ``table`` an export to ``recipient`` carries (None: none of its kind)."""
    conditions = rights.export_conditions(table, me, recipient)
    if conditions is None:
        return None
    query = select(table).where(table.c.owner_unit_id == me.id, *conditions)
    query = query.order_by(table.c.id)
    if since is not None:
        query = query.where(table.c.updated_at > datetime.fromisoformat(since))
    return query


FRAME_OVERHEAD = 64  # bytes a sealed frame adds (length, HPKE key and tag), rounded up
ZIP_ENTRY_OVERHEAD = 256  # a member's local header, data descriptor and directory entry


def _estimated_size(
    session: Session, store: Any, me: Unit, recipient: Unit, since: str | None
) -> int:
    """Bytes the photos and scans of an export take in the package (padded, sealed): most
    of a large package; the records, deflated, add comparatively little."""
    table = next(t for t in travelling_tables() if t.name == "attachments")
    query = _export_query(table, me, recipient, since)
    if query is None:
        return 0
    total, seen = 0, set()
    for sha in session.scalars(query.with_only_columns(table.c.sha256)):
        if sha in seen or not store.has(sha):
            continue
        seen.add(sha)
        padded = padded_length(store.plain_size(sha))
        frames = max(1, -(-padded // FRAME_PLAINTEXT))
        total += padded + frames * FRAME_OVERHEAD + ZIP_ENTRY_OVERHEAD
    return total


def steps() -> int:
    """How many steps an export or import reports to its ``progress``."""
    return len(travelling_tables())


def _self_refs(table: Table) -> set[str]:
    return {name for name, target in foreign_keys(table).items() if target is table}


BATCH = 5000  # records applied per round trip (and below SQLite's bound-parameter limit)


def _batches(records: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _apply_table(
    session: Session,
    table: Table,
    records: Iterable[dict[str, Any]],
    ids: UuidMap,
    sender: Unit,
    summary: ImportSummary,
    allowed: rights.ImportRights,
) -> None:
    """Apply one table's records in batches (bulk inserts and updates, memory bounded).
    Each batch is first validated (:mod:`app.sync.validation`) and checked against the
    sender's write rights (``allowed``); a record is accepted only from its owner.

    A record not here is inserted. For a record already here: taken when its revision is
    higher and the local row is still the owner's last version; unchanged when it brings
    nothing new; otherwise a conflict — the local row stays and the owner's version is kept
    for a person to settle.
    """
    apply = _TableImport(session, table, ids, sender, summary)
    records = _fitted(table, records, ids, summary)
    for batch in validation.checked(session, table, ids, _batches(records), sender.name):
        existing = _local_rows(session, table, [r["uuid"] for r in batch])
        allowed.check(table, batch, existing)
        apply.check_owners(batch)
        validation.check_frozen(session, table, batch, existing, sender.name)
        if existing:
            new = [r for r in batch if r["uuid"] not in existing]
            updates = apply.decide(batch, existing)
        else:
            new, updates = batch, []
        apply.insert(new)  # then the updates: the order the UNIQUE constraints see them in
        apply.update(updates)
    apply.link_to_own_rows()


def _fitted(
    table: Table, records: Iterable[dict[str, Any]], ids: UuidMap, summary: ImportSummary
) -> Iterator[dict[str, Any]]:
    """The records of ``table`` fitted to what this unit can have (``ExchangeRule.about`` and
    ``may_lack``); a well-formed reference only is judged here, anything else goes on to the
    checks that refuse the package.

    A row whose model declares ``about`` (a brand's evidence, a summary's review) goes only to
    the unit that owns the row it is about. Such a row may be about a record the sender keeps
    on this unit's behalf (the county records entries and summaries for a unit): that record
    never comes here, since only its owner sends it, so the row has nothing to attach to here.
    It is left out and counted (``summary.set_aside``).

    A ``may_lack`` reference (a manual value's evidence entry) that points at a row not here is
    imported empty: the record itself is for every unit, the row it cites is not.
    """
    rule = rights.rule_for(table)
    if rule.about is None and not rule.may_lack:
        yield from records
        return
    keys = foreign_keys(table)
    about = (keys[rule.about], ref_key(rule.about)) if rule.about is not None else None
    optional = [(keys[column], ref_key(column)) for column in rule.may_lack]

    def missing(record: dict[str, Any], target: Table, key: str) -> bool:
        ref = record.get(key)
        return validation.is_uuid(ref) and ids.id_of(target, ref) is None

    for record in records:
        if type(record) is dict:
            if about is not None and missing(record, *about):
                summary.count(summary.set_aside, table.name)
                continue
            lacking = [key for target, key in optional if missing(record, target, key)]
            if lacking:
                record = {**record, **dict.fromkeys(lacking)}
        yield record


def _local_rows(session: Session, table: Table, uuids: list[str]) -> dict[str, Any]:
    """The rows here with these uuids, by uuid. Which of them are here is asked first with a
    plain query: a package's records are mostly new, and SQLAlchemy's IN of a whole batch costs
    more than finding them."""
    connection = session.connection()
    name = connection.dialect.identifier_preparer.quote(table.name)
    from app.sync.bulk import param_mark

    marks = ", ".join(param_mark(connection.dialect) for _ in uuids)
    query = f"SELECT uuid FROM {name} WHERE uuid IN ({marks})"  # BATCH is below SQLite's limit
    found = [uuid for (uuid,) in connection.exec_driver_sql(query, tuple(uuids))]
    if not found:
        return {}
    return {row.uuid: row for row in session.execute(select(table).where(table.c.uuid.in_(found)))}


# table → (the column that tells, {its value: the phrase said, {n} the count; "*" any}), in
# the order they are said
NAMED_RECORDS: dict[str, tuple[str, dict[str, str]]] = {
    "statistics_reports": ("status", {"submitted": "提交统计报表 {n} 份"}),
    "statistics_reviews": ("decision", {"returned": "退回统计报表 {n} 份",
                                        "accepted": "受理统计报表 {n} 份"}),
    "statistics_unlocks": ("", {"*": "解锁统计报表的台账 {n} 次"}),
    "entry_verifications": ("status", {"存疑": "存疑台账 {n} 条", "已核实": "核实台账 {n} 条"}),
    "doubt_answers": ("", {"*": "说明存疑台账 {n} 条"}),
}  # fmt: skip


class _TableImport:
    """The import of one table's records, batch by batch (:func:`_apply_table`)."""

    def __init__(
        self, session: Session, table: Table, ids: UuidMap, sender: Unit, summary: ImportSummary
    ) -> None:
        self.session, self.table, self.ids, self.sender = session, table, ids, sender
        self.summary = summary
        self.label = KIND_LABELS.get(table.name, table.name)
        self.self_refs = _self_refs(table)
        self.shared = rights.rule_for(table).shared_content
        self.writer = BulkWriter(session.connection(), table)
        self.later: list[dict[str, Any]] = []  # records whose self-references wait for the rows
        self.edited_here: dict[str, int] = {}  # of the batch's local rows (decide)

    def check_owners(self, batch: list[dict[str, Any]]) -> None:
        """Refuse the package if a record is not the sender's own."""
        owner = self.sender.uuid
        if any(r.get("owner_unit_uuid") != owner for r in batch):
            raise PackageError(
                f"数据包中有不属于“{self.sender.name}”的{self.label}记录，"
                "发送单位不能修改别的单位的记录。已拒绝整个数据包。"
            )

    def _missing(self, missing: KeyError) -> PackageError:
        name = missing.args[0]
        return PackageError(
            f"数据包中的{self.label}引用了本机没有的{KIND_LABELS.get(name, name)}记录；"
            "请先导入县矫正办的参考数据包。"
        )

    def decide(self, batch: list[dict[str, Any]], existing: dict[str, Any]) -> list[dict[str, Any]]:
        """For the records of ``batch`` already here (``existing``: their rows by uuid): the
        updates to make; counts the unchanged ones and keeps the conflicts."""
        table, summary, sender = self.table, self.summary, self.sender
        known = [r for r in batch if r["uuid"] in existing]
        edited_here = conflicts.base_revisions(self.session, table, [r["uuid"] for r in known])
        self.edited_here = edited_here
        updates: list[dict[str, Any]] = []
        for record in known:
            try:
                values = from_record(table, record, self.ids, skip=self.self_refs)
            except KeyError as missing:
                raise self._missing(missing) from None
            local = existing[record["uuid"]]
            if local.owner_unit_id != sender.id:
                if not self.shared:
                    raise PackageError(f"“{sender.name}”试图修改不属于它的记录，已拒绝整个数据包。")
                outcome = "unchanged"  # the same file, first sent by another unit
            else:
                outcome = _compare(record, values, local, edited_here.get(record["uuid"]))
            if outcome == "update":
                updates.append({**values, ROW_ID: local.id})
                self._taken([record], summary.updated)
            elif outcome == "conflict":
                conflicts.record(
                    self.session, table, record, local.revision, sender, summary.sequence
                )
                summary.count(summary.conflicts, table.name)
                summary.conflict_items.append(f"{self.label}“{conflicts.describe(record)}”")
            else:
                summary.count(summary.unchanged, table.name)
        return updates

    def _taken(self, records: list[dict[str, Any]], bucket: dict[str, int]) -> None:
        """Count records inserted or updated (tombstones as deleted), and keep what they need
        afterwards: their self-references, photos chosen for summaries, the records the clerk
        hears of by name (:data:`NAMED_RECORDS`)."""
        gone = sum(1 for r in records if r.get("deleted"))
        named = NAMED_RECORDS.get(self.table.name)
        if named is not None:
            column, phrases = named
            for record in records:
                if record.get("deleted"):
                    continue
                phrase = phrases.get(str(record.get(column)), phrases.get("*"))
                if phrase is not None:
                    self.summary.named[phrase] = self.summary.named.get(phrase, 0) + 1
        for count, into in ((len(records) - gone, bucket), (gone, self.summary.deleted)):
            if count:
                into[self.table.name] = into.get(self.table.name, 0) + count
        if self.self_refs:
            self.later.extend(records)
        if self.table.name == "summary_photos":
            self.summary.summary_photos.extend(
                r.get("attachment_uuid", "") for r in records if not r.get("deleted")
            )

    def insert(self, records: list[dict[str, Any]]) -> None:
        """Insert records not here yet."""
        if not records:
            return
        try:
            self.writer.insert_records(records, self.ids, self.self_refs)
        except KeyError as missing:
            raise self._missing(missing) from None
        self.ids.forget(self.table)  # the new rows' ids are read back when next needed
        self._taken(records, self.summary.created)

    def update(self, updates: list[dict[str, Any]]) -> None:
        """Write the updates :meth:`decide` chose."""
        if not updates:
            return
        self.writer.update(updates)
        for row in updates:  # the local row is the owner's version again
            if row["uuid"] in self.edited_here:
                conflicts.agree(self.session, self.table, row["uuid"])

    def link_to_own_rows(self) -> None:
        """Set the self-references, now that every row of the table exists."""
        table, ids = self.table, self.ids
        for record in self.later:
            row_id = ids.id_of(table, record["uuid"])
            refs = {name: ids.id_of(table, record.get(ref_key(name))) for name in self.self_refs}
            self.session.execute(update(table).where(table.c.id == row_id).values(**refs))


def _compare(record: dict[str, Any], values: dict[str, Any], local: Any, base: int | None) -> str:
    """ "update", "unchanged" or "conflict" for an incoming record and its local row; ``base`` is
    the owner's revision the local row started from when it was changed here (None: not)."""
    incoming = int(record["revision"])
    if base is None:  # the local row is the owner's last version
        if incoming > local.revision:
            return "update"
        # the same revision again, or an older or parallel one (a restored or copied sender)
        return "unchanged" if not conflicts.differing_columns(values, local) else "conflict"
    if incoming <= base:  # nothing new from the owner; the change made here stands
        return "unchanged"
    return "update" if not conflicts.differing_columns(values, local) else "conflict"


def _integrity_message(exc: IntegrityError, table_name: str, sender: str) -> str:
    """A Chinese sentence for a package whose records the database's rules refuse."""
    label = KIND_LABELS.get(table_name, table_name)
    detail = str(exc.orig)
    if "UNIQUE" in detail.upper():
        why = f"其中的{label}记录与本机已有的{label}重复"
        if table_name == "agreements":
            why += "（同一科室同一版本的责任状，本机已有另一份）"
    elif "FOREIGN KEY" in detail.upper():
        why = f"其中的{label}记录引用了本机没有的记录"
    else:
        why = f"其中的{label}记录不符合本机数据库的约束"
    return (
        f"“{sender}”的数据包未导入：{why}。数据库保持原样，没有任何改动。"
        f"请与“{sender}”核对这些{label}，改正后重新导出数据包。"
    )


def _open_verified(session: Session, path: Path, *, hold: bool = True) -> VerifiedPackage:
    """Verify a package for this install, with the sender's key as :class:`SenderTrust`
    finds it: a unit's first package introduces its keys, a sender that rotated its keys brings
    the new ones (both registered in the caller's transaction, so a refusal registers nothing);
    a unit's new PC is held (``NewKeysPresented``; with ``hold`` its keys wait for a person,
    committed on their own); a revoked key's package is refused saying why. Sequences are
    compared per sender unit and install: the signature binds the unit."""
    me = _me(session)
    identity.migrate_sequences(session)
    trust = SenderTrust(session, path)
    try:
        package = open_package(
            path,
            me=me.uuid,
            sender_signing_key=trust.signing_key,
            last_sequence=partial(identity.last_imported, session),
        )
    except PackageError as refused:
        raise trust.explain(refused) from None
    return trust.accepted(package, hold=hold)


def verify_package(database: Database, path: Path) -> dict[str, Any]:
    """Check a package as an import would, without importing; its manifest."""
    with database.session() as session:
        package = _open_verified(session, Path(path), hold=False)
        package.close()
        session.rollback()  # a verification registers nothing
        return package.manifest


def import_package(
    database: Database, path: Path, dry_run: bool = False, progress: Progress | None = None
) -> ImportSummary:
    """Verify and apply a package in one transaction (or only report, with ``dry_run``).
    ``progress(n)`` is called before each of the :func:`steps` kinds of record; an exception it
    raises (a cancel) rolls the whole import back. A refusal is kept in the 收发记录 (on its
    own, after the rollback) and raised."""
    with database.session() as session:
        require_database_unit(session)  # refused before the package is read or logged
    try:
        return _import_package(database, Path(path), dry_run, progress)
    except NewKeysPresented:
        raise  # held for a person, and recorded as such
    except UserError as refused:
        _log_refusal(database, Path(path), str(refused), dry_run)
        raise


def _log_refusal(database: Database, path: Path, reason: str, dry_run: bool) -> None:
    """Record a refused package: the sender named only as a unit known here (the envelope is
    unverified), nothing of the package's records."""
    log.warning("拒收数据包 %s：%s", path.name, reason)
    fields: dict[str, Any] = read_envelope(path) or {}
    sender = fields.get("sender")
    sender_uuid = str(sender.get("unit_uuid", "")) if isinstance(sender, dict) else ""
    sequence = fields.get("sequence")
    try:
        with database.session() as session:
            unit = session.scalar(select(Unit).where(Unit.uuid == sender_uuid))
            history.log_refusal(
                session, unit.uuid if unit else "", unit.name if unit else "（未知单位）",
                file_name=path.name[:255], reason=reason, dry_run=dry_run,
                sequence=sequence if unit and isinstance(sequence, int) else 0,
            )  # fmt: skip
    except Exception:  # the refusal itself still reaches the clerk
        log.exception("could not record the refused package %s", path.name)


def _import_package(
    database: Database, path: Path, dry_run: bool, progress: Progress | None
) -> ImportSummary:
    store = database.attachments
    with database.session() as session:
        note = identity.check_instance(session, database.file)
        keys = identity.key_pairs(session)
        package = _open_verified(session, Path(path))
        try:
            sender = session.scalar(select(Unit).where(Unit.uuid == package.sender["unit_uuid"]))
            if sender is None:
                raise PackageError(f"本机没有发送单位“{package.sender['unit_name']}”。")
            data_version = package.manifest.get("data_version")
            versions.check(session, sender, package.sequence, data_version)
            summary = ImportSummary(sender.name, package.sequence, dry_run=dry_run, note=note or "")
            ids = UuidMap(session)
            allowed = rights.ImportRights(session, sender, _me(session))
            with collector_paused(), audit.quiet(session):  # one line for the package, below
                for step, table in enumerate(travelling_tables(), 1):
                    if progress is not None:
                        progress(step)
                    records = package.records(table.name, keys)
                    try:
                        _apply_table(session, table, records, ids, sender, summary, allowed)
                    except IntegrityError as exc:
                        raise UserError(_integrity_message(exc, table.name, sender.name)) from exc
            missing = [sha for sha in package.file_names(keys) if not store.has(sha)]
            summary.files = len(missing)
            summary.data_version = int((data_version or {}).get("version", 0))
            if dry_run:
                session.rollback()
                return summary
            if summary.created.get("programmes"):
                followed = follow_newest_programme(session)
                summary.new_year = followed.year if followed is not None else None
            instance = package.sender.get("instance_uuid", "")
            identity.mark_imported(session, sender.uuid, instance, package.sequence)
            identity.owe_ack(session, sender.uuid, instance, package.sequence)
            confirmed = package.manifest.get("acknowledges", {}).get(
                identity.instance_uuid(session)
            )
            if confirmed:
                identity.confirm(session, sender.uuid, int(confirmed))
            versions.applied(session, sender, data_version)
            history.log_package(
                session, Direction.RECEIVED, sender.uuid, sender.name, sequence=package.sequence,
                instance=instance, file_name=Path(path).name, reference_version=summary.data_version,
                details=summary.totals(), full=package.manifest.get("changed_since") is None,
            )  # fmt: skip
            audit.record(
                session, "import",
                f"导入{sender.name}的数据包（第 {package.sequence} 号）：新增 {sum(summary.created.values())}，"
                f"更新 {sum(summary.updated.values())}，删除 {sum(summary.deleted.values())}，"
                f"冲突 {sum(summary.conflicts.values())}，文件 {summary.files}",
            )  # fmt: skip
            session.flush()
            with store.within(session):  # a server's store: committed with the records
                for sha in missing:  # decrypted straight into the store, checked against its name
                    store.receive(sha, partial(package.extract_file, sha, keys=keys))
        finally:
            package.close()
    # Once committed: the file beside the database names the identity now in force (the import
    # may have renewed it), else every later import would renew it again until the next export.
    with database.session() as session:
        identity.remember_issued(session, database.file)
        shas = list(session.scalars(
            select(Attachment.sha256).where(Attachment.uuid.in_(summary.summary_photos))
        )) if summary.summary_photos else []  # fmt: skip
        for start in range(0, len(missing), 500):  # the photos that came (not the PDFs)
            shas += session.scalars(
                select(Attachment.sha256).where(
                    Attachment.sha256.in_(missing[start : start + 500]),
                    Attachment.media_type.like("image/%"),
                )
            ).all()
    # their print copies now, so the PDFs printed over them (summaries, 台账卷) are quick;
    # reduced copies and thumbnails are made when they are first looked at
    from app.services.attachments import make_print_copies

    make_print_copies(store, shas)
    return summary
