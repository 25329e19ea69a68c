"""`audit` subcommand: the audit log (审计日志) to Excel, or its integrity check."""

from __future__ import annotations

import argparse

from app.cli.arguments import day, output_file
from app.services.errors import UserError


def add_parsers(commands, make_parser) -> None:
    """Add `audit`."""
    audit = make_parser(
        "audit", commands, help="审计日志：导出 Excel，或核对完整性",
        description="把审计日志（谁在何时对哪条记录做了什么，不含个人信息）导出为 Excel 文件，"
        "或用 --verify 核对日志是否完整（有无记录被删除或改动）。",
    )  # fmt: skip
    audit.add_argument("--out", metavar="FILE.xlsx", help="导出的 Excel 文件")
    audit.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="起始日期（含）")
    audit.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="截止日期（含）")
    audit.add_argument("--verify", action="store_true", help="核对审计日志的完整性")


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run `audit`: exit 0 when done (and the chain intact with --verify), 1 when broken."""
    out = output_file(args.out, ".xlsx")
    if out is None and not args.verify:
        raise UserError("请用 --out 指定导出的 Excel 文件，或用 --verify 核对完整性。")
    start, end = day(args.date_from, "--from"), day(args.date_to, "--to")
    if start and end and start > end:
        raise UserError("--from 的日期不能晚于 --to 的日期。")
    from app.services import audit

    database = open_existing(args.db)
    try:
        from app.services.accounts import require

        with database.session() as session:
            require(session, audit.READ)  # 管理员 and 负责人: refused with exit code 2
        code = 0
        if args.verify:
            with database.session() as session:
                check = audit.verify_chain(session)
            print(check.message)
            code = 0 if check.ok else 1
        if out is not None:
            from app.reports.audit_xlsx import write_audit_xlsx

            with database.session() as session:
                count = write_audit_xlsx(
                    session, out, audit.AuditFilter(date_from=start, date_to=end)
                )
            print(f"已导出审计日志 {count} 条：{out}")
        return code
    finally:
        database.close()
