"""The built-in template loads exactly the plan's data, and loading is idempotent."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from sqlalchemy import func, select

from app.models import (
    Duty,
    EntryKind,
    Goal,
    GoalMetric,
    Indicator,
    Pairing,
    Phase,
    Programme,
    Unit,
    UnitKind,
)
from app.services.setup import initialise
from app.services.templates import available_templates, find_template, load_template
from tests.conftest import DATA_DIR, TEMPLATE_KEY

PLAN_DEPARTMENTS = [
    "办公室（政治处）",
    "法制宣传科",
    "行政法制科",
    "基层科",
    "公证管理科、公证处",
    "律师管理科",
    "法律援助中心",
]
PLAN_PAIRINGS = {
    ("办公室（政治处）", "腊口司法所"),
    ("法制宣传科", "海口司法所"),
    ("行政法制科", "船寮司法所"),
    ("基层科", "东源司法所"),
    ("基层科", "北山司法所"),
    ("公证管理科、公证处", "鹤城司法所"),
    ("律师管理科", "山口司法所"),
    ("律师管理科", "温溪司法所"),
    ("法律援助中心", "瓯南司法所"),
}


def _normalise(text: str) -> str:
    """The plan uses ASCII punctuation; the template full-width. Compare without it."""
    return re.sub(r"[\s,，;；:：。()（）、]", "", text)


def test_template_is_listed():
    keys = [t.key for t in available_templates()]
    assert TEMPLATE_KEY in keys
    assert find_template(TEMPLATE_KEY).name == "青田县司法局 2018 大帮教实施方案"


def test_units_match_the_plan(database):
    with database.session() as s:
        by_kind = Counter(s.scalars(select(Unit.kind)))
        departments = s.scalars(
            select(Unit.name).where(Unit.kind == UnitKind.DEPARTMENT).order_by(Unit.sort_order)
        ).all()
        county = s.scalar(select(Unit).where(Unit.name == "县矫正办"))
        city = s.scalar(select(Unit).where(Unit.name == "市矫正办"))
    assert departments == PLAN_DEPARTMENTS
    assert by_kind == {
        UnitKind.DEPARTMENT: 7,
        UnitKind.JUDICIAL_OFFICE: 9,
        UnitKind.CORRECTION_SECTION: 1,
        UnitKind.COUNTY_OFFICE: 1,
        UnitKind.CITY_OFFICE: 1,
    }
    assert county.parent_id == city.id and county.kind == UnitKind.COUNTY_OFFICE


def test_pairings_match_the_plan(database):
    with database.session() as s:
        rows = s.execute(
            select(Unit.name, Pairing.office_id).join(Pairing, Pairing.department_id == Unit.id)
        ).all()
        names = dict(s.execute(select(Unit.id, Unit.name)).all())
    assert {(dept, names[office]) for dept, office in rows} == PLAN_PAIRINGS


def test_duties_are_the_plans_sentences_in_order(database):
    plan = (DATA_DIR / "plan-2018-qingtian.txt").read_text(encoding="utf-8")
    section_three = _normalise(plan[plan.index("三、任务分解") : plan.index("四、实施步骤")])
    # the template writes the plan's 社区服刑人员 in the current legal term (社区矫正法, 2020)
    section_three = section_three.replace("社区服刑人员", "社区矫正对象")
    with database.session() as s:
        rows = s.execute(
            select(Unit.name, Duty.text, Duty.sort_order)
            .join(Duty, Duty.department_id == Unit.id)
            .order_by(Unit.sort_order, Duty.sort_order)
        ).all()
    per_department = Counter(name for name, _, _ in rows)
    assert per_department == {
        "办公室（政治处）": 6,
        "法制宣传科": 3,
        "行政法制科": 3,
        "基层科": 3,
        "公证管理科、公证处": 3,
        "律师管理科": 2,
        "法律援助中心": 4,
    }
    position = 0
    for _name, text, _order in rows:  # every duty is plan text, and they come in plan order
        found = section_three.find(_normalise(text), position)
        assert found >= 0, text
        position = found
    texts = [text for _, text, _ in rows]
    assert "提供社区矫正经费保障、执法用车及其他后勤保障" in texts
    assert "法律援助宣传进驻社区矫正中心" in texts


def test_every_duty_has_a_measurable_indicator(database):
    with database.session() as s:
        duties = s.scalars(select(Duty)).all()
        assert len(duties) == 24
        for duty in duties:
            assert duty.indicators, duty.text
            for indicator in duty.indicators:
                assert indicator.annual_target > 0
                assert indicator.measure_unit
                assert indicator.entry_kind is not None
        weights = s.execute(
            select(Duty.department_id, func.sum(Indicator.weight))
            .join(Indicator, Indicator.duty_id == Duty.id)
            .group_by(Duty.department_id)
        ).all()
        units = {row.measure_unit for row in s.scalars(select(Indicator))}
    assert all(total == 100 for _, total in weights)
    assert {"次", "人次", "件", "场", "元"} <= units


def test_programme_goals_and_phases(database):
    with database.session() as s:
        programme = s.scalar(select(Programme))
        goals = {g.metric: g for g in s.scalars(select(Goal))}
        phases = s.scalars(select(Phase).order_by(Phase.sort_order)).all()
        kinds = s.scalar(select(func.count()).select_from(EntryKind))
        recipient = phases[3].recipient_unit.name
    assert recipient == "县矫正办"
    assert programme.issuer == "青田县司法局"
    assert programme.issue_date == date(2018, 6, 28)
    assert programme.year == 2018
    assert "浙矫正办〔2018〕8号" in programme.basis
    assert goals[GoalMetric.PARTICIPATION_RATE].target_min == 100
    assert goals[GoalMetric.SIGNING_RATE].target_min == 100
    assert (goals[GoalMetric.BRAND_COUNT].target_min, goals[GoalMetric.BRAND_COUNT].target_max) == (
        1,
        2,
    )
    assert goals[GoalMetric.PAIRING_COVERAGE].target_min == 100
    assert [p.name for p in phases] == ["调查摸底", "动员部署", "组织实施", "总结提升"]
    assert [(p.start_date.month, p.end_date.month) for p in phases] == [
        (2, 3),
        (4, 5),
        (6, 9),
        (10, 12),
    ]
    assert phases[3].deadline == date(2018, 10, 15)
    assert kinds >= 14


def test_loading_twice_creates_nothing_new(database):
    with database.session() as s:
        before = {
            m.__name__: s.scalar(select(func.count()).select_from(m))
            for m in (Unit, Duty, Indicator, Pairing, Phase, Goal)
        }
        _programme, report = load_template(s, find_template(TEMPLATE_KEY))
    with database.session() as s:
        after = {
            m.__name__: s.scalar(select(func.count()).select_from(m))
            for m in (Unit, Duty, Indicator, Pairing, Phase, Goal)
        }
    assert report.created == {}
    assert before == after


def test_two_offices_loading_the_template_agree_on_record_identity(tmp_path):
    """Reference data keeps one identity across installations, so packages can match it."""
    first = initialise(str(tmp_path / "a.db"), TEMPLATE_KEY, "县矫正办").database
    second = initialise(str(tmp_path / "b.db"), TEMPLATE_KEY, "法律援助中心").database
    try:
        uuids = []
        for db in (first, second):
            with db.session() as s:
                uuids.append(
                    {
                        (m.__tablename__, u)
                        for m in (Unit, Duty, Indicator, Pairing)
                        for u in s.scalars(select(m.uuid))
                    }
                )
        assert uuids[0] == uuids[1]
        assert len(uuids[0]) == 19 + 24 + 27 + 9
    finally:
        first.close()
        second.close()
