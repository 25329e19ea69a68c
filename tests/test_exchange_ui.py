"""The 数据交换 page: a unit exports for the county, the county previews and imports."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import func, select

from app.cli import main
from app.models import LedgerEntry
from app.services.database import open_database
from app.ui.pages.exchange import ExchangePage
from tests.helpers import open_page


def _page(qtbot, path) -> ExchangePage:
    page = open_page(qtbot, path, "exchange")
    assert isinstance(page, ExchangePage)
    return page


def test_export_preview_and_import_through_the_page(qtbot, monkeypatch, gui_app, tmp_path):
    county, unit, cred = tmp_path / "county.db", tmp_path / "unit.db", tmp_path / "法援.cred"
    assert (
        main(["--db", str(county), "init", "--template", "qingtian-2018", "--unit", "县矫正办"])
        == 0
    )
    county_page = _page(qtbot, county)
    assert county_page.credential_box.isVisibleTo(county_page)
    county_page.credential_unit.setCurrentIndex(
        county_page.credential_unit.findData("法律援助中心")
    )
    assert county_page.write_credential(cred) == cred
    assert main(["--db", str(unit), "init", "--credential", str(cred)]) == 0
    assert main(["--db", str(unit), "ledger", "add", "--unit", "法律援助中心", "--kind", "hotline", "--date",
                 "2018-07-02", "--title", "热线", "--field", "calls=3"]) == 0  # fmt: skip

    unit_page = _page(qtbot, unit)
    assert not unit_page.credential_box.isVisibleTo(unit_page)
    assert unit_page.recipient.currentData() == "县矫正办"
    package = unit_page.export(tmp_path / "1.bjpkg")
    assert package is not None and "台账 1" in unit_page.log.toPlainText()

    previews = []
    monkeypatch.setattr(
        "app.ui.pages.exchange.preview_accepted",
        lambda _p, name, summary: previews.append((name, summary)) or False,
    )
    assert county_page.import_files([package]) == []
    assert previews[0][0] == "1.bjpkg" and previews[0][1].created["ledger_entries"] == 1
    assert "未导入（已取消）" in county_page.log.toPlainText()
    monkeypatch.setattr("app.ui.pages.exchange.preview_accepted", lambda *_a: True)
    done = county_page.import_files([package])
    assert done[0].created["ledger_entries"] == 1
    assert (
        county_page.recipient.findData("法律援助中心") >= 0
    )  # now known: the county can send back
    county_page.import_files([package])
    assert "已经导入过" in county_page.log.toPlainText()
    db = open_database(str(county))
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    db.close()


def _edit_entry(path, **changes) -> None:
    db = open_database(str(path))
    with db.session() as s:
        entry = s.scalar(select(LedgerEntry))
        for name, value in changes.items():
            setattr(entry, name, value)
    db.close()


def test_a_conflict_is_previewed_listed_and_merged_on_the_page(
    qtbot, monkeypatch, gui_app, tmp_path
):
    from app.ui.dialogs.exchange_dialogs import ConflictDialog, ImportPreviewDialog

    county, unit, cred = tmp_path / "county.db", tmp_path / "unit.db", tmp_path / "法援.cred"
    assert (
        main(["--db", str(county), "init", "--template", "qingtian-2018", "--unit", "县矫正办"])
        == 0
    )
    assert (
        main(["--db", str(county), "credential", "--unit", "法律援助中心", "--out", str(cred)]) == 0
    )
    assert main(["--db", str(unit), "init", "--credential", str(cred)]) == 0
    assert main(["--db", str(unit), "ledger", "add", "--unit", "法律援助中心", "--kind", "hotline", "--date",
                 "2018-07-02", "--title", "热线", "--field", "calls=3"]) == 0  # fmt: skip
    first = tmp_path / "1.bjpkg"
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(first)]) == 0
    county_page = _page(qtbot, county)
    monkeypatch.setattr("app.ui.pages.exchange.preview_accepted", lambda *_a: True)
    assert county_page.import_files([first])[0].created["ledger_entries"] == 1

    _edit_entry(county, title="热线（县里更正）")
    _edit_entry(unit, title="热线（中心补充）", body="接听来电三次，均已答复。")
    second = tmp_path / "2.bjpkg"
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(second)]) == 0

    seen = []

    def look(parent, name, summary):
        dialog = ImportPreviewDialog(name, summary, parent)
        seen.append((dialog.model.rows(), dialog.conflict_note.text()))
        return True

    monkeypatch.setattr("app.ui.pages.exchange.preview_accepted", look)
    (_summary,) = county_page.import_files([second])
    rows, note = seen[0]
    assert [(r.label, r.conflicts) for r in rows] == [("台账", 1)]
    assert "本机和对方都改过" in note and "热线（中心补充）" in note
    assert county_page.tabs.currentIndex() == 0 and county_page.tabs.tabText(0) == "待处理冲突（1）"
    (conflict,) = county_page.conflict_model.rows()
    assert {d.label for d in conflict.differences} == {"标题", "正文"}

    def merge_body(dialog):
        row = [d.column for d in dialog.model.differences].index("body")
        assert not dialog.merge_button.isEnabled()
        dialog.model.setData(
            dialog.model.index(row, 3), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole
        )
        assert dialog.merge_button.isEnabled()
        dialog.merge_button.click()
        return dialog.result()

    monkeypatch.setattr(ConflictDialog, "exec", merge_body)
    assert county_page.settle(conflict)
    assert (
        county_page.conflict_model.rows() == [] and county_page.tabs.tabText(0) == "待处理冲突（0）"
    )
    db = open_database(str(county))
    with db.session() as s:
        entry = s.scalar(select(LedgerEntry))
        assert (entry.title, entry.body) == ("热线（县里更正）", "接听来电三次，均已答复。")
    db.close()
    history = [
        (e.direction.value, e.peer_unit_name, e.sequence) for e in county_page.history_model.rows()
    ]
    assert history == [("received", "法律援助中心", 2), ("received", "法律援助中心", 1)]
