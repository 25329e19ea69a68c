"""Write rights on import, least data on export (issue 12, items 1 and 7).

An insider needs no code to forge a package: a SQLite editor on their own database, then the
app's normal export, signed with their PC's genuine key. Each case below writes one forbidden
row into a unit's database with SQLAlchemy Core, exports normally and imports at the county:
the whole package is refused with a Chinese message naming the kind of record and its uuid, as
an import and as a preview, and the county's database stays byte for byte as it was.

Least data: a package from the county to a unit carries no correction subject the unit does not
serve (nor the entries and photos about them); a package to the city nothing personal.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select, update

from app.models import (
    AgreementStatus,
    Base,
    BrandStatus,
    GoalMetric,
    IndicatorMeasure,
    RectificationStatus,
    ReviewDecision,
    SubjectCategory,
    SummaryStatus,
    SyncedRecord,
    UnitKind,
    VerificationStatus,
)
from app.models.base import ExchangeRule, ToCity, new_uuid
from app.services import brands, inspections, ledger, meetings, summaries
from app.services.brands import BrandInput
from app.services.database import Database, open_database
from app.services.inspections import FindingInput, InspectionInput
from app.services.ledger import EntryInput, PhotoInput
from app.services.meetings import MeetingInput, ReportInput
from app.services.settings import current_programme, local_unit
from app.services.setup import initialise
from app.services.subjects import SubjectInput
from app.sync import identity, rights
from app.sync.exchange import KIND_LABELS, export_package, import_package
from app.sync.package import PackageError, open_package
from app.sync.records import travelling_tables
from tests.conftest import TEMPLATE_KEY
from tests.helpers import dump, kind_ids, make_jpeg, unit_ids, valid_id_number

COUNTY, CITY, AID = "县矫正办", "市矫正办", "法律援助中心"
LAKOU, OFFICE, OUNAN = "腊口司法所", "办公室（政治处）", "瓯南司法所"
NAMES = {"county": COUNTY, "city": CITY, "aid": AID, "lakou": LAKOU, "ounan": OUNAN}
# what is personal in the county's records: a subject's name and number, an applicant's name
SUBJECT, SUBJECT_ID = "李玥", valid_id_number()
OTHER_SUBJECT, OTHER_ID = "周衡", valid_id_number("33112719900101002")
APPLICANT = "陈思远"
LEGAL_AID = {"applicant": APPLICANT, "relation": "本人", "case_type": "民事",
             "approved_on": "2018-08-01", "result": "办理中"}  # fmt: skip


def _register(a: Database, b: Database) -> None:
    """Two offices that know each other's keys (the registration, done by hand)."""
    with a.session() as sa, b.session() as sb:
        identity.register_peer(sa, local_unit(sb).uuid, identity.key_pairs(sb).public())
        identity.register_peer(sb, local_unit(sa).uuid, identity.key_pairs(sa).public())


def _entry(db: Database, unit: str, title: str, photo: Path | None = None,
           subject: tuple[str, str, str] | None = None) -> str:  # fmt: skip
    """A ledger entry of ``unit`` recorded on ``db``'s PC; its uuid."""
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        data = EntryInput(
            kind_id=kinds["legal_aid"] if subject else kinds["other"],
            unit_id=units[unit], entry_date=date(2018, 8, 3), title=title,
            programme_id=current_programme(s).id, values=LEGAL_AID if subject else {},
            photos=[PhotoInput(caption="现场", path=photo)] if photo else [],
            subject=SubjectInput(name=subject[0], category="缓刑", id_number=subject[1],
                                 office_id=units[subject[2]]) if subject else None,
        )  # fmt: skip
        entry_id = ledger.save_entry(s, db.attachments, None, data)
        s.flush()
        from app.models import LedgerEntry

        return s.get_one(LedgerEntry, entry_id).uuid


