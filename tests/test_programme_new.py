"""Issue 14, next year: `new_programme` copies a year's reference data into a new programme
(phases shifted by whole years), leaves the earlier year untouched, and refuses bad requests;
`programme list` / `programme new` on the command line."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from app.cli import main
from app.models import (
    AgreementTemplate,
    AssessmentScheme,
    Duty,
    Goal,
    Indicator,
    LedgerEntry,
    Pairing,
    Phase,
    Programme,
    Unit,
    UnitKind,
)
from app.services.errors import UserError
from app.services.programme import new_programme
from app.services.settings import LOCAL_UNIT, current_programme, set_setting
from tests.helpers import dump, plain_connection

PER_PROGRAMME = ["goals", "phases", "duties", "pairings", "assessment_schemes",
                 "agreement_templates", "agreements", "phase_summaries", "meetings"]  # fmt: skip


def _year_rows(path, year: int) -> dict[str, list[tuple]]:
    """Every row belonging to the programme of ``year``, by table (either database)."""
    with plain_connection(path) as connection:

        def rows_of(sql: str, **params) -> list[tuple]:
            return [tuple(row) for row in connection.execute(text(sql), params)]

        pid = connection.execute(
            text("SELECT id FROM programmes WHERE year = :year"), {"year": year}
        ).scalar_one()
        rows = {"programmes": rows_of("SELECT * FROM programmes WHERE id = :pid", pid=pid)}
        for table in PER_PROGRAMME:
            rows[table] = rows_of(
                f"SELECT * FROM {table} WHERE programme_id = :pid ORDER BY id", pid=pid
            )
        rows["indicators"] = rows_of(
            "SELECT i.* FROM indicators i JOIN duties d ON i.duty_id = d.id "
            "WHERE d.programme_id = :pid ORDER BY i.id", pid=pid)  # fmt: skip
        return rows


def _count(session, model, programme_id: int) -> int:
    return len(list(session.scalars(select(model).where(model.programme_id == programme_id))))


def test_a_new_year_copies_the_reference_data_with_phases_shifted(database, db_path):
    before = _year_rows(db_path, 2018)
    with database.session() as s:
        old = current_programme(s)
        old_id = old.id
        new = new_programme(s, year=2019, copy_from_year=2018)
        new_id = new.id
        assert (new.year, new.title) == (2019, old.title)
        assert new.period == (date(2019, 1, 1), date(2019, 12, 31))
    with database.session() as s:
        assert current_programme(s).id == new_id  # the new year is the current programme
        for model in (Goal, Phase, Duty, Pairing, AssessmentScheme, AgreementTemplate):
            assert _count(s, model, new_id) == _count(s, model, old_id) > 0, model
        # phases keep their month and day, one year later
        old_phases = s.scalars(select(Phase).where(Phase.programme_id == old_id)
                               .order_by(Phase.sort_order)).all()  # fmt: skip
        new_phases = s.scalars(select(Phase).where(Phase.programme_id == new_id)
                               .order_by(Phase.sort_order)).all()  # fmt: skip
        for o, n in zip(old_phases, new_phases, strict=True):
            assert (n.name, n.start_date, n.end_date) == (
                o.name, o.start_date.replace(year=2019), o.end_date.replace(year=2019))  # fmt: skip
            assert n.deadline == (o.deadline and o.deadline.replace(year=2019))
            assert n.uuid != o.uuid

        # indicators with their targets and weights, under the new year's duties
        def indicators(pid: int) -> list[tuple]:
            query = (select(Duty.text, Duty.department_id, Indicator.name, Indicator.annual_target,
                            Indicator.weight, Indicator.measure, Indicator.entry_kind_id)
                     .join(Indicator, Indicator.duty_id == Duty.id)
                     .where(Duty.programme_id == pid)
                     .order_by(Duty.sort_order, Duty.id, Indicator.sort_order, Indicator.id))  # fmt: skip
            return [tuple(r) for r in s.execute(query)]

        assert indicators(new_id) == indicators(old_id) and len(indicators(new_id)) > 5
        new_duty_ids = set(s.scalars(select(Duty.id).where(Duty.programme_id == new_id)))
        new_indicator_duties = set(
            s.scalars(select(Indicator.duty_id).join(Duty).where(Duty.programme_id == new_id))
        )
        assert new_indicator_duties <= new_duty_ids
        county = s.scalar(select(Unit).where(Unit.kind == UnitKind.COUNTY_OFFICE))
        assert s.get_one(Programme, new_id).owner_unit_id == county.id
    assert _year_rows(db_path, 2018) == before  # the earlier year is untouched
    rows_2019 = _year_rows(db_path, 2019)
    assert rows_2019["agreements"] == rows_2019["phase_summaries"] == rows_2019["meetings"] == []


def test_given_start_and_end_and_ledger_is_not_copied(database):
    with database.session() as s:
        entries = len(s.scalars(select(LedgerEntry)).all())
        new = new_programme(
            s, year=2019, copy_from_year=2018, start=date(2019, 6, 28), end=date(2019, 12, 31)
        )
        assert new.period == (date(2019, 6, 28), date(2019, 12, 31))
    with database.session() as s:
        assert len(s.scalars(select(LedgerEntry)).all()) == entries


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"year": 2018, "copy_from_year": 2018}, "2018 年度的实施方案已经存在"),
        ({"year": 2019, "copy_from_year": 2017}, "没有 2017 年度的实施方案"),
        (
            {
                "year": 2019,
                "copy_from_year": 2018,
                "start": date(2019, 12, 31),
                "end": date(2019, 1, 1),
            },
            "晚于结束日期",
        ),
        (
            {"year": 2019, "copy_from_year": 2018, "start": date(2018, 12, 1)},
            "与 2018 年度的实施期（2018年6月28日至2018年12月31日）重叠",
        ),
    ],
)
def test_refusals_change_nothing(database, db_path, kwargs, message):
    before = dump(db_path)
    with pytest.raises(UserError, match=message), database.session() as s:
        new_programme(s, **kwargs)
    assert dump(db_path) == before


def test_only_the_county_office_starts_a_new_year(database, db_path):
    with database.session() as s:
        department = s.scalar(select(Unit).where(Unit.kind == UnitKind.DEPARTMENT))
        set_setting(s, LOCAL_UNIT, department.uuid)
    before = dump(db_path)
    with pytest.raises(UserError, match="只有县矫正办"), database.session() as s:
        new_programme(s, year=2019, copy_from_year=2018)
    assert dump(db_path) == before


def test_cli_new_and_list(db_path, capsys):
    assert main(["--db", str(db_path), "programme", "list"]) == 0
    out = capsys.readouterr().out
    assert "2018\t" in out and "2018-06-28 至 2018-12-31\t当前" in out
    assert main(["--db", str(db_path), "programme", "new", "--year", "2019",
                 "--copy-from", "2018"]) == 0  # fmt: skip
    assert "已开始 2019 年度" in capsys.readouterr().out
    assert main(["--db", str(db_path), "programme", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("2018\t") and not lines[0].endswith("当前")
    assert lines[1].startswith("2019\t") and lines[1].endswith("2019-01-01 至 2019-12-31\t当前")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2019", "--copy-from", "2018", "--start", "2019-13-01"], "--start 的日期"),
        (["--year", "2019", "--copy-from", "2016"], "没有 2016 年度"),
        (["--year", "2018", "--copy-from", "2018"], "已经存在"),
        (
            [
                "--year",
                "2019",
                "--copy-from",
                "2018",
                "--start",
                "2019-09-01",
                "--end",
                "2019-08-01",
            ],
            "晚于结束日期",
        ),
        (["--year", "2019", "--copy-from", "2018", "--start", "2018-12-31"], "重叠"),
    ],
)
def test_cli_bad_input_exits_2_and_changes_nothing(db_path, capsys, args, message):
    before = dump(db_path)
    assert main(["--db", str(db_path), "programme", "new", *args]) == 2
    assert message in capsys.readouterr().err
    assert dump(db_path) == before


def test_new_year_from_the_settings_page(qtbot, gui_app, monkeypatch, dialogs, db_path):
    from PySide6.QtCore import Qt

    from app.ui.dialogs.programme_dialog import NewYearDialog
    from tests.helpers import assert_fits_screen, drive_dialog, open_page

    page = open_page(qtbot, db_path, "settings")

    def refused(dialog: NewYearDialog) -> None:
        assert_fits_screen(dialog)
        dialog.year.setValue(2018)  # exists already

    seen = drive_dialog(monkeypatch, NewYearDialog, refused)
    before = dump(db_path)
    qtbot.mouseClick(page.new_year_button, Qt.MouseButton.LeftButton)
    assert "2018 年度的实施方案已经存在" in seen[-1].error_text("year")
    assert dump(db_path) == before

    def overlapping(dialog: NewYearDialog) -> None:
        dialog.year.setValue(2019)
        dialog.start.setValue(date(2018, 12, 20))

    seen = drive_dialog(monkeypatch, NewYearDialog, overlapping)
    qtbot.mouseClick(page.new_year_button, Qt.MouseButton.LeftButton)
    assert "与 2018 年度的实施期" in seen[-1].error_text("start")
    assert dump(db_path) == before

    def fill(dialog: NewYearDialog) -> None:
        dialog.year.setValue(2019)
        assert dialog.start.value() == date(2019, 1, 1)
        dialog.start.setValue(date(2019, 6, 28))

    drive_dialog(monkeypatch, NewYearDialog, fill)
    qtbot.mouseClick(page.new_year_button, Qt.MouseButton.LeftButton)
    assert any("已建立 2019 年度" in t for t in dialogs.texts("information"))
    with page.database.session() as s:
        programme = current_programme(s)
        assert programme.year == 2019
        assert programme.period == (date(2019, 6, 28), date(2019, 12, 31))
    window = page.window()
    qtbot.waitUntil(lambda: window.context.programme_year == 2019)
    assert "2019年度" in window.banner.text()
    assert window.stack.currentWidget() is window.pages["settings"] is not page
    home = window.open_section("home")
    assert home.context.programme_year == 2019


def test_the_new_year_keeps_the_templates_wording(database):
    from app.services.documents import template_section
    from app.services.summary_reports import full_name

    with database.session() as s:
        old_id = current_programme(s).id
        new_id = new_programme(s, year=2019, copy_from_year=2018).id
        assert s.get_one(Programme, new_id).template_key is None  # the key stays with 2018
        for section in ("bulletin", "meetings", "minutes"):
            assert template_section(s, new_id, section) == template_section(s, old_id, section)
        assert template_section(s, new_id, "meetings")
        county = s.scalar(select(Unit).where(Unit.kind == UnitKind.COUNTY_OFFICE))
        assert full_name(s, new_id, county) == full_name(s, old_id, county) != county.name


def test_the_new_year_keeps_the_meeting_types(database):
    from app.services.meetings import DEFAULT_TYPES, meeting_types

    with database.session() as s:
        old_id = current_programme(s).id
        new_id = new_programme(s, year=2019, copy_from_year=2018).id
        assert meeting_types(s, new_id) == meeting_types(s, old_id) != DEFAULT_TYPES


def test_the_bulletin_uses_the_programme_whose_period_holds_its_date(db_path, tmp_path):
    import io

    from pypdf import PdfReader

    assert main(["--db", str(db_path), "programme", "new", "--year", "2019",
                 "--copy-from", "2018"]) == 0  # fmt: skip  # 2019 is now the current year
    for day, period in (
        ("2018-10-20", "2018年6月28日至12月31日"),
        ("2019-03-01", "2019年1月1日至12月31日"),
    ):
        out = tmp_path / f"{day}.pdf"
        assert main(["--db", str(db_path), "bulletin", "--date", day, "--out", str(out)]) == 0
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
        assert period in text.replace(" ", ""), day
