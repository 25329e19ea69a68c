"""Issue 14, the programme's period: a programme has its own start and end and an assessment
period; time gone, indicator actuals and overdue items use them, never 1 January nor the PC's
clock for a programme that is over."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Duty, LedgerEntry, Programme
from app.services import ledger
from app.services.bulletin import build_bulletin
from app.services.dashboard import build_dashboard
from app.services.database import open_database
from app.services.ledger import EntryInput
from app.services.period import programme_period
from app.services.progress import indicator_progress, programme_window
from app.services.settings import current_programme
from tests.helpers import downgrade_to, kind_ids, open_page, unit_ids

START, END = date(2018, 6, 28), date(2018, 12, 31)  # the template's programme
DAY_AFTER = date(2019, 1, 1)
SUMMARY_DEADLINE = date(2018, 10, 15)  # 总结提升: every department's summary due


def _programme_id(database) -> int:
    with database.session() as s:
        return current_programme(s).id


def test_the_template_gives_the_programme_its_period(database):
    with database.session() as s:
        programme = current_programme(s)
        assert (programme.start_date, programme.end_date) == (START, END)
        assert (programme.assessment_start, programme.assessment_end) == (None, None)
        period = programme_period(s, programme.id)
    assert (period.assessment_start, period.assessment_end) == (START, END)  # the default
    assert period.label == "2018年6月28日至12月31日"


def test_time_gone_is_nought_on_the_first_day_and_whole_on_the_last(database):
    with database.session() as s:
        period = programme_period(s, current_programme(s).id)
    assert period.elapsed(date(2018, 1, 1)) == 0.0  # before it: nothing gone, not 49%
    assert period.elapsed(START) == 0.0
    assert period.elapsed(date(2018, 6, 29)) == pytest.approx(1 / 186)
    assert period.elapsed(date(2018, 12, 30)) == pytest.approx(185 / 186)
    assert period.elapsed(END) == 1.0
    assert period.elapsed(DAY_AFTER) == 1.0
    assert (period.ended(END), period.ended(DAY_AFTER)) == (False, True)
    assert period.as_of(date(2026, 12, 1)) == END and period.as_of(date(2018, 3, 1)) == START


def test_dashboard_and_bulletin_read_the_period(database):
    programme_id = _programme_id(database)
    with database.session() as s:
        first = build_dashboard(s, programme_id, START)
        last = build_dashboard(s, programme_id, END)
        after = build_dashboard(s, programme_id, DAY_AFTER)
        years_later = build_dashboard(s, programme_id, date(2026, 12, 1))
        bulletin_first = build_bulletin(s, programme_id, START)
        bulletin_last = build_bulletin(s, programme_id, END)
    assert first.year_elapsed == 0.0 and not first.ended
    assert {bar.status for bar in first.bars} == {"green"}  # nothing is behind on day one
    assert last.year_elapsed == 1.0 and not last.ended
    assert bulletin_first.year_elapsed == 0.0 and bulletin_last.year_elapsed == 1.0
    assert after.ended and years_later.ended and after.as_of == years_later.as_of == END
    assert years_later.year_elapsed == 1.0


def test_overdue_items_stop_at_the_programmes_end(database):
    programme_id = _programme_id(database)
    with database.session() as s:
        on_deadline = build_dashboard(s, programme_id, SUMMARY_DEADLINE)
        last = build_dashboard(s, programme_id, END)
        after = build_dashboard(s, programme_id, DAY_AFTER)
        years_later = build_dashboard(s, programme_id, date(2026, 12, 1))

    def summaries(board) -> set[int]:
        return {i.days_late for i in board.overdue if i.kind == "阶段总结"}

    def months(board) -> list[str]:
        return [i.text for i in board.overdue if i.kind == "月度例会"]

    assert summaries(on_deadline) == set()  # due on the day, not late yet
    assert summaries(last) == {(END - SUMMARY_DEADLINE).days}  # 77 days on the last day
    assert len(months(last)) == 5  # July to November: December is not over on 12-31
    # once over: what was undone when it closed (December's meeting too), not days by the clock
    assert summaries(after) == summaries(years_later) == {(DAY_AFTER - SUMMARY_DEADLINE).days}
    assert months(after) == months(years_later) and len(months(after)) == 6
    assert months(after)[-1] == "2018年12月未召开中层干部例会"
    assert after.overdue == years_later.overdue


def _entry(database, when: date, title: str) -> None:
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        ledger.save_entry(s, database.attachments, None, EntryInput(
            kind_id=kinds["hotline"], unit_id=units["法律援助中心"], entry_date=when, title=title,
            subjects_served=1, values={"calls": 1},
        ))  # fmt: skip


def _hotline_actual(database, programme_id: int, as_of: date | None = None) -> float | None:
    with database.session() as s:
        return next(
            i.actual
            for i in indicator_progress(s, programme_id, as_of)
            if i.name.startswith("12348")
        )


def test_indicator_actuals_count_the_assessment_period(database):
    """Entries on the first and last day count, the day before and after do not; a county
    assessing 12-01 to 11-30 counts its own period (and may date entries in it)."""
    programme_id = _programme_id(database)
    for when in (date(2018, 6, 27), START, date(2018, 12, 1), END):
        _entry(database, when, f"热线 {when}")
    with database.session() as s:  # one dated after the programme, as another program left it
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.title == "热线 2018-12-01"))
        entry.entry_date = DAY_AFTER
    assert _hotline_actual(database, programme_id) == 2  # 06-28 and 12-31
    assert _hotline_actual(database, programme_id, START) == 1
    with database.session() as s:
        programme = s.get_one(Programme, programme_id)
        programme.assessment_start, programme.assessment_end = date(2017, 12, 1), date(2018, 11, 30)
    _entry(database, date(2017, 12, 1), "热线 上年12月")  # inside its assessment period
    with database.session() as s:
        assert programme_window(s, programme_id) == (date(2017, 12, 1), date(2018, 11, 30))
        period = programme_period(s, programme_id)
    assert period.elapsed(date(2017, 12, 1)) == 0.0 and period.elapsed(date(2018, 11, 30)) == 1.0
    assert _hotline_actual(database, programme_id) == 3  # 2017-12-01, 06-27, 06-28; not 12-31


@pytest.mark.sqlite_only(
    reason="an older program's database file, edited as it left it: only SQLite files existed before the server"
)
@pytest.mark.parametrize(
    ("issued", "start"),
    [(date(2018, 6, 28), date(2018, 6, 28)), (None, date(2018, 1, 1))],
)
def test_a_database_at_0008_gets_its_programmes_period(db_path: Path, issued, start):
    downgrade_to(db_path, "0010")  # 0012 (manual indicators' values)
    connection = sqlite3.connect(db_path)  # as the program before this version left it
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '0008'")
        for column in ("start_date", "end_date", "assessment_start", "assessment_end"):
            connection.execute(f"ALTER TABLE programmes DROP COLUMN {column}")
        connection.execute("ALTER TABLE meetings DROP COLUMN meeting_type")  # 0010
        connection.execute(
            "UPDATE programmes SET issue_date = ?", (issued.isoformat() if issued else None,)
        )
    connection.close()
    database = open_database(str(db_path))
    try:
        assert database.backup_path is not None  # upgraded
        with database.session() as s:
            programme = current_programme(s)
            assert (programme.start_date, programme.end_date) == (start, date(2018, 12, 31))
            assert programme.assessment_start is None and programme.assessment_end is None
            assert s.scalar(select(Duty.id).limit(1)) is not None  # the rest is kept
    finally:
        database.close()


def test_home_of_an_ended_programme_says_so(qtbot, gui_app, db_path, tmp_path):
    """The county template's database is 2018's programme; the PC's clock is years later."""
    home = open_page(qtbot, db_path, "home")
    assert home.today > END  # the real clock: this programme is over
    summary = home.summary.text()
    assert "本年度已结束（2018年6月28日至12月31日）" in summary
    rows = home.overdue_model.rows()
    assert rows and home.data is not None and home.data.ended
    late = [home.overdue_model.index(r, 3).data() for r in range(len(rows))]
    # days counted to the year's close (2019-01-01), never by the PC's clock: no "2969 天"
    days = [int(m.group(1)) for t in late if (m := re.fullmatch(r"逾期 (\d+) 天", t))]
    assert (
        days
        and max(days) <= 190
        and all(t == "逾期" or re.fullmatch(r"逾期 \d+ 天", t) for t in late)
    )
    assert "截至年度结束" in home.overdue_title.text()
    assert "时间进度（100%）" in home.legend.text()
    home.window().resize(1366, 768)
    assert home.window().grab().save(str(tmp_path / "home-ended.png"))  # looked at by hand


