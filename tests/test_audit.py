"""The audit log: lines for every change and lifecycle verb, with the actor and no personal
values; the hash chain finds an edited, a removed middle and a removed last line; the
审计日志 dialog's filters, check and export; the command line."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from sqlalchemy import select, text

from app.models import AuditEntry, ReviewDecision
from app.services import agreements, audit, ledger, summaries
from app.services.agreements import create_draft
from app.services.backup.archive import write_backup
from app.services.backup.container import MasterKey, Secret
from app.services.backup.restore import restore_backup
from app.services.backup.schedule import record as record_backup
from app.services.errors import ValidationError
from app.services.ledger import EntryInput
from app.services.settings import current_programme
from app.services.setup import initialise
from app.services.subjects import SubjectInput
from app.sync import identity
from app.sync.exchange import export_package, import_package
from tests.conftest import TEMPLATE_KEY, open_unlocked
from tests.helpers import (
    assert_fits_screen,
    kind_ids,
    make_pdf,
    open_page,
    plain_connection,
    unit_ids,
    valid_id_number,
)

NAME = "欧阳玥"
LEGAL_AID = {
    "applicant": "周镕",
    "relation": "本人",
    "case_type": "民事",
    "approved_on": "2018-08-01",
    "result": "办理中",
}


@dataclass(frozen=True)
class Actor:
    """What ACCOUNTS puts in ``session.info["actor"]`` (duck-typed here)."""

    user_id: int
    user_name: str
    display_name: str
    role: str = "填报员"


CLERK = Actor(7, "wangfang", "王芳")


def _lines(database) -> list[AuditEntry]:
    with database.session() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _entry(session, title: str = "法律援助") -> EntryInput:
    units, kinds = unit_ids(session), kind_ids(session)
    return EntryInput(
        kind_id=kinds["legal_aid"], unit_id=units["法律援助中心"], entry_date=date(2018, 8, 3),
        title=title, values=LEGAL_AID,
        subject=SubjectInput(name=NAME, category="缓刑", id_number=valid_id_number(),
                             office_id=units["瓯南司法所"]),
    )  # fmt: skip


def _raw(source) -> str:
    """Every column of every audit line as text (what a thief of the database would read)."""
    with plain_connection(source) as connection:
        rows = connection.execute(text("SELECT * FROM audit_entries ORDER BY seq")).fetchall()
    return "\n".join("|".join(str(v) for v in row) for row in rows)


def test_create_change_delete_are_recorded_with_the_actor_and_no_personal_values(database):
    start = len(_lines(database))
    with database.session() as s:
        s.info["actor"] = CLERK
        entry_id = ledger.save_entry(s, database.attachments, None, _entry(s))
    with database.session() as s:
        s.info["actor"] = CLERK
        ledger.save_entry(s, database.attachments, entry_id, _entry(s, "法律援助（改）"))
    with database.session() as s:
        s.info["actor"] = CLERK
        ledger.delete_entry(s, entry_id)
    lines = _lines(database)[start:]
    entry_lines = [line for line in lines if line.table_name == "ledger_entries"]
    assert [line.kind for line in entry_lines] == ["create", "change", "delete"]
    assert {line.record_id for line in entry_lines} == {str(entry_id)}
    assert (
        entry_lines[1].description.startswith("修改台账") and "标题" in entry_lines[1].description
    )
    assert any(line.table_name == "correction_subjects" and line.kind == "create" for line in lines)
    assert {(line.user_id, line.user_name, line.display_name) for line in lines} == {
        ("7", "wangfang", "王芳")
    }
    raw = _raw(database)
    for personal in (NAME, valid_id_number(), "周镕", valid_id_number()[-4:] + "|"):
        assert personal not in raw
    # without an actor, the program itself
    with database.session() as s:
        ledger.restore_entry(s, entry_id)
    last = _lines(database)[-1]
    assert (last.display_name, last.user_name, last.description) == ("程序", "", "恢复台账")


def test_a_failed_action_leaves_no_line(database):
    before = [(line.seq, line.hash) for line in _lines(database)]
    with pytest.raises(ValidationError), database.session() as s:
        ledger.save_entry(s, database.attachments, None, _entry(s))
        s.flush()
        assert (
            s.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
            > before[-1][0]
        )
        raise ValidationError("中途失败")
    assert [(line.seq, line.hash) for line in _lines(database)] == before
    with database.session() as s:
        assert audit.verify_chain(s).ok


def test_showing_a_full_identity_number_is_recorded(database):
    with database.session() as s:
        entry_id = ledger.save_entry(s, database.attachments, None, _entry(s))
    with database.session() as s:
        s.info["actor"] = CLERK
        detail = ledger.get_entry(s, entry_id)
    assert detail.subject is not None and detail.subject.id_number == valid_id_number()
    last = _lines(database)[-1]
    assert (last.kind, last.table_name, last.user_name) == (
        "show_id_number", "correction_subjects", "wangfang",
    )  # fmt: skip
    assert valid_id_number() not in last.description and NAME not in last.description


def test_agreement_and_summary_lifecycle_verbs_are_recorded(database, tmp_path):
    store = database.attachments
    with database.session() as s:
        programme_id, units = current_programme(s).id, unit_ids(s)
        agreement_id = create_draft(s, programme_id, units["法律援助中心"])
    with database.session() as s:
        s.info["actor"] = Actor(1, "boss", "李科长", "负责人")
        agreements.issue(s, store, agreement_id, date(2018, 6, 28))
        agreements.sign(s, store, agreement_id, signed_on=date(2018, 7, 2), party_a_signatory="张主任",
                        party_b_signatory="李主任", scans=[make_pdf(tmp_path / "scan.pdf")])  # fmt: skip
        agreements.void(s, agreement_id, "重新签订")
    verbs = [(line.kind, line.description) for line in _lines(database) if line.kind in
             ("issue", "sign", "void")]  # fmt: skip
    assert verbs == [("issue", "印发责任状第1版"), ("sign", "登记责任状第1版签署"),
                     ("void", "作废责任状第1版")]  # fmt: skip
    assert all(
        line.display_name == "李科长" and line.record_id == str(agreement_id)
        for line in _lines(database) if line.kind in ("issue", "sign", "void")
    )  # fmt: skip
    with database.session() as s:
        summary = summaries.start_summary(s, programme_id, units["法律援助中心"], None)
        sections = {
            name: summary.sections.get(name) or "内容" for name in summaries.REQUIRED_SECTIONS
        }
        summaries.save_summary(s, summary.id, {**summary.sections, **sections}, [])
        summaries.submit_summary(s, summary.id, date(2018, 10, 14))
        summaries.review_summary(s, summary.id, ReviewDecision.RETURNED, "请补充。",
                                 date(2018, 10, 17), units["县矫正办"])  # fmt: skip
    kinds = [line.kind for line in _lines(database)]
    assert kinds[-2:] == ["submit", "return"] or kinds.index("submit") < kinds.index("return")


def test_backup_restore_export_import_are_recorded(tmp_path):
    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    unit = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, "法律援助中心").database
    try:
        with county.session() as c, unit.session() as u:
            identity.register_peer(c, _unit_uuid(c, "法律援助中心"), identity.key_pairs(u).public())
            identity.register_peer(u, _unit_uuid(u, "县矫正办"), identity.key_pairs(c).public())
        with unit.session() as s:
            ledger.save_entry(s, unit.attachments, None, _entry(s))
        package, counts = export_package(unit, "县矫正办", tmp_path / "p1.bjpkg")
        export_line = _lines(unit)[-1]
        assert export_line.kind == "export" and "县矫正办" in export_line.description
        assert f"{sum(counts.values())} 条记录" in export_line.description
        before = len(_lines(county))
        import_package(county, package)
        added = _lines(county)[before:]
        # one line for the whole package (not one per row), with its counts
        assert [line.kind for line in added] == ["import"]
        assert "法律援助中心" in added[0].description and "新增 " in added[0].description
        assert NAME not in _raw(county)
        # a backup, then a restore: both recorded (the restore in the restored database)
        master = MasterKey.from_password("纸上的密码-2018")
        result = write_backup(county.file, county.attachments, tmp_path / "b.bjbak", master)
        with county.session() as s:
            record_backup(s, datetime.now(), True, "备份完成", result.path)
        assert _lines(county)[-1].kind == "backup"
        county.close()
        restore_backup(tmp_path / "b.bjbak", county.file, Secret("纸上的密码-2018"), master)
        lines = _lines(county)
        assert lines[-1].kind == "restore"
        with county.session() as s:
            assert audit.verify_chain(s).ok
    finally:
        county.close()
        unit.close()


def _unit_uuid(session, name: str) -> str:
    from app.models import Unit

    return session.scalar(select(Unit.uuid).where(Unit.name == name))


def _verify(path) -> audit.ChainCheck:

    database = open_unlocked(str(path))
    try:
        with database.session() as s:
            return audit.verify_chain(s)
    finally:
        database.close()


def _sql(source, statement: str) -> None:
    """Run ``statement`` on the database outside the app (a hand edit), either database."""
    with plain_connection(source) as connection:
        connection.execute(text(statement))
        connection.commit()


@pytest.mark.sqlite_only(reason="edits copies of the SQLite file")
def test_the_chain_finds_an_edited_a_removed_middle_and_a_removed_last_line(db_path):
    check = _verify(db_path)
    assert check.ok and check.count > 10 and check.broken_at is None
    count = check.count
    edited = db_path.with_name("edited.db")
    middle = db_path.with_name("middle.db")
    last = db_path.with_name("last.db")
    for copy in (edited, middle, last):
        copy.write_bytes(db_path.read_bytes())
    _sql(edited, "UPDATE audit_entries SET user_name = 'nobody' WHERE seq = 5")
    _sql(middle, "DELETE FROM audit_entries WHERE seq = 7")
    _sql(last, f"DELETE FROM audit_entries WHERE seq = {count}")
    assert (_verify(edited).ok, _verify(edited).broken_at) == (False, 5)
    assert "被改动" in _verify(edited).message
    assert (_verify(middle).ok, _verify(middle).broken_at) == (False, 7)
    assert "第 7 条记录缺失" in _verify(middle).message
    assert (_verify(last).ok, _verify(last).broken_at) == (False, count)
    assert "最后 1 条记录缺失" in _verify(last).message
    # the whole log emptied, its head setting too: the migration's first line is missing
    emptied = db_path.with_name("emptied.db")
    emptied.write_bytes(db_path.read_bytes())
    _sql(emptied, "DELETE FROM audit_entries")
    _sql(emptied, "DELETE FROM local_settings WHERE key = 'audit.head'")
    assert (_verify(emptied).ok, _verify(emptied).message) == (
        False,
        "审计日志的全部记录都缺失（被删除）。",
    )
    # an edit that recomputes the line's own hash still breaks the next line's link
    with closing(sqlite3.connect(edited)) as connection:
        connection.row_factory = sqlite3.Row
        row = dict(connection.execute("SELECT * FROM audit_entries WHERE seq = 5").fetchone())
        connection.execute(
            "UPDATE audit_entries SET hash = ? WHERE seq = 5", (audit.line_hash(row),)
        )
        connection.commit()
    assert _verify(edited).broken_at == 6


def test_the_cli_exports_the_log_and_verifies_it(db_path, tmp_path, capsys):
    from app.cli import main

    out = tmp_path / "审计.xlsx"
    assert main(["--db", str(db_path), "audit", "--out", str(out), "--from", "2018-01-01",
                 "--to", (date.today() + timedelta(days=1)).isoformat()]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    sheet = load_workbook(out)["审计日志"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "时间", "用户名", "姓名", "操作")
    assert len(rows) > 10 and any(r[3] == "程序" and r[4] == "新建" for r in rows[1:])
    assert f"已导出审计日志 {len(rows) - 1} 条" in printed
    if os.name == "posix":  # who did what: owner-only, like the ledger's export
        assert out.stat().st_mode & 0o777 == 0o600
    notes = dict(load_workbook(out)["导出说明"].iter_rows(values_only=True))
    assert notes["完整性核对"].startswith("审计日志完整")
    # nothing in an empty range; the export itself is recorded
    empty = tmp_path / "空.xlsx"
    assert main(["--db", str(db_path), "audit", "--out", str(empty), "--from", "2000-01-01",
                 "--to", "2000-12-31"]) == 0  # fmt: skip
    assert len(list(load_workbook(empty)["审计日志"].iter_rows())) == 1
    assert main(["--db", str(db_path), "audit", "--verify"]) == 0
    assert "审计日志完整" in capsys.readouterr().out
    _sql(db_path, "DELETE FROM audit_entries WHERE seq = 3")
    assert main(["--db", str(db_path), "audit", "--verify"]) == 1
    assert "第 3 条记录缺失" in capsys.readouterr().out
    assert main(["--db", str(db_path), "audit", "--from", "2018-13-01", "--verify"]) == 2
    assert "无效" in capsys.readouterr().err
    assert main(["--db", str(db_path), "audit"]) == 2


def test_the_audit_log_dialog_filters_checks_and_exports(
    qtbot, monkeypatch, dialogs, db_path, tmp_path
):
    from app.ui.dialogs.audit_dialog import AuditLogDialog

    database = open_unlocked(str(db_path))
    with database.session() as s:
        s.info["actor"] = CLERK
        ledger.save_entry(s, database.attachments, None, _entry(s))
    database.close()
    shown: list[AuditLogDialog] = []

    def exec_dialog(dialog):
        shown.append(dialog)
        return 0

    monkeypatch.setattr(AuditLogDialog, "exec", exec_dialog)
    page = open_page(qtbot, db_path, "settings")
    qtbot.mouseClick(page.audit_button, Qt.MouseButton.LeftButton)
    dialog = shown[0]
    qtbot.addWidget(dialog)
    dialog.show()
    assert_fits_screen(dialog)
    total = dialog.model.rowCount()
    assert total > 10 and "共" in dialog.count_label.text()
    # by user
    dialog.user_combo.setCurrentIndex(dialog.user_combo.findData("wangfang"))
    qtbot.mouseClick(dialog.filter_button, Qt.MouseButton.LeftButton)
    rows = dialog.model.rows()
    assert rows and {r.user_name for r in rows} == {"wangfang"}
    assert dialog.user_combo.currentText() == "王芳（wangfang）"
    # by kind
    dialog.user_combo.setCurrentIndex(0)
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("create"))
    qtbot.mouseClick(dialog.filter_button, Qt.MouseButton.LeftButton)
    assert {r.kind for r in dialog.model.rows()} == {"create"}
    # by date: nothing before today; yesterday..today shows them again
    dialog.kind_combo.setCurrentIndex(0)
    dialog.date_to.setValue(date.today() - timedelta(days=2))
    qtbot.mouseClick(dialog.filter_button, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() == 0
    dialog.date_from.setValue(date.today() - timedelta(days=1))
    dialog.date_to.setValue(date.today())
    qtbot.mouseClick(dialog.filter_button, Qt.MouseButton.LeftButton)
    assert dialog.model.rowCount() == total
    # 核对完整性
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    assert dialog.check_label.text().startswith("审计日志完整")
    # 导出 Excel…: the lines the filters select
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData("create"))
    dialogs.save_folder = tmp_path
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    written = next(tmp_path.glob("审计日志-*.xlsx"))
    rows = list(load_workbook(written)["审计日志"].iter_rows(values_only=True))[1:]
    assert rows and {r[4] for r in rows} == {"新建"}
    # a broken chain is shown
    _sql(db_path, "UPDATE audit_entries SET description = '篡改' WHERE seq = 2")
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    assert dialog.check_label.text() == "第 2 条记录的内容被改动。"


def test_a_ledger_export_is_recorded(database, tmp_path):
    from app.reports.ledger_xlsx import export_ledger_xlsx
    from app.services.ledger import LedgerFilter

    with database.session() as s:
        ledger.save_entry(s, database.attachments, None, _entry(s))
    with database.session() as s:
        s.info["actor"] = CLERK
        rows = export_ledger_xlsx(s, LedgerFilter(), tmp_path / "台账.xlsx")
    last = _lines(database)[-1]
    assert (last.kind, last.user_name) == ("export", "wangfang")
    assert (
        last.description
        == f"导出工作台账 Excel（{rows} 条，社区矫正对象姓名、身份证号码及表单中的个人信息（如申请人）已脱敏）"
    )
    assert rows == 1
    with database.session() as s:
        s.info["actor"] = CLERK
        export_ledger_xlsx(s, LedgerFilter(), tmp_path / "全名.xlsx", full_names=True)
    assert "含社区矫正对象完整姓名" in _lines(database)[-1].description


def test_the_log_stays_on_this_pc():
    from app.sync import rights
    from app.sync.records import travelling_tables

    names = [table.name for table in travelling_tables()]
    assert "audit_entries" not in names and "local_settings" not in names
    assert rights.undeclared(travelling_tables()) == []  # nothing to declare: it never travels


def test_settings_of_this_pc_are_audited_never_the_backup_password(database, tmp_path):
    from app.services.accounts import set_idle_minutes
    from app.services.backup.schedule import set_folder, set_password

    with database.session() as s:
        set_idle_minutes(s, 30)
        set_folder(s, tmp_path)
        set_password(s, "backup-secret-1")
    with database.session() as s:
        lines = audit.list_lines(s, audit.AuditFilter())[:3]
    texts = [line.description for line in lines]
    assert any("修改自动锁定：15 分钟 → 30 分钟" in t for t in texts), texts
    assert any(t.startswith("修改备份文件夹") for t in texts) and "设置备份密码" in texts
    assert not any("backup-secret-1" in t for t in texts)
