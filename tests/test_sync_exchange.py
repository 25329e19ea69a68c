"""Exchange between two real databases: a unit's records reach the county, all-or-nothing."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from app.models import Attachment, CorrectionSubject, LedgerEntry
from app.services import ledger, vault
from app.services.ledger import EntryInput, PhotoInput
from app.services.setup import initialise
from app.services.subjects import SubjectInput
from app.sync import identity
from app.sync.exchange import export_package, import_package
from app.sync.package import PackageError, PackageWriter, Party
from tests.conftest import TEMPLATE_KEY
from tests.helpers import (
    county_and_unit,
    kind_ids,
    make_jpeg,
    register_peers,
    unit_ids,
    unit_uuid,
    valid_id_number,
)

LEGAL_AID = {
    "applicant": "李玥",
    "relation": "本人",
    "case_type": "民事",
    "approved_on": "2018-08-01",
    "result": "办理中",
}


@pytest.fixture(params=["in clear", "sealed"])
def offices(tmp_path, request):
    """The county's and a unit's PCs; "sealed": each encrypted by its first 管理员 (its own
    data key), so that every exchange runs between two differently keyed databases too."""
    with county_and_unit(tmp_path, first_admin=request.param == "sealed") as pair:
        yield pair


def _counts(db) -> tuple[int, int, int]:
    with db.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (LedgerEntry, CorrectionSubject, Attachment)
        )


def _add(unit, tmp_path, title: str) -> int:
    with unit.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        return ledger.save_entry(
            s,
            unit.attachments,
            None,
            EntryInput(
                kind_id=kinds["legal_aid"],
                unit_id=units["法律援助中心"],
                entry_date=date(2018, 8, 3),
                title=title,
                values=LEGAL_AID,
                subject=SubjectInput(
                    name="李玥",
                    category="缓刑",
                    id_number=valid_id_number(),
                    office_id=units["瓯南司法所"],
                ),
                photos=[
                    PhotoInput(
                        caption="现场",
                        path=make_jpeg(
                            tmp_path / f"{title}.jpg", colour=(len(title) * 9 % 255, 80, 90)
                        ),
                    )
                ],
            ),
        )


def test_a_units_records_reach_the_county_with_photos_and_sealed_subjects(offices, tmp_path):
    county, unit = offices
    _add(unit, tmp_path, "劳动争议法律援助")
    package, counts = export_package(unit, "县矫正办", tmp_path / "p1.bjpkg")
    assert counts["ledger_entries"] == 1 and counts["correction_subjects"] == 1
    assert valid_id_number().encode() not in package.read_bytes()

    before = _counts(county)
    preview = import_package(county, package, dry_run=True)
    assert preview.created["ledger_entries"] == 1 and _counts(county) == before
    summary = import_package(county, package)
    assert summary.created == {
        "attachments": 1,
        "correction_subjects": 1,
        "ledger_entries": 1,
        "entry_attachments": 1,
    }
    assert _counts(county) == (1, 1, 1)
    with county.session() as s:
        entry = s.scalar(select(LedgerEntry))
        assert entry.title == "劳动争议法律援助" and entry.subject.id_number == valid_id_number()
        sha = s.scalar(select(Attachment.sha256))
    assert county.attachments.has(sha) and county.attachments.thumbnail_bytes(sha) is not None
    with county.session() as s:
        sealed = vault.has_vault(s)
    if sealed:  # stored under the county's own key: the number and the photo are nowhere
        for file in (county.file, county.file.with_name(county.file.name + "-wal")):
            data = file.read_bytes()
            assert valid_id_number().encode() not in data
            for name in ("李玥".encode(), b"\\u674e\\u73a5"):  # UTF-8, and as JSON writes it
                assert name not in data  # the subject, and the 申请人 (a personal field)
        assert county.attachments.is_sealed(sha)
        with county.session() as s:
            assert s.scalar(select(LedgerEntry)).values["applicant"] == "李玥"

    with pytest.raises(PackageError, match="已经导入过"):
        import_package(county, package)
    assert _counts(county) == (1, 1, 1)


def test_edits_and_deletions_travel_and_stale_copies_change_nothing(offices, tmp_path):
    county, unit = offices
    entry_id = _add(unit, tmp_path, "第一次")
    import_package(county, export_package(unit, "县矫正办", tmp_path / "p1.bjpkg")[0])
    with unit.session() as s:
        s.get(LedgerEntry, entry_id).title = "第一次（已更正）"
    summary = import_package(county, export_package(unit, "县矫正办", tmp_path / "p2.bjpkg")[0])
    assert (
        summary.updated == {"ledger_entries": 1} and summary.unchanged["correction_subjects"] == 1
    )
    with unit.session() as s:
        ledger.delete_entry(s, entry_id)
    summary = import_package(county, export_package(unit, "县矫正办", tmp_path / "p3.bjpkg")[0])
    assert summary.deleted == {"ledger_entries": 1}
    with county.session() as s:
        assert s.scalar(select(LedgerEntry.deleted)) is True


def test_a_record_of_another_unit_refuses_the_whole_package(offices, tmp_path):
    county, unit = offices
    _add(unit, tmp_path, "正常")
    with unit.session() as s:
        me = Party(unit_uuid(s, "法律援助中心"), "法律援助中心", identity.instance_uuid(s))
        keys = identity.key_pairs(s)
        seq = identity.next_sequence(s, unit_uuid(s, "县矫正办"))
        other = unit_uuid(s, "基层科")
        from app.sync.records import UuidMap, to_record, travelling_tables

        tables = {t.name: t for t in travelling_tables()}
        table, people = tables["ledger_entries"], tables["correction_subjects"]
        record = to_record(table, s.execute(select(table)).first(), UuidMap(s))
        subject = to_record(people, s.execute(select(people)).first(), UuidMap(s))
    forged = dict(record, uuid=str(uuid4()), owner_unit_uuid=other)  # valid, but not its own
    path = tmp_path / "forged.bjpkg"
    with county.session() as c:
        county_key = identity.key_pairs(c).public().encryption
    with PackageWriter(path, sender=me, recipient=Party(_uuid_of(county, "县矫正办"), "县矫正办"),
                       sequence=seq, keys=keys, recipient_encryption_key=county_key) as writer:  # fmt: skip
        writer.add_records("correction_subjects", [subject])
        writer.add_records("ledger_entries", [record, forged])
    before = _counts(county)
    with pytest.raises(PackageError, match="不属于“法律援助中心”"):
        import_package(county, path)
    assert _counts(county) == before  # not even the honest record went in


def _uuid_of(db, name: str) -> str:
    with db.session() as s:
        return unit_uuid(s, name)


def test_the_same_photo_from_two_units_is_one_file_and_refuses_nothing(offices, tmp_path):
    county, unit = offices
    other = initialise(str(tmp_path / "other.db"), TEMPLATE_KEY, "基层科").database
    try:
        register_peers(county, "县矫正办", other, "基层科")
        shared = make_jpeg(tmp_path / "合影.jpg", colour=(10, 120, 200))
        for db, name in ((unit, "法律援助中心"), (other, "基层科")):
            with db.session() as s:
                units, kinds = unit_ids(s), kind_ids(s)
                ledger.save_entry(
                    s,
                    db.attachments,
                    None,
                    EntryInput(
                        kind_id=kinds["hotline"],
                        unit_id=units[name],
                        entry_date=date(2018, 8, 3),
                        title=f"{name}热线",
                        values={"calls": 1},
                        photos=[PhotoInput(caption="合影", path=shared)],
                    ),
                )
        import_package(county, export_package(unit, "县矫正办", tmp_path / "a.bjpkg")[0])
        summary = import_package(county, export_package(other, "县矫正办", tmp_path / "b.bjpkg")[0])
        assert summary.unchanged == {"attachments": 1} and summary.created["entry_attachments"] == 1
        with county.session() as s:
            assert s.scalar(select(func.count()).select_from(Attachment)) == 1
            assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 2
    finally:
        other.close()
