"""The evidence-integrity 核查: flags on seeded photos and texts, decisions, the workbook."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import select, update

from app.cli import main
from app.models import AuditEntry, EvidenceFlag, LedgerEntry, PhotoHash, RectificationItem
from app.services import evidence_check, ledger
from app.services.errors import ValidationError
from app.services.evidence_check import (
    EXIF_FAR,
    EXPLAINED,
    NO_EXIF,
    RECTIFICATION,
    SAME_PHOTO,
    SAME_TEXT,
    TAKEN_AFTER,
    RectificationInput,
)
from app.services.forms import FormErrors
from app.services.ledger import EntryInput, PhotoInput
from tests.conftest import open_unlocked
from tests.helpers import dump, kind_ids, unit_ids

LECTURE = {"lecturer": "王律师", "lecturer_role": "律师", "topic": "社区矫正法律责任",
           "attendees": "25"}  # fmt: skip
A, B = "律师管理科", "法律援助中心"


def photo(path: Path, seed: int, size: tuple[int, int] = (1200, 900),
          taken: str | None = None, quality: int = 90) -> Path:  # fmt: skip
    """A JPEG with detail (random blocks, smoothly enlarged) and, when ``taken`` is given
    ("2018:07:12 10:00:00"), an EXIF DateTimeOriginal."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (16, 12), rng.randbytes(16 * 12 * 3)).resize(
        size, Image.Resampling.BICUBIC
    )
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[36867] = taken
    image.save(path, "JPEG", quality=quality, exif=exif)
    return path


def copy_resized(source: Path, target: Path, scale: float, quality: int) -> Path:
    """A resized, re-saved copy keeping the EXIF (as a phone's 'share' does)."""
    with Image.open(source) as image:
        exif = image.getexif()
        small = image.resize((int(image.width * scale), int(image.height * scale)))
        small.save(target, "JPEG", quality=quality, exif=exif)
    return target


def save(database, unit: str, day: str, title: str, photos: list[Path], body: str = "") -> int:
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        return ledger.save_entry(s, database.attachments, None, EntryInput(
            kind_id=kinds["lecture"], unit_id=units[unit], entry_date=day, title=title,
            paired_office_id=units["山口司法所"], subjects_served="3", values=LECTURE, body=body,
            photos=[PhotoInput(path=p) for p in photos],
        ))  # fmt: skip


@pytest.fixture
def seeded(database, tmp_path):
    """Entries over the four photo cases, identical texts and one clean entry."""
    return seed_cases(database, tmp_path)


def seed_cases(database, tmp_path: Path) -> dict[str, int]:
    """Seed the cases (see :func:`seeded`); entry ids by case."""
    p1 = photo(tmp_path / "p1.jpg", 1, taken="2018:07:12 10:00:00")
    p1_copy = copy_resized(p1, tmp_path / "p1-small.jpg", 0.5, 70)
    p2 = photo(tmp_path / "p2.jpg", 2, taken="2018:08:20 09:30:00")  # 19 days after the entry
    p3 = photo(tmp_path / "p3.jpg", 3)  # no EXIF
    p4 = photo(tmp_path / "p4.jpg", 4, taken="2018:08:12 15:00:00")
    p5 = photo(tmp_path / "p5.jpg", 5, taken="2018:07:13 10:00:00")
    p6 = photo(tmp_path / "p6.jpg", 6, taken="2018:08:10 09:00:00")
    p7 = photo(tmp_path / "p7.jpg", 8, taken="2018:08:10 15:00:00")
    ids = {
        "first": save(database, A, "2018-07-12", "修心教育法律讲座", [p1]),
        "same_file": save(database, A, "2018-07-15", "法律咨询活动", [p1]),
        "other_unit_copy": save(database, B, "2018-07-16", "法律援助宣传", [p1_copy]),
        "shifted": save(database, A, "2018-08-01", "普法讲座", [p2]),
        "no_exif": save(database, A, "2018-08-05", "走访结对司法所", [p3]),
        "twin1": save(database, A, "2018-08-10", "法律讲座", [p6], body="讲解社区矫正法。"),
        "twin2": save(database, A, "2018-08-10", "法律讲座", [p7], body="讲解 社区矫正法。"),
        "clean": save(database, A, "2018-08-12", "矫正对象教育讲座", [p4]),
        "saved_early": save(database, B, "2018-07-12", "法律援助讲座", [p5]),
    }
    with database.session() as s:  # an entry saved on the morning of 2018-07-12 (UTC)
        s.execute(update(LedgerEntry).where(LedgerEntry.id == ids["saved_early"])
                  .values(created_at=datetime(2018, 7, 12, 2, 0, tzinfo=UTC)))  # fmt: skip
    return ids


def run_check(database, days: int | None = None):
    with database.session() as s:
        return evidence_check.check(s, database.attachments, days)


def named(flags, kind: str) -> list[set[int]]:
    return [{e.entry_id for e in f.entries} for f in flags if f.kind == kind]


def test_each_case_is_flagged_with_its_entries(database, seeded):
    flags = run_check(database)
    ids = seeded
    # the same file on two entries and a resized, re-saved copy at another unit: one flag
    assert named(flags, SAME_PHOTO) == [{ids["first"], ids["same_file"], ids["other_unit_copy"]}]
    same = next(f for f in flags if f.kind == SAME_PHOTO)
    assert same.unit_names == [A, B] and "缩放或另存副本" in same.description
    assert len(same.photos) == 2  # the original and its copy
    assert named(flags, EXIF_FAR) == [{ids["shifted"]}]
    far = next(f for f in flags if f.kind == EXIF_FAR)
    assert "相差 19 天" in far.description and "超过 7 天" in far.description
    assert named(flags, NO_EXIF) == [{ids["no_exif"]}]
    assert named(flags, SAME_TEXT) == [{ids["twin1"], ids["twin2"]}]
    assert named(flags, TAKEN_AFTER) == [{ids["saved_early"]}]
    flagged = {e.entry_id for f in flags for e in f.entries}
    assert ids["clean"] not in flagged
    assert all(f.state == evidence_check.OPEN for f in flags)


