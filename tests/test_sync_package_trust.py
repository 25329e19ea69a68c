"""What a package may do before and beyond its signature, between real databases: a unit's
install id counts only with its own key (no unit can make another's packages look old), old
per-install sequence numbers are re-keyed from the history, format-2 packages (a unit still on
the old program) still import, and an oversized or duplicated package changes nothing."""

from __future__ import annotations

import json
import shutil
import warnings
import zipfile
from datetime import date
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Attachment, LedgerEntry, LocalSetting, Unit
from app.services import ledger
from app.services.database import Database, open_database
from app.services.ledger import EntryInput, PhotoInput
from app.services.settings import get_setting, set_setting
from app.services.setup import initialise
from app.services.subjects import SubjectInput
from app.sync import exchange, identity
from app.sync.exchange import export_package, import_package
from app.sync.package import PackageError, PackageWriter, Party
from app.sync.registration import join_with_credential, read_credential, write_credential
from tests.conftest import TEMPLATE_KEY
from tests.helpers import dump, kind_ids, make_jpeg, unit_ids, valid_id_number

COUNTY, A, B = "县矫正办", "法律援助中心", "腊口司法所"
LEGAL_AID = {
    "applicant": "李玥",
    "relation": "本人",
    "case_type": "民事",
    "approved_on": "2018-08-01",
    "result": "办理中",
}


class Offices:
    """The county and two units, each its own database file, joined by credentials."""

    def __init__(self, folder: Path, blank: Path) -> None:
        self.folder, self.files, self.db = folder, {}, {}
        for name, file in ((COUNTY, "county.db"), (A, "a.db"), (B, "b.db")):
            self.files[name] = shutil.copy(blank / file, folder / file)
            self.db[name] = open_database(str(self.files[name]))
        for unit in (A, B):
            credential = folder / f"{unit}.cred"
            with self.db[COUNTY].session() as s:
                write_credential(s, unit, credential, TEMPLATE_KEY)
            with self.db[unit].session() as s:
                join_with_credential(s, read_credential(credential))
        self.count = 0

    def send(self, sender: str, to: str = COUNTY) -> Path:
        self.count += 1
        out = self.folder / f"p{self.count}.bjpkg"
        export_package(self.db[sender], to, out)
        return out

    def uuid(self, name: str) -> str:
        with self.db[COUNTY].session() as s:
            return s.scalar(select(Unit.uuid).where(Unit.name == name))

    def close(self) -> None:
        for db in self.db.values():
            db.close()


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("blank")
    for file, unit in (("county.db", COUNTY), ("a.db", A), ("b.db", B)):
        initialise(str(folder / file), TEMPLATE_KEY, unit).database.close()
    return folder


@pytest.fixture
def offices(tmp_path, blank):
    found = Offices(tmp_path, blank)
    yield found
    found.close()


def _forged(offices: Offices, instance: str, sequence: int, sender: str = A) -> Path:
    """A package signed with A's own key (A's insider with a script) whose manifest names
    ``sender`` and the install id ``instance``."""
    with offices.db[A].session() as s:
        keys = identity.key_pairs(s)
    with offices.db[COUNTY].session() as s:
        county_keys = identity.key_pairs(s).public()
    path = offices.folder / f"forged-{sender}-{sequence}.bjpkg"
    with PackageWriter(path, sender=Party(offices.uuid(sender), sender, instance),
                       recipient=Party(offices.uuid(COUNTY), COUNTY), sequence=sequence, keys=keys,
                       recipient_encryption_key=county_keys.encryption,
                       extra={"acknowledges": {}, "changed_since": None}):  # fmt: skip
        pass
    return path


def _instance(db: Database) -> str:
    with db.session() as s:
        return identity.instance_uuid(s)


def test_a_unit_cannot_make_another_units_packages_look_old(offices):
    county = offices.db[COUNTY]
    for unit in (A, B):
        assert import_package(county, offices.send(unit)).sender == unit
    b_instance = _instance(offices.db[B])
    # A signs a package naming B as the sender: the signature binds the unit, refused
    with pytest.raises(PackageError, match="签名不符"):
        import_package(county, _forged(offices, b_instance, 999999, sender=B))
    # A signs a package under its own name carrying B's install id and a huge number: it
    # counts as A's, and only for that install id under A
    forged = import_package(county, _forged(offices, b_instance, 999999))
    assert forged.sender == A and forged.sequence == 999999
    second = offices.send(B)
    assert import_package(county, second).sequence == 2  # B's next genuine package goes in
    with pytest.raises(PackageError, match="已经导入过"):
        import_package(county, second)
    assert import_package(county, offices.send(A)).sequence == 2  # and so does A's
    with county.session() as s:
        assert identity.last_imported(s, offices.uuid(B), b_instance) == 2
        assert identity.last_imported(s, offices.uuid(A), b_instance) == 999999


