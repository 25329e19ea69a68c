"""`agreement` subcommands: PDFs of the responsibility agreements."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.word import add_docx_argument, docx_target
from app.services.errors import UserError, file_problem, write_file
from app.services.filenames import safe_file_name

COMBINED_NAME = "责任状汇编.pdf"


def add_parsers(commands, make_parser) -> None:
    """Add `agreement pdf` to the subcommands."""
    agreement = make_parser(
        "agreement", commands, help="责任状：生成 PDF", description="责任状相关操作。"
    )
    actions = agreement.add_subparsers(dest="agreement_command", title="操作")
    pdf = make_parser(
        "pdf",
        actions,
        help="生成责任状 PDF（一个科室，或全部科室）",
        description="生成责任状 PDF。已印发的责任状输出印发时的原件；尚未印发的输出草稿（带“草稿”水印）。",
    )
    which = pdf.add_mutually_exclusive_group(required=True)
    which.add_argument("--department", metavar="科室", help="科室名称，如 法律援助中心")
    which.add_argument("--all", action="store_true", help="全部科室")
    pdf.add_argument("--out", metavar="FILE.pdf", help="输出文件（与 --department 同用）")
    add_docx_argument(pdf)  # with --department
    pdf.add_argument(
        "--out-dir",
        metavar="DIR",
        help=f"输出文件夹（与 --all 同用，不存在时自动建立）：每个科室一个文件，另加 {COMBINED_NAME}",
    )
    pdf.add_argument(
        "--include-drafts",
        action="store_true",
        help=f"{COMBINED_NAME} 也收入草稿（默认只收已印发、已签署的责任状）",
    )
    agreement.set_defaults(agreement_help=agreement.print_help)


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run an `agreement` subcommand."""
    if args.agreement_command is None:
        args.agreement_help()
        return 2
    from app.reports.agreement_pdf import render_agreement_pdf, render_agreements_pdf
    from app.services import agreements
    from app.services.settings import required_programme

    word = docx_target(args)
    if word is not None and args.all:
        raise UserError("--docx 只能与 --department 同用（一个科室的责任状）。")
    if args.department and not args.out and word is None:
        raise UserError("请用 --out 指定输出的 PDF 文件（或用 --docx 指定 Word 文件）。")
    if args.department and args.out and not args.out.lower().endswith(".pdf"):
        raise UserError(f"输出文件名应以 .pdf 结尾：“{args.out}”。")
    if args.include_drafts and not args.all:
        raise UserError("--include-drafts 只与 --all 同用（决定汇编是否收入草稿）。")
    if args.all and not args.out_dir:
        raise UserError("请用 --out-dir 指定输出文件夹。")
    folder = Path(args.out_dir).expanduser() if args.all else None
    if folder is not None and folder.exists() and not folder.is_dir():
        raise UserError(f"“{args.out_dir}”是文件，不是文件夹。")
    database = open_existing(args.db)
    try:
        with database.session() as session:
            programme = required_programme(session)
            if args.department:
                department_id = agreements.department_id_by_name(session, args.department)
                latest = agreements.content_for_department(session, programme.id, department_id)
                row = next(
                    r
                    for r in agreements.list_agreements(session, programme.id)
                    if r.department_id == department_id
                )
                status = row.status_label if row.agreement_id is not None else "草稿，尚未建立"
                if args.out:
                    if row.agreement_id is not None:
                        data = agreements.agreement_pdf(
                            session, database.attachments, row.agreement_id
                        )
                    else:
                        data = render_agreement_pdf(latest)
                    out = Path(args.out).expanduser()
                    write_file(out, data)
                    print(f"已生成 {out}（{row.department}，{status}）")
                if word is not None:
                    from app.reports.docx.agreement import render_agreement_docx

                    write_file(word, render_agreement_docx(latest))
                    print(f"已生成 Word 文件 {word}（{row.department}，{status}）")
                return 0
            assert folder is not None  # --all: the group requires --department or --all
            try:  # made (with its parents) when it does not exist yet
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserError(file_problem(exc, folder, writing=True)) from None
            written = 0
            for department, data in agreements.department_pdfs(
                session, database.attachments, programme.id
            ):
                write_file(folder / safe_file_name(f"责任状-{department}.pdf"), data)
                written += 1
            book = agreements.compilation(session, programme.id, include_drafts=args.include_drafts)
            if not book["agreements"]:
                print(
                    f"已生成 {written} 份责任状到 {folder}。还没有已印发或已签署的责任状，"
                    f"未生成 {COMBINED_NAME}（如需收入草稿，请加 --include-drafts）。"
                )
                return 0
            write_file(folder / COMBINED_NAME, render_agreements_pdf(book))
            drafts = f"，其中草稿 {book['drafts']} 份" if book["drafts"] else ""
            print(
                f"已生成 {written} 份责任状和汇编 {COMBINED_NAME}"
                f"（收入 {len(book['agreements'])} 份{drafts}）到 {folder}"
            )
    finally:
        database.close()
    return 0
