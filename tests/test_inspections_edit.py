"""督查整改 corrected and deleted by the inspecting office: an inspection's date, inspectors, unit
and findings, an item's finding, unit and deadline; soft deletion with restore (undo). A deleted
one vanishes from the lists, the overdue list and the county report; nothing closed (已销号) is
deleted; every refusal is in Chinese and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from app.models import Inspection, RectificationItem, RectificationStatus
from app.services import inspections, overdue, summary_reports
from app.services.database import Database
from app.services.errors import UserError
from app.services.inspections import FindingInput, InspectionEdit, InspectionInput
from app.services.settings import current_programme
from tests.helpers import dump, unit_ids

S = RectificationStatus
AID, BASE, COUNTY = "法律援助中心", "基层科", "县矫正办"
LATE = date(2018, 9, 1)  # both items overdue by then


def refusal(database: Database, action: Callable) -> UserError:
    """Run ``action(session)`` expecting a refusal, commit all the same, check nothing changed."""
    before = dump(database)
    with database.session() as s, pytest.raises(UserError) as info:
        action(s)
    assert dump(database) == before
    return info.value


@pytest.fixture
def env(database) -> tuple[int, int, int, int, dict[str, int]]:
    """An inspection of 法律援助中心 on 2018-07-02 by the county, items for 法律援助中心 (due
    2018-07-31) and 基层科 (due 2018-08-15); (programme, inspection, aid item, base item, units)."""
    with database.session() as s:
        units, programme_id = unit_ids(s), current_programme(s).id
        inspection = inspections.record_inspection(s, InspectionInput(
            inspection_date=date(2018, 7, 2), inspectors="张三、李四", inspected_unit_id=units[AID],
            findings=[FindingInput(text="台账照片不全", rectify=True, responsible_unit_id=units[AID],
                                   deadline=date(2018, 7, 31)),
                      FindingInput(text="结对走访记录缺失", rectify=True, responsible_unit_id=units[BASE],
                                   deadline=date(2018, 8, 15))],
            programme_id=programme_id), units[COUNTY])  # fmt: skip
        aid, base = sorted(inspection.items, key=lambda i: i.deadline)
        return programme_id, inspection.id, aid.id, base.id, units


def visible(database: Database, programme_id: int) -> dict[str, object]:
    """Where inspections and items show: the page's lists, the overdue list, the county report."""
    with database.session() as s:
        report = summary_reports.county_report(s, database.attachments, programme_id, None, LATE)
        return {
            "inspections": [r.id for r in inspections.list_inspections(s, LATE, programme_id)],
            "items": [r.finding for r in inspections.all_items(s, programme_id)],
            "overdue": [i.text for i in overdue.overdue_items(s, programme_id, LATE) if i.kind == "整改事项"],
            "counts": [(c.unit, c.total) for c in inspections.unit_counts(s, LATE, programme_id)],
            "report": [[i[0] for i in line.items] for line in report.inspections],
        }  # fmt: skip


def test_the_inspecting_office_corrects_an_inspection(database, env):
    _programme_id, inspection_id, _aid, _base, units = env
    edit = InspectionEdit(inspection_date=date(2018, 7, 3), inspectors=" 王五 ",
                          inspected_unit_id=units[BASE], findings=" 1. 台账照片不全\n2. 结对走访记录缺失 ")  # fmt: skip
    with database.session() as s:
        inspections.update_inspection(s, inspection_id, edit, units[COUNTY])
    with database.session() as s:
        stored = s.get(Inspection, inspection_id)
        assert (stored.inspection_date, stored.inspectors, stored.inspected_unit_id, stored.findings) == (
            date(2018, 7, 3), "王五", units[BASE], "1. 台账照片不全\n2. 结对走访记录缺失")  # fmt: skip
        assert stored.revision == 2

    def update(by: str = COUNTY, **changes) -> Callable:
        values = {"inspection_date": date(2018, 7, 3), "inspectors": "王五",
                  "inspected_unit_id": units[BASE], **changes}  # fmt: skip
        return lambda s: inspections.update_inspection(
            s, inspection_id, InspectionEdit(**values), units[by]
        )

    assert str(refusal(database, update(by=AID))) == "只有督查单位（县矫正办）才能修改这次督查。"
    assert refusal(database, update(inspection_date=date(2018, 8, 1))).errors == {
        "inspection_date": "督查日期不能晚于整改期限（2018年7月31日）。"}  # fmt: skip
    assert refusal(database, update(inspection_date=date(2099, 1, 1), inspectors=" ",
                                    inspected_unit_id=units["市矫正办"])).errors == {
        "inspection_date": "督查日期应在2018年1月1日至2018年12月31日之间。",
        "inspectors": "请填写督查人员。", "inspected_unit": "被督查单位不能是市矫正办。"}  # fmt: skip
    with database.session() as s:  # a report on an item bounds the date too
        item_id = inspections.list_items(s, inspection_id, units[AID])[0].id
        inspections.report_progress(s, item_id, S.IN_PROGRESS, "", date(2018, 7, 10), units[AID])
    assert refusal(database, update(inspection_date=date(2018, 7, 11))).errors == {
        "inspection_date": "督查日期不能晚于整改进展的报告日期（2018年7月10日）。"}  # fmt: skip


