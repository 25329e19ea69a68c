"""`statistics list` and `statistics table` on the command line."""

from __future__ import annotations

from datetime import date

from app.cli import main
from tests.conftest import open_unlocked
from tests.test_statistics_reports import _september


def test_list_shows_each_units_reports_with_lateness_and_the_rate(db_path, capsys):
    database = open_unlocked(str(db_path))
    _september(database, submitted_on=date(2018, 10, 6))
    database.close()
    code = main(["--db", str(db_path), "statistics", "list", "--unit", "法律援助中心",
                 "--date", "2018-10-10"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert (
        "大帮教工作统计月报\t2018年9月\t法律援助中心\t已提交\t2018-10-05\t2018-10-06\t逾期 1 天报送"
        in out
    )
    assert "大帮教工作统计月报\t2018年6月\t法律援助中心\t未报\t2018-07-05\t\t逾期 97 天未报" in out
    assert "大帮教工作统计季报\t2018年第三季度\t法律援助中心\t未报\t2018-10-10" in out
    assert "按时报送率（截至 2018-10-10）：按时 0/5（0%）" in out
    assert main(["--db", str(db_path), "statistics", "list", "--unit", "不存在的单位"]) == 2
    assert "没有名为“不存在的单位”的单位" in capsys.readouterr().err


def test_table_writes_the_county_table_as_pdf_and_excel(db_path, tmp_path, capsys):
    import openpyxl
    from pypdf import PdfReader

    database = open_unlocked(str(db_path))
    _september(database, submitted_on=date(2018, 10, 4))
    database.close()
    pdf, xlsx = tmp_path / "汇总.pdf", tmp_path / "汇总.xlsx"
    code = main(["--db", str(db_path), "statistics", "table", "--report", "monthly", "--period",
                 "2018-09", "--out", str(pdf), "--xlsx", str(xlsx), "--date", "2018-10-10"])  # fmt: skip
    assert code == 0, capsys.readouterr()
    assert "已报 1/16，按时报送率 6%" in capsys.readouterr().out
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages).replace("\n", "")
    assert "青田县大帮教工作统计月报汇总表" in text and "2018年9月" in text
    assert "法律援助中心" in text and "律师管理科" in text  # a unit that reported, one that did not
    book = openpyxl.load_workbook(xlsx)
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None]
    assert "青田县大帮教工作统计月报汇总表" in cells and "法律援助中心" in cells
    assert sum(c == "未报" for c in cells) == 15  # 16 units owe it, one reported


def test_table_refuses_bad_arguments_leaving_no_file(db_path, tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert main(["--db", str(db_path), "statistics", "table", "--report", "monthly",
                 "--period", "2018-09"]) == 2  # fmt: skip
    assert "请用 --out 指定" in capsys.readouterr().err
    assert main(["--db", str(db_path), "statistics", "table", "--report", "monthly",
                 "--period", "2018-09", "--out", str(tmp_path / "x.txt")]) == 2  # fmt: skip
    assert "应以 .pdf 结尾" in capsys.readouterr().err
    assert not out.exists()
