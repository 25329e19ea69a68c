"""Manual indicators: values entered by hand with a date and a note; completion uses the latest
value as of a date; a value from a unit that may not write it is refused on import."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.models import Duty, Indicator, IndicatorMeasure, ManualValue
from app.services import manual_values, reference
from app.services.errors import ValidationError
from app.services.progress import department_progress, indicator_progress
from app.services.settings import current_programme
from tests.helpers import unit_ids

DEPARTMENT = "法制宣传科"
PLAN_TEXT = "纳入年度普法宣传计划"


def add_manual_indicator(session, *, entered_by_department: bool = False) -> int:
    """A manual indicator (target 1 项, weight 60) on 法制宣传科's first duty; its id."""
    units = unit_ids(session)
    duty = session.scalars(
        select(Duty).where(Duty.department_id == units[DEPARTMENT]).order_by(Duty.sort_order)
    ).first()
    indicator_id = reference.save_indicator(
        session, None, duty_id=duty.id, name=PLAN_TEXT, measure_unit="项", annual_target=1,
        weight=60, measure=IndicatorMeasure.MANUAL, entry_kind_id=None,
        owner_unit_id=units["县矫正办"], entered_by_department=entered_by_department,
    )  # fmt: skip
    assert (session.get_one(Indicator, indicator_id).value_unit_id == units[DEPARTMENT]) == (
        entered_by_department)  # fmt: skip
    return indicator_id


def _progress(session, indicator_id: int, as_of: date | None = None):
    programme_id = current_programme(session).id
    items = indicator_progress(session, programme_id, as_of)
    item = next(i for i in items if i.indicator_id == indicator_id)
    departments = department_progress(session, programme_id, items=items)
    department = next(d for d in departments if d.department_id == item.department_id)
    return item, department


def test_a_recorded_value_is_the_indicators_actual(database):
    with database.session() as s:
        indicator_id = add_manual_indicator(s)
        county = unit_ids(s)["县矫正办"]
        before, department_before = _progress(s, indicator_id)
        assert before.actual == 0.0  # nothing recorded: counts as not done, not left out
        value_id = manual_values.record_value(
            s, indicator_id, 1, date(2018, 7, 10), "已纳入2018年普法计划", unit_id=county
        )
        stored = s.get_one(ManualValue, value_id)
        assert (stored.value, stored.recorded_on, stored.owner_unit_id) == (
            1.0, date(2018, 7, 10), county)  # fmt: skip
        after, department_after = _progress(s, indicator_id)
    assert after.actual == 1.0 and after.ratio == 1.0
    # 60 of the department's weight is now complete
    assert department_after.completion - department_before.completion == pytest.approx(
        60 / (60 + sum_of_other_weights(database))
    )


def sum_of_other_weights(database) -> float:
    with database.session() as s:
        units = unit_ids(s)
        rows = s.execute(
            select(Indicator.weight)
            .join(Duty, Indicator.duty_id == Duty.id)
            .where(Duty.department_id == units[DEPARTMENT], Indicator.name != PLAN_TEXT)
        ).scalars()
        return float(sum(rows))


