"""An install's exchange identity over time: data versions a unit must not skip, a new instance
id for a database copied elsewhere or restored from a backup (so package numbers never collide),
and the county joining the city from the command line. Real database files, real packages."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.models import AggregateReport, Duty, LedgerEntry, Unit
from app.services import ledger
from app.services.database import Database, open_database
from app.services.ledger import EntryInput
from app.services.settings import get_setting
from app.services.setup import initialise
from app.sync import identity
from app.sync.exchange import export_package, import_package
from app.sync.package import PackageError
from app.sync.registration import join_with_credential, read_credential, write_credential
from tests.conftest import TEMPLATE_KEY
from tests.helpers import dump, kind_ids, unit_ids

UNIT = "法律援助中心"


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a (closed) database file, as a backup program would make one."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def manifest(package: Path) -> dict:
    with zipfile.ZipFile(package) as archive:
        return json.loads(archive.read("manifest.json"))


def setting(db: Database, key: str) -> str | None:
    with db.session() as s:
        return get_setting(s, key)


def add_entry(db: Database, title: str) -> None:
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        ledger.save_entry(
            s,
            db.attachments,
            None,
            EntryInput(
                kind_id=kinds["hotline"],
                unit_id=units[UNIT],
                entry_date=date(2018, 7, 2),
                title=title,
                values={"calls": 5},
            ),
        )


class Offices:
    """The county's and the unit's database files; packages go through a USB folder."""

    def __init__(self, tmp_path: Path, blank: Path) -> None:
        self.folder = tmp_path
        self.county_file, self.unit_file = tmp_path / "county.db", tmp_path / "unit.db"
        shutil.copy(blank / "county.db", self.county_file)
        shutil.copy(blank / "unit.db", self.unit_file)
        self.county = open_database(str(self.county_file))
        with self.county.session() as s:
            write_credential(s, UNIT, tmp_path / "unit.cred", TEMPLATE_KEY)
        self.unit = open_database(str(self.unit_file))
        with self.unit.session() as s:
            join_with_credential(s, read_credential(tmp_path / "unit.cred"))
        self.count = 0

    def package(self, sender: Database, to: str) -> Path:
        self.count += 1
        out = self.folder / f"p{self.count}-至-{to}.bjpkg"
        export_package(sender, to, out)
        return out

    def up(self) -> Path:
        """The unit exports a package for the county."""
        return self.package(self.unit, "县矫正办")

    def down(self) -> Path:
        """The county exports a package for the unit."""
        return self.package(self.county, UNIT)

    def reopen_unit(self, restore_from: Path | None = None) -> None:
        """Close the unit's database (optionally put a backup in its place) and open it again."""
        self.unit.close()
        if restore_from is not None:
            copy_database(restore_from, self.unit_file)
        self.unit = open_database(str(self.unit_file))

    def close(self) -> None:
        self.county.close()
        self.unit.close()


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    """The county's and the unit's databases as ``initialise`` leaves them (made once a module,
    copied for each test: keys and instance ids are only made on first use)."""
    folder = tmp_path_factory.mktemp("blank")
    for name, unit in (("county.db", "县矫正办"), ("unit.db", UNIT)):
        initialise(str(folder / name), TEMPLATE_KEY, unit).database.close()
    return folder


@pytest.fixture
def offices(tmp_path, blank):
    found = Offices(tmp_path, blank)
    yield found
    found.close()


def test_a_unit_that_missed_a_reference_package_is_told_which_one_to_import_first(offices):
    add_entry(offices.unit, "第一条")
    import_package(offices.county, offices.up())  # introduces the unit's keys
    first = offices.down()
    assert manifest(first)["data_version"] == {"version": 1, "since": 0, "packages": []}
    backup = offices.folder / "unit-before-first.db"
    offices.reopen_unit()
    copy_database(offices.unit_file, backup)  # a backup taken before the first package came in
    assert import_package(offices.unit, first).data_version == 1
    import_package(offices.county, offices.up())  # acknowledges the county's first package

    with offices.county.session() as s:  # the county revises a duty: reference data version 2
        duty = s.scalar(select(Duty).order_by(Duty.id))
        duty.text, duty_uuid = "提供社区矫正经费保障（第二版）", duty.uuid
    second = offices.down()
    info = manifest(second)
    assert info["changed_since"] and info["counts"].get("duties") == 1
    assert info["data_version"] == {"version": 2, "since": 1, "packages": [[1, 1]]}

    offices.reopen_unit(restore_from=backup)  # the unit's PC goes back to the backup
    before = dump(offices.unit_file)
    with pytest.raises(PackageError) as refused:
        import_package(offices.unit, second)
    message = str(refused.value)
    assert "缺少第 1 至第 1 版" in message
    assert "请先导入县矫正办发给本单位的第 1 号数据包" in message
    assert dump(offices.unit_file) == before

    # the restored database gets a new identity once (on the first import), not on every import
    renewal = import_package(offices.unit, first)
    assert renewal.data_version == 1 and renewal.note.startswith("数据库从备份恢复")
    renewed = setting(offices.unit, identity.INSTANCE)
    summary = import_package(offices.unit, second)
    assert summary.updated.get("duties") == 1 and summary.data_version == 2
    assert summary.note == "" and setting(offices.unit, identity.INSTANCE) == renewed
    assert manifest(offices.up())["sender"]["instance_uuid"] == renewed
    with offices.unit.session() as s:
        assert s.scalar(select(Duty.text).where(Duty.uuid == duty_uuid)).endswith("（第二版）")