def _uuid(db: Database, table: str, **where: Any) -> str:
    t = Base.metadata.tables[table]
    with db.session() as s:
        return s.scalar(select(t.c.uuid).where(*(t.c[k] == v for k, v in where.items())))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The county, 法律援助中心 and the city, registered with each other, after one round:
    the county's records (an entry it recorded for 腊口司法所 with a subject and a photo, an
    inspection with an item 腊口 must rectify, a meeting, a brand, 办公室's summary) reached
    法律援助中心, whose own entry (with a subject and a photo) and summary reached the county."""
    folder = tmp_path_factory.mktemp("rights")
    dbs = {key: initialise(str(folder / f"{key}.db"), TEMPLATE_KEY, NAMES[key]).database
           for key in ("county", "aid", "city")}  # fmt: skip
    county, aid = dbs["county"], dbs["aid"]
    _register(county, aid)
    _register(county, dbs["city"])
    known: dict[str, str] = {}
    known["lakou_entry"] = _entry(county, LAKOU, "腊口走访", make_jpeg(folder / "lakou.jpg", colour=(200, 10, 10)),
                                  (SUBJECT, SUBJECT_ID, LAKOU))  # fmt: skip
    with county.session() as s:
        units, programme_id = unit_ids(s), current_programme(s).id
        inspection = inspections.record_inspection(s, InspectionInput(
            inspection_date=date(2018, 8, 15), inspectors="王芳", inspected_unit_id=units[LAKOU],
            programme_id=programme_id, findings=[FindingInput(
                text="台账照片不全", rectify=True, responsible_unit_id=units[LAKOU],
                deadline=date(2018, 9, 15))]), units[COUNTY])  # fmt: skip
        known["inspection"], known["item"] = inspection.uuid, inspection.items[0].uuid
        meeting = meetings.save_meeting(s, None, MeetingInput(
            programme_id=programme_id, meeting_date=date(2018, 7, 30), chair="张副局长",
            attendees="各科室负责人", reports=[ReportInput(unit_id=units[AID], progress="办案 12 件。")],
        ), units[COUNTY], date(2018, 12, 31))  # fmt: skip
        known["meeting"] = meeting.uuid
        brand_id = brands.create_brand(
            s, programme_id, BrandInput(name="法援+", lead_unit_id=units[AID])
        )
        known["office_summary"] = summaries.start_summary(s, programme_id, units[OFFICE], None).uuid
    known["brand"] = _uuid(county, "brands", id=brand_id)
    known["lakou_subject"] = _uuid(county, "correction_subjects", name=SUBJECT)
    known["lakou_photo"] = _uuid(county, "attachments", original_name="lakou.jpg")
    import_package(aid, export_package(county, AID, folder / "down.bjpkg")[0])

    known["aid_entry"] = _entry(aid, AID, "法援案件", make_jpeg(folder / "aid.jpg"),
                                (OTHER_SUBJECT, OTHER_ID, OUNAN))  # fmt: skip
    with aid.session() as s:
        known["aid_summary"] = summaries.start_summary(
            s, current_programme(s).id, unit_ids(s)[AID], None).uuid  # fmt: skip
    known["aid_subject"] = _uuid(aid, "correction_subjects", name=OTHER_SUBJECT)
    known["aid_photo"] = _uuid(aid, "attachments", original_name="aid.jpg")
    import_package(county, export_package(aid, COUNTY, folder / "up.bjpkg")[0])
    for db in dbs.values():
        db.close()
    return folder, known


@dataclass
class World:
    """This test's copies of the baseline databases, and the uuids of its records."""

    dbs: dict[str, Database]
    known: dict[str, str]

    @property
    def county(self) -> Database:
        return self.dbs["county"]


@pytest.fixture
def world(baseline, tmp_path):
    folder, known = baseline
    dbs = {}
    for key in ("county", "aid", "city"):
        shutil.copy(folder / f"{key}.db", tmp_path / f"{key}.db")
        if (folder / f"{key}-files").is_dir():
            shutil.copytree(folder / f"{key}-files", tmp_path / f"{key}-files")
        dbs[key] = open_database(str(tmp_path / f"{key}.db"))
        with dbs[key].session() as s:  # the copy takes its own exchange identity now, not mid-test
            identity.check_instance(s, dbs[key].file)
    yield World(dbs, known)
    for db in dbs.values():
        db.close()


# ---------------------------------------------------------------- the insider's forgeries
# Each writes, on the sender's own database and with plain Core (no service, no ORM events),
# one row its unit may not write, and returns that row's uuid.
T = Base.metadata.tables
TODAY = datetime.now(UTC)


def _id(c: Connection, table: str, uuid: str) -> int:
    return c.scalar(select(T[table].c.id).where(T[table].c.uuid == uuid))


