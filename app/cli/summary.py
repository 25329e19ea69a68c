"""`summary` subcommands: a department's summary PDF and the county's report PDF."""

from __future__ import annotations

import argparse

from app.cli.arguments import day, output_file
from app.cli.word import add_docx_argument, docx_target
from app.services.errors import UserError, write_file


def add_parsers(commands, make_parser) -> None:
    """Add `summary pdf` and `summary county` to the subcommands."""
    summary = make_parser(
        "summary", commands, help="阶段总结：生成 PDF", description="阶段总结相关操作。"
    )
    actions = summary.add_subparsers(dest="summary_command", title="操作")
    pdf = make_parser("pdf", actions, help="生成一个科室的总结 PDF",
                      description="生成科室的阶段（或全年）总结 PDF；尚未提交的带“草稿”水印。"
                                  "还没有开始写的，按台账数据生成初稿。")  # fmt: skip
    pdf.add_argument(
        "--department", required=True, metavar="科室", help="科室名称，如 法律援助中心"
    )
    pdf.add_argument(
        "--phase", metavar="阶段", default="全年", help="阶段名称，如 总结提升；默认 全年"
    )
    pdf.add_argument("--out", metavar="FILE.pdf", help="输出文件")
    add_docx_argument(pdf)
    county = make_parser("county", actions, help="生成全县汇总 PDF（报市矫正办）",
                         description="生成全县汇总报告 PDF：封面、目录、县矫正办的全县总结、目标完成情况、"
                                     "考核得分和排名、责任状签订、月度例会、各科室指标、总结报送情况、"
                                     "各科室总结、品牌创建、督查整改（逾期标明）、落款和图片资料附件。")  # fmt: skip
    county.add_argument("--phase", metavar="阶段", help="阶段名称；默认为有报送截止日期的阶段")
    county.add_argument("--as-of", metavar="YYYY-MM-DD", dest="as_of",
                        help="统计截至日期；默认为该阶段的报送截止日期与今天中较早的一天")  # fmt: skip
    county.add_argument("--out", metavar="FILE.pdf", help="输出文件")
    add_docx_argument(county)
    summary.set_defaults(summary_help=summary.print_help)


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run a `summary` subcommand."""
    if args.summary_command is None:
        args.summary_help()
        return 2
    word = docx_target(args)
    if not args.out and word is None:
        raise UserError("请用 --out 指定输出的 PDF 文件（或用 --docx 指定 Word 文件）。")
    out = output_file(args.out, ".pdf")
    as_of = day(args.as_of, "--as-of") if args.summary_command == "county" else None
    from app.reports.docx.summary import render_county_docx, render_department_docx
    from app.reports.summary_pdf import render_county_summary, render_department_summary
    from app.services import summaries
    from app.services.agreements import department_id_by_name
    from app.services.dates import DatePurpose, range_for
    from app.services.settings import required_programme
    from app.services.summary_reports import county_report, department_report

    database = open_existing(args.db)
    try:
        with database.session() as session:
            programme = required_programme(session)
            if args.summary_command == "pdf":
                department_id = department_id_by_name(session, args.department)
                phase_id = summaries.phase_by_name(session, programme.id, args.phase)
                begun = summaries.find_summary(session, programme.id, department_id, phase_id)
                summary = begun or summaries.start_summary(
                    session, programme.id, department_id, phase_id
                )
                report = department_report(session, database.attachments, summary.id)
                session.rollback()  # a PDF of a summary not yet begun leaves no draft behind
                data = render_department_summary(report) if out else b""
                word_data = render_department_docx(report) if word else b""
                state = report.status_label if begun else "尚未开始，按台账数据生成的初稿"
                what = f"{args.department}的总结（{state}）"
            else:
                phase_id = (summaries.phase_by_name(session, programme.id, args.phase)
                            if args.phase else summaries.summary_phase(session, programme.id))  # fmt: skip
                if as_of is not None:
                    range_for(session, programme.id, DatePurpose.WORK).check(
                        as_of, field="as_of", label="统计截至日期"
                    )
                county = county_report(session, database.attachments, programme.id, phase_id, as_of)
                data = render_county_summary(county) if out else b""
                word_data = render_county_docx(county) if word else b""
                what = (
                    f"全县汇总报告（已报送 {len(county.chapters)}/{len(county.statuses)} 个科室，"
                    f"统计截至 {county.as_of.isoformat()}）"
                )
        if out is not None:
            write_file(out, data)
            print(f"已生成{what}：{out}")
        if word is not None:
            write_file(word, word_data)
            print(f"已生成{what}的 Word 文件：{word}")
        return 0
    finally:
        database.close()