def test_the_bulletin_measures_time_gone_on_the_period(database):
    import io
    import re

    from pypdf import PdfReader

    from app.reports.bulletin_pdf import render_bulletin_pdf

    programme_id = _programme_id(database)
    texts = {}
    for when in (START, END):
        with database.session() as s:
            pdf = render_bulletin_pdf(build_bulletin(s, programme_id, when))
        reader = PdfReader(io.BytesIO(pdf))
        texts[when] = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    assert "实施期（2018年6月28日至12月31日）已过0%" in texts[START]
    assert "实施期（2018年6月28日至12月31日）已过100%" in texts[END]
    assert "全年时间" not in texts[START]


def _template_copy(tmp_path: Path, old: str, new: str):
    from app.services import templates

    text = (templates.TEMPLATES_DIR / "qingtian-2018.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "county-2018.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return templates.TemplateInfo("county-2018", "某县", path)


def test_a_template_states_its_assessment_period(tmp_path):
    from app.services.setup import initialise
    from app.services.templates import load_template, read_template

    info = _template_copy(tmp_path, "# assessment_start = 2017-12-01\n# assessment_end = 2018-11-30",
                          "assessment_start = 2017-12-01\nassessment_end = 2018-11-30")  # fmt: skip
    assert read_template(info)["programme"]["assessment_end"] == date(2018, 11, 30)
    database = initialise(str(tmp_path / "a.db"), "qingtian-2018", "县矫正办").database
    try:
        with database.session() as s:
            programme, _report = load_template(s, info)
            s.flush()
            assert (programme.start_date, programme.end_date) == (START, END)
            period = programme_period(s, programme.id)
        assert (period.assessment_start, period.assessment_end) == (
            date(2017, 12, 1), date(2018, 11, 30),
        )  # fmt: skip
    finally:
        database.close()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("end = 2018-12-31\n# 考核期", "end = 2018-06-01\n# 考核期", "开始日期晚于结束日期"),
        ("start = 2018-06-28\nend", 'start = "6月28日"\nend', "应是日期"),
        ("# assessment_start = 2017-12-01", "assessment_start = 2017-12-01", "同时写明"),
    ],
)
def test_a_template_with_a_wrong_period_is_refused(tmp_path, old, new, message):
    from app.services.errors import ValidationError
    from app.services.templates import read_template

    with pytest.raises(ValidationError, match=message):
        read_template(_template_copy(tmp_path, old, new))


