"""Moving in (issue 18): ``migrate-db`` copies a SQLite database and its photo store into an
empty PostgreSQL database (all or nothing, verified), and a server database keeps its photos in
itself (``attachment_blobs``), sealed as the files are. The server tests run when
``BANGJIAO_TEST_POSTGRES`` names a server (fixture ``postgres_url``)."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from contextlib import closing
from datetime import UTC, date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, func, inspect, select, text

from app.cli import main
from app.models import Attachment, AttachmentBlob, Base, CorrectionSubject, LedgerEntry
from app.models.sealed import FILE_MAGIC
from app.reports.ledger_volume import render_volume
from app.services import ledger, volumes
from app.services.attachments import DatabaseFiles, store_for
from app.services.errors import UserError
from app.services.ledger import EntryInput, PhotoInput
from app.services.migrate_db import migrate
from app.services.subjects import SubjectInput
from tests.conftest import TEMPLATE_KEY, open_unlocked
from tests.helpers import dump, kind_ids, make_jpeg, unit_ids, valid_id_number
from tests.seed import seed_everything

NAME = "李玥珺"
ID_NUMBER = valid_id_number("33112719850312123")
UNIT = "法律援助中心"
LEGAL_AID = {"applicant": NAME, "relation": "本人", "case_type": "民事",
             "approved_on": "2018-08-01", "result": "办理中"}  # fmt: skip


def _add_entry(database, folder: Path, n: int, photos: int = 1) -> int:
    """A 法律援助 entry with a sealed subject and large photos (reduced copies made)."""
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        return ledger.save_entry(s, database.attachments, None, EntryInput(
            kind_id=kinds["legal_aid"], unit_id=units[UNIT], entry_date=date(2018, 8, n),
            title=f"第{n}件 为{NAME}办理法律援助", values=dict(LEGAL_AID),
            subject=SubjectInput(name=NAME, category="缓刑", id_number=ID_NUMBER,
                                 office_id=units["鹤城司法所"]),
            photos=[PhotoInput(caption=f"现场{k}", path=make_jpeg(
                folder / f"p{n}-{k}.jpg", (2400, 1800), (40 * k % 255, 90, 60 + n)))
                for k in range(photos)],
        ))  # fmt: skip


@pytest.fixture
def seeded(db_path: Path, tmp_path: Path) -> Path:
    """The template database with a little of everything (entries, photos, a statistics
    report, agreements with their PDFs) and sealed subjects with large photos."""
    seed_everything(db_path, tmp_path)
    database = open_unlocked(str(db_path))
    try:
        for n in range(1, 4):
            _add_entry(database, tmp_path, n, photos=n)
    finally:
        database.close()
    return db_path


def _counts(conn) -> dict[str, int]:
    return {
        t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
        for t in Base.metadata.sorted_tables
    }


def _raw_files(db_path: Path) -> dict[tuple[str, str], bytes]:
    """Every stored file of a SQLite database's folder, as stored (sealed), by (hash, kind)."""
    files = store_for(db_path).files
    return {
        (sha, kind): files.read(kind, sha)
        for kind in ("original", "reduced", "thumbnail", "print")
        for sha in files.shas(kind)
    }


