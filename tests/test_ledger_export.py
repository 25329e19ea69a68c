"""The work-ledger Excel export, read back with openpyxl."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import select

from app.models import EntryKind, Unit
from app.reports.ledger_xlsx import export_ledger_xlsx
from app.services.errors import ValidationError
from app.services.idcard import check_digit, mask_id_number
from app.services.ledger import EntryInput, LedgerFilter, PhotoInput, delete_entry, save_entry
from app.services.subjects import SubjectInput

ID_NUMBER = "33112119850315002" + check_digit("33112119850315002")
FIXED_HEADERS = ["序号", "日期", "填报单位", "标题", "结对司法所", "服务矫正对象人数"]


def _ids(session, model, *names: str) -> list[int]:
    by_name = {r.name: r.id for r in session.scalars(select(model))}
    by_code = (
        {r.code: r.id for r in session.scalars(select(EntryKind))} if model is EntryKind else {}
    )
    return [by_name.get(n) or by_code[n] for n in names]


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "宣传现场.jpg"
    Image.new("RGB", (40, 30), (30, 120, 200)).save(path, "JPEG")
    return path


@pytest.fixture
def filled(database, photo):
    """Entries of several kinds and units; returns {label: entry id}."""
    made = {}
    with database.session() as s:
        legal, funding, notary, publicity, training, lecture = _ids(
            s, EntryKind, "legal_aid", "funding", "notary_service", "publicity_event", "training", "lecture"
        )  # fmt: skip
        aid_centre, office, notary_unit, publicity_unit, heche = _ids(
            s, Unit, "法律援助中心", "办公室（政治处）", "公证管理科、公证处", "法制宣传科", "鹤城司法所"
        )  # fmt: skip

        def add(label, **kw):
            made[label] = save_entry(s, database.attachments, None, EntryInput(**kw))

        add("funding", kind_id=funding, unit_id=office, entry_date="2018-03-01",
            title="拨付社区矫正专项经费", values={"amount": "1500", "purpose": "专项经费"})  # fmt: skip
        add("aid", kind_id=legal, unit_id=aid_centre, entry_date="2018-07-02",
            title="为矫正对象提供法律援助", subjects_served=1, body="已指派律师。",
            values={"applicant": "王五", "relation": "本人", "case_type": "民事",
                    "approved_on": "2018-07-01", "result": "办理中"},
            subject=SubjectInput(name="王五", category="缓刑", id_number=ID_NUMBER, office_id=heche),
            photos=[PhotoInput(path=photo)])  # fmt: skip
        add("notary", kind_id=notary, unit_id=notary_unit, entry_date="2018-05-06",
            title="=1+2 公证", values={"matter": "委托公证", "fee_waived": True})  # fmt: skip
        add("publicity", kind_id=publicity, unit_id=publicity_unit, entry_date="2018-06-10",
            title="社区矫正法宣传", paired_office_id=heche, subjects_served=12,
            values={"topic": "社区矫正法", "attendees": 350}, photos=[PhotoInput(path=photo)])  # fmt: skip
        add("training", kind_id=training, unit_id=office, entry_date="2018-08-01",
            title="执法人员培训", photos=[PhotoInput(path=photo)],
            values={"topic": "执法规范", "form": "培训", "participants": 40})  # fmt: skip
        add("lecture", kind_id=lecture, unit_id=aid_centre, entry_date="2018-09-01",
            title="修心讲座", photos=[PhotoInput(path=photo)],
            values={"lecturer": "赵律师", "lecturer_role": "律师", "topic": "守法", "attendees": 25})  # fmt: skip
        add("deleted", kind_id=funding, unit_id=office, entry_date="2018-04-01",
            title="已删除的经费台账", values={"amount": "99", "purpose": "作废"})  # fmt: skip
        delete_entry(s, made["deleted"])
    return made


def export(database, tmp_path: Path, flt: LedgerFilter | None = None, **kw):
    out = tmp_path / "台账.xlsx"
    with database.session() as s:
        count = export_ledger_xlsx(s, flt or LedgerFilter(), out, **kw)
    workbook = openpyxl.load_workbook(out)
    headers: dict[str, list[str]] = {}
    rows = []
    for sheet in workbook.worksheets:
        if sheet.title == "导出说明":
            continue
        header = headers[sheet.title] = [c.value for c in sheet[1]]
        for r in sheet.iter_rows(min_row=2):
            rows.append({"活动类型": sheet.title, **dict(zip(header, r, strict=True))})
    rows.sort(key=lambda r: (r["日期"].value, r["台账编号"].value))
    return count, workbook, headers, rows


def test_headers_and_typed_cells(database, filled, tmp_path):
    count, workbook, headers, rows = export(database, tmp_path)
    # one sheet per kind exported, in the kinds' order, each with only its own columns
    assert workbook.sheetnames == [
        "经费保障", "培训与考试", "普法宣传活动", "修心教育法律讲座", "公证服务", "法律援助", "导出说明",
    ]  # fmt: skip
    for title, header in headers.items():
        sheet = workbook[title]
        assert sheet.freeze_panes == "A2" and sheet.print_title_rows == "$1:$1"
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert header[:6] == FIXED_HEADERS and header[-3:] == ["情况说明", "照片文件", "台账编号"]
        assert len(header) == len(set(header))
    assert headers["经费保障"][6:9] == ["金额（元）", "用途", "文件或凭证号"]
    assert "申请人" not in headers["经费保障"] and "参加人次" in headers["培训与考试"]
    assert headers["法律援助"][-7:-3] == [
        "社区矫正对象姓名",
        "矫正类别",
        "身份证号码",
        "矫正对象所属司法所",
    ]
    assert count == len(rows) == 6

    by_title = {r["标题"].value: r for r in rows}
    assert all(r["序号"].value == 1 for r in rows)  # numbered within each sheet
    aid = by_title["为矫正对象提供法律援助"]
    assert aid["情况说明"].alignment.wrap_text
    assert isinstance(aid["日期"].value, datetime) and aid["日期"].value.date() == date(2018, 7, 2)
    assert aid["日期"].number_format == "yyyy-mm-dd"
    assert aid["批准日期"].value == datetime(2018, 7, 1)
    assert aid["服务矫正对象人数"].value == 1 and isinstance(aid["服务矫正对象人数"].value, int)
    # the subject's name is masked where a text field repeats it (tests/test_privacy.py)
    assert aid["申请人"].value == "王*" and aid["情况说明"].value == "已指派律师。"
    assert aid["照片文件"].value == "宣传现场.jpg"
    funding = by_title["拨付社区矫正专项经费"]
    assert isinstance(funding["金额（元）"].value, int | float)
    assert funding["金额（元）"].value == 1500
    assert funding["金额（元）"].number_format == "#,##0.00"
    publicity = by_title["社区矫正法宣传"]
    assert publicity["受教育人次"].value == 350 and publicity["结对司法所"].value == "鹤城司法所"
    assert by_title["=1+2 公证"]["减免公证费"].value == "是"
    assert by_title["=1+2 公证"]["标题"].data_type == "s"  # text, never a formula
    assert by_title["修心讲座"]["参加人次"].value == 25


def test_identity_number_masked_everywhere(database, filled, tmp_path):
    _, workbook, _, rows = export(database, tmp_path)
    values = [str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not any(ID_NUMBER in v for v in values)
    aid = next(r for r in rows if r["活动类型"] == "法律援助")
    assert aid["社区矫正对象姓名"].value == "王*" and aid["矫正类别"].value == "缓刑"
    assert aid["身份证号码"].value == mask_id_number(ID_NUMBER)
    assert aid["矫正对象所属司法所"].value == "鹤城司法所"
    notes = dict(workbook["导出说明"].iter_rows(min_row=2, values_only=True))
    assert notes["说明"] == "社区矫正对象姓名、身份证号码及表单中的个人信息（如申请人）已脱敏"


def test_deleted_entries_are_left_out(database, filled, tmp_path):
    count, workbook, _, rows = export(database, tmp_path)
    titles = [r["标题"].value for r in rows]
    assert "已删除的经费台账" not in titles and "拨付社区矫正专项经费" in titles
    notes = dict(workbook["导出说明"].iter_rows(min_row=2, values_only=True))
    assert notes["台账条数"] == count == 6


def test_filters_are_respected_and_described(database, filled, tmp_path):
    with database.session() as s:
        (unit_id,) = _ids(s, Unit, "法律援助中心")
    flt = LedgerFilter(unit_id=unit_id, date_from=date(2018, 7, 1), date_to=date(2018, 7, 31))
    count, workbook, headers, rows = export(database, tmp_path, flt)
    assert count == 1 and [r["标题"].value for r in rows] == ["为矫正对象提供法律援助"]
    assert list(headers) == ["法律援助"]  # only the exported kinds' sheets
    notes = dict(workbook["导出说明"].iter_rows(min_row=2, values_only=True))
    assert notes["单位"] == "法律援助中心"
    assert notes["活动类型"] == "全部类型"
    assert notes["日期范围"] == "2018-07-01 至 2018-07-31"
    assert notes["关键词"] == "无"
    assert isinstance(notes["导出时间"], datetime)

    count, workbook, _, rows = export(database, tmp_path, LedgerFilter(text="宣传"))
    assert [r["标题"].value for r in rows] == ["社区矫正法宣传"]
    assert dict(workbook["导出说明"].iter_rows(min_row=2, values_only=True))["关键词"] == "宣传"


def test_small_batches_keep_every_row_and_its_extras(database, filled, tmp_path):
    _, _, _, whole = export(database, tmp_path)
    count, _, _, batched = export(database, tmp_path, batch_size=2)
    assert count == 6

    def values(rows):
        return [[getattr(c, "value", c) for c in r.values()] for r in rows]

    assert values(batched) == values(whole)


def test_progress_is_reported_and_a_cancelled_export_leaves_no_file(database, filled, tmp_path):
    seen: list[int] = []
    export(database, tmp_path, batch_size=4, progress=seen.append)
    assert seen == [4, 6]

    class Cancelled(Exception):
        pass

    def cancel(rows: int) -> None:
        raise Cancelled

    out = tmp_path / "取消.xlsx"
    with database.session() as s, pytest.raises(Cancelled):
        export_ledger_xlsx(s, LedgerFilter(), out, batch_size=2, progress=cancel)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx") == ["台账.xlsx"]


def test_empty_export_has_the_header_only(database, tmp_path):
    count, workbook, headers, rows = export(database, tmp_path)
    assert count == 0 and rows == [] and headers == {}
    assert workbook.sheetnames == ["导出说明"]


def test_missing_folder_is_refused_and_nothing_written(database, tmp_path):
    with database.session() as s, pytest.raises(ValidationError, match="不存在"):
        export_ledger_xlsx(s, LedgerFilter(), tmp_path / "无此文件夹" / "台账.xlsx")
    assert list(tmp_path.glob("**/*.xlsx")) == []