def test_a_normal_second_export_keeps_the_instance(offices):
    add_entry(offices.unit, "第一条")
    first = manifest(offices.up())["sender"]["instance_uuid"]
    second = offices.up()
    assert manifest(second)["sender"]["instance_uuid"] == first
    assert manifest(second)["sequence"] == 2
    assert setting(offices.unit, identity.MOVED) is None
    county_uuid = manifest(second)["recipient"]["unit_uuid"]
    ledger_file = identity.ledger_file(offices.unit_file)
    assert json.loads(ledger_file.read_text(encoding="utf-8")) == {
        "instance": first, "issued": {county_uuid: 2},
    }  # fmt: skip


def test_a_copied_database_gets_a_new_instance_and_the_original_keeps_its_own(offices):
    add_entry(offices.unit, "第一条")
    import_package(offices.county, offices.up())
    original = setting(offices.unit, identity.INSTANCE)
    offices.unit.close()
    other = offices.folder / "另一台电脑"
    other.mkdir()
    copy_database(offices.unit_file, other / "unit.db")

    copy = open_database(str(other / "unit.db"))
    try:
        from_copy = offices.package(copy, "县矫正办")
        renewed = manifest(from_copy)["sender"]["instance_uuid"]
        assert renewed != original and setting(copy, identity.INSTANCE) == renewed
        assert setting(copy, identity.MOVED) == "数据库被复制或移动到了别处"
        assert manifest(from_copy)["sequence"] == 2
    finally:
        copy.close()
    import_package(offices.county, from_copy)

    offices.reopen_unit()
    from_original = offices.up()
    assert manifest(from_original)["sender"]["instance_uuid"] == original
    assert setting(offices.unit, identity.MOVED) is None
    # both number 2, but from different instances: neither is taken for the other
    assert import_package(offices.county, from_original).sequence == 2


def test_a_database_restored_from_a_backup_gets_a_new_instance_so_its_numbers_do_not_collide(
    offices,
):
    add_entry(offices.unit, "第一条")
    import_package(offices.county, offices.up())
    original = setting(offices.unit, identity.INSTANCE)
    backup = offices.folder / "unit-backup.db"
    offices.reopen_unit()
    copy_database(offices.unit_file, backup)  # taken after package 1, before package 2
    add_entry(offices.unit, "第二条")
    import_package(offices.county, offices.up())  # package 2 of the original instance
    sidecar = identity.ledger_file(offices.unit_file)
    issued = sidecar.read_text(encoding="utf-8")

    offices.reopen_unit(restore_from=backup)
    restored = offices.up()
    info = manifest(restored)
    assert info["sequence"] == 2  # the same number as the package already imported
    assert info["sender"]["instance_uuid"] != original
    assert setting(offices.unit, identity.MOVED) == "数据库从备份恢复（已发出过更大编号的数据包）"
    assert import_package(offices.county, restored).sequence == 2

    # without the renewal (the file beside the database lost too) the county would refuse it
    offices.reopen_unit(restore_from=backup)
    sidecar.unlink()
    stale = offices.up()
    assert manifest(stale)["sender"]["instance_uuid"] == original
    assert manifest(stale)["sequence"] == 2 and issued
    before = dump(offices.county_file)
    with pytest.raises(PackageError, match="已经导入过"):
        import_package(offices.county, stale)
    assert dump(offices.county_file) == before


def test_the_county_joins_the_city_from_the_command_line(tmp_path, capsys):
    county, city, unit = tmp_path / "county.db", tmp_path / "city.db", tmp_path / "unit.db"
    for path, name in ((county, "县矫正办"), (city, "市矫正办"), (unit, UNIT)):
        assert main(["--db", str(path), "init", "--template", TEMPLATE_KEY, "--unit", name]) == 0
    cred = tmp_path / "县矫正办.cred"
    assert main(["--db", str(city), "credential", "--unit", "县矫正办", "--out", str(cred)]) == 0

    # a credential made for another unit is refused, and nothing is registered
    before = dump(unit)
    capsys.readouterr()
    assert main(["--db", str(unit), "join", "--credential", str(cred)]) == 2
    err = capsys.readouterr().err
    assert "这个接入凭证是发给“县矫正办”的，不是本机单位“法律援助中心”的" in err
    assert dump(unit) == before

    assert main(["--db", str(county), "join", "--credential", str(cred)]) == 0
    assert "已接入：信任“市矫正办”的密钥" in capsys.readouterr().out
    args = ["--db", str(county), "ledger", "add", "--unit", "县矫正办", "--kind", "hotline",
            "--date", "2018-07-02", "--title", "县矫正办热线", "--field", "calls=3"]  # fmt: skip
    assert main(args) == 0
    package = tmp_path / "县矫正办-至-市矫正办-1.bjpkg"
    assert main(["--db", str(county), "export", "--to", "市矫正办", "--out", str(package)]) == 0
    assert "ledger_entries" not in manifest(package)["counts"]
    assert main(["--db", str(city), "import", str(package)]) == 0

    db = open_database(str(city))
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 0
            report = s.scalar(select(AggregateReport))
            owner = s.scalar(select(Unit.name).where(Unit.id == report.owner_unit_id))
            assert owner == "县矫正办" and report.figures["totals"]["entries"] == 1
    finally:
        db.close()
