"""Joining and exchanging through the command line, as IT staff would do it."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.cli import main
from app.models import LedgerEntry
from app.services.database import open_database
from tests.helpers import dump, make_jpeg, refusals


def _entries(path) -> int:
    db = open_database(str(path))
    try:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(LedgerEntry))
    finally:
        db.close()


def _join(tmp_path) -> tuple:
    county, unit, cred = tmp_path / "county.db", tmp_path / "unit.db", tmp_path / "法援.cred"
    assert (
        main(["--db", str(county), "init", "--template", "qingtian-2018", "--unit", "县矫正办"])
        == 0
    )
    assert (
        main(["--db", str(county), "credential", "--unit", "法律援助中心", "--out", str(cred)]) == 0
    )
    assert main(["--db", str(unit), "init", "--credential", str(cred)]) == 0
    return county, unit, cred


def _add(unit, title: str, *extra: str) -> None:
    args = ["--db", str(unit), "ledger", "add", "--unit", "法律援助中心", "--kind", "hotline",
            "--date", "2018-07-02", "--title", title, "--field", "calls=5", *extra]  # fmt: skip
    assert main(args) == 0


def test_join_export_verify_and_import_a_folder_in_order(tmp_path, capsys):
    county, unit, _cred = _join(tmp_path)
    usb = tmp_path / "usb"
    usb.mkdir()
    _add(unit, "第一条", "--photo", str(make_jpeg(tmp_path / "a.jpg")))
    assert (
        main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(usb / "b-later.bjpkg")])
        == 0
    )
    _add(unit, "第二条")
    # the newer package has the alphabetically earlier name: the folder import must sort by sequence
    assert (
        main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(usb / "a-newer.bjpkg")])
        == 0
    )
    assert main(["--db", str(county), "verify", str(usb / "b-later.bjpkg")]) == 0
    assert "数据包有效：法律援助中心 → 县矫正办，第 1 号，生成于 20" in capsys.readouterr().out
    assert (
        main(["--db", str(county), "export", "--to", "基层科", "--out", str(usb / "x.bjpkg")]) == 2
    )
    assert "“基层科”还没有接入" in capsys.readouterr().err and not (usb / "x.bjpkg").exists()
    assert main(["--db", str(county), "import", str(usb), "--dry-run"]) == 0
    assert _entries(county) == 0
    assert main(["--db", str(county), "import", str(usb)]) == 0
    out = capsys.readouterr().out
    assert out.index("b-later.bjpkg") < out.index("a-newer.bjpkg")
    assert _entries(county) == 2
    assert main(["--db", str(county), "import", str(usb)]) == 2
    assert "已经导入过" in capsys.readouterr().out
    assert _entries(county) == 2


def test_a_stranger_or_a_tampered_package_is_refused(tmp_path, capsys):
    county, unit, cred = _join(tmp_path)
    _add(unit, "正常")
    package = tmp_path / "p.bjpkg"
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(package)]) == 0

    stranger = tmp_path / "stranger.db"  # joins with a forged token
    data = json.loads(cred.read_text(encoding="utf-8"))
    data["token"] = "0" * 32
    forged = tmp_path / "forged.cred"
    forged.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["--db", str(stranger), "init", "--credential", str(forged)]) == 0
    _add(stranger, "冒名顶替")
    bad = tmp_path / "bad.bjpkg"
    assert main(["--db", str(stranger), "export", "--to", "县矫正办", "--out", str(bad)]) == 0
    assert main(["--db", str(county), "import", str(bad)]) == 2
    assert "尚未登记" in capsys.readouterr().out
    ((name, file, details),) = refusals(county)  # kept in the 收发记录 with its reason
    assert (name, file) == ("法律援助中心", "bad.bjpkg") and "尚未登记" in details
    assert _entries(county) == 0

    cut = tmp_path / "cut.bjpkg"
    cut.write_bytes(package.read_bytes()[:-200])
    assert main(["--db", str(county), "import", str(cut)]) == 2
    assert "不完整" in capsys.readouterr().out
    assert _entries(county) == 0
    assert main(["--db", str(county), "import", str(package)]) == 0
    assert _entries(county) == 1


def test_reference_data_flows_down_from_the_county(tmp_path, capsys):
    from app.models import Duty

    county, unit, _cred = _join(tmp_path)
    _add(unit, "首个数据包")  # the unit's first package introduces its keys to the county
    assert (
        main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(tmp_path / "up.bjpkg")])
        == 0
    )
    assert main(["--db", str(county), "import", str(tmp_path / "up.bjpkg")]) == 0
    db = open_database(str(county))
    with db.session() as s:
        duty = s.scalar(select(Duty).order_by(Duty.id))
        duty.text = "提供社区矫正经费保障（县矫正办修订）"
        duty_uuid = duty.uuid
    db.close()
    down = tmp_path / "down.bjpkg"
    assert main(["--db", str(county), "export", "--to", "法律援助中心", "--out", str(down)]) == 0
    assert main(["--db", str(unit), "import", str(down)]) == 0
    assert "职责：新增 0，更新 1" in capsys.readouterr().out
    db = open_database(str(unit))
    with db.session() as s:
        assert (
            s.scalar(select(Duty.text).where(Duty.uuid == duty_uuid))
            == "提供社区矫正经费保障（县矫正办修订）"
        )
    db.close()


def test_after_the_county_confirms_only_changes_travel(tmp_path, capsys):
    import zipfile

    county, unit, _cred = _join(tmp_path)
    _add(unit, "第一条")
    _add(unit, "第二条")
    assert (
        main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(tmp_path / "1.bjpkg")])
        == 0
    )
    assert main(["--db", str(county), "import", str(tmp_path / "1.bjpkg")]) == 0
    assert (
        main(
            [
                "--db",
                str(county),
                "export",
                "--to",
                "法律援助中心",
                "--out",
                str(tmp_path / "ack.bjpkg"),
            ]
        )
        == 0
    )
    assert (
        main(["--db", str(unit), "import", str(tmp_path / "ack.bjpkg")]) == 0
    )  # carries the confirmation
    _add(unit, "第三条")
    assert (
        main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(tmp_path / "2.bjpkg")])
        == 0
    )
    with zipfile.ZipFile(tmp_path / "2.bjpkg") as z:
        manifest = json.loads(z.read("manifest.json"))
    assert manifest["counts"]["ledger_entries"] == 1 and manifest["changed_since"]
    assert main(["--db", str(county), "import", str(tmp_path / "2.bjpkg")]) == 0
    assert _entries(county) == 3
    assert (
        main(
            [
                "--db",
                str(unit),
                "export",
                "--to",
                "县矫正办",
                "--full",
                "--out",
                str(tmp_path / "3.bjpkg"),
            ]
        )
        == 0
    )
    with zipfile.ZipFile(tmp_path / "3.bjpkg") as z:
        assert json.loads(z.read("manifest.json"))["counts"]["ledger_entries"] == 3


def test_import_into_a_locked_database_is_explained_without_a_traceback(
    tmp_path, capsys, monkeypatch
):
    import sqlite3

    from app.services import database as database_module

    county, unit, _cred = _join(tmp_path)
    _add(unit, "为申请人张三办理法律援助")
    package = tmp_path / "1.bjpkg"
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(package)]) == 0
    capsys.readouterr()
    before = dump(county)
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(county)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert main(["--db", str(county), "import", str(package)]) == 3
    finally:
        holder.rollback()
        holder.close()
    err = capsys.readouterr().err
    assert "正被另一个程序占用" in err and "Traceback" not in err and "张三" not in err
    assert dump(county) == before


def test_a_full_disk_is_explained_in_chinese():
    import errno

    from app.services.errors import environment_problem

    problem = environment_problem(OSError(errno.ENOSPC, "No space left on device", "x.bjpkg"))
    assert problem is not None and "磁盘空间已满" in problem
