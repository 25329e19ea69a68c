"""Every date a service takes from a form or the command line lies in its range (services.dates):
work done in the programme's year (2018), deadlines and what follows them up to 2019-06-30.
A date outside is refused with a Chinese message naming the field and the database is left as
it was; the bounds themselves are accepted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from app.models import Agreement, RectificationItem, RectificationStatus
from app.services import agreements, brands, inspections, ledger, meetings
from app.services.brands import BrandInput
from app.services.database import Database
from app.services.errors import UserError
from app.services.forms import FormErrors
from app.services.inspections import FindingInput, InspectionInput
from app.services.ledger import EntryInput
from app.services.meetings import DecisionInput, MeetingInput
from app.services.settings import current_programme, local_unit
from app.services.subjects import SubjectInput
from tests.helpers import dump, kind_ids, make_pdf, unit_ids

AID = "法律援助中心"
WORK = "2018年1月1日至2018年12月31日"
DEADLINE = "2018年1月1日至2019年6月30日"


def refusal(database: Database, action: Callable) -> dict[str, str]:
    """Run ``action(session)`` expecting a refusal, commit the session all the same, check that
    the database did not change; the messages by field."""
    before = dump(database)
    with database.session() as s, pytest.raises(UserError) as info:
        action(s)
    assert dump(database) == before
    error = info.value
    return dict(error.errors) if isinstance(error, FormErrors) else {error.field or "": str(error)}


@pytest.fixture
def ids(database) -> tuple[int, int, dict[str, int], dict[str, int]]:
    """(programme id, this PC's unit id (县矫正办), unit name → id, kind code → id)."""
    with database.session() as s:
        return current_programme(s).id, local_unit(s).id, unit_ids(s), kind_ids(s)


def test_ledger_entry_dates_lie_in_the_programme_year(database, ids):
    programme_id, _local, units, kinds = ids

    def entry(when: date | str) -> EntryInput:
        return EntryInput(kind_id=kinds["other"], unit_id=units[AID], entry_date=when,
                          title="走访", programme_id=programme_id)  # fmt: skip

    def save(when: date | str) -> Callable:
        return lambda s: ledger.save_entry(s, database.attachments, None, entry(when))

    for outside in (date(2017, 12, 31), "2000-01-01"):
        assert refusal(database, save(outside)) == {"entry_date": f"日期应在{WORK}之间。"}
    # after the last year: the same, and what to wait for (test_years.py)
    later = refusal(database, save("2019-01-01"))
    assert (
        later["entry_date"].startswith(f"日期应在{WORK}之间。")
        and "开始新年度" in later["entry_date"]
    )
    with database.session() as s:
        first = save(date(2018, 1, 1))(s)
        save("2018-12-31")(s)
    change = entry(date(2017, 6, 1))  # an edit is held to the same range
    assert refusal(
        database, lambda s: ledger.save_entry(s, database.attachments, first, change)
    ) == {"entry_date": f"日期应在{WORK}之间。"}


def test_dates_inside_a_ledger_form_lie_in_the_range_its_date_fields_offer(database, ids):
    """A legal aid approved the year before the entry is fine, 2016 or after mid-2019 is not:
    the command line (through save_entry) refuses what the form's date field refuses."""
    from app.services.dates import DatePurpose, programme_date_range

    programme_id, _local, units, kinds = ids
    offered = programme_date_range(2018, DatePurpose.FORM_FIELD)
    assert (offered.earliest, offered.latest) == (date(2017, 1, 1), date(2019, 6, 30))

    def save(approved: str) -> Callable:
        values = {"applicant": "李玥", "relation": "本人", "case_type": "民事",
                  "approved_on": approved, "result": "办理中"}  # fmt: skip
        subject = SubjectInput(name="李玥", category="缓刑", id_number="", office_id=None)
        data = EntryInput(kind_id=kinds["legal_aid"], unit_id=units[AID], entry_date=date(2018, 8, 3),
                          title="法律援助", values=values, subject=subject, programme_id=programme_id)  # fmt: skip
        return lambda s: ledger.save_entry(s, database.attachments, None, data)

    within = "“批准日期”应在2017年1月1日至2019年6月30日之间。"
    for outside in ("2016-12-31", "2019-07-01"):
        assert refusal(database, save(outside)) == {"approved_on": within}
    assert refusal(database, save("2018-02-30")) == {
        "approved_on": "“批准日期”2018-02-30 这一天不存在，请核对。"
    }
    with database.session() as s:
        for bound in ("2017-01-01", "2019-06-30"):
            entry_id = save(bound)(s)
            assert ledger.get_entry(s, entry_id).values["approved_on"] == bound


def test_agreement_issue_and_signing_dates_lie_in_the_programme_year(database, ids, tmp_path):
    programme_id, _local, units, _kinds = ids
    store = database.attachments
    with database.session() as s:
        agreement_id = agreements.create_draft(s, programme_id, units[AID])
    for outside in (date(1900, 11, 30), date(2017, 12, 31)):
        assert refusal(database, lambda s, on=outside: agreements.issue(s, store, agreement_id, on)) == {
            "issued_on": f"印发日期应在{WORK}之间。"}  # fmt: skip
    with database.session() as s:
        agreements.issue(s, store, agreement_id, date(2018, 1, 1))
    scan = make_pdf(tmp_path / "scan.pdf")

    def sign(on: date) -> Callable:
        return lambda s: agreements.sign(s, store, agreement_id, signed_on=on,
                                         party_a_signatory="张", party_b_signatory="李", scans=[scan])  # fmt: skip

    assert refusal(database, sign(date(2019, 1, 1))) == {"signed_on": f"签署日期应在{WORK}之间。"}
    with database.session() as s:
        sign(date(2018, 12, 31))(s)
        agreement = s.get(Agreement, agreement_id)
        assert (agreement.issued_on, agreement.signed_on) == (date(2018, 1, 1), date(2018, 12, 31))


def test_meeting_dates_and_decision_deadlines(database, ids):
    programme_id, local, units, _kinds = ids
    today = date(2019, 1, 5)

    def meeting(when: date, due: date) -> Callable:
        data = MeetingInput(programme_id=programme_id, meeting_date=when, chair="张副局长",
                            decisions=[DecisionInput(text="走访", responsible_unit_id=units[AID],
                                                     due_date=due)])  # fmt: skip
        return lambda s: meetings.save_meeting(s, None, data, local, today)

    assert refusal(database, meeting(date(2017, 12, 31), date(2018, 3, 1))) == {
        "meeting_date": f"例会日期应在{WORK}之间。"}  # fmt: skip
    # a 2017 deadline is refused, not moved into the range
    for due in (date(2017, 12, 1), date(2019, 7, 1)):
        assert refusal(database, meeting(date(2018, 2, 1), due)) == {
            "decisions": f"第 1 项议定事项的完成时限应在{DEADLINE}之间。"}  # fmt: skip
    with database.session() as s:
        first = meeting(date(2018, 1, 1), date(2019, 6, 30))(s).id
        meeting(date(2018, 12, 31), date(2018, 12, 31))(s)
        stored = meetings.load_meeting(s, first)
    assert (stored.meeting_date, stored.decisions[0].due_date) == (
        date(2018, 1, 1),
        date(2019, 6, 30),
    )


def test_inspection_deadline_and_rectification_dates(database, ids):
    programme_id, local, units, _kinds = ids

    def record(when: date, deadline: date) -> Callable:
        data = InspectionInput(inspection_date=when, inspectors="张三", inspected_unit_id=units[AID],
                               findings=[FindingInput(text="台账不全", rectify=True,
                                                      responsible_unit_id=units[AID], deadline=deadline)],
                               programme_id=programme_id)  # fmt: skip
        return lambda s: inspections.record_inspection(s, data, local)

    for outside in (date(1900, 1, 1), date(2099, 1, 1)):
        assert refusal(database, record(outside, date(2018, 7, 31))) == {
            "inspection_date": f"督查日期应在{WORK}之间。"}  # fmt: skip
    assert refusal(database, record(date(2018, 7, 2), date(2019, 7, 1))) == {
        "finding_1": f"第 1 条问题：整改期限应在{DEADLINE}之间。"}  # fmt: skip
    with database.session() as s:
        record(date(2018, 1, 1), date(2018, 1, 1))(s)
        inspection = record(date(2018, 12, 31), date(2019, 6, 30))(s)
        item_id, inspection_id = inspection.items[0].id, inspection.id
    add = inspections.add_item
    assert refusal(database, lambda s: add(s, inspection_id, "补充", units[AID], date(2099, 1, 1), local)) == {
        "deadline": f"整改期限应在{DEADLINE}之间。"}  # fmt: skip
    report = inspections.report_progress
    rectified = RectificationStatus.RECTIFIED
    assert refusal(database, lambda s: report(s, item_id, rectified, "已补齐", date(2019, 7, 1), units[AID])) == {
        "reported_on": f"报告日期应在{DEADLINE}之间。"}  # fmt: skip
    with database.session() as s:  # reported on the last day of the range, after the year
        report(s, item_id, rectified, "已补齐", date(2019, 6, 30), units[AID])
    assert refusal(database, lambda s: inspections.close_item(s, item_id, date(2099, 1, 1), local)) == {
        "closed_on": f"销号日期应在{DEADLINE}之间。"}  # fmt: skip
    with database.session() as s:
        inspections.close_item(s, item_id, date(2019, 6, 30), local)
        assert s.get(RectificationItem, item_id).closed_on == date(2019, 6, 30)


def test_send_back_dates(database, ids):
    programme_id, local, units, _kinds = ids
    with database.session() as s:
        data = InspectionInput(inspection_date=date(2018, 7, 2), inspectors="张三", inspected_unit_id=units[AID],
                               findings=[FindingInput(text="台账不全", rectify=True, responsible_unit_id=units[AID],
                                                      deadline=date(2018, 7, 31))],
                               programme_id=programme_id)  # fmt: skip
        item_id = inspections.record_inspection(s, data, local).items[0].id
        inspections.report_progress(s, item_id, RectificationStatus.RECTIFIED, "已补齐", date(2018, 7, 20),
                                    units[AID])  # fmt: skip
    assert refusal(database, lambda s: inspections.send_back(s, item_id, "照片不清", date(2019, 7, 1), local)) == {
        "reported_on": f"退回日期应在{DEADLINE}之间。"}  # fmt: skip


def test_brand_milestone_due_and_done_dates(database, ids):
    programme_id, _local, units, _kinds = ids
    with database.session() as s:
        brand_id = brands.create_brand(
            s, programme_id, BrandInput(name="法援+", lead_unit_id=units[AID])
        )
    add = brands.add_milestone
    for outside in (date(2017, 12, 31), date(2019, 7, 1)):
        assert refusal(database, lambda s, on=outside: add(s, brand_id, "进驻", on)) == {
            "due_date": f"计划完成日期应在{DEADLINE}之间。"}  # fmt: skip
    with database.session() as s:
        first = add(s, brand_id, "进驻", date(2018, 1, 1))
        last = add(s, brand_id, "推广", date(2019, 6, 30))
    assert refusal(database, lambda s: brands.update_milestone(s, first, "进驻", date(2099, 1, 1))) == {
        "due_date": f"计划完成日期应在{DEADLINE}之间。"}  # fmt: skip
    done = brands.mark_milestone_done
    today = date(2019, 12, 1)
    for outside in (date(2017, 12, 31), date(2019, 7, 1)):
        assert refusal(database, lambda s, on=outside: done(s, first, on, today)) == {
            "done_on": f"完成日期应在{DEADLINE}之间。"}  # fmt: skip
    assert refusal(database, lambda s: done(s, first, date(2018, 6, 2), date(2018, 6, 1))) == {
        "done_on": "完成日期不能晚于今天。"}  # fmt: skip
    with database.session() as s:
        done(s, first, date(2018, 1, 1), today)
        done(s, last, date(2019, 6, 30), today)
        detail = brands.brand_detail(s, brand_id)
    assert [m.done_on for m in detail.milestones] == [date(2018, 1, 1), date(2019, 6, 30)]
