"""Form definitions as data: every shipped kind renders and validates; ranges and types."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import EntryKind
from app.services.errors import ValidationError
from app.services.forms import (
    FieldDef,
    FormErrors,
    KindDef,
    check_kind,
    clean_values,
    load_forms_file,
    parse_fields,
)
from app.services.idcard import mask_id_number, normalise_id_number
from app.services.templates import find_template, load_template
from app.ui.ledger.form_widget import FormFieldsWidget
from tests.conftest import TEMPLATE_KEY
from tests.helpers import valid_id_number

SHIPPED = load_forms_file("standard")


def sample_value(f: FieldDef):
    """A value that passes the field's rules."""
    return {
        "text": "测试内容",
        "longtext": "第一行\n第二行",
        "integer": str(int(f.min if f.min is not None else 1)),
        "amount": "1500.50",
        "date": "2018-07-01",
        "choice": f.choices[0] if f.choices else "",
        "bool": True,
    }.get(f.type)


def test_shipped_forms_cover_the_plan():
    names = {k.name for k in SHIPPED}
    for expected in ("修心教育法律讲座", "法律援助", "公证服务", "普法宣传活动", "培训与考试", "执法监督检查",
                     "执法人员持证情况", "矛盾纠纷调解", "经费保障", "装备与信息化采购", "挂钩结对走访",
                     "12348 热线服务", "宣传报道", "其他工作"):  # fmt: skip
        assert expected in names
    legal_aid = next(k for k in SHIPPED if k.code == "legal_aid")
    assert [f.name for f in legal_aid.fields] == [
        "subject",
        "applicant",
        "relation",
        "case_type",
        "approved_on",
        "result",
    ]


@pytest.mark.parametrize("kind", SHIPPED, ids=[k.code for k in SHIPPED])
def test_every_shipped_kind_renders_and_validates(qtbot, kind: KindDef):
    widget = FormFieldsWidget(list(kind.fields))
    qtbot.addWidget(widget)
    shown = [f for f in kind.fields if f.type != "subject"]
    assert list(widget.editors) == [f.name for f in shown]
    required = {f.name for f in shown if f.required and f.type != "bool"}
    if required:
        with pytest.raises(FormErrors) as error:
            clean_values(list(kind.fields), widget.values())
        assert set(error.value.errors) == required
        for name, message in error.value.errors.items():
            kind_of = next(f.type for f in shown if f.name == name)
            assert message.startswith("请选择“" if kind_of in ("choice", "date") else "请填写“")
    for f in shown:
        widget.set_value(f.name, sample_value(f))
    cleaned = clean_values(list(kind.fields), widget.values())
    for f in shown:
        if f.type == "integer":
            assert isinstance(cleaned[f.name], int)
        if f.type == "amount":
            assert cleaned[f.name] == "1500.50"


def test_ranges_types_and_choices_give_chinese_messages():
    fields = [
        FieldDef("n", "参加人次", "integer", required=True, min=1, max=100),
        FieldDef("a", "金额（元）", "amount", min=0),
        FieldDef("d", "批准日期", "date"),
        FieldDef("c", "结果", "choice", choices=("办理中", "已结案")),
        FieldDef("t", "主题", "text", max_length=5),
    ]
    with pytest.raises(FormErrors) as error:
        clean_values(
            fields, {"n": "101", "a": "12.345", "d": "2018-02-30", "c": "别的", "t": "太长太长太长"}
        )
    assert error.value.errors == {
        "n": "“参加人次”不能大于 100。",
        "a": "“金额（元）”最多保留两位小数。",
        "d": "“批准日期”2018-02-30 这一天不存在，请核对。",
        "c": "“结果”请从列表中选择。",
        "t": "“主题”不能超过 5 个字。",
    }
    with pytest.raises(FormErrors) as error:
        clean_values(fields, {"n": "三十", "a": "-1"})
    assert error.value.errors == {"n": "“参加人次”必须是整数。", "a": "“金额（元）”不能小于 0。"}
    assert clean_values(fields, {"n": " 30 ", "a": "1,500", "d": "2018-07-02"}) == {
        "n": 30,
        "a": "1500.00",
        "d": "2018-07-02",
    }


def test_bad_definitions_are_refused():
    assert "类型“photo”无效" in check_kind(
        KindDef("x", "测试", fields=(FieldDef("p", "照片", "photo"),))
    )
    assert "没有选项" in check_kind(KindDef("x", "测试", fields=(FieldDef("c", "结果", "choice"),)))
    two = (FieldDef("s1", "对象一", "subject"), FieldDef("s2", "对象二", "subject"))
    assert "最多只能有一个" in check_kind(KindDef("x", "测试", fields=two))


def test_template_stores_the_definitions_and_refreshes_changed_ones(database):
    with database.session() as s:
        kind = s.scalar(select(EntryKind).where(EntryKind.code == "lecture"))
        assert [f.label for f in parse_fields(kind.fields)] == [
            "主讲人",
            "主讲人身份",
            "讲座主题",
            "参加人次",
        ]
        assert kind.min_photos == 1
        kind.fields = []  # as if the file had gained fields since this database was made
    with database.session() as s:
        _programme, report = load_template(s, find_template(TEMPLATE_KEY))
    assert report.updated == {"台账类型": 1}
    with database.session() as s:
        kind = s.scalar(select(EntryKind).where(EntryKind.code == "lecture"))
        assert len(kind.fields) == 4


def test_identity_numbers_are_checked_and_masked():
    number = valid_id_number()
    assert normalise_id_number(" " + number.lower() + " ") == number
    assert mask_id_number(number) == number[:4] + "*" * 10 + number[-4:]
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError, match="校验位不正确"):
        normalise_id_number(wrong)
    with pytest.raises(ValidationError, match="应为 18 位"):
        normalise_id_number("33112719850312")
    with pytest.raises(ValidationError, match="出生日期无效"):
        normalise_id_number(valid_id_number("33112719851332123"))


def test_dates_as_clerks_type_them():
    from datetime import date, timedelta

    from app.services.forms import parse_date_text

    for text in ("2018-07-02", "2018-7-2", "2018/7/2", "2018.7.2", "2018年7月2日"):
        assert parse_date_text(text, "日期", "d") == date(2018, 7, 2)
    with pytest.raises(ValidationError, match="这一天不存在"):
        parse_date_text("2018-02-30", "日期", "d")
    with pytest.raises(ValidationError, match="格式不对"):
        parse_date_text("七月二日", "日期", "d")
    with pytest.raises(ValidationError, match="不能早于 2000 年"):
        parse_date_text("1900-01-01", "日期", "d")
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        parse_date_text(tomorrow.isoformat(), "日期", "d", latest=date.today())


def test_a_date_field_is_held_to_the_range_it_is_given():
    from datetime import date

    from app.services.dates import DateRange

    fields = [FieldDef("d", "刊发日期", "date")]
    offered = DateRange(earliest=date(2017, 1, 1), latest=date(2019, 6, 30))
    for outside in ("2016-12-31", "2019-07-01"):
        with pytest.raises(FormErrors) as error:
            clean_values(fields, {"d": outside}, offered)
        assert error.value.errors == {"d": "“刊发日期”应在2017年1月1日至2019年6月30日之间。"}
    assert clean_values(fields, {"d": "2019/6/30"}, offered) == {"d": "2019-06-30"}
    assert clean_values(fields, {"d": "2016-12-31"}) == {"d": "2016-12-31"}  # no range given