def test_old_per_install_numbers_are_re_keyed_from_the_history(offices):
    """A database of the program before: numbers by install id alone, poisoned by A's forged
    package. The history names who signed each package, so B is free again."""
    county = offices.db[COUNTY]
    for unit in (A, B):
        import_package(county, offices.send(unit))
    b_instance, a_instance = _instance(offices.db[B]), _instance(offices.db[A])
    import_package(county, _forged(offices, b_instance, 999999))
    with county.session() as s:  # as the old program kept them
        s.query(LocalSetting).filter(LocalSetting.key.like(identity.SEQ_FROM + "%")).delete()
        set_setting(s, identity.SEQ_IN + b_instance, "999999")
        set_setting(s, identity.SEQ_IN + a_instance, "1")
        set_setting(s, identity.SEQ_IN + "install-before-the-history", "7")
    second = offices.send(B)
    assert import_package(county, second).sequence == 2
    with pytest.raises(PackageError, match="已经导入过"):
        import_package(county, offices.folder / "p2.bjpkg")  # B's first, replayed
    with county.session() as s:
        keys = s.scalars(select(LocalSetting.key)).all()
        assert not [k for k in keys if k.startswith(identity.SEQ_IN)]
        assert identity.last_imported(s, offices.uuid(A), b_instance) == 999999
        assert identity.last_imported(s, offices.uuid(B), b_instance) == 2
        assert identity.last_imported(s, offices.uuid(A), a_instance) == 1
        # a number no history row explains stays a floor for its install id, whoever sends
        assert identity.last_imported(s, offices.uuid(B), "install-before-the-history") == 7
        assert get_setting(s, identity.SEQ_FLOOR + "install-before-the-history") == "7"


def _add_entry_with_photo(db: Database, folder: Path, title: str) -> None:
    colour = (sum(map(ord, title)) % 255, 90, 9)
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        ledger.save_entry(
            s,
            db.attachments,
            None,
            EntryInput(
                kind_id=kinds["legal_aid"],
                unit_id=units[A],
                entry_date=date(2018, 8, 3),
                title=title,
                values=LEGAL_AID,
                subject=SubjectInput(
                    name="李玥", category="缓刑", id_number=valid_id_number(), office_id=units[B]
                ),
                photos=[
                    PhotoInput(
                        caption="现场", path=make_jpeg(folder / f"{title}.jpg", colour=colour)
                    )
                ],
            ),
        )


def test_format_2_packages_from_a_unit_on_the_old_program_still_import(offices, monkeypatch):
    county, unit = offices.db[COUNTY], offices.db[A]
    _add_entry_with_photo(unit, offices.folder, "旧版本导出")
    with monkeypatch.context() as patched:  # the unit's program still writes format 2
        patched.setattr(exchange, "PackageWriter", partial(PackageWriter, format_version=2))
        old = offices.send(A)
    with unit.session() as s:
        sha = s.scalar(select(Attachment.sha256))
    with zipfile.ZipFile(old) as archive:
        assert json.loads(archive.read("manifest.json"))["format_version"] == 2
        assert f"files/{sha}" in archive.namelist() and "envelope.json" not in archive.namelist()
    summary = import_package(county, old)
    assert summary.created["ledger_entries"] == 1 and summary.files == 1
    assert county.attachments.has(sha)
    _add_entry_with_photo(unit, offices.folder, "新版本导出")  # upgraded: format 3 follows
    new = offices.send(A)
    with zipfile.ZipFile(new) as archive:
        assert json.loads(archive.read("envelope.json"))["format_version"] == 3
        assert not [n for n in archive.namelist() if sha in n]
    assert import_package(county, new).created["ledger_entries"] == 1
    with county.session() as s:
        assert sorted(s.scalars(select(LedgerEntry.title))) == ["新版本导出", "旧版本导出"]
        shas = s.scalars(select(Attachment.sha256)).all()
    assert len(shas) == 2 and all(county.attachments.has(x) for x in shas)


def _rewritten(source: Path, target: Path, first: tuple[str, bytes] | None = None,
               replace: tuple[str, bytes] | None = None) -> Path:  # fmt: skip
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(target, "w") as new,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name
        if first:
            new.writestr(*first)
        for info in old.infolist():
            if replace and info.filename == replace[0]:
                new.writestr(replace[0], replace[1])
            else:
                new.writestr(info, old.read(info.filename))
    return target


def test_oversized_and_duplicated_packages_change_nothing(offices):
    county = offices.db[COUNTY]
    _add_entry_with_photo(offices.db[A], offices.folder, "台账")
    good = offices.send(A)  # A's first package: it introduces A's keys too
    before = dump(offices.files[COUNTY])
    for bad, refusal in (
        (_rewritten(good, offices.folder / "dup.bjpkg",
                    first=("records/ledger_entries.jsonl", b"forged")), "两个同名的条目"),
        (_rewritten(good, offices.folder / "big.bjpkg",
                    replace=("manifest.json", b"[" + b"0," * (4 << 20) + b"0]")), "清单大小异常"),
    ):  # fmt: skip
        with pytest.raises(PackageError, match=refusal):
            import_package(county, bad)
        with pytest.raises(PackageError, match=refusal):
            import_package(county, bad, dry_run=True)
        assert dump(offices.files[COUNTY]) == before
    assert import_package(county, good).created["ledger_entries"] == 1
