"""Every incoming record is checked with the forms' and services' rules (issue 12, items 4, 6).

An insider needs no code to send bad records: a SQLite editor on their own database file, then
the app's normal export, signed with their genuine key. Each forged package below is refused
as a whole with a Chinese message naming the kind of record, the record and the field — never
the value, which is a person's name or identity number here — and the county's database stays
byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.models import Unit
from app.services import ledger
from app.services.aggregate import refresh_aggregate
from app.services.assessment import add_adjustment
from app.services.attachments import attachment_uuid
from app.services.errors import UserError
from app.services.idcard import mask_id_number
from app.services.ledger import EntryInput, PhotoInput
from app.services.settings import current_programme, local_unit
from app.services.setup import initialise
from app.services.subjects import SubjectInput
from app.sync import identity
from app.sync.exchange import KIND_LABELS, export_package, import_package
from app.sync.package import PackageError, PackageWriter, Party
from app.sync.records import UuidMap, to_record, travelling_tables
from app.sync.validation import DATE_RANGES, TEXT_LIMITS, RecordCheck, _Bad
from tests.conftest import TEMPLATE_KEY
from tests.helpers import dump, kind_ids, make_jpeg, unit_ids, valid_id_number
from tests.seed import seed_everything

NAME = "欧阳玥喆"  # the correction subject and applicant: must never be printed or logged
ID_NUMBER = valid_id_number("33112719850312104")  # ends in X
OTHER_NAME = "司马璟堃"
WRONG_CHECK_DIGIT = ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")
LEGAL_AID = {"applicant": NAME, "relation": "本人", "case_type": "民事",
             "approved_on": "2018-08-01", "result": "办理中"}  # fmt: skip


def _uuid(session, name: str) -> str:
    return session.scalar(select(Unit.uuid).where(Unit.name == name))


@pytest.fixture
def offices(tmp_path):
    """The county and 法律援助中心, registered with each other; the unit has one honest entry
    with a correction subject and a photo."""
    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    unit = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, "法律援助中心").database
    with county.session() as c, unit.session() as u:
        identity.register_peer(c, _uuid(c, "法律援助中心"), identity.key_pairs(u).public())
        identity.register_peer(u, _uuid(u, "县矫正办"), identity.key_pairs(c).public())
    with unit.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        ledger.save_entry(s, unit.attachments, None, EntryInput(
            kind_id=kinds["legal_aid"], unit_id=units["法律援助中心"], entry_date=date(2018, 8, 3),
            title="劳动争议法律援助", values=LEGAL_AID,
            subject=SubjectInput(name=NAME, category="缓刑", id_number=ID_NUMBER,
                                 office_id=units["瓯南司法所"]),
            photos=[PhotoInput(caption="现场", path=make_jpeg(tmp_path / "现场.jpg"))],
        ))  # fmt: skip
    yield county, unit
    county.close()
    unit.close()


def _edit(db, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """What an insider does with a SQLite editor on their own database file."""
    connection = sqlite3.connect(db.file)
    with connection:
        for sql, parameters in statements:
            connection.execute(sql, parameters)
    connection.close()


def _one(db, sql: str) -> Any:
    connection = sqlite3.connect(db.file)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


# ---------------------------------------------------------------- edited database, normal export
# Each: (table, field named in the refusal, the edit: db → statements)

_Edit = Callable[[Any], list[tuple[str, tuple[Any, ...]]]]


def _copy_subject(db, name: str | None) -> list[tuple[str, tuple[Any, ...]]]:
    """The subject's row copied with a new uuid, and ``name`` (None: the same name)."""
    connection = sqlite3.connect(db.file)
    columns = [r[1] for r in connection.execute("PRAGMA table_info(correction_subjects)")]
    connection.close()
    copied = ", ".join(c for c in columns if c not in ("id", "uuid", "name"))
    return [(f"INSERT INTO correction_subjects (uuid, name, {copied}) "
             f"SELECT ?, {'?' if name else 'name'}, {copied} FROM correction_subjects",
             (str(uuid4()), name) if name else (str(uuid4()),))]  # fmt: skip


