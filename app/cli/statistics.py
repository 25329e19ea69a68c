"""`statistics` subcommands: the units' statistics reports (月报/季报) and the county's
aggregated table (全县统计汇总表) as PDF and Excel."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from app.cli.arguments import day, output_file
from app.services.errors import UserError


def add_parsers(commands, make_parser) -> None:
    """Add `statistics list` and `statistics table` to the subcommands."""
    statistics = make_parser(
        "statistics", commands, help="统计报表（月报、季报）：列表、全县汇总表",
        description="统计报表（月报、季报）相关操作。报表的格式由方案模板的 [statistics] 规定。",
    )  # fmt: skip
    actions = statistics.add_subparsers(dest="statistics_command", title="操作")
    listing = make_parser("list", actions, help="列出各单位各期报表的状态",
                          description="列出各单位各期统计报表的状态、报送期限、提交日期和是否逾期，"
                                      "以及按时报送率。")  # fmt: skip
    listing.add_argument("--unit", metavar="单位", help="只列这个单位，如 法律援助中心")
    listing.add_argument("--date", metavar="YYYY-MM-DD", help="按哪一天判断逾期；默认今天")
    table = make_parser("table", actions, help="生成全县统计汇总表（PDF、Excel）",
                        description="按一张报表、一个统计期间汇总各单位已提交、已受理的报表，"
                                    "生成全县统计汇总表（报市矫正办）。")  # fmt: skip
    table.add_argument("--report", required=True, metavar="报表", help="报表标识，如 monthly")
    table.add_argument("--period", required=True, metavar="期间",
                       help="统计期间：月报写 2018-09，季报写 2018-Q3")  # fmt: skip
    table.add_argument("--out", metavar="FILE.pdf", help="输出的 PDF 文件")
    table.add_argument("--xlsx", metavar="FILE.xlsx", help="输出的 Excel 文件")
    table.add_argument("--date", metavar="YYYY-MM-DD", help="制表日期；默认今天")
    statistics.set_defaults(statistics_help=statistics.print_help)


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run a `statistics` subcommand."""
    if args.statistics_command is None:
        args.statistics_help()
        return 2
    today = day(args.date, "--date") or date.today()
    if args.statistics_command == "list":
        return _list(args, open_existing, today)
    pdf = output_file(args.out, ".pdf")
    xlsx = output_file(args.xlsx, ".xlsx")
    if pdf is None and xlsx is None:
        raise UserError("请用 --out 指定输出的 PDF 文件，或用 --xlsx 指定 Excel 文件。")
    from app.reports.statistics_pdf import write_statistics_pdf as write_pdf
    from app.reports.statistics_xlsx import write_statistics_xlsx as write_xlsx
    from app.services import statistics_reports as sr

    database = open_existing(args.db)
    try:
        with database.session() as session:
            table = sr.county_table(session, args.report, args.period, made_on=today)
        written: list[Path] = []
        for path, write in ((pdf, write_pdf), (xlsx, write_xlsx)):
            if path is not None:
                write(table, path)
                written.append(path)
        rate = "—" if table.on_time_rate is None else f"{table.on_time_rate * 100:.0f}%"
        print(f"已生成{table.title}（{table.period_label}，已报 {table.reported}/{table.expected}，"
              f"按时报送率 {rate}）：{'、'.join(str(p) for p in written)}")  # fmt: skip
        return 0
    finally:
        database.close()


def _list(args: argparse.Namespace, open_existing, today: date) -> int:
    from sqlalchemy import select

    from app.models import Unit
    from app.services import statistics_reports as sr
    from app.services.settings import required_programme

    database = open_existing(args.db)
    try:
        with database.session() as session:
            programme = required_programme(session)
            if not sr.report_forms(session, programme.id):
                print("本方案的模板没有统计报表（[statistics]）。")
                return 0
            if args.unit:
                unit = session.scalar(select(Unit).where(Unit.name == args.unit.strip()))
                if unit is None:
                    raise UserError(f"没有名为“{args.unit}”的单位。")
                rows = sr.unit_rows(session, programme.id, unit.id, today)
                if not rows:
                    print(f"{unit.name}不报送统计报表。")
                    return 0
                rate = sr.on_time_rate(rows, today)
            else:
                rows = sr.all_rows(session, programme.id, today)
                rows.sort(key=lambda r: (r.period.due_on, r.form_key), reverse=True)
                rate = sr.county_rate(session, programme.id, today)
        print("报表\t期间\t单位\t状态\t报送期限\t提交日期\t提示")
        for row in rows:
            print("\t".join((row.form_name, row.period.label, row.unit, row.status,
                             row.due_on.isoformat(),
                             row.submitted_on.isoformat() if row.submitted_on else "",
                             row.mark(today))))  # fmt: skip
        print(f"按时报送率（截至 {today.isoformat()}）：{rate.text}")
        return 0
    finally:
        database.close()
