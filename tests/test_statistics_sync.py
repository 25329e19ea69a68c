"""Statistics reports travelling: the unit's report goes up, the county's decision and unlock
come down, through real packages; a forged decision, a changed submitted report and bad
figures in a unit's package are refused whole, leaving the county's database as it was."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from app.models import StatisticsDecision, StatisticsReport, StatisticsReview, Unit
from app.models.base import new_uuid
from app.services import ledger, period_locks
from app.services import statistics_reports as sr
from app.services.errors import UserError, ValidationError
from app.services.ledger import EntryInput
from app.services.settings import current_programme
from app.services.setup import initialise
from app.sync import identity, rights
from app.sync.exchange import export_package, import_package
from app.sync.package import PackageError
from tests.conftest import TEMPLATE_KEY
from tests.helpers import dump, kind_ids, unit_ids

AID = "法律援助中心"


@pytest.fixture
def offices(tmp_path):
    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    unit = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, AID).database
    with county.session() as c, unit.session() as u:

        def uuid_of(session, name: str) -> str:
            return session.scalar(select(Unit.uuid).where(Unit.name == name))

        identity.register_peer(c, uuid_of(c, AID), identity.key_pairs(u).public())
        identity.register_peer(u, uuid_of(u, "县矫正办"), identity.key_pairs(c).public())
    yield county, unit
    county.close()
    unit.close()


def _entry(db, day: date, title: str = "热线咨询") -> int:
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        return ledger.save_entry(s, db.attachments, None, EntryInput(
            kind_id=kinds["hotline"], unit_id=units[AID], entry_date=day, title=title,
            subjects_served=2, values={"calls": 1},
        ))  # fmt: skip


def _submitted(unit, on: date = date(2018, 10, 4)) -> str:
    """The unit's September report, submitted: its uuid."""
    _entry(unit, date(2018, 9, 10))
    with unit.session() as s:
        report = sr.start_report(s, current_programme(s).id, unit_ids(s)[AID], "monthly",
                                 date(2018, 9, 1))  # fmt: skip
        sr.save_draft(s, report.id, {**report.values, "volunteers": 1}, "九月情况正常。")
        sr.submit_report(s, report.id, on)
        return report.uuid


def _id(db, uuid: str) -> int:
    with db.session() as s:
        return s.scalar(select(StatisticsReport.id).where(StatisticsReport.uuid == uuid))


def test_the_report_goes_up_the_decision_and_the_unlock_come_down(offices, tmp_path):
    county, unit = offices
    uuid = _submitted(unit)
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
    there = _id(county, uuid)
    with county.session() as s:
        report = s.get(StatisticsReport, there)
        assert sr.status_of(s, report) == "已提交" and report.values["activities"] == 1
        assert report.note == "九月情况正常。" and report.submitted_on == date(2018, 10, 4)
        sr.review_report(s, there, StatisticsDecision.ACCEPTED, "", date(2018, 10, 8))
    import_package(unit, export_package(county, AID, tmp_path / "c1.bjpkg")[0])
    with unit.session() as s:
        assert sr.status_of(s, s.get(StatisticsReport, _id(unit, uuid))) == "已受理"
    with pytest.raises(UserError, match="该统计报表已被县矫正办受理"):
        _entry(unit, date(2018, 9, 20), "补登")
    with county.session() as s:
        period_locks.unlock_report(s, there, "补登遗漏的热线", date(2018, 10, 9))
    import_package(unit, export_package(county, AID, tmp_path / "c2.bjpkg")[0])
    _entry(unit, date(2018, 9, 20), "补登")  # open again at the unit


def test_an_unlocked_report_is_corrected_resubmitted_and_its_period_locked_again(offices, tmp_path):
    """解锁 reopens the accepted report: the unit corrects its entries and the report, submits
    again (its package is not refused as a change to a submitted report), and the county's
    next acceptance closes the period again, on both PCs."""
    county, unit = offices
    uuid = _submitted(unit)
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
    there = _id(county, uuid)
    with county.session() as s:
        sr.review_report(s, there, StatisticsDecision.ACCEPTED, "", date(2018, 10, 8))
        period_locks.unlock_report(s, there, "补登遗漏的热线", date(2018, 10, 9))
        assert sr.status_of(s, s.get(StatisticsReport, there)) == sr.UNLOCKED
    import_package(unit, export_package(county, AID, tmp_path / "c1.bjpkg")[0])
    mine = _id(unit, uuid)
    _entry(unit, date(2018, 9, 20), "补登")  # the period is open at the unit
    with unit.session() as s:
        report = s.get(StatisticsReport, mine)
        assert sr.status_of(s, report) == sr.UNLOCKED
        programme_id = current_programme(s).id
        form = sr.report_form(s, programme_id, "monthly")
        figures = sr.prefill(s, programme_id, form, unit_ids(s)[AID], date(2018, 9, 1),
                             date(2018, 9, 30))  # fmt: skip
        assert figures["activities"] == 2  # the entry added since
        sr.save_draft(s, mine, {**report.values, **figures}, "补登一条热线后重报。")
        sr.submit_report(s, mine, date(2018, 10, 10))
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u2.bjpkg")[0])
    with county.session() as s:
        report = s.get(StatisticsReport, there)
        assert sr.status_of(s, report) == sr.SUBMITTED and report.values["activities"] == 2
        sr.review_report(s, there, StatisticsDecision.ACCEPTED, "", date(2018, 10, 11))
    with pytest.raises(UserError, match="该统计报表已被县矫正办受理"):
        _entry(county, date(2018, 9, 21), "再补登")  # closed again at the county
    import_package(unit, export_package(county, AID, tmp_path / "c2.bjpkg")[0])
    before = dump(unit)
    with pytest.raises(UserError, match="该统计报表已被县矫正办受理"):
        _entry(unit, date(2018, 9, 21), "再补登")  # and at the unit
    assert dump(unit) == before
    with unit.session() as s, pytest.raises(ValidationError, match="解锁本期台账后才能修改"):
        sr.save_draft(s, mine, {}, "")


