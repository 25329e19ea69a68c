"""Command line for IT staff and scripts; without a subcommand the desktop app starts."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from app.services.errors import UserError

DESCRIPTION = """大帮教工作台 —— 县司法局社区矫正“大帮教”机制的办公程序。
不带子命令时打开图形界面；子命令供信息管理员和脚本使用。"""


def program_name() -> str:
    """The name the program is started by: the frozen executable's (bangjiao-desk,
    bangjiao.exe), else main.py from a checkout."""
    if getattr(sys, "frozen", False):
        from pathlib import Path

        return Path(sys.executable).name
    return "main.py"


EPILOG = """示例：
  main.py                                                   打开图形界面（默认数据库）
  main.py --db D:\\bangjiao.db                              用指定的数据库文件打开图形界面
  main.py [--db D:\\bangjiao.db] D:\\数据包.bjpkg             打开图形界面并预览导入这个数据包
                                                            （双击 .bjpkg 文件时即是如此）
  main.py --db bangjiao.db init --template qingtian-2018 --unit 县矫正办
                                                            按模板建立数据库并设定本机单位
  main.py templates                                         列出可用的方案模板
  main.py --db bangjiao.db ledger add --unit 法律援助中心 --kind 法律援助 --date 2018-07-02 \\
          --title 为矫正对象提供法律援助 --field applicant=张三 --field relation=本人 ...
                                                            登记一条工作台账（详见 ledger add --help）
  main.py --db bangjiao.db ledger export --out 台账.xlsx --from 2018-01-01 --to 2018-12-31
                                                            把工作台账导出为 Excel 文件
  main.py --db bangjiao.db ledger volume --unit 法律援助中心 --from 2018-07-01 --to 2018-12-31 \\
          --out 台账卷.pdf                                   把一个单位的台账装订成台账卷（PDF）
  main.py --db bangjiao.db reminders pdf --all --out 催办单.pdf
                                                            各单位逾期、即将到期事项的催办单
  main.py --db bangjiao.db scoresheet --all --out 评分表.pdf --date 2018-12-31
                                                            各科室的考核评分表
  main.py --db bangjiao.db programme new --year 2019 --copy-from 2018
                                                            从 2018 年度复制，开始 2019 年度
  main.py --db bangjiao.db backup --out E:\\                 备份到 U 盘（加密；密码见 backup --help）
  main.py --db bangjiao.db restore E:\\大帮教备份-….bjbak     从备份恢复（先显示内容、先备份当前数据）
  main.py migrate-db --from bangjiao.db --to postgresql://bangjiao@192.168.1.10/bangjiao
                                                            把数据库文件连同照片迁入数据库服务器"""


class _ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


# argparse's own messages (Python 3.11+), in the Chinese the rest of the help uses.
_ARGPARSE_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"^the following arguments are required: (.*)$", r"缺少必须给出的参数：\1"),
    (r"^unrecognized arguments: (.*)$", r"无法识别的参数：\1（可用 --help 查看用法）"),
    (r"^one of the arguments (.*) is required$", r"以下参数必须给出一个：\1"),
    (r"^ambiguous option: (\S+) could match (.*)$", r"选项 \1 不明确，可能是：\2"),
    (r"^argument command: ", "子命令："),
    (r"^argument ([^:]+): ", r"参数 \1："),
    (r"invalid choice: (.*) \(choose from (.*)\)$", r"无效的选择 \1（可选：\2）"),
    (r"expected one argument$", "后面要给出一个值"),
    (r"expected at least one argument$", "后面至少要给出一个值"),
    (r"expected at most one argument$", "后面最多给出一个值"),
    (r"invalid (\w+) value: (.*)$", r"无效的值 \2"),
    (r"not allowed with argument (.*)$", r"不能与参数 \1 同时使用"),
)


def chinese_argparse_message(message: str) -> str:
    """argparse's English message (a missing or unknown argument…) in Chinese."""
    for pattern, replacement in _ARGPARSE_MESSAGES:
        message = re.sub(pattern, replacement, message)
    return message


