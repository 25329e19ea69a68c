"""The photo store: content checks, stored once, reduced copies, and what deleting keeps."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.models import Attachment
from app.services import ledger
from app.services.attachments import MAX_ATTACHMENT_BYTES, REDUCED_MAX_SIDE, check_file
from app.services.errors import ValidationError
from tests.helpers import kind_ids, make_jpeg, make_pdf, unit_ids


@pytest.mark.sqlite_only(
    reason="looks at the photo store's folder (a server's store is rows: tests/test_migrate_db.py)"
)
def test_a_photo_is_stored_once_with_reduced_copy_and_thumbnail(database, tmp_path):
    big = make_jpeg(tmp_path / "IMG_0001.JPG", size=(4000, 3000))
    copy = tmp_path / "same-photo-again.jpg"
    copy.write_bytes(big.read_bytes())
    store = database.attachments
    with database.session() as s:
        first = store.add(s, big, None)
        second = store.add(s, copy, None)
        assert s.scalar(select(func.count()).select_from(Attachment)) == 1
    assert first.attachment_id == second.attachment_id
    assert first.media_type == "image/jpeg" and first.original_name == "IMG_0001.JPG"
    assert store.is_sealed(first.sha256)  # the template database is encrypted: so are its files
    assert store.original_path(first.sha256).read_bytes()[:2] != big.read_bytes()[:2]
    assert store.read_original(first.sha256) == big.read_bytes()
    with Image.open(io.BytesIO(store.reduced_bytes(first.sha256))) as reduced:
        assert max(reduced.size) == REDUCED_MAX_SIDE
    with Image.open(io.BytesIO(store.thumbnail_bytes(first.sha256))) as thumb:
        assert max(thumb.size) <= 240
    if database.file is not None:  # a SQLite file's store is the folder beside it
        assert store.root == database.file.with_name("bangjiao-files")


def test_a_small_photo_is_shown_from_the_original(database, tmp_path):
    small = make_jpeg(tmp_path / "small.jpg", size=(800, 600))
    with database.session() as s:
        stored = database.attachments.add(s, small, None)
    store = database.attachments
    assert not store.has_reduced_copy(stored.sha256)
    assert store.reduced_bytes(stored.sha256) == small.read_bytes()


def test_pdfs_are_accepted(tmp_path):
    assert check_file(make_pdf(tmp_path / "扫描件.pdf")) == "application/pdf"


def test_files_that_are_not_photos_are_refused(tmp_path):
    fake = tmp_path / "会议记录.jpg"
    fake.write_text("这不是照片", encoding="utf-8")
    with pytest.raises(ValidationError, match="不是照片（JPEG、PNG）或 PDF"):
        check_file(fake)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(make_jpeg(tmp_path / "whole.jpg").read_bytes()[:300])
    with pytest.raises(ValidationError, match="已损坏"):
        check_file(broken)
    half_pdf = tmp_path / "half.pdf"
    half_pdf.write_bytes(make_pdf(tmp_path / "whole.pdf").read_bytes()[:40])
    with pytest.raises(ValidationError, match="不是完整的 PDF"):
        check_file(half_pdf)
    empty = tmp_path / "empty.png"
    empty.touch()
    with pytest.raises(ValidationError, match="是空的"):
        check_file(empty)
    with pytest.raises(ValidationError, match="找不到文件"):
        check_file(tmp_path / "missing.jpg")


def test_oversized_files_are_refused(tmp_path):
    huge = tmp_path / "huge.jpg"
    with huge.open("wb") as fh:
        fh.truncate(MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(ValidationError, match="超过 20 MB 的上限"):
        check_file(huge)


def test_deleting_an_entry_keeps_a_photo_another_entry_uses(database, tmp_path):
    photo = make_jpeg(tmp_path / "合影.jpg")
    store = database.attachments
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)

        def add(title: str) -> int:
            data = ledger.EntryInput(
                kind_id=kinds["other"],
                unit_id=units["基层科"],
                entry_date=date(2018, 7, 1),
                title=title,
                photos=[ledger.PhotoInput(path=photo)],
            )
            return ledger.save_entry(s, store, None, data)

        first, second = add("第一条"), add("第二条")
        sha = s.scalar(select(Attachment.sha256))
    with database.session() as s:
        ledger.delete_entry(s, first)
        assert ledger.purge_unused_files(s, store) == 0
    assert store.has(sha)
    with database.session() as s:
        ledger.delete_entry(s, second)
        assert ledger.purge_unused_files(s, store) == 1
    assert not store.has(sha)


def _stored_without_previews(store, source):
    """Put a file into the store the way an import does (no previews made)."""
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    store.add_verified(source, sha)
    assert not (store.root / "thumbs").exists() and not (store.root / "reduced").exists()
    return sha


@pytest.mark.sqlite_only(
    reason="looks at the photo store's folder (a server's store is rows: tests/test_migrate_db.py)"
)
def test_previews_are_made_on_first_request_from_an_original_that_has_none(database, tmp_path):
    store = database.attachments
    sha = _stored_without_previews(store, make_jpeg(tmp_path / "导入.jpg", size=(4000, 3000)))
    thumb = store.thumbnail_bytes(sha)
    assert thumb is not None
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.format == "JPEG" and image.size == (240, 180)
    reduced = store.reduced_bytes(sha)
    assert store.has_reduced_copy(sha)
    with Image.open(io.BytesIO(reduced)) as image:
        assert image.format == "JPEG" and image.size == (REDUCED_MAX_SIDE, 1200)
    assert store.thumbnail_bytes(sha) == thumb and store.reduced_bytes(sha) == reduced  # kept
    assert not list(store.root.rglob("*.tmp"))


@pytest.mark.sqlite_only(
    reason="looks at the photo store's folder (a server's store is rows: tests/test_migrate_db.py)"
)
def test_a_small_imported_photo_gets_a_thumbnail_and_is_its_own_reduced_copy(database, tmp_path):
    store = database.attachments
    sha = _stored_without_previews(store, make_jpeg(tmp_path / "小.jpg", size=(800, 600)))
    assert store.reduced_bytes(sha) == store.read_original(sha)
    assert not store.has_reduced_copy(sha)
    with Image.open(io.BytesIO(store.thumbnail_bytes(sha))) as image:
        assert image.format == "JPEG" and image.size == (240, 180)


@pytest.mark.sqlite_only(
    reason="looks at the photo store's folder (a server's store is rows: tests/test_migrate_db.py)"
)
def test_a_preview_follows_the_photos_orientation(database, tmp_path):
    source = tmp_path / "竖拍.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # taken upright, stored sideways: turn 90° clockwise to show
    Image.new("RGB", (2000, 1000), (200, 90, 40)).save(source, "JPEG", exif=exif)
    store = database.attachments
    sha = _stored_without_previews(store, source)
    with Image.open(io.BytesIO(store.thumbnail_bytes(sha))) as image:
        assert image.size == (120, 240)
    with Image.open(io.BytesIO(store.reduced_bytes(sha))) as image:
        assert image.size == (800, REDUCED_MAX_SIDE)


@pytest.mark.sqlite_only(
    reason="looks at the photo store's folder (a server's store is rows: tests/test_migrate_db.py)"
)
def test_no_preview_for_pdfs_broken_or_absent_files(database, tmp_path):
    store = database.attachments
    pdf = _stored_without_previews(store, make_pdf(tmp_path / "扫描件.pdf"))
    assert store.thumbnail_bytes(pdf) is None
    assert store.reduced_bytes(pdf) == store.read_original(pdf)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(make_jpeg(tmp_path / "whole.jpg").read_bytes()[:300])
    bad = _stored_without_previews(store, broken)
    assert store.thumbnail_bytes(bad) is None and store.thumbnail_bytes(bad) is None
    assert store.reduced_bytes(bad) == broken.read_bytes()
    assert not list(store.root.rglob("*.tmp"))
    # a photo not in the store yet has no thumbnail, and gets one once it arrives
    later = make_jpeg(tmp_path / "later.jpg", size=(1000, 800))
    sha = hashlib.sha256(later.read_bytes()).hexdigest()
    assert store.thumbnail_bytes(sha) is None
    store.add_verified(later, sha)
    assert store.thumbnail_bytes(sha) is not None


@pytest.mark.sqlite_only(
    reason="looks at the photo store's folder (a server's store is rows: tests/test_migrate_db.py)"
)
def test_threads_asking_for_the_same_thumbnail_all_get_the_finished_file(database, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    store = database.attachments
    photos = [make_jpeg(tmp_path / f"{i}.jpg", (1600, 1200), (80 * i, 100, 200)) for i in range(3)]
    shas = [_stored_without_previews(store, photo) for photo in photos]
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda i: store.thumbnail_bytes(shas[i % 3]), range(24)))
    assert all(data is not None for data in found) and len(set(found)) == 3
    for data in set(found):
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            assert image.size == (240, 180)
