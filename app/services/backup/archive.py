"""Writing, checking and reading a backup: the database (SQLite's online backup API, so the
app may be running), the photo store's originals, the exchange state file and a manifest, as a
tar stream inside the sealed envelope of :mod:`app.services.backup.container`."""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from app.models.sealed import FILE_MAGIC, is_sealed_file
from app.services.attachments import AttachmentStore, is_sha256
from app.services.backup.container import (
    CHUNK,
    BackupError,
    MasterKey,
    OpenedReader,
    SealedWriter,
    Secret,
)
from app.services.errors import UserError, file_problem
from app.services.files import replace_file
from app.services.private_files import create_private_file, open_private, private_folder

log = logging.getLogger(__name__)

Report = Callable[[int], None]
MANIFEST = "manifest.json"
DATABASE = "database.sqlite.gz"
EXCHANGE = "exchange.json"
ORIGINALS = "originals/"
SUFFIX = ".bjbak"
KEY_SETTINGS = ("exchange.keys", "exchange.keys_retired")  # this PC's private keys
COUNTED = {  # what the summary before a restore names, in this order
    "units": "单位",
    "ledger_entries": "工作台账",
    "attachments": "照片和文件",
    "correction_subjects": "矫正对象",
    "agreements": "责任状",
    "phase_summaries": "阶段总结",
    "meetings": "例会",
    "inspections": "督查",
    "package_log": "数据包收发记录",
}


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: where it came from, and what to check it against."""

    program_version: str
    schema_revision: str | None
    unit_name: str
    unit_kind: str
    created: str  # ISO date and time, the PC's local time
    tables: dict[str, int]  # rows per table
    attachments: dict[str, str]  # stored name → SHA-256 of its content (the same when sound)
    attachment_bytes: int
    exchange_state: bool
    keys: int  # this PC's key settings (exchange.keys…) in the database's local settings
    peers: int  # other units' public keys kept there
    format: int = 1
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> bytes:
        """The manifest's member in the archive."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Read a manifest member; BackupError if it is not one."""
        try:
            values = json.loads(data.decode("utf-8"))
            return cls(**values)
        except (ValueError, TypeError):
            raise BackupError("备份文件已损坏（清单无法读取）。") from None

    def summary(self) -> list[str]:
        """Lines in Chinese for the clerk before a restore: unit, date, counts."""
        made = datetime.fromisoformat(self.created)
        lines = [
            f"单位：{self.unit_name}"
            + (f"（{self.unit_kind}）" if self.unit_kind not in self.unit_name else ""),
            f"备份时间：{made:%Y年%m月%d日 %H:%M}",
            f"制作备份的程序：{self.program_version} 版（数据格式 {_format_number(self.schema_revision)}）",
        ]
        counts = [f"{label} {self.tables[t]}" for t, label in COUNTED.items() if t in self.tables]
        lines.append("内容：" + "，".join(counts))
        size = self.attachment_bytes / (1 << 20)
        lines.append(f"照片和文件原件：{len(self.attachments)} 个，共 {size:.1f} MB")
        if self.keys:
            lines.append(
                f"数据交换：本机的数据交换密钥和已接入的 {self.peers} 个单位的登记都在备份中"
            )
        else:
            lines.append("数据交换：本机当时还没有数据交换密钥（恢复后第一次导出时生成）")
        return lines


def _format_number(revision: str | None) -> str:
    """A schema revision as a clerk reads it: 0015 → 第 15 版."""
    if revision and revision.isdigit():
        return f"第 {int(revision)} 版"
    return revision or "未知"


@dataclass(frozen=True)
class BackupResult:
    """A backup written and checked."""

    path: Path
    manifest: Manifest
    size: int
    seconds: float


@dataclass(frozen=True)
class ReadResult:
    """A backup read to its end and checked; ``database`` is the staged copy (when asked)."""

    manifest: Manifest
    database: Path | None
    exchange_state: bytes | None


