"""The 数据交换 page driven as clerks drive it, over a real county and 法律援助中心 pair: the
county registers the unit, the unit's PC joins with the credential, exports; the county
previews and imports; the result tab comes forward and a message says what was done; a
failing preview or import is explained and changes nothing; conflicts are settled; a cancel
(raised from the progress callback, as the progress dialog's 取消 does) leaves nothing behind."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import func, select

from app.cli import main
from app.models import Agreement, AgreementStatus, Direction, LedgerEntry, Unit
from app.services import agreements
from app.services.database import open_database
from app.services.settings import current_programme
from app.services.setup import initialise
from app.sync import identity
from app.sync.exchange import export_package, import_package, steps
from app.sync.registration import join_existing, read_credential, write_credential
from app.ui.dialogs.exchange_dialogs import ConflictDialog, ImportPreviewDialog
from app.ui.operations import running_tasks
from app.ui.pages.exchange import ExchangePage
from tests.conftest import TEMPLATE_KEY
from tests.helpers import assert_fits_screen, dump, open_page, refusals, unit_ids

UNIT = "法律援助中心"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """The county's and 法律援助中心's database files, set up from the template, not joined."""
    county, unit = tmp_path / "county.db", tmp_path / "unit.db"
    initialise(str(county), TEMPLATE_KEY, "县矫正办").database.close()
    initialise(str(unit), TEMPLATE_KEY, UNIT).database.close()
    return county, unit


def _joined(pair: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """The pair with the unit joined by its credential (the county learns the unit's keys from
    its first package)."""
    county, unit = pair
    credential = tmp_path / "joined.cred"
    for path, work in ((county, lambda s: write_credential(s, UNIT, credential, TEMPLATE_KEY)),
                       (unit, lambda s: join_existing(s, read_credential(credential)))):  # fmt: skip
        db = open_database(str(path))
        with db.session() as s:
            work(s)
        db.close()
    return county, unit


def _page(qtbot, path: Path) -> ExchangePage:
    page = open_page(qtbot, path, "exchange")
    assert isinstance(page, ExchangePage)
    return page


def _click(qtbot, page: ExchangePage, button: QPushButton) -> None:
    """Click like a clerk, then wait for the background work the click started."""
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: running_tasks() == 0 and not page._busy, timeout=60000)


def _previews(monkeypatch, answer: str = "import", before=None) -> list:
    """Answer each import preview by clicking 导入 (or 不导入); the previews' rows and notes."""
    seen = []

    def fake_exec(dialog: ImportPreviewDialog) -> int:
        seen.append((dialog.model.rows(), dialog.conflict_note.text()))
        if before is not None:
            before(dialog)
        assert_fits_screen(dialog)
        button = dialog.import_button if answer == "import" else dialog.cancel_button
        button.click()
        return dialog.result()

    monkeypatch.setattr(ImportPreviewDialog, "exec", fake_exec)
    return seen


def _add_entry(path: Path, title: str) -> None:
    assert main(["--db", str(path), "ledger", "add", "--unit", UNIT, "--kind", "hotline", "--date",
                 "2018-07-02", "--title", title, "--field", "calls=3"]) == 0  # fmt: skip


def _entries(path: Path) -> int:
    db = open_database(str(path))
    with db.session() as s:
        count = s.scalar(select(func.count()).select_from(LedgerEntry))
    db.close()
    return count


