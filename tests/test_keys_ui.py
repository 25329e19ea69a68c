"""Keys on the 数据交换 page, driven as clerks drive it over real databases: the county
re-issues 法律援助中心's credential (told that the new PC replaces the current one), the new
PC's first package is held and its keys wait on the page, the clerk compares both codes in the
dialog and confirms, the package imports, and a package from the old PC is then refused; the
county rotates its keys, the unit follows on import and then refuses the county's old key.
Every change of keys is in 收发记录. Screenshots of what the clerk sees go to
keys-*.png in the folder BANGJIAO_SHOTS names, when it names one."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt

from app.cli import main
from app.sync import identity
from app.ui.dialogs.exchange_dialogs import KeyConfirmDialog
from tests.conftest import open_unlocked
from tests.helpers import assert_fits_screen
from tests.test_exchange_ui import UNIT, _click, _entries, _joined, _page, _previews, dump, pair

__all__ = ["pair"]  # the fixture, used by name

SHOTS = Path(os.environ.get("BANGJIAO_SHOTS") or "/nonexistent")  # pictures when asked for


def _shot(widget, name: str) -> None:
    if SHOTS.is_dir():
        widget.grab().save(str(SHOTS / f"keys-{name}.png"))


def _code(path: Path) -> str:
    db = open_unlocked(str(path))
    with db.session() as s:
        found = identity.key_pairs(s).public().fingerprint()
    db.close()
    return found


def _cli(*args: object) -> None:
    assert main([str(a) for a in args]) == 0, args


def _add(path: Path, title: str) -> None:
    _cli("--db", path, "ledger", "add", "--unit", UNIT, "--kind", "hotline", "--date",
         "2018-07-02", "--title", title, "--field", "calls=3")  # fmt: skip


def _history(page) -> list[str]:
    """The 内容 column of 收发记录's key lines, oldest first."""
    model = page.history_model
    return [model.index(r, 6).data() for r in reversed(range(model.rowCount()))
            if model.index(r, 1).data() == "密钥"]  # fmt: skip


