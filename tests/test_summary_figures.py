"""Issue 13, items 1 and 7: a submitted summary keeps the figures it was submitted with (in every
later PDF and in packages); a phase summary's period ends at its deadline or the day it is
written; one definition of 走访."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.cli import main
from app.models import Phase, PhaseSummary, ReviewDecision
from app.reports.summary_pdf import render_county_summary, render_department_summary
from app.services import ledger, period_locks, summaries
from app.services.aggregate import aggregate_figures
from app.services.errors import UserError
from app.services.ledger import EntryInput, PhotoInput
from app.services.settings import current_programme
from app.services.setup import initialise
from app.services.summary_reports import county_report, default_as_of, department_report
from app.sync import identity
from app.sync.exchange import export_package, import_package
from tests.conftest import TEMPLATE_KEY
from tests.helpers import downgrade_to, dump, kind_ids, make_jpeg, unit_ids

AID = "法律援助中心"
PHASE = "总结提升"  # 10-01 to 12-31, summaries due 10-15


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))


def _entry(s, store, tmp_path: Path, when: date, served: int, kind: str = "hotline",
           office: str | None = None) -> None:  # fmt: skip
    units, kinds = unit_ids(s), kind_ids(s)
    visit = kind == "pairing_visit"
    data = EntryInput(
        kind_id=kinds[kind], unit_id=units[AID], entry_date=when, title=f"{kind} {when}",
        subjects_served=served,
        values={"visitors": "张三", "content": "工作对接"} if visit else {"calls": 2},
        paired_office_id=units[office] if office else None,
    )  # fmt: skip
    if visit:  # the form asks for a photo
        photo = make_jpeg(tmp_path / f"{when}.jpg", colour=(when.day * 8, 90, 120))
        data.photos = [PhotoInput(caption="走访现场", path=photo)]
    ledger.save_entry(s, store, None, data)


def _phase(s) -> int:
    return s.scalar(select(Phase.id).where(Phase.name == PHASE))


@pytest.fixture
def ledger_2018(database, tmp_path):
    """法律援助中心: hotline entries through the year, one 挂钩结对走访 and a hotline entry that
    names the paired office (no visit)."""
    with database.session() as s:
        for when, served in ((date(2018, 3, 5), 4), (date(2018, 7, 9), 3), (date(2018, 10, 8), 2)):
            _entry(s, database.attachments, tmp_path, when, served)
        _entry(
            s, database.attachments, tmp_path, date(2018, 9, 12), 0, "pairing_visit", "瓯南司法所"
        )
        _entry(s, database.attachments, tmp_path, date(2018, 9, 20), 1, office="瓯南司法所")
        return current_programme(s).id, _phase(s), unit_ids(s)


# ---------------------------------------------------------------- periods


def test_the_phase_summary_covers_the_work_up_to_its_deadline(database, ledger_2018):
    programme_id, phase_id, units = ledger_2018
    with database.session() as s:
        assert summaries.period_of(s, programme_id, phase_id) == (
            PHASE,
            date(2018, 6, 28),
            date(2018, 10, 15),
        )  # not 10-01 to 12-31: the summary due 10-15 reports the programme's work until then,
        # from the programme's first day (the plan's issue date), not 1 January
        assert summaries.period_of(s, programme_id, phase_id, date(2018, 10, 9))[2] == date(
            2018, 10, 9
        )  # never past the day it is written
        organise = s.scalar(select(Phase.id).where(Phase.name == "组织实施"))
        assert summaries.period_of(s, programme_id, organise)[1:] == (
            date(2018, 6, 1),
            date(2018, 9, 30),
        )  # a phase without a deadline: its own dates
        figures = summaries.summary_figures(s, programme_id, units[AID], phase_id)
        written = summaries.summary_figures(s, programme_id, units[AID], phase_id,
                                            as_of=date(2018, 10, 1))  # fmt: skip
        text = summaries.draft_sections(figures)["基本情况"]
    # all of it from 06-28 (not the 03-05 entry, before the programme) to 10-15
    assert (figures.period_entries, figures.period_served) == (4, 6)
    assert (written.period_entries, written.period_served) == (3, 4)  # not the 10-08 entry
    assert "2018年6月28日至2018年10月15日" in text


def test_default_as_of_is_the_deadline_or_today(database, ledger_2018):
    programme_id, phase_id, _units = ledger_2018
    with database.session() as s:
        assert default_as_of(s, programme_id, phase_id, date(2026, 1, 1)) == date(2018, 10, 15)
        assert default_as_of(s, programme_id, phase_id, date(2018, 10, 3)) == date(2018, 10, 3)
        assert default_as_of(s, programme_id, None, date(2026, 1, 1)) == date(2018, 12, 31)


def test_visits_are_counted_one_way_in_table_text_and_aggregate(database, ledger_2018):
    programme_id, phase_id, units = ledger_2018
    with database.session() as s:
        figures = summaries.summary_figures(s, programme_id, units[AID], phase_id)
        text = summaries.draft_sections(figures)["基本情况"]
        summary = summaries.start_summary(s, programme_id, units[AID], phase_id)
        pdf = _text(
            render_department_summary(department_report(s, database.attachments, summary.id))
        )
        aggregate = aggregate_figures(s, programme_id, date(2018, 10, 15))
    kind_row = next(k for k in figures.kinds if k.kind == "挂钩结对走访")
    assert figures.period_visits == kind_row.period_count == 1  # the hotline entry is no visit
    assert "走访结对司法所 1 次" in text
    assert "挂钩结对走访1" in pdf and "走访结对司法所：共1次（瓯南司法所1次）" in pdf
    row = next(r for r in aggregate["units"] if r["name"] == AID)
    assert row["pairing_visits"] == 1


# ---------------------------------------------------------------- frozen figures


def _chapter(text: str) -> str:
    """The statistics of the county report's (first) department chapter."""
    return text.split("（一）法律援助中心")[-1].split("2．", 1)[0]


