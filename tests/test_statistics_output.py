"""The county's statistics table written as .xlsx and PDF (app/reports/statistics_xlsx.py,
statistics_pdf.py) from a StatisticsTable built by hand, read back with openpyxl and pypdf."""

from __future__ import annotations

import os
import re
import stat
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.reports.statistics_pdf import write_statistics_pdf
from app.reports.statistics_xlsx import write_statistics_xlsx
from app.services.errors import UserError
from app.services.statistics_table import FigureColumn, StatisticsRow, StatisticsTable

COLUMNS = (
    FigureColumn("visits", "走访次数", "次"),
    FigureColumn("people", "帮教人数", "人"),
    FigureColumn("hours", "公益活动时长", "小时"),
    FigureColumn("money", "帮扶资金", "万元"),
)
NAMES = [
    "办公室（政治处）", "社区矫正管理局", "法律援助中心", "公证处", "鹤城司法所", "油竹司法所",
    "温溪司法所", "船寮司法所", "青田县司法局驻县人民法院诉讼服务中心人民调解工作室（诉前调解）",
    "仁庄司法所", "海口司法所", "堃喆司法所",
]  # fmt: skip
NOT_REPORTED, LATE, DRAFT, LONG = 3, 5, 7, 8  # positions in NAMES
COUNTED = ("已提交", "已受理")
ISSUER = "青田县社区矫正工作领导小组办公室"


def _row(n: int, name: str) -> StatisticsRow:
    if n == NOT_REPORTED:
        return StatisticsRow(name, (None, None, None, None), "未报", None, False)
    values = (n + 3, 10 * n + 2, 1.5 * n + 0.5, round(0.25 * n + 0.1, 2))
    if n == DRAFT:
        return StatisticsRow(name, values, "草稿", None, None)
    status = "已受理" if n % 2 else "已提交"
    submitted = date(2018, 10, 8) if n == LATE else date(2018, 10, 3)
    return StatisticsRow(name, values, status, submitted, n != LATE)


def make_table(units: int = len(NAMES), columns: tuple[FigureColumn, ...] = COLUMNS) -> StatisticsTable:  # fmt: skip
    """A month's table: ``units`` units, one 未报, one late, one 草稿, one long name."""
    names = NAMES + [f"第{n}司法所" for n in range(len(NAMES) + 1, units + 1)]
    rows = tuple(_row(n, name) for n, name in enumerate(names[:units]))
    rows = tuple(
        StatisticsRow(r.unit, r.values[: len(columns)], r.status, r.submitted_on, r.on_time)
        for r in rows
    )
    counted = [r for r in rows if r.status in COUNTED]
    totals = tuple(sum(r.values[i] for r in counted) for i in range(len(columns)))
    due = [r for r in rows if r.on_time is not None]
    return StatisticsTable(
        title="青田县大帮教工作统计月报汇总表", report_name="大帮教工作统计月报",
        period_label="2018年9月", period_start=date(2018, 9, 1), period_end=date(2018, 9, 30),
        due_on=date(2018, 10, 5), columns=columns, rows=rows, totals=totals,
        reported=len(counted), expected=len(rows),
        on_time_rate=sum(1 for r in due if r.on_time) / len(due), issuer=ISSUER,
        made_on=date(2018, 10, 10),
    )  # fmt: skip


def _flat(text: str) -> str:
    """Extracted text without the line breaks and spaces a wrapped cell puts in it."""
    return re.sub(r"\s+", "", text)


def _fonts_embedded(reader: PdfReader) -> set[str]:
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (
                descendants[0].get_object()["/FontDescriptor"]
                if descendants
                else font.get("/FontDescriptor")
            )
            assert descriptor is not None, font["/BaseFont"]
            descriptor = descriptor.get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add(str(font["/BaseFont"]))
    return fonts


# ------------------------------------------------------------------------------------- PDF


