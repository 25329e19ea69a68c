"""Keys over time, between real databases and real packages: a unit's reinstalled PC rejoins
with a re-issued credential (held until the county confirms its keys, the old key then refused
saying why), the county rotates its own keys (the units follow, then refuse the old key), every
change is in the history, and the command line does the same."""

from __future__ import annotations

import base64
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.models import Direction, LedgerEntry, PackageLog, Unit
from app.services.database import Database
from app.services.errors import UserError
from app.services.setup import initialise
from app.sync import identity, keys
from app.sync.crypto import KeyPairs
from app.sync.exchange import export_package, import_package, verify_package
from app.sync.keys import NewKeysPresented
from app.sync.package import PackageError, PackageWriter, Party
from app.sync.registration import (
    initialise_from_credential,
    join_with_credential,
    read_credential,
    write_credential,
)
from tests.conftest import TEMPLATE_KEY, open_unlocked
from tests.helpers import dump
from tests.test_sync_identity import add_entry, copy_database

UNIT = "法律援助中心"
COUNTY = "县矫正办"


def entries(db: Database) -> list[str]:
    with db.session() as s:
        return sorted(s.scalars(select(LedgerEntry.title)))


def key_events(db: Database) -> list[tuple[str, str]]:
    """(peer, event) of every change of keys in the history, oldest first."""
    with db.session() as s:
        rows = s.scalars(
            select(PackageLog).where(PackageLog.direction == Direction.KEYS).order_by(PackageLog.id)
        ).all()
        return [(r.peer_unit_name, json.loads(r.details)["key_event"]) for r in rows]


def code(db: Database) -> str:
    with db.session() as s:
        return identity.key_pairs(s).public().fingerprint()


def uuid_of(db: Database, name: str) -> str:
    with db.session() as s:
        return s.scalar(select(Unit.uuid).where(Unit.name == name))


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("blank")
    for name, unit in (("county.db", COUNTY), ("unit.db", UNIT)):
        initialise(str(folder / name), TEMPLATE_KEY, unit).database.close()
    return folder


class Offices:
    """The county and 法律援助中心, joined by a credential and one package each way."""

    def __init__(self, folder: Path, blank: Path) -> None:
        self.folder = folder
        self.county_file, self.unit_file = folder / "county.db", folder / "unit.db"
        shutil.copy(blank / "county.db", self.county_file)
        shutil.copy(blank / "unit.db", self.unit_file)
        self.county = open_unlocked(str(self.county_file))
        self.unit = open_unlocked(str(self.unit_file))
        with self.county.session() as s:
            write_credential(s, UNIT, folder / "unit.cred", TEMPLATE_KEY)
        with self.unit.session() as s:
            join_with_credential(s, read_credential(folder / "unit.cred"))
        self.count = 0
        add_entry(self.unit, "旧电脑的台账")
        import_package(self.county, self.package(self.unit, COUNTY))
        import_package(self.unit, self.package(self.county, UNIT))

    def package(self, sender: Database, to: str) -> Path:
        self.count += 1
        out = self.folder / f"p{self.count}.bjpkg"
        export_package(sender, to, out)
        return out

    def close(self) -> None:
        self.county.close()
        self.unit.close()


@pytest.fixture
def offices(tmp_path, blank):
    found = Offices(tmp_path, blank)
    yield found
    found.close()


def reinstalled_unit(offices: Offices) -> Database:
    """法律援助中心's new PC, set up from a credential the county re-issued."""
    credential = offices.folder / "reissued.cred"
    with offices.county.session() as s:
        write_credential(s, UNIT, credential, TEMPLATE_KEY, reissue=True)
    result = initialise_from_credential(
        str(offices.folder / "new-unit.db"), read_credential(credential)
    )
    return result.database


def test_a_registered_unit_gets_a_credential_again_only_when_reissued(offices):
    with pytest.raises(UserError) as refused, offices.county.session() as s:
        write_credential(s, UNIT, offices.folder / "again.cred", TEMPLATE_KEY)
    assert "已经接入" in str(refused.value) and "--reissue" in str(refused.value)
    assert not (offices.folder / "again.cred").exists()
    assert key_events(offices.county) == [(UNIT, "registered")]


