"""台账卷 (issue 17): the volume PDF read back, 档号 stable and continued, names masked."""

from __future__ import annotations

import io
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.models import ArchiveNumber, Attachment, DoubtAnswer, EntryAttachment, LedgerEntry
from app.models.sealed import FILE_MAGIC
from app.reports.ledger_volume import render_volume
from app.reports.summary_pdf import PHOTO_MAX_SIDE
from app.services import ledger, verification, volumes
from app.services.errors import UserError
from app.services.ledger import EntryInput, PhotoInput
from app.services.subjects import SubjectInput
from tests.helpers import kind_ids, make_jpeg, unit_ids, valid_id_number

SUBJECT_NAME = "李玥珺"
SUBJECT_ID = valid_id_number("33112719850312123")
UNIT = "法律援助中心"
LEGAL_AID = {
    "applicant": SUBJECT_NAME,
    "relation": "本人",
    "case_type": "民事",
    "approved_on": "2018-08-01",
    "result": "办理中",
}
FROM, TO = date(2018, 7, 1), date(2018, 12, 31)


def _add(database, tmp_path: Path, n: int, day: date, photos: int = 1, size=(2400, 1800)) -> int:
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        files = [
            PhotoInput(
                caption=f"第{n}条现场{k}",
                path=make_jpeg(tmp_path / f"p{n}-{k}.jpg", size, (40 * k % 255, 120, 60 + n)),
            )
            for k in range(photos)
        ]
        subject = None
        values: dict[str, object] = {}
        kind = "hotline"
        if n % 3 == 0:
            kind, values = "legal_aid", dict(LEGAL_AID)
            subject = SubjectInput(
                name=SUBJECT_NAME, category="缓刑", id_number=SUBJECT_ID,
                office_id=units["鹤城司法所"],
            )  # fmt: skip
        return ledger.save_entry(
            s,
            database.attachments,
            None,
            EntryInput(
                kind_id=kinds[kind],
                unit_id=units[UNIT],
                entry_date=day,
                title=f"第{n}件 为{SUBJECT_NAME}办理法律援助"
                if subject
                else f"第{n}件 法律咨询热线值班",
                body=f"情况说明第{n}条。{SUBJECT_NAME}到场，身份证号码{SUBJECT_ID}。" * (1 + n % 4),
                values=values if subject else {"calls": n, "topic": "婚姻家庭"},
                subject=subject,
                photos=files,
            ),
        )


def _volume_pdf(database, volume_number: int = 1) -> tuple[bytes, volumes.Volume]:
    with database.session() as s:
        units = unit_ids(s)
        volume = volumes.build_volume(
            s, database.attachments, units[UNIT], FROM, TO, volume_number, made_on=date(2019, 1, 5)
        )
    return render_volume(volume), volume


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _entries_kind(database) -> dict[str, object]:
    with database.session() as s:
        return kind_ids(s)


@pytest.fixture
def filled(database, tmp_path):
    days = [date(2018, 7, 2 + i) for i in range(7)]
    ids = [_add(database, tmp_path, n, d, photos=1 + n % 3) for n, d in enumerate(days, 1)]
    return ids


def test_contents_page_numbers_lead_to_each_entry(database, filled):
    pdf, volume = _volume_pdf(database)
    pages = _pages(pdf)
    assert len(volume.entries) == len(filled)
    # pages numbered from the first entry: "— n —" at the foot
    numbered = {}
    for index, text in enumerate(pages):
        found = re.search(r"— (\d+) —", text)
        if found:
            numbered[int(found.group(1))] = index
    assert numbered and min(numbered) == 1
    contents = "\n".join(p for p in pages if "卷 内 目 录" in p)
    listed = _contents_pages(contents)
    assert list(listed) == [e.archive_number for e in volume.entries]
    for entry in volume.entries:
        page = listed[entry.archive_number]
        target = pages[numbered[page]]  # the page the contents gives
        assert f"档号：{entry.archive_number}" in target, (entry.archive_number, page)
        assert entry.title in target.replace("\n", "")
    # the first entry begins right after the contents, numbered 1; the others follow in order
    assert listed[volume.entries[0].archive_number] == 1
    assert sorted(listed.values()) == list(listed.values())
    assert len(set(listed.values())) == len(listed)


ARCHIVE = re.compile(r"\d{4}-[A-Z0-9]+-[A-Z0-9]+-\d{4}")