def test_figures_stay_as_submitted_in_every_later_pdf(database, ledger_2018, tmp_path):
    programme_id, phase_id, units = ledger_2018
    with database.session() as s:
        summary = summaries.start_summary(s, programme_id, units[AID], phase_id)
        summaries.submit_summary(s, summary.id, date(2018, 10, 12))
        summaries.review_summary(s, summary.id, ReviewDecision.ACCEPTED, "", date(2018, 10, 14),
                                 units["县矫正办"])  # fmt: skip
        summary_id, revision = summary.id, summary.revision
        frozen = summaries.figures_of(s, summary)
        before = render_department_summary(department_report(s, database.attachments, summary_id))
        county_before = render_county_summary(county_report(
            s, database.attachments, programme_id, phase_id, date(2018, 10, 15)))  # fmt: skip
    assert frozen.frozen == summaries.FROZEN_AT_SUBMISSION and frozen.period_end == date(
        2018, 10, 12
    )
    assert (frozen.period_entries, frozen.period_served) == (4, 6)
    with database.session() as s:  # the adopted period is closed: the county reopens it
        period_locks.unlock_period(s, summary_id, "补登遗漏的工作", date(2018, 10, 15))
    with database.session() as s:  # work recorded after the submission, in the period and after
        for when, served in (
            (date(2018, 10, 13), 20),
            (date(2018, 11, 20), 20),
            (date(2018, 3, 1), 7),
        ):
            _entry(s, database.attachments, tmp_path, when, served)
        live = summaries.summary_figures(s, programme_id, units[AID], phase_id)
        assert live.period_served == 6 + 20  # the ledger moved on (03-01: before the programme)…
        after = render_department_summary(department_report(s, database.attachments, summary_id))
        county_after = render_county_summary(county_report(
            s, database.attachments, programme_id, phase_id, date(2018, 10, 15)))  # fmt: skip
        assert s.get_one(PhaseSummary, summary_id).revision == revision
    text = _text(after)
    assert text == _text(before)  # …the summary did not
    assert "统计期间：2018年6月28日至2018年10月12日" in text and "合计46" in text
    assert _chapter(_text(county_after)) == _chapter(_text(county_before))
    assert "合计46" in _chapter(_text(county_after))
    hotline = next(i for i in frozen.indicators if "12348" in i.name)
    assert f"{hotline.actual:g}" in _chapter(_text(county_after))