def test_the_county_registers_the_unit_joins_exports_and_the_county_imports(
    qtbot, monkeypatch, dialogs, pair, tmp_path
):
    county, unit = pair
    county_page = _page(qtbot, county)
    assert county_page.credential_box.isVisible() and county_page.link_box.title() == "接入与登记"
    county_page.credential_unit.setCurrentIndex(county_page.credential_unit.findData(UNIT))
    credential = tmp_path / "法律援助中心-接入凭证.cred"
    dialogs.save_paths = [credential]
    _click(qtbot, county_page, county_page.credential_button)
    assert read_credential(credential)["unit"]["unit_name"] == UNIT
    (written,) = dialogs.texts("information")
    assert str(credential) in written and "用县矫正办发放的接入凭证加入" in written
    index = county_page.credential_unit.findData(UNIT)
    assert county_page.credential_unit.itemText(index).endswith("（已发凭证，尚未接入）")
    assert "之前那份就作废" in county_page.credential_hint.text()
    dialogs.confirm = False  # making it again asks first: the first one would become void
    _click(qtbot, county_page, county_page.credential_button)
    assert "再生成一份，之前那份就作废" in dialogs.texts("question")[-1]
    assert len(dialogs.texts("information")) == 1  # nothing made
    dialogs.confirm = True

    unit_page = _page(qtbot, unit)  # a department's PC: joins, does not register
    assert not unit_page.credential_box.isVisible() and unit_page.link_box.title() == "接入县矫正办"
    assert unit_page.join_status.text().startswith("尚未接入县矫正办")
    assert not unit_page.export_button.isEnabled()
    dialogs.open_paths = [[credential]]
    _click(qtbot, unit_page, unit_page.join_button)
    assert "已接入县矫正办" in dialogs.texts("information")[-1]
    assert unit_page.join_status.text().startswith("✓ 已接入县矫正办")
    assert unit_page.recipient.currentData() == "县矫正办"
    county_code = county_page.overview.code
    assert county_code in unit_page.recipient_code.text()  # the codes both clerks read by phone

    _add_entry(unit, "热线")
    dialogs.save_folder = tmp_path / "U盘"
    dialogs.save_folder.mkdir()
    _click(qtbot, unit_page, unit_page.export_button)
    package = dialogs.save_folder / f"法律援助中心-至-县矫正办-{date.today():%Y%m%d}-第1号.bjpkg"
    assert package.is_file()
    exported = dialogs.texts("information")[-1]
    assert str(package) in exported and "台账 1" in exported
    assert unit_page.tabs.currentIndex() == unit_page.history_index
    assert unit_page.history_table.selected_row().file_name == package.name

    seen = _previews(monkeypatch, answer="cancel")
    dialogs.open_paths = [[package]]
    shown = len(dialogs.shown)
    _click(qtbot, county_page, county_page.import_file_button)
    assert ("台账", 1) in [(r.label, r.created) for r in seen[0][0]] and _entries(county) == 0
    assert len(dialogs.shown) == shown  # 不导入: nothing imported, nothing to report
    assert "未导入（已取消）" in county_page.log.toPlainText()

    _previews(monkeypatch)
    dialogs.open_paths = [[package]]
    _click(qtbot, county_page, county_page.import_file_button)
    assert _entries(county) == 1
    imported = dialogs.texts("information")[-1]
    assert f"法律援助中心 的第 1 号数据包（{package.name}）：新增" in imported
    assert county_page.tabs.currentIndex() == county_page.history_index
    assert county_page.history_table.selected_row().file_name == package.name
    assert county_page.recipient.findData(UNIT) >= 0  # its keys came with the package
    assert unit_page.overview.code in county_page.recipient_code.text()

    dialogs.open_paths = [[package]]
    _click(qtbot, county_page, county_page.import_file_button)
    assert "已经导入过" in dialogs.texts("warning")[-1]
    assert _entries(county) == 1 and county_page.import_file_button.isEnabled()


def test_a_folder_imports_every_package_in_order_and_an_empty_one_says_so(
    qtbot, monkeypatch, dialogs, pair, tmp_path
):
    county, unit = _joined(pair, tmp_path)
    usb = tmp_path / "U盘"
    usb.mkdir()
    for title in ("热线一", "热线二"):
        _add_entry(unit, title)
        assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(usb)]) == 0
    page = _page(qtbot, county)
    seen = _previews(monkeypatch)
    dialogs.folders = [tmp_path, usb]
    _click(qtbot, page, page.import_folder_button)
    assert "中没有数据包" in dialogs.texts("information")[-1] and not seen
    _click(qtbot, page, page.import_folder_button)
    assert len(seen) == 2 and _entries(county) == 2
    told = dialogs.texts("information")[-1]
    assert told.index("第 1 号数据包") < told.index("第 2 号数据包")
    rows = [(e.direction, e.sequence) for e in page.history_model.rows()]
    # the first package also registered the unit's keys
    assert rows == [(Direction.RECEIVED, 2), (Direction.RECEIVED, 1), (Direction.KEYS, 0)]