def _kind(c: Connection, code: str) -> int:
    return c.scalar(select(T["entry_kinds"].c.id).where(T["entry_kinds"].c.code == code))


def _other_kind(c: Connection) -> int:
    return _kind(c, "other")


def _unit(c: Connection, name: str) -> int:
    return c.scalar(select(T["units"].c.id).where(T["units"].c.name == name))


def _programme(c: Connection) -> int:
    return c.scalar(select(T["programmes"].c.id))


_EMPTY_BULLETIN = {  # a bulletin's snapshot as issued_bulletins.snapshot_of writes one
    "version": 1, "issuer": "?", "programme_title": "?", "scheme_name": "?",
    "as_of": "2018-09-30", "year_elapsed": 0.5, "title": "?", "issue_number": 1,
    "document_number": "", "copy_to": "", "printed_by": "", "printed_on": None,
    "period_label": "", "highlights": [], "goals": [], "scores": [], "overdue": [],
}  # fmt: skip


def _row(c: Connection, table: str, owner: str, **values: Any) -> str:
    """Insert a row owned by the unit ``owner``; its uuid (given, or made by the default)."""
    values.setdefault("uuid", new_uuid())
    c.execute(insert(T[table]).values(owner_unit_id=_unit(c, owner), **values))
    return values["uuid"]


def _forge_delete(table: str, known: str) -> Callable[[Connection, World], str]:
    def forge(c: Connection, w: World) -> str:
        c.execute(update(T[table]).where(T[table].c.uuid == w.known[known])
                  .values(deleted=True, revision=T[table].c.revision + 1, updated_at=TODAY))  # fmt: skip
        return w.known[known]

    return forge


def _copy_of_lakou_entry(c: Connection, w: World) -> int:
    """A row for 腊口's entry (only its uuid is real): what an insider needs to point at it."""
    _row(c, "ledger_entries", LAKOU, uuid=w.known["lakou_entry"], entry_date=date(2018, 8, 3),
         kind_id=_other_kind(c), title="?")  # fmt: skip
    return _id(c, "ledger_entries", w.known["lakou_entry"])


def _copy_of_office_summary(c: Connection, w: World) -> int:
    _row(c, "phase_summaries", OFFICE, uuid=w.known["office_summary"], programme_id=_programme(c),
         department_id=_unit(c, OFFICE), status=SummaryStatus.DRAFT, sections={})  # fmt: skip
    return _id(c, "phase_summaries", w.known["office_summary"])


def _aid_report(c: Connection) -> str:
    """法律援助中心's own (valid) monthly report of September 2018: its uuid."""
    return _row(c, "statistics_reports", AID, programme_id=_programme(c), unit_id=_unit(c, AID),
                report_key="monthly", period_start=date(2018, 9, 1), period_end=date(2018, 9, 30),
                status="draft", values={}, note="")  # fmt: skip


def _unpaired_office(c: Connection) -> int:
    pairings, units = T["pairings"], T["units"]
    paired = select(pairings.c.office_id).where(pairings.c.department_id == _unit(c, AID))
    return c.scalar(select(units.c.id).where(units.c.kind == UnitKind.JUDICIAL_OFFICE,
                                             units.c.id.not_in(paired)))  # fmt: skip


def _duty(c: Connection) -> int:
    return c.scalar(select(T["duties"].c.id).where(T["duties"].c.department_id == _unit(c, AID)))


def _manual_indicator(c: Connection) -> int:
    """法律援助中心's indicator made manual (as the county would have made it)."""
    indicators = T["indicators"]
    indicator = c.scalar(select(indicators.c.id).where(indicators.c.duty_id == _duty(c)))
    c.execute(update(indicators).where(indicators.c.id == indicator)
              .values(measure=IndicatorMeasure.MANUAL))  # fmt: skip
    return indicator


@dataclass
class Case:
    table: str
    forge: Callable[[Connection, World], str]
    sender: str = "aid"
    why: str = ""  # what the refusal says besides the kind of record and the uuid
    altered: bool = False  # the normal export leaves the row out: the program was altered too

    def __str__(self) -> str:
        return self.table