def test_pdf_has_title_units_totals_rate_and_closing(tmp_path: Path) -> None:
    table = make_table()
    out = tmp_path / "汇总表.pdf"
    write_statistics_pdf(table, out)
    reader = PdfReader(out)
    pages = [page.extract_text() for page in reader.pages]
    text = _flat("".join(pages))
    assert "青田县大帮教工作统计月报汇总表" in text
    assert "（2018年9月）" in text
    assert "统计期间：2018年9月1日至2018年9月30日" in text and "报送截止：2018年10月5日" in text
    assert "走访次数（次）" in text and "公益活动时长（小时）" in text
    for row in table.rows:
        assert _flat(row.unit) in text, row.unit  # the long one wrapped, the rare 堃喆 drawn
    # 合计 over the counted rows, each column with its decimals
    assert "合计" in text
    visits, people, hours, money = table.totals
    assert isinstance(visits, int) and f"合计{visits}{people}{hours:.1f}{money:.2f}" in text
    assert "应报12个单位，已报10个（按时9个、逾期1个），未报2个；按时上报率81.8%" in text
    assert "填表人：" in text and "审核人：" in text and "联系电话：" in text
    assert "逾期" in text and "未报" in text and "未到期" in text
    assert ISSUER in text and "2018年10月10日" in text
    assert len(_fonts_embedded(reader)) >= 2  # 小标宋 title, 仿宋 cells, 黑体 headers…
    # the 落款 never alone: the last page has units' rows, the 合计 and the closing lines
    last = _flat(pages[-1])
    assert NAMES[-1] in last and "合计" in last and ISSUER in last
    assert reader.metadata is not None and "2018年9月" in str(reader.metadata.title)


def test_pdf_60_units_split_over_pages_with_the_header_repeated(tmp_path: Path) -> None:
    table = make_table(60)
    out = tmp_path / "t.pdf"
    write_statistics_pdf(table, out)
    reader = PdfReader(out)
    assert len(reader.pages) >= 3
    pages = [_flat(page.extract_text()) for page in reader.pages]
    header = "序号单位走访次数（次）帮教人数（人）"
    for number, text in enumerate(pages[1:], start=2):
        assert text.startswith(header), number  # the header repeated at the top of page 2…
        assert "是否按时" in text
    second_units = re.findall(r"第(\d+)司法所", pages[1])
    assert second_units and int(second_units[0]) > len(NAMES)  # …over the rows that go on
    text = "".join(pages)
    for n in range(len(NAMES) + 1, 61):
        assert text.count(f"第{n}司法所") == 1, n  # every unit once
    assert "合计" not in "".join(pages[:-1]) and "合计" in pages[-1]
    assert re.search(r"第\d+司法所", pages[-1])  # rows with the 合计 and the 落款
    assert ISSUER in pages[-1] and f"应报60个单位，已报{table.reported}个" in pages[-1]
    assert f"—{len(reader.pages)}—" in pages[-1]  # page numbers


def test_pdf_turns_the_page_only_when_the_columns_need_it(tmp_path: Path) -> None:
    wide, narrow = tmp_path / "wide.pdf", tmp_path / "narrow.pdf"
    write_statistics_pdf(make_table(), wide)
    write_statistics_pdf(make_table(columns=COLUMNS[:2]), narrow)
    box = PdfReader(wide).pages[0].mediabox
    assert box.width > box.height  # four figures: landscape A4
    box = PdfReader(narrow).pages[0].mediabox
    assert box.width < box.height  # two fit the upright page
    assert round(float(box.width)) == 595
    assert "走访次数（次）" in _flat(PdfReader(narrow).pages[0].extract_text())


def test_pdf_is_owner_only_and_a_bad_folder_is_told(tmp_path: Path) -> None:
    out = tmp_path / "t.pdf"
    write_statistics_pdf(make_table(), out)
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with pytest.raises(UserError, match="不存在"):
        write_statistics_pdf(make_table(), tmp_path / "missing" / "t.pdf")
    assert not (tmp_path / "missing").exists()


# ------------------------------------------------------------------------------------ xlsx


def _total_row(sheet) -> int:  # type: ignore[no-untyped-def]
    return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "合计")


