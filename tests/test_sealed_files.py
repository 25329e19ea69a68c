"""The photo store sealed at rest: with a data key, no stored file is readable as an image,
and every reader (lists, summaries, packages, backups) still gets the plain photo."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from sqlalchemy import select

from app.models import Attachment, Phase, sealed
from app.models.sealed import FILE_MAGIC, DataKey, DataLocked, VaultError
from app.reports.docx.summary import render_department_docx
from app.reports.summary_pdf import PHOTO_MAX_SIDE, render_department_summary
from app.services import ledger, summaries
from app.services.attachments import seal_store_files
from app.services.database import open_database
from app.services.ledger import EntryInput, PhotoInput
from app.services.settings import current_programme
from app.services.setup import initialise
from app.services.subjects import SubjectInput
from app.services.summary_reports import department_report
from app.sync.exchange import export_package, import_package
from tests.conftest import TEMPLATE_KEY
from tests.helpers import county_and_unit, kind_ids, make_jpeg, unit_ids, valid_id_number

JPEG_MAGIC, PNG_MAGIC = b"\xff\xd8", b"\x89PNG"
PASSWORD = "纸上的密码-2018"
LEGAL_AID = {
    "applicant": "李玥",
    "relation": "本人",
    "case_type": "民事",
    "approved_on": "2018-08-01",
    "result": "办理中",
}


def _seal(db) -> DataKey:
    """Give an open database a data key, as a login does."""
    key = DataKey.generate()
    sealed.attach(db.engine, key)
    return key


def _png(path: Path, size: tuple[int, int] = (900, 700)) -> Path:
    Image.new("RGB", size, (30, 160, 90)).save(path, "PNG")
    return path


def _photos(tmp_path: Path, tag: str = "") -> list[Path]:
    """A camera-sized JPEG (gets a reduced copy) and a PNG, distinct per ``tag``."""
    shade = len(tag) * 17 % 200
    return [
        make_jpeg(tmp_path / f"现场{tag}.jpg", size=(3000, 2000), colour=(200, 60 + shade, 40)),
        _png(tmp_path / f"签到表{tag}.png"),
    ]


def _add_entry(db, photos: list[Path], unit: str, title: str = "劳动争议法律援助") -> int:
    """A legal-aid entry with a correction subject and ``photos``, through the ledger service."""
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        return ledger.save_entry(
            s,
            db.attachments,
            None,
            EntryInput(
                kind_id=kinds["legal_aid"],
                unit_id=units[unit],
                entry_date=date(2018, 8, 3),
                title=title,
                values=LEGAL_AID,
                subject=SubjectInput(
                    name="李玥",
                    category="缓刑",
                    id_number=valid_id_number(),
                    office_id=units["瓯南司法所"],
                ),
                photos=[PhotoInput(caption=p.stem, path=p) for p in photos],
            ),
        )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stored_files(db) -> list[Path]:
    return sorted(p for p in db.attachments.root.rglob("*") if p.is_file())


def _assert_nothing_readable(db) -> list[Path]:
    """Every file under the store is sealed: no image header, no PNG signature anywhere, and
    Pillow cannot open it. Returns the files."""
    files = _stored_files(db)
    assert files
    for path in files:
        data = path.read_bytes()
        assert data.startswith(FILE_MAGIC), path
        assert not data.startswith(JPEG_MAGIC) and PNG_MAGIC not in data
        assert b"JFIF" not in data and b"IHDR" not in data
        with pytest.raises(UnidentifiedImageError):
            Image.open(path)
    return files


@pytest.mark.sqlite_only(
    reason="reads the store's files in their folder (a server's sealed rows: tests/test_migrate_db.py)"
)
def test_photos_added_with_a_key_are_sealed_and_read_back_plain(database, tmp_path):
    _seal(database)
    jpeg, png = _photos(tmp_path)
    _add_entry(database, [jpeg, png], "县矫正办")
    store = database.attachments
    files = _assert_nothing_readable(database)
    kinds = {p.relative_to(store.root).parts[0] for p in files}
    # the big JPEG got a reduced copy; both got their print copies as they were added
    assert kinds == {"originals", "reduced", "thumbs", "print"}
    for source in (jpeg, png):
        sha = _sha(source)
        kept = store.print_copy_path(sha).read_bytes()
        assert kept.startswith(FILE_MAGIC) and not kept.startswith(JPEG_MAGIC)  # sealed
        with Image.open(io.BytesIO(store.print_copy_bytes(sha))) as printed:
            assert printed.format == "JPEG" and max(printed.size) <= PHOTO_MAX_SIDE
        assert store.is_sealed(sha) and store.read_original(sha) == source.read_bytes()
        assert store.plain_size(sha) == source.stat().st_size
        with Image.open(io.BytesIO(store.thumbnail_bytes(sha))) as thumb:
            assert thumb.format == "JPEG" and max(thumb.size) == 240
    with Image.open(io.BytesIO(store.reduced_bytes(_sha(jpeg)))) as reduced:
        assert reduced.size == (1600, 1067)
    assert store.reduced_bytes(_sha(png)) == png.read_bytes()  # small: its own reduced copy


@pytest.mark.sqlite_only(
    reason="reads the store's files in their folder (a server's sealed rows: tests/test_migrate_db.py)"
)
def test_a_sealed_file_cannot_stand_in_for_another(database, tmp_path):
    _seal(database)
    jpeg, png = _photos(tmp_path)
    _add_entry(database, [jpeg, png], "县矫正办")
    store = database.attachments
    shutil.copyfile(store.original_path(_sha(jpeg)), store.original_path(_sha(png)))
    with pytest.raises(VaultError, match="无法解开"):
        store.read_original(_sha(png))
    other = DataKey.generate()  # another database's key opens nothing here
    with pytest.raises(VaultError):
        other.open_bytes(store.original_path(_sha(jpeg)).read_bytes(), f"original {_sha(jpeg)}")


@pytest.mark.sqlite_only(
    reason="reads the store's files in their folder (a server's sealed rows: tests/test_migrate_db.py)"
)
def test_a_locked_database_refuses_to_read_or_add_photos(database, tmp_path):
    _seal(database)
    jpeg, png = _photos(tmp_path)
    _add_entry(database, [jpeg], "县矫正办")
    sealed.forget(database.engine)  # logged out
    store = database.attachments
    with pytest.raises(DataLocked, match="请先登录"):
        store.read_original(_sha(jpeg))
    with pytest.raises(DataLocked):
        store.thumbnail_bytes(_sha(jpeg))
    before = _stored_files(database)
    with pytest.raises(DataLocked), database.session() as s:
        store.add(s, png, None)
    assert _stored_files(database) == before  # nothing written in clear, nor at all
    with database.session() as s:
        assert s.scalar(select(Attachment.id).where(Attachment.sha256 == _sha(png))) is None


@pytest.fixture
def plain_database(tmp_path):
    """A database without a vault (as before accounts): nothing sealed."""

    db = initialise(str(tmp_path / "plain.db"), TEMPLATE_KEY, "县矫正办").database
    yield db
    db.close()


def test_a_database_without_a_vault_keeps_plain_files(plain_database, tmp_path):
    database = plain_database
    assert sealed.key_state(database.engine) is None
    jpeg, png = _photos(tmp_path)
    _add_entry(database, [jpeg, png], "县矫正办")
    store = database.attachments
    assert store.original_path(_sha(jpeg)).read_bytes() == jpeg.read_bytes()
    assert store.original_path(_sha(png)).read_bytes()[:4] == PNG_MAGIC
    for path in _stored_files(database):
        with Image.open(path) as image:  # every file an image, as before
            assert image.format in ("JPEG", "PNG")
    assert not store.is_sealed(_sha(jpeg))


def test_sealing_a_plain_store_in_place(plain_database, tmp_path):
    database = plain_database
    jpeg, png = _photos(tmp_path)
    _add_entry(database, [jpeg, png], "县矫正办")
    store = database.attachments
    assert not store.is_sealed(_sha(jpeg)) and store.thumbnail_bytes(_sha(jpeg))
    left = store.original_path(_sha(jpeg)).with_name(".incoming-cut-off")  # a write cut off
    left.write_bytes(jpeg.read_bytes())
    os.utime(left, (time.time() - 3600, time.time() - 3600))
    key = _seal(database)  # the database is encrypted: its store follows
    assert seal_store_files(store, key) == 2
    assert not left.exists()
    files = _assert_nothing_readable(database)
    assert {p.relative_to(store.root).parts[0] for p in files} == {"originals"}  # previews gone
    assert not [p for p in store.root.rglob(".*") if p.is_file()]  # no temporary file left
    assert seal_store_files(store, key) == 0  # idempotent
    for source in (jpeg, png):
        assert store.read_original(_sha(source)) == source.read_bytes()
        with Image.open(io.BytesIO(store.thumbnail_bytes(_sha(source)))) as thumb:
            assert thumb.format == "JPEG"  # made again, sealed
    _assert_nothing_readable(database)


@pytest.mark.sqlite_only(
    reason="reads the store's files in their folder (a server's sealed rows: tests/test_migrate_db.py)"
)
def test_a_summary_pdf_embeds_the_sealed_photo(database, tmp_path):
    _seal(database)
    jpeg = make_jpeg(tmp_path / "热线现场.jpg", size=(3000, 2000), colour=(180, 90, 30))
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        ledger.save_entry(s, database.attachments, None, EntryInput(
            kind_id=kinds["hotline"], unit_id=units["法律援助中心"], entry_date=date(2018, 6, 3),
            title="12348 热线", subjects_served=2, values={"calls": 3},
            photos=[PhotoInput(caption="现场", path=jpeg)],
        ))  # fmt: skip
        programme = current_programme(s)
        phase = s.scalar(select(Phase.id).where(Phase.name == "组织实施"))
        summary = summaries.start_summary(s, programme.id, units["法律援助中心"], phase)
        (photo,) = summaries.candidate_photos(s, summary)
        summaries.save_summary(s, summary.id, summary.sections, [(photo.attachment_id, "热线现场")])
        pdfs = [
            render_department_summary(department_report(s, database.attachments, summary.id))
            for _ in range(2)  # the second from the kept print copy
        ]
        docx = render_department_docx(department_report(s, database.attachments, summary.id))
    with zipfile.ZipFile(io.BytesIO(docx)) as word:
        (media,) = [n for n in word.namelist() if n.startswith("word/media/")]
        with Image.open(io.BytesIO(word.read(media))) as embedded:  # the Word file has it too
            assert embedded.format == "JPEG" and max(embedded.size) == PHOTO_MAX_SIDE
    store = database.attachments
    copy = store.print_copy_path(photo.sha256)
    assert copy.read_bytes().startswith(FILE_MAGIC)  # the print copy is sealed too
    _assert_nothing_readable(database)
    for pdf in pdfs:
        reader = PdfReader(io.BytesIO(pdf))
        images = [i for page in reader.pages for i in page.images]
        assert len(images) == 1
        assert images[0].data.startswith(JPEG_MAGIC)  # embedded as the JPEG it is
        with Image.open(io.BytesIO(images[0].data)) as embedded:
            assert max(embedded.size) == PHOTO_MAX_SIDE
            assert embedded.getpixel((100, 100)) == pytest.approx((180, 90, 30), abs=4)
        assert "热线现场" in "".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def offices(tmp_path):
    """A county and a unit, each with its own data key, registered with each other."""
    with county_and_unit(tmp_path) as (county, unit):
        keys = _seal(county), _seal(unit)
        yield county, unit, keys


def test_a_package_between_sealed_databases_carries_the_photos(offices, tmp_path):
    county, unit, (county_key, unit_key) = offices
    jpeg, png = _photos(tmp_path)
    _add_entry(unit, [jpeg, png], "法律援助中心")
    _assert_nothing_readable(unit)
    package, counts = export_package(unit, "县矫正办", tmp_path / "p1.bjpkg")
    assert counts["attachments"] == 2
    summary = import_package(county, package)
    assert summary.files == 2
    store = county.attachments
    for source in (jpeg, png):
        sha = _sha(source)
        assert store.read_original(sha) == source.read_bytes()  # equal, opened with its key
        data = store.original_path(sha).read_bytes()
        county_key.open_bytes(data, f"original {sha}")  # sealed with the importer's key …
        with pytest.raises(VaultError):
            unit_key.open_bytes(data, f"original {sha}")  # … not the sender's
        # its print copy made as it arrived (the county's PDFs need not make it), sealed too
        kept = county_key.open_bytes(store.print_copy_path(sha).read_bytes(), f"print {sha}")
        with Image.open(io.BytesIO(kept)) as printed:
            assert printed.format == "JPEG" and max(printed.size) <= PHOTO_MAX_SIDE
        with Image.open(io.BytesIO(store.thumbnail_bytes(sha))) as thumb:
            assert thumb.format == "JPEG"
    _assert_nothing_readable(county)
    with county.session() as s:
        assert {a.size_bytes for a in s.scalars(select(Attachment))} == {
            jpeg.stat().st_size,
            png.stat().st_size,
        }


@pytest.mark.sqlite_only(reason="backup of a SQLite file")
def test_a_backup_keeps_sealed_photos_and_restores_them(database, db_path, tmp_path):
    from app.services.attachments import store_for
    from app.services.backup.archive import read_manifest, write_backup
    from app.services.backup.container import MasterKey, Secret
    from app.services.backup.restore import restore_backup

    key = _seal(database)
    jpeg, png = _photos(tmp_path)
    _add_entry(database, [jpeg, png], "县矫正办")
    originals = {p.name: p.read_bytes() for p in _stored_files(database) if "originals" in p.parts}
    master = MasterKey.from_password(PASSWORD)
    backup = tmp_path / "b.bjbak"
    write_backup(db_path, database.attachments, backup, master)
    manifest = read_manifest(backup, Secret(stored=master))
    assert manifest.notes == [] and set(manifest.attachments) == set(originals)
    target = tmp_path / "restored" / "bangjiao.db"
    target.parent.mkdir()
    restore_backup(backup, target, Secret(PASSWORD), master)
    restored_store = store_for(target)
    for name, data in originals.items():
        assert restored_store.original_path(name).read_bytes() == data  # the same ciphertext
    restored = open_database(str(target))
    try:
        sealed.attach(restored.engine, key)  # the restored database holds the same key
        for source in (jpeg, png):
            assert restored.attachments.read_original(_sha(source)) == source.read_bytes()
    finally:
        restored.close()


MAGENTA = (200, 30, 160)


def _magenta_pixels(image) -> int:
    """How many pixels of a QImage are the test photo's colour (its thumbnail painted)."""
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            colour = image.pixelColor(x, y)
            if (
                abs(colour.red() - MAGENTA[0]) < 12
                and abs(colour.green() - MAGENTA[1]) < 12
                and abs(colour.blue() - MAGENTA[2]) < 12
            ):
                count += 1
    return count