P, D = _programme, date(2018, 9, 1)
FULL_MARKS = {"pairing_duty": 30.0, "visits": 20.0, "cooperation": 25.0, "results": 25.0}
CASES = [
    # county-only tables: a department may not create a row at all
    Case("units", lambda c, w: _row(c, "units", AID, name="伪造单位", kind=UnitKind.DEPARTMENT),
         why="局科室不能新增单位"),
    Case("entry_kinds", lambda c, w: _row(c, "entry_kinds", AID, code="forged", name="伪造类型"),
         why="局科室不能新增台账类型"),
    # a year of its own: a second 2018 would share 2018's days, refused before its rights
    Case("programmes", lambda c, w: _row(c, "programmes", AID, title="伪造", issuer="?", year=2030),
         why="局科室不能新增实施方案"),
    Case("aggregate_reports", lambda c, w: _row(c, "aggregate_reports", AID, programme_id=P(c),
                                                as_of=D), why="只报送市矫正办", altered=True),
    Case("county_summaries", lambda c, w: _row(c, "county_summaries", AID, programme_id=P(c)),
         why="只报送市矫正办", altered=True),
    Case("agreement_templates", lambda c, w: _row(c, "agreement_templates", AID, programme_id=P(c),
                                                  title="伪造"), why="局科室不能新增责任状文本"),
    Case("agreements", lambda c, w: _row(c, "agreements", AID, programme_id=P(c), version=7,
                                         department_id=_unit(c, AID), party_a_id=_unit(c, AID),
                                         status=AgreementStatus.DRAFT), why="局科室不能新增责任状"),
    Case("assessment_schemes", lambda c, w: _row(c, "assessment_schemes", AID, programme_id=P(c),
                                                 name="伪造"), why="局科室不能新增考核方案"),
    Case("brands", lambda c, w: _row(c, "brands", AID, programme_id=P(c), name="伪造品牌",
                                     lead_unit_id=_unit(c, AID), status=BrandStatus.PLANNED),
         why="局科室不能新增品牌"),
    Case("duties", lambda c, w: _row(c, "duties", AID, programme_id=P(c), text="伪造",
                                     department_id=_unit(c, AID)), why="局科室不能新增职责"),
    Case("goals", lambda c, w: _row(c, "goals", AID, programme_id=P(c), title="伪造", target_min=0,
                                    metric=GoalMetric.BRAND_COUNT), why="局科室不能新增目标"),
    Case("inspections", lambda c, w: _row(c, "inspections", AID, inspection_date=D, inspectors="?",
                                          inspected_unit_id=_unit(c, LAKOU)),
         why="局科室不能新增督查"),
    Case("pairings", lambda c, w: _row(c, "pairings", AID, programme_id=P(c),
                                       department_id=_unit(c, AID), office_id=_unpaired_office(c)),
         why="局科室不能新增挂钩结对"),
    Case("phases", lambda c, w: _row(c, "phases", AID, programme_id=P(c), name="伪造",
                                     start_date=D, end_date=D), why="局科室不能新增阶段"),
    # the case: 法律援助中心 gave itself 50 points
    Case("score_adjustments", lambda c, w: _row(c, "score_adjustments", AID, programme_id=P(c),
                                                unit_id=_unit(c, AID), points=50.0, reason="?",
                                                adjusted_on=D), why="局科室不能新增考核加减分"),
    # a department scoring itself on a judgement item
    Case("judgement_scores", lambda c, w: _row(c, "judgement_scores", AID, programme_id=P(c),
                                               unit_id=_unit(c, AID), item_key="leadership",
                                               score=5.0, reason="?", scored_on=D),
         why="局科室不能新增考核评分"),
    Case("brand_evidence", lambda c, w: _row(c, "brand_evidence", AID,
                                             brand_id=_id(c, "brands", w.known["brand"]),
                                             entry_id=_id(c, "ledger_entries", w.known["aid_entry"])),
         why="局科室不能新增品牌佐证", altered=True),  # (goes only to the entry's unit)
    Case("brand_milestones", lambda c, w: _row(c, "brand_milestones", AID, title="伪造",
                                               brand_id=_id(c, "brands", w.known["brand"])),
         why="局科室不能新增品牌节点"),
    Case("brand_participants", lambda c, w: _row(c, "brand_participants", AID,
                                                 brand_id=_id(c, "brands", w.known["brand"]),
                                                 unit_id=_unit(c, OUNAN)),
         why="局科室不能新增品牌参与单位"),
    Case("indicators", lambda c, w: _row(c, "indicators", AID, duty_id=_duty(c), name="伪造",
                                         measure_unit="次", annual_target=1.0,
                                         measure=IndicatorMeasure.MANUAL),
         why="局科室不能新增指标"),
    # a department scoring its own manual indicator, which the county enters
    Case("issued_bulletins", lambda c, w: _row(c, "issued_bulletins", AID, programme_id=P(c),
                                               number=1, as_of=D, issued_on=D, title="自拟通报",
                                               snapshot=_EMPTY_BULLETIN),
         why="局科室不能新增进度通报"),
    Case("manual_values", lambda c, w: _row(c, "manual_values", AID, value=1.0, recorded_on=D,
                                            note="", indicator_id=_manual_indicator(c)),
         why="只有县矫正办或指标指定的录入科室能录入该指标的完成值"),
    # a department rating itself in its paired office's name, which only that office does
    Case("peer_ratings", lambda c, w: _row(c, "peer_ratings", AID, programme_id=P(c),
                                           office_id=_unit(c, OUNAN), department_id=_unit(c, AID),
                                           scores=FULL_MARKS, total=100.0, comment="", rated_on=D),
         why="局科室不能新增结对部门评价"),
    Case("rectification_items", lambda c, w: _row(c, "rectification_items", AID, finding="?",
                                                  inspection_id=_id(c, "inspections", w.known["inspection"]),
                                                  responsible_unit_id=_unit(c, LAKOU), deadline=D,
                                                  status=RectificationStatus.PENDING),
         why="局科室不能新增整改事项"),
    # a department accepting its own summary
    Case("summary_reviews", lambda c, w: _row(c, "summary_reviews", AID, summary_revision=1,
                                              summary_id=_id(c, "phase_summaries", w.known["aid_summary"]),
                                              decision=ReviewDecision.ACCEPTED, decided_on=D),
         why="局科室不能新增总结审核", altered=True),  # (goes only to the summary's unit)
    # a department marking its own entry 已核实, and unlocking its own adopted period
    Case("entry_verifications", lambda c, w: _row(
        c, "entry_verifications", AID, entry_id=_id(c, "ledger_entries", w.known["aid_entry"]),
        status=VerificationStatus.VERIFIED, reason="", marked_on=D),
         why="局科室不能新增台账核实", altered=True),
    Case("period_unlocks", lambda c, w: _row(
        c, "period_unlocks", AID, summary_id=_id(c, "phase_summaries", w.known["aid_summary"]),
        summary_revision=1, reason="自行解锁", unlocked_on=D),
         why="局科室不能新增阶段解锁", altered=True),
    # statistics reports: a department reporting for another unit; deciding on, or unlocking,
    # its own report (the county's to do)
    Case("statistics_reports", lambda c, w: _row(c, "statistics_reports", AID, programme_id=P(c),
                                                 unit_id=_unit(c, OFFICE), report_key="monthly",
                                                 period_start=date(2018, 9, 1),
                                                 period_end=date(2018, 9, 30), status="draft",
                                                 values={}, note=""),
         why="每个单位只能报送本单位的统计报表"),
    Case("statistics_reviews", lambda c, w: _row(c, "statistics_reviews", AID, report_revision=1,
                                                 report_id=_id(c, "statistics_reports", _aid_report(c)),
                                                 decision="accepted", reason="", decided_on=D),
         why="局科室不能新增统计报表审核", altered=True),
    Case("statistics_unlocks", lambda c, w: _row(c, "statistics_unlocks", AID, report_revision=1,
                                                 report_id=_id(c, "statistics_reports", _aid_report(c)),
                                                 reason="自行解锁", unlocked_on=D),
         why="局科室不能新增统计期间解锁", altered=True),
    # an answer to a doubt about another unit's entry
    Case("doubt_answers", lambda c, w: _row(
        c, "doubt_answers", AID, entry_id=_copy_of_lakou_entry(c, w), verification_revision=1,
        answer="代为说明", answered_on=D),
         why="只能说明发送单位自己的台账"),
    # tables a unit writes, each with what it may not do
    Case("attachments", _forge_delete("attachments", "aid_photo"), why="局科室不能删除附件"),
    Case("correction_subjects", _forge_delete("correction_subjects", "aid_subject"),
         why="局科室不能删除社区矫正对象"),
    Case("ledger_entries", lambda c, w: _row(
        c, "ledger_entries", AID, entry_date=D, title="借用", kind_id=_kind(c, "forensic_service"),
        values={"service": "亲子鉴定"},
        subject_id=_id(c, "correction_subjects", _row(
            c, "correction_subjects", LAKOU, uuid=w.known["lakou_subject"], name="?",
            category=SubjectCategory.PROBATION))),
         why="只能是发送单位自己登记的或本机发给它的社区矫正对象"),
    # the issue's case: a photo attached to 腊口司法所's entry
    Case("entry_attachments", lambda c, w: _row(c, "entry_attachments", AID,
                                                entry_id=_copy_of_lakou_entry(c, w),
                                                attachment_id=_id(c, "attachments", w.known["aid_photo"])),
         why="照片只能加在发送单位自己的台账上"),
    Case("meetings", lambda c, w: _row(c, "meetings", CITY, meeting_date=D, chair="?"),
         sender="city", why="市矫正办不能新增例会"),
    Case("meeting_reports", lambda c, w: _row(c, "meeting_reports", AID, unit_id=_unit(c, AID),
                                              meeting_id=_id(c, "meetings", w.known["meeting"]),
                                              progress="伪造"), why="只能是发送单位自己记录的例会"),
    Case("meeting_decisions", lambda c, w: _row(c, "meeting_decisions", AID, text="伪造",
                                                meeting_id=_id(c, "meetings", w.known["meeting"])),
         why="只能是发送单位自己记录的例会"),
    Case("phase_summaries", lambda c, w: _row(c, "phase_summaries", AID, programme_id=P(c),
                                              department_id=_unit(c, OFFICE), status=SummaryStatus.DRAFT,
                                              sections={}), why="每个科室只能报送本科室的总结"),
    Case("rectification_updates", lambda c, w: _row(c, "rectification_updates", AID, reported_on=D,
                                                    item_id=_id(c, "rectification_items", w.known["item"]),
                                                    status=RectificationStatus.RECTIFIED, evidence="?"),
         why="只能报告发送单位负责的整改事项"),
    Case("summary_photos", lambda c, w: _row(c, "summary_photos", AID,
                                             summary_id=_copy_of_office_summary(c, w),
                                             attachment_id=_id(c, "attachments", w.known["aid_photo"])),
         why="照片只能选进发送单位自己的总结"),
]  # fmt: skip


