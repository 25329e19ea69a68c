"""Backup and restore on real files: round trip, damaged, cut-off, wrong-password and newer
backups refused with nothing changed, an older backup upgraded, kill -9 during a backup,
rotation, 首页's warning and the commands."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.services.attachments import store_for
from app.services.backup.archive import Manifest, read_backup, read_manifest, write_backup
from app.services.backup.container import BackupError, MasterKey, Secret, WrongPassword
from app.services.backup.restore import restore_backup
from app.services.backup.schedule import (
    backup_name,
    backup_to_folder,
    rotate,
    set_folder,
    set_password,
    stamp_of,
    status,
    to_keep,
    warning,
)
from app.services.errors import UserError
from app.sync import identity
from tests.conftest import open_unlocked
from tests.helpers import downgrade_to, dump
from tests.seed import seed_everything

pytestmark = pytest.mark.sqlite_only(
    reason="backup and restore of the SQLite file and its photo folder (a server is backed up with its own tools)"
)

PASSWORD = "纸上的密码-2018"
ROOT = Path(__file__).resolve().parent.parent
IDENTITY = ("exchange.instance_uuid", "exchange.instance_home", "exchange.instance_note")


@pytest.fixture(scope="module")
def master() -> MasterKey:
    return MasterKey.from_password(PASSWORD)


def _rows(path: Path) -> list[str]:
    """The database's rows, less the exchange identity a restore renews on purpose and the
    audit log's line for the restore (with the log's head)."""
    return [line for line in dump(path) if not any(f"'{key}'" in line for key in IDENTITY)
            and not (line.startswith('INSERT INTO "audit_entries"') and "'restore'" in line)
            and "'audit.head'" not in line]  # fmt: skip


def _photos(path: Path) -> dict[str, bytes]:
    folder = store_for(path).root / "originals"
    return {p.name: p.read_bytes() for p in folder.glob("*/*")}


def _setting(path: Path, key: str) -> str | None:
    with closing(sqlite3.connect(path)) as connection:
        row = connection.execute(
            "SELECT value FROM local_settings WHERE key = ?", (key,)
        ).fetchone()
    return row[0] if row else None


@pytest.fixture
def seeded(db_path: Path, tmp_path: Path) -> Path:
    """The county's database with entries, photos, keys, a partner and an exchange state file."""
    seed_everything(db_path, tmp_path)  # a partner PC joined by packages, too
    assert identity.ledger_file(db_path).is_file()
    return db_path


def test_round_trip_restores_rows_photos_keys_and_renews_the_identity(seeded, tmp_path, master):
    rows, photos = _rows(seeded), _photos(seeded)
    keys = _setting(seeded, identity.KEYS)
    assert photos and keys
    result = write_backup(seeded, store_for(seeded), tmp_path / "b.bjbak", master)
    manifest = result.manifest
    assert manifest.unit_name == "县矫正办" and manifest.keys >= 1 and manifest.peers >= 1
    assert manifest.exchange_state and manifest.tables["ledger_entries"] >= 3
    assert manifest.attachments == {n: hashlib.sha256(b).hexdigest() for n, b in photos.items()}
    assert b"ledger_entries" not in (tmp_path / "b.bjbak").read_bytes()  # sealed, not readable
    old_instance = _setting(seeded, identity.INSTANCE)

    # a new PC: nothing there yet
    target = tmp_path / "newpc" / "bangjiao.db"
    target.parent.mkdir()
    restored = restore_backup(tmp_path / "b.bjbak", target, Secret(PASSWORD), master)
    assert restored.safety_copy is None and not restored.upgraded
    assert _rows(target) == rows
    assert _photos(target) == photos
    assert _setting(target, identity.KEYS) == keys
    assert _setting(target, identity.INSTANCE) not in (None, old_instance)
    assert "从备份恢复" in _setting(target, identity.MOVED)
    assert identity.ledger_file(target).is_file()
    database = open_unlocked(str(target))  # opens as any database does
    database.close()


