"""The command line with ``--db postgresql://…`` (issue 18): the county's database on the
server, a department's on SQLite exchanging packages with it both ways, the county's PDFs and
tables made from the server, the login from BANGJIAO_USER/BANGJIAO_PASSWORD there, and a
server's problems said in Chinese without its password. Skipped without
``BANGJIAO_TEST_POSTGRES``."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.cli import main
from app.models import LedgerEntry
from app.services.database import normalise_url, open_database
from tests.conftest import open_unlocked
from tests.helpers import make_jpeg

COUNTY, UNIT = "县矫正办", "法律援助中心"


def _typed(url: str) -> str:
    """The URL as IT staff type it: ``postgresql://`` (psql's spelling), no driver named."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _titles(db: str) -> list[str]:
    database = open_unlocked(db) if "://" not in db else open_database(db)
    try:
        with database.session() as s:
            return sorted(s.scalars(select(LedgerEntry.title)))
    finally:
        database.close()


def test_the_county_on_the_server_exchanges_with_a_department_and_prints(
    postgres_url, tmp_path, capsys
):
    server = _typed(postgres_url)
    unit, cred = str(tmp_path / "unit.db"), tmp_path / "法援.cred"
    assert main(["--db", server, "init", "--template", "qingtian-2018", "--unit", COUNTY]) == 0
    out = capsys.readouterr().out
    assert "数据库：数据库服务器 " in out and "本机单位：县矫正办" in out
    assert main(["--db", server, "credential", "--unit", UNIT, "--out", str(cred)]) == 0
    assert main(["--db", unit, "init", "--credential", str(cred)]) == 0
    add = ["--db", unit, "ledger", "add", "--unit", UNIT, "--kind", "hotline", "--date",
           "2018-07-02", "--title", "热线（送往服务器）", "--field", "calls=5",
           "--photo", str(make_jpeg(tmp_path / "现场.jpg"))]  # fmt: skip
    assert main(add) == 0
    up = tmp_path / "up.bjpkg"
    assert main(["--db", unit, "export", "--to", COUNTY, "--out", str(up)]) == 0
    assert main(["--db", server, "import", str(up)]) == 0  # into the server
    assert _titles(postgres_url) == ["热线（送往服务器）"]
    capsys.readouterr()

    down = tmp_path / "down.bjpkg"  # and out of it: the county's package to the department
    assert main(["--db", server, "export", "--to", UNIT, "--out", str(down)]) == 0
    assert main(["--db", unit, "verify", str(down)]) == 0
    assert "数据包有效：县矫正办 → 法律援助中心" in capsys.readouterr().out
    assert main(["--db", unit, "import", str(down)]) == 0

    volume = tmp_path / "台账卷.pdf"  # PDFs made from the server's data, the photo included
    args = ["--db", server, "ledger", "volume", "--unit", UNIT, "--from", "2018-07-01", "--to",
            "2018-12-31", "--out", str(volume)]  # fmt: skip
    assert main(args) == 0
    assert "照片1张" in capsys.readouterr().out
    reader = PdfReader(volume)
    assert "热线（送往服务器）" in "".join(page.extract_text() for page in reader.pages)
    assert any(page.images for page in reader.pages)
    report = tmp_path / "全县.pdf"
    assert main(["--db", server, "summary", "county", "--out", str(report)]) == 0
    assert report.stat().st_size > 10_000
    table = tmp_path / "统计.xlsx"
    assert main(["--db", server, "statistics", "table", "--report", "monthly", "--period",
                 "2018-07", "--xlsx", str(table), "--date", "2018-08-10"]) == 0  # fmt: skip
    assert table.stat().st_size > 0
    exported = tmp_path / "台账.xlsx"
    assert main(["--db", server, "ledger", "export", "--out", str(exported)]) == 0
    assert "已导出 1 条台账" in capsys.readouterr().out