def test_a_returned_report_is_corrected_and_resubmitted(offices, tmp_path):
    county, unit = offices
    uuid = _submitted(unit)
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
    with county.session() as s:
        sr.review_report(s, _id(county, uuid), StatisticsDecision.RETURNED, "志愿者人数有误",
                         date(2018, 10, 8))  # fmt: skip
    import_package(unit, export_package(county, AID, tmp_path / "c1.bjpkg")[0])
    mine = _id(unit, uuid)
    with unit.session() as s:
        report = s.get(StatisticsReport, mine)
        assert sr.status_of(s, report) == "已退回"
        sr.save_draft(s, mine, {**report.values, "volunteers": 3}, "已更正志愿者人数。")
        sr.submit_report(s, mine, date(2018, 10, 9))
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u2.bjpkg")[0])
    with county.session() as s:
        report = s.get(StatisticsReport, _id(county, uuid))
        assert sr.status_of(s, report) == "已提交" and report.values["volunteers"] == 3
        assert report.submitted_on == date(2018, 10, 9)


def test_a_forged_decision_in_a_units_package_is_refused_whole(offices, tmp_path, monkeypatch):
    county, unit = offices
    uuid = _submitted(unit)
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
    with unit.session() as s:  # the unit accepts its own report in its database
        s.add(StatisticsReview(report_id=_id(unit, uuid), report_revision=1,
                               decision=StatisticsDecision.ACCEPTED, reason="",
                               decided_on=date(2018, 10, 5), owner_unit_id=unit_ids(s)[AID]))  # fmt: skip
    # (a normal export leaves it out: the program was altered too)
    monkeypatch.setattr(rights, "export_conditions", lambda table, me, recipient: [])
    package = export_package(unit, "县矫正办", tmp_path / "forged.bjpkg")[0]
    before = dump(county)
    with pytest.raises(PackageError, match="局科室不能新增统计报表审核") as refused:
        import_package(county, package)
    assert str(refused.value).endswith("数据库保持原样，没有任何改动。")
    assert dump(county) == before


def test_a_submitted_report_changed_in_a_units_package_is_refused_whole(offices, tmp_path):
    county, unit = offices
    uuid = _submitted(unit)
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
    with unit.session() as s:  # edited with a SQLite editor after submitting
        s.execute(update(StatisticsReport).where(StatisticsReport.uuid == uuid).values(
            values={"activities": 50, "served": 2, "visits": 0, "legal_aid": 0, "lectures": 0,
                    "volunteers": 1}, revision=StatisticsReport.revision + 1))  # fmt: skip
    package = export_package(unit, "县矫正办", tmp_path / "u2.bjpkg")[0]
    before = dump(county)
    with pytest.raises(PackageError, match="改动了已提交的统计报表"):
        import_package(county, package)
    assert dump(county) == before


def test_bad_figures_in_a_units_package_are_refused_whole(offices, tmp_path):
    county, unit = offices
    with unit.session() as s:
        units = unit_ids(s)
        s.add(StatisticsReport(
            uuid=new_uuid(), programme_id=current_programme(s).id, unit_id=units[AID],
            report_key="monthly", period_start=date(2018, 9, 1), period_end=date(2018, 9, 30),
            status="submitted", values={"activities": -3}, note="",
            submitted_on=date(2018, 10, 2), owner_unit_id=units[AID],
        ))  # fmt: skip
    package = export_package(unit, "县矫正办", tmp_path / "bad.bjpkg")[0]
    before = dump(county)
    with pytest.raises(PackageError, match="开展帮教活动次数"):
        import_package(county, package)
    assert dump(county) == before


def test_an_import_names_a_return_and_a_doubt_for_the_clerk(offices, tmp_path):
    from app.services import verification
    from app.ui.pages.exchange import _changes

    county, unit = offices
    uuid = _submitted(unit)
    up = import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
    assert up.named_text() == f"{AID}提交统计报表 1 份"
    with county.session() as s:
        sr.review_report(s, _id(county, uuid), StatisticsDecision.RETURNED, "志愿者人数有误",
                         date(2018, 10, 8))  # fmt: skip
        entry = s.scalar(
            select(ledger.LedgerEntry.id).where(ledger.LedgerEntry.title == "热线咨询")
        )
        verification.mark_entry(s, entry, "存疑", "缺少通话记录", date(2018, 10, 8))
    down = import_package(unit, export_package(county, AID, tmp_path / "c1.bjpkg")[0])
    assert down.named_text() == "县矫正办退回统计报表 1 份、存疑台账 1 条"
    assert "其中：县矫正办退回统计报表 1 份、存疑台账 1 条" in down.lines()
    assert _changes(down).endswith("（其中县矫正办退回统计报表 1 份、存疑台账 1 条）")
