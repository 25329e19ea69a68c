"""Logging in on the command line: ``BANGJIAO_USER`` and ``BANGJIAO_PASSWORD``, or asked on a
terminal. A database without users needs no login (until ``init`` creates the first 管理员)."""

from __future__ import annotations

import getpass
import os
import sys
from typing import TYPE_CHECKING

from app.services.errors import UserError

if TYPE_CHECKING:
    from app.services.database import Database

USER_VARIABLE = "BANGJIAO_USER"
PASSWORD_VARIABLE = "BANGJIAO_PASSWORD"
NO_CREDENTIALS = (
    f"需要登录：请设置环境变量 {USER_VARIABLE}（用户名）和 {PASSWORD_VARIABLE}（密码）后再运行。"
)


def credentials(ask: bool = True) -> tuple[str, str] | None:
    """The user name and password from the environment, else asked on a terminal (when
    ``ask`` and standard input is one), else None."""
    name = os.environ.get(USER_VARIABLE, "").strip()
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if name and password:
        return name, password
    if not ask or not sys.stdin.isatty():
        return None
    try:
        name = name or input("用户名：").strip()
        password = password or getpass.getpass("密码：")
    except (EOFError, KeyboardInterrupt):
        return None
    return (name, password) if name and password else None


def log_in(database: Database) -> None:
    """Set ``database.actor`` from the credentials when the database has users; refuse
    (UserError: exit code 2) when they are missing or wrong."""
    from app.services import accounts

    with database.session() as session:
        if not accounts.has_users(session):
            return
    given = credentials()
    if given is None:
        raise UserError(NO_CREDENTIALS)
    with database.session() as session:
        database.actor = accounts.authenticate(session, *given)
    with database.session() as session:
        if not (accounts.needs_encryption(session) and database.actor.role == accounts.ADMIN):
            return
        code = accounts.encrypt_with_admin(session, database.actor.user_id, given[1])
    print(
        "本机数据是在加密功能之前保存的，已用管理员的密码为社区矫正对象的个人信息和本机密钥加密。"
    )
    print(f"新的恢复码（只显示这一次，原恢复码作废，请打印或抄写后存放在保险柜）：{code}")
