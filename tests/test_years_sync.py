"""Issue 14, a department's PC following the county to a new year, through real packages: the
county starts 2019 and sends its package; the department imports the new programme with its
copied reference rows, switches to it, and keeps its 2018 data."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.models import Duty, Indicator, LedgerEntry, Pairing, Phase, Programme
from app.services import ledger
from app.services.ledger import EntryInput
from app.services.programme import (
    ProgrammeEdit,
    edit_programme,
    misassigned_entries,
    new_programme,
)
from app.services.settings import current_programme
from app.services.setup import initialise
from app.sync.exchange import export_package, import_package
from app.sync.registration import join_with_credential, read_credential, write_credential
from tests.conftest import TEMPLATE_KEY
from tests.helpers import kind_ids, unit_ids

UNIT = "办公室（政治处）"


def _add(db, day: date, title: str) -> str:
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        programme = current_programme(s)
        data = EntryInput(kind_id=kinds["funding"], unit_id=units[UNIT], entry_date=day,
                          title=title, values={"amount": "1200", "purpose": "帮教走访"},
                          programme_id=programme.id)  # fmt: skip
        entry_id = ledger.save_entry(s, db.attachments, None, data)
        s.flush()
        return s.get_one(LedgerEntry, entry_id).uuid


def _year_of_entry(db, uuid: str) -> int:
    with db.session() as s:
        return s.scalar(
            select(Programme.year)
            .join(LedgerEntry, LedgerEntry.programme_id == Programme.id)
            .where(LedgerEntry.uuid == uuid)
        )


def _counts(db, year: int) -> tuple[int, int, int, int]:
    with db.session() as s:
        pid = s.scalar(select(Programme.id).where(Programme.year == year))

        def count(model, *where) -> int:
            return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

        return (
            count(Duty, Duty.programme_id == pid),
            count(
                Indicator, Indicator.duty_id.in_(select(Duty.id).where(Duty.programme_id == pid))
            ),
            count(Pairing, Pairing.programme_id == pid),
            count(Phase, Phase.programme_id == pid),
        )


def test_a_department_follows_the_county_to_2019(tmp_path):
    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    with county.session() as s:
        write_credential(s, UNIT, tmp_path / "unit.cred", TEMPLATE_KEY)
    department = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, UNIT).database
    with department.session() as s:
        join_with_credential(s, read_credential(tmp_path / "unit.cred"))
    try:
        old_entry = _add(department, date(2018, 8, 5), "二〇一八年走访经费")
        export_package(department, "县矫正办", tmp_path / "up1.bjpkg")
        import_package(county, tmp_path / "up1.bjpkg")

        with county.session() as s:
            new_programme(s, year=2019, copy_from_year=2018)
        export_package(county, UNIT, tmp_path / "down1.bjpkg")
        summary = import_package(department, tmp_path / "down1.bjpkg")
        assert summary.created.get("programmes") == 1

        with department.session() as s:
            assert current_programme(s).year == 2019  # it switched to the new year
        assert _counts(department, 2019) == _counts(county, 2019)
        assert _counts(department, 2019)[0] > 0
        assert _counts(department, 2018) == _counts(county, 2018)
        assert _year_of_entry(department, old_entry) == 2018  # its 2018 data intact

        # its new entries belong to 2019, at the county too
        new_entry = _add(department, date(2019, 3, 1), "二〇一九年走访经费")
        assert _year_of_entry(department, new_entry) == 2019
        export_package(department, "县矫正办", tmp_path / "up2.bjpkg")
        import_package(county, tmp_path / "up2.bjpkg")
        assert _year_of_entry(county, new_entry) == 2019
        assert _year_of_entry(county, old_entry) == 2018
        for db in (county, department):
            with db.session() as s:
                assert misassigned_entries(s) == []

        # the county edits the new year's period and 文号: the change travels down
        with county.session() as s:
            pid = current_programme(s).id
            edit_programme(s, pid, ProgrammeEdit(title="2019年大帮教实施方案",
                                                 document_number="青司〔2019〕3号",
                                                 start=date(2019, 2, 1), end=date(2019, 12, 31)))  # fmt: skip
        export_package(county, UNIT, tmp_path / "down2.bjpkg")
        import_package(department, tmp_path / "down2.bjpkg")
        with department.session() as s:
            programme = current_programme(s)
            assert programme.year == 2019
            assert (programme.document_number, programme.start_date) == (
                "青司〔2019〕3号", date(2019, 2, 1))  # fmt: skip
    finally:
        county.close()
        department.close()


def test_a_programme_whose_period_runs_backwards_is_refused(tmp_path):
    import sqlite3

    import pytest

    from app.services.errors import UserError
    from tests.helpers import dump

    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    with county.session() as s:
        write_credential(s, UNIT, tmp_path / "unit.cred", TEMPLATE_KEY)
    department = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, UNIT).database
    with department.session() as s:
        join_with_credential(s, read_credential(tmp_path / "unit.cred"))
    try:
        export_package(department, "县矫正办", tmp_path / "up.bjpkg")
        import_package(county, tmp_path / "up.bjpkg")
        with county.session() as s:
            new_programme(s, year=2019, copy_from_year=2018)
        # an insider edits the file with a SQLite editor, then exports normally
        connection = sqlite3.connect(tmp_path / "county.db")
        with connection:
            connection.execute("UPDATE programmes SET start_date = '2019-12-31', "
                               "end_date = '2019-01-01' WHERE year = 2019")  # fmt: skip
        connection.close()
        export_package(county, UNIT, tmp_path / "down.bjpkg", full=True)
        before = dump(tmp_path / "unit.db")
        with pytest.raises(UserError, match="实施期开始日期晚于结束日期"):
            import_package(department, tmp_path / "down.bjpkg")
        assert dump(tmp_path / "unit.db") == before
    finally:
        county.close()
        department.close()


def test_a_programme_overlapping_another_years_is_refused_on_import(tmp_path):
    """A package may move two years' boundary together, but never leave a day in two years
    (an insider's SQLite editor made 2019 start on 1 December 2018, inside 2018)."""
    import sqlite3

    import pytest

    from app.services.errors import UserError
    from tests.helpers import dump

    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    with county.session() as s:
        write_credential(s, UNIT, tmp_path / "unit.cred", TEMPLATE_KEY)
    department = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, UNIT).database
    with department.session() as s:
        join_with_credential(s, read_credential(tmp_path / "unit.cred"))
    try:
        export_package(department, "县矫正办", tmp_path / "up.bjpkg")
        import_package(county, tmp_path / "up.bjpkg")
        with county.session() as s:
            new_programme(s, year=2019, copy_from_year=2018)
        export_package(county, UNIT, tmp_path / "down1.bjpkg")
        import_package(department, tmp_path / "down1.bjpkg")

        # both ends moved in one package: 2018 ends 30 November, 2019 starts 1 December
        with county.session() as s:
            by_year = {p.year: p.id for p in s.scalars(select(Programme))}
            edit_programme(s, by_year[2018], ProgrammeEdit(
                title="2018年大帮教实施方案", document_number="", start=date(2018, 6, 28),
                end=date(2018, 11, 30)))  # fmt: skip
            edit_programme(s, by_year[2019], ProgrammeEdit(
                title="2019年大帮教实施方案", document_number="", start=date(2018, 12, 1),
                end=date(2019, 12, 31)))  # fmt: skip
        export_package(county, UNIT, tmp_path / "down2.bjpkg")
        import_package(department, tmp_path / "down2.bjpkg")
        with department.session() as s:
            periods = {p.year: p.period for p in s.scalars(select(Programme))}
        assert periods == {2018: (date(2018, 6, 28), date(2018, 11, 30)),
                           2019: (date(2018, 12, 1), date(2019, 12, 31))}  # fmt: skip

        # an insider stretches 2019 back into 2018 with a SQLite editor, then exports
        connection = sqlite3.connect(tmp_path / "county.db")
        with connection:
            connection.execute("UPDATE programmes SET start_date = '2018-11-01', "
                               "revision = revision + 1 WHERE year = 2019")  # fmt: skip
        connection.close()
        export_package(county, UNIT, tmp_path / "down3.bjpkg", full=True)
        before = dump(tmp_path / "unit.db")
        with pytest.raises(
            UserError, match="与 2018 年度的实施期（2018年6月28日至2018年11月30日）重叠"
        ):
            import_package(department, tmp_path / "down3.bjpkg")
        assert dump(tmp_path / "unit.db") == before
    finally:
        county.close()
        department.close()
