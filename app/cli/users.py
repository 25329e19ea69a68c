"""`users`: the accounts of this PC, for IT staff (管理员 only, logged in as for any command).
A new password comes from ``BANGJIAO_NEW_PASSWORD`` or is asked twice on a terminal."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from app.services.errors import UserError

NEW_PASSWORD_VARIABLE = "BANGJIAO_NEW_PASSWORD"


def add_parsers(commands, make_parser) -> None:
    """Add `users` to the subcommands."""
    users = make_parser("users", commands, help="本机用户（管理员）",
                        description="列出、添加、重设密码、停用本机用户。需以管理员登录。")  # fmt: skip
    actions = users.add_subparsers(dest="users_command", title="子命令", required=True)
    make_parser("list", actions, help="列出用户", description="列出本机所有用户及其角色。")
    add = make_parser("add", actions, help="添加用户",
                      description=f"添加用户；密码取自环境变量 {NEW_PASSWORD_VARIABLE}，或在终端输入。")  # fmt: skip
    add.add_argument("--name", required=True, metavar="用户名")
    add.add_argument(
        "--role", required=True, metavar="角色", help="如 填报员、负责人、查看、管理员"
    )
    add.add_argument("--display", default="", metavar="姓名")
    add.add_argument("--unit", default="", metavar="所属单位",
                     help="几个单位共用一个数据库时用户所属的单位（单位名称）；不写即本库单位")  # fmt: skip
    reset = make_parser("reset-password", actions, help="重设某用户的密码",
                        description=f"重设密码；新密码取自环境变量 {NEW_PASSWORD_VARIABLE}，或在终端输入。")  # fmt: skip
    reset.add_argument("--name", required=True, metavar="用户名")
    deactivate = make_parser("deactivate", actions, help="停用用户",
                             description="停用用户（不能停用最后一位在用的管理员）。")  # fmt: skip
    deactivate.add_argument("--name", required=True, metavar="用户名")


def _new_password() -> str:
    password = os.environ.get(NEW_PASSWORD_VARIABLE, "")
    if password:
        return password
    if not sys.stdin.isatty():
        raise UserError(f"请用环境变量 {NEW_PASSWORD_VARIABLE} 给出新密码。")
    first, second = getpass.getpass("新密码："), getpass.getpass("再输一次：")
    if first != second:
        raise UserError("两次输入的密码不一致。")
    return first


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run a `users` subcommand."""
    from app.services import accounts

    database = open_existing(args.db)
    try:
        with database.session() as session:
            accounts.require(session, "users.manage")
            if args.users_command == "list":
                for user in accounts.list_users(session):
                    state = "在用" if user.active else "已停用"
                    unit = f"\t{accounts.unit_label(session, user)}" if user.unit_uuid else ""
                    print(f"{user.name}\t{user.display_name}\t{user.role}\t{state}{unit}")
                return 0
            if args.users_command == "add":
                unit_uuid = accounts.find_unit_uuid(session, args.unit)
                user = accounts.add_user(session, args.name, _new_password(), args.role,
                                         args.display, unit_uuid=unit_uuid)  # fmt: skip
                print(
                    f"已添加用户：{user.name}（{user.role}，所属单位：{accounts.unit_label(session, user)}）"
                )
                return 0
            found = accounts.find_user(session, args.name)
            if found is None:
                raise UserError(f"没有用户“{args.name}”。")
            if args.users_command == "reset-password":
                accounts.reset_password(session, found.id, _new_password())
                print(f"已重设用户“{found.name}”的密码。")
            else:
                accounts.set_active(session, found.id, False)
                print(f"已停用用户：{found.name}")
        return 0
    finally:
        database.close()
