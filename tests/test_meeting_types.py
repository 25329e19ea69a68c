"""Meeting types (issue 14): 月度例会, 动员部署会, 座谈会, 推进会 from the template. Only 月度例会
fill a month (missing months, overdue, the county report's chapter, the missed-report rule);
the others are listed and minuted under their own title; a package carrying a type the
template does not list is refused; a database from before types calls its meetings 月度例会."""

from __future__ import annotations

import io
import logging
import sqlite3
from datetime import date

import pytest
from alembic import command
from alembic.config import Config
from pypdf import PdfReader
from sqlalchemy import func, select

from app.models import Meeting, Unit
from app.reports.minutes_pdf import render_minutes_pdf
from app.services import meetings, templates
from app.services.assessment import COUNTERS
from app.services.database import MIGRATIONS_DIR, open_database
from app.services.errors import UserError, ValidationError
from app.services.forms import FormErrors
from app.services.meetings import MeetingInput, ReportInput
from app.services.overdue import overdue_items
from app.services.settings import current_programme, local_unit
from app.services.setup import initialise
from app.services.summary_reports import county_report
from app.sync import identity
from app.sync.exchange import export_package, import_package
from tests.conftest import TEMPLATE_KEY
from tests.county_world import seed_county_world
from tests.helpers import dump, unit_ids

AID = "法律援助中心"


def _ids(database) -> tuple[int, int, dict[str, int]]:
    with database.session() as s:
        return current_programme(s).id, local_unit(s).id, unit_ids(s)


def _save(database, when: date, meeting_type: str, reports: bool = True) -> int:
    programme_id, here, units = _ids(database)
    data = MeetingInput(
        programme_id=programme_id, meeting_date=when, chair="张副局长", meeting_type=meeting_type,
        reports=[ReportInput(unit_id=units[AID], progress="办理案件 3 件。")] if reports else [],
    )  # fmt: skip
    with database.session() as s:
        return meetings.save_meeting(s, None, data, here, date(2018, 12, 31)).id


def test_the_template_lists_the_types_and_which_is_monthly(database):
    programme_id, _here, _units = _ids(database)
    with database.session() as s:
        types = meetings.meeting_types(s, programme_id)
    assert types.names == ["月度例会", "动员部署会", "座谈会", "推进会"]
    assert types.monthly == "月度例会"
    assert types.full_name("动员部署会") == "大帮教工作动员部署会"


def test_a_mobilisation_meeting_in_july_does_not_hold_julys_meeting(database):
    programme_id, _here, _units = _ids(database)
    august = date(2018, 8, 1)
    with database.session() as s:
        assert meetings.missing_months(s, programme_id, august) == [date(2018, 7, 1)]
    _save(database, date(2018, 7, 10), "动员部署会")
    with database.session() as s:
        assert meetings.missing_months(s, programme_id, august) == [date(2018, 7, 1)]
        [row] = meetings.list_meetings(s, programme_id, august)  # listed, with its type
        assert (row.meeting_type, row.monthly) == ("动员部署会", False)
        assert any(i.kind == "月度例会" and "2018年7月" in i.text
                   for i in overdue_items(s, programme_id, august))  # fmt: skip
    _save(database, date(2018, 7, 30), "月度例会")
    with database.session() as s:
        assert meetings.missing_months(s, programme_id, august) == []
        assert not any(i.kind == "月度例会" for i in overdue_items(s, programme_id, august))


def test_a_type_the_template_does_not_list_is_refused_and_nothing_saved(database):
    programme_id, here, _units = _ids(database)
    before = dump(database)
    data = MeetingInput(programme_id=programme_id, meeting_date=date(2018, 7, 10), chair="张副局长",
                        meeting_type="茶话会")  # fmt: skip
    with database.session() as s, pytest.raises(FormErrors) as caught:
        meetings.save_meeting(s, None, data, here, date(2018, 12, 31))
    assert (
        "会议类型应为月度例会、动员部署会、座谈会、推进会之一"
        in caught.value.errors["meeting_type"]
    )
    assert dump(database) == before


def test_the_county_report_counts_only_monthly_meetings(database, tmp_path):
    programme_id, phase_id = seed_county_world(database, tmp_path)  # 例会 in October, December
    _save(database, date(2018, 11, 15), "推进会")  # November still has no 例会
    with database.session() as s:
        report = county_report(s, database.attachments, programme_id, phase_id, date(2018, 12, 31))
    held = [line.held_on for line in report.meetings if line.held_on is not None]
    missed = [line.month for line in report.meetings if line.held_on is None]
    assert held == [date(2018, 10, 30), date(2018, 12, 20)]
    assert date(2018, 11, 1) in missed
    assert report.meetings_year == (2, 6)


