"""The first-run wizard's join path, driven as a department's clerk drives it: choose the
county's credential file, see what it sets up, 完成; the PC ends joined to the county, and a
wrong, damaged or mismatched credential is explained on the page and creates nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard
from sqlalchemy import select

from app.models import Unit
from app.services.settings import local_unit
from app.sync import identity
from app.sync.registration import write_credential
from app.ui.main_window import MainWindow
from app.ui.setup_wizard import CREDENTIAL_PAGE, SetupWizard
from tests.conftest import TEMPLATE_KEY
from tests.helpers import assert_fits_screen, finish_wizard_admin

UNIT = "法律援助中心"


@pytest.fixture
def credential(tmp_path: Path, database) -> Path:
    """The credential the county (the template database) issued to 法律援助中心."""
    path = tmp_path / "法律援助中心-接入凭证.cred"
    with database.session() as s:
        write_credential(s, UNIT, path, TEMPLATE_KEY)
    return path


def _wizard(qtbot, path: Path) -> SetupWizard:
    wizard = SetupWizard(str(path))
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def _click(qtbot, widget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.text()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _to_credential_page(qtbot, wizard: SetupWizard) -> None:
    _click(qtbot, wizard.template_page.credential_choice)
    _click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    assert wizard.currentId() == CREDENTIAL_PAGE


def test_a_department_joins_the_county_from_the_wizard(
    qtbot, dialogs, database, credential, tmp_path
):
    target = tmp_path / "unit.db"
    wizard = _wizard(qtbot, target)
    _to_credential_page(qtbot, wizard)
    assert_fits_screen(wizard)
    finish = wizard.button(QWizard.WizardButton.CommitButton)  # 建立数据库 >
    assert not finish.isEnabled()  # nothing chosen yet
    dialogs.open_paths = [[credential]]
    _click(qtbot, wizard.credential_page.choose_button)
    details = wizard.credential_page.details.text()
    assert "本机单位：法律援助中心" in details and "发放单位：县矫正办" in details
    assert "实施方案：青田县司法局 2018 大帮教实施方案" in details
    assert not target.exists()  # nothing is created before 建立数据库
    _click(qtbot, finish)
    assert target.exists()
    finish_wizard_admin(qtbot, wizard)
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert "本机已设为“法律援助中心”使用，并已接入县矫正办" in dialogs.texts("information")[0]
    with database.session() as c:
        county_uuid = c.scalar(select(Unit.uuid).where(Unit.name == "县矫正办"))
        county_keys = identity.key_pairs(c).public()
    with wizard.database.session() as s:
        assert local_unit(s).name == UNIT
        assert identity.peer_keys(s, county_uuid) == county_keys

    window = MainWindow(wizard.database)  # as the app opens it after the wizard
    qtbot.addWidget(window)
    window.show()
    page = window.open_section("exchange")
    assert page.join_status.text().startswith("✓ 已接入县矫正办")
    assert page.recipient.currentData() == "县矫正办" and page.export_button.isEnabled()


def _altered(path: Path, change) -> Path:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    out = path.with_name("改过的.cred")
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


def test_a_wrong_damaged_or_mismatched_credential_is_explained_and_creates_nothing(
    qtbot, dialogs, credential, tmp_path
):
    target = tmp_path / "unit.db"
    garbage = tmp_path / "照片.jpg"
    garbage.write_bytes(b"\xff\xd8\xff\xe0 a photo, not a credential")
    damaged = _altered(credential, lambda d: d.pop("token"))
    wizard = _wizard(qtbot, target)
    _to_credential_page(qtbot, wizard)
    page = wizard.credential_page
    finish = wizard.button(QWizard.WizardButton.CommitButton)  # 建立数据库 >

    dialogs.open_paths = [[garbage]]
    _click(qtbot, page.choose_button)
    assert page.error.text().startswith("“照片.jpg”不是有效的接入凭证文件")
    assert page.details.text() == "" and not finish.isEnabled()

    dialogs.open_paths = [[damaged]]
    _click(qtbot, page.choose_button)
    assert "已损坏或不完整（一次性口令不对）" in page.error.text() and not finish.isEnabled()

    mismatched = _altered(credential, lambda d: d["unit"].update(unit_uuid="0" * 32))
    dialogs.open_paths = [[mismatched]]
    _click(qtbot, page.choose_button)
    assert page.error.text() == "" and finish.isEnabled()
    _click(qtbot, finish)
    assert "不是同一个单位" in page.error.text()
    assert wizard.currentId() == CREDENTIAL_PAGE and wizard.database is None
    assert not target.exists()

    dialogs.open_paths = [[credential]]  # the right file after all
    _click(qtbot, page.choose_button)
    _click(qtbot, finish)
    finish_wizard_admin(qtbot, wizard)
    assert wizard.result() == QWizard.DialogCode.Accepted and target.exists()
    assert not dialogs.texts("warning")  # every problem was told on the page
    wizard.database.close()
