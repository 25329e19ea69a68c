"""已被他人修改 (issue 18): two clerks save the same record from two sessions on one database,
on SQLite and on PostgreSQL. The second save is refused with both versions and who saved
first, the first one's data stays; saving over is a deliberate, audited second step; two saves
at the same instant cannot both win."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from app.models import AuditEntry, LedgerEntry
from app.services import concurrency, ledger
from app.services.accounts import PERMISSION_NAMES, Actor
from app.services.concurrency import ConcurrentEdit
from app.services.database import Database
from tests.helpers import kind_ids, unit_ids


def clerk(user_id: int, name: str, display: str) -> Actor:
    """A logged-in clerk allowed everything (who saved is what the tests look at)."""
    return Actor(user_id, name, display, "管理员", frozenset(PERMISSION_NAMES))


@pytest.fixture
def two(two_programs) -> tuple[Database, Database]:
    """Two programs (two PCs) on one database: 张科员's and 李科员's."""
    first, second = two_programs
    first.actor, second.actor = clerk(1, "zhang", "张科员"), clerk(2, "li", "李科员")
    return first, second


def _new_entry(database: Database) -> int:
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        return ledger.save_entry(s, database.attachments, None, ledger.EntryInput(
            kind_id=kinds["hotline"], unit_id=units["法律援助中心"], entry_date=date(2018, 7, 2),
            title="热线咨询", subjects_served=1, values={"calls": 2},
        ))  # fmt: skip


def _opened(database: Database, entry_id: int) -> ledger.EntryInput:
    """What an edit form opened now holds (with the revision it was opened with)."""
    with database.session() as s:
        detail = ledger.get_entry(s, entry_id)
    return ledger.EntryInput(
        kind_id=detail.kind_id, unit_id=detail.unit_id, entry_date=detail.entry_date,
        title=detail.title, subjects_served=detail.subjects_served, body=detail.body,
        values=dict(detail.values), expected_revision=detail.revision,
    )  # fmt: skip


def _save(database: Database, entry_id: int, data: ledger.EntryInput) -> None:
    with database.session() as s:
        ledger.save_entry(s, database.attachments, entry_id, data)


def _stored(database: Database, entry_id: int) -> tuple[str, int, int, bool]:
    with database.session() as s:
        entry = s.get_one(LedgerEntry, entry_id)
        return entry.title, entry.subjects_served, entry.revision, entry.deleted


def test_the_second_save_is_refused_with_both_versions_and_the_first_is_kept(two):
    zhang, li = two
    entry_id = _new_entry(zhang)
    mine, theirs = _opened(zhang, entry_id), _opened(li, entry_id)  # both forms open
    _save(zhang, entry_id, replace(mine, title="热线咨询（张）", subjects_served=3))
    kept = _stored(zhang, entry_id)
    with pytest.raises(ConcurrentEdit) as refused:
        _save(li, entry_id, replace(theirs, title="热线咨询（李）", values={"calls": 5}))
    conflict = refused.value
    assert _stored(li, entry_id) == kept == ("热线咨询（张）", 3, kept[2], False)
    shown = {d.label: (d.theirs, d.yours) for d in conflict.differences}
    assert shown["标题"] == ("热线咨询（张）", "热线咨询（李）")
    assert shown["服务矫正对象人数"] == ("3", "1")  # 李 did not touch it: his form still has 1
    assert shown["来电件数"] == ("2", "5")  # a form value, by its label
    assert "日期" not in shown  # only what differs
    assert conflict.who == "张科员" and conflict.when is not None
    assert conflict.revision == kept[2] and conflict.expected == theirs.expected_revision
    assert "张科员" in str(conflict) and "没有保存" in str(conflict)


def test_saving_over_is_a_second_step_and_is_audited(two):
    zhang, li = two
    entry_id = _new_entry(zhang)
    mine, theirs = _opened(zhang, entry_id), _opened(li, entry_id)
    _save(zhang, entry_id, replace(mine, title="热线咨询（张）"))
    yours = replace(theirs, title="热线咨询（李）")
    with pytest.raises(ConcurrentEdit) as refused:
        _save(li, entry_id, yours)
    with li.session() as s:  # 以我的为准保存: the same save, this conflict accepted
        concurrency.accept(s, refused.value)
        ledger.save_entry(s, li.attachments, entry_id, yours)
    assert _stored(li, entry_id)[0] == "热线咨询（李）"
    with li.session() as s:
        line = s.execute(
            select(AuditEntry.display_name, AuditEntry.record_id)
            .where(AuditEntry.kind == "overwrite")
        ).one()  # fmt: skip
    assert line == ("李科员", str(entry_id))
    # accepting one version is not a blank cheque: a third save meanwhile is refused again
    again = _opened(zhang, entry_id)
    _save(zhang, entry_id, replace(again, title="热线咨询（张，又改）"))
    with pytest.raises(ConcurrentEdit), li.session() as s:
        concurrency.accept(s, refused.value)
        ledger.save_entry(s, li.attachments, entry_id, replace(yours, title="李第三次"))
    assert _stored(li, entry_id)[0] == "热线咨询（张，又改）"


def test_deleting_an_entry_changed_since_it_was_listed_is_refused(two):
    zhang, li = two
    entry_id = _new_entry(zhang)
    with li.session() as s:
        listed = ledger.get_entry(s, entry_id).revision
    _save(zhang, entry_id, replace(_opened(zhang, entry_id), title="热线咨询（张）"))
    with pytest.raises(ConcurrentEdit) as refused, li.session() as s:
        ledger.delete_entry(s, entry_id, listed)
    assert refused.value.deleting and "没有删除" in str(refused.value)
    assert _stored(zhang, entry_id)[3] is False
    with li.session() as s:  # listed again: the delete goes through
        ledger.delete_entry(s, entry_id, ledger.get_entry(s, entry_id).revision)
    assert _stored(zhang, entry_id)[3] is True


def test_two_saves_at_the_same_instant_cannot_both_win(two):
    """Past the check, the UPDATE itself names the revision it read (version_id_col): a row
    saved by another session in between matches nothing, and the clerk is told."""
    zhang, li = two
    entry_id = _new_entry(zhang)
    with pytest.raises(ConcurrentEdit), li.session() as s:
        entry = s.get_one(LedgerEntry, entry_id)  # read…
        _save(zhang, entry_id, replace(_opened(zhang, entry_id), title="热线咨询（张）"))
        entry.title = "热线咨询（李）"  # …then written after the other save committed
    assert _stored(zhang, entry_id)[0] == "热线咨询（张）"


def test_a_save_waits_for_the_other_to_commit_and_then_sees_it(two, request):
    """On the server the check locks the row: a second save arriving while the first is
    still in its transaction waits for it, then is refused with the first one's version."""
    zhang, li = two
    if zhang.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    entry_id = _new_entry(zhang)
    mine, theirs = _opened(zhang, entry_id), _opened(li, entry_id)
    outcome: list[BaseException | None] = []
    saving = threading.Event()

    def second() -> None:
        saving.wait()
        try:
            _save(li, entry_id, replace(theirs, title="热线咨询（李）"))
            outcome.append(None)
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)

    thread = threading.Thread(target=second)
    thread.start()
    with zhang.session() as s:
        ledger.save_entry(s, zhang.attachments, entry_id, replace(mine, title="热线咨询（张）"))
        saving.set()  # 李 saves now, while 张's transaction holds the row
        thread.join(timeout=1.0)
        assert thread.is_alive()  # waiting on the row lock
    thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], ConcurrentEdit)
    assert outcome[0].who == "张科员"
    assert _stored(zhang, entry_id)[0] == "热线咨询（张）"


