"""Several units in one database (issue 18): the county's shared server holds the 县矫正办 and the
departments of the building. Each user belongs to a unit (``users.unit_uuid``; none: the
database's own); the services scope by the acting user's unit (``settings.local_unit``) and
refuse, in Chinese and before anything is written, what that unit may not do. Every test runs
on SQLite and on PostgreSQL (``postgres_url``), with two sessions as two users of two units."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Base, LocalEdit, ReviewDecision, StatisticsDecision, User
from app.services import accounts, dashboard, ledger, period_locks, summaries, verification
from app.services import statistics_reports as sr
from app.services.database import Database, open_database
from app.services.errors import UserError
from app.services.ledger import EntryInput
from app.services.settings import current_programme, database_unit, local_unit
from app.services.setup import initialise
from tests.conftest import TEMPLATE_KEY
from tests.helpers import kind_ids, unit_ids

AID = "法律援助中心"
OTHER = "基层科"
PASSWORD = "shared-pass-2018"


@dataclass
class Shared:
    """One database, opened twice: as the county's clerk and as 法律援助中心's."""

    county: Database
    aid: Database
    units: dict[str, int]
    kinds: dict[str, int]
    programme_id: int


@pytest.fixture(params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest, tmp_path) -> Iterator[Shared]:
    url = (
        str(tmp_path / "county.db")
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    initialise(url, TEMPLATE_KEY, "县矫正办").database.close()
    setup = open_database(url)
    with setup.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        aid_uuid = accounts.find_unit_uuid(s, AID)
        accounts.add_user(s, "county", PASSWORD, "管理员", "县办王科长", check=False)
        accounts.add_user(s, "aid", PASSWORD, "管理员", "法援李主任", check=False,
                          unit_uuid=aid_uuid)  # fmt: skip
        programme_id = current_programme(s).id
    setup.close()
    county, aid = open_database(url), open_database(url)
    with county.session() as s:
        county.actor = accounts.authenticate(s, "county", PASSWORD)
    with aid.session() as s:
        aid.actor = accounts.authenticate(s, "aid", PASSWORD)
    yield Shared(county, aid, units, kinds, programme_id)
    county.close()
    aid.close()


def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (both dialects): equal snapshots mean an unchanged database."""
    with database.engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(map(repr, row)) for row in conn.execute(table.select())), key=repr
            )
            for table in Base.metadata.sorted_tables
        }


def _entry(w: Shared, unit: str, title: str) -> EntryInput:
    return EntryInput(kind_id=w.kinds["hotline"], unit_id=w.units[unit],
                      entry_date=date(2018, 7, 2), title=title, values={"calls": 3})  # fmt: skip


def _refused(database: Database, match: str, action: Any) -> str:
    with pytest.raises(UserError, match=match) as refused, database.session() as s:
        action(s)
    return str(refused.value)


def test_each_user_works_for_their_unit_and_the_database_keeps_its_own(shared: Shared) -> None:
    with shared.aid.session() as s:
        assert local_unit(s).name == AID and database_unit(s).name == "县矫正办"
        assert shared.aid.actor.unit_name == AID
        assert not shared.aid.actor.may("users.manage")  # only the database's own unit's users
    with shared.county.session() as s:
        assert local_unit(s).name == "县矫正办"
        user = accounts.find_user(s, "aid")
        assert accounts.user_unit(s, user).name == AID
        # the login's audit line names the unit of a user of another unit
        shown = s.scalars(select(AuditEntry.display_name)).all()
        assert "法援李主任（法律援助中心）" in shown and "县办王科长" in shown


def test_a_department_cannot_change_or_delete_another_units_records(shared: Shared) -> None:
    w = shared
    with w.county.session() as s:  # the county enters for any unit, as on its own PC
        other_id = ledger.save_entry(s, w.county.attachments, None, _entry(w, OTHER, "基层科热线"))
        report = sr.start_report(s, w.programme_id, w.units[OTHER], "monthly", date(2018, 9, 1))
        other_summary = summaries.start_summary(s, w.programme_id, w.units[OTHER], None)
        report_id, other_summary_id = report.id, other_summary.id
    before = snapshot(w.aid)
    store = w.aid.attachments
    messages = [
        _refused(w.aid, "属于基层科", lambda s: ledger.delete_entry(s, other_id)),
        _refused(w.aid, "属于基层科", lambda s: ledger.restore_entry(s, other_id)),
        _refused(
            w.aid,
            "属于基层科",
            lambda s: ledger.save_entry(s, store, other_id, _entry(w, OTHER, "改别人的")),
        ),
        _refused(
            w.aid,
            "当前用户属于法律援助中心，只能登记法律援助中心的台账",
            lambda s: ledger.save_entry(s, store, None, _entry(w, OTHER, "替别人登记")),
        ),
        _refused(
            w.aid,
            "属于基层科",
            lambda s: sr.start_report(
                s, w.programme_id, w.units[OTHER], "monthly", date(2018, 10, 1)
            ),
        ),
        _refused(w.aid, "属于基层科", lambda s: sr.save_draft(s, report_id, {}, "改")),
        _refused(w.aid, "属于基层科", lambda s: sr.submit_report(s, report_id, date(2018, 10, 3))),
        _refused(
            w.aid,
            "属于基层科",
            lambda s: summaries.start_summary(s, w.programme_id, w.units[OTHER], 1),
        ),
        _refused(
            w.aid,
            "属于基层科",
            lambda s: summaries.save_summary(s, other_summary_id, {"工作开展情况": "改"}, []),
        ),
        _refused(
            w.aid,
            "属于基层科",
            lambda s: summaries.submit_summary(s, other_summary_id, date(2018, 10, 3)),
        ),
    ]
    assert all("法律援助中心只能修改本单位的" in m for m in messages[:3] + messages[4:])
    assert snapshot(w.aid) == before  # nothing written by any refusal