def _html_photo(db) -> list[tuple[str, tuple[Any, ...]]]:
    """An HTML page put in the photo store under its own hash, recorded as a JPEG."""
    page = f"<html><body>{NAME} {ID_NUMBER}<script>alert(1)</script></body></html>".encode()
    sha = hashlib.sha256(page).hexdigest()
    target = db.attachments.original_path(sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(page)
    return [("UPDATE attachments SET sha256 = ?, uuid = ?, size_bytes = ?",
             (sha, attachment_uuid(sha), len(page)))]  # fmt: skip


EDITS: dict[str, tuple[str, str | None, _Edit]] = {
    "a title of 1,000,000 characters": ("ledger_entries", "title", lambda db: [
        ("UPDATE ledger_entries SET title = ?", (NAME + "长" * 999_995,))]),
    "subjects_served = -1000000": ("ledger_entries", "subjects_served", lambda db: [
        ("UPDATE ledger_entries SET subjects_served = -1000000", ())]),
    "subjects_served above the form's maximum": ("ledger_entries", "subjects_served", lambda db: [
        ("UPDATE ledger_entries SET subjects_served = ?", (ledger.MAX_SUBJECTS_SERVED + 1,))]),
    "identity number 123": ("correction_subjects", "id_number", lambda db: [
        ("UPDATE correction_subjects SET id_number = '123'", ())]),
    "identity number with a wrong check digit": ("correction_subjects", "id_number", lambda db: [
        ("UPDATE correction_subjects SET id_number = ?", (WRONG_CHECK_DIGIT,))]),
    "two people sharing one identity number": ("correction_subjects", "id_number",
                                               lambda db: _copy_subject(db, OTHER_NAME)),
    "the same person registered twice by one unit": ("correction_subjects", "id_number",
                                                     lambda db: _copy_subject(db, None)),
    "an empty name": ("correction_subjects", "name", lambda db: [
        ("UPDATE correction_subjects SET name = '  '", ())]),
    "revision 'abc'": ("ledger_entries", "revision", lambda db: [
        ("UPDATE ledger_entries SET revision = 'abc'", ())]),
    "a choice the form does not offer": ("ledger_entries", "values.relation（申请人与矫正对象关系）",
        lambda db: [("UPDATE ledger_entries SET \"values\" = ?",
                     (json.dumps({**LEGAL_AID, "relation": "朋友"}, ensure_ascii=False),))]),
    "a form text over its limit": ("ledger_entries", "values.applicant（申请人）", lambda db: [
        ("UPDATE ledger_entries SET \"values\" = ?",
         (json.dumps({**LEGAL_AID, "applicant": NAME * 20}, ensure_ascii=False),))]),
    "a required form value missing": ("ledger_entries", "values.case_type（案件类型）", lambda db: [
        ("UPDATE ledger_entries SET \"values\" = ?", (json.dumps(
            {k: v for k, v in LEGAL_AID.items() if k != "case_type"}, ensure_ascii=False),))]),
    "a form value stashed under a key the form lacks": ("ledger_entries", "values", lambda db: [
        ("UPDATE ledger_entries SET \"values\" = ?",
         (json.dumps({**LEGAL_AID, NAME: ID_NUMBER}, ensure_ascii=False),))]),
    "an entry date outside the programme's year": ("ledger_entries", "entry_date", lambda db: [
        ("UPDATE ledger_entries SET entry_date = '2016-05-04'", ())]),
    "an entry without the subject its form requires": ("ledger_entries", "subject_uuid", lambda db: [
        ("UPDATE ledger_entries SET subject_id = NULL", ())]),
    "a caption over its limit": ("entry_attachments", "caption", lambda db: [
        ("UPDATE entry_attachments SET caption = ?", (NAME * 60,))]),
    "an attachment recorded as HTML": ("attachments", "media_type", lambda db: [
        ("UPDATE attachments SET media_type = 'text/html'", ())]),
    "an attachment whose uuid is not its file's": ("attachments", "uuid", lambda db: [
        ("UPDATE attachments SET uuid = ?", (str(uuid4()),))]),
    "an HTML file in the photo store": ("attachments", None, _html_photo),
}  # fmt: skip


def _assert_refused(county, package: Path, table: str, field: str | None, record: str | None,
                    caplog) -> str:  # fmt: skip
    before = dump(county)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(UserError) as caught:
        import_package(county, package)
    message = str(caught.value)
    assert KIND_LABELS[table] in message and "数据库保持原样" in message, message
    if record is not None:
        assert record in message, message
    if field is not None:
        assert f"“{field}”" in message, message
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for secret in (NAME, ID_NUMBER, OTHER_NAME, WRONG_CHECK_DIGIT, mask_id_number(ID_NUMBER)):
        assert secret not in message and secret not in logged
    assert dump(county) == before
    return message


@pytest.mark.parametrize("attack", list(EDITS))
def test_an_edited_database_exported_normally_is_refused(offices, tmp_path, caplog, attack):
    county, unit = offices
    table, field, edit = EDITS[attack]
    _edit(unit, *edit(unit))
    record = _one(unit, f"SELECT uuid FROM {table} ORDER BY id DESC")
    package, _counts = export_package(unit, "县矫正办", tmp_path / "forged.bjpkg")
    _assert_refused(county, package, table, field, record, caplog)
    assert not any(county.attachments.root.rglob(".incoming-*"))  # nothing half-stored


def test_the_honest_package_goes_in(offices, tmp_path):
    """The fixture's own records pass (the attacks above each change one thing)."""
    county, unit = offices
    package, _counts = export_package(unit, "县矫正办", tmp_path / "honest.bjpkg")
    summary = import_package(county, package)
    assert summary.created["ledger_entries"] == 1 and summary.files == 1


def test_two_units_may_each_register_the_same_person(offices, tmp_path, caplog):
    """The same person (name and identity number) registered on two units' PCs reaches the
    county from both, as two records. Another name under that number is refused."""
    county, unit = offices
    other = initialise(str(tmp_path / "other.db"), TEMPLATE_KEY, "基层科").database
    try:
        with county.session() as c, other.session() as o:
            identity.register_peer(c, _uuid(c, "基层科"), identity.key_pairs(o).public())
            identity.register_peer(o, _uuid(o, "县矫正办"), identity.key_pairs(c).public())
        with other.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            ledger.save_entry(s, other.attachments, None, EntryInput(
                kind_id=kinds["legal_aid"], unit_id=units["基层科"], entry_date=date(2018, 8, 5),
                title="法律援助", values=LEGAL_AID,
                subject=SubjectInput(name=NAME, category="缓刑", id_number=ID_NUMBER)))  # fmt: skip
        import_package(county, export_package(unit, "县矫正办", tmp_path / "a.bjpkg")[0])
        import_package(county, export_package(other, "县矫正办", tmp_path / "b.bjpkg")[0])
        assert _one(county, "SELECT count(*) FROM correction_subjects") == 2

        _edit(other, ("UPDATE correction_subjects SET name = ?", (OTHER_NAME,)))
        package = export_package(other, "县矫正办", tmp_path / "c.bjpkg")[0]
        record = _one(other, "SELECT uuid FROM correction_subjects")
        _assert_refused(county, package, "correction_subjects", "id_number", record, caplog)
    finally:
        other.close()


# ---------------------------------------------------------------- records that no export writes
# Values a database column could not give back (SQLAlchemy would fail reading them): the
# insider writes the package with their own key instead. Each: (table, field, change).

RECORDS: dict[str, tuple[str, str | None, Callable[[dict[str, Any]], Any]]] = {
    "a date that does not exist": ("ledger_entries", "entry_date",
                                   lambda r: {**r, "entry_date": "2018-13-45"}),
    "a date that is a number": ("ledger_entries", "entry_date", lambda r: {**r, "entry_date": 20180803}),
    "revision 1.5": ("ledger_entries", "revision", lambda r: {**r, "revision": 1.5}),
    "revision beyond SQLite's integers": ("ledger_entries", "revision",
                                          lambda r: {**r, "revision": 2**70}),
    "revision true": ("ledger_entries", "revision", lambda r: {**r, "revision": True}),
    "deleted 'yes'": ("ledger_entries", "deleted", lambda r: {**r, "deleted": "yes"}),
    "a uuid that is a name": ("ledger_entries", "uuid", lambda r: {**r, "uuid": NAME}),
    "a title that is a list": ("ledger_entries", "title", lambda r: {**r, "title": [NAME]}),
    "a title missing": ("ledger_entries", "title",
                        lambda r: {k: v for k, v in r.items() if k != "title"}),
    "values that are text": ("ledger_entries", "values", lambda r: {**r, "values": NAME}),
    "a form date that is a list": ("ledger_entries", "values.approved_on（批准日期）",
                                   lambda r: {**r, "values": {**r["values"], "approved_on": [1]}}),
    "a kind that is not here": ("ledger_entries", "kind_uuid",
                                lambda r: {**r, "kind_uuid": str(uuid4())}),
    "a paired office that is no judicial office": ("ledger_entries", "paired_office_uuid",
                                                   lambda r: {**r, "paired_office_uuid": r["owner_unit_uuid"]}),
    "a category the law does not know": ("correction_subjects", "category",
                                         lambda r: {**r, "category": "无期"}),
    "a subject's office that is a department": ("correction_subjects", "office_uuid",
                                                lambda r: {**r, "office_uuid": r["owner_unit_uuid"]}),
    "an identity number in lower case": ("correction_subjects", "id_number",
                                         lambda r: {**r, "id_number": r["id_number"].lower()}),
    "a record that is no object": ("ledger_entries", None, lambda r: [NAME, ID_NUMBER]),
    "a size of -1": ("attachments", "size_bytes", lambda r: {**r, "size_bytes": -1}),
    "a hash that is no SHA-256": ("attachments", "sha256", lambda r: {**r, "sha256": NAME}),
    "a photo's sort order as text": ("entry_attachments", "sort_order",
                                     lambda r: {**r, "sort_order": "1"}),
}  # fmt: skip


def _write_package(unit, county, path: Path, table: str, change) -> str | None:
    """The unit's own records in a package signed with its key, one record changed; the
    changed record's uuid (None when it has none)."""
    with unit.session() as s:
        me_uuid = _uuid(s, "法律援助中心")
        county_uuid = _uuid(s, "县矫正办")
        me = Party(me_uuid, "法律援助中心", identity.instance_uuid(s))
        keys = identity.key_pairs(s)
        sequence = identity.next_sequence(s, county_uuid)
        ids = UuidMap(s)
        me_id = s.scalar(select(Unit.id).where(Unit.uuid == me_uuid))
        records = {t.name: [to_record(t, row, ids) for row in
                            s.execute(select(t).where(t.c.owner_unit_id == me_id))]
                   for t in travelling_tables()}  # fmt: skip
    records[table][0] = changed = change(records[table][0])
    with county.session() as c:
        county_key = identity.key_pairs(c).public().encryption
    with PackageWriter(path, sender=me, recipient=Party(county_uuid, "县矫正办"), sequence=sequence,
                       keys=keys, recipient_encryption_key=county_key) as writer:  # fmt: skip
        for name, rows in records.items():
            if rows:
                writer.add_records(name, rows)
    uuid = changed.get("uuid") if isinstance(changed, dict) else None
    return uuid if uuid != NAME else None


@pytest.mark.parametrize("attack", list(RECORDS))
def test_a_forged_record_in_a_signed_package_is_refused(offices, tmp_path, caplog, attack):
    county, unit = offices
    table, field, change = RECORDS[attack]
    path = tmp_path / "forged.bjpkg"
    record = _write_package(unit, county, path, table, change)
    message = _assert_refused(county, path, table, field, record, caplog)
    assert KIND_LABELS[table] in message


# ---------------------------------------------------------------- no false refusals


@pytest.fixture(scope="module", params=["县矫正办", "法律援助中心"])
def everything(request, tmp_path_factory):
    """A database with a little of everything, as the services make it (on the county's PC and
    on a department's): every table's records as they travel."""
    from app.services.database import open_database

    folder = tmp_path_factory.mktemp("everything")
    initialise(str(folder / "db.db"), TEMPLATE_KEY, request.param).database.close()
    seed_everything(folder / "db.db", folder)
    database = open_database(str(folder / "db.db"))
    if request.param == "县矫正办":  # and what the seed leaves out
        with database.session() as s:
            units, kinds, here = unit_ids(s), kind_ids(s), local_unit(s)
            programme = current_programme(s)
            ledger.save_entry(s, database.attachments, None, EntryInput(
                kind_id=kinds["legal_aid"], unit_id=units["法律援助中心"], entry_date=date(2018, 8, 3),
                title="劳动争议法律援助", values=LEGAL_AID, programme_id=programme.id,
                subject=SubjectInput(name=NAME, category="缓刑", id_number=ID_NUMBER)))  # fmt: skip
            add_adjustment(
                s, programme.id, units["法律援助中心"], -2.5, "迟报", date(2018, 9, 1), here.id
            )
            refresh_aggregate(s, here, date(2018, 9, 30))
    with database.session() as s:
        ids = UuidMap(s)
        rows = {t: [to_record(t, row, ids) for row in s.execute(select(t))]
                for t in travelling_tables()}  # fmt: skip
    yield database, {t: json.loads(json.dumps(r, ensure_ascii=False)) for t, r in rows.items()}
    database.close()


def test_every_record_the_app_makes_passes(everything):
    """No false refusals: every record of every table passes the import's checks."""
    database, records = everything
    with database.session() as s:
        ids = UuidMap(s)
        for table, rows in records.items():
            RecordCheck(s, table, ids)(rows)
    assert sum(map(len, records.values())) > 100


ODD_VALUES = [None, "", "x", NAME * 300, "2018-07-02", "2018-07-02T08:00:00", str(uuid4()), 0, -1,
              1, 2**63, 1.5, float("nan"), True, False, [], {}, ["a"], {"a": 1}]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_quick_look_is_never_kinder_than_the_full_check(everything, data):
    """Each record gets a quick look compiled per table; only what it finds odd is checked in
    full. Whatever the full check refuses, the quick look must find odd too."""
    database, records = everything
    table = data.draw(st.sampled_from([t for t, rows in records.items() if rows]))
    record = dict(data.draw(st.sampled_from(records[table])))
    key = data.draw(st.sampled_from(sorted(record)))
    value = data.draw(st.sampled_from([*ODD_VALUES, "<missing>"]))
    if value == "<missing>":
        del record[key]
    else:
        record[key] = value
    with database.session() as s:
        ids = UuidMap(s)
        check = RecordCheck(s, table, ids)
        refs = tuple(ids.ids_by_uuid(target) for _key, target in check.plan.refs)
        try:
            check._columns(record)
        except _Bad:
            assert not check.plan.plausible(record, refs), (table.name, key, value)


def test_every_limit_and_date_range_of_the_services_refuses(everything):
    """Each text limit and date range the services keep (validation.TEXT_LIMITS, DATE_RANGES)
    refuses a record of its table that breaks it, naming the field."""
    database, records = everything
    by_name = {t.name: (t, rows) for t, rows in records.items() if rows}
    cases = [(t, c, "长" * (limit + 1)) for (t, c), limit in TEXT_LIMITS.items()]
    cases += [(t, c, "1999-01-01") for (t, c) in DATE_RANGES]
    tried = 0
    with database.session() as s:
        ids = UuidMap(s)
        for table_name, column, value in cases:
            if table_name not in by_name:
                continue
            table, rows = by_name[table_name]
            with pytest.raises(PackageError, match=f"“{column}”"):
                RecordCheck(s, table, ids)([{**rows[0], column: value}])
            tried += 1
    assert tried >= 10  # the tables this database has records of