def test_reference_data_units_duties_indicators_are_guarded_the_same_way(two):
    """The county's reference data: a unit, a duty and an indicator edited in two sessions."""
    from app.models import Duty, Indicator, Unit
    from app.services import reference

    zhang, li = two
    with zhang.session() as s:
        unit = s.scalars(select(Unit).where(Unit.name == "法律援助中心")).one()
        duty = s.scalars(select(Duty).where(Duty.deleted.is_(False))).first()
        indicator = s.scalars(select(Indicator).where(Indicator.deleted.is_(False))).first()
        assert duty is not None and indicator is not None
        seen = (unit.id, unit.revision, unit.kind, unit.parent_id)
        duty_seen = (duty.id, duty.revision, duty.text)
        ind = indicator
        ind_seen = dict(
            duty_id=ind.duty_id, name=ind.name, measure_unit=ind.measure_unit,
            annual_target=ind.annual_target, weight=ind.weight, measure=ind.measure,
            entry_kind_id=ind.entry_kind_id, sum_field=ind.sum_field,
        )  # fmt: skip
        ind_id, ind_revision = ind.id, ind.revision
    unit_id, unit_rev, kind, parent = seen
    with zhang.session() as s:
        reference.save_unit(s, unit_id, name="法律援助中心", kind=kind, parent_id=parent,
                            phone="0578-6800000", expected_revision=unit_rev)  # fmt: skip
        reference.save_duty(s, duty_seen[0], text=duty_seen[2] + "（张）",
                            expected_revision=duty_seen[1])  # fmt: skip
        reference.save_indicator(
            s, ind_id, **{**ind_seen, "weight": 1}, expected_revision=ind_revision
        )
    refusals = []
    for attempt in (
        lambda s: reference.save_unit(s, unit_id, name="法律援助中心", kind=kind, parent_id=parent,
                                      phone="0578-6811111", expected_revision=unit_rev),
        lambda s: reference.save_duty(s, duty_seen[0], text="李改的职责", expected_revision=duty_seen[1]),
        lambda s: reference.save_indicator(s, ind_id, **{**ind_seen, "weight": 2},
                                           expected_revision=ind_revision),
        lambda s: reference.delete_duty(s, duty_seen[0], duty_seen[1]),
    ):  # fmt: skip
        with pytest.raises(ConcurrentEdit) as refused, li.session() as s:
            attempt(s)
        refusals.append({d.label: (d.theirs, d.yours) for d in refused.value.differences})
    assert refusals[0]["电话"] == ("0578-6800000", "0578-6811111")
    assert refusals[1]["内容"] == (duty_seen[2] + "（张）", "李改的职责")
    assert refusals[2]["权重"] == ("1.0", "2.0")
    assert refusals[3]["已删除"] == ("否", "（删除）")
    with li.session() as s:
        assert s.get_one(Unit, unit_id).phone == "0578-6800000"
        assert s.get_one(Duty, duty_seen[0]).text == duty_seen[2] + "（张）"
        assert s.get_one(Duty, duty_seen[0]).deleted is False
        assert s.get_one(Indicator, ind_id).weight == 1