class _ChineseParser(argparse.ArgumentParser):
    """An argument parser whose own error messages are Chinese (usage, then 错误：…)."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{chinese_argparse_message(message)}\n")


def _parser(name: str, parent=None, **kwargs) -> argparse.ArgumentParser:
    make = parent.add_parser if parent is not None else _ChineseParser
    parser = make(name, add_help=False, formatter_class=_ChineseHelpFormatter, **kwargs)
    parser._optionals.title = "选项"
    parser.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
    return parser


def _examples_for(name: str) -> str:
    """EPILOG with the program's own name, its columns kept aligned."""
    extra = len(name) - len("main.py")
    lines = []
    for line in EPILOG.splitlines():
        if line.startswith("  main.py"):
            line = "  " + name + line[len("  main.py") :]
            if extra > 0:
                line = re.sub(f" {{{extra + 2},}}(?=\\S)", lambda m: m[0][extra:], line, count=1)
        elif line.startswith("          --") and extra > 0:
            line = " " * extra + line
        lines.append(line)
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every subcommand documented."""
    name = program_name()
    epilog = _examples_for(name)
    parser = _parser(name, description=DESCRIPTION, epilog=epilog)
    from app.paths import program_version

    parser.add_argument(
        "--version",
        action="version",
        version=f"大帮教工作台 {program_version()}",
        help="显示程序版本并退出",
    )
    parser.add_argument(
        "--db",
        metavar="PATH或URL",
        help="数据库文件路径或任意 SQLAlchemy URL（默认：用户数据目录下的 bangjiao.db）",
    )
    commands = parser.add_subparsers(dest="command", title="子命令")
    init = _parser(
        "init",
        commands,
        help="建立并填充数据库，设定本机所属单位（可重复运行，不会重复建立）",
        description="按方案模板建立并填充数据库，设定本机所属单位。重复运行不会重复建立任何记录。",
    )
    init.add_argument("--template", metavar="模板", help="模板名，如 qingtian-2018")
    init.add_argument("--unit", metavar="单位", help="本机所属单位，如 县矫正办")
    init.add_argument(
        "--credential",
        metavar="凭证文件",
        help="县矫正办生成的接入凭证（用它时不必再给 --template、--unit）",
    )
    _parser("templates", commands, help="列出可用的方案模板", description="列出可用的方案模板。")
    from app.cli import ledger

    ledger.add_parsers(commands, _parser)
    from app.cli import agreements

    agreements.add_parsers(commands, _parser)
    from app.cli import exchange

    exchange.add_parsers(commands, _parser)
    from app.cli import summary

    summary.add_parsers(commands, _parser)
    from app.cli import statistics

    statistics.add_parsers(commands, _parser)
    from app.cli import bulletin

    bulletin.add_parsers(commands, _parser)
    from app.cli import reminders

    reminders.add_parsers(commands, _parser)
    from app.cli import scoresheet

    scoresheet.add_parsers(commands, _parser)
    from app.cli import programme

    programme.add_parsers(commands, _parser)
    from app.cli import backup

    backup.add_parsers(commands, _parser)
    from app.cli import audit

    audit.add_parsers(commands, _parser)
    from app.cli import users

    users.add_parsers(commands, _parser)
    from app.cli import migrate

    migrate.add_parsers(commands, _parser)
    return parser


def command_names(parser: argparse.ArgumentParser | None = None) -> set[str]:
    """The subcommands' names (``init``, ``ledger``…)."""
    parser = parser or build_parser()
    return {
        name
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    }