def test_a_folder_with_unusable_packages_is_told_once_at_the_end(
    qtbot, monkeypatch, dialogs, pair, tmp_path
):
    county, unit = _joined(pair, tmp_path)
    usb = tmp_path / "U盘"
    usb.mkdir()
    _add_entry(unit, "热线一")
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(usb)]) == 0
    (usb / "0-损坏.bjpkg").write_bytes(b"not a package")
    page = _page(qtbot, county)
    _previews(monkeypatch)
    dialogs.folders = [usb, usb]
    _click(qtbot, page, page.import_folder_button)
    assert dialogs.texts("warning") == []  # no box per unusable package
    (told,) = dialogs.texts("information")
    assert "第 1 号数据包" in told and "未导入" in told and "0-损坏.bjpkg：" in told
    _click(qtbot, page, page.import_folder_button)  # now both are unusable (one already in)
    (warning,) = dialogs.texts("warning")
    assert warning.startswith("这些数据包都没有导入") and "0-损坏.bjpkg：" in warning
    assert page.tabs.currentIndex() == page.log_index


def test_a_package_whose_preview_fails_is_explained_and_changes_nothing(
    qtbot, monkeypatch, dialogs, pair, tmp_path
):
    county, unit = pair
    county_db, unit_db = open_database(str(county)), open_database(str(unit))
    with county_db.session() as c, unit_db.session() as u:
        uuid = {n: c.scalar(select(Unit.uuid).where(Unit.name == n)) for n in ("县矫正办", UNIT)}
        identity.register_peer(c, uuid[UNIT], identity.key_pairs(u).public())
        identity.register_peer(u, uuid["县矫正办"], identity.key_pairs(c).public())
    with county_db.session() as s:  # the county's own first version of 基层科's agreement
        agreements.create_draft(s, current_programme(s).id, unit_ids(s)["基层科"])
    with unit_db.session() as s:  # 法律援助中心's PC issued one too (a department may not)
        units = unit_ids(s)
        forged = Agreement(programme_id=current_programme(s).id, department_id=units["基层科"],
                           party_a_id=units["社区矫正科"], version=1, status=AgreementStatus.ISSUED,
                           content={}, owner_unit_id=units[UNIT])  # fmt: skip
        s.add(forged)
        s.flush()
        forged_uuid = forged.uuid
    county_db.close()
    unit_db.close()
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(tmp_path)]) == 0
    (package,) = tmp_path.glob("*.bjpkg")

    page = _page(qtbot, county)
    before = dump(county)
    seen = _previews(monkeypatch)
    dialogs.open_paths = [[package]]
    _click(qtbot, page, page.import_file_button)
    assert not seen  # no preview: the refusal instead
    assert dialogs.texts("warning") == [
        f"“法律援助中心”的数据包未导入：局科室不能新增责任状（记录 {forged_uuid}），"
        "责任状由社区矫正科（县矫正办）起草、印发和签署。数据库保持原样，没有任何改动。"
    ]
    assert not dialogs.texts("information")
    assert dump(county) == before
    assert page.import_file_button.isEnabled() and page.import_folder_button.isEnabled()
    assert f"✗ {package.name}" in page.log.toPlainText()
    # the refusal is kept in the 收发记录, with the reason shown to the clerk
    assert [(name, file) for name, file, _ in refusals(county)] == [(UNIT, package.name)]
    page.tabs.setCurrentIndex(page.history_index)
    model = page.history_model
    row = next(r for r in range(model.rowCount()) if model.index(r, 1).data() == "拒收")
    assert model.index(row, 2).data() == UNIT
    text = model.index(row, 6).data()
    assert text.startswith("校验时拒收：") and "局科室不能新增责任状" in text