def test_the_days_setting_widens_the_allowed_gap(database, seeded):
    with database.session() as s:
        assert evidence_check.exif_days(s) == 7
        evidence_check.set_exif_days(s, 20)
    assert named(run_check(database), EXIF_FAR) == []
    with database.session() as s, pytest.raises(ValidationError, match="1 到 365"):
        evidence_check.set_exif_days(s, 0)


@pytest.mark.sqlite_only(
    reason="looks at the photo store's folder (a server's store is rows: tests/test_migrate_db.py)"
)
def test_hashes_are_kept_so_a_second_check_reads_no_photo(database, seeded):
    first = run_check(database)
    with database.session() as s:
        kept = s.scalars(select(PhotoHash)).all()
        assert len(kept) == 8 and all(len(h.phash) == 16 for h in kept)
    # the originals gone: the second run still knows every photo from the table
    for path in (database.attachments.root / "originals").glob("*/*"):
        path.unlink()
    second = run_check(database)
    assert [(f.key, f.kind) for f in second] == [(f.key, f.kind) for f in first]


def test_unrelated_photos_are_not_matched(tmp_path):
    a = evidence_check.photo_facts(photo(tmp_path / "a.jpg", 11).read_bytes())
    b = evidence_check.photo_facts(photo(tmp_path / "b.jpg", 12).read_bytes())
    copy = copy_resized(tmp_path / "a.jpg", tmp_path / "a2.jpg", 0.25, 60)
    c = evidence_check.photo_facts(copy.read_bytes())
    distance = bin(int(a.phash, 16) ^ int(b.phash, 16)).count("1")
    assert distance > evidence_check.HAMMING_THRESHOLD
    assert bin(int(a.phash, 16) ^ int(c.phash, 16)).count("1") <= evidence_check.HAMMING_THRESHOLD
    plain = tmp_path / "plain.jpg"
    Image.new("RGB", (640, 480), (90, 140, 200)).save(plain, "JPEG")
    assert evidence_check.photo_facts(plain.read_bytes()).plain


def test_explained_flag_keeps_its_note_and_is_audited(database, seeded):
    flag = next(f for f in run_check(database) if f.kind == SAME_TEXT)
    before = dump(database)
    with database.session() as s, pytest.raises(ValidationError, match="请填写说明"):
        evidence_check.explain(s, flag.key, flag.kind, "  ")
    assert dump(database) == before
    with database.session() as s:
        evidence_check.explain(s, flag.key, flag.kind, "两场讲座分别在上午和下午举行")
    again = next(f for f in run_check(database) if f.kind == SAME_TEXT)
    assert again.state == EXPLAINED and again.note == "两场讲座分别在上午和下午举行"
    with database.session() as s:
        lines = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "evidence_flags"))
        assert [line.description for line in lines] == ["新建核查标记"]


def test_a_rectification_item_is_raised_from_a_flag(database, seeded):
    flag = next(f for f in run_check(database) if f.kind == SAME_PHOTO)
    with database.session() as s:
        units = unit_ids(s)
        bad = RectificationInput(finding=evidence_check.finding_text(flag),
                                 responsible_unit_id=units[B], deadline=None,
                                 inspection_date=date(2018, 9, 1), inspectors="县矫正办 李明")  # fmt: skip
    before = dump(database)
    with database.session() as s, pytest.raises(FormErrors):
        evidence_check.raise_rectification(s, flag.key, flag.kind, bad)
    assert dump(database) == before
    with database.session() as s:
        bad.deadline = date(2018, 9, 30)
        evidence_check.raise_rectification(s, flag.key, flag.kind, bad)
    with database.session() as s:
        item = s.scalars(select(RectificationItem)).one()
        assert item.responsible_unit_id == unit_ids(s)[B]
        assert item.finding.startswith("台账核查发现同一照片用于多条台账")
        decision = s.scalars(select(EvidenceFlag)).one()
        assert decision.state == RECTIFICATION and decision.rectification_item_id == item.id
        with pytest.raises(ValidationError, match="已提出整改"):
            evidence_check.explain(s, flag.key, flag.kind, "补充说明")


def test_the_command_writes_the_list(db_path, tmp_path, capsys):
    database = open_unlocked(str(db_path))
    try:
        p = photo(tmp_path / "x.jpg", 7, taken="2018:07:12 10:00:00")
        save(database, A, "2018-07-12", "讲座一", [p])
        save(database, B, "2018-07-14", "讲座二", [p])
    finally:
        database.close()
    out = tmp_path / "核查.xlsx"
    assert main(["--db", str(db_path), "ledger", "check", "--out", str(out)]) == 0
    assert "核查发现 1 处问题（待处理 1 处）" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(out)["台账核查"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "核查类型", "情况")
    assert rows[1][1] == "同一照片用于多条台账" and rows[1][3] == f"{A}、{B}"
    assert "讲座一" in rows[1][4] and "讲座二" in rows[1][4] and rows[1][5] == "待处理"
    assert main(["--db", str(db_path), "ledger", "check", "--out", str(out), "--days", "x"]) == 2