def split_package_argument(argv: Sequence[str]) -> tuple[list[str], str | None]:
    """``argv`` without a package file named on its own, and that file: ``main.py [--db PATH]
    FILE.bjpkg`` (what a double-click on a package runs) opens the app on the package's import
    preview. A subcommand's name is never taken for a file, nor is anything after one; a word
    that is neither a subcommand nor looks like a file (``main.py ledgr``) is left for the
    parser to refuse."""
    args = list(argv)
    positions: list[int] = []
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg == "--db":
            skip = True
        elif arg.startswith("-"):
            if arg.startswith("--db="):
                continue
            return args, None  # --help and the like: for the parser
        else:
            positions.append(index)
    if len(positions) != 1:
        return args, None
    candidate = args[positions[0]]
    if candidate in command_names():
        return args, None
    from pathlib import Path

    looks_like_file = (
        candidate.lower().endswith(".bjpkg")
        or any(sep in candidate for sep in ("/", "\\", ":"))
        or Path(candidate).exists()
    )
    if not looks_like_file:
        return args, None
    return args[: positions[0]] + args[positions[0] + 1 :], candidate


def _first_admin_credentials(db: str | None) -> tuple[str, str] | None:
    """For ``init``, checked before anything is written: on a new database the first
    管理员's name and password (required); on one with users a login (refused when missing
    or wrong); on an existing one without users the variables if given (optional)."""
    from app.cli.login import NO_CREDENTIALS, credentials
    from app.services import accounts
    from app.services.database import database_url, sqlite_file

    path = sqlite_file(database_url(db))
    if path is None or path.exists():
        database = _open_existing(db)  # logs in where the database has users
        try:
            with database.session() as session:
                if accounts.has_users(session):
                    return None
        finally:
            database.close()
        given = credentials(ask=False)
    else:
        given = credentials(ask=False)
        if given is None:
            raise UserError(
                NO_CREDENTIALS.replace("需要登录", "新数据库要设立第一位管理员")
                + "这两个变量即管理员的用户名和密码。"
            )
    if given is not None:
        accounts.check_password(given[1])
    return given


def _create_first_admin(database, admin: tuple[str, str] | None) -> None:
    """After ``init``: create the first 管理员 and print the recovery code, once."""
    from app.services import accounts

    if admin is None:
        return
    with database.session() as session:
        if accounts.has_users(session):
            return
        _user, code = accounts.create_first_admin(session, *admin)
    print(f"已设立第一位管理员：{admin[0]}")
    print(f"恢复码（只显示这一次，请抄写或打印后存放在保险柜，忘记所有密码时凭它恢复）：{code}")


def _init(args: argparse.Namespace) -> int:
    from app.services.setup import initialise

    admin = _first_admin_credentials(args.db)
    credential = None
    if args.credential:
        from pathlib import Path

        from app.sync.registration import initialise_from_credential, read_credential

        credential = read_credential(Path(args.credential).expanduser())
        result = initialise_from_credential(args.db, credential)
    elif not args.template or not args.unit:
        raise UserError("请给出 --template 和 --unit，或用 --credential 给出县矫正办的接入凭证。")
    else:
        result = initialise(args.db, args.template, args.unit)
    try:
        _create_first_admin(result.database, admin)
        if credential is not None:
            print(
                f"已接入：信任县矫正办“{credential['county']['unit_name']}”的密钥，首个数据包将登记本机密钥。"
            )
        from app.services.database import describe_database

        print(f"数据库：{describe_database(result.database.url)}")
        print(f"方案：{result.programme_title}")
        print(f"本机单位：{result.unit_name}")
        report = result.report
        for kind in dict.fromkeys([*report.created, *report.existing]):
            created, existing = report.created.get(kind, 0), report.existing.get(kind, 0)
            line = f"  {kind}：新建 {created}，已存在 {existing}"
            if report.updated.get(kind):
                line += f"（其中按定义文件更新 {report.updated[kind]}）"
            print(line)
    finally:
        result.database.close()
    return 0


def _templates(_args: argparse.Namespace) -> int:
    from app.services.templates import available_templates, unreadable_templates

    for info in available_templates():
        print(f"{info.key}\t{info.name}")
    for key, problem in unreadable_templates():  # a county's own file that cannot be used
        print(f"未列出“{key}”：{problem}", file=sys.stderr)
    return 0


