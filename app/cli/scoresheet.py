"""`scoresheet`: a department's 评分表 (or every department's, a page each) as PDF."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from app.services.errors import UserError, write_file


def add_parsers(commands, make_parser) -> None:
    """Add `scoresheet` to the subcommands."""
    sheet = make_parser("scoresheet", commands, help="考核评分表 PDF",
                        description="生成某科室（或全部科室，每科室一页）的考核评分表 PDF："
                                    "工作类别、考核内容、评分标准、分值、得分。")  # fmt: skip
    which = sheet.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", metavar="名称", help="科室名称，如 法律援助中心")
    which.add_argument("--all", action="store_true", help="全部科室（按名次，每科室一页）")
    sheet.add_argument("--out", metavar="FILE.pdf", required=True, help="PDF 文件")
    sheet.add_argument(
        "--date", metavar="YYYY-MM-DD", help="考核截至日期，默认今天（移入方案年度）"
    )


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run `scoresheet`."""
    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".pdf":
        raise UserError(f"PDF 文件名应以 .pdf 结尾：“{args.out}”。")
    try:
        today = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        raise UserError(f"日期“{args.date}”无效，应写成 2018-09-30 这样。") from None
    from app.services.assessment import score_sheets
    from app.services.period import programme_period
    from app.services.settings import required_programme

    database = open_existing(args.db)
    try:
        with database.session() as session:
            programme = required_programme(session)
            day = programme_period(session, programme.id).as_of(today)
            sheets = score_sheets(session, programme.id, day, None if args.all else args.unit)
        from app.reports.scoresheet_pdf import render_scoresheet_pdf

        write_file(out, render_scoresheet_pdf(sheets))
        names = "；".join(f"{s.score.name} {s.score.total:.2f} 分" for s in sheets)
        print(f"已生成评分表 PDF（截至 {day:%Y-%m-%d}，{len(sheets)} 个科室：{names}）：{args.out}")
        return 0
    finally:
        database.close()
