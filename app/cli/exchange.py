"""Exchange subcommands: export, import, verify, credential, join, keys."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.services.errors import UserError

PACKAGE_SUFFIX = ".bjpkg"


def add_parsers(commands, make_parser) -> None:
    """Add the exchange subcommands."""
    export = make_parser("export", commands, help="导出数据包给县矫正办等单位",
                         description="把本单位的记录（含照片；矫正对象信息加密）导出为数据包文件。")  # fmt: skip
    export.add_argument("--to", required=True, metavar="单位", help="接收单位，如 县矫正办")
    export.add_argument("--out", required=True, metavar=f"FILE{PACKAGE_SUFFIX}",
                        help="数据包文件；或一个已有的文件夹，文件名自动取为"
                        f"“本单位-至-对方-日期-第N号{PACKAGE_SUFFIX}”")  # fmt: skip
    export.add_argument(
        "--full", action="store_true", help="导出全部记录（默认只导出对方确认收到之后的变化）"
    )
    imp = make_parser("import", commands, help="导入数据包（文件或整个文件夹）",
                      description="先校验再导入；任何问题都整包拒绝，数据库保持原样。文件夹中的数据包按顺序导入。")  # fmt: skip
    imp.add_argument(
        "path", metavar="FILE_OR_DIR", help="数据包文件，或放有数据包的文件夹（如 U 盘）"
    )
    imp.add_argument("--dry-run", action="store_true", help="只预览，不写入")
    verify = make_parser(
        "verify",
        commands,
        help="校验数据包（不导入）",
        description="校验数据包的签名、完整性和收件单位。",
    )
    verify.add_argument("path", metavar="FILE", help="数据包文件")
    cred = make_parser("credential", commands, help="（县矫正办、市矫正办）为下级单位生成接入凭证",
                       description="县矫正办为一个单位生成接入凭证文件，该单位的电脑用 init --credential 接入。"
                       "单位换了电脑或重装系统时加 --reissue 重新发放：新电脑发来的第一个数据包要先用"
                       " keys confirm 核对确认，确认后旧电脑的密钥作废。")  # fmt: skip
    cred.add_argument("--unit", required=True, metavar="单位", help="要接入的单位")
    cred.add_argument("--out", required=True, metavar="FILE", help="凭证文件")
    cred.add_argument("--reissue", action="store_true",
                      help="为已接入的单位重新发放（换电脑、重装系统）：新电脑将取代现在的电脑")  # fmt: skip
    keys = make_parser("keys", commands, help="本机与各单位的密钥：查看、确认新电脑的密钥、更换本机密钥",
                       description="查看本机和各单位的识别码、待确认的新密钥和已作废的密钥；"
                       "确认或拒绝单位新电脑的密钥；更换本机（县矫正办、市矫正办）的密钥。")  # fmt: skip
    keys.set_defaults(keys_help=keys.print_help)
    actions = keys.add_subparsers(dest="keys_command", title="子命令")
    make_parser("list", actions, help="列出识别码、待确认的新密钥和已作废的密钥",
                description="列出本机识别码、各单位登记的识别码、待确认的新密钥和已作废的密钥。")  # fmt: skip
    confirm = make_parser("confirm", actions, help="确认单位新电脑的密钥（先打电话核对识别码）",
                          description="单位用重新发放的接入凭证在新电脑上接入后，其新密钥要在这里确认：先打电话请对方读出"
                          "新电脑上显示的本机识别码，与 keys list 列出的新识别码核对，一致时用 --code 给出。"
                          "确认后旧电脑的密钥作废，再导入新电脑发来的数据包。")  # fmt: skip
    confirm.add_argument("--unit", required=True, metavar="单位", help="换了电脑的单位")
    confirm.add_argument("--code", required=True, metavar="识别码",
                         help="电话核对过的新识别码，如 1A2B-3C4D-5E6F-7A8B")  # fmt: skip
    reject = make_parser("reject", actions, help="拒绝单位新电脑的密钥（识别码核对不符）",
                         description="识别码核对不符时拒绝这组新密钥；所用的接入凭证随之作废。")  # fmt: skip
    reject.add_argument("--unit", required=True, metavar="单位", help="单位")
    make_parser("rotate", actions, help="（县矫正办、市矫正办）更换本机密钥",
                description="更换本机密钥：以后导出的数据包用新密钥签名，并附上由旧密钥担保的新公钥；"
                "各单位导入后改用新密钥，此后拒绝用旧密钥签名的数据包。")  # fmt: skip
    join = make_parser("join", commands, help="（已设置好的单位，如县矫正办）接入上级单位",
                       description="用上级单位（如市矫正办）生成的接入凭证接入；首个数据包将登记本机密钥。")  # fmt: skip
    join.add_argument("--credential", required=True, metavar="FILE", help="上级单位给的接入凭证")


def _packages_in(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(path.glob(f"*{PACKAGE_SUFFIX}"))
        if not found:
            raise UserError(f"文件夹“{path}”中没有数据包（*{PACKAGE_SUFFIX}）。")
        from app.sync.package import package_order_key

        return sorted(found, key=package_order_key)
    return [path]


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run an exchange subcommand."""
    from app.services.settings import current_programme
    from app.sync.exchange import export_package, import_package, verify_package
    from app.sync.keys import NewKeysPresented
    from app.sync.registration import registered, write_credential

    if args.command == "keys" and args.keys_command is None:
        args.keys_help()
        return 2
    database = open_existing(args.db)
    try:
        if args.command == "keys":
            return _keys(args, database)
        if args.command == "export":
            from app.sync.exchange import KIND_LABELS

            out, counts = export_package(
                database, args.to, Path(args.out).expanduser(), full=args.full
            )
            carried = (
                "，".join(f"{KIND_LABELS.get(k, k)} {v}" for k, v in counts.items() if v)
                or "没有记录"
            )
            print(f"已导出数据包 {out}：{carried}")
            return 0
        if args.command == "verify":
            manifest = verify_package(database, Path(args.path).expanduser())
            from datetime import datetime

            created = datetime.fromisoformat(manifest["created"]).astimezone()
            print(f"数据包有效：{manifest['sender']['unit_name']} → {manifest['recipient']['unit_name']}，"
                  f"第 {manifest['sequence']} 号，生成于 {created:%Y-%m-%d %H:%M}")  # fmt: skip
            return 0
        if args.command == "join":
            from app.sync.registration import join_existing, read_credential

            credential = read_credential(Path(args.credential).expanduser())
            with database.session() as session:
                issuer = join_existing(session, credential)
            print(f"已接入：信任“{issuer}”的密钥；本机发给它的首个数据包将登记本机密钥。")
            return 0
        if args.command == "credential":
            with database.session() as session:
                from app.services.documents import template_key

                programme = current_programme(session)
                template = template_key(session, programme) if programme else None
                reissued = args.reissue and registered(session, args.unit)
                write_credential(session, args.unit, Path(args.out).expanduser(), template or "",
                                 reissue=args.reissue)  # fmt: skip
            print(
                f"已为“{args.unit}”生成接入凭证 {args.out}。请通过 U 盘交给该单位，在其电脑上运行 init --credential。"
            )
            if reissued:
                print(
                    "这是重新发放的凭证：新电脑发来的第一个数据包会暂不导入，"
                    f"请打电话核对识别码后运行 keys confirm --unit {args.unit} --code 新识别码。"
                )
            return 0
        failed = 0
        for package in _packages_in(Path(args.path).expanduser()):
            try:
                summary = import_package(database, package, dry_run=args.dry_run)
            except UserError as exc:
                failed += 1
                print(f"✗ {package.name}：{exc}")
                if isinstance(exc, NewKeysPresented):
                    print(
                        "    （命令行：keys list 查看新识别码，核对后 keys confirm --unit 单位 --code 新识别码）"
                    )
                continue
            title = "预览" if args.dry_run else "已导入"
            print(f"✓ {package.name}：{title}（{summary.sender} 第 {summary.sequence} 号）")
            for line in summary.lines():
                print(f"    {line}")
        return 2 if failed else 0
    finally:
        database.close()


