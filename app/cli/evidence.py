"""`ledger check`: the evidence-integrity 核查 list as an Excel workbook."""

from __future__ import annotations

import argparse

from app.cli.arguments import add_out_option, opened_database, required_output
from app.services.errors import UserError


def add_parser(actions, make_parser) -> None:
    """Add `ledger check` to the `ledger` subcommands."""
    check = make_parser(
        "check",
        actions,
        help="台账核查：同一照片重复使用、拍摄日期不符等，写成 Excel 文件",
        description="核查台账的佐证：同一照片（含缩放、另存的副本）用于多条台账、照片拍摄日期与"
        "活动日期相差过多、拍摄晚于台账登记、缺少拍摄信息、同日台账内容相同；"
        "把核查清单写成 Excel 文件（含已说明、已提出整改的处理状态）。",
    )
    add_out_option(check, ".xlsx", "核查清单文件")
    check.add_argument(
        "--days",
        metavar="天数",
        help="照片拍摄日期与活动日期最多相差的天数（默认取设置，未设置为 7 天）",
    )
    check.add_argument(
        "--all-years", action="store_true", help="核查所有年度的台账（默认只核查当前年度）"
    )


def run(args: argparse.Namespace, open_existing) -> int:
    """Run `ledger check`."""
    from app.reports.evidence_xlsx import write_evidence_xlsx
    from app.services import evidence_check
    from app.services.settings import current_programme

    out = required_output(args, ".xlsx")
    days = None
    if args.days is not None:
        try:
            days = int(args.days)
        except ValueError:
            raise UserError(f"--days 应为天数（整数），不能是“{args.days}”。") from None
        if not 1 <= days <= evidence_check.MAX_EXIF_DAYS:
            raise UserError(f"--days 应在 1 到 {evidence_check.MAX_EXIF_DAYS} 之间。")
    with opened_database(open_existing, args.db) as database, database.session() as session:
        programme = None if args.all_years else current_programme(session)
        days = evidence_check.exif_days(session) if days is None else days
        flags = evidence_check.check(
            session, database.attachments, days, programme.id if programme else None
        )
        count = write_evidence_xlsx(flags, out, days)
    open_count = sum(1 for f in flags if f.state == evidence_check.OPEN)
    print(f"核查发现 {count} 处问题（待处理 {open_count} 处），已写入 {out}")
    return 0
