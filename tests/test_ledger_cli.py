"""The ``ledger`` command line: adding entries exactly as the form validates them, exporting."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import func, select

from app.cli import main
from app.models import Attachment, CorrectionSubject, EntryAttachment, LedgerEntry
from app.services.database import open_database
from app.services.idcard import check_digit, mask_id_number
from app.services.settings import current_programme
from tests.conftest import open_unlocked

ROOT = Path(__file__).resolve().parent.parent
ID_NUMBER = "33112119800101001" + check_digit("33112119800101001")
BAD_ID_NUMBER = ID_NUMBER[:17] + ("1" if ID_NUMBER[17] != "1" else "2")

LEGAL_AID = [
    "--unit", "法律援助中心", "--kind", "法律援助", "--date", "2018-07-02",
    "--title", "为矫正对象张某提供法律援助",
    "--field", "applicant=张三", "--field", "relation=本人", "--field", "case_type=民事",
    "--field", "approved_on=2018-07-01", "--field", "result=办理中",
    "--subject-name", "张三", "--subject-category", "缓刑", "--subject-id", ID_NUMBER,
    "--subject-office", "鹤城司法所",
]  # fmt: skip
FUNDING = [
    "--unit", "办公室（政治处）", "--kind", "funding", "--date", "2018-03-01",
    "--title", "拨付社区矫正专项经费", "--field", "amount=1,500", "--field", "purpose=专项经费",
]  # fmt: skip


def ledger(db_path: Path, *args: str) -> int:
    return main(["--db", str(db_path), "ledger", *args])


def counts(db_path: Path) -> dict[str, int]:
    db = open_unlocked(str(db_path))
    try:
        with db.session() as s:
            return {
                m.__name__: s.scalar(select(func.count()).select_from(m))
                for m in (LedgerEntry, CorrectionSubject, Attachment, EntryAttachment)
            }
    finally:
        db.close()


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "现场照片.jpg"
    Image.new("RGB", (64, 48), (200, 40, 40)).save(path, "JPEG")
    return path


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "照片.jpg"  # named like a photo, but it is text
    path.write_text("这不是照片", encoding="utf-8")
    return path


def test_add_legal_aid_with_subject_and_photo(db_path, photo, capsys):
    assert ledger(db_path, "add", *LEGAL_AID, "--served", "1", "--photo", str(photo)) == 0
    out = capsys.readouterr().out
    assert "已保存台账，编号 1" in out
    assert "张三 缓刑 " + mask_id_number(ID_NUMBER) in out
    assert ID_NUMBER not in out
    db = open_unlocked(str(db_path))
    try:
        with db.session() as s:
            entry = s.scalars(select(LedgerEntry)).one()
            assert entry.entry_date == date(2018, 7, 2)
            assert entry.subjects_served == 1
            assert entry.values == {
                "applicant": "张三",
                "relation": "本人",
                "case_type": "民事",
                "approved_on": "2018-07-01",
                "result": "办理中",
            }
            assert entry.subject.id_number == ID_NUMBER
            assert entry.subject.office.name == "鹤城司法所"
            assert entry.programme_id == current_programme(s).id
            (link,) = entry.attachments
            assert link.attachment.original_name == "现场照片.jpg"
            assert link.attachment.media_type == "image/jpeg"
            assert db.attachments.has(link.attachment.sha256)
    finally:
        db.close()


def test_add_several_kinds_by_name_or_code(db_path, photo, capsys):
    notary = ["--unit", "公证管理科、公证处", "--kind", "notary_service", "--date", "2018-05-06",
              "--title", "为矫正对象办理公证", "--field", "matter=委托公证", "--field", "fee_waived=否"]  # fmt: skip
    event = ["--unit", "法制宣传科", "--kind", "普法宣传活动", "--date", "2018-06-10",
             "--title", "社区矫正法宣传", "--paired-office", "腊口司法所", "--served", "12",
             "--body", "在腊口镇集市设点宣传。", "--photo", str(photo),
             "--field", "topic=社区矫正法律法规", "--field", "attendees=350"]  # fmt: skip
    assert ledger(db_path, "add", *FUNDING) == 0
    assert ledger(db_path, "add", *notary) == 0
    assert ledger(db_path, "add", *event) == 0
    assert "法制宣传科　普法宣传活动" in capsys.readouterr().out
    db = open_unlocked(str(db_path))
    try:
        with db.session() as s:
            funding, notary, event = s.scalars(select(LedgerEntry).order_by(LedgerEntry.id))
            assert funding.kind.code == "funding"
            assert Decimal(funding.values["amount"]) == Decimal("1500.00")
            assert notary.values["fee_waived"] is False
            assert event.paired_office.name == "腊口司法所"
            assert (event.subjects_served, event.values["attendees"]) == (12, 350)
            assert event.body == "在腊口镇集市设点宣传。"
    finally:
        db.close()


REFUSALS = {
    "missing required field": (
        ["--unit", "办公室（政治处）", "--kind", "funding", "--date", "2018-03-01",
         "--title", "拨付经费", "--field", "amount=100"],
        "用途（--field purpose）：请填写“用途”。",
    ),
    "bad date": (
        [*FUNDING[:4], "--date", "2018-02-30", *FUNDING[6:]],
        "日期（--date）：“日期”2018-02-30 这一天不存在",
    ),
    "date outside the programme year": (
        [*FUNDING[:4], "--date", "2017-12-31", *FUNDING[6:]],
        "日期（--date）：日期应在2018年1月1日至2018年12月31日之间。",
    ),
    "negative served count": (
        [*FUNDING, "--served", "-3"],
        "服务矫正对象人数（--served）：服务矫正对象人数不能为负数。",
    ),
    "unknown field": (
        [*FUNDING, "--field", "colour=红"],
        "活动类型“经费保障”没有字段“colour”。可用的字段：amount（金额（元））、purpose（用途）",
    ),
    "unknown unit": (
        ["--unit", "火星科", *FUNDING[2:]],
        "没有填报单位“火星科”。",
    ),
    "unknown kind": (
        [*FUNDING[:2], "--kind", "打扫卫生", *FUNDING[4:]],
        "没有活动类型“打扫卫生”。可用的活动类型：经费保障（funding）",
    ),
    "unknown paired office": (
        [*FUNDING, "--paired-office", "月球司法所"],
        "没有结对司法所“月球司法所”。",
    ),
    "a department as paired office": (
        [*FUNDING, "--paired-office", "法制宣传科"],
        "结对司法所（--paired-office）：结对司法所无效。",
    ),
    "amount not a number": (
        [*FUNDING[:-4], "--field", "amount=很多", "--field", "purpose=经费"],
        "金额（元）（--field amount）：“金额（元）”必须是金额数字",
    ),
    "bad check digit": (
        [*LEGAL_AID[:-4], "--subject-id", BAD_ID_NUMBER, *LEGAL_AID[-2:]],
        "身份证号码（--subject-id）：身份证号码校验位不正确，请核对。",
    ),
    "missing subject": (
        LEGAL_AID[:-8],
        "社区矫正对象姓名（--subject-name）：请填写“社区矫正对象”。",
    ),
    "subject on a kind without one": (
        [*FUNDING, "--subject-name", "张三"],
        "活动类型“经费保障”不登记社区矫正对象",
    ),
    "bool neither yes nor no": (
        ["--unit", "公证管理科、公证处", "--kind", "公证服务", "--date", "2018-05-06",
         "--title", "公证", "--field", "matter=委托", "--field", "fee_waived=也许"],
        "“减免公证费”（fee_waived）应填 是 或 否",
    ),
    "field without =": (
        [*FUNDING, "--field", "purpose"],
        "--field 应写成 代码=值 的形式",
    ),
}  # fmt: skip


@pytest.mark.parametrize("args, message", REFUSALS.values(), ids=REFUSALS.keys())
def test_refusals_change_nothing(db_path, capsys, args, message):
    before = counts(db_path)
    assert ledger(db_path, "add", *args) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("错误：")
    assert message in captured.err
    assert captured.out == ""
    assert counts(db_path) == before


def stored_files(db_path) -> list[str]:
    """The files in the photo store of the database ``db_path`` (a file or a server's URL):
    the folder's files, or a server's rows (hash and kind)."""
    from app.models import AttachmentBlob

    database = open_database(str(db_path))
    try:
        if database.file is None:
            with database.engine.connect() as conn:
                rows = conn.execute(select(AttachmentBlob.sha256, AttachmentBlob.kind)).all()
            return sorted(f"{sha}/{kind}" for sha, kind in rows)
        root = database.attachments.root
        return sorted(str(p) for p in root.rglob("*") if p.is_file())
    finally:
        database.close()


def test_text_file_as_photo_is_refused(db_path, text_file, capsys):
    before = counts(db_path)
    assert ledger(db_path, "add", *FUNDING, "--photo", str(text_file)) == 2
    assert "文件“照片.jpg”不是照片（JPEG、PNG）或 PDF 文件，不能添加。" in capsys.readouterr().err
    assert counts(db_path) == before
    assert stored_files(db_path) == []


def test_refused_entry_copies_no_photo_into_the_store(db_path, photo, capsys):
    before = counts(db_path)
    args = [*LEGAL_AID[:-4], "--subject-id", BAD_ID_NUMBER, "--photo", str(photo)]
    assert ledger(db_path, "add", *args) == 2
    assert "身份证号码校验位不正确" in capsys.readouterr().err
    assert counts(db_path) == before
    assert stored_files(db_path) == []


def test_photo_required_by_the_kind(db_path, capsys):
    before = counts(db_path)
    args = ["--unit", "法制宣传科", "--kind", "普法宣传活动", "--date", "2018-06-10",
            "--title", "宣传", "--field", "topic=社区矫正", "--field", "attendees=10"]  # fmt: skip
    assert ledger(db_path, "add", *args) == 2
    assert "照片（--photo）：“普法宣传活动”至少要附 1 张照片。" in capsys.readouterr().err
    assert counts(db_path) == before


def test_every_problem_is_listed_at_once(db_path, capsys):
    before = counts(db_path)
    args = ["--unit", "法律援助中心", "--kind", "legal_aid", "--date", "2018/13/2", "--title", " ",
            "--served", "-1", "--subject-name", "李四", "--subject-category", "缓刑",
            "--subject-id", BAD_ID_NUMBER]  # fmt: skip
    assert ledger(db_path, "add", *args) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "错误：台账未保存，请改正以下各项："
    for expected in (
        "  日期（--date）：",
        "  标题（--title）：请填写标题。",
        "  服务矫正对象人数（--served）：",
        "  申请人（--field applicant）：请填写“申请人”。",
        "  批准日期（--field approved_on）：请选择“批准日期”。",
        "  身份证号码（--subject-id）：身份证号码校验位不正确，请核对。",
    ):
        assert any(line.startswith(expected) for line in err), expected
    assert counts(db_path) == before


def test_missing_database_file_is_not_created(tmp_path, capsys):
    path = tmp_path / "nowhere.db"
    assert ledger(path, "add", *FUNDING) == 2
    assert "不存在" in capsys.readouterr().err
    assert not path.exists()


def test_export_writes_the_file_with_filters(db_path, photo, tmp_path, capsys):
    assert ledger(db_path, "add", *FUNDING) == 0
    assert ledger(db_path, "add", *LEGAL_AID, "--photo", str(photo)) == 0
    capsys.readouterr()

    everything = tmp_path / "全部台账.xlsx"
    assert ledger(db_path, "export", "--out", str(everything)) == 0
    assert "已导出 2 条台账" in capsys.readouterr().out
    book = openpyxl.load_workbook(everything)
    assert book.sheetnames == ["经费保障", "法律援助", "导出说明"]  # a sheet per kind
    rows = list(book["法律援助"].iter_rows(values_only=True))
    assert "现场照片.jpg" in rows[1] and mask_id_number(ID_NUMBER) in rows[1]
    assert "张*" in rows[1] and "缓刑" in rows[1]

    only_aid = tmp_path / "援助.xlsx"
    args = ["--out", str(only_aid), "--unit", "法律援助中心", "--from", "2018-07-01", "--to", "2018-07-31"]  # fmt: skip
    assert ledger(db_path, "export", *args) == 0
    assert "已导出 1 条台账" in capsys.readouterr().out
    workbook = openpyxl.load_workbook(only_aid)
    assert [r[3] for r in workbook["法律援助"].iter_rows(min_row=2, values_only=True)] == [
        "为矫正对象张某提供法律援助"
    ]
    notes = dict(workbook["导出说明"].iter_rows(min_row=2, values_only=True))
    assert notes["单位"] == "法律援助中心"
    assert notes["日期范围"] == "2018-07-01 至 2018-07-31"

    assert ledger(db_path, "export", "--out", str(tmp_path / "空.xlsx"), "--kind", "hotline") == 0
    assert "已导出 0 条台账" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--out", "台账.csv"], "应以 .xlsx 结尾"),
        (["--out", "x.xlsx", "--from", "2018/01/01"], "--from 的日期“2018/01/01”无效"),
        (["--out", "x.xlsx", "--from", "2018-12-01", "--to", "2018-01-01"], "晚于截止日期"),
        (["--out", "x.xlsx", "--unit", "火星科"], "没有单位“火星科”"),
        (["--out", "no-such-folder/x.xlsx"], "文件夹"),
    ],
)
def test_export_refusals(db_path, tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert ledger(db_path, "export", *args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_ledger_help_is_chinese():
    result = subprocess.run(
        [sys.executable, "main.py", "ledger", "add", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "用法" in result.stdout and "--field" in result.stdout and "代码=值" in result.stdout