def _open_existing(db: str | None):
    """Open the database named by ``--db``, refusing to create a new empty file."""
    from app.services.database import database_url, open_database, sqlite_file

    path = sqlite_file(database_url(db))
    if path is not None and not path.exists():
        raise UserError(f"数据库文件“{path}”不存在。请先用 init 子命令建立数据库。")
    from app.cli.login import log_in

    database = open_database(db)
    try:
        log_in(database)
    except BaseException:
        database.close()
        raise
    return database


def _ledger(args: argparse.Namespace) -> int:
    from app.cli import ledger

    return ledger.handle(args, _open_existing)


def _agreement(args: argparse.Namespace) -> int:
    from app.cli import agreements

    return agreements.handle(args, _open_existing)


def _bulletin(args: argparse.Namespace) -> int:
    from app.cli import bulletin

    return bulletin.handle(args, _open_existing)


def _reminders(args: argparse.Namespace) -> int:
    from app.cli import reminders

    return reminders.handle(args, _open_existing)


def _scoresheet(args: argparse.Namespace) -> int:
    from app.cli import scoresheet

    return scoresheet.handle(args, _open_existing)


def _programme(args: argparse.Namespace) -> int:
    from app.cli import programme

    return programme.handle(args, _open_existing)


def _summary(args: argparse.Namespace) -> int:
    from app.cli import summary

    return summary.handle(args, _open_existing)


def _statistics(args: argparse.Namespace) -> int:
    from app.cli import statistics

    return statistics.handle(args, _open_existing)


def _backup(args: argparse.Namespace) -> int:
    from app.cli import backup

    return backup.handle(args, _open_existing)


def _audit(args: argparse.Namespace) -> int:
    from app.cli import audit

    return audit.handle(args, _open_existing)


def _users(args: argparse.Namespace) -> int:
    from app.cli import users

    return users.handle(args, _open_existing)


def _migrate(args: argparse.Namespace) -> int:
    from app.cli import migrate

    return migrate.handle(args, _open_existing)


def _exchange(args: argparse.Namespace) -> int:
    from app.cli import exchange

    return exchange.handle(args, _open_existing)


HANDLERS = {
    "init": _init,
    "users": _users,
    "templates": _templates,
    "ledger": _ledger,
    "agreement": _agreement,
    "export": _exchange,
    "import": _exchange,
    "verify": _exchange,
    "credential": _exchange,
    "join": _exchange,
    "keys": _exchange,
    "summary": _summary,
    "statistics": _statistics,
    "bulletin": _bulletin,
    "reminders": _reminders,
    "scoresheet": _scoresheet,
    "programme": _programme,
    "backup": _backup,
    "restore": _backup,
    "audit": _audit,
    "migrate-db": _migrate,
}


def run(args: argparse.Namespace) -> int:
    """Run a parsed subcommand. A refusal (UserError) prints its Chinese message and exits
    with 2; a known problem of the PC (database locked, disk full…) is explained, exit 3; any
    other failure is a bug: logged with its traceback, and the message names the log, exit 1."""
    import logging

    from app.reports.glyphs import missing_glyphs_warning, watching_glyphs
    from app.services.errors import environment_problem

    log = logging.getLogger("bangjiao.cli")
    try:
        with watching_glyphs() as missing:  # characters no font could print
            code = HANDLERS[args.command](args)
        if missing:
            print(f"注意：{missing_glyphs_warning(missing)}", file=sys.stderr)
        return code
    except UserError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        problem = environment_problem(exc)
        if problem is not None:
            log.warning("%s：环境问题 %s", args.command, type(exc).__name__, exc_info=exc)
            print(f"错误：{problem}", file=sys.stderr)
            return 3
        from app.logs import log_file

        log.error("%s：程序错误", args.command, exc_info=exc)
        print(
            f"错误：程序出现了意外错误，命令没有完成。详细情况已记入日志文件：{log_file()}",
            file=sys.stderr,
        )
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand from ``argv`` (the GUI is started by ``main.py``)."""
    from app.cli.console import use_utf8_output

    use_utf8_output()
    args = build_parser().parse_args(argv)
    if args.command is None:
        build_parser().print_help()
        return 2
    return run(args)