def test_a_meeting_edited_in_two_sessions_and_a_change_of_its_decisions_alone(two):
    """A meeting's reports and decisions are rows of their own: changing only them moves the
    meeting's revision too, so the other editor's save is refused and shows them."""
    from app.services import meetings
    from app.services.meetings import DecisionInput, MeetingInput
    from app.services.settings import current_programme, local_unit

    zhang, li = two
    today = date(2018, 12, 31)
    with zhang.session() as s:
        programme_id, here = current_programme(s).id, local_unit(s).id
        meeting_id = meetings.save_meeting(s, None, MeetingInput(
            programme_id=programme_id, meeting_date=date(2018, 7, 5), chair="张副局长",
            decisions=[DecisionInput(text="完成挂钩结对走访")],
        ), here, today).id  # fmt: skip
    with zhang.session() as s:
        mine = meetings.load_meeting(s, meeting_id)
    with li.session() as s:
        theirs = meetings.load_meeting(s, meeting_id)
    mine.decisions.append(DecisionInput(text="报送半年小结"))  # only a decision added
    with zhang.session() as s:
        meetings.save_meeting(s, meeting_id, mine, here, today)
    theirs.chair = "李副局长"
    with pytest.raises(ConcurrentEdit) as refused, li.session() as s:
        meetings.save_meeting(s, meeting_id, theirs, here, today)
    shown = {d.label: (d.theirs, d.yours) for d in refused.value.differences}
    assert shown["议定事项"] == ("完成挂钩结对走访；报送半年小结", "完成挂钩结对走访")
    assert shown["主持人"] == ("张副局长", "李副局长")
    with pytest.raises(ConcurrentEdit), li.session() as s:  # nor deleted from the old list
        meetings.delete_meeting(s, meeting_id, here, theirs.expected_revision)
    with li.session() as s:
        kept = meetings.load_meeting(s, meeting_id)
    assert kept.chair == "张副局长" and [d.text for d in kept.decisions] == [
        "完成挂钩结对走访", "报送半年小结"]  # fmt: skip