def test_a_package_gone_after_its_preview_is_explained_and_changes_nothing(
    qtbot, monkeypatch, dialogs, pair, tmp_path
):
    county, unit = _joined(pair, tmp_path)
    _add_entry(unit, "热线")
    package = tmp_path / "1.bjpkg"
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(package)]) == 0
    page = _page(qtbot, county)
    before = dump(county)
    seen = _previews(monkeypatch, before=lambda _dialog: package.unlink())  # USB stick pulled
    dialogs.open_paths = [[package]]
    _click(qtbot, page, page.import_file_button)
    assert len(seen) == 1
    assert dialogs.texts("warning") == [f"找不到数据包文件“{package}”。"]
    assert dump(county) == before


def test_a_wrong_or_other_units_credential_is_explained_and_joins_nothing(
    qtbot, dialogs, pair, tmp_path
):
    county, unit = pair
    db = open_database(str(county))
    with db.session() as s:
        write_credential(s, "基层科", tmp_path / "基层科.cred", TEMPLATE_KEY)
    db.close()
    garbage = tmp_path / "照片.cred"
    garbage.write_bytes(b"\xff\xd8\xff\xe0 not a credential")
    page = _page(qtbot, unit)
    before = dump(unit)
    dialogs.open_paths = [[garbage], [tmp_path / "基层科.cred"]]
    _click(qtbot, page, page.join_button)
    _click(qtbot, page, page.join_button)
    assert dialogs.texts("warning") == [
        "“照片.cred”不是有效的接入凭证文件（内容无法识别，可能已损坏或不是凭证）。"
        "请确认选择的是发放单位给的 .cred 文件。",
        "这个接入凭证是发给“基层科”的，不是本机单位“法律援助中心”的。请选择发给本单位的接入凭证。",
    ]
    assert dump(unit) == before
    assert page.join_status.text().startswith("尚未接入")


def _edit_entry(path: Path, **changes) -> None:
    db = open_database(str(path))
    with db.session() as s:
        entry = s.scalar(select(LedgerEntry))
        for name, value in changes.items():
            setattr(entry, name, value)
    db.close()


def test_an_import_with_a_conflict_brings_the_conflicts_forward_and_one_is_merged(
    qtbot, monkeypatch, dialogs, pair, tmp_path
):
    county, unit = _joined(pair, tmp_path)
    _add_entry(unit, "热线")
    first, second = tmp_path / "1.bjpkg", tmp_path / "2.bjpkg"
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(first)]) == 0
    page = _page(qtbot, county)
    _previews(monkeypatch)
    dialogs.open_paths = [[first]]
    _click(qtbot, page, page.import_file_button)
    assert not page.conflict_bar.isVisible()

    _edit_entry(county, title="热线（县里更正）")
    _edit_entry(unit, title="热线（中心补充）", body="接听来电三次，均已答复。")
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(second)]) == 0
    seen = _previews(monkeypatch)
    dialogs.open_paths = [[second]]
    _click(qtbot, page, page.import_file_button)
    rows, note = seen[0]
    assert [(r.label, r.conflicts) for r in rows] == [("台账", 1)]
    assert "本机和对方都改过" in note and "热线（中心补充）" in note
    assert page.tabs.currentIndex() == page.conflicts_index
    assert page.tabs.tabText(page.conflicts_index) == "待处理冲突（1）"
    assert "冲突 1 条" in dialogs.texts("information")[-1]
    assert "已转到“待处理冲突”" in dialogs.texts("information")[-1]
    assert page.conflict_bar.isVisible() and "有 1 条记录" in page.conflict_text.text()
    (conflict,) = page.conflict_model.rows()
    assert {d.label for d in conflict.differences} == {"标题", "正文"}

    def merge_body(dialog: ConflictDialog) -> int:
        assert_fits_screen(dialog)
        row = [d.column for d in dialog.model.differences].index("body")
        assert not dialog.merge_button.isEnabled()
        dialog.model.setData(
            dialog.model.index(row, 3), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole
        )
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(ConflictDialog, "exec", merge_body)
    _click(qtbot, page, page.resolve_button)
    assert page.conflict_model.rows() == [] and not page.conflict_bar.isVisible()
    assert page.tabs.tabText(page.conflicts_index) == "待处理冲突（0）"
    db = open_database(str(county))
    with db.session() as s:
        entry = s.scalar(select(LedgerEntry))
        assert (entry.title, entry.body) == ("热线（县里更正）", "接听来电三次，均已答复。")
    db.close()
    history = [(e.direction.value, e.peer_unit_name, e.sequence) for e in page.history_model.rows()]
    assert history == [("received", UNIT, 2), ("received", UNIT, 1), ("keys", UNIT, 0)]