def test_every_exchanged_table_declares_its_rights():
    tables = travelling_tables()
    assert rights.undeclared(tables) == []
    models = {m.class_.__tablename__: m.class_ for m in Base.registry.mappers
              if issubclass(m.class_, SyncedRecord)}  # fmt: skip
    for table in tables:
        rule = vars(models[table.name]).get("__exchange__")
        assert isinstance(rule, ExchangeRule), table.name
        assert rule.create and rule.reason, table.name  # somebody writes it, and why is said
        columns = set(table.c.keys())
        assert set(rule.references) <= columns and set(rule.sender_columns) <= columns
        assert rule.about is None or rule.about in columns
        assert table.name in KIND_LABELS  # refusals name the kind in Chinese
    # a table added without a declaration is caught
    assert rights.undeclared([*tables, Base.metadata.tables["local_settings"]]) == [
        "local_settings"
    ]
    # and every table has a forbidden write below
    assert sorted(case.table for case in CASES) == sorted(t.name for t in tables)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_forbidden_write_is_refused_and_changes_nothing(world, case, tmp_path, monkeypatch):
    sender = world.dbs[case.sender]
    if case.altered:
        monkeypatch.setattr(rights, "export_conditions", lambda table, me, recipient: [])
    with sender.session() as s:
        forged = case.forge(s.connection(), world)
    package, counts = export_package(sender, COUNTY, tmp_path / "forged.bjpkg")
    assert counts.get(case.table)  # the forged row is in the (genuinely signed) package
    before = dump(world.county)
    for dry_run in (True, False):
        with pytest.raises(PackageError) as refused:
            import_package(world.county, package, dry_run=dry_run)
        message = str(refused.value)
        assert message.startswith(f"“{NAMES[case.sender]}”的数据包未导入：")
        assert KIND_LABELS[case.table] in message and f"记录 {forged}" in message
        assert case.why in message and message.endswith("数据库保持原样，没有任何改动。")
        assert dump(world.county) == before


