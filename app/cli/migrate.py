"""``migrate-db --from FILE.db --to URL``: move a SQLite database and its photos into an empty
database on a PostgreSQL server (``app.services.migrate_db``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.services.errors import UserError


def add_parsers(commands, make_parser) -> None:
    """Add ``migrate-db``."""
    parser = make_parser(
        "migrate-db", commands, help="把数据库文件连同照片迁入数据库服务器（PostgreSQL）",
        description="把一个数据库文件（SQLite）的全部记录和照片库复制到数据库服务器上一个新建的空"
        "数据库中：记录编号、加密的个人信息和照片原样复制（不需要解密），用户账号随之迁移，同样的"
        "用户名和密码即可登录服务器上的数据库。复制后逐表核对记录数、逐个核对照片的 SHA-256 校验值；"
        "任何一步出错，服务器上的数据库保持为空，来源文件不受影响。需要“备份与恢复”权限，用"
        "环境变量 BANGJIAO_USER、BANGJIAO_PASSWORD 登录来源数据库。数据库服务器的密码放在环境变量 "
        "PGPASSWORD 中（不要写进地址，以免留在命令历史里）。",
    )  # fmt: skip
    parser.add_argument("--from", dest="source", required=True, metavar="FILE.db",
                        help="来源：数据库文件（SQLite）")  # fmt: skip
    parser.add_argument("--to", dest="target", required=True, metavar="URL",
                        help="目标：服务器上新建的空数据库，如 postgresql://bangjiao@192.168.1.10/bangjiao")  # fmt: skip


def handle(args: argparse.Namespace, open_existing) -> int:
    """Run ``migrate-db``."""
    from app.services.migrate_db import migrate, server_url

    source = Path(args.source).expanduser()
    if not source.is_file():
        raise UserError(f"来源数据库文件“{source}”不存在。")
    server_url(args.target)  # a wrong address is refused before anything is opened
    database = open_existing(str(source))
    try:
        report = migrate(database, args.target, progress=lambda t: print(t, file=sys.stderr))
    finally:
        database.close()
    for line in report.lines():
        print(line)
    return 0
