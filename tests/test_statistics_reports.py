"""Statistics reports (月报/季报): forms from the template, pre-filled from the ledger,
submitted (frozen), late by a day, accepted (closing the period) or returned, the on-time
rate, the county's table; refusals leave the database as it was."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.models import StatisticsDecision, StatisticsUnlock
from app.services import assessment, ledger, period_locks
from app.services import statistics_reports as sr
from app.services.errors import UserError, ValidationError
from app.services.forms import FormErrors
from app.services.ledger import EntryInput
from app.services.settings import current_programme
from tests.helpers import dump, kind_ids, unit_ids

AID = "法律援助中心"


def _hotline(
    session, store, day: date, served: int, unit: str = AID, title: str = "热线咨询"
) -> int:
    units, kinds = unit_ids(session), kind_ids(session)
    return ledger.save_entry(session, store, None, EntryInput(
        kind_id=kinds["hotline"], unit_id=units[unit], entry_date=day, title=title,
        subjects_served=served, values={"calls": 1},
    ))  # fmt: skip


def _september(database, submitted_on: date | None = None) -> tuple[int, int]:
    """法律援助中心's September work (3 entries, 7 served; one in August) and its monthly
    report of September, submitted on ``submitted_on`` if given: (programme, report)."""
    with database.session() as s:
        for day, served in ((date(2018, 9, 3), 2), (date(2018, 9, 17), 4), (date(2018, 9, 30), 1),
                            (date(2018, 8, 31), 9)):  # fmt: skip
            _hotline(s, database.attachments, day, served)
        programme_id = current_programme(s).id
        report = sr.start_report(s, programme_id, unit_ids(s)[AID], "monthly", date(2018, 9, 1))
        if submitted_on is not None:
            sr.save_draft(s, report.id, {**report.values, "volunteers": "2"}, "九月按计划开展。")
            sr.submit_report(s, report.id, submitted_on)
        return programme_id, report.id


def test_the_template_defines_a_monthly_and_a_quarterly_form(database):
    with database.session() as s:
        forms = sr.report_forms(s, current_programme(s).id)
    monthly, quarterly = forms
    assert (monthly.key, monthly.frequency, monthly.due_day) == ("monthly", "month", 5)
    assert 4 <= len(monthly.figures) <= 6 and quarterly.frequency == "quarter"
    assert [f.source for f in monthly.figures][:3] == ["entries", "served", "visits"]
    assert set(monthly.unit_kinds) == {"department", "judicial_office"}


def test_a_template_without_statistics_has_no_reports_and_a_bad_one_is_refused():
    assert sr.forms_from_section({}) == ()
    bad = {"reports": [{"key": "monthly", "name": "月报", "frequency": "week", "due_day": 5,
                        "units": ["department"], "figures": []}]}  # fmt: skip
    assert "报送周期" in (sr.check_statistics_section(bad) or "")
    bad["reports"][0]["frequency"] = "month"
    assert "没有统计项目" in (sr.check_statistics_section(bad) or "")
    bad["reports"][0]["figures"] = [{"key": "x", "label": "某数", "source": "guess"}]
    assert "来源（source）" in (sr.check_statistics_section(bad) or "")
    with pytest.raises(ValidationError, match="统计报表设置有误"):
        sr.forms_from_section(bad)


def test_periods_and_due_days():
    form = sr.ReportForm("m", "月报", "month", 5, ("department",), ())
    september = sr.parse_period(form, "2018-09")
    assert (september.start, september.end, september.due_on) == (
        date(2018, 9, 1),
        date(2018, 9, 30),
        date(2018, 10, 5),
    )
    assert september.label == "2018年9月" and september.code == "2018-09"
    quarter = sr.parse_period(replace(form, frequency="quarter", due_day=10), "2018-Q4")
    assert (quarter.start, quarter.end, quarter.due_on) == (
        date(2018, 10, 1),
        date(2018, 12, 31),
        date(2019, 1, 10),
    )
    assert quarter.label == "2018年第四季度"
    with pytest.raises(ValidationError, match="统计期间“2018-13”无效"):
        sr.parse_period(form, "2018-13")


def test_prefilled_figures_equal_the_ledgers(database):
    _programme_id, report_id = _september(database)
    with database.session() as s:
        report = s.get(sr.StatisticsReport, report_id)
        assert (report.period_start, report.period_end) == (date(2018, 9, 1), date(2018, 9, 30))
        # 3 entries in September (the August one is not counted), 7 served, no 法律援助 entry
        assert report.values == {"activities": 3, "served": 7, "visits": 0, "legal_aid": 0,
                                 "lectures": 0, "volunteers": 0}  # fmt: skip
        assert sr.status_of(s, report) == "草稿"


def test_a_monthly_report_submitted_the_day_after_its_due_day_is_late_by_a_day(database):
    programme_id, _report_id = _september(database, submitted_on=date(2018, 10, 6))
    with database.session() as s:
        form = sr.report_form(s, programme_id, "monthly")
        rows = sr.county_rows(s, programme_id, form, sr.parse_period(form, "2018-09"))
        row = next(r for r in rows if r.unit == AID)
        assert row.due_on == date(2018, 10, 5) and row.status == "已提交"
        assert row.late and row.mark(date(2018, 10, 6)) == "逾期 1 天报送"
        assert row.on_time(date(2018, 10, 6)) is False
        others = [r for r in rows if r.unit != AID]
        assert others and all(r.mark(date(2018, 10, 6)) == "逾期 1 天未报" for r in others)
        # the assessment's rule counts it (and each department that has not reported)
        counts = assessment.COUNTERS["late_statistics_report"](s, programme_id, date(2018, 10, 7))
        assert counts[unit_ids(s)[AID]] >= 1


def test_on_the_due_day_is_on_time_and_the_rate_counts_due_reports(database):
    programme_id, _ = _september(database, submitted_on=date(2018, 10, 5))
    with database.session() as s:
        form = sr.report_form(s, programme_id, "monthly")
        rows = sr.county_rows(s, programme_id, form, sr.parse_period(form, "2018-09"))
        aid = next(r for r in rows if r.unit == AID)
        assert not aid.late and aid.mark(date(2018, 10, 5)) == "按时"
        before_due = sr.on_time_rate(rows, date(2018, 10, 5))  # only the one sent is due yet
        assert (before_due.on_time, before_due.due) == (1, 1)
        after = sr.on_time_rate(rows, date(2018, 10, 6))  # now every unit's report is due
        assert (after.on_time, after.due) == (1, len(rows)) and len(rows) == 16
        rates = sr.unit_rates(s, programme_id, date(2018, 10, 6))
        assert rates[unit_ids(s)[AID]].on_time == 1


def test_bad_figures_are_refused_in_chinese_and_nothing_is_saved(database, db_path):
    _programme_id, report_id = _september(database)
    before = dump(db_path)
    with pytest.raises(FormErrors) as refused, database.session() as s:
        sr.save_draft(s, report_id, {"activities": "-1", "served": "2.5", "visits": "很多"},
                      "说" * (sr.MAX_NOTE_CHARS + 1))  # fmt: skip
    errors = refused.value.errors
    assert errors["activities"] == "“开展帮教活动次数”不能小于 0。"
    assert errors["served"] == "“服务社区矫正对象人次”应填整数。"
    assert errors["visits"] == "“走访结对司法所次数”应填数字。"
    assert "情况说明不能超过" in errors["note"]
    assert dump(db_path) == before
    with pytest.raises(FormErrors, match="请填写“新增帮教志愿者人数”"), database.session() as s:
        sr.save_draft(s, report_id, {"volunteers": ""}, "")
        sr.submit_report(s, report_id, date(2018, 10, 3))


def test_a_submitted_report_never_changes_until_the_county_returns_it(database, db_path):
    programme_id, report_id = _september(database, submitted_on=date(2018, 10, 3))
    with database.session() as s:  # later work in September does not change what was sent
        _hotline(s, database.attachments, date(2018, 9, 29), 5, title="补登")
    before = dump(db_path)
    with pytest.raises(ValidationError, match="报表已提交，不能再修改"), database.session() as s:
        sr.save_draft(s, report_id, {"activities": 99}, "")
    with pytest.raises(ValidationError, match="已提交"), database.session() as s:
        sr.submit_report(s, report_id, date(2018, 10, 4))
    with pytest.raises(ValidationError, match="写明原因"), database.session() as s:
        sr.review_report(s, report_id, StatisticsDecision.RETURNED, " ", date(2018, 10, 8))
    assert dump(db_path) == before
    with database.session() as s:
        report = s.get(sr.StatisticsReport, report_id)
        assert report.values["activities"] == 3 and report.values["served"] == 7
        sr.review_report(
            s, report_id, StatisticsDecision.RETURNED, "人次与台账不符", date(2018, 10, 8)
        )
        row = sr.unit_rows(s, programme_id, unit_ids(s)[AID], date(2018, 10, 8))
        september = next(r for r in row if r.form_key == "monthly" and r.period.code == "2018-09")
        assert september.status == "已退回" and september.reason == "人次与台账不符"
        fresh = sr.prefill(s, programme_id, sr.report_form(s, programme_id, "monthly"),
                           unit_ids(s)[AID], date(2018, 9, 1), date(2018, 9, 30))  # fmt: skip
        sr.save_draft(s, report_id, {**fresh, "volunteers": 2}, "已按台账更正。")
        sr.submit_report(s, report_id, date(2018, 10, 9))
        assert sr.status_of(s, report) == "已提交" and report.values["served"] == 12


def test_an_accepted_report_closes_its_units_period_until_the_county_unlocks(database, db_path):
    _programme_id, report_id = _september(database, submitted_on=date(2018, 10, 4))
    with database.session() as s:
        sr.review_report(s, report_id, StatisticsDecision.ACCEPTED, "", date(2018, 10, 8))
        assert sr.status_of(s, s.get(sr.StatisticsReport, report_id)) == "已受理"
        entry_id = _hotline(s, database.attachments, date(2018, 10, 2), 1, title="十月的")
    before = dump(db_path)
    with (
        pytest.raises(UserError, match="该统计报表已被县矫正办受理") as refused,
        database.session() as s,
    ):
        _hotline(s, database.attachments, date(2018, 9, 12), 1, title="补登九月")
    assert "2018年9月（大帮教工作统计月报）" in str(refused.value)
    assert "在“统计报表”中解锁" in str(refused.value)
    with pytest.raises(ValidationError, match="只能受理或退回已提交"), database.session() as s:
        sr.review_report(s, report_id, StatisticsDecision.RETURNED, "再退", date(2018, 10, 9))
    with pytest.raises(ValidationError, match="写明解锁的原因"), database.session() as s:
        period_locks.unlock_report(s, report_id, "", date(2018, 10, 9))
    assert dump(db_path) == before
    with database.session() as s:  # October stays open; another unit's September too
        ledger.delete_entry(s, entry_id)
        _hotline(s, database.attachments, date(2018, 9, 12), 1, unit="基层科")
        period_locks.unlock_report(s, report_id, "补登遗漏的热线记录", date(2018, 10, 9))
        assert s.query(StatisticsUnlock).one().reason == "补登遗漏的热线记录"
    with database.session() as s:
        _hotline(s, database.attachments, date(2018, 9, 12), 1, title="补登九月")
        with pytest.raises(UserError, match="没有锁定"):
            period_locks.unlock_report(s, report_id, "再次", date(2018, 10, 10))


def test_the_county_table_fills_the_contract(database):
    programme_id, report_id = _september(database, submitted_on=date(2018, 10, 6))
    with database.session() as s:
        units = unit_ids(s)
        sr.review_report(s, report_id, StatisticsDecision.ACCEPTED, "", date(2018, 10, 8))
        other = sr.start_report(s, programme_id, units["腊口司法所"], "monthly", date(2018, 9, 1))
        sr.save_draft(s, other.id, {**other.values, "activities": 4, "volunteers": 1}, "")
        sr.submit_report(s, other.id, date(2018, 10, 2))
        draft = sr.start_report(s, programme_id, units["基层科"], "monthly", date(2018, 9, 1))
        assert draft.id
        table = sr.county_table(s, "monthly", "2018-09", made_on=date(2018, 10, 10))
    assert table.title == "青田县大帮教工作统计月报汇总表" and table.period_label == "2018年9月"
    assert table.due_on == date(2018, 10, 5) and table.issuer == "青田县社区矫正工作领导小组办公室"
    assert [c.label for c in table.columns][:2] == ["开展帮教活动次数", "服务社区矫正对象人次"]
    by_unit = {r.unit: r for r in table.rows}
    assert by_unit[AID].status == "已受理" and by_unit[AID].on_time is False
    assert by_unit[AID].values[:2] == (3, 7) and by_unit[AID].submitted_on == date(2018, 10, 6)
    assert by_unit["腊口司法所"].status == "已提交" and by_unit["腊口司法所"].on_time is True
    assert by_unit["基层科"].status == "草稿" and by_unit["基层科"].values[0] is None
    assert by_unit["海口司法所"].status == "未报" and by_unit["海口司法所"].on_time is False
    assert table.totals[0] == 7 and table.totals[5] == 3  # 3 + 4 activities, 2 + 1 volunteers
    assert (table.reported, table.expected) == (2, 16)
    assert table.on_time_rate == pytest.approx(1 / 16)
    assert len(table.rows) == 16 and all(len(r.values) == len(table.columns) for r in table.rows)


def test_only_the_county_reviews_and_a_unit_that_owes_nothing_cannot_start(database):
    from app.services.settings import LOCAL_UNIT, set_setting

    with database.session() as s:
        programme_id = current_programme(s).id
        with pytest.raises(UserError, match="不报送“大帮教工作统计月报”"):
            sr.start_report(s, programme_id, unit_ids(s)["县矫正办"], "monthly", date(2018, 9, 1))
        with pytest.raises(ValidationError, match="没有标识为“weekly”"):
            sr.start_report(s, programme_id, unit_ids(s)[AID], "weekly", date(2018, 9, 1))
    _programme_id, report_id = _september(database, submitted_on=date(2018, 10, 3))
    with database.session() as s:
        from app.models import Unit

        set_setting(s, LOCAL_UNIT, s.get(Unit, unit_ids(s)[AID]).uuid)
        with pytest.raises(UserError, match="本机不能办理"):
            sr.review_report(s, report_id, StatisticsDecision.ACCEPTED, "", date(2018, 10, 8))
        s.rollback()


def test_an_indicator_figure_counts_the_indicators_actual_in_the_period(database):
    """The template's 12348 热线 indicator of 法律援助中心 sums the people served: its actual
    at the end of September less its actual at the end of August."""
    programme_id, _report_id = _september(database)
    figure = sr.Figure("hotline", "热线服务人次", "人次", "indicator",
                       indicator="12348热线为社区矫正对象服务")  # fmt: skip
    form = sr.ReportForm("q", "季报", "quarter", 10, ("department",), (figure,))
    with database.session() as s:
        aid, lakou = unit_ids(s)[AID], unit_ids(s)["腊口司法所"]
        september = sr.prefill(s, programme_id, form, aid, date(2018, 9, 1), date(2018, 9, 30))
        august = sr.prefill(s, programme_id, form, aid, date(2018, 8, 1), date(2018, 8, 31))
        none = sr.prefill(s, programme_id, form, lakou, date(2018, 9, 1), date(2018, 9, 30))
        assert "“12348热线为社区矫正对象服务”" in sr.source_hint(s, figure)
    assert (september, august, none) == ({"hotline": 7}, {"hotline": 9}, {"hotline": 0})


def test_the_ledger_says_an_accepted_report_locked_the_entry_and_where_to_unlock_it():
    from app.services.period_locks import LockedPeriod
    from app.ui.ledger.table_model import locked_text

    by_report = LockedPeriod(None, "2018年9月（大帮教工作统计月报）", date(2018, 9, 1),
                             date(2018, 9, 30), report_id=7)  # fmt: skip
    assert locked_text(by_report, county=True) == (
        "本条记录所在的 2018年9月（大帮教工作统计月报）已由县矫正办受理并锁定，"
        "如需修改，请先在“统计报表”页对这份报表点“解锁台账…”。"
    )
    assert locked_text(by_report, county=False).endswith(
        "已由县矫正办受理并锁定，如需修改请联系县矫正办解锁。"
    )
    by_summary = LockedPeriod(3, "第一阶段", date(2018, 7, 1), date(2018, 9, 30))
    assert "采用并锁定" in locked_text(by_summary, county=True)
    assert "“阶段总结”页" in locked_text(by_summary, county=True)
