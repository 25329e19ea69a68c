"""Period locking: an adopted summary closes its department's entries of the period; the
county unlocks it for a reason; refusals leave the database as it was."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.models import ReviewDecision
from app.services import ledger, period_locks, summaries
from app.services.errors import UserError, ValidationError
from app.services.ledger import EntryInput
from app.services.settings import current_programme
from tests.helpers import dump, kind_ids, unit_ids


def _adopted(database) -> tuple[int, int, EntryInput]:
    """An entry of 法律援助中心 in 2018, and its whole-year summary adopted by the county."""
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        programme_id = current_programme(s).id
        data = EntryInput(kind_id=kinds["hotline"], unit_id=units["法律援助中心"],
                          entry_date=date(2018, 7, 2), title="热线咨询", values={"calls": 3})  # fmt: skip
        entry_id = ledger.save_entry(s, database.attachments, None, data)
        summary = summaries.start_summary(s, programme_id, units["法律援助中心"], None)
        sections = {name: "按计划完成各项工作。" for name in summaries.REQUIRED_SECTIONS}
        summaries.save_summary(s, summary.id, {**summary.sections, **sections}, [])
        summaries.submit_summary(s, summary.id, date(2018, 10, 14))
        summaries.review_summary(s, summary.id, ReviewDecision.ACCEPTED, "", date(2018, 10, 20),
                                 units["县矫正办"])  # fmt: skip
        return entry_id, summary.id, data


def test_an_adopted_summary_locks_its_periods_entries_until_the_county_unlocks(database, db_path):
    entry_id, summary_id, data = _adopted(database)
    before = dump(db_path)
    with pytest.raises(UserError, match="本阶段台账已锁定") as refused, database.session() as s:
        ledger.save_entry(s, database.attachments, entry_id, replace(data, title="改过的标题"))
    assert "全年" in str(refused.value) and "请县矫正办" in str(refused.value)
    assert "2018年6月28日至2018年10月14日" in str(refused.value)  # what the summary reported on
    with pytest.raises(UserError, match="已锁定"), database.session() as s:
        ledger.delete_entry(s, entry_id)
    with pytest.raises(UserError, match="已锁定"), database.session() as s:  # nor a new one
        ledger.save_entry(s, database.attachments, None, replace(data, title="补登"))
    with pytest.raises(ValidationError, match="写明解锁的原因"), database.session() as s:
        period_locks.unlock_period(s, summary_id, " ", date(2018, 11, 1))
    assert dump(db_path) == before
    with database.session() as s:
        period_locks.unlock_period(s, summary_id, "补充遗漏的活动照片", date(2018, 11, 1))
    with database.session() as s:
        ledger.save_entry(s, database.attachments, entry_id, replace(data, title="改过的标题"))
        with pytest.raises(UserError, match="没有锁定"):
            period_locks.unlock_period(s, summary_id, "再次解锁", date(2018, 11, 2))


def test_entries_outside_the_period_and_of_other_units_stay_open(database):
    _entry_id, _summary_id, data = _adopted(database)
    with database.session() as s:  # after the reported period (submitted 10-14): still open
        ledger.save_entry(s, database.attachments, None,
                          replace(data, entry_date=date(2018, 11, 20), title="十一月热线"))  # fmt: skip
    with database.session() as s:
        other = unit_ids(s)["基层科"]
        ledger.save_entry(s, database.attachments, None,
                          replace(data, unit_id=other, title="基层科的热线"))  # fmt: skip
        assert period_locks.locked_periods(s, other) == []


def test_the_lock_and_the_unlock_travel_down_to_the_department(tmp_path):
    from sqlalchemy import select

    from app.models import PhaseSummary
    from app.sync.exchange import export_package, import_package
    from tests.helpers import county_and_unit

    with county_and_unit(tmp_path) as (county, unit):
        with unit.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            data = EntryInput(kind_id=kinds["hotline"], unit_id=units["法律援助中心"],
                              entry_date=date(2018, 7, 2), title="热线咨询", values={"calls": 3})  # fmt: skip
            entry_id = ledger.save_entry(s, unit.attachments, None, data)
            summary = summaries.start_summary(
                s, current_programme(s).id, units["法律援助中心"], None
            )
            sections = {name: "按计划完成各项工作。" for name in summaries.REQUIRED_SECTIONS}
            summaries.save_summary(s, summary.id, {**summary.sections, **sections}, [])
            summaries.submit_summary(s, summary.id, date(2018, 10, 14))
            summary_uuid = summary.uuid
        import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
        with county.session() as s:
            there = s.scalar(select(PhaseSummary).where(PhaseSummary.uuid == summary_uuid))
            summaries.review_summary(s, there.id, ReviewDecision.ACCEPTED, "", date(2018, 10, 20),
                                     unit_ids(s)["县矫正办"])  # fmt: skip
            county_summary = there.id
        # the department changes the entry before the adoption reaches it: the county, whose
        # period is closed, refuses the change whole and keeps its database as it was
        with unit.session() as s:
            ledger.save_entry(s, unit.attachments, entry_id, replace(data, title="采用后才改"))
        late = export_package(unit, "县矫正办", tmp_path / "u2.bjpkg")[0]
        from app.sync.package import PackageError
        from tests.helpers import dump

        before = dump(county.file)
        with pytest.raises(PackageError, match="已锁定"):
            import_package(county, late)
        assert dump(county.file) == before
        import_package(unit, export_package(county, "法律援助中心", tmp_path / "c1.bjpkg")[0])
        with pytest.raises(UserError, match="已锁定"), unit.session() as s:
            ledger.save_entry(s, unit.attachments, entry_id, replace(data, title="改过"))
        with county.session() as s:
            period_locks.unlock_period(s, county_summary, "补充遗漏的照片", date(2018, 11, 1))
        import_package(unit, export_package(county, "法律援助中心", tmp_path / "c2.bjpkg")[0])
        with unit.session() as s:
            ledger.save_entry(s, unit.attachments, entry_id, replace(data, title="改过"))
            # unlocked, the adopted summary is open too: corrected and submitted again
            mine = s.scalar(select(PhaseSummary).where(PhaseSummary.uuid == summary_uuid))
            sections = {**mine.sections, "存在问题": "补充了遗漏的活动照片。"}
            summaries.save_summary(s, mine.id, sections, [])
            summaries.submit_summary(s, mine.id, date(2018, 11, 3))
        import_package(county, export_package(unit, "县矫正办", tmp_path / "u3.bjpkg")[0])
        with county.session() as s:
            there = s.get(PhaseSummary, county_summary)
            assert summaries.status_of(s, there) == summaries.SummaryStatus.SUBMITTED
            assert there.sections["存在问题"] == "补充了遗漏的活动照片。"
            summaries.review_summary(s, county_summary, ReviewDecision.ACCEPTED, "",
                                     date(2018, 11, 5), unit_ids(s)["县矫正办"])  # fmt: skip
        import_package(unit, export_package(county, "法律援助中心", tmp_path / "c3.bjpkg")[0])
        before = dump(unit.file)
        with pytest.raises(UserError, match="已锁定"), unit.session() as s:  # closed again
            ledger.save_entry(s, unit.attachments, entry_id, replace(data, title="再改"))
        assert dump(unit.file) == before


def test_the_county_unlocks_on_the_summaries_page(qtbot, gui_app, db_path, monkeypatch):
    from PySide6.QtCore import Qt

    from app.models import PeriodUnlock
    from app.ui.dialogs.summary_dialogs import UnlockDialog
    from tests.conftest import open_unlocked
    from tests.helpers import assert_fits_screen, drive_dialog, open_page

    database = open_unlocked(str(db_path))
    _adopted(database)
    database.close()
    page = open_page(qtbot, db_path, "summaries")
    page.period.setCurrentIndex(page.period.findData(None))  # the whole year
    row = next(i for i, r in enumerate(page.model.rows()) if r.department == "法律援助中心")
    rect = page.view.visualRect(page.view.model().index(row, 0))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.unlock_button.isEnabled()

    def reason(dialog: UnlockDialog) -> None:
        assert_fits_screen(dialog)
        dialog.reason.setPlainText("补充遗漏的活动照片")

    drive_dialog(monkeypatch, UnlockDialog, reason)
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    assert "已解锁法律援助中心" in page.status.text()
    with page.database.session() as s:
        from sqlalchemy import select

        assert s.scalar(select(PeriodUnlock.reason)) == "补充遗漏的活动照片"