def test_the_county_report_of_the_year_counts_to_the_programmes_end(qtbot, gui_app, db_path):
    """A county assessing to 11-30: 阶段总结's 全年 report counts to 11-30 by default."""
    database = open_database(str(db_path))
    with database.session() as s:
        current_programme(s).assessment_start = date(2017, 12, 1)
        current_programme(s).assessment_end = date(2018, 11, 30)
    database.close()
    page = open_page(qtbot, db_path, "summaries")
    page.period.setCurrentIndex(page.period.findData(None))  # 全年
    assert page.as_of.value() == date(2018, 11, 30)
    assert page.period.currentText() == "全年（统计 2017年12月1日至2018年11月30日）"


def test_the_inspections_page_counts_overdue_to_the_years_close(qtbot, gui_app, database, tmp_path):
    """督查整改 on a PC whose clock is years past the programme: an item due 2018-11-10 and
    never rectified is 52 days overdue at the close (2019-01-01), not thousands."""
    from tests.county_world import seed_county_world

    seed_county_world(database, tmp_path)
    path = database.file
    database.close()
    page = open_page(qtbot, path, "inspections")
    model = page.item_model
    marks = [model.index(r, c).data() for r in range(model.rowCount())
             for c in range(model.columnCount())]  # fmt: skip
    assert "逾期 52 天" in marks
    assert not any(isinstance(m, str) and re.fullmatch(r"逾期 \d{3,} 天", m) for m in marks)