def test_an_inspection_and_its_rectification_item_edited_in_two_sessions(two):
    from app.models import Inspection, RectificationItem
    from app.services import inspections
    from app.services.inspections import FindingInput, InspectionEdit, InspectionInput
    from app.services.settings import current_programme

    zhang, li = two
    with zhang.session() as s:
        units = unit_ids(s)
        inspection = inspections.record_inspection(s, InspectionInput(
            inspection_date=date(2018, 7, 2), inspectors="张三", inspected_unit_id=units["法律援助中心"],
            findings=[FindingInput(text="台账照片不全", rectify=True,
                                   responsible_unit_id=units["法律援助中心"], deadline=date(2018, 7, 31))],
            programme_id=current_programme(s).id,
        ), units["县矫正办"])  # fmt: skip
        inspection_id, item_id = inspection.id, inspection.items[0].id
        opened = inspection.revision
        item_opened = inspection.items[0].revision
    county, aid = units["县矫正办"], units["法律援助中心"]

    def edit(inspectors: str, expected: int) -> InspectionEdit:
        return InspectionEdit(inspection_date=date(2018, 7, 2), inspectors=inspectors,
                              inspected_unit_id=aid, expected_revision=expected)  # fmt: skip

    with zhang.session() as s:
        inspections.update_inspection(s, inspection_id, edit("张三、王五", opened), county)
        inspections.update_item(s, item_id, "台账照片不全（补拍）", aid, date(2018, 8, 15), county,
                                item_opened)  # fmt: skip
    with pytest.raises(ConcurrentEdit) as refused, li.session() as s:
        inspections.update_inspection(s, inspection_id, edit("张三、李四", opened), county)
    assert {d.label: (d.theirs, d.yours) for d in refused.value.differences} == {
        "督查人员": ("张三、王五", "张三、李四")}  # fmt: skip
    with pytest.raises(ConcurrentEdit) as refused, li.session() as s:
        inspections.update_item(s, item_id, "台账照片不全", aid, date(2018, 7, 31), county,
                                item_opened)  # fmt: skip
    shown = {d.label: (d.theirs, d.yours) for d in refused.value.differences}
    assert shown["整改期限"] == ("2018-08-15", "2018-07-31")
    for attempt in (
        lambda s: inspections.delete_item(s, item_id, county, item_opened),
        lambda s: inspections.delete_inspection(s, inspection_id, county, opened),
    ):
        with pytest.raises(ConcurrentEdit), li.session() as s:
            attempt(s)
    with li.session() as s:
        assert s.get_one(Inspection, inspection_id).inspectors == "张三、王五"
        item = s.get_one(RectificationItem, item_id)
        assert (item.deadline, item.deleted) == (date(2018, 8, 15), False)