@pytest.mark.sqlite_only(reason="migrate-db's source is a SQLite file")
def test_a_seeded_database_moves_to_the_server_whole(seeded, postgres_url, tmp_path, capsys):
    source_engine = create_engine(f"sqlite:///{seeded}")
    with source_engine.connect() as conn:
        sqlite_subject = conn.execute(text("SELECT name FROM correction_subjects")).scalars().all()
    source_engine.dispose()
    assert sqlite_subject and all(not name.startswith(NAME) for name in sqlite_subject)  # sealed
    files = _raw_files(seeded)
    assert {kind for _sha, kind in files} == {"original", "reduced", "thumbnail", "print"}

    assert main(["migrate-db", "--from", str(seeded), "--to", postgres_url]) == 0
    out = capsys.readouterr().out
    assert "已迁入" in out and "核对一致" in out and "SHA-256" in out
    originals = sum(1 for _sha, kind in files if kind == "original")
    assert f"照片和扫描件：{originals} 个文件" in out

    # every table holds as many rows on the server as in the file (the file's own login line
    # and the server's line recording the move aside)
    source_engine = create_engine(f"sqlite:///{seeded}")
    with source_engine.connect() as conn:
        before = _counts(conn)
        moments = dict(conn.execute(text("SELECT uuid, created_at FROM ledger_entries")).all())
    source_engine.dispose()
    server = open_unlocked(postgres_url)
    try:
        with server.engine.connect() as conn:
            after = _counts(conn)
            stored = {
                (sha, kind): bytes(data)
                for sha, kind, data in conn.execute(
                    select(AttachmentBlob.sha256, AttachmentBlob.kind, AttachmentBlob.data)
                )
            }
        assert after.pop("audit_entries") == before.pop("audit_entries") + 1
        assert after.pop("attachment_blobs") == len(files)
        assert before.pop("attachment_blobs") == 0  # a file's photos are in its folder
        assert after == before
        assert stored == files  # sealed bytes as they are
        assert all(data.startswith(FILE_MAGIC) for data in stored.values())

        with server.session() as s:  # the same admin's login opens the sealed values
            names = set(s.scalars(select(CorrectionSubject.name)))
            numbers = set(s.scalars(select(CorrectionSubject.id_number)))
            sha = s.scalar(
                select(Attachment.sha256).where(Attachment.media_type == "image/jpeg").limit(1)
            )
            from app.services import audit

            chain = audit.verify_chain(s)
        assert NAME in names and ID_NUMBER in numbers
        with server.session() as s:  # sealed form values and moments (UTC) as they were
            entries = s.scalars(select(LedgerEntry)).all()
        assert any((e.values or {}).get("applicant") == NAME for e in entries)
        assert {e.uuid: e.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                for e in entries} == moments  # fmt: skip
        from app.cli.login import log_in

        log_in(server)  # the file's 管理员 logs in on the server (BANGJIAO_USER/PASSWORD)
        assert server.actor is not None and server.actor.user_name == "admin"
        assert chain.ok, chain.message
        store = server.attachments
        assert store.in_database
        assert store.read_original(sha) == store_for(seeded, store._key).read_original(sha)
        assert store.thumbnail_bytes(sha) is not None

        with server.session() as s:  # a 台账卷 printed from the server, with its photos
            volume = volumes.build_volume(
                s, store, unit_ids(s)[UNIT], date(2018, 7, 1), date(2018, 12, 31),
                made_on=date(2019, 1, 5),
            )  # fmt: skip
        pdf = render_volume(volume)
        images = sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)
        assert volume.photo_count >= 6 and images == volume.photo_count

        # the server's sequences continue after the ids copied
        with server.session() as s:
            top = s.scalar(select(func.max(LedgerEntry.id)))
        new_id = _add_entry(server, tmp_path, 20)
        assert new_id > top
        with server.engine.connect() as conn:
            blob_originals = conn.execute(
                select(func.count()).where(AttachmentBlob.kind == "original")
            ).scalar_one()
        assert blob_originals == originals + 1
    finally:
        server.close()


@pytest.mark.sqlite_only(reason="migrate-db's source is a SQLite file")
def test_a_target_with_data_is_refused_and_unchanged(seeded, postgres_url, capsys):
    from app.services.setup import initialise

    initialise(postgres_url, TEMPLATE_KEY, "县矫正办").database.close()
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        before = _counts(conn)
    assert main(["migrate-db", "--from", str(seeded), "--to", postgres_url]) == 2
    err = capsys.readouterr().err
    assert "已有大帮教工作台的数据" in err and "没有任何改动" in err
    with engine.connect() as conn:
        assert _counts(conn) == before
    engine.dispose()