def _contents_pages(contents: str) -> dict[str, int]:
    """档号 → the page the contents gives (the first number alone on a line after it)."""
    lines = [line.strip() for line in contents.splitlines()]
    found: dict[str, int] = {}
    for i, line in enumerate(lines):
        if ARCHIVE.fullmatch(line):
            found[line] = int(next(x for x in lines[i + 1 :] if x.isdigit()))
    return found


def test_every_entry_is_present_masked_with_fonts_and_reduced_photos(database, filled):
    pdf, volume = _volume_pdf(database)
    text = "\n".join(_pages(pdf))
    for entry in volume.entries:
        assert entry.archive_number in text
    assert "李**" in text
    assert SUBJECT_NAME not in text
    assert SUBJECT_ID not in text
    assert SUBJECT_ID[:4] + "*" * 10 + SUBJECT_ID[-4:] in text
    assert "法律援助中心" in text and "第1卷" in text and "定期10年" in text
    assert "装" in _pages(pdf)[0]
    reader = PdfReader(io.BytesIO(pdf))
    images = 0
    fonts: set[str] = set()
    for page in reader.pages:
        resources = page["/Resources"]
        for name, font in (resources.get("/Font") or {}).items():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (
                descendants[0].get_object()["/FontDescriptor"]
                if descendants
                else font.get("/FontDescriptor")
            )
            assert descriptor is not None, name
            descriptor = descriptor.get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
            fonts.add(str(font["/BaseFont"]))
        for image in page.images:
            images += 1
            assert max(image.image.size) <= 1600
    assert fonts
    assert images == volume.photo_count == sum(1 + n % 3 for n in range(1, len(filled) + 1))


def test_archive_numbers_stay_and_continue(database, filled, tmp_path):
    _, first = _volume_pdf(database)
    numbers = [e.archive_number for e in first.entries]
    assert numbers[0] == "2018-D10-FLYZ-0001"
    assert numbers == [f"2018-D10-FLYZ-{n:04d}" for n in range(1, len(filled) + 1)]
    # an entry added later, dated before the others, gets the next 件号; a deleted one keeps its
    late = _add(database, tmp_path, 99, date(2018, 7, 1))
    with database.session() as s:
        ledger.delete_entry(s, filled[1])
    _, second = _volume_pdf(database)
    by_title = {e.title: e.archive_number for e in second.entries}
    assert second.entries[0].archive_number == f"2018-D10-FLYZ-{len(filled) + 1:04d}"
    assert numbers[1] not in by_title.values()
    kept = [e.archive_number for e in second.entries[1:]]
    assert kept == [n for i, n in enumerate(numbers) if i != 1]
    with database.session() as s:
        rows = s.scalars(select(ArchiveNumber)).all()
        assert len(rows) == len(filled) + 1
        assert {r.entry_id for r in rows} >= {late, filled[1]}


def test_nothing_to_bind_is_refused_and_nothing_written(database, filled):
    from tests.helpers import dump

    before = dump(database)
    with database.session() as s, pytest.raises(UserError, match="没有台账"):
        volumes.build_volume(s, database.attachments, unit_ids(s)["律师管理科"], FROM, TO)
    with database.session() as s, pytest.raises(UserError, match="晚于"):
        volumes.build_volume(s, database.attachments, unit_ids(s)[UNIT], TO, FROM)
    assert dump(database) == before
    with database.session() as s:
        assert s.scalar(select(LedgerEntry.id).limit(1)) is not None


def test_command_line_writes_the_volume_and_keeps_numbers(db_path, tmp_path, capsys):
    from app.cli import main
    from tests.conftest import open_unlocked
    from tests.helpers import dump

    database = open_unlocked(str(db_path))
    try:
        for n in range(1, 4):
            _add(database, tmp_path, n, date(2018, 8, n), photos=1)
    finally:
        database.close()
    out = tmp_path / "台账卷.pdf"
    args = ["--db", str(db_path), "ledger", "volume", "--unit", UNIT]
    dates = ["--from", "2018-07-01", "--to", "2018-12-31"]
    assert main([*args, *dates, "--out", str(out), "--volume", "2"]) == 0
    said = capsys.readouterr().out
    assert "第2卷" in said and "3件" in said and "2018-D10-FLYZ-0001 至 2018-D10-FLYZ-0003" in said
    text = "\n".join(_pages(out.read_bytes()))
    assert "第2卷" in text and "2018-D10-FLYZ-0003" in text and SUBJECT_NAME not in text
    again = tmp_path / "again.pdf"
    assert main([*args, *dates, "--out", str(again)]) == 0
    assert "2018-D10-FLYZ-0001 至 2018-D10-FLYZ-0003" in capsys.readouterr().out
    # refusals: exit 2, a Chinese message, no file, the database as it was
    before = dump(db_path)
    for bad, message in [
        (["--unit", "火星科", *dates], "火星科"),
        (["--unit", UNIT, "--from", "2018-12-31", "--to", "2018-07-01"], "晚于"),
        (["--unit", UNIT, "--from", "2018-13-01", "--to", "2018-12-31"], "无效"),
        (["--unit", "律师管理科", *dates], "没有台账"),
        (["--unit", UNIT, *dates, "--volume", "零"], "卷号"),
    ]:
        bad_out = tmp_path / "bad.pdf"
        code = main(["--db", str(db_path), "ledger", "volume", *bad, "--out", str(bad_out)])
        assert code == 2, bad
        assert message in capsys.readouterr().err
        assert not bad_out.exists()
    assert dump(db_path) == before