def test_drafts_of_a_summary_and_of_a_statistics_report_edited_in_two_sessions(two):
    from app.models import PhaseSummary, StatisticsReport
    from app.services import statistics_reports as sr
    from app.services import summaries
    from app.services.settings import current_programme

    zhang, li = two
    with zhang.session() as s:
        programme_id, legal = current_programme(s).id, unit_ids(s)["法律援助中心"]
        summary = summaries.start_summary(s, programme_id, legal, None)
        report = sr.start_report(s, programme_id, legal, "monthly", date(2018, 9, 1))
        summary_id, summary_seen = summary.id, summary.revision
        sections = dict(summary.sections or {})
        report_id, report_seen, values = report.id, report.revision, dict(report.values or {})
    first = next(iter(summaries.SECTIONS))
    with zhang.session() as s:
        summaries.save_summary(s, summary_id, {**sections, first: "张科员写的。"}, [], summary_seen)
        sr.save_draft(s, report_id, {**values, "volunteers": "2"}, "张科员的说明。", report_seen)
    with pytest.raises(ConcurrentEdit) as refused, li.session() as s:
        summaries.save_summary(s, summary_id, {**sections, first: "李科员写的。"}, [], summary_seen)
    assert {d.label: (d.theirs, d.yours) for d in refused.value.differences}[first] == (
        "张科员写的。", "李科员写的。")  # fmt: skip
    with pytest.raises(ConcurrentEdit) as refused, li.session() as s:
        sr.save_draft(s, report_id, {**values, "volunteers": "3"}, "李科员的说明。", report_seen)
    shown = {d.label: (d.theirs, d.yours) for d in refused.value.differences}
    assert shown["情况说明"] == ("张科员的说明。", "李科员的说明。")
    assert ("2", "3") in shown.values()  # the figure, by its label
    with li.session() as s:
        assert s.get_one(PhaseSummary, summary_id).sections[first] == "张科员写的。"
        assert s.get_one(StatisticsReport, report_id).note == "张科员的说明。"


def test_a_correction_subject_changed_through_another_entry_is_not_overwritten(two):
    """A subject is edited through the entries that name it: 张科员 sets 假释 through one
    entry, 李科员's form of another entry still says 缓刑 — his save is refused for the subject."""
    from app.models import CorrectionSubject
    from app.services.subjects import SubjectInput
    from tests.helpers import valid_id_number

    zhang, li = two
    number = valid_id_number()
    legal_aid = {"applicant": "李玥", "relation": "本人", "case_type": "民事",
                 "approved_on": "2018-08-01", "result": "办理中"}  # fmt: skip
    with zhang.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        ids = [
            ledger.save_entry(s, zhang.attachments, None, ledger.EntryInput(
                kind_id=kinds["legal_aid"], unit_id=units["法律援助中心"], entry_date=date(2018, 8, day),
                title=f"法律援助（{day}日）", values=legal_aid,
                subject=SubjectInput(name="王某", category="缓刑", id_number=number),
            ))
            for day in (1, 2)
        ]  # fmt: skip
    with zhang.session() as s:
        detail = ledger.get_entry(s, ids[0])
    with li.session() as s:
        other = ledger.get_entry(s, ids[1])
    assert detail.subject is not None and other.subject is not None

    def form(detail: ledger.EntryDetail, category: str, title: str) -> ledger.EntryInput:
        assert detail.subject is not None
        return ledger.EntryInput(
            kind_id=detail.kind_id, unit_id=detail.unit_id, entry_date=detail.entry_date,
            title=title, values=dict(detail.values), expected_revision=detail.revision,
            subject=replace(detail.subject, category=category),
        )  # fmt: skip

    with zhang.session() as s:
        ledger.save_entry(s, zhang.attachments, ids[0], form(detail, "假释", detail.title))
    with pytest.raises(ConcurrentEdit) as refused, li.session() as s:
        ledger.save_entry(s, li.attachments, ids[1], form(other, "缓刑", "法律援助（李改）"))
    assert refused.value.table == "correction_subjects"
    assert {d.label: (d.theirs, d.yours) for d in refused.value.differences} == {
        "矫正类别": ("假释", "缓刑")}  # fmt: skip
    with li.session() as s:
        assert s.scalars(select(CorrectionSubject.category)).one().value == "假释"


def test_the_same_change_saved_twice_is_no_conflict(two):
    """Both clerks made the same correction: nothing of either is lost, so no question."""
    zhang, li = two
    entry_id = _new_entry(zhang)
    mine, theirs = _opened(zhang, entry_id), _opened(li, entry_id)
    _save(zhang, entry_id, replace(mine, title="热线咨询（更正）"))
    _save(li, entry_id, replace(theirs, title="热线咨询（更正）"))
    assert _stored(li, entry_id)[0] == "热线咨询（更正）"