def test_the_inspecting_office_corrects_an_item(database, env):
    _programme_id, _inspection_id, aid, base, units = env
    with database.session() as s:
        inspections.update_item(
            s, base, " 结对走访记录不全 ", units[AID], date(2018, 8, 20), units[COUNTY]
        )
    with database.session() as s:
        stored = s.get(RectificationItem, base)
        assert (stored.finding, stored.responsible_unit_id, stored.deadline) == (
            "结对走访记录不全", units[AID], date(2018, 8, 20))  # fmt: skip

    def update(
        item: int, unit: str = AID, deadline: date = date(2018, 8, 20), by: str = COUNTY
    ) -> Callable:
        return lambda s: inspections.update_item(s, item, "问题", units[unit], deadline, units[by])

    assert (
        str(refusal(database, update(base, by=AID)))
        == "只有督查单位（县矫正办）才能修改这项整改事项。"
    )
    assert refusal(database, update(base, deadline=date(2018, 7, 1))).errors == {
        "deadline": "整改期限不能早于督查日期（2018年7月2日）。"}  # fmt: skip
    assert refusal(database, update(base, deadline=date(2019, 7, 1))).errors == {
        "deadline": "整改期限应在2018年1月1日至2019年6月30日之间。"}  # fmt: skip
    with database.session() as s:
        inspections.report_progress(s, aid, S.RECTIFIED, "已补齐", date(2018, 7, 20), units[AID])
    assert refusal(database, update(aid, unit=BASE)).errors == {
        "responsible_unit": "法律援助中心已报告过这项整改的进展，不能更换责任单位；如确需更换，请删除本事项后重新添加。"}  # fmt: skip
    with database.session() as s:  # the deadline may still be corrected
        inspections.update_item(s, aid, "台账照片不全", units[AID], date(2018, 8, 1), units[COUNTY])
        inspections.close_item(s, aid, date(2018, 7, 21), units[COUNTY])
    assert str(refusal(database, update(aid))) == "这项整改已销号，不能修改。"


def test_deleted_items_vanish_everywhere_and_come_back_on_undo(database, env):
    programme_id, inspection_id, _aid, base, units = env
    shown = visible(database, programme_id)
    assert shown == {
        "inspections": [inspection_id], "items": ["台账照片不全", "结对走访记录缺失"],
        "overdue": ["台账照片不全", "结对走访记录缺失"], "counts": [(BASE, 1), (AID, 1)],
        "report": [["台账照片不全", "结对走访记录缺失"]]}  # fmt: skip
    assert str(refusal(database, lambda s: inspections.delete_item(s, base, units[BASE]))) == (
        "只有督查单位（县矫正办）才能删除这项整改事项。")  # fmt: skip
    with database.session() as s:
        inspections.delete_item(s, base, units[COUNTY])
    gone = visible(database, programme_id)
    assert (gone["items"], gone["overdue"], gone["counts"], gone["report"]) == (
        ["台账照片不全"], ["台账照片不全"], [(AID, 1)], [["台账照片不全"]])  # fmt: skip
    with database.session() as s:
        assert inspections.list_inspections(s, LATE, programme_id)[0].items == 1
        inspections.restore_item(s, base, units[COUNTY])
    assert visible(database, programme_id) == shown


def test_deleted_inspections_vanish_everywhere_and_come_back_on_undo(database, env):
    programme_id, inspection_id, aid, _base, units = env
    shown = visible(database, programme_id)
    assert str(refusal(database, lambda s: inspections.delete_inspection(s, inspection_id, units[AID]))) == (
        "只有督查单位（县矫正办）才能删除这次督查。")  # fmt: skip
    with database.session() as s:
        inspections.delete_inspection(s, inspection_id, units[COUNTY])
    assert visible(database, programme_id) == {"inspections": [], "items": [], "overdue": [], "counts": [],
                                               "report": []}  # fmt: skip
    assert str(refusal(database, lambda s: inspections.report_progress(
        s, aid, S.IN_PROGRESS, "", date(2018, 7, 5), units[AID]))) == "没有这项整改事项。"  # fmt: skip
    assert str(refusal(database, lambda s: inspections.restore_item(s, aid, units[COUNTY]))) == (
        "这项整改所属的督查已删除，请先恢复督查。")  # fmt: skip
    with database.session() as s:
        inspections.restore_inspection(s, inspection_id, units[COUNTY])
    assert visible(database, programme_id) == shown


def test_nothing_closed_is_deleted(database, env):
    _programme_id, inspection_id, aid, base, units = env
    with database.session() as s:
        inspections.report_progress(s, aid, S.RECTIFIED, "已补齐", date(2018, 7, 20), units[AID])
        inspections.close_item(s, aid, date(2018, 7, 21), units[COUNTY])
    assert str(refusal(database, lambda s: inspections.delete_item(s, aid, units[COUNTY]))) == (
        "这项整改已销号，不能删除。")  # fmt: skip
    assert str(refusal(database, lambda s: inspections.delete_inspection(s, inspection_id, units[COUNTY]))) == (
        "这次督查有已销号的整改事项，不能删除。")  # fmt: skip
    with database.session() as s:  # an open item of the same inspection may go
        inspections.delete_item(s, base, units[COUNTY])
        assert [r.id for r in inspections.list_items(s, inspection_id)] == [aid]
