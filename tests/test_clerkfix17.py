"""What a new clerk met on two PCs (issue 17, clerk pass 18): a credential issued after the
programme was copied into a new year, roles, and the 核查/台账 pages' details."""

from __future__ import annotations

import json

from app.cli import main
from app.services.database import open_database
from app.services.programme import new_programme


def test_a_credential_issued_after_a_new_year_names_the_template_and_the_unit_joins(tmp_path):
    county, unit, cred = tmp_path / "county.db", tmp_path / "unit.db", tmp_path / "法援.cred"
    init = ["--db", str(county), "init", "--template", "qingtian-2018", "--unit", "县矫正办"]
    assert main(init) == 0
    database = open_database(str(county))
    try:
        with database.session() as s:
            new_programme(s, year=2019, copy_from_year=2018)
    finally:
        database.close()
    issue = ["--db", str(county), "credential", "--unit", "法律援助中心", "--out", str(cred)]
    assert main(issue) == 0
    assert json.loads(cred.read_text(encoding="utf-8"))["template"] == "qingtian-2018"
    assert main(["--db", str(unit), "init", "--credential", str(cred)]) == 0
    assert unit.exists()


def _as(db, role: str) -> None:
    from app.services import accounts

    with db.session() as s:
        accounts.add_user(s, f"用户{role}", "role-pass-1", role, check=False)
    with db.session() as s:
        db.actor = accounts.authenticate(s, f"用户{role}", "role-pass-1")


def test_the_units_leader_answers_the_countys_doubt_and_a_reader_may_not(tmp_path):
    from datetime import date

    import pytest
    from sqlalchemy import select

    from app.models import LedgerEntry
    from app.services import ledger, verification
    from app.services.errors import UserError
    from app.services.ledger import EntryInput
    from app.sync.exchange import export_package, import_package
    from tests.helpers import county_and_unit, dump, kind_ids, unit_ids

    with county_and_unit(tmp_path, first_admin=True) as (county, unit):
        with unit.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            entry = ledger.save_entry(s, unit.attachments, None, EntryInput(
                kind_id=kinds["hotline"], unit_id=units["法律援助中心"],
                entry_date=date(2018, 7, 2), title="热线咨询", values={"calls": 3},
            ))  # fmt: skip
            uuid = s.get(LedgerEntry, entry).uuid
        import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
        with county.session() as s:
            county_entry = s.scalar(select(LedgerEntry.id).where(LedgerEntry.uuid == uuid))
            verification.mark_entry(s, county_entry, "存疑", "照片不清", date(2018, 9, 1))
        import_package(unit, export_package(county, "法律援助中心", tmp_path / "c1.bjpkg")[0])
        _as(unit, "查看")
        before = dump(unit.file)
        with pytest.raises(UserError, match="无权对存疑的台账作出说明"), unit.session() as s:
            verification.answer_doubt(s, entry, "已补拍。", date(2018, 9, 2))
        assert dump(unit.file) == before
        _as(unit, "负责人")
        with unit.session() as s:
            verification.answer_doubt(s, entry, "已补拍清晰的照片。", date(2018, 9, 2))
        with unit.session() as s:
            assert verification.verifications(s, [entry])[entry].answer == "已补拍清晰的照片。"


def test_roles_grant_what_their_descriptions_promise():
    from app.services.accounts import PERMISSION_NAMES, roles

    shipped = roles()
    admin, leader, clerk = shipped["管理员"], shipped["负责人"], shipped["填报员"]
    # a one-person unit's 管理员 submits its 统计报表 and its summary, and answers doubts
    assert {"statistics.submit", "summary.submit", "ledger.answer"} <= admin.permissions
    # the county's 负责人 inspects: 标记已说明 / 提出整改 / 重新核查 in 核查 need inspection.edit
    assert {"inspection.edit", "ledger.answer"} <= leader.permissions
    assert (
        "ledger.answer" in clerk.permissions and "ledger.answer" not in shipped["查看"].permissions
    )
    assert all(p in PERMISSION_NAMES for role in shipped.values() for p in role.permissions)