def test_a_reinstalled_unit_rejoins_once_the_county_confirms_and_its_old_key_is_refused(offices):
    county, old_pc = offices.county, offices.unit
    old_code = code(old_pc)
    new_pc = reinstalled_unit(offices)
    add_entry(new_pc, "新电脑的台账")
    first = offices.package(new_pc, COUNTY)

    # the new PC's first package is held: no switch without a person
    before = dump(offices.county_file)
    with pytest.raises(NewKeysPresented) as held:
        import_package(county, first, dry_run=True)
    message = str(held.value)
    assert message.startswith(f"“{UNIT}”的这个数据包来自一台新的电脑")
    assert f"新识别码 {code(new_pc)}" in message and f"识别码 {old_code}" in message
    assert "待确认的新密钥" in message and "暂未导入" in message
    assert entries(county) == ["旧电脑的台账"]
    after = dump(offices.county_file)
    changed = sorted(set(after) ^ set(before))
    assert changed and all(
        line.startswith(('INSERT INTO "local_settings"', 'INSERT INTO "package_log"'))
        for line in changed
    )  # only the keys waiting and the history line
    with county.session() as s:
        (pending,) = keys.pending_keys(s)
    assert (pending.unit_name, pending.code, pending.current_code) == (UNIT, code(new_pc), old_code)
    assert pending.file == str(first.resolve())
    with pytest.raises(NewKeysPresented):  # again: still held, told once in the history
        import_package(county, first)

    # a mistyped code confirms nothing
    with pytest.raises(UserError) as wrong, county.session() as s:
        keys.confirm_new_keys(s, UNIT, "0000-0000-0000-0000")
    assert "识别码不符" in str(wrong.value)
    with county.session() as s:
        keys.confirm_new_keys(s, UNIT, code(new_pc).lower())
        assert keys.pending_keys(s) == []
    assert import_package(county, first).created["ledger_entries"] == 1
    assert entries(county) == ["新电脑的台账", "旧电脑的台账"]

    # the old PC, still about, is refused: its key was replaced today
    add_entry(old_pc, "旧电脑又登记的台账")
    stale = offices.package(old_pc, COUNTY)
    before = dump(offices.county_file)
    with pytest.raises(PackageError) as refused:
        import_package(county, stale)
    text = str(refused.value)
    assert text.startswith(
        f"这个数据包是用“{UNIT}”的旧密钥（识别码 {old_code}）签名的，该密钥已于 "
    )
    assert "作废" in text and "丢失、被盗" in text and "今后只用新电脑导出数据包" in text
    assert dump(offices.county_file) == before
    with pytest.raises(PackageError) as verified:
        verify_package(county, stale)
    assert str(verified.value) == text

    # the county's next package is for the new PC only, and brings everything again
    down = offices.package(county, UNIT)
    assert import_package(new_pc, down).data_version >= 1
    with pytest.raises(PackageError) as sealed:
        import_package(old_pc, offices.package(county, UNIT))
    assert "无法解密" in str(sealed.value)
    assert key_events(county) == [
        (UNIT, "registered"), (UNIT, "reissued"), (UNIT, "presented"), (UNIT, "confirmed"),
        (UNIT, "revoked"),
    ]  # fmt: skip
    new_pc.close()


def test_new_keys_rejected_spend_the_credential(offices):
    new_pc = reinstalled_unit(offices)
    first = offices.package(new_pc, COUNTY)
    with pytest.raises(NewKeysPresented):
        import_package(offices.county, first)
    with offices.county.session() as s:
        keys.reject_new_keys(s, UNIT)
    before = dump(offices.county_file)
    with pytest.raises(PackageError) as refused:
        import_package(offices.county, first)
    assert "来自一台本机不认识的电脑" in str(refused.value)
    assert "请在“数据交换”页面为它重新发放接入凭证" in str(refused.value)
    assert dump(offices.county_file) == before
    assert key_events(offices.county)[-1] == (UNIT, "rejected")
    new_pc.close()


