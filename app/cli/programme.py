"""`programme list`, `programme new` and `programme check`: the programmes by year, starting
the next year, and the check that every ledger entry belongs to the year its date lies in."""

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
    check = make_parser("check", actions, help="检查台账的年度归属",
                        description="列出记在别的年度名下的工作台账（台账属于其日期所在期间的年度）。"
                        "统计和列表都按日期计算，不受影响；--fix 改正本机单位自己的台账。")  # fmt: skip
    check.add_argument("--fix", action="store_true", help="改正本机单位自己的台账的年度归属")


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
        if args.programme_command == "check":
            return _check(database, args.fix)
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


def _check(database, fix: bool) -> int:
    from app.services.programme import fix_entry_assignment, misassigned_entries

    with database.session() as session:
        found = misassigned_entries(session)
        for item in found:
            year = f"{item.programme_year} 年度" if item.programme_year else "没有年度"
            belongs = f"{item.belongs_to_year} 年度" if item.belongs_to_year else "没有年度"
            print(
                f"台账 {item.entry_id}（{item.entry_date.isoformat()}）：记在{year}，应属{belongs}"
            )
        if not found:
            print("每条台账都记在其日期所在的年度。")
            return 0
        if not fix:
            print(f"共 {len(found)} 条；用 --fix 改正本机单位自己的台账。")
            return 0
        fixed, left = fix_entry_assignment(session)
    print(
        f"已改正 {fixed} 条。"
        + (f"另有 {left} 条是其他单位的台账，由各单位的电脑改正。" if left else "")
    )
    return 0