def test_the_missed_report_rule_counts_only_monthly_meetings(database):
    programme_id, _here, units = _ids(database)
    _save(database, date(2018, 7, 30), "月度例会", reports=False)
    _save(database, date(2018, 8, 10), "座谈会", reports=False)
    with database.session() as s:
        counts = COUNTERS["missing_meeting_report"](s, programme_id, date(2018, 12, 31))
    assert counts[units[AID]] == 1  # the 例会 only, not the 座谈会


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(
        "\n", ""
    )


def test_the_minutes_title_follows_the_type(database):
    forum = _save(database, date(2018, 7, 20), "座谈会", reports=False)
    monthly = _save(database, date(2018, 7, 30), "月度例会")
    with database.session() as s:
        minutes = meetings.meeting_minutes(s, forum)
        regular = meetings.meeting_minutes(s, monthly)
    assert minutes.title == "大帮教工作座谈会纪要"
    assert minutes.file_name == "座谈会纪要-2018-07-20.pdf"
    text = _text(render_minutes_pdf(minutes))
    assert "大帮教工作座谈会纪要" in text and "召开大帮教工作座谈会" in text
    assert "本次座谈会无科室汇报" in text and "月度例会" not in text
    assert regular.title == "大帮教工作中层干部月度例会纪要"
    assert "大帮教工作中层干部月度例会纪要" in _text(render_minutes_pdf(regular))


def test_a_template_whose_monthly_type_is_not_listed_is_refused(tmp_path):
    source = templates.find_template(TEMPLATE_KEY)
    text = source.path.read_text(encoding="utf-8").replace(
        'monthly = "月度例会"', 'monthly = "例会"'
    )
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match="monthly"):
        templates.read_template(templates.find_template("bad", tmp_path))


# ---------------------------------------------------------------- exchange


@pytest.fixture
def offices(tmp_path):
    """The county and 法律援助中心's PC, registered with each other."""
    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    unit = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, AID).database
    with county.session() as c, unit.session() as u:
        uuid_of = {name: c.scalar(select(Unit.uuid).where(Unit.name == name))
                   for name in (AID, "县矫正办")}  # fmt: skip
        identity.register_peer(c, uuid_of[AID], identity.key_pairs(u).public())
        identity.register_peer(u, uuid_of["县矫正办"], identity.key_pairs(c).public())
    yield county, unit
    county.close()
    unit.close()


def test_a_meetings_type_travels_and_an_unknown_one_is_refused(offices, tmp_path, caplog):
    county, unit = offices
    forum = _save(unit, date(2018, 7, 20), "座谈会")
    with unit.session() as s:
        forum_uuid = s.get_one(Meeting, forum).uuid
    import_package(county, export_package(unit, "县矫正办", tmp_path / "a.bjpkg")[0])
    with county.session() as s:
        arrived = s.scalar(select(Meeting).where(Meeting.uuid == forum_uuid))
        assert arrived is not None and arrived.meeting_type == "座谈会"
        assert meetings.missing_months(s, arrived.programme_id, date(2018, 8, 1)) == [
            date(2018, 7, 1)
        ]

    # someone edits the type with a SQLite editor, then exports normally
    connection = sqlite3.connect(unit.file)
    with connection:
        connection.execute("UPDATE meetings SET meeting_type = '茶话会', revision = revision + 1")
    connection.close()
    package = export_package(unit, "县矫正办", tmp_path / "b.bjpkg")[0]
    before = dump(county)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(UserError) as caught:
        import_package(county, package)
    message = str(caught.value)
    assert "例会" in message and forum_uuid in message and "“meeting_type”" in message, message
    assert "数据库保持原样" in message
    assert dump(county) == before
    with county.session() as s:
        assert s.scalar(select(Meeting.meeting_type).where(Meeting.uuid == forum_uuid)) == "座谈会"


# ---------------------------------------------------------------- migration