def test_xlsx_values_in_their_cells(tmp_path: Path) -> None:
    table = make_table()
    out = tmp_path / "汇总表.xlsx"
    write_statistics_xlsx(table, out)
    sheet = load_workbook(out).active
    assert sheet["A1"].value == table.title and "A1:I1" in sheet.merged_cells
    assert sheet["A2"].value == "（2018年9月）"
    assert sheet["A3"].value.startswith("统计期间：2018年9月1日至2018年9月30日")
    assert "报送截止：2018年10月5日" in sheet["A3"].value
    header = [str(c.value).replace("\n", "") for c in sheet[4]]
    assert header == ["序号", "单位", "走访次数（次）", "帮教人数（人）", "公益活动时长（小时）",
                      "帮扶资金（万元）", "状态", "报送日期", "是否按时"]  # fmt: skip
    for n, row in enumerate(table.rows):
        cells = [c.value for c in sheet[5 + n]]
        assert cells[0] == n + 1 and cells[1] == row.unit
        assert cells[2:6] == list(row.values)  # numbers as numbers (None: an empty cell)
        for value, cell in zip(row.values, sheet[5 + n][2:6], strict=True):
            assert cell.value == value  # a number (None: an empty cell where 未报)
            assert value is None or (cell.data_type == "n" and not isinstance(cell.value, str))
        assert cells[6] == row.status
        expected_date = datetime.combine(row.submitted_on, datetime.min.time()) if row.submitted_on else None  # fmt: skip
        assert cells[7] == expected_date
        assert cells[8] == {True: "按时", False: "逾期", None: "未到期"}[row.on_time]
    assert isinstance(sheet.cell(5, 3).value, int) and isinstance(sheet.cell(5, 5).value, float)
    assert sheet.cell(5, 6).number_format == "0.00" and sheet.cell(5, 3).number_format == "0"
    missing = 5 + NOT_REPORTED
    assert all(sheet.cell(missing, c).value is None for c in range(3, 7))
    assert sheet.cell(missing, 7).value == "未报"
    assert sheet.cell(missing, 7).fill.fgColor.rgb.endswith("D9D9D9")
    assert sheet.cell(5, 7).fill.fgColor.rgb in ("00000000", None)  # only 未报 is shaded
    late = sheet.cell(5 + LATE, 9)
    assert late.value == "逾期" and late.font.color.rgb.endswith("C00000")
    assert sheet.cell(5, 9).font.color is None or not sheet.cell(5, 9).font.color.rgb.endswith("C00000")  # fmt: skip


def test_xlsx_total_row_rate_and_closing(tmp_path: Path) -> None:
    table = make_table()
    out = tmp_path / "t.xlsx"
    write_statistics_xlsx(table, out)
    sheet = load_workbook(out).active
    total = _total_row(sheet)
    assert total == 5 + len(table.rows)
    counted = [5 + n for n, r in enumerate(table.rows) if r.status in COUNTED]
    for column in range(3, 7):
        summed = sum(sheet.cell(r, column).value for r in counted)
        assert sheet.cell(total, column).value == pytest.approx(summed)
        assert sheet.cell(total, column).value == round(table.totals[column - 3], 9)
    assert table.totals[3] != 15.0 and sheet.cell(total, 6).value == 15.0  # no binary-sum noise
    draft = sheet.cell(5 + DRAFT, 3).value
    assert draft is not None  # a draft's figures show, but are not in the 合计
    assert sheet.cell(total, 3).value == sum(sheet.cell(r, 3).value for r in counted)
    below = [sheet.cell(r, c).value for r in range(total + 1, sheet.max_row + 1)
             for c in range(1, 10) if sheet.cell(r, c).value]  # fmt: skip
    assert (
        below[0]
        == "应报 12 个单位，已报 10 个（按时 9 个、逾期 1 个），未报 2 个；按时上报率 81.8%"
    )
    assert "“已提交”、“已受理”" in below[1]
    assert below[2] == "填表人：\u3000\u3000\u3000\u3000审核人：\u3000\u3000\u3000\u3000联系电话："
    assert below[-2:] == [ISSUER, "制表日期：2018年10月10日"]