def test_a_new_pc_without_a_reissued_credential_is_told_to_get_one(offices, tmp_path):
    stranger = initialise(str(tmp_path / "stranger.db"), TEMPLATE_KEY, UNIT).database
    with stranger.session() as s:  # joined with the first, already used credential
        join_with_credential(s, read_credential(offices.folder / "unit.cred"))
    package = offices.package(stranger, COUNTY)
    before = dump(offices.county_file)
    with pytest.raises(PackageError) as refused:
        import_package(offices.county, package)
    assert str(refused.value).startswith(
        f"“{UNIT}”的这个数据包来自一台本机不认识的电脑（识别码 {code(stranger)}）"
    )
    assert dump(offices.county_file) == before
    stranger.close()


def test_the_county_rotates_its_keys_and_units_follow_then_refuse_the_old_key(offices):
    county, unit = offices.county, offices.unit
    old_code = code(county)
    backup = offices.folder / "county-before.db"
    copy_database(offices.county_file, backup)  # a copy that still holds the old key
    add_entry(unit, "轮换前封装的台账")
    sealed_to_old = offices.package(unit, COUNTY)  # sealed to the county's old key

    with pytest.raises(UserError) as refused, unit.session() as s:
        keys.rotate_keys(s)
    assert "只有县矫正办（或市矫正办）的电脑可以更换本机密钥" in str(refused.value)
    with county.session() as s:
        rotated = keys.rotate_keys(s)
    new_code = code(county)
    assert rotated == (old_code, new_code) and new_code != old_code

    import_package(county, sealed_to_old)  # the old private key still opens what was sealed to it
    assert "轮换前封装的台账" in entries(county)
    rotation = offices.package(county, UNIT)
    with zipfile.ZipFile(rotation) as archive:
        (entry,) = json.loads(archive.read("manifest.json"))["key_rotations"]
    assert entry["endorsement"] and entry["signing"] != entry["old_signing"]
    county_uuid = uuid_of(unit, COUNTY)
    verify_package(unit, rotation)  # a verification switches nothing
    with unit.session() as s:
        assert identity.peer_keys(s, county_uuid).fingerprint() == old_code
    import_package(unit, rotation)
    with unit.session() as s:
        assert identity.peer_keys(s, county_uuid).fingerprint() == new_code
    import_package(unit, offices.package(county, UNIT))  # later packages: the new key alone

    add_entry(unit, "轮换后的台账")
    import_package(county, offices.package(unit, COUNTY))  # sealed to the new key
    assert "轮换后的台账" in entries(county)

    old_county = open_unlocked(str(backup))
    stale = offices.folder / "old-key.bjpkg"
    export_package(old_county, UNIT, stale)
    old_county.close()
    before = dump(offices.unit_file)
    with pytest.raises(PackageError) as old_key:
        import_package(unit, stale)
    text = str(old_key.value)
    assert text.startswith(f"这个数据包是用“{COUNTY}”已作废的旧密钥（识别码 {old_code}）签名的：")
    assert "更换了密钥" in text and "请其重新导出数据包" in text
    assert dump(offices.unit_file) == before
    assert key_events(county)[-1] == (COUNTY, "rotated")
    assert key_events(unit) == [(COUNTY, "switched")]
    with pytest.raises(UserError) as stale_credential, unit.session() as s:  # the old key again
        join_with_credential(s, read_credential(offices.folder / "unit.cred"))
    assert "这个接入凭证中“县矫正办”的密钥已于 " in str(stale_credential.value)
    assert "请向县矫正办索取一份新的接入凭证" in str(stale_credential.value)
    with unit.session() as s:
        assert identity.peer_keys(s, county_uuid).fingerprint() == new_code