@pytest.mark.sqlite_only(
    reason="an older program's database file, edited as it left it: only SQLite files existed before the server"
)
def test_meetings_recorded_before_types_become_monthly_meetings(database, db_path):
    first = _save(database, date(2018, 7, 30), "月度例会")
    database.close()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = open_database(str(db_path)).engine
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0009")  # before 0010 (meeting types)
    engine.dispose()
    connection = sqlite3.connect(db_path)
    with connection:
        columns = [r[1] for r in connection.execute("PRAGMA table_info(meetings)")]
        assert "meeting_type" not in columns
        connection.execute(
            "INSERT INTO meetings (uuid, programme_id, meeting_date, chair, attendees, location,"
            " notes, created_at, updated_at, revision, deleted)"
            " SELECT '00000000-0000-4000-8000-000000000001', programme_id, '2018-08-30', chair,"
            " attendees, location, notes, created_at, updated_at, 1, 0 FROM meetings"
        )
    connection.close()

    upgraded = open_database(str(db_path))
    try:
        assert upgraded.backup_path is not None  # copied before the upgrade
        with upgraded.session() as s:
            assert s.scalar(select(func.count()).select_from(Meeting)) == 2
            assert set(s.scalars(select(Meeting.meeting_type))) == {"月度例会"}
            programme_id = s.get_one(Meeting, first).programme_id
            assert meetings.missing_months(s, programme_id, date(2018, 9, 1)) == []
    finally:
        upgraded.close()


# ---------------------------------------------------------------- the page and its editor


def test_a_forum_recorded_through_the_dialog_is_listed_with_its_type(qtbot, monkeypatch, gui_app,
                                                                     db_path):  # fmt: skip
    from PySide6.QtCore import Qt

    from app.ui.dialogs.meeting_dialogs import MeetingDialog
    from app.ui.pages.meetings import MeetingsPage
    from tests.helpers import assert_fits_screen, drive_dialog, open_page

    page = open_page(qtbot, db_path, "meetings")
    assert isinstance(page, MeetingsPage)
    page.today = lambda: date(2018, 8, 1)
    page.refresh()
    assert "2018年7月" in page.missing_label.text()

    def fill(dialog: MeetingDialog) -> None:
        dialog.show()
        qtbot.waitExposed(dialog)
        assert_fits_screen(dialog)
        combo = dialog.meeting_type
        assert [combo.itemText(n) for n in range(combo.count())] == [
            "月度例会", "动员部署会", "座谈会", "推进会"]  # fmt: skip
        assert combo.currentText() == "月度例会" and dialog.type_hint.text() == "计入当月例会"
        assert dialog.report_rows[0].progress.placeholderText() == "本月工作进展"
        combo.setFocus()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        qtbot.keyClick(combo, Qt.Key.Key_Down)  # the clerk picks 座谈会 with the keyboard
        assert combo.currentText() == "座谈会" and "不计入当月例会" in dialog.type_hint.text()
        assert dialog.report_rows[0].progress.placeholderText() == "汇报或发言要点"
        dialog.meeting_date.edit.clear()
        qtbot.keyClicks(dialog.meeting_date.edit, "2018-07-20")
        qtbot.mouseClick(dialog.chair, Qt.MouseButton.LeftButton)
        qtbot.keyClicks(dialog.chair, "Zhang")

    seen = drive_dialog(monkeypatch, MeetingDialog, fill)  # fill, then click 保存
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert seen[0].result() == 1, seen[0].error_text()

    rows = [(page.model.index(n, 0).data(), page.model.index(n, 1).data(),
             page.model.index(n, 2).data()) for n in range(page.model.rowCount())]  # fmt: skip
    assert ("2018-07-20", "座谈会", "已召开") in rows
    assert ("2018年7月", "月度例会", "未召开") in rows  # July still has no 例会
    assert "2018年7月" in page.missing_label.text()
    db = open_database(str(db_path))
    try:
        with db.session() as s:
            assert s.scalar(select(Meeting.meeting_type)) == "座谈会"
    finally:
        db.close()


def test_a_type_added_to_the_template_is_offered_at_once(database, tmp_path, monkeypatch):
    """The types are read once and kept while the template file is unchanged; an edited file
    is read again (an administrator adds a type, the next dialog offers it)."""
    import os

    programme_id, _here, _units = _ids(database)
    source = templates.find_template(TEMPLATE_KEY)
    copy = tmp_path / source.path.name
    copy.write_text(source.path.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(templates, "TEMPLATES_DIR", tmp_path)
    with database.session() as s:
        assert meetings.meeting_types(s, programme_id).names[-1] == "推进会"
        assert meetings.meeting_types(s, programme_id).names[-1] == "推进会"  # kept
        copy.write_text(copy.read_text(encoding="utf-8").replace(
            '    { name = "推进会", full_name = "大帮教工作推进会" },\n',
            '    { name = "推进会", full_name = "大帮教工作推进会" },\n'
            '    { name = "表彰会", full_name = "大帮教工作表彰会" },\n'), encoding="utf-8")  # fmt: skip
        stat = copy.stat()
        os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        types = meetings.meeting_types(s, programme_id)
    assert types.names[-1] == "表彰会" and types.full_name("表彰会") == "大帮教工作表彰会"
