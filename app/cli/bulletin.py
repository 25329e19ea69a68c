"""`bulletin`: the progress bulletin (进度通报) as PDF and/or Excel for a date."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from app.cli.word import add_docx_argument, docx_target
from app.services.errors import UserError, write_file


def add_parsers(commands, make_parser) -> None:
    """Add `bulletin` to the subcommands."""
    bulletin = make_parser("bulletin", commands, help="生成进度通报（PDF / Excel）",
                           description="生成截至某日的进度通报：工作目标、各科室进度、考核得分与排名、"
                                       "得分说明、逾期事项和工作亮点。")  # fmt: skip
    bulletin.add_argument("--date", metavar="YYYY-MM-DD", help="通报截至日期，默认今天")
    bulletin.add_argument(
        "--issue", metavar="N",
        help="期号（第 N 期）；不指定时按模板 [bulletin] first_issue 起每月一期编号",
    )  # fmt: skip
    bulletin.add_argument("--out", metavar="FILE.pdf", help="PDF 文件")
    bulletin.add_argument("--xlsx", metavar="FILE.xlsx", help="Excel 文件")
    add_docx_argument(bulletin)


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run `bulletin`."""
    word = docx_target(args)
    if not args.out and not args.xlsx and word is None:
        raise UserError(
            "请用 --out 指定 PDF 文件，或用 --xlsx 指定 Excel 文件、--docx 指定 Word 文件（可同时指定）。"
        )
    if args.out and Path(args.out).suffix.lower() != ".pdf":
        raise UserError(f"PDF 文件名应以 .pdf 结尾：“{args.out}”。")
    if args.xlsx and Path(args.xlsx).suffix.lower() != ".xlsx":
        raise UserError(f"Excel 文件名应以 .xlsx 结尾：“{args.xlsx}”。")
    try:
        as_of = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        raise UserError(f"日期“{args.date}”无效，应写成 2018-09-30 这样。") from None
    issue = None
    if args.issue is not None:
        if not args.issue.strip().isdigit() or int(args.issue) < 1:
            raise UserError(f"期号应是正整数，如 --issue 3：“{args.issue}”。")
        issue = int(args.issue)
    from app.services.bulletin import build_bulletin
    from app.services.settings import required_programme

    database = open_existing(args.db)
    try:
        with database.session() as session:
            from app.services.programme import programme_holding

            # the year whose period holds the date, else the current one
            programme = programme_holding(session, as_of) or required_programme(session)
            bulletin = build_bulletin(session, programme.id, as_of, issue)
        if args.out:
            from app.reports.bulletin_pdf import render_bulletin_pdf

            write_file(Path(args.out).expanduser(), render_bulletin_pdf(bulletin))
            print(f"已生成进度通报 PDF：{args.out}")
        if args.xlsx:
            from app.reports.bulletin_xlsx import render_bulletin_xlsx

            write_file(Path(args.xlsx).expanduser(), render_bulletin_xlsx(bulletin))
            print(f"已生成进度通报 Excel：{args.xlsx}")
        if word is not None:
            from app.reports.docx.bulletin import render_bulletin_docx

            write_file(word, render_bulletin_docx(bulletin))
            print(f"已生成进度通报 Word：{word}")
        return 0
    finally:
        database.close()
