"""`bulletin`: the progress bulletin (进度通报) as PDF and/or Excel for a date; `bulletin
publish` (发布, the county's PC), `bulletin list` and `bulletin reprint` (from the frozen copy)."""

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
        help="期号（第 N 期）；不指定时接着已发布的最后一期，尚未发布时按模板 [bulletin] first_issue 起每月一期编号（其他年度从第 1 期起）",
    )  # fmt: skip
    bulletin.add_argument("--out", metavar="FILE.pdf", help="PDF 文件")
    bulletin.add_argument("--xlsx", metavar="FILE.xlsx", help="Excel 文件")
    add_docx_argument(bulletin)
    actions = bulletin.add_subparsers(dest="bulletin_command", title="子命令（不写时生成通报文件）")
    publish = make_parser("publish", actions, help="发布通报（县矫正办）",
                          description="发布截至某日的进度通报：冻结通报内容并登记期号，随县矫正办的数据包"
                                      "发给各科室和司法所。期号接着上一期编排。")  # fmt: skip
    publish.add_argument("--date", dest="publish_date", metavar="YYYY-MM-DD", required=True,
                         help="通报截至日期")  # fmt: skip
    publish.add_argument("--number", metavar="N", help="期号；不指定时为上一期加一")
    make_parser("list", actions, help="列出已发布的通报",
                description="列出本年度已发布的进度通报：期号、截至日期、发布日期。")  # fmt: skip
    reprint = make_parser("reprint", actions, help="重新打印已发布的通报",
                          description="按发布时冻结的内容重新生成某期通报（数字与发布时相同）。")  # fmt: skip
    reprint.add_argument("--number", metavar="N", required=True, help="期号")
    reprint.add_argument("--out", dest="reprint_out", metavar="FILE.pdf", help="PDF 文件")
    reprint.add_argument("--xlsx", dest="reprint_xlsx", metavar="FILE.xlsx", help="Excel 文件")
    reprint.add_argument("--docx", dest="reprint_docx", metavar="FILE.docx", help="Word 文件")


def _number(text: str | None, option: str = "--number") -> int | None:
    if text is None:
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise UserError(f"期号应是正整数，如 {option} 3：“{text}”。")
    return int(text)


def _issued(args: argparse.Namespace, open_existing) -> int:
    """`bulletin publish`, `bulletin list`, `bulletin reprint`."""
    from app.services import issued_bulletins
    from app.services.settings import required_programme

    command = args.bulletin_command
    as_of = None
    if command == "publish":
        try:
            as_of = date.fromisoformat(args.publish_date)
        except ValueError:
            raise UserError(f"日期“{args.publish_date}”无效，应写成 2018-09-30 这样。") from None
    number = _number(getattr(args, "number", None))
    targets: dict[str, Path] = {}
    if command == "reprint":
        for key, value, suffix in (("pdf", args.reprint_out, ".pdf"),
                                   ("xlsx", args.reprint_xlsx, ".xlsx"),
                                   ("docx", args.reprint_docx, ".docx")):  # fmt: skip
            if value:
                if Path(value).suffix.lower() != suffix:
                    raise UserError(f"文件名应以 {suffix} 结尾：“{value}”。")
                targets[key] = Path(value).expanduser()
        if not targets:
            raise UserError("请用 --out 指定 PDF 文件，或用 --xlsx、--docx 指定 Excel、Word 文件。")
    database = open_existing(args.db)
    try:
        with database.session() as session:
            from app.services.programme import programme_holding

            programme = (programme_holding(session, as_of) if as_of else None) or (
                required_programme(session)
            )
            if command == "publish":
                assert as_of is not None
                issued = issued_bulletins.publish(session, programme.id, as_of, number)
                print(f"已发布第{issued.number}期进度通报（截至{as_of.isoformat()}），"
                      "将随县矫正办的数据包发给各单位。")  # fmt: skip
                return 0
            if command == "list":
                rows = issued_bulletins.issued_rows(session, programme.id)
                if not rows:
                    print("本年度还没有发布过进度通报。")
                for row in reversed(rows):
                    print(f"{row.label}\t截至 {row.as_of.isoformat()}\t"
                          f"{row.issued_on.isoformat()} 发布\t{row.title}")  # fmt: skip
                return 0
            assert number is not None
            issued = issued_bulletins.issued_by_number(session, programme.id, number)
            bulletin = issued_bulletins.bulletin_of(session, issued.id)
        _write(bulletin, targets.get("pdf"), targets.get("xlsx"), targets.get("docx"))
        return 0
    finally:
        database.close()


def _write(bulletin, pdf: Path | None, xlsx: Path | None, word: Path | None) -> None:
    if pdf:
        from app.reports.bulletin_pdf import render_bulletin_pdf

        write_file(pdf, render_bulletin_pdf(bulletin))
        print(f"已生成进度通报 PDF：{pdf}")
    if xlsx:
        from app.reports.bulletin_xlsx import render_bulletin_xlsx

        write_file(xlsx, render_bulletin_xlsx(bulletin))
        print(f"已生成进度通报 Excel：{xlsx}")
    if word is not None:
        from app.reports.docx.bulletin import render_bulletin_docx

        write_file(word, render_bulletin_docx(bulletin))
        print(f"已生成进度通报 Word：{word}")


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run `bulletin` (or its `publish`, `list`, `reprint`)."""
    if getattr(args, "bulletin_command", None):
        return _issued(args, open_existing)
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
        _write(bulletin, Path(args.out).expanduser() if args.out else None,
               Path(args.xlsx).expanduser() if args.xlsx else None, word)  # fmt: skip
        return 0
    finally:
        database.close()
