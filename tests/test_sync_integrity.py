"""Packages the database's own rules refuse, and the names packages get.

A package whose records break a rule of the database (here a UNIQUE one: 社区矫正科's PC had
issued a department's 责任状 and the county already has that version) is refused with a
Chinese message, as an import and as a preview, and the county's database stays byte for byte
as it was. A package's file name carries both units, the date and its number."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.models import Agreement, AgreementStatus, Unit
from app.services import agreements
from app.services.database import Database
from app.services.errors import UserError
from app.services.settings import current_programme
from app.services.setup import initialise
from app.sync import identity
from app.sync.exchange import (
    export_package,
    import_package,
    package_file_name,
    suggested_package_name,
)
from tests.conftest import TEMPLATE_KEY
from tests.helpers import dump, new_database, unit_ids

UNIT = "法律援助中心"


def _pair(tmp_path: Path, name: str) -> tuple[Database, Database]:
    """The county's and the unit ``name``'s databases, each knowing the other's keys."""
    county = initialise(new_database(tmp_path, "county"), TEMPLATE_KEY, "县矫正办").database
    unit = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, name).database
    with county.session() as c, unit.session() as u:
        uuid = {n: c.scalar(select(Unit.uuid).where(Unit.name == n)) for n in ("县矫正办", name)}
        identity.register_peer(c, uuid[name], identity.key_pairs(u).public())
        identity.register_peer(u, uuid["县矫正办"], identity.key_pairs(c).public())
    return county, unit


@pytest.fixture
def pair(tmp_path: Path):
    """The county's and 法律援助中心's databases, each knowing the other's keys."""
    county, unit = _pair(tmp_path, UNIT)
    yield county, unit
    county.close()
    unit.close()


@pytest.fixture
def keeper(tmp_path: Path):
    """The county's and 社区矫正科's databases (both keep agreements)."""
    county, unit = _pair(tmp_path, "社区矫正科")
    yield county, unit
    county.close()
    unit.close()


def test_a_package_that_breaks_a_unique_rule_is_refused_and_changes_nothing(keeper, tmp_path):
    county, unit = keeper
    with county.session() as s:  # the county's own first version of 基层科's agreement
        programme_id, units = current_programme(s).id, unit_ids(s)
        agreements.create_draft(s, programme_id, units["基层科"])
    with unit.session() as s:  # 社区矫正科's PC (it keeps agreements too) issued one as well
        programme_id, units = current_programme(s).id, unit_ids(s)
        s.add(Agreement(programme_id=programme_id, department_id=units["基层科"], party_a_id=units["社区矫正科"],
                        version=1, status=AgreementStatus.ISSUED, content={}, owner_unit_id=units["社区矫正科"]))  # fmt: skip
    package, _counts = export_package(unit, "县矫正办", tmp_path / "up.bjpkg")
    before = dump(county)
    expected = (
        "“社区矫正科”的数据包未导入：其中的责任状记录与本机已有的责任状重复"
        "（同一科室同一版本的责任状，本机已有另一份）。数据库保持原样，没有任何改动。"
        "请与“社区矫正科”核对这些责任状，改正后重新导出数据包。"
    )
    for dry_run in (True, False):
        with pytest.raises(UserError) as refused:
            import_package(county, package, dry_run=dry_run)
        assert str(refused.value) == expected
        assert dump(county) == before
    # the command line says the same, and exits with 2
    county.close()
    assert main(["--db", county.url, "import", str(package), "--dry-run"]) == 2


def test_package_names_carry_both_units_the_date_and_the_number(pair, tmp_path, capsys):
    county, unit = pair
    assert package_file_name("办公室（政治处）", "县 矫正办", 12, date(2018, 10, 12)) == (
        "办公室（政治处）-至-县_矫正办-20181012-第12号.bjpkg")  # fmt: skip
    with unit.session() as s:
        first = suggested_package_name(s, "县矫正办", date(2018, 10, 12))
        with pytest.raises(UserError, match="没有名为“县法院”的单位"):
            suggested_package_name(s, "县法院")
    assert first == "法律援助中心-至-县矫正办-20181012-第1号.bjpkg"
    folder = tmp_path / "U盘"
    folder.mkdir()
    written, _counts = export_package(unit, "县矫正办", folder)  # a folder: named there
    today = date.today().strftime("%Y%m%d")
    assert written == folder / f"法律援助中心-至-县矫正办-{today}-第1号.bjpkg" and written.is_file()
    with unit.session() as s:  # the next one is number 2, as the suggestion says
        assert (
            suggested_package_name(s, "县矫正办") == f"法律援助中心-至-县矫正办-{today}-第2号.bjpkg"
        )
    unit.close()
    assert main(["--db", str(unit.file), "export", "--to", "县矫正办", "--out", str(folder)]) == 0
    assert (folder / f"法律援助中心-至-县矫正办-{today}-第2号.bjpkg").is_file()
    assert "第2号.bjpkg" in capsys.readouterr().out
    assert import_package(county, written).sequence == 1
