"""Moving in (迁入数据库服务器): a SQLite database and its photo store copied whole into an
empty database on a PostgreSQL server (``main.py migrate-db --from FILE.db --to URL``).

All or nothing: the target's schema (every migration), its rows and its photos are written in
one transaction of the server, verified (rows per table, every stored file's SHA-256), and
committed only when everything agrees; on any failure the transaction is rolled back and the
target is left exactly as empty as it was. The source is only read (in one snapshot).

Values are copied as they are stored, at Core level and without the sealing column types:
sealed names, identity numbers and form values travel as their ciphertext, and sealed photo
files as their sealed bytes, so no key is needed and the same accounts (their wrapped keys
travel with the ``users`` and ``local_settings`` rows) unlock them on the server. Ids are kept;
PostgreSQL's sequences are then moved past the largest id. The photo store moves into the
server (``attachment_blobs``, see ``app.services.attachments``): one server is one thing to
back up and to permission, and every PC sees the same photos without a shared folder.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Enum,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator, TypeEngine

from app.models import Base
from app.services.database import Database, create_db_engine
from app.services.errors import UserError

BATCH_ROWS = 2000  # rows per INSERT batch
BATCH_BYTES = 32 * 1024 * 1024  # photo bytes per INSERT batch
BLOBS = "attachment_blobs"  # the server's photo store: filled from the source's folder
KINDS = ("original", "reduced", "thumbnail", "print")  # attachments.ORIGINAL, …

Progress = Callable[[str], None]


@dataclass
class MigrationReport:
    """What was copied, verified equal in the target."""

    source: str
    target: str
    tables: list[tuple[str, int]] = field(default_factory=list)  # in copy order
    files: dict[str, int] = field(default_factory=dict)  # stored files by kind
    file_bytes: int = 0
    missing: list[str] = field(default_factory=list)  # attachments whose file was not found
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds: schema, rows, files, check

    def phase(self, name: str, since: float) -> float:
        """Note the seconds since ``since`` as the phase ``name``; the time now."""
        now = time.perf_counter()
        self.phases[name] = now - since
        return now

    @property
    def rows(self) -> int:
        """Every row copied."""
        return sum(n for _name, n in self.tables)

    def lines(self) -> list[str]:
        """The report in Chinese, for the command line."""
        out = [
            f"已迁入：{self.source} → {self.target}",
            f"用时 {self.seconds:.1f} 秒；共 {self.rows} 条记录，{len(self.tables)} 张表，"
            f"每张表的记录数已在服务器上核对一致：",
        ]
        for name, count in self.tables:
            if count:
                out.append(f"  {_label(name)}（{name}）：{count}")
        empty = [name for name, count in self.tables if not count]
        if empty:
            out.append(f"  另有 {len(empty)} 张表没有记录。")
        photos = self.files.get("original", 0)
        previews = sum(n for kind, n in self.files.items() if kind != "original")
        out.append(
            f"照片和扫描件：{photos} 个文件（另有预览、打印副本 {previews} 个），"
            f"共 {self.file_bytes / 1048576:.1f} MB，已存入数据库服务器，"
            "逐个核对 SHA-256 校验值一致。"
        )
        if self.missing:
            out.append(
                f"注意：来源的照片库中缺少 {len(self.missing)} 个附件的文件（迁入前就已丢失），"
                f"这些附件的记录照常迁入：{'、'.join(self.missing[:5])}"
                + ("……" if len(self.missing) > 5 else "")
            )
        return out


_LABELS = {"audit_entries": "审计日志", BLOBS: "照片库"}  # tables the exchange does not name


def _label(name: str) -> str:
    from app.services.audit import table_label

    return _LABELS.get(name) or table_label(name)


def server_url(text_url: str) -> str:
    """The ``--to`` URL as SQLAlchemy opens it: ``postgresql://`` means psycopg 3 (the driver
    this program ships); anything but PostgreSQL is refused in Chinese."""
    try:
        url = make_url(text_url)
    except (ArgumentError, ValueError):
        raise UserError(
            f"目标“{text_url}”不是数据库服务器的地址，应写成 postgresql://用户@服务器/数据库名。"
        ) from None
    if url.get_backend_name() != "postgresql":
        raise UserError(
            f"目标“{url.render_as_string()}”不是 PostgreSQL 数据库服务器，应写成 "
            "postgresql://用户@服务器/数据库名。"
        )
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _raw_type(kind: TypeEngine[Any]) -> TypeEngine[Any]:
    """A column's type without what the program adds on top of the stored value: sealed
    columns as their storage (ciphertext text or JSON), enums as their text."""
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, Enum):
        return String(kind.length)
    if isinstance(kind, JSON):
        return JSON(none_as_null=True)  # SQL NULL stays NULL (not the JSON text "null")
    return kind


def raw_tables() -> list[Table]:
    """Every table of the schema in foreign-key order (parents first), with raw column types
    (the server's photo store among them: filled from the source's folder, not its rows)."""
    metadata = MetaData()
    tables = []
    for table in Base.metadata.sorted_tables:
        columns = [
            Column(c.name, _raw_type(c.type), primary_key=c.primary_key) for c in table.columns
        ]
        tables.append(Table(table.name, metadata, *columns))
    return tables


def _self_references(name: str) -> list[str]:
    """The columns of a table that refer to its own rows (written in a second pass)."""
    table = Base.metadata.tables[name]
    return sorted({fk.parent.name for fk in table.foreign_keys if fk.column.table is table})


def _aware_columns(name: str) -> list[str]:
    """The columns holding moments with a time zone: SQLite keeps them as UTC without one."""
    table = Base.metadata.tables[name]
    return [c.name for c in table.columns if isinstance(c.type, DateTime) and c.type.timezone]


class TargetNotEmpty(UserError):
    """The target database already holds tables: nothing was written."""


def _refuse_unless_empty(target: Connection, where: str) -> None:
    """Refuse a target that has any table: moving in only fills an empty database."""
    names = inspect(target).get_table_names()
    if not names:
        return
    has_ours = "alembic_version" in names or "units" in names
    raise TargetNotEmpty(
        f"目标{where}中已有{'大帮教工作台的数据' if has_ours else '数据'}"
        f"（{len(names)} 张表），不能迁入：迁入只能在一个新建的空数据库中进行，以免覆盖已有数据。"
        "请在服务器上新建一个空数据库（CREATE DATABASE），再用它的地址迁入。目标数据库没有任何改动。"
    )


def _copy_table(source: Connection, target: Connection, table: Table) -> int:
    """Copy every row of ``table`` (ids and stored values as they are); the rows copied."""
    self_refs = _self_references(table.name)
    aware = _aware_columns(table.name)
    key = [c.name for c in table.primary_key.columns]
    order = [table.c[name] for name in key]
    result = source.execution_options(yield_per=BATCH_ROWS).execute(select(table).order_by(*order))
    later: list[dict[str, Any]] = []

    def rows() -> Iterator[dict[str, Any]]:
        for mapping in result.mappings():
            row = dict(mapping)
            for name in aware:
                value = row[name]
                if isinstance(value, datetime) and value.tzinfo is None:
                    row[name] = value.replace(tzinfo=UTC)
            if self_refs:
                refs = {name: row[name] for name in self_refs if row[name] is not None}
                if refs:
                    later.append({**{f"k_{n}": row[n] for n in key}, **refs})
                    row.update(dict.fromkeys(refs))
            yield row

    copied = _copy_in(target, table, rows())
    for name in self_refs:  # the rows exist now: point them at each other
        todo = [
            {**{f"k_{n}": r[f"k_{n}"] for n in key}, f"v_{name}": r[name]}
            for r in later
            if name in r
        ]
        if todo:
            statement = (
                update(table)
                .where(*(table.c[n] == bindparam(f"k_{n}") for n in key))
                .values({name: bindparam(f"v_{name}")})
            )
            target.execute(statement, todo)
    return copied


def _copy_in(target: Connection, table: Table, rows: Iterator[dict[str, Any]]) -> int:
    """Write ``rows`` into ``table`` with PostgreSQL's COPY (its fastest way in, in the
    transaction under way; JSON as its text); the rows written."""
    names = [c.name for c in table.columns]
    json_columns = {i for i, c in enumerate(table.columns) if isinstance(c.type, JSON)}
    quoted = ", ".join(f'"{name}"' for name in names)
    cursor = target.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    copied = 0
    try:
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                values = [row[name] for name in names]
                for i in json_columns:
                    if values[i] is not None:
                        values[i] = json.dumps(values[i], ensure_ascii=False)
                copy.write_row(values)
                copied += 1
    finally:
        cursor.close()
    return copied


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _reset_sequences(target: Connection, tables: list[Table]) -> None:
    """Move each serial column's sequence past the largest id copied."""
    for table in tables:
        for column in table.primary_key.columns:
            sequence = target.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": table.name, "c": column.name},
            ).scalar()
            if sequence is None:
                continue
            target.execute(
                text(
                    f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") '
                    f'FROM "{table.name}"), 0) + 1, false)'
                ),
                {"s": sequence},
            )