def test_the_login_and_the_refusals_on_a_server(postgres_url, tmp_path, monkeypatch, capsys):
    server = _typed(postgres_url)
    assert main(["--db", server, "init", "--template", "qingtian-2018", "--unit", COUNTY]) == 0
    assert main(["--db", server, "users", "list"]) == 0  # BANGJIAO_USER/PASSWORD log in
    capsys.readouterr()
    monkeypatch.setenv("BANGJIAO_PASSWORD", "not-the-password-1")
    assert main(["--db", server, "users", "list"]) == 2
    assert "用户名或密码不正确" in capsys.readouterr().err
    monkeypatch.undo()

    backup = ["--db", server, "backup", "--out", str(tmp_path / "x.bjbak")]
    assert main(backup) == 2
    assert "服务器管理员在服务器上备份和恢复（pg_dump、pg_restore）" in capsys.readouterr().err
    assert not (tmp_path / "x.bjbak").exists()

    secret = "Top-Secret-9"  # a wrong database name, with a password in the URL
    wrong = make_url(normalise_url(server)).set(database="no_such_db", password=secret)
    assert main(["--db", wrong.render_as_string(hide_password=False), "users", "list"]) == 2
    err = capsys.readouterr().err
    assert "数据库服务器上没有名为“no_such_db”的数据库" in err and secret not in err

    nowhere = make_url(normalise_url(server)).set(password=secret)
    nowhere = nowhere.update_query_dict({"host": str(tmp_path)})  # no server listens there
    assert main(["--db", nowhere.render_as_string(hide_password=False), "users", "list"]) == 2
    err = capsys.readouterr().err
    assert "连接不上数据库服务器" in err and secret not in err


def test_a_postgresql_url_names_the_shipped_driver() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u:p@h:5433/db") == "postgresql+psycopg://u:p@h:5433/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ('FATAL:  password authentication failed for user "bj"', "用户名或密码不正确"),
        ("fe_sendauth: no password supplied", "用户名或密码不正确"),
        ('FATAL:  role "ghost" does not exist', "没有这个数据库用户"),
        ('FATAL:  database "x" does not exist', "没有名为“db”的数据库"),
        ("FATAL:  permission denied for database x", "没有使用数据库“db”的权限"),
        ('connection to server at "10.0.0.9", port 5432 failed: Connection refused', "连接不上"),
        ("received invalid response to SSL negotiation: H", "应答的不是数据库服务器"),
    ],
)
def test_a_servers_refusal_is_explained_in_chinese(detail: str, expected: str) -> None:
    from app.services.database import explain_server_error

    text = explain_server_error(detail, "postgresql+psycopg://bj:pw-123@10.0.0.9:5432/db")
    assert text is not None and expected in text and "pw-123" not in text


def test_the_remembered_server_is_what_commands_without_db_open(
    postgres_url, tmp_path, monkeypatch, capsys
):
    from app import paths
    from app.services import server_config

    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setattr(paths, "user_data_dir", lambda: folder)
    assert (
        main(["--db", postgres_url, "init", "--template", "qingtian-2018", "--unit", COUNTY]) == 0
    )
    parsed = make_url(postgres_url)
    server_config.remember(
        server_config.ServerSettings(
            str(parsed.query["host"]), int(str(parsed.query["port"])), str(parsed.database),
            str(parsed.username), "any-password",
        )
    )  # fmt: skip
    capsys.readouterr()
    assert main(["users", "list"]) == 0  # no --db: the server, not a file in the data folder
    assert "管理员" in capsys.readouterr().out
    assert not (folder / "bangjiao.db").exists()
    server_config.forget()
    assert server_config.remembered_url() is None
    assert not list(Path(folder).glob("server.*"))


def test_the_wizards_fields_make_a_url_that_reads_back_whole(tmp_path) -> None:
    from app.services.errors import ValidationError
    from app.services.server_config import ServerSettings, check_settings

    settings = check_settings(" 192.168.1.10 ", "5433", "大帮教", "bj user", "p@ss:w/rd?#")
    parsed = make_url(settings.url())
    assert (parsed.host, parsed.port, parsed.database) == ("192.168.1.10", 5433, "大帮教")
    assert (parsed.username, parsed.password) == ("bj user", "p@ss:w/rd?#")
    kept = make_url(settings.url(passfile=tmp_path / "server.pgpass"))
    assert kept.password is None and kept.query["passfile"] == str(tmp_path / "server.pgpass")
    assert "p@ss" not in repr(settings)
    assert make_url(ServerSettings("fe80::1", 5432, "db", "u").url()).host == "fe80::1"
    for fields, field in [(("", "5432", "db", "u"), "host"), (("h", "70000", "db", "u"), "port"),
                          (("h", "x", "db", "u"), "port"), (("h", "5432", " ", "u"), "database"),
                          (("h", "5432", "db", ""), "user")]:  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            check_settings(*fields, "")
        assert refused.value.field == field
