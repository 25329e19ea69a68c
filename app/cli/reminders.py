"""`reminders pdf`: the 催办单 of a unit (or of every unit with items) as PDF."""

from __future__ import annotations

import argparse
from datetime import date

from app.cli.arguments import day as parse_day
from app.cli.arguments import output_file
from app.services.errors import write_file


def add_parsers(commands, make_parser) -> None:
    """Add `reminders` to the subcommands."""
    reminders = make_parser("reminders", commands, help="催办单（逾期和即将到期事项）",
                            description="逾期和即将到期的事项；催办单 PDF。")  # fmt: skip
    actions = reminders.add_subparsers(dest="reminders_command", title="子命令", required=True)
    pdf = make_parser("pdf", actions, help="生成催办单 PDF",
                      description="生成某单位（或所有有逾期、即将到期事项的单位，每单位一页）的催办单 PDF。")  # fmt: skip
    which = pdf.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", metavar="名称", help="单位名称，如 法律援助中心")
    which.add_argument("--all", action="store_true", help="所有有逾期或即将到期事项的单位")
    pdf.add_argument("--out", metavar="FILE.pdf", required=True, help="PDF 文件")
    pdf.add_argument("--date", metavar="YYYY-MM-DD", help="截至日期，默认今天（移入方案年度）")


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run `reminders pdf`."""
    out = output_file(args.out, ".pdf")
    assert out is not None  # --out is required
    today = parse_day(args.date, "--date") or date.today()
    from app.services.reminders import programme_day, reminder_notices
    from app.services.settings import required_programme

    database = open_existing(args.db)
    try:
        with database.session() as session:
            programme = required_programme(session)
            day = programme_day(session, programme.id, today)
            notices = reminder_notices(
                session, programme.id, day, None if args.all else args.unit, issued_on=today
            )
        from app.reports.reminder_pdf import render_reminder_pdf

        write_file(out, render_reminder_pdf(notices))
        units = "；".join(n.unit for n in notices)
        print(f"已生成催办单 PDF（{len(notices)} 个单位：{units}）：{args.out}")
        return 0
    finally:
        database.close()
