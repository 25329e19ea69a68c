"""`ledger` subcommands: add an entry (checked as the GUI's form checks it), export to Excel,
bind a unit's entries of a period as a 台账卷 PDF."""

from __future__ import annotations

import argparse

from app.cli import evidence
from app.cli.arguments import (
    add_out_option,
    day,
    opened_database,
    output_file,
    required_output,
)
from app.services.errors import UserError

LEDGER_ADD_EPILOG = """说明：
  各活动类型的专有内容用 --field 代码=值 填写，可重复；字段代码见出错提示或下例。
  是否项填 是 或 否；日期填 2018-07-02 这样的形式；金额填 1500 或 1500.50。
  社区矫正对象（法律援助等类型）用 --subject-name、--subject-category、--subject-id、
  --subject-office 填写；列表和导出中身份证号码只显示前 4 位和后 4 位。
  校验与图形界面的表单完全相同：有任何一项不对都会列出全部问题，且不保存任何内容。

示例：
  main.py --db bangjiao.db ledger add --unit 法律援助中心 --kind 法律援助 --date 2018-07-02 \\
      --title 为矫正对象张某提供法律援助 --field applicant=张三 --field relation=本人 \\
      --field case_type=民事 --field approved_on=2018-07-01 --field result=办理中 \\
      --subject-name 张三 --subject-category 缓刑 --subject-id 331121198001010018 \\
      --subject-office 鹤城司法所 --photo 现场照片.jpg
  main.py --db bangjiao.db ledger add --unit 办公室（政治处） --kind funding \\
      --date 2018-03-01 --title 拨付社区矫正经费 --field amount=150000 --field purpose=专项经费"""


def add_parsers(commands, make_parser) -> None:
    """Add `ledger add`, `ledger export` and `ledger volume` to the subcommands."""
    ledger = make_parser(
        "ledger",
        commands,
        help="工作台账：登记（add）、导出为 Excel（export）、导入模板（template）、从 Excel 导入（import）、核查（check）、打印台账卷（volume）",
        description="工作台账：登记一条台账，把台账导出为 Excel 文件，从 Excel 工作簿批量导入，核查照片与内容，或把一个单位一段时间的台账装订成卷（PDF）。",
    )
    ledger.set_defaults(ledger_help=ledger.print_help)
    actions = ledger.add_subparsers(dest="ledger_command", title="子命令")

    add = make_parser(
        "add",
        actions,
        help="登记一条工作台账（与图形界面的表单同样校验）",
        description="登记一条工作台账。校验与图形界面的表单相同，有错时不保存任何内容。",
        epilog=LEDGER_ADD_EPILOG,
    )
    add.add_argument("--unit", required=True, metavar="单位", help="填报单位，如 法律援助中心")
    add.add_argument(
        "--kind",
        required=True,
        metavar="活动类型",
        help="活动类型的名称或代码，如 法律援助 或 legal_aid",
    )
    add.add_argument("--date", required=True, metavar="日期", help="活动日期，如 2018-07-02")
    add.add_argument("--title", required=True, metavar="标题", help="标题（不超过 200 字）")
    add.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="代码=值",
        help="活动类型的专有内容，如 applicant=张三（可重复）",
    )
    add.add_argument(
        "--photo",
        action="append",
        default=[],
        metavar="文件",
        help="照片（JPEG、PNG）或 PDF 文件（可重复）",
    )
    add.add_argument("--paired-office", metavar="司法所", help="结对司法所，如 鹤城司法所")
    add.add_argument("--served", default="0", metavar="人数", help="服务矫正对象人数（默认 0）")
    add.add_argument("--body", default="", metavar="文字", help="情况说明（不超过 5000 字）")
    add.add_argument("--subject-name", metavar="姓名", help="社区矫正对象姓名")
    add.add_argument(
        "--subject-category", metavar="类别", help="矫正类别：管制、缓刑、假释、暂予监外执行"
    )
    add.add_argument("--subject-id", metavar="身份证号码", help="社区矫正对象的 18 位身份证号码")
    add.add_argument("--subject-office", metavar="司法所", help="社区矫正对象所属司法所")

    export = make_parser(
        "export",
        actions,
        help="把工作台账导出为 Excel 文件（.xlsx）",
        description="把工作台账（按日期排序）导出为 Excel 文件；社区矫正对象的姓名（如“王*”）和"
        "身份证号码脱敏。"
        "不加条件时导出全部未删除的台账。",
    )
    add_out_option(export, ".xlsx", "导出的文件")
    export.add_argument("--unit", metavar="单位", help="只导出该单位填报的台账")
    export.add_argument("--kind", metavar="活动类型", help="只导出该活动类型（名称或代码）")
    export.add_argument(
        "--from", dest="date_from", metavar="日期", help="起始日期（含），如 2018-01-01"
    )
    export.add_argument(
        "--to", dest="date_to", metavar="日期", help="截止日期（含），如 2018-12-31"
    )
    export.add_argument("--text", default="", metavar="关键词", help="标题或情况说明中含有的文字")
    export.add_argument(
        "--full-names",
        action="store_true",
        help="写出社区矫正对象的完整姓名（默认脱敏为“王*”）；文件须妥善保管",
    )
    evidence.add_parser(actions, make_parser)

    template = make_parser(
        "template",
        actions,
        help="生成台账导入模板（.xlsx）",
        description="按台账表单定义生成导入模板：每种活动类型一个工作表，选项为下拉列表，附填写说明。",
    )
    add_out_option(template, ".xlsx", "模板文件")

    importer = make_parser(
        "import",
        actions,
        help="从 Excel 工作簿导入台账（全部成功才保存）",
        description="从导入模板（或含完整姓名的导出文件）导入台账。每行按表单同样校验；任何一行有错，"
        "全部不导入，并在工作簿旁生成逐行列明错误的工作簿，退出码 2。",
    )
    importer.add_argument("file", metavar="文件.xlsx", help="要导入的工作簿")
    importer.add_argument("--dry-run", action="store_true", help="只检查，不保存")
    importer.add_argument(
        "--errors", metavar="文件.xlsx", help="错误清单的文件（默认：工作簿旁的“…-错误清单.xlsx”）"
    )

    volume = make_parser(
        "volume",
        actions,
        help="把一个单位一段时间的台账装订成台账卷（PDF）",
        description="把一个单位一段时间的台账装订成台账卷（PDF）：封面、卷内目录，每件台账一页起，"
        "附照片；每件台账第一次装订时给定档号（年度-保管期限-机构代码-件号），以后不变。"
        "社区矫正对象的姓名和身份证号码脱敏。",
    )
    volume.add_argument("--unit", required=True, metavar="单位", help="填报单位，如 法律援助中心")
    volume.add_argument(
        "--from",
        dest="date_from",
        required=True,
        metavar="日期",
        help="起始日期（含），如 2018-07-01",
    )
    volume.add_argument(
        "--to", dest="date_to", required=True, metavar="日期", help="截止日期（含），如 2018-12-31"
    )
    add_out_option(volume, ".pdf", "台账卷 PDF 文件")
    volume.add_argument("--volume", default="1", metavar="卷号", help="卷号（默认 1）")