def test_the_county_keeps_its_own_decisions(shared: Shared) -> None:
    w = shared
    with w.aid.session() as s:  # the department's own work goes through as on its PC
        entry_id = ledger.save_entry(s, w.aid.attachments, None, _entry(w, AID, "热线咨询"))
        report = sr.start_report(s, w.programme_id, w.units[AID], "monthly", date(2018, 9, 1))
        sr.submit_report(s, report.id, date(2018, 10, 3))
        summary = summaries.start_summary(s, w.programme_id, w.units[AID], None)
        sections = {name: "按计划完成各项工作。" for name in summaries.REQUIRED_SECTIONS}
        summaries.save_summary(s, summary.id, {**summary.sections, **sections}, [])
        summaries.submit_summary(s, summary.id, date(2018, 10, 14))
        report_id, summary_id = report.id, summary.id
    before = snapshot(w.aid)
    today = date(2018, 10, 20)
    _refused(w.aid, "台账由县矫正办核实，法律援助中心不能标记", lambda s: verification.mark_entry(
        s, entry_id, "已核实", "", today))  # fmt: skip
    _refused(w.aid, "由县矫正办受理、退回，法律援助中心不能办理", lambda s: sr.review_report(
        s, report_id, StatisticsDecision.ACCEPTED, "", today))  # fmt: skip
    _refused(w.aid, "阶段总结由县矫正办采用、退回，法律援助中心不能办理", lambda s: (
        summaries.review_summary(s, summary_id, ReviewDecision.ACCEPTED, "", today,
                                 w.units["县矫正办"])))  # fmt: skip
    assert snapshot(w.aid) == before
    with w.county.session() as s:  # the county decides
        verification.mark_entry(s, entry_id, "已核实", "", today)
        sr.review_report(s, report_id, StatisticsDecision.ACCEPTED, "", today)
        review = summaries.review_summary(s, summary_id, ReviewDecision.ACCEPTED, "", today, None)
        assert review.owner_unit_id == w.units["县矫正办"]
    before = snapshot(w.aid)
    _refused(w.aid, "由县矫正办解锁，法律援助中心不能解锁", lambda s: period_locks.unlock_period(
        s, summary_id, "补充照片", today))  # fmt: skip
    _refused(w.aid, "由县矫正办解锁，法律援助中心不能解锁", lambda s: period_locks.unlock_report(
        s, report_id, "补充照片", today))  # fmt: skip
    _refused(w.aid, "已锁定", lambda s: ledger.delete_entry(s, entry_id))  # its own, but closed
    assert snapshot(w.aid) == before
    with w.county.session() as s:
        period_locks.unlock_period(s, summary_id, "补充照片", today)
    with w.aid.session() as s:
        ledger.delete_entry(s, entry_id)


def test_a_department_editing_its_own_record_is_no_local_edit_of_the_county(shared) -> None:
    """The exchange remembers edits of another unit's records (to meet the owner's next
    package as a conflict): a department's clerk editing the department's own entry on the
    county's server is its owner, not the county."""
    w = shared
    with w.county.session() as s:
        entry_id = ledger.save_entry(s, w.county.attachments, None, _entry(w, AID, "县办代登"))
    with w.aid.session() as s:
        ledger.save_entry(s, w.aid.attachments, entry_id, _entry(w, AID, "法援自己改"))
        assert s.scalars(select(LocalEdit)).all() == []
    with w.county.session() as s:  # the county changing it is (as on its own PC)
        ledger.save_entry(s, w.county.attachments, entry_id, _entry(w, AID, "县办再改"))
        assert [e.record_uuid for e in s.scalars(select(LocalEdit))] != []