def test_an_older_county_copy_of_the_roles_keeps_its_clerks_answering(tmp_path, monkeypatch):
    from app.services import accounts

    older = tmp_path / "roles.toml"
    older.write_text(
        '[roles."管理员"]\npermissions = ["users.manage"]\n'
        '[roles."填报员"]\npermissions = ["ledger.edit"]\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(accounts, "roles_path", lambda: older)
    assert "ledger.answer" in accounts.roles()["填报员"].permissions
    assert "ledger.answer" not in accounts.roles()["管理员"].permissions


SHOTS = "/work/notes/shots"


def _shot(widget, name: str) -> None:
    import os

    if os.path.isdir(SHOTS):
        widget.grab().save(f"{SHOTS}/clerkfix17-{name}.png")


def test_the_check_pane_numbers_a_photo_as_the_rows_description_does(
    qtbot, monkeypatch, dialogs, db_path, database, tmp_path
):
    from PySide6.QtCore import Qt

    from app.services.evidence_check import NO_EXIF, SAME_PHOTO
    from app.ui.dialogs.evidence_dialog import EvidenceCheckDialog
    from app.ui.operations import running_tasks
    from tests.helpers import open_page
    from tests.test_evidence_check import A, photo, save

    dated = photo(tmp_path / "a.jpg", 1, taken="2018:07:12 10:00:00")
    bare = photo(tmp_path / "b.jpg", 3)  # no EXIF
    other = photo(tmp_path / "c.jpg", 5, taken="2018:07:20 10:00:00")
    save(database, A, "2018-07-12", "修心教育法律讲座", [dated, bare])
    save(database, A, "2018-07-20", "法律咨询活动", [other, dated])
    page = open_page(qtbot, db_path, "ledger")
    shown = []
    monkeypatch.setattr(EvidenceCheckDialog, "exec", lambda d: (shown.append(d), d.show())[-1])
    qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    check = shown[0]
    qtbot.addWidget(check)
    qtbot.waitUntil(lambda: running_tasks() == 0 and check.table.rowCount() > 0, timeout=30000)

    row = next(i for i, f in enumerate(check.flags) if f.kind == NO_EXIF)
    check.table.selectRow(row)
    assert check.table.item(row, 2).text().startswith("第 2 张照片没有拍摄信息")
    assert [check.photos.item(i).text() for i in range(check.photos.count())] == [
        "第 2 张（修心教育法律讲座）"
    ]
    qtbot.wait(50)  # the splitter makes room for the photos pane
    _shot(check, "check-no-exif")
    check.table.selectRow(next(i for i, f in enumerate(check.flags) if f.kind == SAME_PHOTO))
    assert check.photos.item(0).text() == "第 1 张（修心教育法律讲座）\n第 2 张（法律咨询活动）"
    _shot(check, "check-same-photo")


def _select_title(qtbot, page, title: str) -> None:
    from PySide6.QtCore import Qt

    row = next(i for i in range(page.model.rowCount()) if page.model.row_at(i).title == title)
    rect = page.view.visualRect(page.view.model().index(row, 3))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_locked_entrys_text_fields_look_read_only_like_the_others(
    qtbot, monkeypatch, dialogs, db_path, database
):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QPalette

    from app.ui.ledger.entry_dialog import EntryDialog
    from tests.helpers import open_page
    from tests.test_period_locks import _adopted

    _adopted(database)
    page = open_page(qtbot, db_path, "ledger")
    _select_title(qtbot, page, "热线咨询")
    opened = []
    monkeypatch.setattr(EntryDialog, "exec", lambda d: (opened.append(d), d.show(), 0)[-1])
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    dialog = opened[0]
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "查看台账（已锁定）"
    grey = dialog.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base)
    assert grey != QColor("white")
    for field in (dialog.title, dialog.subject_name, dialog.subject_id_number):
        assert field.isReadOnly() and not field.placeholderText()
        image = field.grab().toImage()
        assert image.pixelColor(image.width() - 6, image.height() // 2) == grey, field
    _shot(dialog, "locked-entry")


def test_the_verify_and_answer_dialogs_name_the_entry_at_the_top(
    qtbot, gui_app, monkeypatch, tmp_path
):
    from datetime import date

    from PySide6.QtCore import Qt

    from app.services import ledger
    from app.services.ledger import EntryInput
    from app.sync.exchange import export_package, import_package
    from app.ui.dialogs.verification_dialogs import AnswerDialog, MarkDialog
    from tests.helpers import assert_fits_screen, county_and_unit, drive_dialog, kind_ids, unit_ids
    from tests.test_verification import _ledger_page

    with county_and_unit(tmp_path) as (county, unit):
        with unit.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            ledger.save_entry(s, unit.attachments, None, EntryInput(
                kind_id=kinds["hotline"], unit_id=units["法律援助中心"],
                entry_date=date(2018, 7, 2), title="热线咨询", values={"calls": 3},
            ))  # fmt: skip
        import_package(county, export_package(unit, "县矫正办", tmp_path / "u1.bjpkg")[0])
        page = _ledger_page(qtbot, county)
        _select_title(qtbot, page, "热线咨询")

        def doubt(dialog: MarkDialog) -> None:
            assert_fits_screen(dialog)
            assert dialog.about.text() == "2018年7月2日　法律援助中心：热线咨询"
            assert dialog.about.mapTo(dialog, dialog.about.rect().topLeft()).y() < (
                dialog.status.mapTo(dialog, dialog.status.rect().topLeft()).y()
            )
            dialog.status.setCurrentIndex(dialog.status.findData("存疑"))
            dialog.reason.setPlainText("照片不清。")
            dialog.show()
            _shot(dialog, "verify-dialog")

        marked = drive_dialog(monkeypatch, MarkDialog, doubt)
        qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
        assert marked
        import_package(unit, export_package(county, "法律援助中心", tmp_path / "c1.bjpkg")[0])
        unit_page = _ledger_page(qtbot, unit)
        _select_title(qtbot, unit_page, "热线咨询")

        def explain(dialog: AnswerDialog) -> None:
            assert dialog.about.text() == "2018年7月2日　法律援助中心：热线咨询"
            dialog.answer.setPlainText("已补拍。")
            dialog.show()
            assert not dialog.form_scroll.verticalScrollBar().isVisible()
            _shot(dialog, "answer-dialog")

        answered = drive_dialog(monkeypatch, AnswerDialog, explain)
        qtbot.mouseClick(unit_page.answer_button, Qt.MouseButton.LeftButton)
        assert answered


def test_the_volume_defaults_to_the_filtered_unit_else_the_first_with_entries(
    qtbot, monkeypatch, dialogs, db_path, database, tmp_path
):
    from PySide6.QtCore import Qt

    from app.ui.dialogs.volume_dialog import VolumeDialog
    from tests.helpers import open_page
    from tests.test_evidence_check import B, photo, save

    save(database, B, "2018-07-12", "法律援助讲座", [photo(tmp_path / "a.jpg", 1)])
    page = open_page(qtbot, db_path, "ledger")
    assert page.context.local_unit_id is not None
    asked: list[VolumeDialog] = []

    def look(dialog: VolumeDialog) -> int:
        asked.append(dialog)
        dialog.show()
        return 0

    monkeypatch.setattr(VolumeDialog, "exec", look)
    qtbot.mouseClick(page.volume_button, Qt.MouseButton.LeftButton)
    assert asked[0].unit.currentText() == "法律援助中心"  # not the county office, which has none
    _shot(asked[0], "volume-default")
    asked[0].close()
    page.unit_filter.setCurrentIndex(page.unit_filter.findText("基层科"))
    qtbot.mouseClick(page.volume_button, Qt.MouseButton.LeftButton)
    assert asked[1].unit.currentText() == "基层科"
    asked[1].close()


def _arrow_widths(header) -> list[int]:
    """The dark pixels per line of the sort arrow (at the right of the first section)."""
    image = header.grab().toImage()
    right = header.sectionSize(0)
    widths = [
        sum(1 for x in range(right - 30, right) if image.pixelColor(x, y).lightness() < 128)
        for y in range(image.height())
    ]
    return [w for w in widths if w]


def test_the_date_headers_arrow_points_the_way_the_rows_run(
    qtbot, dialogs, db_path, database, tmp_path
):
    from PySide6.QtCore import QPoint, Qt

    from tests.helpers import open_page
    from tests.test_evidence_check import B, photo, save

    save(database, B, "2018-07-12", "七月的讲座", [photo(tmp_path / "a.jpg", 1)])
    save(database, B, "2018-09-12", "九月的讲座", [photo(tmp_path / "b.jpg", 2)])
    page = open_page(qtbot, db_path, "ledger")
    header = page.view.horizontalHeader()
    assert page.model.row_at(0).title == "九月的讲座"  # newest first
    widths = _arrow_widths(header)
    assert widths and widths[0] > widths[-1]  # ▼
    _shot(page, "ledger-newest-first")
    middle = QPoint(header.sectionSize(0) // 2, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)  # oldest first
    qtbot.waitUntil(lambda: page.model.row_at(0).title == "七月的讲座")
    widths = _arrow_widths(header)
    assert widths and widths[0] < widths[-1]  # ▲
