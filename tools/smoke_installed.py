"""Smoke-test the INSTALLED program (the .deb's /usr/bin/bangjiao-desk), offscreen.

    uv run python tools/smoke_installed.py [--binary /usr/bin/bangjiao-desk] --home DIR

Runs as a clerk and IT staff would, with HOME (and so the data folder,
DIR/.local/share/BangjiaoDesk) in DIR: --help; init of the default database (the county) and
of a department's from a credential; ledger add with a photo; agreement pdf (text and embedded
fonts checked with pdftotext/pdffonts); summary county; export from the department and import
at the county; backup/restore (skipped, saying so, only while --help lists no `backup`); the
upgrade of databases made at older revisions from this source tree (0012 by Alembic, the
shipped schema-0001.db), which the frozen program must upgrade, not refuse as "newer"; and the
window opening on the default database (BANGJIAO_QUIT_AFTER_OPEN); with
BANGJIAO_TEST_POSTGRES (.ci/run's cluster) the same on a fresh PostgreSQL database (bundled
psycopg and libpq). Exits 1 at the first failure. The source tree is used only to make the old databases and the photo."""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTY = "县矫正办"
DEPARTMENT = "法律援助中心"
TITLE = "热线接听（安装后冒烟测试）"


class SmokeFailure(Exception):
    """A step did not do what it should."""