def test_a_draft_computes_live_and_a_returned_summary_refreezes(database, ledger_2018, tmp_path):
    programme_id, phase_id, units = ledger_2018
    with database.session() as s:
        summary = summaries.start_summary(s, programme_id, units[AID], phase_id)
        assert summary.figures is None
        summaries.submit_summary(s, summary.id, date(2018, 10, 7))
        assert summaries.figures_of(s, summary).period_served == 4  # not the 10-08 entry
        summaries.review_summary(s, summary.id, ReviewDecision.RETURNED, "请补充", date(2018, 10, 8),
                                 units["县矫正办"])  # fmt: skip
        summaries.save_summary(s, summary.id, summary.sections, [])
        assert summary.figures is None  # a draft again: live
        assert summaries.figures_of(s, summary, date(2018, 10, 11)).period_served == 6
        summaries.submit_summary(s, summary.id, date(2018, 10, 11))
        assert summary.figures["period_end"] == "2018-10-11"
        assert summaries.snapshot_problem(summary.figures) is None


@pytest.mark.sqlite_only(
    reason="an older program's database file, edited as it left it: only SQLite files existed before the server"
)
def test_old_submissions_are_frozen_at_upgrade_and_say_so(db_path, tmp_path):
    from app.services.database import open_database

    database = open_database(str(db_path))
    with database.session() as s:
        _entry(s, database.attachments, tmp_path, date(2018, 9, 1), 6)
        _entry(s, database.attachments, tmp_path, date(2018, 10, 14), 9)  # after submission
        units, phase_id = unit_ids(s), _phase(s)
        summary = summaries.start_summary(s, current_programme(s).id, units[AID], phase_id)
        summaries.submit_summary(s, summary.id, date(2018, 10, 12))
        summary_id, revision = summary.id, summary.revision
    database.close()
    downgrade_to(db_path, "0010")  # 0012 (manual indicators' values)
    connection = sqlite3.connect(db_path)  # as a program before this version left it
    with connection:
        connection.execute("UPDATE phase_summaries SET figures = NULL")
        connection.execute("UPDATE alembic_version SET version_num = '0006'")
        connection.execute("ALTER TABLE phase_summaries DROP COLUMN figures")
        connection.execute("DROP TABLE county_summaries")  # 0008, after 0007
        connection.execute("ALTER TABLE meetings DROP COLUMN meeting_type")  # 0010
        for column in ("start_date", "end_date", "assessment_start", "assessment_end"):  # 0009
            connection.execute(f"ALTER TABLE programmes DROP COLUMN {column}")
    connection.close()
    database = open_database(str(db_path))
    try:
        assert database.backup_path is not None
        with database.session() as s:
            summary = s.get_one(PhaseSummary, summary_id)
            assert summary.revision == revision  # each office freezes its own copy, no change
            figures = summaries.figures_of(s, summary)
            pdf = _text(
                render_department_summary(department_report(s, database.attachments, summary_id))
            )
        assert figures.frozen == summaries.FROZEN_AT_UPGRADE and figures.frozen_on == date.today()
        assert figures.period_served == 6  # only what was dated up to the submission
        assert "程序升级时" in pdf and "按报送日以前的台账冻结" in pdf
    finally:
        database.close()


# ---------------------------------------------------------------- the command line