# What the form's error keys are called on the command line: label and option.
_COMMON_ITEMS = {
    "unit": ("填报单位", "--unit"),
    "kind": ("活动类型", "--kind"),
    "entry_date": ("日期", "--date"),
    "title": ("标题", "--title"),
    "subjects_served": ("服务矫正对象人数", "--served"),
    "paired_office": ("结对司法所", "--paired-office"),
    "body": ("情况说明", "--body"),
    "photos": ("照片", "--photo"),
    "subject_name": ("社区矫正对象姓名", "--subject-name"),
    "subject_category": ("矫正类别", "--subject-category"),
    "id_number": ("身份证号码", "--subject-id"),
    "subject_office": ("矫正对象所属司法所", "--subject-office"),
}
_TRUE_WORDS = {"是", "true", "yes", "y", "1"}
_FALSE_WORDS = {"否", "false", "no", "n", "0"}


def _find_unit(session, name: str, what: str = "单位"):
    from sqlalchemy import select

    from app.models import Unit

    name = name.strip()
    unit = session.scalar(select(Unit).where(Unit.name == name, Unit.deleted.is_(False)))
    if unit is None:
        names = "，".join(
            session.scalars(
                select(Unit.name).where(Unit.deleted.is_(False)).order_by(Unit.sort_order)
            )
        )
        raise UserError(f"没有{what}“{name}”。已有的单位：{names}")
    return unit


def _find_office(session, name: str, what: str):
    from sqlalchemy import select

    from app.models import Unit, UnitKind

    name = name.strip()
    office = session.scalar(select(Unit).where(Unit.name == name, Unit.deleted.is_(False)))
    if office is None:
        names = "，".join(
            session.scalars(
                select(Unit.name)
                .where(Unit.deleted.is_(False), Unit.kind == UnitKind.JUDICIAL_OFFICE)
                .order_by(Unit.sort_order)
            )
        )
        raise UserError(f"没有{what}“{name}”。已有的司法所：{names}")
    return office  # whether it is a judicial office is checked by the form


