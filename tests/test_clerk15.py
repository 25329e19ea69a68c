"""What a new clerk (and IT staff) met on the installed program (issue 15): the backup
password dialog keeping its fields readable under a refusal, and ``restore`` run from a
script without ``--yes`` refused in Chinese rather than crashing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.services.attachments import store_for
from app.services.backup.archive import write_backup
from app.services.backup.container import MasterKey
from app.services.errors import UserError
from app.ui.dialogs.backup_dialogs import BackupPasswordDialog
from tests.helpers import dump

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "清田县-备份-2026"


def test_a_refused_password_leaves_the_fields_full_height(qtbot, gui_app, dialogs):
    def refuse(password: str, repeated: str) -> None:
        raise UserError("两次输入的备份密码不一致。备份密码至少要 8 个字符，请重新输入后再保存。")

    dialog = BackupPasswordDialog(refuse, False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    full = dialog.password.sizeHint().height()
    assert dialog.password.height() >= full
    qtbot.keyClicks(dialog.password, "abc123")
    qtbot.keyClicks(dialog.repeated, "abc124")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    gui_app.processEvents()
    assert dialog.password.height() >= full
    assert dialog.repeated.height() >= full
    assert dialog.error.height() >= dialog.error.heightForWidth(dialog.error.width())


@pytest.mark.sqlite_only(reason="restore of a SQLite file")
def test_restore_from_a_script_without_yes_is_refused_not_a_crash(db_path, tmp_path):
    master = MasterKey.from_password(PASSWORD)
    backup = tmp_path / "b.bjbak"
    write_backup(db_path, store_for(db_path), backup, master)
    before = dump(db_path)
    env = dict(os.environ, BANGJIAO_BACKUP_PASSWORD=PASSWORD)
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", str(db_path), "restore", str(backup)],
        env=env, cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "--yes" in done.stderr and "未恢复" in done.stderr
    assert "意外错误" not in done.stderr
    assert dump(db_path) == before


def test_the_wizard_hint_for_the_county_sits_under_the_templates_not_under_blank(
    qtbot, gui_app, tmp_path
):
    from app.ui.setup_wizard import BLANK, SetupWizard

    wizard = SetupWizard(str(tmp_path / "new.db"))
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    page = wizard.template_page
    templates = [b for key, b in page.buttons.items() if key != BLANK]
    blank = page.buttons[BLANK]
    hint = page.template_hint
    assert "内置模板" in hint.text() and hint.isVisible()
    assert max(b.geometry().bottom() for b in templates) <= hint.geometry().top()
    assert hint.geometry().bottom() <= blank.geometry().top()


def test_organisation_names_each_pairing_once_when_the_pc_holds_two_years(qtbot, dialogs, db_path):
    from app.services.database import open_database
    from app.services.programme import new_programme
    from app.ui.pages.organisation import OrganisationPage
    from tests.helpers import open_page

    database = open_database(str(db_path))
    with database.session() as s:
        new_programme(s, year=2019, copy_from_year=2018)
    database.close()
    page = open_page(qtbot, db_path, "organisation")
    assert isinstance(page, OrganisationPage)
    rows = {row.name: row.paired_with for row in page.units_model.rows()}
    assert rows["基层科"] == "东源司法所、北山司法所"
    assert rows["东源司法所"] == "基层科"


def test_the_command_lines_own_errors_are_chinese(capsys):
    import pytest

    from app.cli import build_parser

    cases = {
        ("bogus",): "子命令：无效的选择 'bogus'",
        ("--db", "x.db", "backup"): "缺少必须给出的参数：--out",
        ("--verbose",): "无法识别的参数：--verbose",
        ("--db", "x.db", "ledger", "add", "--unit"): "参数 --unit：后面要给出一个值",
    }
    for argv, expected in cases.items():
        with pytest.raises(SystemExit) as exit_info:
            build_parser().parse_args(list(argv))
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert "用法：" in err and "错误：" in err and expected in err, err
        assert "error:" not in err and "required" not in err and "invalid" not in err