def test_the_identification_code_is_explained(qtbot, pair):
    page = _page(qtbot, pair[1])
    text = page.identity_label.text()
    assert "密钥指纹" not in text
    assert (
        f"本机识别码：{page.overview.code}（打电话时可与对方核对，确认数据包确实出自本机）" in text
    )


# ---------------------------------------------------------------- progress and cancelling


class Stop(Exception):
    """Stands for the progress dialog's Cancelled."""


def _stopping_at(stop: int, seen: list[int]):
    def progress(step: int) -> None:
        seen.append(step)
        if step == stop:
            raise Stop

    return progress


def test_a_cancelled_export_leaves_no_file_and_uses_no_number(pair, tmp_path):
    _county, unit = _joined(pair, tmp_path)
    _add_entry(unit, "热线")
    database = open_database(str(unit))
    before = dump(unit)
    seen: list[int] = []
    with pytest.raises(Stop):
        export_package(database, "县矫正办", tmp_path / "1.bjpkg", progress=_stopping_at(5, seen))
    assert seen == [1, 2, 3, 4, 5] and not list(tmp_path.glob("*.bjpkg"))
    assert dump(unit) == before
    steps_seen: list[int] = []
    out, _counts = export_package(database, "县矫正办", tmp_path, progress=steps_seen.append)
    database.close()
    assert steps_seen == list(range(1, steps() + 1))
    assert out.name.endswith("-第1号.bjpkg")  # the cancelled export took no number


def test_a_cancelled_import_changes_nothing(pair, tmp_path):
    county, unit = _joined(pair, tmp_path)
    _add_entry(unit, "热线")
    package = tmp_path / "1.bjpkg"
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(package)]) == 0
    database = open_database(str(county))
    before = dump(county)
    for dry_run in (True, False):
        with pytest.raises(Stop):
            import_package(database, package, dry_run, _stopping_at(steps(), []))
        assert dump(county) == before
    import_package(database, package)
    database.close()
    assert _entries(county) == 1


def test_cancel_in_the_progress_dialog_stops_the_imports_and_changes_nothing(
    qtbot, monkeypatch, dialogs, pair, tmp_path
):
    from app.ui.background import BackgroundTask

    county, unit = _joined(pair, tmp_path)
    usb = tmp_path / "U盘"
    usb.mkdir()
    for title in ("热线一", "热线二"):
        _add_entry(unit, title)
        assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(usb)]) == 0
    page = _page(qtbot, county)
    before = dump(county)
    start = BackgroundTask.start

    def cancel_the_import(task: BackgroundTask) -> None:
        if task.dialog.labelText().startswith("正在导入"):  # the clerk presses 取消 at once
            task.dialog.show()
            qtbot.mouseClick(task.dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
        start(task)

    monkeypatch.setattr(BackgroundTask, "start", cancel_the_import)
    seen = _previews(monkeypatch)
    dialogs.folders = [usb]
    _click(qtbot, page, page.import_folder_button)
    assert len(seen) == 1  # the second package is not looked at after a cancel
    assert dialogs.shown == [] and dump(county) == before
    assert page.import_folder_button.isEnabled()


def test_a_package_with_nothing_new_says_so_instead_of_an_empty_table(qtbot, gui_app):
    from app.sync.exchange import ImportSummary

    empty = ImportPreviewDialog(
        "法律援助中心-至-县矫正办-第1号.bjpkg", ImportSummary("法律援助中心", 1)
    )
    qtbot.addWidget(empty)
    assert not empty.empty_note.isHidden() and empty.table.isHidden()
    assert "没有新的或改动的记录" in empty.empty_note.text()
    some = ImportPreviewDialog(
        "x.bjpkg", ImportSummary("法律援助中心", 2, created={"ledger_entries": 3})
    )
    qtbot.addWidget(some)
    assert some.empty_note.isHidden() and not some.table.isHidden()