def test_a_summary_photo_must_be_a_file_the_sender_holds(world, tmp_path):
    """法律援助中心 puts 腊口司法所's photo (known to it only by its uuid) in its own summary."""
    with world.dbs["aid"].session() as s:
        c = s.connection()
        lakou = T["attachments"]
        with world.county.session() as cs:
            photo = cs.execute(
                select(lakou).where(lakou.c.uuid == world.known["lakou_photo"])
            ).one()
        values = {k: v for k, v in photo._mapping.items() if k not in ("id", "owner_unit_id")}
        _row(c, "attachments", LAKOU, **values)
        forged = _row(c, "summary_photos", AID,
                      summary_id=_id(c, "phase_summaries", world.known["aid_summary"]),
                      attachment_id=_id(c, "attachments", photo.uuid))  # fmt: skip
    package, _counts = export_package(world.dbs["aid"], COUNTY, tmp_path / "forged.bjpkg")
    before = dump(world.county)
    with pytest.raises(PackageError, match=f"总结照片（记录 {forged}）不能指向附件") as refused:
        import_package(world.county, package)
    assert "只能用发送单位持有的文件" in str(refused.value)
    assert dump(world.county) == before


def test_the_responsible_unit_reports_on_its_own_item(world, tmp_path):
    """The control of the forgeries: a unit's report on an item it is responsible for, written
    the same way, is taken."""
    with world.county.session() as s:
        units = unit_ids(s)
        inspection = inspections.record_inspection(s, InspectionInput(
            inspection_date=date(2018, 8, 16), inspectors="王芳", inspected_unit_id=units[AID],
            programme_id=current_programme(s).id, findings=[FindingInput(
                text="案卷不全", rectify=True, responsible_unit_id=units[AID],
                deadline=date(2018, 9, 15))]), units[COUNTY])  # fmt: skip
        item = inspection.items[0].uuid
    import_package(world.dbs["aid"], export_package(world.county, AID, tmp_path / "down.bjpkg")[0])
    with world.dbs["aid"].session() as s:
        c = s.connection()
        _row(c, "rectification_updates", AID, reported_on=D, evidence="已补齐",
             item_id=_id(c, "rectification_items", item), status=RectificationStatus.RECTIFIED)  # fmt: skip
    summary = import_package(
        world.county, export_package(world.dbs["aid"], COUNTY, tmp_path / "up.bjpkg")[0]
    )
    assert summary.created.get("rectification_updates") == 1


