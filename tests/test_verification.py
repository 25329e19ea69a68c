"""核实: the county marks entries 已核实 / 存疑, the unit sees a doubt and answers it, both ways
through real packages; refusals leave the database as it was."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.models import LedgerEntry, VerificationStatus
from app.services import ledger, verification
from app.services.errors import UserError, ValidationError
from app.services.ledger import EntryInput
from app.sync import identity
from app.sync.exchange import export_package, import_package
from tests.helpers import county_and_unit, dump, kind_ids, unit_ids, unit_uuid

TODAY = date(2018, 9, 1)


@pytest.fixture
def offices(tmp_path):
    with county_and_unit(tmp_path) as pair:
        yield pair


def _entry(unit, title: str = "热线咨询") -> int:
    with unit.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        return ledger.save_entry(s, unit.attachments, None, EntryInput(
            kind_id=kinds["hotline"], unit_id=units["法律援助中心"], entry_date=date(2018, 7, 2),
            title=title, values={"calls": 3},
        ))  # fmt: skip


def _uuid(db, entry_id: int) -> str:
    with db.session() as s:
        return s.get(LedgerEntry, entry_id).uuid


def _id_of(db, uuid: str) -> int:
    with db.session() as s:
        return s.scalar(select(LedgerEntry.id).where(LedgerEntry.uuid == uuid))


def test_a_doubt_travels_down_is_answered_and_the_answer_travels_up(offices, tmp_path):
    county, unit = offices
    unit_entry = _entry(unit)
    uuid = _uuid(unit, unit_entry)
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
    county_entry = _id_of(county, uuid)
    with county.session() as s:
        verification.mark_entry(s, county_entry, "存疑", "照片与活动内容不符", TODAY)
    import_package(unit, export_package(county, "法律援助中心", tmp_path / "c1.bjpkg")[0])
    with unit.session() as s:
        assert verification.waiting_doubts(s) == [unit_entry]
        view = verification.verifications(s, [unit_entry])[unit_entry]
        assert view.status == VerificationStatus.DOUBTFUL and view.reason == "照片与活动内容不符"
        verification.answer_doubt(s, unit_entry, "已补充活动签到表照片。", TODAY)
        assert verification.waiting_doubts(s) == []
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u2.bjpkg")[0])
    with county.session() as s:
        view = verification.verifications(s, [county_entry])[county_entry]
        assert view.answer == "已补充活动签到表照片。" and view.label() == "存疑（已说明）"
        verification.mark_entry(s, county_entry, VerificationStatus.VERIFIED, "", TODAY)
    import_package(unit, export_package(county, "法律援助中心", tmp_path / "c2.bjpkg")[0])
    with unit.session() as s:
        assert verification.verifications(s, [unit_entry])[unit_entry].label() == "已核实"


def test_only_the_county_marks_and_only_the_entrys_unit_answers(offices, tmp_path):
    county, unit = offices
    unit_entry = _entry(unit)
    before = dump(unit.file)
    with pytest.raises(UserError, match="由县矫正办核实"), unit.session() as s:
        verification.mark_entry(s, unit_entry, "已核实", "", TODAY)
    with pytest.raises(UserError, match="没有被标记为存疑"), unit.session() as s:
        verification.answer_doubt(s, unit_entry, "说明", TODAY)
    assert dump(unit.file) == before
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
    county_entry = _id_of(county, _uuid(unit, unit_entry))
    before = dump(county.file)
    with pytest.raises(ValidationError, match="写明存疑的原因"), county.session() as s:
        verification.mark_entry(s, county_entry, "存疑", "  ", TODAY)
    with pytest.raises(UserError, match="只有填报这条台账的单位"), county.session() as s:
        verification.answer_doubt(s, county_entry, "说明", TODAY)
    assert dump(county.file) == before


def test_a_unit_cannot_send_a_mark_of_its_own(offices, tmp_path):
    """A signed package from the unit carrying a 核实 mark (which only the county makes, e.g.
    written by an insider into the package) is refused whole, the county's database as it
    was."""
    from uuid import uuid4

    from app.sync.package import PackageError, PackageWriter, Party
    from app.sync.records import UuidMap, to_record, travelling_tables

    county, unit = offices
    unit_entry = _entry(unit)
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])

    with unit.session() as s:
        me = Party(unit_uuid(s, "法律援助中心"), "法律援助中心", identity.instance_uuid(s))
        keys = identity.key_pairs(s)
        seq = identity.next_sequence(s, unit_uuid(s, "县矫正办"))
        tables = {t.name: t for t in travelling_tables()}
        entry = to_record(tables["ledger_entries"], s.execute(
            select(tables["ledger_entries"]).where(tables["ledger_entries"].c.id == unit_entry)
        ).first(), UuidMap(s))  # fmt: skip
        mark = {"uuid": str(uuid4()), "revision": 1, "deleted": False,
                "created_at": "2018-09-01T00:00:00+00:00", "updated_at": "2018-09-01T00:00:00+00:00",
                "owner_unit_uuid": me.unit_uuid, "entry_uuid": entry["uuid"], "status": "已核实",
                "reason": "", "marked_on": "2018-09-01"}  # fmt: skip
    with county.session() as c:
        county_key = identity.key_pairs(c).public().encryption
        county_party = Party(unit_uuid(c, "县矫正办"), "县矫正办")
    path = tmp_path / "forged.bjpkg"
    with PackageWriter(path, sender=me, recipient=county_party, sequence=seq, keys=keys,
                       recipient_encryption_key=county_key) as writer:  # fmt: skip
        writer.add_records("entry_verifications", [mark])
    before = dump(county.file)
    with pytest.raises(PackageError, match="台账核实"):
        import_package(county, path)
    assert dump(county.file) == before


def _ledger_page(qtbot, db):
    from app.services.context import load_context
    from app.ui.pages.ledger import LedgerPage

    with db.session() as s:
        context = load_context(s)
    page = LedgerPage(db, context)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0)
    return page


def _select(qtbot, page, title: str) -> None:
    from PySide6.QtCore import Qt

    row = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).title == title)
    rect = page.view.visualRect(page.view.model().index(row, 3))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_the_county_marks_a_doubt_on_the_page_and_the_unit_explains_it(
    qtbot, gui_app, offices, tmp_path, monkeypatch
):
    from PySide6.QtCore import Qt

    from app.ui.dialogs.verification_dialogs import AnswerDialog, MarkDialog
    from tests.helpers import assert_fits_screen, drive_dialog

    county, unit = offices
    _entry(unit, "热线咨询（待核实）")
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
    page = _ledger_page(qtbot, county)
    assert page.verify_button.isVisible() and not page.answer_button.isVisible()
    _select(qtbot, page, "热线咨询（待核实）")

    def doubt(dialog: MarkDialog) -> None:
        assert_fits_screen(dialog)
        dialog.status.setCurrentIndex(dialog.status.findData("存疑"))
        dialog.reason.setPlainText("照片与活动内容不符，请补充签到表。")

    drive_dialog(monkeypatch, MarkDialog, doubt)
    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.row_at(0).verification == "存疑")
    import_package(unit, export_package(county, "法律援助中心", tmp_path / "c1.bjpkg")[0])

    unit_page = _ledger_page(qtbot, unit)
    assert unit_page.answer_button.isVisible() and not unit_page.verify_button.isVisible()
    _select(qtbot, unit_page, "热线咨询（待核实）")
    assert unit_page.answer_button.isEnabled()

    def explain(dialog: AnswerDialog) -> None:
        assert_fits_screen(dialog)
        dialog.answer.setPlainText("已补充活动签到表照片。")

    drive_dialog(monkeypatch, AnswerDialog, explain)
    qtbot.mouseClick(unit_page.answer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: unit_page.model.row_at(0).verification == "存疑（已说明）")

    # the county sees its reason and the unit's answer in the 核实 column (polish 17)
    import_package(county, export_package(unit, "县矫正办", tmp_path / "u2.bjpkg")[0])
    page.refresh()
    cell = page.model.index(0, 8)
    assert cell.data(Qt.ItemDataRole.DisplayRole).startswith("存疑（已说明）：照片与活动内容不符")
    tip = cell.data(Qt.ItemDataRole.ToolTipRole)
    assert "原因：照片与活动内容不符，请补充签到表。" in tip
    assert "单位说明" in tip and "已补充活动签到表照片。" in tip
    page.view.setColumnWidth(8, 260)
    from tests.test_polish17 import _shot

    _shot(page, "county-doubt-column")


def test_an_indicator_the_scheme_counts_by_verification_counts_only_verified_entries(database):
    from app.models import Indicator
    from app.services import progress
    from app.services.settings import current_programme

    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        programme_id = current_programme(s).id
        indicator = s.scalar(select(Indicator).where(Indicator.entry_kind_id == kinds["hotline"]))
        assert indicator is not None
        department = indicator.duty.department_id
        ids = [
            ledger.save_entry(s, database.attachments, None, EntryInput(
                kind_id=kinds["hotline"], unit_id=department, entry_date=date(2018, 7, day),
                title=f"热线 {day}", values={"calls": 1}, subjects_served=2,
            ))
            for day in (2, 3, 4)
        ]  # fmt: skip
        indicator_id = indicator.id

    def actual() -> float | None:
        with database.session() as s:
            rows = progress.indicator_progress(s, programme_id)
        return next(r.actual for r in rows if r.indicator_id == indicator_id)

    counted = actual()
    with database.session() as s:
        s.get(Indicator, indicator_id).verified_only = True
    assert actual() == 0.0 < (counted or 0)  # nothing verified yet
    with database.session() as s:
        verification.mark_entry(s, ids[0], "已核实", "", TODAY)
        verification.mark_entry(s, ids[1], "存疑", "照片不清", TODAY)
    assert actual() in (1.0, 2.0)  # one entry (or its 2 subjects served), not the doubted one
    assert units


def test_a_verified_only_indicator_that_sums_a_field_sums_only_verified_entries(database):
    from app.models import Indicator
    from app.services import progress
    from app.services.settings import current_programme

    with database.session() as s:
        kinds = kind_ids(s)
        programme_id = current_programme(s).id
        indicator = s.scalar(select(Indicator).where(Indicator.entry_kind_id == kinds["funding"]))
        assert indicator is not None and indicator.sum_field == "amount"
        department = indicator.duty.department_id
        ids = [
            ledger.save_entry(s, database.attachments, None, EntryInput(
                kind_id=kinds["funding"], unit_id=department, entry_date=date(2018, 7, day),
                title=f"经费拨付 {day}", values={"amount": amount, "purpose": "矫正经费"},
            ))
            for day, amount in ((2, 1000), (3, 20000), (4, 300000))
        ]  # fmt: skip
        indicator.verified_only = True
        indicator_id = indicator.id

    def actual() -> float | None:
        with database.session() as s:
            rows = progress.indicator_progress(s, programme_id)
        return next(r.actual for r in rows if r.indicator_id == indicator_id)

    assert actual() == 0.0  # nothing verified: nothing summed
    with database.session() as s:
        verification.mark_entry(s, ids[0], "已核实", "", TODAY)
        verification.mark_entry(s, ids[2], "存疑", "凭证缺失", TODAY)
    assert actual() == 1000.0  # the verified entry's amount, not the doubted or unmarked ones