def test_summary_county_as_of(db_path, tmp_path, capsys):
    out = tmp_path / "汇总.pdf"
    code = main(
        ["--db", str(db_path), "summary", "county", "--as-of", "2018-10-10", "--out", str(out)]
    )
    assert code == 0 and "统计截至 2018-10-10" in capsys.readouterr().out
    assert "统计截至：2018年10月10日" in _text(out.read_bytes())
    assert main(["--db", str(db_path), "summary", "county", "--out", str(out)]) == 0
    assert "统计截至 2018-10-15" in capsys.readouterr().out  # the deadline (today is later)
    for bad, said in (
        ("2018-02-30", "--as-of 的日期“2018-02-30”无效"),
        ("2016-05-01", "统计截至日期"),
    ):
        assert (
            main(["--db", str(db_path), "summary", "county", "--as-of", bad, "--out", str(out)])
            == 2
        )
        assert said in capsys.readouterr().err


# ---------------------------------------------------------------- packages


@pytest.fixture
def offices(tmp_path):
    """The county and 法律援助中心, registered with each other; the unit has submitted its
    summary and the county holds it."""
    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    unit = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, AID).database
    with county.session() as c, unit.session() as u:
        identity.register_peer(c, unit_uuid(c, AID), identity.key_pairs(u).public())
        identity.register_peer(u, unit_uuid(u, "县矫正办"), identity.key_pairs(c).public())
    with unit.session() as s:
        _entry(s, unit.attachments, tmp_path, date(2018, 9, 3), 5)
        summary = summaries.start_summary(s, current_programme(s).id, unit_ids(s)[AID], _phase(s))
        summaries.submit_summary(s, summary.id, date(2018, 10, 12))
    import_package(county, export_package(unit, "县矫正办", tmp_path / "first.bjpkg")[0])
    yield county, unit
    county.close()
    unit.close()


def unit_uuid(session, name: str) -> str:
    from app.models import Unit

    return session.scalar(select(Unit.uuid).where(Unit.name == name))


def _forge(unit, sql: str, parameters: tuple[Any, ...] = ()) -> None:
    """What an insider does with a SQLite editor on the unit's own file (the revision raised,
    so the county would take the row)."""
    connection = sqlite3.connect(unit.file)
    with connection:
        connection.execute(sql, parameters)
        connection.execute("UPDATE phase_summaries SET revision = revision + 1")
    connection.close()


def _figures(db) -> dict[str, Any]:
    connection = sqlite3.connect(db.file)
    try:
        return json.loads(connection.execute("SELECT figures FROM phase_summaries").fetchone()[0])
    finally:
        connection.close()


def test_a_package_may_not_change_a_submitted_snapshot(offices, tmp_path):
    county, unit = offices
    snapshot = _figures(county)
    assert snapshot == _figures(unit) and snapshot["kinds"][0]["period_served"] == 5
    edited = {**snapshot, "kinds": [{**snapshot["kinds"][0], "period_served": 50}]}
    _forge(
        unit, "UPDATE phase_summaries SET figures = ?", (json.dumps(edited, ensure_ascii=False),)
    )
    before = dump(county)
    with pytest.raises(UserError) as refused:
        import_package(county, export_package(unit, "县矫正办", tmp_path / "forged.bjpkg")[0])
    assert "阶段总结" in str(refused.value) and "“figures”" in str(refused.value)
    assert "已提交的总结" in str(refused.value) and "数据库保持原样" in str(refused.value)
    assert dump(county) == before


