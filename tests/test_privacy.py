"""Personal data (issue 16, privacy part): files only their owner may read, and the ledger's
Excel export with correction subjects' names masked (王*) unless full names are confirmed."""

from __future__ import annotations

import html
import logging
import os
import sqlite3
import stat
import sys
import zipfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import Unit
from app.reports import ledger_xlsx
from app.reports.ledger_xlsx import export_ledger_xlsx
from app.services.attachments import store_for
from app.services.backup.archive import write_backup
from app.services.backup.container import MasterKey
from app.services.backup.restore import safety_copy
from app.services.database import backup_sqlite_file
from app.services.errors import UserError
from app.services.home_snapshot import HomeFigures, snapshot_path, write_snapshot
from app.services.idcard import mask_id_number
from app.services.ledger import EntryInput, LedgerFilter, PhotoInput, save_entry
from app.services.privacy import mask_name, name_masker
from app.services.subjects import SubjectInput
from app.sync import identity
from app.ui.operations import running_tasks
from app.ui.pages.ledger import LedgerPage
from tests.conftest import open_unlocked
from tests.helpers import kind_ids, make_jpeg, open_page, unit_ids, valid_id_number

posix_only = pytest.mark.skipif(
    sys.platform == "win32", reason="Windows: the per-user data folder's access list applies"
)
NAME = "欧阳娜娜"  # masked 欧阳**
OTHER = "王五"  # masked 王*
ID_NUMBER = valid_id_number("33112119850315002")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The usual desktop umask (022), under which files are made -rw-r--r--: what is owner-only
    afterwards is so because the program made it so."""
    if sys.platform == "win32":
        yield
        return
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


# ------------------------------------------------------------------ masking names


@pytest.mark.parametrize(
    ("name", "masked"),
    [("王五", "王*"), ("张三丰", "张**"), (NAME, "欧阳**"), ("欧阳", "欧*"), ("李𫓩", "李*"),
     (" 赵六 ", "赵*"), ("", ""), ("王", "王")],
)  # fmt: skip
def test_mask_name_keeps_the_surname_only(name, masked):
    assert mask_name(name) == masked


def test_name_masker_hides_names_inside_text_longest_first():
    hide = name_masker(["王五", "王五一", "李"])  # a one-character "name" is never replaced
    assert hide("走访王五一和王五，李所长陪同") == "走访王**和王*，李所长陪同"
    assert name_masker([])("走访王五") == "走访王五"


# ------------------------------------------------------------------ owner-only files


@posix_only
def test_a_new_database_and_its_wal_and_shm_are_owner_only(tmp_path, usual_umask):
    path = tmp_path / "新库.db"
    database = open_unlocked(str(path))
    try:
        with database.engine.begin() as connection:  # a write: SQLite makes -wal and -shm
            connection.exec_driver_sql("CREATE TABLE probe (a)")
            connection.exec_driver_sql("INSERT INTO probe VALUES (1)")
        wal, shm = (path.with_name(path.name + s) for s in ("-wal", "-shm"))
        assert wal.exists() and shm.exists()
        assert {p.name: mode(p) for p in (path, wal, shm)} == {
            "新库.db": 0o600,
            "新库.db-wal": 0o600,
            "新库.db-shm": 0o600,
        }
    finally:
        database.close()
    copy = backup_sqlite_file(path)  # the copy made before a schema upgrade
    assert mode(copy) == 0o600


@posix_only
def test_a_rollback_journal_follows_the_database_file(tmp_path, usual_umask):
    path = tmp_path / "journal.db"
    database = open_unlocked(str(path))
    database.close()
    seen = []
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
        connection.execute("PRAGMA locking_mode=EXCLUSIVE")  # keeps the journal until closed
        connection.execute("PRAGMA journal_mode=PERSIST")
        connection.execute("CREATE TABLE t (a)")
        connection.commit()
        journal = path.with_name(path.name + "-journal")
        seen.append(mode(journal))
    assert seen == [0o600]


@pytest.mark.sqlite_only(reason="file permissions of the SQLite file and the files beside it")
@posix_only
def test_an_existing_database_readable_by_others_is_tightened_on_open(
    db_path, tmp_path, usual_umask, caplog
):
    beside = [
        db_path.with_name(db_path.name + suffix)
        for suffix in ("-wal", ".home.json", ".exchange.json")
    ]
    old_copy = db_path.with_name(f"{db_path.stem}.backup-20181001-120000{db_path.suffix}")
    store = store_for(db_path).root
    store.mkdir()
    for path in [db_path, *beside, old_copy]:
        if not path.exists():
            path.write_bytes(b"")
        os.chmod(path, 0o644)
    os.chmod(store, 0o755)
    unrelated = tmp_path / "别的文件.txt"
    unrelated.write_text("不是数据库的", encoding="utf-8")
    os.chmod(unrelated, 0o644)

    with caplog.at_level(logging.INFO, logger="app.services.private_files"):
        database = open_unlocked(str(db_path))
    assert mode(db_path) == 0o600
    assert {p.name: mode(p) for p in [*beside, old_copy]} == {
        p.name: 0o600 for p in [*beside, old_copy]
    }
    database.close()
    assert mode(store) == 0o700
    assert mode(unrelated) == 0o644  # only the database's own files are touched
    tightened = [r.getMessage() for r in caplog.records if "仅本人可访问" in r.getMessage()]
    assert any(db_path.name in line and "0o644 → 0o600" in line for line in tightened)
    assert len(tightened) == 3 + len(
        beside
    )  # the database, what lies beside it, the old copy, the store


@pytest.mark.sqlite_only(reason="file permissions of the SQLite file and the files beside it")
@posix_only
def test_photo_store_backups_exchange_state_snapshot_and_log_are_owner_only(
    database, db_path, tmp_path, usual_umask
):
    photo = make_jpeg(tmp_path / "现场.jpg", size=(2400, 1600))
    os.chmod(photo, 0o644)
    with database.session() as s:
        aid = unit_ids(s)["法律援助中心"]
        kind = kind_ids(s)["training"]
        save_entry(
            s, database.attachments, None,
            EntryInput(kind_id=kind, unit_id=aid, entry_date="2018-08-01", title="培训",
                       values={"topic": "执法规范", "form": "培训", "participants": 40},
                       photos=[PhotoInput(path=photo)]),
        )  # fmt: skip
    store = database.attachments
    (sha,) = [p.name for p in (store.root / "originals").glob("*/*")]
    store.make_previews(sha)
    made = [store.root, *sorted(store.root.rglob("*"))]
    folders = {str(p.relative_to(tmp_path)): mode(p) for p in made if p.is_dir()}
    files = {str(p.relative_to(tmp_path)): mode(p) for p in made if p.is_file()}
    assert len(folders) >= 5 and len(files) >= 2  # originals/ab/, reduced/ab/ or thumbs/ab/
    assert set(folders.values()) == {0o700}, folders
    assert set(files.values()) == {0o600}, files

    with database.session() as s:
        identity.remember_issued(s, db_path)
    assert mode(identity.ledger_file(db_path)) == 0o600
    write_snapshot(db_path, {"database": "x"}, HomeFigures(window_title="大帮教工作台"))
    assert mode(snapshot_path(db_path)) == 0o600

    master = MasterKey.from_password("纸上的密码-2018")
    out = tmp_path / "U盘" / "全量.bjbak"
    out.parent.mkdir()
    write_backup(db_path, store, out, master)
    assert mode(out) == 0o600
    database.close()
    kept = safety_copy(db_path, master, __import__("datetime").datetime(2018, 9, 1, 8, 0))
    assert (mode(kept.parent), mode(kept)) == (0o700, 0o600)
    assert kept.parent.name == "恢复前备份"

    from app.logs import configure_logging, log

    log_file = tmp_path / "数据" / "logs" / "bangjiao.log"
    try:
        configure_logging(log_file)
    finally:
        for handler in list(log.handlers):
            if isinstance(handler, logging.FileHandler):
                log.removeHandler(handler)
                handler.close()
    assert mode(log_file.parent) == 0o700


@posix_only
def test_credential_and_package_files_are_owner_only(db_path, tmp_path, usual_umask):
    from tests.seed import seed_exchange

    seed_exchange(db_path, tmp_path)
    credentials = sorted(tmp_path.glob("*.cred"))
    packages = sorted(tmp_path.glob("*.bjpkg"))
    assert credentials and packages
    assert {p.name: mode(p) for p in credentials + packages} == {
        p.name: 0o600 for p in credentials + packages
    }


# ------------------------------------------------------------------ the ledger's Excel export


@pytest.fixture
def with_subjects(database):
    """Two entries with a correction subject each; the name repeated in a title and a field."""
    with database.session() as s:
        units = unit_ids(s)
        aid, office = units["法律援助中心"], units["鹤城司法所"]
        legal = kind_ids(s)["legal_aid"]
        save_entry(
            s, database.attachments, None,
            EntryInput(kind_id=legal, unit_id=aid, entry_date="2018-07-02",
                       title=f"为{NAME}提供法律援助", subjects_served=1, body=f"{NAME}已签收。",
                       values={"applicant": NAME, "relation": "本人", "case_type": "民事",
                               "approved_on": "2018-07-01", "result": "办理中"},
                       subject=SubjectInput(name=NAME, category="缓刑", id_number=ID_NUMBER,
                                            office_id=office)),
        )  # fmt: skip
        save_entry(
            s, database.attachments, None,
            EntryInput(kind_id=legal, unit_id=aid, entry_date="2018-07-03", title="法律援助",
                       subjects_served=1,
                       values={"applicant": "李律师", "relation": "本人", "case_type": "民事",
                               "approved_on": "2018-07-01", "result": "办理中"},
                       subject=SubjectInput(name=OTHER, category="假释", office_id=office)),
        )  # fmt: skip
    return database


def workbook_bytes(path: Path) -> bytes:
    """Every part of the .xlsx (its XML), unzipped, as one byte string, with XML character
    references resolved: openpyxl's write-only mode writes 阳 as ``&#38451;``, which a plain
    byte search for the UTF-8 name would never find."""
    with zipfile.ZipFile(path) as archive:
        raw = b"".join(archive.read(name) for name in archive.namelist())
    return raw + html.unescape(raw.decode("utf-8")).encode("utf-8")


def test_ledger_export_masks_names_and_identity_numbers_by_default(
    with_subjects, tmp_path, usual_umask
):
    out = tmp_path / "台账.xlsx"
    with with_subjects.session() as s:
        flt = LedgerFilter(text=NAME)  # the keyword goes into 导出说明: masked there too
        assert export_ledger_xlsx(s, flt, out) == 1
        assert export_ledger_xlsx(s, LedgerFilter(), out) == 2
    book = openpyxl.load_workbook(out)
    header = [c.value for c in book["法律援助"][1]]
    rows = [dict(zip(header, r, strict=True)) for r in book["法律援助"].iter_rows(min_row=2, values_only=True)]  # fmt: skip
    assert [(r["社区矫正对象姓名"], r["矫正类别"], r["身份证号码"]) for r in rows] == [
        ("欧阳**", "缓刑", mask_id_number(ID_NUMBER)),
        ("王*", "假释", None),
    ]
    assert rows[0]["标题"] == "为欧阳**提供法律援助" and rows[0]["申请人"] == "欧阳**"
    assert rows[0]["情况说明"] == "欧阳**已签收。" and rows[1]["申请人"] == "李**"  # personal
    notes = dict(book["导出说明"].iter_rows(min_row=2, values_only=True))
    assert notes["说明"] == "社区矫正对象姓名、身份证号码及表单中的个人信息（如申请人）已脱敏"
    raw = workbook_bytes(out)
    for secret in (NAME, OTHER, ID_NUMBER, ID_NUMBER[6:14]):
        assert secret.encode("utf-8") not in raw, secret
    assert "欧阳**".encode() in raw and "王*".encode() in raw
    if sys.platform != "win32":
        assert mode(out) == 0o600

    with with_subjects.session() as s:  # a keyword that is a name, in 导出说明
        export_ledger_xlsx(s, LedgerFilter(text=NAME), out)
    assert NAME.encode() not in workbook_bytes(out)


def test_ledger_export_with_full_names_writes_them_and_says_so(with_subjects, tmp_path):
    out = tmp_path / "台账-全名.xlsx"
    with with_subjects.session() as s:
        export_ledger_xlsx(s, LedgerFilter(), out, full_names=True)
    book = openpyxl.load_workbook(out)
    header = [c.value for c in book["法律援助"][1]]
    rows = [dict(zip(header, r, strict=True)) for r in book["法律援助"].iter_rows(min_row=2, values_only=True)]  # fmt: skip
    subjects = [(r["社区矫正对象姓名"], r["矫正类别"], r["身份证号码"]) for r in rows]
    assert subjects == [(NAME, "缓刑", mask_id_number(ID_NUMBER)), (OTHER, "假释", None)]
    notes = dict(book["导出说明"].iter_rows(min_row=2, values_only=True))
    assert "完整姓名" in notes["说明"]
    raw = workbook_bytes(out)
    assert NAME.encode() in raw and ID_NUMBER.encode() not in raw  # numbers stay masked


def test_full_names_refused_without_the_permission_writes_nothing(
    with_subjects, tmp_path, monkeypatch
):
    monkeypatch.setattr(ledger_xlsx, "may_export_full_names", lambda _session: False)
    out = tmp_path / "台账.xlsx"
    with with_subjects.session() as s, pytest.raises(UserError, match="只有负责人可以导出完整姓名。本次未导出。"):  # fmt: skip
        export_ledger_xlsx(s, LedgerFilter(), out, full_names=True)
    assert list(tmp_path.glob("*.xlsx")) == [] and not list(tmp_path.glob(".*part*"))


def test_ledger_export_command_masks_unless_full_names(with_subjects, db_path, tmp_path, capsys):
    from app.cli import main

    with_subjects.close()
    masked, full = tmp_path / "脱敏.xlsx", tmp_path / "全名.xlsx"
    assert main(["--db", str(db_path), "ledger", "export", "--out", str(masked)]) == 0
    said = capsys.readouterr().out
    assert "已脱敏" in said and "--full-names" in said
    assert main(["--db", str(db_path), "ledger", "export", "--out", str(full), "--full-names"]) == 0
    assert "完整姓名" in capsys.readouterr().out
    assert NAME.encode() not in workbook_bytes(masked) and OTHER.encode() not in workbook_bytes(
        masked
    )
    assert NAME.encode() in workbook_bytes(full) and OTHER.encode() in workbook_bytes(full)


def test_ledger_page_full_names_box_asks_and_applies_to_one_export(
    qtbot, dialogs, with_subjects, db_path, tmp_path
):
    with_subjects.close()
    page = open_page(qtbot, db_path, "ledger")
    assert isinstance(page, LedgerPage)
    box = page.full_names_box
    assert box.isVisible() and not box.isChecked()

    dialogs.confirm = False  # 否: stays unticked
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert not box.isChecked()
    asked = dialogs.texts("question")
    assert len(asked) == 1 and "完整姓名" in asked[0] and "不得外传" in asked[0]

    dialogs.confirm = True
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.isChecked() and len(dialogs.texts("question")) == 2
    full = tmp_path / "全名.xlsx"
    dialogs.save_paths = [full]
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0 and page.export_button.isEnabled(), timeout=20000)
    assert NAME.encode() in workbook_bytes(full)
    assert "含完整姓名" in page.export_status.text()
    assert not box.isChecked()  # for that one export only

    masked = tmp_path / "脱敏.xlsx"
    dialogs.save_paths = [masked]
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0 and page.export_button.isEnabled(), timeout=20000)
    assert NAME.encode() not in workbook_bytes(masked) and "已脱敏" in page.export_status.text()
    assert len(dialogs.texts("question")) == 2  # unticking or a masked export asks nothing
    assert not dialogs.texts("warning")


def test_ledger_page_refuses_the_box_without_the_permission(qtbot, dialogs, monkeypatch, db_path):
    from app.ui.pages import ledger as ledger_page

    monkeypatch.setattr(ledger_page, "may_export_full_names", lambda _session: False)
    page = open_page(qtbot, db_path, "ledger")
    qtbot.mouseClick(page.full_names_box, Qt.MouseButton.LeftButton)
    assert not page.full_names_box.isChecked() and not dialogs.texts("question")
    assert dialogs.texts("warning") == [
        "只有负责人可以导出完整姓名。本次未导出。"
        "如需导出，请取消勾选“导出完整姓名”，将按打码姓名导出。"
    ]


def test_every_unit_name_stays_whole(with_subjects, tmp_path):
    """Masking touches subjects' names only: units, kinds and offices are written as they are."""
    out = tmp_path / "台账.xlsx"
    with with_subjects.session() as s:
        export_ledger_xlsx(s, LedgerFilter(), out)
        offices = {u.name for u in s.scalars(select(Unit))}
    rows = list(openpyxl.load_workbook(out)["法律援助"].iter_rows(min_row=2, values_only=True))
    assert {r[2] for r in rows} == {"法律援助中心"} and {r[2] for r in rows} <= offices
