"""Writing files on office PCs: renames that wait out antivirus, names any disk accepts."""

from __future__ import annotations

import os

import pytest

from app.services import files
from app.services.errors import UserError, write_file
from app.services.files import ReplaceError, replace_file
from tests.helpers import make_jpeg

_REAL_RENAME = os.replace


class _HeldOpen:
    """``os.replace`` as it behaves while antivirus holds the target: PermissionError
    ``failures`` times, then the real rename."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self, source, target) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise PermissionError(13, "The process cannot access the file", str(target))
        _REAL_RENAME(source, target)


@pytest.fixture
def held(monkeypatch):
    monkeypatch.setattr(files, "REPLACE_DELAY", 0.001)

    def hold(failures: int) -> _HeldOpen:
        fake = _HeldOpen(failures)
        monkeypatch.setattr(files, "_rename", fake)
        return fake

    return hold


def test_replace_waits_out_a_scanner(tmp_path, held):
    source, target = tmp_path / "new.part", tmp_path / "责任状.pdf"
    source.write_bytes(b"new")
    target.write_bytes(b"old")
    fake = held(2)
    replace_file(source, target)
    assert fake.calls == 3
    assert target.read_bytes() == b"new" and not source.exists()


def test_replace_held_for_good_says_so_and_leaves_no_partial_file(tmp_path, held):
    source, target = tmp_path / "new.part", tmp_path / "责任状.pdf"
    source.write_bytes(b"new")
    target.write_bytes(b"old")
    fake = held(10**6)
    with pytest.raises(ReplaceError, match="正被其他程序占用") as caught:
        replace_file(source, target)
    assert "责任状.pdf" in str(caught.value) and isinstance(caught.value, UserError)
    assert fake.calls == files.REPLACE_ATTEMPTS
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["责任状.pdf"]


def test_write_file_retries_and_never_leaves_half_a_file(tmp_path, held):
    target = tmp_path / "通报.pdf"
    held(1)
    write_file(target, b"%PDF-1")
    assert target.read_bytes() == b"%PDF-1"
    held(10**6)
    with pytest.raises(UserError, match="正被其他程序占用"):
        write_file(target, b"%PDF-2")
    assert target.read_bytes() == b"%PDF-1"
    assert [p.name for p in tmp_path.iterdir()] == ["通报.pdf"]


def test_write_file_into_a_missing_folder_is_explained(tmp_path):
    with pytest.raises(UserError, match="不存在"):
        write_file(tmp_path / "没有" / "a.pdf", b"x")
    assert not (tmp_path / "没有").exists()


@pytest.mark.sqlite_only(reason="the retry of a folder store's file operations")
def test_the_photo_store_uses_the_retry(tmp_path, held, database):
    photo = make_jpeg(tmp_path / "现场.jpg")
    fake = held(2)
    with database.session() as s:
        stored = database.attachments.add(s, photo, None)
    assert fake.calls >= 3  # the original's two refusals waited out, then its previews
    assert database.attachments.has(stored.sha256)
    assert database.attachments.read_original(stored.sha256) == photo.read_bytes()
