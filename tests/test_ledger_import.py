"""The ledger's Excel template and import: read back, all-or-nothing, the error workbook."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from app.cli import main
from app.models import AuditEntry, CorrectionSubject, LedgerEntry
from app.reports.ledger_template import write_template
from app.services.idcard import check_digit
from app.services.ledger_import import ImportRefused, import_ledger_workbook
from tests.helpers import dump

ID_NUMBER = "33112119800101001" + check_digit("33112119800101001")


def template(database, tmp_path: Path) -> Path:
    out = tmp_path / "模板.xlsx"
    with database.session() as s:
        write_template(s, out)
    return out


def fill(template_path: Path, out: Path, sheet: str, rows: list[list[object]]) -> Path:
    """The template with ``rows`` written under the header of ``sheet``."""
    book = openpyxl.load_workbook(template_path)
    ws = book[sheet]
    for number, row in enumerate(rows, 2):
        for column, value in enumerate(row, 1):
            ws.cell(number, column, value)
    book.save(out)
    return out


def headers(ws) -> list[str]:
    return [c.value for c in next(ws.iter_rows(max_row=1))]


def test_template_has_a_sheet_per_kind_with_chinese_headers_and_drop_downs(database, tmp_path):
    book = openpyxl.load_workbook(template(database, tmp_path))
    assert book.sheetnames[0] == "填写说明"
    assert {"经费保障", "法律援助", "培训与考试", "选项"} <= set(book.sheetnames)
    assert book["选项"].sheet_state == "hidden"
    aid = book["法律援助"]
    assert headers(aid) == [
        "日期", "填报单位", "标题", "结对司法所", "服务矫正对象人数", "申请人", "申请人与矫正对象关系",
        "案件类型", "批准日期", "办理结果", "社区矫正对象姓名", "矫正类别", "身份证号码",
        "矫正对象所属司法所", "情况说明", "照片文件",
    ]  # fmt: skip
    assert aid["A1"].font.color.rgb.endswith("C00000")  # required: red
    assert not (aid["D1"].font.color and aid["D1"].font.color.rgb.endswith("C00000"))
    assert aid["F1"].comment is None or "大帮教" in aid["F1"].comment.author
    lists = {str(dv.sqref): dv for dv in aid.data_validations.dataValidation}
    relation = lists["G2:G1001"]
    assert relation.type == "list" and relation.formula1.startswith("'选项'!")
    cells = book["选项"][relation.formula1.split("!")[1].replace("$", "")]
    assert [row[0].value for row in cells] == ["本人", "配偶", "父母", "子女", "其他近亲属"]
    units = book["选项"][lists["B2:B1001"].formula1.split("!")[1].replace("$", "")]
    assert "法律援助中心" in [row[0].value for row in units]
    assert lists["A2:A1001"].type == "date" and lists["E2:E1001"].type == "whole"
    assert aid.column_dimensions["A"].number_format == "yyyy-mm-dd"
    assert aid.page_setup.fitToWidth == 1 and aid.sheet_properties.pageSetUpPr.fitToPage
    funding = book["经费保障"]
    assert headers(funding)[5:8] == ["金额（元）", "用途", "文件或凭证号"]
    assert funding.column_dimensions["F"].number_format == "#,##0.00"
    notes = [c.value for row in book["填写说明"].iter_rows() for c in row if c.value]
    assert any("全部不导入" in str(v) for v in notes)


def funding_row(number: int, amount: object = 1500) -> list[object]:
    return [date(2018, 7, 1 + number % 28), "办公室（政治处）", f"拨付经费第{number}笔", None, 0,
            amount, "专项经费", f"凭证{number}"]  # fmt: skip


def test_one_bad_row_among_a_thousand_imports_nothing(database, tmp_path):
    rows = [funding_row(n) for n in range(1000)]
    rows[499][5] = "一千五"  # row 501 of the sheet
    bad = fill(template(database, tmp_path), tmp_path / "台账.xlsx", "经费保障", rows)
    before = dump(database)
    started = time.perf_counter()
    with pytest.raises(ImportRefused) as refused, database.session() as s:
        import_ledger_workbook(s, database.attachments, bad)
    elapsed = time.perf_counter() - started
    assert refused.value.result.errors == [
        ("经费保障", 501, "金额（元）", "“金额（元）”必须是金额数字，如 1500 或 1500.50。")
    ]
    assert "全部台账均未导入" in str(refused.value)
    assert dump(database) == before
    print(f"1,000 rows checked in {elapsed:.1f} s")

    rows[499][5] = "1,500.50"
    good = fill(template(database, tmp_path), tmp_path / "台账2.xlsx", "经费保障", rows)
    with database.session() as s:
        lines_before = s.scalar(select(func.count()).select_from(AuditEntry))
        result = import_ledger_workbook(s, database.attachments, good)
    assert (result.created, result.changed) == (1000, 0)
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 1000
        amounts = {e.values["amount"] for e in s.scalars(select(LedgerEntry))}
        assert amounts == {"1500.00", "1500.50"}
        new_lines = s.scalars(
            select(AuditEntry).order_by(AuditEntry.seq).offset(lines_before)
        ).all()
        assert [line.kind for line in new_lines] == ["ledger_import"]
        assert "新增 1000 条" in new_lines[0].description


def test_subjects_found_or_created_and_dry_run_keeps_nothing(database, tmp_path):
    aid = ["2018-07-02", "法律援助中心", "为矫正对象提供法律援助", None, 1, "张三", "本人", "民事",
           "2018-07-01", "办理中", "张三", "缓刑", ID_NUMBER, "鹤城司法所"]  # fmt: skip
    second = list(aid)
    second[2] = "第二次法律援助"
    path = fill(template(database, tmp_path), tmp_path / "援助.xlsx", "法律援助", [aid, second])
    before = dump(database)
    with database.session() as s:
        result = import_ledger_workbook(s, database.attachments, path, dry_run=True)
    assert (result.created, result.subjects_created) == (2, 1)
    assert "检查通过（未导入）" in result.summary()
    assert dump(database) == before
    with database.session() as s:
        result = import_ledger_workbook(s, database.attachments, path)
    assert result.saved and result.subjects_created == 1
    with database.session() as s:
        subjects = s.scalars(select(CorrectionSubject)).all()
        assert [(x.name, x.id_number) for x in subjects] == [("张三", ID_NUMBER)]
        entries = s.scalars(select(LedgerEntry)).all()
        assert {e.subject_id for e in entries} == {subjects[0].id}


def test_command_line_writes_the_error_workbook_and_exits_2(db_path, tmp_path, capsys):
    from tests.conftest import open_unlocked

    database = open_unlocked(str(db_path))
    try:
        path = template(database, tmp_path)
    finally:
        database.close()
    wrong = funding_row(1)
    wrong[1] = "不存在的单位"
    late = funding_row(2)
    late[0] = "2018-02-30"
    fill(path, tmp_path / "导入.xlsx", "经费保障", [funding_row(0), wrong, late])
    before = dump(db_path)
    code = main(["--db", str(db_path), "ledger", "import", str(tmp_path / "导入.xlsx")])
    assert code == 2
    err = capsys.readouterr().err
    assert "全部台账均未导入" in err and "导入-错误清单.xlsx" in err
    assert dump(db_path) == before
    errors = openpyxl.load_workbook(tmp_path / "导入-错误清单.xlsx")["错误"]
    lines = [tuple(c.value for c in row) for row in errors.iter_rows()]
    assert lines[0] == ("工作表", "行号", "列", "错误说明")
    assert lines[1][:3] == ("经费保障", 3, "填报单位") and "不存在的单位" in lines[1][3]
    assert lines[2][:3] == ("经费保障", 4, "日期") and "不存在" in lines[2][3]
    assert len(lines) == 3

    assert (
        main(["--db", str(db_path), "ledger", "template", "--out", str(tmp_path / "t.xlsx")]) == 0
    )
    good = fill(tmp_path / "t.xlsx", tmp_path / "好.xlsx", "经费保障", [funding_row(0)])
    assert main(["--db", str(db_path), "ledger", "import", str(good), "--dry-run"]) == 0
    assert dump(db_path) == before
    assert main(["--db", str(db_path), "ledger", "import", str(good)]) == 0
    assert "已导入：新增台账 1 条" in capsys.readouterr().out


def test_an_export_with_full_names_edited_and_imported_back(database, tmp_path):
    from PIL import Image

    from app.reports.ledger_xlsx import export_ledger_xlsx
    from app.services.ledger import EntryInput, LedgerFilter, PhotoInput, save_entry
    from app.services.subjects import SubjectInput
    from tests.test_ledger_export import _ids

    photo = tmp_path / "现场.jpg"
    Image.new("RGB", (40, 30), (30, 120, 200)).save(photo, "JPEG")
    with database.session() as s:
        from app.models import EntryKind, Unit

        legal, funding = _ids(s, EntryKind, "legal_aid", "funding")
        aid_centre, office, heche = _ids(s, Unit, "法律援助中心", "办公室（政治处）", "鹤城司法所")
        save_entry(s, database.attachments, None, EntryInput(
            kind_id=funding, unit_id=office, entry_date="2018-03-01", title="拨付经费",
            values={"amount": "1500", "purpose": "专项经费"}))  # fmt: skip
        save_entry(s, database.attachments, None, EntryInput(
            kind_id=legal, unit_id=aid_centre, entry_date="2018-07-02", title="法律援助",
            subjects_served=1, body="已指派律师。",
            values={"applicant": "王五", "relation": "本人", "case_type": "民事",
                    "approved_on": "2018-07-01", "result": "办理中"},
            subject=SubjectInput(name="王五", category="缓刑", id_number=ID_NUMBER, office_id=heche),
            photos=[PhotoInput(path=photo, caption="现场")]))  # fmt: skip
    exported = tmp_path / "导出" / "台账.xlsx"
    exported.parent.mkdir()
    with database.session() as s:
        export_ledger_xlsx(s, LedgerFilter(), exported, full_names=True)
    before = dump(database)
    with database.session() as s:  # imported back unchanged: nothing changes
        result = import_ledger_workbook(s, database.attachments, exported)
    assert (result.created, result.changed, result.unchanged) == (0, 0, 2)
    assert result.subjects_created == 0 and "2 条与原台账相同" in result.summary()
    assert [line for line in dump(database) if "ledger_entries" in line] == [
        line for line in before if "ledger_entries" in line
    ]

    book = openpyxl.load_workbook(exported)
    funding_sheet = book["经费保障"]
    header = headers(funding_sheet)
    funding_sheet.cell(2, header.index("金额（元）") + 1, 2000)
    new_row = [None, "2018-04-01", "办公室（政治处）", "新增经费", None, 0, 300, "办公经费"]
    for column, value in enumerate(new_row, 1):
        funding_sheet.cell(3, column, value)
    book.save(exported)
    with database.session() as s:
        result = import_ledger_workbook(s, database.attachments, exported)
    assert (result.created, result.changed, result.unchanged) == (1, 1, 1)
    with database.session() as s:
        entries = {e.title: e for e in s.scalars(select(LedgerEntry))}
        assert entries["拨付经费"].values["amount"] == "2000.00"
        assert entries["新增经费"].values["amount"] == "300.00"
        aid = entries["法律援助"]
        assert aid.subject.name == "王五" and aid.subject.id_number == ID_NUMBER
        assert [(link.caption, link.deleted) for link in aid.attachments] == [("现场", False)]
        assert s.scalar(select(func.count()).select_from(CorrectionSubject)) == 1

    masked = tmp_path / "导出" / "打码.xlsx"
    with database.session() as s:
        export_ledger_xlsx(s, LedgerFilter(), masked)
    before = dump(database)
    with pytest.raises(ImportRefused) as refused, database.session() as s:
        import_ledger_workbook(s, database.attachments, masked)
    assert refused.value.result.errors[0][:3] == ("导出说明", None, "")
    assert "姓名打码的导出文件" in refused.value.result.errors[0][3]
    assert dump(database) == before


def test_the_ledger_page_downloads_the_template_and_imports_with_an_error_workbook(
    qtbot, dialogs, db_path, tmp_path
):
    from PySide6.QtCore import Qt

    from app.ui.operations import running_tasks
    from tests.conftest import open_unlocked
    from tests.test_ledger_ui import _page

    _window, page = _page(qtbot, db_path)
    assert page.import_button.isEnabled() and page.template_button.isEnabled()
    dialogs.save_paths = [tmp_path / "模板"]  # typed without .xlsx
    qtbot.mouseClick(page.template_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=20000)
    written = tmp_path / "模板.xlsx"
    assert "经费保障" in openpyxl.load_workbook(written).sheetnames
    assert str(written) in page.export_status.text()

    wrong = funding_row(1)
    wrong[5] = -3
    bad = fill(written, tmp_path / "台账.xlsx", "经费保障", [funding_row(0), wrong])
    before = dump(db_path)
    dialogs.open_paths = [[bad]]
    dialogs.save_paths = [tmp_path / "错误清单.xlsx"]
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0 and page.import_button.isEnabled(), timeout=20000)
    assert dump(db_path) == before
    (message,) = dialogs.texts("warning") or dialogs.texts("critical")
    assert "全部台账均未导入" in message and "经费保障 第 3 行“金额（元）”" in message
    errors = openpyxl.load_workbook(tmp_path / "错误清单.xlsx")["错误"]
    assert [c.value for c in errors[2]] == ["经费保障", 3, "金额（元）", "“金额（元）”不能小于 0。"]
    assert "错误清单已保存到" in page.export_status.text()

    good = fill(written, tmp_path / "好.xlsx", "经费保障", [funding_row(0), funding_row(1)])
    dialogs.open_paths = [[good]]
    qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0 and page.import_button.isEnabled(), timeout=20000)
    assert dialogs.texts("information")[-1] == "已导入：新增台账 2 条。"
    assert page.model.total == 2
    database = open_unlocked(str(db_path))
    try:
        with database.session() as s:
            assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 2
    finally:
        database.close()


def test_a_missing_photo_does_not_hide_the_rows_other_errors(database, tmp_path):
    """Every error of a row is reported in one go, a missing photo file among them."""
    blank = template(database, tmp_path)
    names = headers(openpyxl.load_workbook(blank)["经费保障"])
    row: list[object] = [None] * len(names)
    row[names.index("日期")] = date(2018, 7, 2)
    row[names.index("填报单位")] = "办公室（政治处）"
    row[names.index("金额（元）")] = "一千五"  # not a number
    row[names.index("照片文件")] = "missing.jpg"  # no such file beside the workbook
    bad = fill(blank, tmp_path / "台账.xlsx", "经费保障", [row])
    before = dump(database)
    with pytest.raises(ImportRefused) as refused, database.session() as s:
        import_ledger_workbook(s, database.attachments, bad)
    columns = {column for _sheet, _row, column, _message in refused.value.result.errors}
    assert {"照片文件", "金额（元）", "标题"} <= columns, refused.value.result.errors
    assert dump(database) == before