def _find_kind(session, text: str):
    from sqlalchemy import or_, select

    from app.models import EntryKind

    text = text.strip()
    live = select(EntryKind).where(EntryKind.deleted.is_(False))
    kind = session.scalar(live.where(or_(EntryKind.name == text, EntryKind.code == text)))
    if kind is None:
        kinds = "、".join(
            f"{k.name}（{k.code}）" for k in session.scalars(live.order_by(EntryKind.sort_order))
        )
        raise UserError(f"没有活动类型“{text}”。可用的活动类型：{kinds}")
    return kind


def _field_values(kind, fields, pairs: list[str]) -> dict[str, object]:
    """``--field name=value`` pairs as the form's raw values (checked by the form later)."""
    by_name = {f.name: f for f in fields}
    listing = "、".join(f"{f.name}（{f.label}）" for f in fields if f.type != "subject")
    values: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UserError(f"--field 应写成 代码=值 的形式，如 applicant=张三；“{pair}”不符合。")
        f = by_name.get(name)
        if f is None:
            if listing:
                raise UserError(f"活动类型“{kind.name}”没有字段“{name}”。可用的字段：{listing}")
            raise UserError(f"活动类型“{kind.name}”没有专有字段，不能使用 --field。")
        if f.type == "subject":
            raise UserError(
                f"“{f.label}”请用 --subject-name、--subject-category、--subject-id、"
                "--subject-office 填写。"
            )
        if name in values:
            raise UserError(f"字段“{name}”（{f.label}）填写了不止一次。")
        if f.type == "bool":
            word = value.strip().lower()
            if word not in _TRUE_WORDS | _FALSE_WORDS:
                raise UserError(f"“{f.label}”（{name}）应填 是 或 否，不能是“{value}”。")
            values[name] = word in _TRUE_WORDS
        else:
            values[name] = value
    return values


def _form_error_lines(errors: dict[str, str], fields) -> list[str]:
    labels = {f.name: (f.label, f"--field {f.name}") for f in fields}
    lines = []
    for key, message in errors.items():
        label, option = _COMMON_ITEMS.get(key) or labels.get(key) or ("", "")
        lines.append(f"  {label}（{option}）：{message}" if label else f"  {message}")
    return lines


def _entry_summary(session, entry_id: int) -> str:
    """One line about a saved entry (the identity number masked)."""
    from app.models import LedgerEntry, Unit
    from app.services.idcard import mask_id_number

    entry = session.get(LedgerEntry, entry_id)
    unit = session.get(Unit, entry.owner_unit_id)
    parts = [entry.entry_date.isoformat(), unit.name, entry.kind.name, entry.title]
    if entry.paired_office is not None:
        parts.append(f"结对司法所 {entry.paired_office.name}")
    if entry.subjects_served:
        parts.append(f"服务矫正对象 {entry.subjects_served} 人")
    if entry.subject is not None:
        s = entry.subject
        who = " ".join(p for p in (s.name, s.category.value, mask_id_number(s.id_number)) if p)
        parts.append(f"矫正对象 {who}")
    photos = sum(1 for link in entry.attachments if not link.deleted)
    if photos:
        parts.append(f"附件 {photos} 个")
    return "　".join(p for p in parts if p)


def _ledger_add(args: argparse.Namespace, open_existing) -> int:
    from pathlib import Path

    from app.services.forms import FormErrors, parse_fields
    from app.services.ledger import EntryInput, PhotoInput, save_entry
    from app.services.settings import current_programme
    from app.services.subjects import SubjectInput

    database = open_existing(args.db)
    try:
        with database.session() as session:
            unit = _find_unit(session, args.unit, "填报单位")
            kind = _find_kind(session, args.kind)
            fields = parse_fields(kind.fields)
            values = _field_values(kind, fields, args.field)
            office = (
                _find_office(session, args.paired_office, "结对司法所")
                if args.paired_office
                else None
            )
            subject = None
            subject_args = (
                args.subject_name,
                args.subject_category,
                args.subject_id,
                args.subject_office,
            )
            if any(a is not None for a in subject_args):
                if not any(f.type == "subject" for f in fields):
                    raise UserError(
                        f"活动类型“{kind.name}”不登记社区矫正对象，不能使用 --subject-name 等选项。"
                    )
                subject_office = (
                    _find_office(session, args.subject_office, "司法所")
                    if args.subject_office
                    else None
                )
                subject = SubjectInput(
                    name=args.subject_name or "",
                    category=(args.subject_category or "").strip(),
                    id_number=args.subject_id or "",
                    office_id=subject_office.id if subject_office else None,
                )
            programme = current_programme(session)
            data = EntryInput(
                kind_id=kind.id,
                unit_id=unit.id,
                entry_date=args.date,
                title=args.title,
                paired_office_id=office.id if office else None,
                subjects_served=args.served,
                body=args.body,
                values=values,
                subject=subject,
                photos=[PhotoInput(path=Path(p)) for p in args.photo],
                programme_id=programme.id if programme else None,
            )
            try:
                entry_id = save_entry(session, database.attachments, None, data)
            except FormErrors as exc:
                lines = _form_error_lines(exc.errors, fields)
                raise UserError("\n".join(["台账未保存，请改正以下各项：", *lines])) from None
            summary = _entry_summary(session, entry_id)
        print(f"已保存台账，编号 {entry_id}")
        print(summary)
    finally:
        database.close()
    return 0