def test_a_rotation_not_vouched_for_by_the_registered_key_is_refused(offices):
    county_uuid, unit_uuid = uuid_of(offices.county, COUNTY), uuid_of(offices.county, UNIT)
    with offices.unit.session() as s:
        registered = identity.peer_keys(s, county_uuid)
        unit_encryption = identity.key_pairs(s).public().encryption
    forger = KeyPairs.generate()
    forged = forger.public()
    entry = {"unit_uuid": county_uuid, "old_signing": registered.signing, "signing": forged.signing,
             "encryption": forged.encryption, "at": "2018-10-12T00:00:00+00:00"}  # fmt: skip
    entry["endorsement"] = forger.sign(keys._vouched(entry))  # not the county's key
    path = offices.folder / "forged.bjpkg"
    with PackageWriter(path, sender=Party(county_uuid, COUNTY, "x"), recipient=Party(unit_uuid, UNIT),
                       sequence=99, keys=forger, recipient_encryption_key=unit_encryption,
                       extra={"key_rotations": [entry]}) as writer:  # fmt: skip
        writer.add_records("units", [])
    before = dump(offices.unit_file)
    with pytest.raises(PackageError) as refused:
        import_package(offices.unit, path)
    assert "签名不符" in str(refused.value)
    assert dump(offices.unit_file) == before


def test_the_command_line_reissues_confirms_and_rotates(offices, capsys):
    county = ["--db", str(offices.county_file)]
    offices.close()
    credential = offices.folder / "cli.cred"
    assert main([*county, "credential", "--unit", UNIT, "--out", str(credential)]) == 2
    assert "--reissue" in capsys.readouterr().err
    assert main([*county, "credential", "--unit", UNIT, "--out", str(credential), "--reissue"]) == 0
    assert "keys confirm" in capsys.readouterr().out
    new_file = offices.folder / "cli-unit.db"
    assert main(["--db", str(new_file), "init", "--credential", str(credential)]) == 0
    usb = offices.folder / "U盘"
    usb.mkdir()
    assert main(["--db", str(new_file), "export", "--to", COUNTY, "--out", str(usb)]) == 0
    capsys.readouterr()
    assert main([*county, "import", str(usb)]) == 2
    out = capsys.readouterr().out
    assert "来自一台新的电脑" in out and "keys confirm" in out
    assert main([*county, "keys", "list"]) == 0
    listing = capsys.readouterr().out
    new_db = open_unlocked(str(new_file))
    new_code = code(new_db)
    new_db.close()
    assert f"{UNIT}　新电脑识别码 {new_code}" in listing
    assert main([*county, "keys", "confirm", "--unit", UNIT, "--code", "1234-5678-9ABC-DEF0"]) == 2
    assert "识别码不符" in capsys.readouterr().err
    assert main([*county, "keys", "confirm", "--unit", UNIT, "--code", new_code]) == 0
    assert "旧密钥" in capsys.readouterr().out
    assert main([*county, "import", str(usb)]) == 0
    assert main([*county, "keys", "list"]) == 0
    assert "已作废的密钥" in capsys.readouterr().out
    assert main(["--db", str(new_file), "keys", "rotate"]) == 2
    assert "只有县矫正办" in capsys.readouterr().err
    assert main([*county, "keys", "rotate"]) == 0
    assert "已更换本机密钥：新识别码" in capsys.readouterr().out
    assert main([*county, "export", "--to", UNIT, "--out", str(usb / "down.bjpkg")]) == 0
    assert main(["--db", str(new_file), "import", str(usb / "down.bjpkg")]) == 0
    capsys.readouterr()
    assert main([*county, "keys"]) == 2  # the subcommands are listed
    assert "rotate" in capsys.readouterr().out


