"""The photo store: content checks, stored once, reduced copies, and what deleting keeps."""

from __future__ import annotations

from datetime import date

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.models import Attachment
from app.services import ledger
from app.services.attachments import MAX_ATTACHMENT_BYTES, REDUCED_MAX_SIDE, check_file
from app.services.errors import ValidationError
from tests.helpers import kind_ids, make_jpeg, make_pdf, unit_ids


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
    assert store.original_path(first.sha256).read_bytes() == big.read_bytes()
    with Image.open(store.reduced_path(first.sha256)) as reduced:
        assert max(reduced.size) == REDUCED_MAX_SIDE
    with Image.open(store.thumbnail_path(first.sha256)) as thumb:
        assert max(thumb.size) <= 240
    assert store.root == database.file.with_name("bangjiao-files")


def test_a_small_photo_is_shown_from_the_original(database, tmp_path):
    small = make_jpeg(tmp_path / "small.jpg", size=(800, 600))
    with database.session() as s:
        stored = database.attachments.add(s, small, None)
    assert database.attachments.reduced_path(stored.sha256) == database.attachments.original_path(
        stored.sha256
    )


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
            data = ledger.EntryInput(kinds["other"], units["基层科"], date(2018, 7, 1), title,
                                     photos=[ledger.PhotoInput(path=photo)])  # fmt: skip
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