def _nothing(_done: int) -> None:
    pass


def snapshot_database(database_file: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (WAL included) by the online backup API."""
    if not database_file.is_file():
        raise UserError(f"数据库文件“{database_file}”不存在。")
    create_private_file(target)
    with (
        closing(sqlite3.connect(database_file)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy)


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows per table (SQLite's own tables left out)."""
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )]  # fmt: skip
    return {n: connection.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def _setting(connection: sqlite3.Connection, key: str) -> str | None:
    try:
        row = connection.execute(
            "SELECT value FROM local_settings WHERE key = ?", (key,)
        ).fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def _unit(connection: sqlite3.Connection) -> tuple[str, str]:
    from app.models import UnitKind
    from app.services.reference import UNIT_KIND_LABELS

    unit_uuid = _setting(connection, "local_unit_uuid")
    row = connection.execute(
        "SELECT name, kind FROM units WHERE uuid = ?", (unit_uuid,)
    ).fetchone() if unit_uuid else None  # fmt: skip
    if row is None:
        return "（未设定）", ""
    name, kind = row
    label = ""
    for member in UnitKind:
        if kind in (member.name, member.value):
            label = UNIT_KIND_LABELS.get(member, "")
    return str(name), label


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def _originals(store_root: Path) -> list[Path]:
    folder = store_root / "originals"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*/*") if p.is_file() and is_sha256(p.name))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _sealed(path: Path) -> bool:
    """Whether a stored original is sealed (its name is the hash of its plain content)."""
    with path.open("rb") as handle:
        return is_sealed_file(handle.read(len(FILE_MAGIC)))


def describe_database(
    snapshot: Path, store_root: Path, exchange_state: bool, created: datetime
) -> Manifest:
    """The manifest of a database snapshot and the photo store beside the live database."""
    from app.paths import program_version

    with closing(sqlite3.connect(snapshot)) as connection:
        tables = table_counts(connection)
        unit_name, unit_kind = _unit(connection)
        revision = _revision(connection)
        keys = connection.execute(
            "SELECT COUNT(*) FROM local_settings WHERE key IN (?, ?)", KEY_SETTINGS
        ).fetchone()[0]
        peers = connection.execute(
            "SELECT COUNT(*) FROM local_settings WHERE key LIKE 'exchange.peer:%'"
        ).fetchone()[0]
    hashes: dict[str, str] = {}
    size = 0
    notes = []
    for path in _originals(store_root):
        hashes[path.name] = _sha256(path)
        size += path.stat().st_size
        if hashes[path.name] != path.name and not _sealed(path):  # a sealed one: not checkable
            notes.append(f"照片库中的文件 {path.name[:12]}… 内容与名称不符（备份前已损坏）")
            log.warning("备份：照片库文件 %s 的内容与名称不符", path.name)
    return Manifest(program_version(), revision, unit_name, unit_kind,
                    created.isoformat(timespec="seconds"), tables, hashes, size, exchange_state,
                    int(keys), int(peers), notes=notes)  # fmt: skip


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> None:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mtime = int(path.stat().st_mtime)
    with path.open("rb") as handle:
        tar.addfile(info, handle)


def temporary_name(target: Path) -> Path:
    """Where a backup is written before it is put in place (hidden, beside it)."""
    return target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")


def write_backup(
    database_file: Path,
    store: AttachmentStore,
    out: Path,
    master: MasterKey,
    *,
    report: Report = _nothing,
    now: datetime | None = None,
) -> BackupResult:
    """Write a backup of the database, its photo store's originals and its exchange state
    file to ``out`` (sealed with ``master``), check it by reading it back whole, then put it
    in place. A failure or a kill at any moment leaves the database and any earlier file
    at ``out`` as they were. ``report(n)``: files written so far."""
    from app.sync.identity import ledger_file

    started = time.perf_counter()
    created = now or datetime.now()
    exchange = ledger_file(database_file)
    with tempfile.TemporaryDirectory(prefix="bangjiao-backup-") as work:
        snapshot = Path(work) / "database.sqlite"
        snapshot_database(database_file, snapshot)
        exchange_data = exchange.read_bytes() if exchange.is_file() else None
        manifest = describe_database(snapshot, store.root, exchange_data is not None, created)
        packed = Path(work) / DATABASE
        with snapshot.open("rb") as plain, gzip.open(packed, "wb", compresslevel=6) as zipped:
            shutil.copyfileobj(plain, zipped, CHUNK)
        snapshot.unlink()
        temporary = temporary_name(out)
        try:
            with open_private(temporary) as raw:
                writer = SealedWriter(raw, master)
                with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                    _add_bytes(tar, MANIFEST, manifest.to_json())
                    _add_file(tar, DATABASE, packed)
                    if exchange_data is not None:
                        _add_bytes(tar, EXCHANGE, exchange_data)
                    for done, name in enumerate(manifest.attachments, start=1):
                        _add_file(tar, ORIGINALS + name[:2] + "/" + name, store.original_path(name))
                        report(done)
                writer.finish()
                raw.flush()
                os.fsync(raw.fileno())
            checked = read_backup(temporary, Secret(stored=master), restoring=False)
            if checked.manifest != manifest:
                raise BackupError("备份写入后核对不一致，备份未完成。")
            replace_file(temporary, out)
        except OSError as exc:
            if exc.errno == errno.EFBIG:  # FAT32: no file of 4 GiB or more
                raise UserError(
                    "备份未完成：备份文件超过 4 GB，而备份位置（多为 FAT32 格式的 U 盘）不能存放这么大的"
                    "文件。请换用 NTFS 或 exFAT 格式的 U 盘或移动硬盘。"
                ) from None
            raise UserError("备份未完成：" + file_problem(exc, out, writing=True)) from None
        finally:
            temporary.unlink(missing_ok=True)
    size = out.stat().st_size
    log.info("备份完成：%s（%d 字节，%d 个照片和文件）", out.name, size, len(manifest.attachments))
    return BackupResult(out, manifest, size, time.perf_counter() - started)


@contextmanager
def _opened(path: Path, secret: Secret) -> Iterator[tuple[BinaryIO, OpenedReader]]:
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise UserError(file_problem(exc, path)) from None
    with raw:
        yield raw, OpenedReader(raw, secret)


def read_manifest(path: Path, secret: Secret) -> Manifest:
    """The manifest of a backup (its first member), for the summary before a restore."""
    with _opened(path, secret) as (_raw, reader):
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                member = tar.next()
                if member is None or member.name != MANIFEST:
                    raise BackupError("备份文件已损坏（没有清单）。")
                handle = tar.extractfile(member)
                assert handle is not None
                manifest = Manifest.from_json(handle.read())
        except tarfile.TarError:
            raise BackupError("备份文件已损坏（内容无法读取）。") from None
    refuse_newer(manifest)
    return manifest


def refuse_newer(manifest: Manifest) -> None:
    """BackupError when the backup's schema is newer than this program knows."""
    from app.models import SCHEMA_HEAD
    from app.services.database import _known_revisions

    revision = manifest.schema_revision
    if revision is not None and revision != SCHEMA_HEAD and revision not in _known_revisions():
        raise BackupError(
            f"这个备份由较新版本的大帮教工作台（{manifest.program_version}，数据库结构 {revision}）"
            "制作，本程序无法恢复。请先升级本程序再恢复。"
        )


def _copy_checked(source: BinaryIO, target: Path | None, expected: str) -> None:
    """Copy a member to ``target`` (None: only read it), checking its SHA-256 on the way;
    the target appears only when the content is right."""
    digest = hashlib.sha256()
    temporary = temporary_name(target) if target is not None else None
    handle = open_private(temporary) if temporary is not None else None
    try:
        while block := source.read(CHUNK):
            digest.update(block)
            if handle is not None:
                handle.write(block)
        if handle is not None:
            handle.close()
        if digest.hexdigest() != expected:
            raise BackupError("备份文件已损坏（照片的校验值不符）。")
        if temporary is not None and target is not None:
            replace_file(temporary, target)
    finally:
        if handle is not None:
            handle.close()
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def read_backup(
    path: Path,
    secret: Secret,
    *,
    staging: Path | None = None,
    store: AttachmentStore | None = None,
    report: Report = _nothing,
    restoring: bool = True,
) -> ReadResult:
    """Read a backup to its end and check everything: the envelope, the manifest (refusing a
    newer program's), ``PRAGMA integrity_check`` and the row counts of its database, every
    photo's SHA-256. The database is left at ``staging/database.sqlite`` when ``staging`` is
    given; with ``store``, originals it lacks are put there (each only once its content is
    checked). Any problem is a BackupError in Chinese. ``restoring=False``: the check after
    writing, which does not judge the schema."""
    manifest: Manifest | None = None
    exchange: bytes | None = None
    seen: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="bangjiao-check-") as work:
        database = (staging or Path(work)) / "database.sqlite"
        with _opened(path, secret) as (_raw, reader):
            try:
                with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                    for member in tar:
                        handle = tar.extractfile(member) if member.isfile() else None
                        if handle is None:
                            raise BackupError("备份文件已损坏（内容不正确）。")
                        if manifest is None:
                            if member.name != MANIFEST:
                                raise BackupError("备份文件已损坏（没有清单）。")
                            manifest = Manifest.from_json(handle.read())
                            if restoring:
                                refuse_newer(manifest)
                        elif member.name == DATABASE:
                            with gzip.open(handle, "rb") as unzipped, open_private(database) as out:
                                shutil.copyfileobj(unzipped, out, CHUNK)
                        elif member.name == EXCHANGE:
                            exchange = handle.read()
                        elif member.name.startswith(ORIGINALS):
                            name = member.name.rsplit("/", 1)[-1]
                            if name not in manifest.attachments or name in seen:
                                raise BackupError("备份文件已损坏（有清单之外的文件）。")
                            target = None
                            if store is not None and not store.has(name):
                                target = store.original_path(name)
                                private_folder(target.parent, top=store.root)
                            _copy_checked(handle, target, manifest.attachments[name])
                            seen.add(name)
                            report(len(seen))
                        else:
                            raise BackupError("备份文件已损坏（有清单之外的内容）。")
                while reader.read(CHUNK):  # to the sealed end: a cut-off file is refused
                    pass
            except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib_error()):
                raise BackupError("备份文件已损坏（内容无法读取）。") from None
        if manifest is None or not database.is_file():
            raise BackupError("备份文件已损坏（缺少数据库）。")
        if seen != set(manifest.attachments):
            raise BackupError("备份文件不完整（缺少照片）。")
        if (exchange is not None) != manifest.exchange_state:
            raise BackupError("备份文件不完整（缺少数据交换状态文件）。")
        _check_database(database, manifest)
        if staging is None:
            database.unlink()
    return ReadResult(manifest, database if staging is not None else None, exchange)


def zlib_error() -> type[Exception]:
    """zlib's error class (a damaged compressed database)."""
    import zlib

    return zlib.error


def _check_database(database: Path, manifest: Manifest) -> None:
    try:
        with closing(sqlite3.connect(database)) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            counts = table_counts(connection)
    except sqlite3.DatabaseError:
        raise BackupError("备份中的数据库已损坏，不能使用。") from None
    if result != "ok":
        raise BackupError("备份中的数据库未通过完整性检查，不能使用。")
    if counts != manifest.tables:
        raise BackupError("备份中的数据库与清单的记录数不符，不能使用。")