@pytest.mark.sqlite_only(reason="migrate-db's source is a SQLite file")
def test_a_failure_midway_leaves_the_target_empty_and_the_source_as_it_was(seeded, postgres_url):
    # a title SQLite took although longer than the column (PostgreSQL refuses it)
    with closing(sqlite3.connect(seeded)) as conn, conn:
        conn.execute("UPDATE ledger_entries SET title = ? WHERE id = (SELECT MAX(id) FROM "
                     "ledger_entries)", ("长" * 300,))  # fmt: skip
    before = dump(seeded, refusals=True)
    source = open_unlocked(str(seeded))
    try:
        with pytest.raises(UserError) as refused:
            migrate(source, postgres_url)
    finally:
        source.close()
    message = str(refused.value)
    assert "迁入失败" in message and "ledger_entries" in message and "仍是空的" in message
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []  # not even the schema
    engine.dispose()
    assert dump(seeded, refusals=True) == before


def test_a_photo_on_the_server_commits_with_its_entry(postgres_url, tmp_path):
    from app.services.setup import initialise

    database = initialise(postgres_url, TEMPLATE_KEY, "县矫正办").database
    try:
        with pytest.raises(RuntimeError), database.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            ledger.save_entry(s, database.attachments, None, EntryInput(
                kind_id=kinds["hotline"], unit_id=units[UNIT], entry_date=date(2018, 7, 2),
                title="热线", values={"calls": 1},
                photos=[PhotoInput(path=make_jpeg(tmp_path / "lost.jpg"))],
            ))  # fmt: skip
            raise RuntimeError("the action fails after the photo was stored")
        with database.engine.connect() as conn:  # neither the photo nor its previews
            assert conn.execute(select(func.count()).select_from(AttachmentBlob)).scalar() == 0
        photo = make_jpeg(tmp_path / "kept.jpg", (2400, 1800))
        with database.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            ledger.save_entry(s, database.attachments, None, EntryInput(
                kind_id=kinds["hotline"], unit_id=units[UNIT], entry_date=date(2018, 7, 3),
                title="热线", values={"calls": 1}, photos=[PhotoInput(path=photo)],
            ))  # fmt: skip
        sha = hashlib.sha256(photo.read_bytes()).hexdigest()
        store = database.attachments
        assert isinstance(store.files, DatabaseFiles)
        assert store.read_original(sha) == photo.read_bytes()
        assert store.has_reduced_copy(sha) and store.has_print_copy(sha)
        with pytest.raises(UserError):
            store.original_path(sha)  # no path on a server
        assert not (Path(postgres_url).parent / "attachments").exists()
    finally:
        database.close()


@pytest.mark.sqlite_only(reason="migrate-db's source is a SQLite file")
def test_only_a_postgresql_server_is_a_target(seeded, tmp_path, capsys):
    before = dump(seeded, refusals=True)
    target = tmp_path / "other.db"
    assert main(["migrate-db", "--from", str(seeded), "--to", f"sqlite:///{target}"]) == 2
    assert "不是 PostgreSQL 数据库服务器" in capsys.readouterr().err
    assert (
        main(["migrate-db", "--from", str(tmp_path / "none.db"), "--to", "postgresql://x/y"]) == 2
    )
    assert "不存在" in capsys.readouterr().err
    assert not target.exists() and dump(seeded, refusals=True) == before


def test_a_server_database_encrypted_later_seals_its_stored_photos(postgres_url, tmp_path):
    """Photos kept on the server before the first 管理员 encrypted it are sealed in their rows
    (``seal_store_files`` over ``attachment_blobs``), and read back plain after."""
    from app.services.accounts import create_first_admin
    from app.services.setup import initialise

    database = initialise(postgres_url, TEMPLATE_KEY, "县矫正办").database
    try:
        photo = make_jpeg(tmp_path / "before.jpg", (2400, 1800))
        with database.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            ledger.save_entry(s, database.attachments, None, EntryInput(
                kind_id=kinds["hotline"], unit_id=units[UNIT], entry_date=date(2018, 7, 3),
                title="热线", values={"calls": 1}, photos=[PhotoInput(path=photo)],
            ))  # fmt: skip

        def stored() -> dict[str, bytes]:
            with database.engine.connect() as conn:
                rows = conn.execute(select(AttachmentBlob.kind, AttachmentBlob.data))
                return {kind: bytes(data) for kind, data in rows}

        assert not stored()["original"].startswith(FILE_MAGIC)
        with database.session() as s:
            create_first_admin(s, "admin2", "another-pass-2018", "管理员")
        rows = stored()
        assert rows["original"].startswith(FILE_MAGIC) and set(rows) == {"original"}
        sha = hashlib.sha256(photo.read_bytes()).hexdigest()
        assert database.attachments.read_original(sha) == photo.read_bytes()
        assert database.attachments.thumbnail_bytes(sha) is not None  # made again, sealed
        assert stored()["thumbnail"].startswith(FILE_MAGIC)
    finally:
        database.close()