def test_a_role_without_export_binds_nothing(database, filled):
    from app.services import accounts
    from tests.helpers import dump

    with database.session() as s:
        accounts.add_user(s, "viewer", "role-pass-1", "查看", check=False)
    with database.session() as s:
        database.actor = accounts.authenticate(s, "viewer", "role-pass-1")
    before = dump(database)
    with database.session() as s, pytest.raises(UserError, match="无权"):
        volumes.build_volume(s, database.attachments, unit_ids(s)[UNIT], FROM, TO)
    assert dump(database) == before


def _fill_db(db_path: Path, tmp_path: Path, count: int = 3) -> None:
    from tests.conftest import open_unlocked

    database = open_unlocked(str(db_path))
    try:
        for n in range(1, count + 1):
            _add(database, tmp_path, n, date(2018, 8, n), photos=1)
    finally:
        database.close()


def test_the_ledger_page_prints_a_volume_in_the_background(
    qtbot, dialogs, monkeypatch, db_path, tmp_path
):
    from PySide6.QtCore import Qt

    from app.ui.dialogs.volume_dialog import VolumeDialog
    from app.ui.operations import running_tasks
    from tests.helpers import assert_fits_screen, drive_dialog, open_page

    _fill_db(db_path, tmp_path)
    page = open_page(qtbot, db_path, "ledger")
    assert page.volume_button.isEnabled()

    def fill(dialog: VolumeDialog) -> None:
        assert_fits_screen(dialog)
        dialog.unit.setCurrentIndex(dialog.unit.findText(UNIT))
        dialog.date_from.setValue(date(2018, 7, 1))
        dialog.date_to.setValue(date(2018, 12, 31))
        dialog.volume.setValue(3)

    driven = drive_dialog(monkeypatch, VolumeDialog, fill)
    folder = tmp_path / "卷"
    folder.mkdir()
    dialogs.save_paths = [folder / "台账卷"]  # typed without .pdf
    qtbot.mouseClick(page.volume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=30000)
    written = folder / "台账卷.pdf"
    assert driven and written.exists()
    text = "\n".join(_pages(written.read_bytes()))
    assert "第3卷" in text and "2018-D10-FLYZ-0003" in text and SUBJECT_NAME not in text
    assert dialogs.opened == [str(written)]
    assert not dialogs.texts("warning") and not dialogs.texts("critical")


def test_a_reversed_period_keeps_the_dialog_and_writes_nothing(
    qtbot, dialogs, monkeypatch, db_path, tmp_path
):
    from PySide6.QtCore import Qt

    from app.ui.dialogs.volume_dialog import VolumeDialog
    from app.ui.operations import running_tasks
    from tests.helpers import drive_dialog, dump, open_page

    _fill_db(db_path, tmp_path, 1)
    page = open_page(qtbot, db_path, "ledger")

    def fill(dialog: VolumeDialog) -> None:
        dialog.unit.setCurrentIndex(dialog.unit.findText(UNIT))
        dialog.date_from.setValue(date(2018, 12, 31))
        dialog.date_to.setValue(date(2018, 7, 1))

    driven = drive_dialog(monkeypatch, VolumeDialog, fill)
    before = dump(db_path)
    qtbot.mouseClick(page.volume_button, Qt.MouseButton.LeftButton)
    assert running_tasks() == 0
    assert driven[0].date_to.error.text() == "截止日期早于起始日期，请改正。"
    assert not driven[0].result()
    assert not dialogs.save_paths and dump(db_path) == before