def _copy_files(
    source_db: Database, source: Connection, target: Connection, blobs: Table,
    report: MigrationReport,
) -> dict[tuple[str, str], str]:  # fmt: skip
    """Copy the stored files of the source's attachments (sealed bytes as they are) into the
    server's store; the SHA-256 of each file's stored bytes, by (hash, kind)."""
    from app.services.attachments import FolderFiles, is_sha256, store_for

    assert source_db.file is not None
    folder = store_for(source_db.file).files
    assert isinstance(folder, FolderFiles)
    attachments = Base.metadata.tables["attachments"]
    wanted = set(source.scalars(select(attachments.c.sha256)))
    digests: dict[tuple[str, str], str] = {}
    batch: list[dict[str, Any]] = []
    size = 0

    def flush() -> None:
        nonlocal batch, size
        if batch:
            target.execute(insert(blobs), batch)
        batch, size = [], 0

    for kind in KINDS:
        present = [sha for sha in folder.shas(kind) if sha in wanted and is_sha256(sha)]
        if kind == "original":
            here = set(present)
            report.missing = sorted(sha[:12] + "…" for sha in wanted if sha not in here)
        for sha in present:
            data = folder.read(kind, sha)
            digests[(sha, kind)] = hashlib.sha256(data).hexdigest()
            batch.append({"sha256": sha, "kind": kind, "data": data})
            size += len(data)
            report.file_bytes += len(data)
            if size >= BATCH_BYTES or len(batch) >= BATCH_ROWS:
                flush()
        report.files[kind] = len(present)
    flush()
    return digests