def test_the_city_refuses_what_is_not_for_the_city(world, tmp_path, monkeypatch):
    """A county PC whose program was altered to send everything up: the city takes nothing."""
    monkeypatch.setattr(rights, "export_conditions", lambda table, me, recipient: [])
    _entry(world.county, COUNTY, "县里走访")
    package, counts = export_package(world.county, CITY, tmp_path / "up.bjpkg")
    assert counts.get("ledger_entries")
    before = dump(world.dbs["city"])
    with pytest.raises(PackageError, match="只在县内交换，不报送市矫正办") as refused:
        import_package(world.dbs["city"], package)
    assert SUBJECT not in str(refused.value) and dump(world.dbs["city"]) == before


# ---------------------------------------------------------------- least data
def _records(package: Path, recipient: Database) -> dict[str, list[dict[str, Any]]]:
    """The decrypted records of a package, by kind, as the recipient reads them."""
    with recipient.session() as s:
        keys = identity.key_pairs(s)
        opened = open_package(package, me=local_unit(s).uuid,
                              sender_signing_key=lambda u: identity.peer_keys(s, u).signing)  # fmt: skip
        try:
            return {t.name: list(opened.records(t.name, keys)) for t in travelling_tables()}
        finally:
            opened.close()


def _ounan(world: World, tmp_path: Path) -> Database:
    """瓯南司法所's PC, registered with the county."""
    db = initialise(str(tmp_path / "ounan.db"), TEMPLATE_KEY, OUNAN).database
    world.dbs["ounan"] = db
    _register(world.county, db)
    return db