def _keys(args: argparse.Namespace, database) -> int:
    """keys list / confirm / reject / rotate."""
    from app.sync import keys

    with database.session() as session:
        if args.keys_command == "confirm":
            pending = keys.confirm_new_keys(session, args.unit, args.code)
            print(f"已确认“{pending.unit_name}”新电脑的密钥（识别码 {pending.code}）；"
                  f"旧密钥（识别码 {pending.current_code or '–'}）已作废，此后用它签名的数据包一律拒绝。")  # fmt: skip
            if pending.file:
                print(f"现在可以导入新电脑发来的数据包：import {pending.file}")
            return 0
        if args.keys_command == "reject":
            pending = keys.reject_new_keys(session, args.unit)
            print(f"已拒绝“{pending.unit_name}”的新密钥（识别码 {pending.code}），所用的接入凭证已作废。"
                  "如果该单位确实换了电脑，请用 credential --reissue 重新发放接入凭证。")  # fmt: skip
            return 0
        if args.keys_command == "rotate":
            old, new = keys.rotate_keys(session)
            print(f"已更换本机密钥：新识别码 {new}（原识别码 {old} 作废）。"
                  "请尽快给各单位导出数据包：各单位导入后改用新密钥。")  # fmt: skip
            return 0
        for line in keys.key_overview_lines(session):
            print(line)
        return 0