def test_exchange_and_database_wide_work_stay_with_the_databases_unit(shared, tmp_path) -> None:
    """Packages are made and received as the database's unit (the county): its key signs
    them. A department's user on the shared server has its work in the database already; a
    package made in its name would be the county's, so 数据交换 is refused to it, as are the
    database's users, settings and backups."""
    from app.sync.exchange import export_package, import_package

    w = shared
    before = snapshot(w.aid)
    with pytest.raises(UserError, match="以本库单位（县矫正办）的名义办理，法律援助中心的用户不能"):
        export_package(w.aid, "基层科", tmp_path / "p.bjpkg")
    (tmp_path / "in.bjpkg").write_bytes(b"not read")
    with pytest.raises(UserError, match="法律援助中心的用户不能办理"):
        import_package(w.aid, tmp_path / "in.bjpkg")
    _refused(w.aid, "管理用户由本库单位的用户办理", lambda s: accounts.add_user(
        s, "aid2", PASSWORD, "填报员", unit_uuid=None))  # fmt: skip
    assert snapshot(w.aid) == before
    assert not (tmp_path / "p.bjpkg").exists()


def test_users_get_a_unit_checked_and_single_unit_databases_stay_as_they_were(shared) -> None:
    w = shared
    with w.county.session() as s:
        with pytest.raises(UserError, match="没有单位“不存在的科”"):
            accounts.find_unit_uuid(s, "不存在的科")
        assert accounts.find_unit_uuid(s, accounts.OWN_UNIT) is None
        county = accounts.find_unit_uuid(s, "县矫正办")  # the database's own: stored as none
        user = accounts.add_user(s, "own", PASSWORD, "填报员", unit_uuid=county, check=False)
        assert user.unit_uuid is None
        aid = s.scalar(select(User).where(User.name_key == "aid"))
        accounts.edit_user(s, aid.id, unit_uuid=None)
        assert aid.unit_uuid is None
    with w.aid.session() as s:  # the account changed: a new login works for the county
        actor = accounts.authenticate(s, "aid", PASSWORD)
        assert actor.unit_uuid is None and actor.may("ledger.edit")
    w.aid.actor = actor
    with w.aid.session() as s:
        assert local_unit(s).name == "县矫正办"
        ledger.save_entry(s, w.aid.attachments, None, _entry(w, OTHER, "县办代登"))


def test_a_user_whose_unit_is_gone_cannot_log_in(shared) -> None:
    from app.models import Unit

    with shared.county.session() as s:
        s.scalars(select(Unit).where(Unit.name == AID)).one().deleted = True
    with pytest.raises(UserError, match="所属单位已不存在"), shared.aid.session() as s:
        accounts.authenticate(s, "aid", PASSWORD)


def test_any_write_of_another_units_record_is_refused_at_flush(shared: Shared) -> None:
    """Services that take the unit from their caller (例会, 督查) or a change made through the
    ORM directly meet the same rule at flush: a department's user writes only its unit's
    records."""
    from app.models import LedgerEntry
    from app.services import meetings
    from app.services.meetings import MeetingInput

    w = shared
    county_id = w.units["县矫正办"]
    with w.county.session() as s:
        meeting_id = meetings.save_meeting(
            s,
            None,
            MeetingInput(
                programme_id=w.programme_id, meeting_date=date(2018, 7, 10), chair="王科长"
            ),
            county_id,
            date(2018, 7, 10),
        ).id
        entry_id = ledger.save_entry(s, w.county.attachments, None, _entry(w, OTHER, "基层科"))
    before = snapshot(w.aid)
    # the page passes its unit; a caller claiming the county's is refused all the same
    _refused(w.aid, "属于县矫正办，法律援助中心的用户只能修改本单位的记录",
             lambda s: meetings.delete_meeting(s, meeting_id, county_id))  # fmt: skip

    def retitle(s: Any) -> None:
        s.get(LedgerEntry, entry_id).title = "改别人的"
        s.flush()

    _refused(w.aid, "属于基层科", retitle)
    assert snapshot(w.aid) == before
    with w.aid.session() as s:  # its own meeting: as on its own PC
        own = meetings.save_meeting(
            s,
            None,
            MeetingInput(
                programme_id=w.programme_id, meeting_date=date(2018, 7, 11), chair="李主任"
            ),
            w.units[AID],
            date(2018, 7, 11),
        )
        meetings.delete_meeting(s, own.id, w.units[AID])


def test_a_department_sees_only_its_own_ledger_on_the_shared_database(shared: Shared) -> None:
    w = shared
    with w.county.session() as s:
        other_id = ledger.save_entry(s, w.county.attachments, None, _entry(w, OTHER, "基层科"))
        ledger.save_entry(s, w.county.attachments, None, _entry(w, AID, "法援的"))
    everything = ledger.LedgerFilter()
    with w.county.session() as s:
        assert sorted(r.title for r in ledger.list_entries(s, everything)) == ["基层科", "法援的"]
    with w.aid.session() as s:
        assert [r.title for r in ledger.list_entries(s, everything)] == ["法援的"]
        assert ledger.count_entries(s, everything) == 1
        with pytest.raises(UserError, match="属于基层科，法律援助中心的用户只能查看本单位的"):
            ledger.get_entry(s, other_id)
        latest = dashboard.latest_entries(s, date(2018, 12, 31))  # 首页's 最新台账
        assert [e.title for e in latest] == ["法援的"]