@pytest.mark.parametrize(
    ("value", "on", "note", "field", "words"),
    [
        (-1, date(2018, 7, 10), "", "value", "不能为负数"),
        (1, date(2018, 1, 5), "", "recorded_on", "日期应在2018年6月28日至2018年12月31日之间"),
        (1, date(2019, 1, 1), "", "recorded_on", "日期应在"),
        (1, date(2018, 7, 10), "说" * 201, "note", "说明最多 200 个字"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_kept(database, value, on, note, field, words):
    with database.session() as s:
        indicator_id = add_manual_indicator(s)
        county = unit_ids(s)["县矫正办"]
        with pytest.raises(ValidationError) as refused:
            manual_values.record_value(s, indicator_id, value, on, note, unit_id=county)
        assert refused.value.field == field and words in refused.value.message
        assert s.scalar(select(ManualValue.id)) is None


def test_a_missing_or_computed_indicator_is_refused(database):
    with database.session() as s:
        county = unit_ids(s)["县矫正办"]
        with pytest.raises(ValidationError, match="不存在或已删除") as refused:
            manual_values.record_value(s, 999_999, 1, date(2018, 7, 10), unit_id=county)
        assert refused.value.field == "indicator"
        computed = s.scalar(select(Indicator.id).where(Indicator.measure == IndicatorMeasure.COUNT))
        with pytest.raises(ValidationError, match="自动统计"):
            manual_values.record_value(s, computed, 1, date(2018, 7, 10), unit_id=county)


def test_only_the_county_or_the_named_department_enters_a_value(database):
    with database.session() as s:
        units = unit_ids(s)
        county_only = add_manual_indicator(s)
        with pytest.raises(ValidationError, match="本机不能录入"):
            manual_values.record_value(
                s, county_only, 1, date(2018, 7, 10), unit_id=units[DEPARTMENT]
            )
        theirs = add_manual_indicator(s, entered_by_department=True)
        manual_values.record_value(s, theirs, 1, date(2018, 7, 10), unit_id=units[DEPARTMENT])
        with pytest.raises(ValidationError, match="本机不能录入"):
            manual_values.record_value(
                s, theirs, 1, date(2018, 7, 10), unit_id=units["办公室（政治处）"]
            )


def test_completion_uses_the_latest_value_as_of_a_date(database):
    with database.session() as s:
        indicator_id = add_manual_indicator(s)
        s.get_one(Indicator, indicator_id).annual_target = 10
        county = unit_ids(s)["县矫正办"]
        manual_values.record_value(s, indicator_id, 3, date(2018, 8, 1), "第一次", unit_id=county)
        manual_values.record_value(s, indicator_id, 8, date(2018, 10, 1), "第二次", unit_id=county)
        assert _progress(s, indicator_id, date(2018, 7, 31))[0].actual == 0.0
        assert _progress(s, indicator_id, date(2018, 8, 1))[0].actual == 3.0
        between, department_between = _progress(s, indicator_id, date(2018, 9, 15))
        later, department_later = _progress(s, indicator_id, date(2018, 12, 31))
    assert between.actual == 3.0 and between.ratio == pytest.approx(0.3)
    assert later.actual == 8.0 and later.ratio == pytest.approx(0.8)
    assert department_later.completion > department_between.completion


def test_evidence_must_be_an_entry_of_the_department(database):
    from app.services import ledger
    from app.services.ledger import EntryInput
    from tests.helpers import kind_ids

    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        indicator_id = add_manual_indicator(s)
        programme_id = current_programme(s).id

        def entry(unit: str) -> int:
            return ledger.save_entry(s, database.attachments, None, EntryInput(
                kind_id=kinds["other"], unit_id=units[unit], entry_date=date(2018, 7, 3),
                title="普法计划印发", programme_id=programme_id, values={}))  # fmt: skip

        own, other = entry(DEPARTMENT), entry("办公室（政治处）")
        with pytest.raises(ValidationError, match="佐证台账应为该科室的台账"):
            manual_values.record_value(s, indicator_id, 1, date(2018, 7, 10),
                                       unit_id=units["县矫正办"], evidence_entry_id=other)  # fmt: skip
        value_id = manual_values.record_value(s, indicator_id, 1, date(2018, 7, 10),
                                              unit_id=units["县矫正办"], evidence_entry_id=own)  # fmt: skip
        assert s.get_one(ManualValue, value_id).evidence_entry_id == own


# ---------------------------------------------------------------- the template and packages


def _template_with_manual_indicator(tmp_path, entered_by: str = "department"):
    from app.services.templates import TEMPLATES_DIR, TemplateInfo

    text = (TEMPLATES_DIR / "qingtian-2018.toml").read_text(encoding="utf-8")
    anchor = 'name = "社区矫正法律法规宣传活动"\nunit = "场"\ntarget = 6\nweight = 40\n'
    anchor += 'kind = "publicity_event"\nmeasure = "count"\n'
    assert anchor in text
    extra = (f'\n[[duties.indicators]]\nname = "{PLAN_TEXT}"\nunit = "项"\ntarget = 1\n'
             f'weight = 0\nmeasure = "manual"\nentered_by = "{entered_by}"\n')  # fmt: skip
    path = tmp_path / "qingtian-2018.toml"
    path.write_text(text.replace(anchor, anchor + extra), encoding="utf-8")
    return TemplateInfo("qingtian-2018", "青田", path)


def test_the_template_names_the_department_that_enters_a_value(database, tmp_path):
    from app.services.templates import load_template

    with database.session() as s:
        load_template(s, _template_with_manual_indicator(tmp_path))
        indicator = s.scalars(select(Indicator).where(Indicator.name == PLAN_TEXT)).one()
        assert indicator.measure == IndicatorMeasure.MANUAL
        assert indicator.value_unit_id == unit_ids(s)[DEPARTMENT]
    (tmp_path / "bad").mkdir()
    bad = _template_with_manual_indicator(tmp_path / "bad", "city")
    with (
        pytest.raises(ValidationError, match="entered_by 应为 county 或 department"),
        database.session() as s,
    ):
        load_template(s, bad)


def _pair(tmp_path):
    """The county and 法制宣传科, registered with each other; the county's indicators (with a
    manual one 法制宣传科 enters) reached 法制宣传科."""
    from app.services.setup import initialise
    from app.sync import identity
    from app.sync.exchange import export_package, import_package
    from tests.conftest import TEMPLATE_KEY

    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    department = initialise(str(tmp_path / "dept.db"), TEMPLATE_KEY, DEPARTMENT).database
    with county.session() as a, department.session() as b:
        from app.services.settings import local_unit

        identity.register_peer(a, local_unit(b).uuid, identity.key_pairs(b).public())
        identity.register_peer(b, local_unit(a).uuid, identity.key_pairs(a).public())
    with county.session() as s:
        indicator_id = add_manual_indicator(s, entered_by_department=True)
        indicator_uuid = s.get_one(Indicator, indicator_id).uuid
    import_package(department, export_package(county, DEPARTMENT, tmp_path / "down.bjpkg")[0])
    return county, department, indicator_uuid


def _actual(db, indicator_uuid: str) -> float | None:
    with db.session() as s:
        indicator_id = s.scalars(select(Indicator.id).where(Indicator.uuid == indicator_uuid)).one()
        return _progress(s, indicator_id, date(2018, 12, 31))[0].actual


def test_a_departments_value_travels_up_and_counts_at_the_county(tmp_path):
    from app.sync.exchange import export_package, import_package

    county, department, indicator_uuid = _pair(tmp_path)
    try:
        with department.session() as s:
            indicator_id = s.scalars(
                select(Indicator.id).where(Indicator.uuid == indicator_uuid)
            ).one()
            manual_values.record_value(s, indicator_id, 1, date(2018, 7, 10), "已纳入",
                                       unit_id=unit_ids(s)[DEPARTMENT])  # fmt: skip
        assert _actual(county, indicator_uuid) == 0.0
        import_package(county, export_package(department, "县矫正办", tmp_path / "up.bjpkg")[0])
        assert _actual(county, indicator_uuid) == 1.0
    finally:
        county.close()
        department.close()


@pytest.mark.parametrize(
    ("forged", "words"),
    [
        ({"value": -1.0}, "不能为负数"),
        ({"recorded_on": date(2019, 3, 1)}, "recorded_on"),
        ({"note": "说" * 201}, "note"),
    ],
)
def test_a_bad_value_in_a_package_is_refused_and_changes_nothing(tmp_path, forged, words):
    from sqlalchemy import update

    from app.sync.exchange import export_package, import_package
    from app.sync.package import PackageError
    from tests.helpers import dump

    county, department, indicator_uuid = _pair(tmp_path)
    try:
        with department.session() as s:
            indicator_id = s.scalars(
                select(Indicator.id).where(Indicator.uuid == indicator_uuid)
            ).one()
            value_id = manual_values.record_value(s, indicator_id, 1, date(2018, 7, 10),
                                                  unit_id=unit_ids(s)[DEPARTMENT])  # fmt: skip
            s.execute(update(ManualValue).where(ManualValue.id == value_id).values(**forged))
        package = export_package(department, "县矫正办", tmp_path / "up.bjpkg")[0]
        before = dump(county)
        with pytest.raises(PackageError) as refused:
            import_package(county, package)
        assert "指标完成值" in str(refused.value) and words in str(refused.value)
        assert dump(county) == before
    finally:
        county.close()
        department.close()


def test_a_value_once_sent_is_never_deleted_by_a_package(tmp_path):
    from sqlalchemy import update

    from app.sync.exchange import export_package, import_package
    from app.sync.package import PackageError
    from tests.helpers import dump

    county, department, indicator_uuid = _pair(tmp_path)
    try:
        with department.session() as s:
            indicator_id = s.scalars(
                select(Indicator.id).where(Indicator.uuid == indicator_uuid)
            ).one()
            value_id = manual_values.record_value(s, indicator_id, 1, date(2018, 7, 10),
                                                  unit_id=unit_ids(s)[DEPARTMENT])  # fmt: skip
        import_package(county, export_package(department, "县矫正办", tmp_path / "up.bjpkg")[0])
        with department.session() as s:
            s.execute(update(ManualValue).where(ManualValue.id == value_id)
                      .values(deleted=True, revision=2))  # fmt: skip
        package = export_package(department, "县矫正办", tmp_path / "up2.bjpkg")[0]
        before = dump(county)
        with pytest.raises(PackageError, match="这类记录登记后不删除"):
            import_package(county, package)
        assert dump(county) == before
        assert _actual(county, indicator_uuid) == 1.0
    finally:
        county.close()
        department.close()