def test_xlsx_print_setup_and_frozen_header(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    write_statistics_xlsx(make_table(60), out)
    sheet = load_workbook(out).active
    assert sheet.freeze_panes == "C5"
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and str(setup.paperSize) == "9"  # A4
    assert setup.fitToWidth == 1 and setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$4:$4"  # the header row on every printed page
    assert str(sheet.print_area).endswith("!$A$1:$I$71")  # the table and its 落款
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_xlsx_bad_folder_is_told_and_nothing_written(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="不存在"):
        write_statistics_xlsx(make_table(), tmp_path / "missing" / "t.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_pdf_many_figures_are_set_smaller_within_the_turned_page(tmp_path: Path) -> None:
    from app.reports.official import styles
    from app.reports.statistics_pdf import CELL_SIZE, TURNED_WIDTH, layout

    labels = ["走访次数", "帮教人数", "个别谈话", "公益活动时长", "帮扶资金", "联席会议",
              "安置帮教人数", "重新犯罪人数", "心理辅导", "技能培训", "就业推荐", "法治宣传"]  # fmt: skip
    columns = tuple(FigureColumn(f"k{n}", label, "人次") for n, label in enumerate(labels))
    rows = tuple(
        StatisticsRow(f"第{n}司法所", tuple(1000.5 * n + k for k in range(12)), "已提交",
                      date(2018, 10, 3), True)
        for n in range(1, 6)
    )  # fmt: skip
    totals = tuple(sum(r.values[k] for r in rows) for k in range(12))  # type: ignore[misc]
    table = make_table()
    table = StatisticsTable(
        **{**table.__dict__, "columns": columns, "rows": rows, "totals": totals}
    )
    how = layout(table, styles())
    assert how.turned and how.size < CELL_SIZE
    assert sum(how.widths) == pytest.approx(TURNED_WIDTH)  # nothing past the text block
    out = tmp_path / "t.pdf"
    write_statistics_pdf(table, out)
    text = _flat(PdfReader(out).pages[0].extract_text())
    for label in labels:
        assert f"{label}（人次）" in text
    assert f"{totals[-1]:.1f}" in text
    # four figures fit the turned page in 五号
    assert layout(make_table(), styles()).size == CELL_SIZE


SIX = (
    FigureColumn("a", "开展帮教活动次数", "次"), FigureColumn("b", "服务社区矫正对象人次", "人次"),
    FigureColumn("c", "走访结对司法所次数", "次"), FigureColumn("d", "办理法律援助件数", "件"),
    FigureColumn("e", "修心教育法律讲座场次", "场"), FigureColumn("f", "新增帮教志愿者人数", "人"),
)  # fmt: skip
SIXTEEN = [
    "办公室（政治处）", "法制宣传科", "行政法制科", "基层科", "公证管理科、公证处", "律师管理科",
    "法律援助中心", "腊口司法所", "海口司法所", "船寮司法所", "东源司法所", "北山司法所",
    "鹤城司法所", "山口司法所", "温溪司法所", "仁庄司法所",
]  # fmt: skip


def test_a_sixteen_unit_monthly_table_fits_one_page_with_its_closing(tmp_path: Path) -> None:
    """Qingtian's month (16 units, 6 figures), one report in before the due day: the table,
    the counts said plainly, the signers' line and the 落款 on one page."""
    rows = tuple(
        StatisticsRow(name, (3, 8, 0, 1, 2, 0), "已受理", date(2026, 12, 1), True)
        if name == "法律援助中心"
        else StatisticsRow(name, (1, 1, 1, 1, 1, 1), "已退回", date(2026, 12, 1), None)
        if name == "律师管理科"
        else StatisticsRow(name, (None,) * 6, "未报", None, None)
        for name in SIXTEEN
    )
    table = StatisticsTable(
        title="青田县大帮教工作统计月报汇总表", report_name="大帮教工作统计月报",
        period_label="2026年11月", period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
        due_on=date(2026, 12, 5), columns=SIX, rows=rows, totals=(3, 8, 0, 1, 2, 0), reported=1,
        expected=16, on_time_rate=1.0, issuer=ISSUER, made_on=date(2026, 12, 1),
    )  # fmt: skip
    out = tmp_path / "十一月.pdf"
    write_statistics_pdf(table, out)
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    text = _flat(reader.pages[0].extract_text())
    assert "仁庄司法所" in text and "合计" in text and ISSUER in text and "2026年12月1日" in text
    assert "应报16个单位，已报1个（按时1个、逾期0个），未报15个；报送截止日未到" in text
    assert "100.0%" not in text  # no rate over the one report in before the due day
    assert "填表人：" in text and "联系电话：" in text
    assert "2026年11月" in text
    assert "已退回2026-12-01待重报" in text  # returned: not reported until sent again
