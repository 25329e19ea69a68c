"""Export a unit's records to a package, and import a package all-or-nothing.

Export (``export_package``): every record this install's unit owns, with its photos and
scans; correction subjects travel sealed to the recipient. Import (``import_package``):
verify the whole package first, then apply every record in one transaction — a record is
accepted only from its owning unit, an incoming record replaces the local one only when its
revision is higher, and the package's sequence is recorded in the same transaction, so a
re-import or a crash part-way leaves the database as it was.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from app.models import Unit
from app.services.database import Database
from app.services.errors import UserError
from app.services.settings import local_unit
from app.sync import identity, registration
from app.sync.package import (
    PackageError,
    PackageWriter,
    Party,
    VerifiedPackage,
    open_package,
    peek_introduction,
)
from app.sync.records import (
    UuidMap,
    foreign_keys,
    from_record,
    ref_key,
    to_record,
    travelling_tables,
)

SEALED = {"correction_subjects"}
KIND_LABELS = {
    "units": "单位", "attachments": "附件", "correction_subjects": "社区矫正对象", "entry_kinds": "台账类型",
    "programmes": "实施方案", "agreement_templates": "责任状文本", "agreements": "责任状", "brands": "品牌",
    "duties": "职责", "goals": "目标", "inspections": "督查", "ledger_entries": "台账", "meetings": "例会",
    "pairings": "挂钩结对", "phases": "阶段", "brand_evidence": "品牌佐证", "brand_milestones": "品牌节点",
    "brand_participants": "品牌参与单位", "entry_attachments": "台账照片", "indicators": "指标",
    "meeting_decisions": "例会议定事项", "meeting_reports": "例会汇报", "phase_summaries": "阶段总结",
    "rectification_items": "整改事项", "summary_photos": "总结照片",
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
    files: int = 0
    dry_run: bool = False

    def count(self, bucket: dict[str, int], kind: str) -> None:
        """Add one record of ``kind`` to a bucket."""
        bucket[kind] = bucket.get(kind, 0) + 1

    def lines(self) -> list[str]:
        """The summary in Chinese, a line a kind."""
        kinds = dict.fromkeys([*self.created, *self.updated, *self.unchanged, *self.deleted])
        return [
            f"{KIND_LABELS.get(k, k)}：新增 {self.created.get(k, 0)}，更新 {self.updated.get(k, 0)}，"
            f"删除 {self.deleted.get(k, 0)}，未变 {self.unchanged.get(k, 0)}"
            for k in kinds
        ]


def _me(session: Session) -> Unit:
    unit = local_unit(session)
    if unit is None:
        raise UserError("本机尚未设定所属单位，请先完成首次设置。")
    return unit


def _unit_by_name(session: Session, name: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.name == name, Unit.deleted.is_(False)))
    if unit is None:
        raise UserError(f"没有名为“{name}”的单位。")
    return unit


def export_package(
    database: Database, recipient_name: str, out: Path, full: bool = False
) -> tuple[Path, dict[str, int]]:
    """Write this install's unit's records into a package for ``recipient_name``: those changed
    since the newest package the recipient has confirmed (everything when ``full`` or before
    any confirmation), tombstones included."""
    store = database.attachments
    with database.session() as session:
        me = _me(session)
        recipient = _unit_by_name(session, recipient_name)
        keys = identity.key_pairs(session)
        recipient_keys = identity.peer_keys(session, recipient.uuid)
        if recipient_keys is None:
            raise UserError(f"还没有“{recipient.name}”的公钥（尚未登记），不能给它导出数据包。")
        sequence = identity.next_sequence(session, recipient.uuid)
        ids = UuidMap(session)
        sender = Party(me.uuid, me.name, identity.instance_uuid(session))
        intro = registration.introduction(session)
        since = None if full else identity.export_since(session, recipient.uuid)
        began = datetime.now(UTC)
        identity.record_export(session, recipient.uuid, sequence, began.isoformat())
        extra: dict[str, Any] = {"acknowledges": identity.acks_for(session, recipient.uuid),
                                 "changed_since": since}  # fmt: skip
        if intro:
            extra["introduction"] = intro
        with PackageWriter(Path(out), sender=sender, recipient=Party(recipient.uuid, recipient.name),
                           sequence=sequence, keys=keys, recipient_encryption_key=recipient_keys.encryption,
                           extra=extra) as writer:  # fmt: skip
            files: list[str] = []
            for table in travelling_tables():
                query = select(table).where(table.c.owner_unit_id == me.id).order_by(table.c.id)
                if since is not None:
                    query = query.where(table.c.updated_at > datetime.fromisoformat(since))
                rows = session.execute(query)
                records = (to_record(table, row, ids) for row in rows)
                if table.name in SEALED:
                    writer.add_sealed_records(table.name, list(records))
                elif table.name == "attachments":
                    kept = list(records)
                    files = [r["sha256"] for r in kept]
                    writer.add_records(table.name, kept)
                else:
                    writer.add_records(table.name, records)
            for sha in files:
                if store.has(sha):
                    writer.add_file(store.original_path(sha), sha)
        return Path(out), writer.counts


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
) -> None:
    """Apply one table's records in batches (bulk inserts and updates, memory bounded)."""
    self_refs = _self_refs(table)
    label = KIND_LABELS.get(table.name, table.name)
    later: list[dict[str, Any]] = []
    for batch in _batches(records):
        existing = {
            row.uuid: row
            for row in session.execute(
                select(table.c.id, table.c.uuid, table.c.revision, table.c.owner_unit_id)
                .where(table.c.uuid.in_([r["uuid"] for r in batch]))
            )
        }  # fmt: skip
        inserts, updates = [], []
        for record in batch:
            if record.get("owner_unit_uuid") != sender.uuid:
                raise PackageError(
                    f"数据包中有不属于“{sender.name}”的{label}记录，发送单位不能修改别的单位的记录。已拒绝整个数据包。"
                )
            try:
                values = from_record(table, record, ids, skip=self_refs)
            except KeyError as missing:
                raise PackageError(
                    f"数据包中的{label}引用了本机没有的{KIND_LABELS.get(missing.args[0], missing.args[0])}记录；"
                    "请先导入县矫正办的参考数据包。"
                ) from None
            local = existing.get(record["uuid"])
            gone = bool(record.get("deleted"))
            if local is None:
                inserts.append(values)
                summary.count(summary.deleted if gone else summary.created, table.name)
            elif local.owner_unit_id != sender.id:
                raise PackageError(f"“{sender.name}”试图修改不属于它的记录，已拒绝整个数据包。")
            elif record["revision"] > local.revision:
                updates.append({**values, "_row_id": local.id})
                summary.count(summary.deleted if gone else summary.updated, table.name)
            else:
                summary.count(summary.unchanged, table.name)
                continue
            if self_refs:
                later.append(record)
        if inserts:
            session.execute(insert(table), inserts)
            ids.forget(table)  # the new rows' ids are read back when next needed
        if updates:
            columns = [c for c in updates[0] if c != "_row_id"]
            statement = (
                update(table)
                .where(table.c.id == bindparam("_row_id"))
                .values({c: bindparam(c) for c in columns})
            )
            session.connection().execute(statement, updates)
    for record in later:  # self-references, now that every row of the table exists
        row_id = ids.id_of(table, record["uuid"])
        refs = {name: ids.id_of(table, record.get(ref_key(name))) for name in self_refs}
        session.execute(update(table).where(table.c.id == row_id).values(**refs))