def _ledger_export(args: argparse.Namespace, open_existing) -> int:

    from app.reports.ledger_xlsx import export_ledger_xlsx
    from app.services.ledger import LedgerFilter

    out = required_output(args, ".xlsx")
    date_from = day(args.date_from, "--from")
    date_to = day(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise UserError(f"起始日期 {date_from} 晚于截止日期 {date_to}。")
    with opened_database(open_existing, args.db) as database, database.session() as session:
        flt = LedgerFilter(
            unit_id=_find_unit(session, args.unit).id if args.unit else None,
            kind_id=_find_kind(session, args.kind).id if args.kind else None,
            date_from=date_from,
            date_to=date_to,
            text=args.text,
        )
        rows = export_ledger_xlsx(session, flt, out, full_names=args.full_names)
    print(f"已导出 {rows} 条台账到 {out}")
    if args.full_names:
        print("注意：文件中含社区矫正对象的完整姓名，请妥善保管，不得外传。")
    else:
        print("社区矫正对象的姓名和身份证号码已脱敏（要写出完整姓名，加 --full-names）。")
    return 0


def _ledger_volume(args: argparse.Namespace, open_existing) -> int:
    """`ledger volume`: the unit's entries of the period bound as a PDF volume."""
    from app.reports.ledger_volume import write_volume
    from app.services.volumes import build_volume

    out = required_output(args, ".pdf")
    date_from = day(args.date_from, "--from")
    date_to = day(args.date_to, "--to")
    assert date_from is not None and date_to is not None  # both required
    try:
        number = int(str(args.volume).strip())
    except ValueError:
        raise UserError(f"卷号“{args.volume}”无效，应为 1 到 9999 之间的整数。") from None
    # one transaction: the 档号 given are kept only when the file is written
    with opened_database(open_existing, args.db) as database, database.session() as session:
        unit = _find_unit(session, args.unit)
        volume = build_volume(session, database.attachments, unit.id, date_from, date_to, number)
        write_volume(volume, out)
    first, last = volume.entries[0].archive_number, volume.entries[-1].archive_number
    print(
        f"已生成台账卷（{volume.unit}，第{volume.volume_number}卷，{len(volume.entries)}件，"
        f"照片{volume.photo_count}张，档号 {first} 至 {last}）：{out}"
    )
    print("社区矫正对象的姓名和身份证号码已脱敏。")
    return 0


def _ledger_template(args: argparse.Namespace, open_existing) -> int:
    from app.reports.ledger_template import write_template

    out = required_output(args, ".xlsx")
    with opened_database(open_existing, args.db) as database, database.session() as session:
        titles = write_template(session, out)
    print(f"已生成台账导入模板 {out}（{len(titles)} 种活动类型：{'、'.join(titles)}）")
    return 0


def _ledger_import(args: argparse.Namespace, open_existing) -> int:
    from pathlib import Path

    from app.reports.ledger_template import write_errors
    from app.services.ledger_import import (
        ImportRefused,
        default_errors_path,
        import_ledger_workbook,
    )

    source = Path(args.file)
    errors_out = output_file(args.errors, ".xlsx") or default_errors_path(source)
    database = open_existing(args.db)
    try:
        try:
            with database.session() as session:
                result = import_ledger_workbook(
                    session, database.attachments, source, dry_run=args.dry_run
                )
        except ImportRefused as exc:
            write_errors(exc.result.errors, errors_out)
            lines = [str(exc), f"错误清单：{errors_out}"]
            for sheet, row, column, message in exc.result.errors[:10]:
                where = f"{sheet} 第 {row} 行" if row else sheet
                lines.append(f"  {where}{'“' + column + '”' if column else ''}：{message}")
            if len(exc.result.errors) > 10:
                lines.append(f"  ……共 {len(exc.result.errors)} 处，详见错误清单。")
            raise UserError("\n".join(lines)) from None
        print(result.summary())
    finally:
        database.close()
    return 0


LEDGER_HANDLERS = {
    "add": _ledger_add,
    "export": _ledger_export,
    "template": _ledger_template,
    "import": _ledger_import,
    "check": evidence.run,
    "volume": _ledger_volume,
}


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run a `ledger` subcommand."""
    if args.ledger_command is None:
        args.ledger_help()
        return 2
    return LEDGER_HANDLERS[args.ledger_command](args, open_existing)
