"""The 数据交换 page: a unit exports for the county, the county previews and imports."""

from __future__ import annotations

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

    questions = []
    monkeypatch.setattr(
        "app.ui.pages.exchange.confirm", lambda _p, _t, text: questions.append(text) or False
    )
    assert county_page.import_files([package]) == []
    assert "台账：新增 1" in questions[0] and "未导入（已取消）" in county_page.log.toPlainText()
    monkeypatch.setattr("app.ui.pages.exchange.confirm", lambda *_a: True)
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
