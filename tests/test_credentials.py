"""Credential files: a wrong, damaged or newer file is refused with a Chinese message naming it,
and a unit's PC set up from a good one (the command line's and the wizard's one function) is
joined to the issuer, or, on any refusal, left without a database file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.models import Unit
from app.services.errors import UserError
from app.services.settings import get_setting, local_unit
from app.services.setup import initialise
from app.sync import identity
from app.sync.registration import (
    OWN_TOKEN,
    credential_summary,
    initialise_from_credential,
    read_credential,
    write_credential,
)
from tests.conftest import TEMPLATE_KEY


@pytest.fixture
def credential_file(tmp_path: Path, database) -> Path:
    """A credential the county (the template database) made for 法律援助中心."""
    path = tmp_path / "法律援助中心.cred"
    with database.session() as s:
        write_credential(s, "法律援助中心", path, TEMPLATE_KEY)
    return path


def _altered(path: Path, change) -> Path:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    out = path.with_name("altered.cred")
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


def _refusal(path: Path) -> str:
    with pytest.raises(UserError) as refused:
        read_credential(path)
    return str(refused.value)


def test_wrong_damaged_and_newer_files_are_refused_by_name(credential_file, tmp_path):
    package = tmp_path / "1.bjpkg"
    package.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    assert _refusal(package).startswith("“1.bjpkg”不是有效的接入凭证文件")
    cut = tmp_path / "cut.cred"
    cut.write_text(credential_file.read_text(encoding="utf-8")[:200], encoding="utf-8")
    assert _refusal(cut).startswith("“cut.cred”不是有效的接入凭证文件")
    other = tmp_path / "other.json"
    other.write_text('{"name": "not a credential"}', encoding="utf-8")
    assert _refusal(other) == "“other.json”不是大帮教工作台的接入凭证文件。"
    no_token = _altered(credential_file, lambda d: d.pop("token"))
    assert _refusal(no_token) == (
        "“altered.cred”已损坏或不完整（一次性口令不对），不能用来接入。请让发放凭证的单位重新生成一份。"
    )
    bad_key = _altered(credential_file, lambda d: d["county"].update(signing="abc"))
    assert "（发放单位的密钥不对）" in _refusal(bad_key)
    newer = _altered(credential_file, lambda d: d.update(version=2))
    assert "由更新版本的大帮教工作台生成" in _refusal(newer)
    assert "找不到文件" in _refusal(tmp_path / "gone.cred")
    assert read_credential(credential_file)["unit"]["unit_name"] == "法律援助中心"


def test_a_unit_set_up_from_its_credential_trusts_the_county(credential_file, database, tmp_path):
    result = initialise_from_credential(str(tmp_path / "unit.db"), read_credential(credential_file))
    with database.session() as c:
        county = c.scalar(select(Unit).where(Unit.name == "县矫正办"))
        county_keys = identity.key_pairs(c).public()
    with result.database.session() as s:
        assert local_unit(s).name == "法律援助中心"
        assert identity.peer_keys(s, county.uuid) == county_keys
        assert identity.registered_units(s) == [county.uuid]
    result.database.close()


def test_a_credential_whose_unit_is_not_the_templates_leaves_no_database(credential_file, tmp_path):
    strange = read_credential(
        _altered(credential_file, lambda d: d["unit"].update(unit_uuid="0" * 32))
    )
    target = tmp_path / "unit.db"
    with pytest.raises(UserError) as refused:
        initialise_from_credential(str(target), strange)
    assert "不是同一个单位" in str(refused.value)
    assert not target.exists()


def test_init_with_a_damaged_credential_exits_2_with_no_database(credential_file, tmp_path, capsys):
    damaged = _altered(credential_file, lambda d: d.pop("unit"))
    target = tmp_path / "unit.db"
    assert main(["--db", str(target), "init", "--credential", str(damaged)]) == 2
    assert "已损坏或不完整（接入单位不对）" in capsys.readouterr().err
    assert not target.exists()


def test_a_unit_already_set_up_joins_with_its_credential_again(credential_file, tmp_path):
    target = tmp_path / "unit.db"
    initialise(str(target), TEMPLATE_KEY, "法律援助中心").database.close()
    result = initialise_from_credential(str(target), read_credential(credential_file))
    with result.database.session() as s:
        assert get_setting(s, OWN_TOKEN) == read_credential(credential_file)["token"]
    result.database.close()


def test_a_credential_names_what_it_sets_up_or_the_template_this_pc_lacks(credential_file):
    summary = credential_summary(read_credential(credential_file))
    assert (summary.unit_name, summary.issuer_name, summary.template) == (
        "法律援助中心",
        "县矫正办",
        TEMPLATE_KEY,
    )
    assert summary.programme == "青田县司法局 2018 大帮教实施方案"
    unknown = read_credential(_altered(credential_file, lambda d: d.update(template="lishui-2019")))
    with pytest.raises(UserError) as refused:
        credential_summary(unknown)
    assert "没有这个接入凭证所用的实施方案模板“lishui-2019”" in str(refused.value)