def test_restore_over_changed_data_keeps_the_current_state_first(seeded, tmp_path, master):
    from tests.seed import _own_entry

    rows = _rows(seeded)
    write_backup(seeded, store_for(seeded), tmp_path / "b.bjbak", master)
    database = open_unlocked(str(seeded))
    with database.session() as s:
        set_password(s, PASSWORD)
        set_folder(s, tmp_path)
    _own_entry(database, datetime(2018, 9, 1).date(), "备份之后登记的台账")
    database.close()
    changed = _rows(seeded)
    restored = restore_backup(tmp_path / "b.bjbak", seeded, Secret(PASSWORD), master)
    kept = [line for line in _rows(seeded) if "'backup." not in line]
    assert kept == rows  # the backup's rows; this PC's backup settings stay its own
    assert _setting(seeded, "backup.folder") == str(tmp_path)
    assert restored.safety_copy is not None and restored.safety_copy.parent.name == "恢复前备份"
    again = tmp_path / "again.db"
    restore_backup(restored.safety_copy, again, Secret(PASSWORD), master)
    assert [line for line in _rows(again) if "备份之后" in line] == [
        line for line in changed if "备份之后" in line
    ]


@pytest.mark.parametrize("damage", ["flip", "truncate", "tail"])
def test_a_damaged_backup_is_refused_and_nothing_changes(seeded, tmp_path, master, damage):
    backup = tmp_path / "b.bjbak"
    write_backup(seeded, store_for(seeded), backup, master)
    data = bytearray(backup.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x40
    elif damage == "truncate":
        data = data[: len(data) - 100]
    else:
        data = data[: len(data) // 3]
    backup.write_bytes(bytes(data))
    before, photos = dump(seeded), _photos(seeded)
    with pytest.raises(BackupError) as refused:
        restore_backup(backup, seeded, Secret(PASSWORD), master)
    assert "损坏" in str(refused.value) or "不完整" in str(refused.value)
    assert dump(seeded) == before and _photos(seeded) == photos
    assert not (seeded.parent / "恢复前备份").exists()


def test_a_wrong_password_is_refused_and_nothing_changes(seeded, tmp_path, master):
    backup = tmp_path / "b.bjbak"
    write_backup(seeded, store_for(seeded), backup, master)
    before = dump(seeded)
    with pytest.raises(WrongPassword, match="备份密码不对"):
        restore_backup(backup, seeded, Secret("别的密码-12345"), master)
    with pytest.raises(WrongPassword):
        read_manifest(backup, Secret("别的密码-12345"))
    assert dump(seeded) == before
    assert read_manifest(backup, Secret(stored=master)).unit_name == "县矫正办"


def test_not_a_backup_is_refused(db_path, tmp_path):
    other = tmp_path / "photo.bjbak"
    other.write_bytes(b"\xff\xd8\xff\xe0 not a backup")
    before = dump(db_path)
    with pytest.raises(BackupError, match="不是大帮教工作台的备份文件"):
        restore_backup(other, db_path, Secret(PASSWORD), MasterKey.from_password(PASSWORD))
    assert dump(db_path) == before


def test_a_newer_programs_backup_is_refused(db_path, tmp_path, master):
    newer = tmp_path / "newer.db"
    shutil.copy(db_path, newer)
    with closing(sqlite3.connect(newer)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
        connection.commit()
    write_backup(newer, store_for(newer), tmp_path / "newer.bjbak", master)
    before = dump(db_path)
    with pytest.raises(BackupError, match="较新版本"):
        restore_backup(tmp_path / "newer.bjbak", db_path, Secret(PASSWORD), master)
    assert dump(db_path) == before


def test_an_older_backup_is_restored_and_upgraded(db_path, tmp_path, master):
    from app.models import SCHEMA_HEAD

    older = tmp_path / "older.db"
    shutil.copy(db_path, older)
    downgrade_to(older, "0014")
    write_backup(older, store_for(older), tmp_path / "older.bjbak", master)
    assert read_manifest(tmp_path / "older.bjbak", Secret(PASSWORD)).schema_revision == "0014"
    restored = restore_backup(tmp_path / "older.bjbak", db_path, Secret(PASSWORD), master)
    assert restored.upgraded
    with closing(sqlite3.connect(db_path)) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            SCHEMA_HEAD
        )


def _big_store(db_path: Path, count: int, size: int) -> None:
    """``count`` files of ``size`` random bytes in the photo store, named by their hash (the
    backup carries the store's originals, whatever they are)."""
    root = store_for(db_path).root / "originals"
    for _ in range(count):
        data = os.urandom(size)
        name = hashlib.sha256(data).hexdigest()
        (root / name[:2]).mkdir(parents=True, exist_ok=True)
        (root / name[:2] / name).write_bytes(data)


def test_kill_during_a_backup_leaves_the_database_and_the_earlier_backup(db_path, tmp_path, master):
    _big_store(db_path, 200, 1 << 20)
    database = open_unlocked(str(db_path))
    with database.session() as s:
        set_password(s, PASSWORD)
    database.close()
    out = tmp_path / "backup.bjbak"
    env = dict(os.environ, BANGJIAO_BACKUP_PASSWORD=PASSWORD)
    command = [sys.executable, str(ROOT / "main.py"), "--db", str(db_path), "backup", "--out"]
    subprocess.run([*command, str(out)], env=env, check=True, capture_output=True, cwd=ROOT)
    earlier = out.read_bytes()
    before = dump(db_path)
    process = subprocess.Popen([*command, str(out)], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        parts = list(tmp_path.glob(".backup.bjbak.*.part"))
        if parts and parts[0].stat().st_size > 20 << 20:
            break
        time.sleep(0.02)
    else:
        pytest.fail("the backup never got under way")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert out.read_bytes() == earlier
    assert read_backup(out, Secret(PASSWORD)).manifest.tables["units"] > 0
    assert dump(db_path) == before
    with closing(sqlite3.connect(db_path)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_rotation_keeps_7_daily_4_weekly_12_monthly():
    start = datetime(2018, 1, 1, 9, 0)
    stamps = [start + timedelta(days=n) for n in range(400)]
    stamps += [start + timedelta(days=399, hours=3)]  # a second backup on the last day
    stamps += [start + timedelta(days=398, hours=3)]  # and on the day before
    keep = to_keep(stamps)
    last = start + timedelta(days=399, hours=3)
    days = sorted({s.date() for s in keep})
    assert last in keep and start + timedelta(days=399) in keep  # the newest day: all of them
    day_before = start + timedelta(days=398)
    assert day_before + timedelta(hours=3) in keep and day_before not in keep  # its newest only
    recent = [last.date() - timedelta(days=n) for n in range(7)]
    assert set(recent) <= set(days)
    weeks = {s.isocalendar()[:2] for s in keep}
    months = {(s.year, s.month) for s in keep}
    assert len(months) == 12 and len(keep) <= 2 + 7 + 4 + 12
    assert len(weeks) >= 4
    # the newest of each of the 12 last months is kept: month ends, bar the current month
    for year, month in sorted(months)[:-1]:
        newest = max(s for s in stamps if (s.year, s.month) == (year, month))
        assert newest in keep
    assert to_keep([]) == set()


def test_rotation_in_a_folder_deletes_only_this_units_old_backups(tmp_path):
    start = datetime(2018, 1, 1, 9, 0)
    for n in range(30):
        (tmp_path / backup_name("县矫正办", start + timedelta(days=n))).write_bytes(b"x")
    other = tmp_path / backup_name("法律援助中心", start)
    other.write_bytes(b"x")
    (tmp_path / "别的文件.txt").write_text("x")
    removed = rotate(tmp_path, "县矫正办")
    left = sorted(p.name for p in tmp_path.glob("大帮教备份-县矫正办-*"))
    assert len(left) == 30 - len(removed)
    expected = to_keep([start + timedelta(days=n) for n in range(30)])
    assert {stamp_of(name) for name in left} == expected
    assert other.exists() and (tmp_path / "别的文件.txt").exists()


def test_a_missing_folder_is_told_in_chinese(db_path, tmp_path, master):
    with pytest.raises(UserError, match="U 盘没有插好"):
        backup_to_folder(db_path, store_for(db_path), tmp_path / "E盘", master, "县矫正办")
    with pytest.raises(UserError, match="还没有选择备份文件夹"):
        backup_to_folder(db_path, store_for(db_path), None, master, "县矫正办")


def test_backup_to_folder_names_and_rotates(db_path, tmp_path, master):
    result = backup_to_folder(db_path, store_for(db_path), tmp_path, master, "办公室/政治处",
                              now=datetime(2018, 7, 1, 8, 30))  # fmt: skip
    assert result.path.name == "大帮教备份-办公室／政治处-20180701-083000.bjbak"
    assert stamp_of(result.path.name) == datetime(2018, 7, 1, 8, 30)


def test_the_home_warning_waits_a_week_then_nags(database, tmp_path):
    from tests.seed import _own_entry

    now = datetime.now()
    with database.session() as s:
        assert warning(s, now) is None  # a fresh install: nothing to lose yet
    _own_entry(database, datetime(2018, 9, 1).date(), "一条台账")
    with database.session() as s:
        assert warning(s, now) is None  # entered today
        assert "从未备份" in warning(s, now + timedelta(days=8))
        from app.services.backup.schedule import record

        record(s, now, True, "成功")
        assert warning(s, now + timedelta(days=6)) is None
        assert "已有 8 天没有成功备份" in warning(s, now + timedelta(days=8))
        assert status(s).last_ok


def test_the_password_must_be_long_enough_and_repeated(database):
    with database.session() as s:
        with pytest.raises(UserError, match="至少要 8 个字符"):
            set_password(s, "short")
        with pytest.raises(UserError, match="不一致"):
            set_password(s, PASSWORD, PASSWORD + "x")
        stored = set_password(s, PASSWORD, PASSWORD)
        assert PASSWORD not in str(dump_settings(s))
        assert MasterKey.from_password(PASSWORD, stored.salt) == stored


def dump_settings(session) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from app.models import LocalSetting

    return [(r.key, r.value) for r in session.scalars(select(LocalSetting))]


def _cli(
    *args: str, password: str | None = PASSWORD, answer: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("BANGJIAO_BACKUP_PASSWORD", None)
    if password is not None:
        env["BANGJIAO_BACKUP_PASSWORD"] = password
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8",
                          input=answer)  # fmt: skip


def test_the_commands_back_up_and_restore(seeded, tmp_path):
    rows = _rows(seeded)
    out = tmp_path / "cli.bjbak"
    done = _cli("--db", str(seeded), "backup", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "已备份到" in done.stdout and "已核对" in done.stdout
    target = tmp_path / "restored.db"
    done = _cli("--db", str(target), "restore", str(out), "--yes")
    assert done.returncode == 0, done.stderr
    assert "单位：县矫正办" in done.stdout and "工作台账" in done.stdout
    assert [line for line in _rows(target) if "'backup." not in line] == [
        line for line in rows if "'backup." not in line
    ]
    before = dump(target)
    refused = _cli("--db", str(target), "restore", str(out), "--yes", password="别的密码-12345")
    assert refused.returncode == 2 and "备份密码不对" in refused.stderr
    assert dump(target) == before
    declined = _cli("--db", str(target), "restore", str(out), answer="n\n")
    assert declined.returncode == 2 and "未恢复" in declined.stdout
    assert dump(target) == before
    folder = tmp_path / "U盘"
    folder.mkdir()
    named = _cli("--db", str(seeded), "backup", "--out", str(folder))
    assert named.returncode == 0, named.stderr
    assert [stamp_of(p.name) is not None for p in folder.iterdir()] == [True]
    missing = _cli("--db", str(seeded), "backup", "--out", str(out), password=None)
    assert missing.returncode == 2 and "BANGJIAO_BACKUP_PASSWORD" in missing.stderr


def test_manifest_summary_names_unit_date_and_counts(seeded, tmp_path, master):
    manifest = write_backup(seeded, store_for(seeded), tmp_path / "b.bjbak", master).manifest
    text = "\n".join(manifest.summary())
    assert "单位：县矫正办" in text and "备份时间" in text and "工作台账 " in text
    assert Manifest.from_json(manifest.to_json()) == manifest


def test_restore_refused_while_a_window_has_the_database_open(seeded, tmp_path):
    """The command line does not replace a database under an open window (another process
    holding the window's lock file); once the window is gone the lock left behind is no bar."""
    out = tmp_path / "w.bjbak"
    assert _cli("--db", str(seeded), "backup", "--out", str(out)).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from PySide6.QtCore import QLockFile; l = QLockFile(sys.argv[1]); "
         "assert l.tryLock(1000); print('held', flush=True); sys.stdin.read()",
         str(seeded) + ".lock"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = dump(seeded)
        refused = _cli("--db", str(seeded), "restore", str(out), "--yes")
        assert refused.returncode == 2 and "请先关闭窗口" in refused.stderr
        assert dump(seeded) == before
    finally:
        holder.communicate("")
    Path(str(seeded) + ".lock").write_text("12345\npython\nsomewhere\n")  # left by a crash
    done = _cli("--db", str(seeded), "restore", str(out), "--yes")
    assert done.returncode == 0, done.stderr


def test_a_failure_shown_before_the_settings_changed_waits_for_the_next_try(db_path, tmp_path):
    """设置's 最近一次结果 no longer shows an old refusal (no folder, no password) as the
    present state once the clerk has fixed it."""
    from app.services.backup.schedule import record, set_folder, set_password, status

    database = open_unlocked(str(db_path))
    try:
        with database.session() as session:
            record(session, datetime(2018, 7, 1, 8, 0), False, "还没有设置备份密码")
            assert status(session).last_ok is False
            set_password(session, "一二三四五六七八", "一二三四五六七八")
            state = status(session)
            assert state.last_ok and "请点“立即备份”试一次" in (state.last_result or "")
            record(session, datetime(2018, 7, 1, 8, 5), True, "成功：x")
            set_folder(session, tmp_path)
            assert status(session).last_result == "成功：x"  # a success is left as it was
    finally:
        database.close()


def test_after_restoring_an_older_backup_a_later_credential_is_explained(
    tmp_path, monkeypatch, capsys
):
    """A department that joined after the backup the county restored is not called forged:
    the county is told its data was replaced and to issue the credential again."""
    from app.cli import main

    monkeypatch.setenv("BANGJIAO_BACKUP_PASSWORD", PASSWORD)
    county, unit, usb = tmp_path / "county.db", tmp_path / "unit.db", tmp_path / "usb"
    usb.mkdir()
    assert (
        main(["--db", str(county), "init", "--template", "qingtian-2018", "--unit", "县矫正办"])
        == 0
    )
    assert main(["--db", str(county), "backup", "--out", str(usb / "早.bjbak")]) == 0
    cred = usb / "法律援助中心.cred"
    assert (
        main(["--db", str(county), "credential", "--unit", "法律援助中心", "--out", str(cred)]) == 0
    )
    assert main(["--db", str(unit), "init", "--credential", str(cred)]) == 0
    package = usb / "1.bjpkg"
    assert main(["--db", str(unit), "export", "--to", "县矫正办", "--out", str(package)]) == 0
    assert main(["--db", str(county), "restore", str(usb / "早.bjbak"), "--yes"]) == 0
    capsys.readouterr()
    before = dump(county)
    assert main(["--db", str(county), "import", str(package)]) == 2
    captured = capsys.readouterr()
    said = captured.out + captured.err
    assert "可能是伪造的" not in said
    assert "本机的数据曾被替换" in said and "重新发放接入凭证" in said
    assert dump(county) == before