def _backup(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def test_a_reinstalled_unit_rejoins_after_the_county_confirms_its_keys_on_the_page(
    qtbot, monkeypatch, dialogs, pair, tmp_path
):
    county, old_pc = _joined(pair, tmp_path)
    usb = tmp_path / "U盘"
    usb.mkdir()
    _add(old_pc, "旧电脑的台账")
    _cli("--db", old_pc, "export", "--to", "县矫正办", "--out", usb / "old-1.bjpkg")
    _cli("--db", county, "import", usb / "old-1.bjpkg")
    old_code = _code(old_pc)

    page = _page(qtbot, county)
    page.credential_unit.setCurrentIndex(page.credential_unit.findData(UNIT))
    assert page.credential_button.text() == "重新发放接入凭证…"
    assert page.credential_unit.currentText() == f"{UNIT}（已接入）"
    assert (
        old_code in page.credential_hint.text()
        and "新电脑将取代现在的电脑" in page.credential_hint.text()
    )
    credential = tmp_path / "重新发放.cred"
    dialogs.confirm = False  # 否: nothing written
    dialogs.save_paths = [credential]
    _click(qtbot, page, page.credential_button)
    assert not credential.exists()
    (question,) = dialogs.texts("question")
    assert f"本机登记的识别码是 {old_code}" in question and f"将取代{UNIT}现在的电脑" in question
    dialogs.confirm = True
    _click(qtbot, page, page.credential_button)
    assert credential.is_file()
    reissued = dialogs.texts("information")[-1]
    assert "已为法律援助中心重新发放接入凭证" in reissued and "待确认的新密钥" in reissued

    new_pc = tmp_path / "new-pc.db"
    _cli("--db", new_pc, "init", "--credential", credential)
    _add(new_pc, "新电脑的台账")
    held = usb / "new-1.bjpkg"
    _cli("--db", new_pc, "export", "--to", "县矫正办", "--out", held)
    new_code = _code(new_pc)

    seen = _previews(monkeypatch)
    dialogs.open_paths = [[held]]
    _click(qtbot, page, page.import_file_button)
    assert not seen and _entries(county) == 1  # held, before any preview
    told = dialogs.texts("warning")[-1]
    assert told.startswith(f"“{UNIT}”的这个数据包来自一台新的电脑")
    assert f"新识别码 {new_code}" in told and "待确认的新密钥" in told
    assert page.keys_bar.isVisible() and new_code in page.keys_text.text()
    assert page.tabs.currentIndex() == page.pending_index
    assert page.tabs.tabText(page.pending_index) == "待确认的新密钥（1）"
    (pending,) = page.pending_model.rows()
    assert (pending.unit_name, pending.code, pending.current_code) == (UNIT, new_code, old_code)
    _shot(page.window(), "page-pending")

    shown = []

    def compare_and_confirm(dialog: KeyConfirmDialog) -> int:
        assert_fits_screen(dialog)
        shown.append((dialog.new_code.text(), dialog.old_code.text()))
        _shot(dialog, "confirm-dialog")
        qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(KeyConfirmDialog, "exec", compare_and_confirm)
    _click(qtbot, page, page.confirm_keys_button)
    assert shown == [(new_code, old_code)]
    asked = dialogs.texts("question")[-1]
    assert f"已确认{UNIT}新电脑的密钥（识别码 {new_code}）" in asked and "new-1.bjpkg" in asked
    assert len(seen) == 1 and _entries(county) == 2  # 是: the held package, imported
    assert not page.keys_bar.isVisible() and not page.tabs.isTabVisible(page.pending_index)
    page.recipient.setCurrentIndex(page.recipient.findData(UNIT))
    assert new_code in page.recipient_code.text()  # packages to the unit: for the new PC
    assert _history(page) == [
        f"登记密钥 {old_code}",
        f"重新发放接入凭证（现登记 {old_code}）",
        f"新电脑出示新密钥 {new_code}，待确认",
        f"确认新密钥 {new_code}（取代 {old_code}）",
        f"旧密钥 {old_code} 作废，其数据包一律拒绝",
    ]
    _shot(page.window(), "history")

    _add(old_pc, "旧电脑又登记的台账")  # the old PC, still about
    stale = usb / "old-2.bjpkg"
    _cli("--db", old_pc, "export", "--to", "县矫正办", "--out", stale)
    before = dump(county)
    dialogs.open_paths = [[stale]]
    _click(qtbot, page, page.import_file_button)
    refused = dialogs.texts("warning")[-1]
    assert refused.startswith(
        f"这个数据包是用“{UNIT}”的旧密钥（识别码 {old_code}）签名的，该密钥已于 "
    )
    assert "旧电脑可能已丢失、被盗" in refused and "今后只用新电脑导出数据包" in refused
    assert dump(county) == before and _entries(county) == 2


def test_new_keys_rejected_on_the_page_leave_the_current_pc_registered(
    qtbot, monkeypatch, dialogs, pair, tmp_path
):
    county, old_pc = _joined(pair, tmp_path)
    _cli("--db", old_pc, "export", "--to", "县矫正办", "--out", tmp_path / "1.bjpkg")
    _cli("--db", county, "import", tmp_path / "1.bjpkg")
    credential = tmp_path / "again.cred"
    _cli("--db", county, "credential", "--unit", UNIT, "--out", credential, "--reissue")
    _cli("--db", tmp_path / "new.db", "init", "--credential", credential)
    _cli("--db", tmp_path / "new.db", "export", "--to", "县矫正办", "--out", tmp_path / "new.bjpkg")
    assert main(["--db", str(county), "import", str(tmp_path / "new.bjpkg")]) == 2

    page = _page(qtbot, county)
    assert page.keys_bar.isVisible()

    def reject(dialog: KeyConfirmDialog) -> int:
        dialog.show()
        qtbot.mouseClick(dialog.reject_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(KeyConfirmDialog, "exec", reject)
    _click(qtbot, page, page.confirm_keys_button)
    assert "已拒绝法律援助中心的新密钥" in dialogs.texts("information")[-1]
    assert not page.keys_bar.isVisible()
    assert _history(page)[-1].startswith("拒绝新密钥")
    page.recipient.setCurrentIndex(page.recipient.findData(UNIT))
    assert _code(old_pc) in page.recipient_code.text()
    _add(old_pc, "照常")
    _cli("--db", old_pc, "export", "--to", "县矫正办", "--out", tmp_path / "2.bjpkg")
    _cli("--db", county, "import", tmp_path / "2.bjpkg")  # the current PC still counts


def test_the_county_rotates_its_keys_on_the_page_and_the_unit_refuses_the_old_one(
    qtbot, monkeypatch, dialogs, pair, tmp_path
):
    county, unit = _joined(pair, tmp_path)
    _cli("--db", unit, "export", "--to", "县矫正办", "--out", tmp_path / "up.bjpkg")
    _cli("--db", county, "import", tmp_path / "up.bjpkg")
    old_code = _code(county)
    _backup(county, tmp_path / "county-before.db")  # still holds the old key

    county_page, unit_page = _page(qtbot, county), _page(qtbot, unit)
    assert not unit_page.rotate_button.isVisible()
    dialogs.confirm = False
    _click(qtbot, county_page, county_page.rotate_button)
    assert _code(county) == old_code  # 否: nothing changed
    dialogs.confirm = True
    _click(qtbot, county_page, county_page.rotate_button)
    new_code = _code(county)
    assert new_code != old_code
    assert "各单位导入本机的下一个数据包时，自动改用新密钥" in dialogs.texts("question")[-1]
    told = dialogs.texts("information")[-1]
    assert f"本机的新识别码是 {new_code}（原识别码 {old_code} 已作废）" in told
    assert new_code in county_page.identity_label.text()
    assert _history(county_page)[-1] == f"更换本机密钥：{new_code}（原 {old_code} 作废）"
    _shot(county_page.window(), "rotated")

    dialogs.save_folder = tmp_path / "U盘"
    dialogs.save_folder.mkdir()
    _click(qtbot, county_page, county_page.export_button)
    (rotation,) = dialogs.save_folder.glob("*.bjpkg")
    _previews(monkeypatch)
    dialogs.open_paths = [[rotation]]
    assert old_code in unit_page.recipient_code.text()
    _click(qtbot, unit_page, unit_page.import_file_button)
    assert new_code in unit_page.recipient_code.text()
    assert _history(unit_page) == [f"对方更换密钥：{new_code}（原 {old_code} 作废）"]

    stale = tmp_path / "old-key.bjpkg"
    _cli("--db", tmp_path / "county-before.db", "export", "--to", UNIT, "--out", stale)
    before = dump(unit)
    dialogs.open_paths = [[stale]]
    _click(qtbot, unit_page, unit_page.import_file_button)
    refused = dialogs.texts("warning")[-1]
    assert refused.startswith(
        f"这个数据包是用“县矫正办”已作废的旧密钥（识别码 {old_code}）签名的："
    )
    assert "更换了密钥" in refused
    assert dump(unit) == before