def test_a_package_travels_from_and_to_a_server_database_with_its_photo(postgres_url, tmp_path):
    """A unit on the server exports an entry with a photo to the county on SQLite (the
    package's size estimate reads the stored row's size; a package into a server database:
    tests/test_postgres.py)."""
    from app.services.setup import initialise
    from app.sync.exchange import export_package, import_package
    from tests.helpers import register_peers

    unit = initialise(postgres_url, TEMPLATE_KEY, UNIT).database
    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    try:
        register_peers(unit, UNIT, county, "县矫正办")
        photo = make_jpeg(tmp_path / "现场.jpg", (2400, 1800))
        with unit.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            ledger.save_entry(s, unit.attachments, None, EntryInput(
                kind_id=kinds["hotline"], unit_id=units[UNIT], entry_date=date(2018, 7, 2),
                title="热线咨询（从服务器发出）", values={"calls": 2}, photos=[PhotoInput(path=photo)],
            ))  # fmt: skip
        package, counts = export_package(unit, "县矫正办", tmp_path / "u.bjpkg")
        assert counts["attachments"] == 1
        summary = import_package(county, package)
        assert summary.files == 1
        sha = hashlib.sha256(photo.read_bytes()).hexdigest()
        assert county.attachments.read_original(sha) == photo.read_bytes()
        assert not county.attachments.in_database  # a file's store stays its folder
    finally:
        county.close()
        unit.close()


@pytest.mark.sqlite_only(reason="compares the rows store with a SQLite file's folder store")
def test_the_database_store_keeps_sealed_rows_and_commits_with_the_session(database, tmp_path):
    """The rows store behind the same API, on SQLite too (no server needed): sealed as the
    folder's files, written with the session's transaction, previews once it committed."""
    from app.services.attachments import AttachmentStore

    folder = database.attachments
    rows = AttachmentStore(DatabaseFiles(database.engine), folder._key)
    photo = make_jpeg(tmp_path / "p.jpg", (2400, 1800))
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    with pytest.raises(RuntimeError), database.session() as s:
        rows.add(s, photo, None)
        assert rows.has(sha) is False  # another connection does not see it yet
        raise RuntimeError("the action fails")
    assert not rows.has(sha)
    with database.session() as s:
        rows.add(s, photo, None)
    assert rows.read_original(sha) == photo.read_bytes()
    assert rows.is_sealed(sha) and rows.plain_size(sha) == photo.stat().st_size
    assert rows.has_reduced_copy(sha) and rows.has_print_copy(sha)
    assert rows.print_copy(sha) is not None and rows.thumbnail_bytes(sha) is not None
    assert not folder.has(sha)  # nothing in the folder
    rows.remove_files(sha)
    assert not rows.has(sha) and not rows.has_print_copy(sha)


@pytest.mark.sqlite_only(reason="migrate-db's source is a SQLite file")
def test_a_wrong_server_password_is_told_in_chinese(seeded, postgres_url, capsys):
    """A refused login reads as the wizard says it, not libpq's English, and does not claim
    an empty target (CLERK20)."""
    from sqlalchemy.engine import make_url

    from app.cli import main

    wrong = make_url(postgres_url).set(username="nobody_here").render_as_string(False)
    assert main(["migrate-db", "--from", str(seeded), "--to", wrong]) == 2
    err = capsys.readouterr().err
    assert "服务器上没有这个数据库用户" in err and "仍是空的" not in err