def test_the_ledger_page_paints_sealed_thumbnails(qtbot, monkeypatch, gui_app, db_path, tmp_path):
    from PySide6.QtCore import Qt

    from app.ui.ledger.entry_dialog import EntryDialog
    from app.ui.main_window import MainWindow
    from tests.helpers import drive_dialog

    window = MainWindow(open_database(str(db_path)))
    qtbot.addWidget(window)
    window.show()
    page = window.open_section("ledger")
    database = page.database
    if not isinstance(sealed.key_state(database.engine), DataKey):
        _seal(database)  # (a database with a vault is unlocked by the window's login)
    photo = make_jpeg(tmp_path / "讲座现场.jpg", size=(3000, 2000), colour=MAGENTA)

    def fill(dialog: EntryDialog) -> None:
        dialog.kind.setCurrentIndex(dialog.kind.findText("修心教育法律讲座"))
        dialog.unit.setCurrentIndex(dialog.unit.findText("律师管理科"))
        dialog.entry_date.setValue(date(2018, 7, 12))
        dialog.title.setText("温溪司法所修心教育法律讲座")
        form = dialog.fields_widget
        form.set_value("lecturer", "陈昇律师")
        form.set_value("lecturer_role", "律师")
        form.set_value("topic", "社区矫正对象的权利义务")
        form.set_value("attendees", "20")
        assert dialog.photos.add_files([photo]) == []

    seen = drive_dialog(monkeypatch, EntryDialog, fill)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert seen and seen[0].result(), seen[0].general_error.text()
    _assert_nothing_readable(database)  # the clerk's photo went in sealed
    thumb = page.model.index(0, 3).data(Qt.ItemDataRole.DecorationRole)
    assert thumb is not None and not thumb.isNull()
    page.view.viewport().repaint()
    shot = page.view.viewport().grab().toImage()
    assert _magenta_pixels(shot) > 50  # the decrypted thumbnail is on screen
    window.grab().save(str(tmp_path / "ledger-sealed.png"))


@pytest.mark.sqlite_only(
    reason="reads the store's files in their folder (a server's sealed rows: tests/test_migrate_db.py)"
)
def test_an_issued_agreement_and_its_signed_scan_are_sealed(database, tmp_path):
    from app.services import agreements

    _seal(database)
    store = database.attachments
    with database.session() as s:
        programme_id, units = current_programme(s).id, unit_ids(s)
        agreement_id = agreements.create_draft(s, programme_id, units["法律援助中心"])
        sha = agreements.issue(s, store, agreement_id, date(2018, 6, 28))
    scan = make_jpeg(tmp_path / "签署页.jpg", size=(1240, 1754), colour=(250, 250, 245))
    with database.session() as s:
        agreements.sign(s, store, agreement_id, signed_on=date(2018, 7, 2), party_a_signatory="张主任",
                        party_b_signatory="李主任", scans=[scan])  # fmt: skip
    assert store.original_path(sha).read_bytes().startswith(FILE_MAGIC)
    with database.session() as s:
        pdf = agreements.agreement_pdf(s, store, agreement_id)
        signed = agreements.scan_bytes(s, store, agreement_id)
    assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == sha
    assert "法律援助中心" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert signed == scan.read_bytes()
    _assert_nothing_readable(database)