class Smoke:
    """Runs the installed binary in an isolated home and checks what it did."""

    def __init__(self, binary: str, home: Path) -> None:
        self.binary = binary
        self.home = home
        self.work = home / "work"
        self.data = home / ".local" / "share" / "BangjiaoDesk"
        self.env = {
            **os.environ,
            "HOME": str(home),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "QT_QPA_PLATFORM": "offscreen",
            "BANGJIAO_BACKUP_PASSWORD": "冒烟测试-Passw0rd",
            # init makes the first 管理员 from these; every other command logs in with them
            "BANGJIAO_USER": "smoke",
            "BANGJIAO_PASSWORD": "冒烟测试-login-1",
        }
        self.env.pop("PYTHONPATH", None)
        self.env.pop("VIRTUAL_ENV", None)

    def run(self, *args: str, expect: int = 0, env: dict[str, str] | None = None) -> str:
        """Run the binary; fail unless it exits with ``expect``. Returns its output."""
        started = time.monotonic()
        result = subprocess.run(
            [self.binary, *args],
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            cwd=self.work,
            timeout=300,
            check=False,
        )
        took = time.monotonic() - started
        shown = " ".join(args)
        if result.returncode != expect:
            raise SmokeFailure(
                f"{shown}: exit {result.returncode} (expected {expect})\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        print(f"  ran {shown[:110]} ({took:.1f} s)")
        return result.stdout + result.stderr


def check(condition: bool, what: str) -> None:
    """Fail with ``what`` unless ``condition``."""
    if not condition:
        raise SmokeFailure(what)


def query(db: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` in the SQLite file ``db``."""
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def make_old_database(path: Path, revision: str) -> None:
    """A database at an older schema revision, made by Alembic from this source tree."""
    from alembic import command

    from app.services.database import alembic_config, create_db_engine, sqlite_url

    engine = create_db_engine(sqlite_url(path))
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    engine.dispose()


def steps(s: Smoke) -> None:
    """Every step, in order."""
    from PIL import Image

    from app.models import SCHEMA_HEAD

    county = s.data / "bangjiao.db"
    unit = s.work / "法援.db"

    print("--help")
    out = s.run("--help")
    check("子命令" in out and "init" in out, "--help lists no subcommands")
    has_backup = "backup" in out.split("子命令", 1)[1]

    print("init (the default database in the data folder) and a department's from a credential")
    s.run("init", "--template", "qingtian-2018", "--unit", COUNTY)
    check(county.exists(), f"init made no {county}")
    s.run("credential", "--unit", DEPARTMENT, "--out", str(s.work / "法援.cred"))
    s.run("--db", str(unit), "init", "--credential", str(s.work / "法援.cred"))

    print("ledger add with a photo")
    photo = s.work / "现场照片.jpg"
    Image.new("RGB", (1200, 900), (90, 140, 200)).save(photo, "JPEG", quality=90)
    s.run("--db", str(unit), "ledger", "add", "--unit", DEPARTMENT, "--kind", "hotline",
          "--date", "2018-07-02", "--title", TITLE, "--field", "calls=5",
          "--photo", str(photo))  # fmt: skip
    check(query(unit, "SELECT count(*) FROM ledger_entries")[0][0] == 1, "no ledger entry saved")
    check(query(unit, "SELECT count(*) FROM attachments")[0][0] == 1, "no photo stored")

    print("ledger check, volume and template (the libraries they bundle)")
    checked = s.work / "核查.xlsx"
    s.run("--db", str(unit), "ledger", "check", "--out", str(checked))
    check(checked.exists(), "ledger check wrote no workbook")
    hashes = query(unit, "SELECT count(*) FROM photo_hashes")[0][0]
    check(hashes == 1, f"the photo's perceptual hash was not kept (imagehash): {hashes}")
    volume = s.work / "台账卷.pdf"
    s.run("--db", str(unit), "ledger", "volume", "--unit", DEPARTMENT, "--from", "2018-07-01",
          "--to", "2018-12-31", "--out", str(volume))  # fmt: skip
    text = subprocess.run(["pdftotext", str(volume), "-"], capture_output=True, text=True).stdout
    check(
        TITLE in text and "卷内目录" in text.replace(" ", ""), "the volume's text is not in the PDF"
    )
    template = s.work / "导入模板.xlsx"
    s.run("--db", str(unit), "ledger", "template", "--out", str(template))
    check(template.exists(), "ledger template wrote no workbook")

    print("agreement pdf (text and fonts)")
    pdf = s.work / "责任状.pdf"
    s.run("agreement", "pdf", "--department", DEPARTMENT, "--out", str(pdf))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    check("责任" in text and DEPARTMENT in text, "the agreement's text is not in the PDF")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    check(bool(rows), "the agreement PDF has no fonts")
    check(all("yes" in row[-5:-3] for row in rows), f"a font is not embedded:\n{fonts}")
    names = sorted({row[0].split("+")[-1] for row in rows})
    print(f"  fonts embedded: {', '.join(names)}")

    print("summary county")
    report = s.work / "全县汇总.pdf"
    s.run("summary", "county", "--out", str(report))
    text = subprocess.run(["pdftotext", str(report), "-"], capture_output=True, text=True).stdout
    check(COUNTY in text or "全县" in text, "the county report's text is not in the PDF")

    print("statistics table (the county's 统计汇总表, PDF and Excel)")
    table, sheet = s.work / "统计汇总.pdf", s.work / "统计汇总.xlsx"
    s.run("statistics", "table", "--report", "monthly", "--period", "2018-09", "--out", str(table),
          "--xlsx", str(sheet), "--date", "2018-10-10")  # fmt: skip
    text = subprocess.run(["pdftotext", str(table), "-"], capture_output=True, text=True).stdout
    check("汇总表" in text and DEPARTMENT in text, "the statistics table's text is not in the PDF")
    check(sheet.exists(), "statistics table wrote no workbook")

    print("export from the department, import at the county")
    package = s.work / "法援-至-县矫正办.bjpkg"
    s.run("--db", str(unit), "export", "--to", COUNTY, "--out", str(package))
    s.run("import", str(package))
    rows = query(county, f"SELECT count(*) FROM ledger_entries WHERE title = '{TITLE}'")
    check(rows[0][0] == 1, "the department's entry did not arrive at the county")

    if has_backup:
        print("backup / restore")
        backup = s.work / "法援备份.bjbak"
        s.run("--db", str(unit), "backup", "--out", str(backup))
        check(backup.exists() and backup.stat().st_size > 0, "backup wrote no file")
        s.run("--db", str(unit), "ledger", "add", "--unit", DEPARTMENT, "--kind", "hotline",
              "--date", "2018-07-03", "--title", "备份之后的记录", "--field", "calls=1")  # fmt: skip
        check(query(unit, "SELECT count(*) FROM ledger_entries")[0][0] == 2, "second entry")
        s.run("--db", str(unit), "restore", str(backup), "--yes")
        rows = query(unit, "SELECT title FROM ledger_entries")
        check(rows == [(TITLE,)], f"restore did not bring back the backed-up state: {rows}")
    else:
        print("SKIP backup: command not present (--help lists no backup)")

    print("upgrade of older databases by the installed program")
    old = s.work / "旧版-0012.db"
    make_old_database(old, "0012")
    check(query(old, "SELECT version_num FROM alembic_version") == [("0012",)], "not at 0012")
    s.run("--db", str(old), "init", "--template", "qingtian-2018", "--unit", COUNTY)
    version = query(old, "SELECT version_num FROM alembic_version")
    check(version == [(SCHEMA_HEAD,)], f"0012 not upgraded to {SCHEMA_HEAD}: {version}")
    # init set up its first 管理员, who encrypted it: the plain copy made before the upgrade
    # (and before the encryption) is removed once the sealed database is checked
    vault = query(old, "SELECT count(*) FROM local_settings WHERE key = 'crypto.vault'")
    check(vault == [(1,)], "init's first 管理员 did not encrypt the upgraded database")
    check(not any(s.work.glob("旧版-0012.backup-*.db")), "a plain copy was left after encrypting")
    oldest = s.work / "旧版-0001.db"
    shutil.copy(ROOT / "tests" / "data" / "schema-0001.db", oldest)
    s.run("--db", str(oldest), "ledger", "export", "--out", str(s.work / "旧版台账.xlsx"))
    version = query(oldest, "SELECT version_num FROM alembic_version")
    check(version == [(SCHEMA_HEAD,)], f"0001 not upgraded to {SCHEMA_HEAD}: {version}")
    check(any(s.work.glob("旧版-0001.backup-*.db")), "no copy made before the upgrade")
    print(f"  0012 → {SCHEMA_HEAD} and 0001 → {SCHEMA_HEAD}, each copied first")

    print("the window opens on the default database (offscreen)")
    s.run(env={"BANGJIAO_QUIT_AFTER_OPEN": "1"})
    log = (s.data / "logs" / "bangjiao.log").read_text(encoding="utf-8")
    check(f"窗口已打开数据库：大帮教工作台 — {COUNTY}" in log, "the log shows no open window")

    server_steps(s, photo)


def server_steps(s: Smoke, photo: Path) -> None:
    """With ``BANGJIAO_TEST_POSTGRES`` (the CI's throwaway cluster), the bundled psycopg and
    libpq on a real server: init of a fresh database there, a ledger entry, its export, and
    the window on it; the database is dropped afterwards. Skipped, saying so, without it."""
    server = os.environ.get("BANGJIAO_TEST_POSTGRES", "")
    if not server:
        print("SKIP PostgreSQL: BANGJIAO_TEST_POSTGRES is not set")
        return
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    print("PostgreSQL: init, ledger add and export, the window, on a fresh server database")
    name = f"bangjiao_smoke_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        url = url.replace("postgresql+psycopg://", "postgresql://", 1)  # as IT staff type it
        s.run("--db", url, "init", "--template", "qingtian-2018", "--unit", COUNTY)
        s.run("--db", url, "ledger", "add", "--unit", DEPARTMENT, "--kind", "hotline",
              "--date", "2018-07-02", "--title", TITLE, "--field", "calls=5",
              "--photo", str(photo))  # fmt: skip
        out = s.run("--db", url, "ledger", "export", "--out", str(s.work / "服务器台账.xlsx"))
        check("已导出 1 条台账" in out, f"the server's export: {out}")
        s.run("--db", url, env={"BANGJIAO_QUIT_AFTER_OPEN": "1"})
        log = (s.data / "logs" / "bangjiao.log").read_text(encoding="utf-8")
        check(
            log.count(f"窗口已打开数据库：大帮教工作台 — {COUNTY}") >= 2, "no window on the server"
        )
        print(f"  {name}: 1 entry with a photo, exported, the window opened")
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    """Run the smoke test; print OK or what failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default="/usr/bin/bangjiao-desk")
    parser.add_argument("--home", type=Path, required=True, help="an empty folder to use as HOME")
    args = parser.parse_args(argv)
    home = args.home.resolve()
    if home.exists():
        shutil.rmtree(home)
    (home / "work").mkdir(parents=True)
    smoke = Smoke(args.binary, home)
    started = time.monotonic()
    try:
        steps(smoke)
    except (SmokeFailure, subprocess.TimeoutExpired) as exc:
        print(f"SMOKE FAILED: {exc}")
        return 1
    print(f"SMOKE OK ({time.monotonic() - started:.0f} s): {args.binary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
