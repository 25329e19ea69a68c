"""Reference data services: validation with Chinese messages, revisions, soft deletes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Duty, Indicator, IndicatorMeasure, Pairing, Unit, UnitKind
from app.services import reference
from app.services.errors import ValidationError


def _dept(session, name="法律援助中心") -> Unit:
    return session.scalar(select(Unit).where(Unit.name == name))


def _first_indicator(session, dept: Unit) -> Indicator:
    return session.scalar(
        select(Indicator).join(Duty).where(Duty.department_id == dept.id).order_by(Duty.sort_order)
    )


def test_editing_a_duty_bumps_its_revision(database):
    with database.session() as s:
        duty = s.scalar(select(Duty).where(Duty.department_id == _dept(s).id))
        duty_id, revision = duty.id, duty.revision
        reference.save_duty(s, duty_id, text="  为符合条件的对象\n及近亲属提供法律援助 ")
    with database.session() as s:
        duty = s.get(Duty, duty_id)
        assert duty.text == "为符合条件的对象 及近亲属提供法律援助"
        assert duty.revision == revision + 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "指标名称不能为空。"),
        ({"annual_target": "-5"}, "annual_target", "年度目标不能为负数。"),
        ({"annual_target": "十二"}, "annual_target", "年度目标必须是数字。"),
        ({"annual_target": ""}, "annual_target", "请填写年度目标。"),
        ({"weight": "120"}, "weight", "权重不能超过 100。"),
        ({"measure_unit": ""}, "measure_unit", "请填写计量单位"),
        ({"entry_kind_id": None}, "entry_kind", "请选择计入的台账类型。"),
        (
            {"measure": IndicatorMeasure.SUM, "sum_field": ""},
            "sum_field",
            "按字段求和时请选择求和字段。",
        ),
        (
            {"measure": IndicatorMeasure.SUM, "sum_field": "topic"},
            "sum_field",
            "求和字段不是该台账类型的数值项",
        ),
    ],
)
def test_bad_indicator_input_is_refused_and_saves_nothing(database, changes, field, message):
    with database.session() as s:
        indicator = _first_indicator(s, _dept(s))
        before = (
            indicator.id,
            indicator.name,
            indicator.annual_target,
            indicator.weight,
            indicator.revision,
        )
        values = {
            "duty_id": indicator.duty_id,
            "name": indicator.name,
            "measure_unit": indicator.measure_unit,
            "annual_target": "8",
            "weight": "20",
            "measure": indicator.measure,
            "entry_kind_id": indicator.entry_kind_id,
            "sum_field": indicator.sum_field,
        } | changes
    with pytest.raises(ValidationError) as error, database.session() as s:
        reference.save_indicator(s, before[0], **values)
    assert error.value.field == field
    assert message in error.value.message
    with database.session() as s:
        indicator = s.get(Indicator, before[0])
        assert (
            indicator.id,
            indicator.name,
            indicator.annual_target,
            indicator.weight,
            indicator.revision,
        ) == before


def test_adding_an_indicator_and_a_duty(database):
    with database.session() as s:
        dept = _dept(s)
        programme_id = s.scalar(select(Duty.programme_id))
        duty_id = reference.save_duty(
            s,
            None,
            text="开展社区矫正对象法治体检",
            programme_id=programme_id,
            department_id=dept.id,
        )
        kind = reference.list_entry_kinds(s)[0]
        reference.save_indicator(
            s,
            None,
            duty_id=duty_id,
            name="法治体检",
            measure_unit="场",
            annual_target="3",
            weight="0",
            measure=IndicatorMeasure.COUNT,
            entry_kind_id=kind.id,
        )
    with database.session() as s:
        duties = reference.list_duties(s, programme_id, dept.id)
        assert duties[-1].text == "开展社区矫正对象法治体检"
        assert duties[-1].sort_order == 4 and duties[-1].indicator_count == 1
        assert reference.list_indicators(s, duty_id)[0].annual_target == 3


def test_empty_duty_text_is_refused(database):
    with pytest.raises(ValidationError, match="职责内容不能为空"), database.session() as s:
        reference.save_duty(s, s.scalar(select(Duty.id)), text=" \n ")


def test_deleting_a_duty_is_soft_and_hides_it(database):
    with database.session() as s:
        dept = _dept(s)
        programme_id = s.scalar(select(Duty.programme_id))
        first = reference.list_duties(s, programme_id, dept.id)[0]
        reference.delete_duty(s, first.id)
    with database.session() as s:
        assert first.id not in [d.id for d in reference.list_duties(s, programme_id, dept.id)]
        duty = s.get(Duty, first.id)
        assert duty.deleted and all(i.deleted for i in duty.indicators)
        assert reference.department_weight_total(s, programme_id, dept.id) == 80


def test_pairing_rules(database):
    with database.session() as s:
        programme_id = s.scalar(select(Duty.programme_id))
        dept, office = _dept(s), _dept(s, "瓯南司法所")
        with pytest.raises(ValidationError, match="已与“瓯南司法所”结对"):
            reference.add_pairing(s, programme_id, dept.id, office.id, dept.id)
        with pytest.raises(ValidationError, match="请选择一个司法所"):
            reference.add_pairing(s, programme_id, dept.id, _dept(s, "基层科").id, dept.id)
        new_id = reference.add_pairing(s, programme_id, dept.id, _dept(s, "腊口司法所").id, dept.id)
    with database.session() as s:
        assert (
            "腊口司法所"
            in next(u for u in reference.list_units(s) if u.name == "法律援助中心").paired_with
        )
        reference.delete_pairing(s, new_id)
    with database.session() as s:
        assert s.get(Pairing, new_id).deleted
        assert len(reference.list_pairings(s)) == 9


def test_unit_validation(database):
    with database.session() as s:
        with pytest.raises(ValidationError, match="已有名为“基层科”的单位"):
            reference.save_unit(s, None, name="基层科", kind=UnitKind.DEPARTMENT, parent_id=None)
        with pytest.raises(ValidationError, match="单位名称不能为空"):
            reference.save_unit(s, None, name=" ", kind=UnitKind.DEPARTMENT, parent_id=None)
        with pytest.raises(ValidationError, match="还有职责或挂钩结对"):
            reference.delete_unit(s, _dept(s).id)
        new_id = reference.save_unit(
            s,
            None,
            name="仁庄司法所",
            kind=UnitKind.JUDICIAL_OFFICE,
            parent_id=_dept(s, "县矫正办").id,
        )
    with database.session() as s:
        row = next(u for u in reference.list_units(s) if u.id == new_id)
        assert (row.kind_label, row.parent_name) == ("司法所", "县矫正办")