def _open_verified(session: Session, path: Path) -> VerifiedPackage:
    """Verify a package for this install; a unit's first package may introduce its keys
    (registered in the caller's transaction, so a refusal registers nothing)."""
    me = _me(session)

    def signing_key(unit_uuid: str) -> str | None:
        found = identity.peer_keys(session, unit_uuid)
        if found is None and registration.accept_introduction(
            session, unit_uuid, peek_introduction(path)
        ):
            found = identity.peer_keys(session, unit_uuid)
        return found.signing if found else None

    return open_package(path, me=me.uuid, sender_signing_key=signing_key,
                        last_sequence=lambda _unit, instance: identity.last_imported(session, instance))  # fmt: skip


def verify_package(database: Database, path: Path) -> dict[str, Any]:
    """Check a package as an import would, without importing; its manifest."""
    with database.session() as session:
        package = _open_verified(session, Path(path))
        package.close()
        session.rollback()  # a verification registers nothing
        return package.manifest


def import_package(database: Database, path: Path, dry_run: bool = False) -> ImportSummary:
    """Verify and apply a package in one transaction (or only report, with ``dry_run``)."""
    store = database.attachments
    with database.session() as session:
        keys = identity.key_pairs(session)
        package = _open_verified(session, Path(path))
        try:
            sender = session.scalar(select(Unit).where(Unit.uuid == package.sender["unit_uuid"]))
            if sender is None:
                raise PackageError(f"本机没有发送单位“{package.sender['unit_name']}”。")
            summary = ImportSummary(sender.name, package.sequence, dry_run=dry_run)
            ids = UuidMap(session)
            for table in travelling_tables():
                if table.name in SEALED:
                    records = package.sealed_records(table.name, keys)
                else:
                    records = package.records(table.name)
                _apply_table(session, table, records, ids, sender, summary)
            missing = [sha for sha in package.file_names() if not store.has(sha)]
            summary.files = len(missing)
            if dry_run:
                session.rollback()
                return summary
            instance = package.sender.get("instance_uuid", "")
            identity.mark_imported(session, instance, package.sequence)
            identity.owe_ack(session, sender.uuid, instance, package.sequence)
            confirmed = package.manifest.get("acknowledges", {}).get(
                identity.instance_uuid(session)
            )
            if confirmed:
                identity.confirm(session, sender.uuid, int(confirmed))
            session.flush()
            with tempfile.TemporaryDirectory() as folder:
                for sha in missing:
                    target = Path(folder) / sha
                    package.extract_file(sha, target)
                    store.add_verified(target, sha)
        finally:
            package.close()
    for sha in missing:  # after the commit: photo previews do not hold the database's write lock
        store.make_previews(sha)
    return summary