def _verify(
    source: Connection, target: Connection, tables: list[Table], counts: dict[str, int],
    digests: dict[tuple[str, str], str],
) -> None:  # fmt: skip
    """Rows per table and every stored file's SHA-256, read back from the server."""
    for table in tables:
        if table.name == BLOBS:
            continue
        on_server = _count(target, table)
        if on_server != counts[table.name]:
            raise UserError(
                f"核对不一致：“{table.name}”在来源有 {counts[table.name]} 条记录，"
                f"服务器上有 {on_server} 条。"
            )
    found = {
        (sha, kind): digest
        for sha, kind, digest in target.execute(
            text(f"SELECT sha256, kind, encode(sha256(data), 'hex') FROM {BLOBS}")
        )
    }
    if found != digests:
        differing = sorted({key for key in found.keys() ^ digests.keys()} | {
            key for key in found.keys() & digests.keys() if found[key] != digests[key]
        })  # fmt: skip
        raise UserError(
            f"核对不一致：服务器上有 {len(differing)} 个照片文件与来源不同"
            f"（如 {differing[0][0][:12]}… 的{differing[0][1]}）。"
        )


def migrate(source_db: Database, to_url: str, progress: Progress | None = None) -> MigrationReport:
    """Copy the SQLite database ``source_db`` (opened, logged in with the permission 备份与恢复)
    and its photo store into the empty PostgreSQL database ``to_url``; verify; commit. A
    UserError in Chinese says why when anything fails, the target left empty."""
    from alembic import command

    from app.services import accounts, audit
    from app.services.database import alembic_config, describe_database, explain_server_error

    if source_db.file is None:
        raise UserError("迁入的来源应是数据库文件（SQLite，如 bangjiao.db）。")
    with source_db.session() as session:
        accounts.require(session, "backup.run")
        actor = session.info.get("actor")
    url = server_url(to_url)
    shown = make_url(url).render_as_string(hide_password=True)
    report = MigrationReport(str(source_db.file), shown)
    say = progress or (lambda _text: None)
    started = time.perf_counter()
    engine = create_db_engine(url)
    driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
    tables = raw_tables()
    copying = ""
    try:
        with engine.connect() as target, source_db.engine.connect() as source:
            source.exec_driver_sql("BEGIN")  # one snapshot of the source for the whole copy
            with target.begin():
                _refuse_unless_empty(target, describe_database(url))
                say("建立数据库结构……")
                mark = time.perf_counter()
                config = alembic_config()
                config.attributes["connection"] = target
                command.upgrade(config, "head")
                for table in reversed(tables):  # what the migrations wrote (the log's start)
                    target.execute(delete(table))
                mark = report.phase("schema", mark)
                counts: dict[str, int] = {}
                for table in tables:
                    if table.name == BLOBS:
                        continue
                    copying = table.name
                    counts[table.name] = _count(source, table)
                    copied = _copy_table(source, target, table)
                    report.tables.append((table.name, copied))
                    if copied:
                        say(f"已复制 {_label(table.name)}（{table.name}）：{copied} 条")
                mark = report.phase("rows", mark)
                copying = BLOBS
                blobs = next(t for t in tables if t.name == BLOBS)
                digests = _copy_files(source_db, source, target, blobs, report)
                say(f"已复制照片和扫描件：{report.files.get('original', 0)} 个")
                copying = ""
                mark = report.phase("files", mark)
                _reset_sequences(target, tables)
                say("核对记录数和照片校验值……")
                _verify(source, target, tables, counts, digests)
                with Session(bind=target) as session:  # the move, on the server's own log
                    session.info["actor"] = actor
                    audit.record(
                        session, "migrate",
                        f"从数据库文件迁入数据库服务器（{report.rows} 条记录，"
                        f"{report.files.get('original', 0)} 个照片和扫描件）",
                    )  # fmt: skip
                    session.flush()
                mark = report.phase("check", mark)
            source.rollback()
        report.phase("commit", mark)
    except TargetNotEmpty:
        raise
    except UserError as exc:
        raise UserError(f"迁入失败：{exc}{_UNCHANGED}") from exc
    except (SQLAlchemyError, driver_error) as exc:  # COPY speaks to the driver itself
        # the first line only: the server's CONTEXT line may quote a (personal) value
        full = str(getattr(exc, "orig", None) or exc)
        explained = explain_server_error(full, url)  # a wrong password, no such database…
        if explained is not None:  # nothing was begun on the server: nothing to undo
            raise UserError(f"迁入失败：{explained}来源数据库保持原样。") from exc
        detail = full.strip().splitlines()[0]
        where = f"复制“{_label(copying)}”（{copying}）时" if copying else ""
        raise UserError(f"迁入失败：{where}数据库出错：{detail}。{_UNCHANGED}") from exc
    except OSError as exc:
        raise UserError(
            f"迁入失败：读取来源的照片库时出错：{exc.strerror or exc}。{_UNCHANGED}"
        ) from exc
    finally:
        engine.dispose()
    report.seconds = time.perf_counter() - started
    return report


_UNCHANGED = "目标数据库没有任何改动（仍是空的），来源数据库保持原样。"