def test_a_viewer_may_not_print_a_volume(qtbot, db_path):
    from app.services import accounts
    from app.ui.main_window import MainWindow
    from tests.conftest import open_unlocked

    database = open_unlocked(str(db_path))
    with database.session() as s:
        accounts.add_user(s, "viewer", "role-pass-1", "查看", check=False)
    with database.session() as s:
        database.actor = accounts.authenticate(s, "viewer", "role-pass-1")
    window = MainWindow(database)
    qtbot.addWidget(window)
    window.show()
    page = window.open_section("ledger")
    assert not page.volume_button.isEnabled()
    assert "查看" in page.volume_button.toolTip()


def _entry_page(pages: list[str], archive_number: str) -> str:
    """The text of the page an entry begins on."""
    return next(
        p for p in pages if f"档号：{archive_number}　" in p or f"档号：{archive_number} " in p
    )


def test_the_volume_shows_the_county_mark_on_entries_and_in_the_contents(database, filled):
    verified, doubtful, answered, unmarked = filled[:4]
    with database.session() as s:
        verification.mark_entry(s, verified, "已核实", "", date(2019, 1, 3))
        verification.mark_entry(
            s, doubtful, "存疑", f"照片与{SUBJECT_NAME}的活动不符", date(2019, 1, 3)
        )
        mark = verification.mark_entry(s, answered, "存疑", "签到表缺页", date(2019, 1, 3))
        # the unit's answer, as its package brings it to the county
        s.add(DoubtAnswer(entry_id=answered, verification_revision=mark.revision,
                          answer="签到表第二页已补拍上传", answered_on=date(2019, 1, 4),
                          owner_unit_id=unit_ids(s)[UNIT]))  # fmt: skip
    pdf, volume = _volume_pdf(database)
    pages = _pages(pdf)
    numbers = [e.archive_number for e in volume.entries]  # in date order, as ``filled``
    page = {n: _entry_page(pages, numbers[filled.index(n)]).replace("\n", "") for n in filled}
    assert "核实已核实（县矫正办，2019年1月3日）" in page[verified]
    assert "存疑（县矫正办，2019年1月3日）" in page[doubtful]
    assert "存疑原因：照片与李**的活动不符" in page[doubtful]  # names masked here too
    assert "单位说明" not in page[doubtful]
    assert "存疑原因：签到表缺页" in page[answered]
    assert "单位说明签到表第二页已补拍上传（2019年1月4日）" in page[answered]
    for n in filled[3:]:
        assert "核实" not in page[n] and "存疑" not in page[n], n
    assert SUBJECT_NAME not in "".join(pages)
    contents = "\n".join(p for p in pages if "卷 内 目 录" in p)
    rows = [line.strip() for line in contents.splitlines()]
    assert "核实" in rows  # the column's head

    def mark_after(number: str) -> list[str]:  # the cells between an entry's 档号 and its page
        start = rows.index(number)
        end = next(i for i in range(start + 1, len(rows)) if rows[i].isdigit())
        return [r for r in rows[start + 1 : end] if r in ("已核实", "存疑", "已说明")]

    assert mark_after(numbers[filled.index(verified)]) == ["已核实"]
    assert mark_after(numbers[filled.index(doubtful)]) == ["存疑"]
    assert mark_after(numbers[filled.index(answered)]) == ["存疑", "已说明"]
    assert mark_after(numbers[filled.index(unmarked)]) == []
    assert list(_contents_pages(contents)) == numbers  # page numbers still read back


@pytest.mark.sqlite_only(
    reason="looks at the photo store's folder (a server's store is rows: tests/test_migrate_db.py)"
)
def test_a_volume_over_a_store_without_print_copies_still_prints_every_photo(database, filled):
    store = database.attachments
    with database.session() as s:
        shas = s.scalars(
            select(Attachment.sha256)
            .join(EntryAttachment, EntryAttachment.attachment_id == Attachment.id)
            .where(EntryAttachment.entry_id.in_(filled))
        ).all()
    assert shas and all(store.print_copy_path(sha).exists() for sha in shas)  # made on adding
    shutil.rmtree(store.root / "print")  # a store from before print copies were made on adding
    pdf, volume = _volume_pdf(database)
    reader = PdfReader(io.BytesIO(pdf))
    sizes = [image.image.size for page in reader.pages for image in page.images]
    assert len(sizes) == volume.photo_count == len(shas)
    assert all(max(size) == PHOTO_MAX_SIDE for size in sizes)  # 2400 px in
    for sha in shas:  # made again for the volume, and kept sealed
        assert store.print_copy_path(sha).read_bytes().startswith(FILE_MAGIC)