def test_a_unit_gets_only_the_subjects_it_serves(world, tmp_path):
    county = world.county
    # the county's own entries: one about a subject of 瓯南司法所 (with a photo), one about
    # 法律援助中心's subject (which 法律援助中心 registered and sent up), one with none
    about_ounan = _entry(county, COUNTY, "县里走访", make_jpeg(tmp_path / "ounan.jpg", colour=(1, 2, 3)),
                         ("吴敏", valid_id_number("33112719920202003"), OUNAN))  # fmt: skip
    with county.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        subject_id = s.scalar(select(T["correction_subjects"].c.id).where(
            T["correction_subjects"].c.uuid == world.known["aid_subject"]))  # fmt: skip
        entry_id = ledger.save_entry(s, county.attachments, None, EntryInput(
            kind_id=kinds["other"], unit_id=units[COUNTY], entry_date=date(2018, 8, 4),
            title="县里回访", programme_id=current_programme(s).id))  # fmt: skip
        s.execute(update(T["ledger_entries"]).where(T["ledger_entries"].c.id == entry_id)
                  .values(subject_id=subject_id))  # fmt: skip
    plain = _entry(county, COUNTY, "县里例行检查")
    ounan = _ounan(world, tmp_path)

    to_aid = _records(
        export_package(county, AID, tmp_path / "aid.bjpkg", full=True)[0], world.dbs["aid"]
    )
    entries = {r["uuid"] for r in to_aid["ledger_entries"]}
    assert plain in entries and about_ounan not in entries  # 法律援助中心 does not serve 吴敏
    assert "吴敏" not in json.dumps(to_aid, ensure_ascii=False)
    assert all(r["entry_uuid"] != about_ounan for r in to_aid["entry_attachments"])
    assert not any(r["original_name"] == "ounan.jpg" for r in to_aid["attachments"])
    assert to_aid["correction_subjects"] == []  # its own subject it has already
    assert {r["subject_uuid"] for r in to_aid["ledger_entries"]} == {
        None,
        world.known["aid_subject"],
    }

    package = export_package(county, OUNAN, tmp_path / "ounan.bjpkg", full=True)[0]
    to_ounan = _records(package, ounan)
    assert [r["name"] for r in to_ounan["correction_subjects"]] == ["吴敏"]  # reports to 瓯南
    entries = {r["uuid"]: r for r in to_ounan["ledger_entries"]}
    assert about_ounan in entries and plain in entries
    # 周衡 reports to 瓯南 too, but is 法律援助中心's: the county's entry about him stays home
    assert OTHER_SUBJECT not in json.dumps(to_ounan, ensure_ascii=False)
    assert any(r["original_name"] == "ounan.jpg" for r in to_ounan["attachments"])
    summary = import_package(ounan, package)  # and what it gets is complete
    assert summary.created["correction_subjects"] == 1


def test_the_city_gets_nothing_personal(world, tmp_path):
    records = _records(export_package(world.county, CITY, tmp_path / "city.bjpkg", full=True)[0],
                       world.dbs["city"])  # fmt: skip
    sent = {kind for kind, rows in records.items() if rows}
    assert "aggregate_reports" in sent and "units" in sent
    assert all(rights.rule_for(kind).to_city is not ToCity.NO for kind in sent)
    text = json.dumps(records, ensure_ascii=False)
    for personal in (SUBJECT, SUBJECT_ID, OTHER_SUBJECT, OTHER_ID, APPLICANT, "王芳", "张副局长",
                     "腊口走访", "办案 12 件"):  # fmt: skip
        assert personal not in text


def test_the_countys_own_summary_goes_to_the_city_only(world, tmp_path):
    from app.services import county_summary

    with world.county.session() as s:
        programme_id = current_programme(s).id
        written = county_summary.start_county_summary(s, programme_id, None)
        county_summary.save_county_summary(s, written.id, {"基本情况": "全县综述。"})
    up = _records(export_package(world.county, CITY, tmp_path / "city.bjpkg", full=True)[0],
                  world.dbs["city"])  # fmt: skip
    assert [r["sections"]["基本情况"] for r in up["county_summaries"]] == ["全县综述。"]
    down = _records(export_package(world.county, AID, tmp_path / "aid.bjpkg", full=True)[0],
                    world.dbs["aid"])  # fmt: skip
    assert down["county_summaries"] == [] and down["units"]
    import_package(world.dbs["city"], tmp_path / "city.bjpkg")
    with world.dbs["city"].session() as s:
        city_programme = current_programme(s).id  # the same plan, this database's own id
        assert county_summary.county_sections(s, city_programme, None)["基本情况"] == "全县综述。"