def test_new_keys_are_read_from_the_envelope_and_a_huge_manifest_is_not_read_at_all(offices):
    county_uuid, unit_uuid = uuid_of(offices.county, COUNTY), uuid_of(offices.county, UNIT)
    with offices.county.session() as s:
        keys.rotate_keys(s)
        pairs, chain = identity.key_pairs(s), keys.announcements(s)
    with offices.unit.session() as s:
        unit_encryption = identity.key_pairs(s).public().encryption

    def package(name: str, padding_bytes: int, sequence: int) -> Path:
        padding = base64.b64encode(os.urandom(padding_bytes * 3 // 4)).decode()
        path = offices.folder / name
        with PackageWriter(path, sender=Party(county_uuid, COUNTY, "x"), recipient=Party(unit_uuid, UNIT),
                           sequence=sequence, keys=pairs, recipient_encryption_key=unit_encryption,
                           extra={**chain, "padding": padding}) as writer:  # fmt: skip
            writer.add_records("units", [])
        return path

    before = dump(offices.unit_file)
    with pytest.raises(PackageError) as refused:  # a genuine rotation, in a manifest too large
        import_package(offices.unit, package("huge.bjpkg", 2 << 20, 99))
    assert "清单大小异常" in str(refused.value) and "未读取清单" in str(refused.value)
    assert dump(offices.unit_file) == before
    # the rotation travels in the small envelope: found whatever the manifest's size
    import_package(offices.unit, package("large.bjpkg", 900 << 10, 100))
    with offices.unit.session() as s:
        assert identity.peer_keys(s, county_uuid) == pairs.public()
    import_package(offices.unit, offices.package(offices.county, UNIT))  # a normal one follows


def test_a_revoked_pc_coming_back_with_a_later_credential_stays_refused(offices):
    county, old_pc = offices.county, offices.unit
    old_code = code(old_pc)
    new_pc = reinstalled_unit(offices)
    add_entry(new_pc, "新电脑的台账")
    first = offices.package(new_pc, COUNTY)
    with pytest.raises(NewKeysPresented):
        import_package(county, first)
    with county.session() as s:
        keys.confirm_new_keys(s, UNIT, code(new_pc))
    import_package(county, first)

    # the county re-issues once more; the old (revoked) PC joins with that credential
    credential = offices.folder / "again.cred"
    with county.session() as s:
        write_credential(s, UNIT, credential, TEMPLATE_KEY, reissue=True)
    with old_pc.session() as s:
        join_with_credential(s, read_credential(credential))
    add_entry(old_pc, "旧电脑冒充新电脑")
    stale = offices.package(old_pc, COUNTY)
    before = dump(offices.county_file)
    with pytest.raises(PackageError) as refused:
        import_package(county, stale)
    assert not isinstance(refused.value, NewKeysPresented)  # not offered for confirmation
    assert f"旧密钥（识别码 {old_code}）" in str(refused.value) and "作废" in str(refused.value)
    assert dump(offices.county_file) == before
    with county.session() as s:
        assert keys.pending_keys(s) == []


def test_a_package_under_a_credential_made_again_says_the_credential_was_replaced(tmp_path, blank):
    shutil.copy(blank / "county.db", tmp_path / "county.db")
    shutil.copy(blank / "unit.db", tmp_path / "unit.db")
    county = open_unlocked(str(tmp_path / "county.db"))
    unit = open_unlocked(str(tmp_path / "unit.db"))
    try:
        with county.session() as s:
            write_credential(s, UNIT, tmp_path / "first.cred", TEMPLATE_KEY)
        with county.session() as s:  # made again before the unit joined: the first is void
            write_credential(s, UNIT, tmp_path / "second.cred", TEMPLATE_KEY)
        with unit.session() as s:
            join_with_credential(s, read_credential(tmp_path / "first.cred"))
        add_entry(unit, "用旧凭证接入后登记")
        package = tmp_path / "p.bjpkg"
        export_package(unit, COUNTY, package)
        before = dump(tmp_path / "county.db")
        with pytest.raises(PackageError) as refused:
            import_package(county, package)
        assert "所用的接入凭证已经作废" in str(refused.value)
        assert "最新的接入凭证" in str(refused.value)
        assert dump(tmp_path / "county.db") == before
    finally:
        county.close()
        unit.close()
