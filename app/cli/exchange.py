"""Exchange subcommands: export, import, verify, credential, join."""

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
                       description="县矫正办为一个单位生成接入凭证文件，该单位的电脑用 init --credential 接入。")  # fmt: skip
    cred.add_argument("--unit", required=True, metavar="单位", help="要接入的单位")
    cred.add_argument("--out", required=True, metavar="FILE", help="凭证文件")
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
    from app.sync.registration import write_credential

    database = open_existing(args.db)
    try:
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
                programme = current_programme(session)
                template = programme.template_key if programme else None
                write_credential(session, args.unit, Path(args.out).expanduser(), template or "")
            print(
                f"已为“{args.unit}”生成接入凭证 {args.out}。请通过 U 盘交给该单位，在其电脑上运行 init --credential。"
            )
            return 0
        failed = 0
        for package in _packages_in(Path(args.path).expanduser()):
            try:
                summary = import_package(database, package, dry_run=args.dry_run)
            except UserError as exc:
                failed += 1
                print(f"✗ {package.name}：{exc}")
                continue
            title = "预览" if args.dry_run else "已导入"
            print(f"✓ {package.name}：{title}（{summary.sender} 第 {summary.sequence} 号）")
            for line in summary.lines():
                print(f"    {line}")
        return 2 if failed else 0
    finally:
        database.close()
