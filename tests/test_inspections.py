"""督查整改: recording, the rectification lifecycle and its refusals, overdue items, counts,
and a unit's report travelling up to the county (and the 销号 travelling back down)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from app.models import (
    Inspection,
    RectificationItem,
    RectificationStatus,
    RectificationUpdate,
)
from app.services import inspections
from app.services.errors import UserError, ValidationError
from app.services.forms import FormErrors
from app.services.inspections import FindingInput, InspectionInput
from app.services.settings import current_programme
from tests.helpers import unit_ids

S = RectificationStatus
AID, BASE, COUNTY = "法律援助中心", "基层科", "县矫正办"
INSPECTED = date(2018, 7, 2)
DEADLINE = date(2018, 7, 31)


def _snapshot(session) -> list[tuple]:
    """Every column of every inspection, item and update (to prove nothing changed)."""
    rows = []
    for model in (Inspection, RectificationItem, RectificationUpdate):
        table = model.__table__
        rows += [(table.name, *r) for r in session.execute(select(table).order_by(table.c.id))]
    return rows


def _record(session, units: dict[str, int], *findings: FindingInput) -> Inspection:
    data = InspectionInput(
        inspection_date=INSPECTED,
        inspectors="张三、李四",
        inspected_unit_id=units[AID],
        findings=list(findings),
        programme_id=current_programme(session).id,
    )
    return inspections.record_inspection(session, data, units[COUNTY])


@pytest.fixture
def item(database) -> tuple[int, dict[str, int]]:
    """An inspection of 法律援助中心 with one item due 2018-07-31; (item id, units)."""
    with database.session() as s:
        units = unit_ids(s)
        inspection = _record(
            s,
            units,
            FindingInput(
                text="台账照片不全", rectify=True, responsible_unit_id=units[AID], deadline=DEADLINE
            ),
        )
        return inspection.items[0].id, units


def _status(database, item_id: int) -> S:
    with database.session() as s:
        return inspections.effective_status(s.get(RectificationItem, item_id))


def test_an_inspection_records_findings_and_raises_items_for_some(database):
    with database.session() as s:
        units = unit_ids(s)
        inspection = _record(
            s,
            units,
            FindingInput(
                text="  台账照片不全  ",
                rectify=True,
                responsible_unit_id=units[AID],
                deadline=DEADLINE,
            ),
            FindingInput(text="宣传资料摆放整齐"),  # a finding that needs no rectification
            FindingInput(
                text="结对走访记录缺失",
                rectify=True,
                responsible_unit_id=units[BASE],
                deadline=INSPECTED,
            ),  # due the same day
        )
        assert inspection.findings == "1．台账照片不全\n2．宣传资料摆放整齐\n3．结对走访记录缺失"
        assert inspection.owner_unit_id == units[COUNTY]
        items = sorted(inspection.items, key=lambda i: i.id)
        assert [(i.finding, i.responsible_unit_id, i.deadline, i.status, i.owner_unit_id)
                for i in items] == [
            ("台账照片不全", units[AID], DEADLINE, S.PENDING, units[COUNTY]),
            ("结对走访记录缺失", units[BASE], INSPECTED, S.PENDING, units[COUNTY]),
        ]  # fmt: skip
        (row,) = inspections.list_inspections(s, date(2018, 7, 3))
        assert (row.inspected_unit, row.items, row.open, row.overdue) == (AID, 2, 2, 1)
        later = inspections.add_item(
            s, inspection.id, "补充整改", units[AID], DEADLINE, units[COUNTY]
        )
        assert later.owner_unit_id == units[COUNTY]
        assert [r.finding for r in inspections.list_items(s, inspection.id, units[AID])] == [
            "台账照片不全", "补充整改"]  # fmt: skip
        assert [
            r.inspected_unit
            for r in inspections.list_inspections(s, INSPECTED, unit_id=units[BASE])
        ] == [AID]
        assert inspections.list_inspections(s, INSPECTED, unit_id=units["律师管理科"]) == []


def test_recording_names_every_problem_and_saves_nothing(database):
    with database.session() as s:
        units = unit_ids(s)
        before = _snapshot(s)
        data = InspectionInput(
            inspection_date=INSPECTED,
            inspectors="  ",
            inspected_unit_id=units["市矫正办"],
            findings=[
                FindingInput(
                    text="台账照片不全",
                    rectify=True,
                    responsible_unit_id=units[AID],
                    deadline=date(2018, 7, 1),
                ),
                FindingInput(text="", rectify=True, responsible_unit_id=None, deadline=None),
                FindingInput(text="   "),
            ],
        )
        with pytest.raises(FormErrors) as refused:
            inspections.record_inspection(s, data, units[COUNTY])
        assert refused.value.errors == {
            "inspectors": "请填写督查人员。",
            "inspected_unit": "被督查单位不能是市矫正办。",
            "finding_1": "第 1 条问题：整改期限不能早于督查日期（2018年7月2日）。",
            "finding_2": "第 2 条问题：请填写需要整改的问题。请选择责任单位。请填写整改期限。",
            "finding_3": "第 3 条问题：请填写问题内容（不需要的行可删除）。",
        }
        with pytest.raises(FormErrors) as refused:
            inspections.record_inspection(
                s,
                InspectionInput(inspection_date=None, inspectors="张三", inspected_unit_id=None),
                None,
            )
        assert set(refused.value.errors) == {"", "inspection_date", "inspected_unit"}
        assert _snapshot(s) == before


def test_only_the_inspecting_office_adds_items(database, item):
    item_id, units = item
    with database.session() as s:
        inspection_id = s.get(RectificationItem, item_id).inspection_id
        before = _snapshot(s)
        with pytest.raises(ValidationError, match="只有督查单位（县矫正办）"):
            inspections.add_item(s, inspection_id, "问题", units[AID], DEADLINE, units[AID])
        with pytest.raises(FormErrors) as refused:
            inspections.add_item(s, inspection_id, "", units[AID], date(2018, 6, 30), units[COUNTY])
        assert set(refused.value.errors) == {"finding", "deadline"}
        assert _snapshot(s) == before


def test_the_whole_lifecycle(database, item):
    item_id, units = item
    assert _status(database, item_id) == S.PENDING
    with database.session() as s:
        update = inspections.report_progress(
            s, item_id, S.IN_PROGRESS, "", date(2018, 7, 5), units[AID]
        )
        assert update.owner_unit_id == units[AID]  # the unit's record: it travels up
    assert _status(database, item_id) == S.IN_PROGRESS
    with database.session() as s:
        inspections.report_progress(
            s, item_id, S.RECTIFIED, " 已补齐照片 12 张 ", date(2018, 7, 20), units[AID]
        )
        stored = s.get(RectificationItem, item_id)
        assert stored.status == S.PENDING  # the unit never changes the county's item
        assert stored.revision == 1
    assert _status(database, item_id) == S.RECTIFIED
    with database.session() as s:
        inspections.send_back(s, item_id, "照片缺少日期说明", date(2018, 7, 22), units[COUNTY])
        (row,) = inspections.all_items(s)
        assert (row.status_label, row.sent_back, row.latest_text) == (
            "整改中",
            True,
            "照片缺少日期说明",
        )
        inspections.report_progress(
            s, item_id, S.RECTIFIED, "已补充说明", date(2018, 7, 25), units[AID]
        )
        inspections.close_item(s, item_id, date(2018, 7, 26), units[COUNTY])
        stored = s.get(RectificationItem, item_id)
        assert (stored.status, stored.evidence, stored.rectified_on, stored.closed_on) == (
            S.CLOSED, "已补充说明", date(2018, 7, 25), date(2018, 7, 26))  # fmt: skip
        assert [(h.reported_on.day, h.label, h.text, h.by) for h in inspections.item_history(s, item_id)] == [
            (5, "报告整改中", "", AID),
            (20, "报告已整改", "已补齐照片 12 张", AID),
            (22, "退回整改", "照片缺少日期说明", COUNTY),
            (25, "报告已整改", "已补充说明", AID),
            (26, "销号", "", COUNTY),
        ]  # fmt: skip
    assert _status(database, item_id) == S.CLOSED


def _report(status: S, evidence: str = "已整改", on: date = date(2018, 7, 20), by: str = AID):
    return lambda s, i, u: inspections.report_progress(s, i, status, evidence, on, u[by])


def _close(on: date = date(2018, 7, 21), by: str = COUNTY):
    return lambda s, i, u: inspections.close_item(s, i, on, u[by])


def _send_back(reason: str = "不合格", on: date = date(2018, 7, 21), by: str = COUNTY):
    return lambda s, i, u: inspections.send_back(s, i, reason, on, u[by])


# (what happened before, the refused action, part of the message)
REFUSALS: list[tuple[list[Callable], Callable, str]] = [
    ([], _report(S.RECTIFIED, by=BASE), "只有责任单位（法律援助中心）"),
    ([], _report(S.RECTIFIED, evidence="  "), "写明整改情况和佐证材料"),
    ([], _report(S.RECTIFIED, on=None), "请填写报告日期"),
    ([], _report(S.RECTIFIED, on=date(2018, 7, 1)), "不能早于督查日期"),
    ([], _report(S.PENDING), "只能报告“整改中”或“已整改”"),
    ([], _report(S.CLOSED), "只能报告“整改中”或“已整改”"),
    ([_report(S.IN_PROGRESS, on=date(2018, 7, 10))], _report(S.RECTIFIED, on=date(2018, 7, 9)),
     "不能早于上一次报告的日期（2018年7月10日）"),
    ([_report(S.RECTIFIED)], _report(S.IN_PROGRESS), "正等待督查单位销号"),
    ([], _close(), "报告“已整改”后才能销号（现为“待整改”）"),
    ([_report(S.IN_PROGRESS)], _close(), "报告“已整改”后才能销号（现为“整改中”）"),
    ([_report(S.RECTIFIED)], _close(by=AID), "只有督查单位（县矫正办）才能销号"),
    ([_report(S.RECTIFIED)], _close(on=date(2018, 7, 19)), "销号日期不能早于上一次报告的日期"),
    ([_report(S.RECTIFIED)], _send_back(by=AID), "只有督查单位（县矫正办）才能退回整改"),
    ([_report(S.RECTIFIED)], _send_back(reason=" "), "请写明退回整改的理由"),
    ([_report(S.IN_PROGRESS)], _send_back(), "报告“已整改”后才能退回整改"),
    ([_report(S.RECTIFIED), _close()], _report(S.RECTIFIED, on=date(2018, 7, 22)), "已销号，不能再报告"),
    ([_report(S.RECTIFIED), _close()], _close(), "已经销号"),
    ([_report(S.RECTIFIED), _close()], _send_back(), "已经销号"),
]  # fmt: skip


@pytest.mark.parametrize(("before", "action", "message"), REFUSALS)
def test_every_refusal_leaves_the_database_unchanged(database, item, before, action, message):
    item_id, units = item
    with database.session() as s:
        for step in before:
            step(s, item_id, units)
        status = inspections.effective_status(s.get(RectificationItem, item_id))
    with database.session() as s:
        snapshot = _snapshot(s)
        with pytest.raises(UserError) as refused:
            action(s, item_id, units)
        assert message in str(refused.value)
    with database.session() as s:
        assert _snapshot(s) == snapshot
        assert inspections.effective_status(s.get(RectificationItem, item_id)) == status


def test_the_county_may_record_a_report_on_the_units_behalf(database, item):
    item_id, units = item
    with database.session() as s:
        update = inspections.report_progress(
            s, item_id, S.RECTIFIED, "现场核实", date(2018, 7, 9), units[COUNTY]
        )
        assert update.owner_unit_id == units[AID]  # still the responsible unit's report


def test_overdue_around_the_deadline(database, item):
    item_id, units = item

    def overdue(today: date) -> list[int]:
        with database.session() as s:
            return [r.id for r in inspections.overdue_items(s, today)]

    assert overdue(date(2018, 7, 30)) == []
    assert overdue(DEADLINE) == []  # the deadline day itself is not overdue
    assert overdue(date(2018, 8, 1)) == [item_id]
    with database.session() as s:
        (row,) = inspections.all_items(s)
        assert row.days_overdue(date(2018, 8, 3)) == 3 and row.days_overdue(DEADLINE) == 0
        inspections.report_progress(s, item_id, S.IN_PROGRESS, "", date(2018, 7, 28), units[AID])
    assert overdue(date(2018, 8, 1)) == [item_id]  # work started is not work done
    with database.session() as s:
        inspections.report_progress(s, item_id, S.RECTIFIED, "已整改", date(2018, 8, 2), units[AID])
    assert overdue(date(2018, 8, 5)) == []  # rectified (late) is no longer overdue
    with database.session() as s:
        inspections.send_back(s, item_id, "不合格", date(2018, 8, 6), units[COUNTY])
    assert overdue(date(2018, 8, 6)) == [item_id]  # sent back: overdue again


def test_counts_per_unit(database, item):
    _item_id, units = item
    with database.session() as s:
        inspection = _record(
            s,
            units,
            FindingInput(
                text="甲", rectify=True, responsible_unit_id=units[BASE], deadline=date(2018, 7, 10)
            ),
            FindingInput(
                text="乙", rectify=True, responsible_unit_id=units[BASE], deadline=date(2018, 8, 30)
            ),
            FindingInput(
                text="丙", rectify=True, responsible_unit_id=units[AID], deadline=date(2018, 7, 10)
            ),
        )
        done = next(i for i in inspection.items if i.finding == "丙")
        inspections.report_progress(s, done.id, S.RECTIFIED, "已整改", date(2018, 7, 9), units[AID])
        inspections.close_item(s, done.id, date(2018, 7, 9), units[COUNTY])
        counts = [(c.unit, c.total, c.open, c.overdue, c.closed)
                  for c in inspections.unit_counts(s, date(2018, 8, 1))]  # fmt: skip
    assert counts == [(BASE, 2, 2, 1, 0), (AID, 2, 1, 1, 1)]


def test_effective_status_combines_the_item_and_its_latest_update(database, item):
    item_id, units = item
    with database.session() as s:
        stored = s.get(RectificationItem, item_id)
        # reports made on another PC arrive in any order: the latest report date wins
        for status, day in ((S.RECTIFIED, 20), (S.IN_PROGRESS, 5)):
            s.add(RectificationUpdate(item_id=item_id, status=status, evidence="x",
                                      reported_on=date(2018, 7, day), owner_unit_id=units[AID]))  # fmt: skip
        s.flush()
        assert inspections.effective_status(stored) == S.RECTIFIED
        assert inspections.latest_update(s, stored).reported_on == date(2018, 7, 20)
        stored.status = S.CLOSED  # the county's 销号 overrides any report
        assert inspections.effective_status(stored) == S.CLOSED
        assert inspections.all_items(s)[0].status_label == "已销号"


def test_a_units_report_travels_up_and_the_countys_closing_travels_down(tmp_path):
    from app.services.setup import initialise
    from app.sync.exchange import export_package, import_package
    from app.sync.registration import join_with_credential, read_credential, write_credential
    from tests.conftest import TEMPLATE_KEY

    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, COUNTY).database
    with county.session() as s:
        write_credential(s, AID, tmp_path / "c.cred", TEMPLATE_KEY)
    unit = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, AID).database
    with unit.session() as s:
        join_with_credential(s, read_credential(tmp_path / "c.cred"))
    n = iter(range(1, 100))

    def send(source, recipient: str, target):
        return import_package(
            target, export_package(source, recipient, tmp_path / f"{next(n)}.bjpkg")[0]
        )

    try:
        send(unit, COUNTY, county)  # the unit's first package introduces its keys
        with county.session() as s:
            units = unit_ids(s)
            item_uuid = (
                _record(
                    s,
                    units,
                    FindingInput(
                        text="台账照片不全",
                        rectify=True,
                        responsible_unit_id=units[AID],
                        deadline=DEADLINE,
                    ),
                )
                .items[0]
                .uuid
            )
        send(county, AID, unit)
        with unit.session() as s:
            units = unit_ids(s)
            (row,) = inspections.overdue_items(s, date(2018, 8, 1))
            assert row.responsible_unit == AID
            inspections.report_progress(
                s, row.id, S.RECTIFIED, "已补齐照片", date(2018, 7, 20), units[AID]
            )
            with pytest.raises(ValidationError, match="只有督查单位"):
                inspections.close_item(s, row.id, date(2018, 7, 21), units[AID])
        summary = send(unit, COUNTY, county)
        assert summary.created == {"rectification_updates": 1}  # the item itself never travels up
        with county.session() as s:
            units = unit_ids(s)
            stored = s.scalar(select(RectificationItem).where(RectificationItem.uuid == item_uuid))
            assert inspections.effective_status(stored) == S.RECTIFIED
            assert inspections.overdue_items(s, date(2018, 8, 1)) == []
            inspections.close_item(s, stored.id, date(2018, 7, 22), units[COUNTY])
        send(county, AID, unit)
        with unit.session() as s:
            (row,) = inspections.all_items(s)
            assert (row.status, row.closed_on) == (S.CLOSED, date(2018, 7, 22))
    finally:
        county.close()
        unit.close()