def test_a_package_may_not_rewrite_a_submitted_text_either(offices, tmp_path):
    county, unit = offices
    _forge(unit, "UPDATE phase_summaries SET sections = json_set(sections, '$.基本情况', '改写')")
    before = dump(county)
    with pytest.raises(UserError, match="已提交的总结"):
        import_package(county, export_package(unit, "县矫正办", tmp_path / "forged.bjpkg")[0])
    assert dump(county) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda f: {**f, "photos_available": -3},
        lambda f: {**f, "kinds": [{**f["kinds"][0], "year_count": "很多"}]},
        lambda f: {**f, "indicators": [{**f["indicators"][0], "actual": 1e300}]},
        lambda f: {**f, "kinds": f["kinds"] * 600},
        lambda f: {**f, "extra": 1},
        lambda f: {**f, "period_start": "2018-13-01"},
    ],
)
def test_a_malformed_snapshot_is_refused(tmp_path, change):
    """A first submission arriving with a snapshot that is no snapshot: refused, nothing kept."""
    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    unit = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, AID).database
    try:
        with county.session() as c, unit.session() as u:
            identity.register_peer(c, unit_uuid(c, AID), identity.key_pairs(u).public())
            identity.register_peer(u, unit_uuid(u, "县矫正办"), identity.key_pairs(c).public())
        with unit.session() as s:
            _entry(s, unit.attachments, tmp_path, date(2018, 9, 3), 5)
            summary = summaries.start_summary(
                s, current_programme(s).id, unit_ids(s)[AID], _phase(s)
            )
            summaries.submit_summary(s, summary.id, date(2018, 10, 12))
        _forge(unit, "UPDATE phase_summaries SET figures = ?",
               (json.dumps(change(_figures(unit)), ensure_ascii=False),))  # fmt: skip
        before = dump(county)
        with pytest.raises(UserError) as refused:
            import_package(county, export_package(unit, "县矫正办", tmp_path / "bad.bjpkg")[0])
        assert "阶段总结" in str(refused.value) and "“figures”" in str(refused.value)
        assert dump(county) == before
    finally:
        county.close()
        unit.close()


def test_a_resubmission_after_a_return_brings_new_figures(offices, tmp_path):
    county, unit = offices
    with county.session() as c:
        summary = c.scalar(select(PhaseSummary))
        summaries.review_summary(c, summary.id, ReviewDecision.RETURNED, "请补充典型案例",
                                 date(2018, 10, 13), unit_ids(c)["县矫正办"])  # fmt: skip
    import_package(unit, export_package(county, AID, tmp_path / "down.bjpkg")[0])
    with unit.session() as s:
        _entry(s, unit.attachments, tmp_path, date(2018, 10, 13), 7)
        summary = s.scalar(select(PhaseSummary))
        summaries.save_summary(s, summary.id, summary.sections, [])
        summaries.submit_summary(s, summary.id, date(2018, 10, 14))
    import_package(county, export_package(unit, "县矫正办", tmp_path / "again.bjpkg")[0])
    assert _figures(county)["period_end"] == "2018-10-14"
    assert sum(k["period_served"] for k in _figures(county)["kinds"]) == 12


def test_a_submission_without_a_snapshot_counts_to_its_date_and_says_so(
    database, ledger_2018, tmp_path
):
    """A summary submitted by an older program arrives without figures: its PDF counts only the
    entries dated up to its submission, and says so."""
    programme_id, phase_id, units = ledger_2018
    with database.session() as s:
        summary = summaries.start_summary(s, programme_id, units[AID], phase_id)
        summaries.submit_summary(s, summary.id, date(2018, 10, 7))
        summary.figures = None
        s.flush()
        _entry(s, database.attachments, tmp_path, date(2018, 10, 9), 30)
        figures = summaries.figures_of(s, summary)
        pdf = _text(
            render_department_summary(department_report(s, database.attachments, summary.id))
        )
    assert not figures.frozen and figures.period_end == date(2018, 10, 7)
    assert figures.period_served == 4
    assert "报送时未附统计数据" in pdf


def test_a_package_may_not_delete_a_submitted_summary(offices, tmp_path):
    county, unit = offices
    _forge(unit, "UPDATE phase_summaries SET deleted = 1")
    before = dump(county)
    with pytest.raises(UserError, match="已提交的总结"):
        import_package(county, export_package(unit, "县矫正办", tmp_path / "forged.bjpkg")[0])
    assert dump(county) == before
