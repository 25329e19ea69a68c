"""`programme list` and `programme new`: the programmes by year, and starting the next year."""

from __future__ import annotations

import argparse

from app.cli.arguments import day


def add_parsers(commands, make_parser) -> None:
    """Add `programme` to the subcommands."""
    programme = make_parser("programme", commands, help="实施方案（年度）：列出、开始新年度",
                            description="列出各年度的实施方案；从上一年度复制开始新年度。")  # fmt: skip
    actions = programme.add_subparsers(dest="programme_command", title="子命令", required=True)
    make_parser("list", actions, help="列出各年度的实施方案",
                description="列出各年度的实施方案（年度、标题、期间），标出当前方案。")  # fmt: skip
    new = make_parser("new", actions, help="开始新年度",
                      description="从某年度复制单位结对、职责、指标及目标值、实施阶段（日期顺延到新年度）、"
                      "责任状文本和考核方案，建立新年度的实施方案，并设为当前方案。"
                      "工作台账、责任状、总结和会议不复制，原年度不变。")  # fmt: skip
    new.add_argument("--year", metavar="年度", type=int, required=True, help="新年度，如 2019")
    new.add_argument(
        "--copy-from", metavar="年度", type=int, required=True, help="从哪个年度复制，如 2018"
    )
    new.add_argument("--start", metavar="YYYY-MM-DD", help="方案开始日期，默认新年度 1 月 1 日")
    new.add_argument("--end", metavar="YYYY-MM-DD", help="方案结束日期，默认新年度 12 月 31 日")  # fmt: skip


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run `programme list` or `programme new`."""
    from app.services.programme import list_programmes, new_programme

    start, end = (
        (day(args.start, "--start"), day(args.end, "--end"))
        if args.programme_command == "new"
        else (None, None)
    )
    database = open_existing(args.db)
    try:
        if args.programme_command == "list":
            with database.session() as session:
                rows = list_programmes(session)
            if not rows:
                print("数据库中还没有实施方案。")
            for row in rows:
                mark = "\t当前" if row.current else ""
                print(f"{row.year}\t{row.title}\t{row.start.isoformat()} 至 {row.end.isoformat()}{mark}")  # fmt: skip
            return 0
        with database.session() as session:
            programme = new_programme(
                session, year=args.year, copy_from_year=args.copy_from, start=start, end=end
            )
            first, last = programme.period
            print(f"已开始 {programme.year} 年度：{programme.title}")
            print(f"期间：{first.isoformat()} 至 {last.isoformat()}（已设为当前方案）")
        return 0
    finally:
        database.close()
