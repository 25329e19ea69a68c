"""Automatic backups: this PC's backup settings (password key, folder, last result), the
daily backup into the chosen folder, rotation (7 daily, 4 weekly, 12 monthly) and 首页's
warning."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.accounts import require
from app.services.attachments import AttachmentStore
from app.services.backup.archive import SUFFIX, BackupResult, Report, write_backup
from app.services.backup.container import MasterKey, check_password
from app.services.errors import UserError
from app.services.filenames import safe_file_name
from app.services.settings import get_setting, set_setting

log = logging.getLogger(__name__)

KEY = "backup.key"  # the master key scrypt derived from the 备份密码 (salt included)
FOLDER = "backup.folder"
LAST_SUCCESS = "backup.last_success"  # ISO time of the last backup written and checked
LAST_FILE = "backup.last_file"
LAST_ATTEMPT = "backup.last_attempt"  # ISO time of the last automatic or manual attempt
LAST_RESULT = "backup.last_result"  # what happened then, in Chinese
LAST_OK = "backup.last_ok"  # "1" or "0"
PASSWORD_ENV = "BANGJIAO_BACKUP_PASSWORD"
WARN_AFTER = timedelta(days=7)
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 7, 4, 12
PREFIX = "大帮教备份-"
_STAMP = re.compile(r"-(\d{8}-\d{6})" + re.escape(SUFFIX) + "$")
STALE_PART = timedelta(hours=6)  # a .part older than this is left over from a killed backup


@dataclass(frozen=True)
class BackupStatus:
    """What 设置 shows about backups."""

    folder: Path | None
    has_password: bool
    last_success: datetime | None
    last_file: str | None
    last_attempt: datetime | None
    last_result: str | None
    last_ok: bool


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def status(session: Session) -> BackupStatus:
    """This PC's backup settings and last result."""
    folder = get_setting(session, FOLDER)
    return BackupStatus(
        Path(folder) if folder else None,
        bool(get_setting(session, KEY)),
        _when(get_setting(session, LAST_SUCCESS)),
        get_setting(session, LAST_FILE),
        _when(get_setting(session, LAST_ATTEMPT)),
        get_setting(session, LAST_RESULT),
        get_setting(session, LAST_OK) != "0",  # "" after the settings changed: not red
    )


def set_password(session: Session, password: str, repeated: str | None = None) -> MasterKey:
    """Set the 备份密码: only the key scrypt derives from it is kept (for automatic backups);
    backups made before keep opening with the password they were made with."""
    require(session, "backup.run")
    check_password(password)
    if repeated is not None and repeated != password:
        raise UserError("两次输入的备份密码不一致。")
    master = MasterKey.from_password(password)
    set_setting(session, KEY, master.to_json())
    _settings_changed(session)
    _audit(session, "设置备份密码")  # never the password
    return master


def _audit(session: Session, description: str) -> None:
    from app.services import audit

    audit.record(session, "change", description, table="local_settings")


def stored_key(session: Session) -> MasterKey | None:
    """The key automatic backups use, or None before a 备份密码 was set."""
    value = get_setting(session, KEY)
    return MasterKey.from_json(value) if value else None


def set_folder(session: Session, folder: Path) -> None:
    """Where automatic backups go (a second disk or a USB stick)."""
    require(session, "backup.run")
    set_setting(session, FOLDER, str(folder))
    _settings_changed(session)
    _audit(session, f"修改备份文件夹：{folder}")


def _settings_changed(session: Session) -> None:
    """A failure recorded before the folder or password changed may no longer hold: it is
    shown as waiting for the next try instead of as the present state."""
    if get_setting(session, LAST_OK) == "0":
        set_setting(session, LAST_RESULT, "上次备份失败后已更改了设置，请点“立即备份”试一次。")
        set_setting(session, LAST_OK, "")


def record(session: Session, at: datetime, ok: bool, text: str, file: Path | None = None) -> None:
    """Remember an attempt's result (and, when it succeeded, the time and file)."""
    set_setting(session, LAST_ATTEMPT, at.isoformat(timespec="seconds"))
    set_setting(session, LAST_RESULT, text)
    set_setting(session, LAST_OK, "1" if ok else "0")
    if ok:
        set_setting(session, LAST_SUCCESS, at.isoformat(timespec="seconds"))
        if file is not None:
            set_setting(session, LAST_FILE, str(file))
        from app.services import audit

        audit.record(session, "backup", "备份数据库" + (f"到“{file.name}”" if file else ""))


def success_text(result: BackupResult) -> str:
    """The result line of a backup written and checked."""
    size = result.size / (1 << 20)
    return (
        f"成功：{result.path.name}（{size:.1f} MB，照片和文件 {len(result.manifest.attachments)} 个，"
        "已核对）"
    )


def backup_name(unit_name: str, when: datetime) -> str:
    """The file name of an automatic or manual backup: unit and time, so rotation can read
    the date and two units can share a USB stick."""
    return safe_file_name(f"{PREFIX}{unit_name}-{when:%Y%m%d-%H%M%S}{SUFFIX}", max_length=80)


def stamp_of(name: str) -> datetime | None:
    """The time in a backup's file name, or None for other files."""
    match = _STAMP.search(name)
    if not name.startswith(PREFIX) or match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def to_keep(
    stamps: Iterable[datetime],
    daily: int = KEEP_DAILY,
    weekly: int = KEEP_WEEKLY,
    monthly: int = KEEP_MONTHLY,
) -> set[datetime]:
    """The backups rotation keeps: every one of the newest day (a 立即备份 before a risky
    change does not delete the morning's), then the newest of each of the last ``daily`` days
    that have one, of the last ``weekly`` ISO weeks and of the last ``monthly`` months."""
    ordered = sorted(set(stamps), reverse=True)
    keep: set[datetime] = (
        {s for s in ordered if s.date() == ordered[0].date()} if ordered else set()
    )
    periods: list[tuple[Callable[[datetime], object], int]] = [
        (lambda s: s.date(), daily),
        (lambda s: s.isocalendar()[:2], weekly),
        (lambda s: (s.year, s.month), monthly),
    ]
    for period, count in periods:
        seen: list[object] = []
        for stamp in ordered:
            key = period(stamp)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.append(key)
            keep.add(stamp)
    return keep


def rotate(folder: Path, unit_name: str) -> list[Path]:
    """Delete this unit's backups in ``folder`` that rotation does not keep, and pieces left
    by a backup killed midway; the files deleted."""
    own = PREFIX + safe_file_name(unit_name)
    found = {}
    for path in folder.glob(f"{PREFIX}*{SUFFIX}"):
        stamp = stamp_of(path.name)
        if stamp is not None and path.name.startswith(own + "-"):
            found[stamp] = path
    keep = to_keep(found)
    removed = []
    for stamp, path in sorted(found.items()):
        if stamp not in keep:
            path.unlink(missing_ok=True)
            removed.append(path)
    now = time.time()
    for piece in folder.glob(f".{PREFIX}*.part"):
        if now - piece.stat().st_mtime > STALE_PART.total_seconds():
            piece.unlink(missing_ok=True)
            removed.append(piece)
    return removed


def check_folder(folder: Path | None) -> Path:
    """The backup folder, or a Chinese refusal: not chosen, or missing (a USB stick not
    plugged in)."""
    if folder is None:
        raise UserError("还没有选择备份文件夹：请在“设置”中选择（最好是另一块硬盘或 U 盘）。")
    if not folder.is_dir():
        raise UserError(
            f"备份文件夹“{folder}”不存在或无法访问（U 盘没有插好，或移动硬盘盘符变了？）。"
            "本次没有备份。请插好后在“设置”中点“立即备份”，或重新选择备份文件夹。"
        )
    return folder


def backup_to_folder(
    database_file: Path,
    store: AttachmentStore,
    folder: Path | None,
    master: MasterKey | None,
    unit_name: str,
    *,
    report: Report | None = None,
    now: datetime | None = None,
) -> BackupResult:
    """A backup into the chosen folder under :func:`backup_name`, then rotation."""
    target = check_folder(folder)
    if master is None:
        raise UserError("还没有设置备份密码：请先在“设置”中设置备份密码。")
    when = now or datetime.now()
    out = target / backup_name(unit_name, when)
    result = write_backup(database_file, store, out, master, now=when,
                          **({"report": report} if report else {}))  # fmt: skip
    for removed in rotate(target, unit_name):
        log.info("备份轮换：删除 %s", removed.name)
    return result


def due(session: Session, today: date) -> bool:
    """Whether today's automatic backup is still to be tried (a folder and a password are set,
    and no attempt was made today)."""
    state = status(session)
    if state.folder is None or not state.has_password:
        return False
    return state.last_attempt is None or state.last_attempt.date() != today


def warning(session: Session, now: datetime) -> str | None:
    """首页's warning: no backup succeeded for 7 days; or none ever, once this PC has held
    ledger entries for 7 days (never on a fresh install's first week)."""
    from app.models import LedgerEntry

    state = status(session)
    if state.last_success is not None:
        if now - state.last_success <= WARN_AFTER:
            return None
        days = (now - state.last_success).days
        return (
            f"已有 {days} 天没有成功备份数据（上次成功：{state.last_success:%Y-%m-%d}）。"
            "请到“设置”检查备份文件夹（U 盘是否插好），再点“立即备份”。"
        )
    first = session.scalar(select(func.min(LedgerEntry.created_at)))
    if first is None:
        return None
    if first.tzinfo is not None:
        first = first.astimezone().replace(tzinfo=None)
    if now - first <= WARN_AFTER:
        return None
    if state.folder is None or not state.has_password:
        return (
            "本机数据还从未备份过。请到“设置”设置备份密码和备份文件夹（最好是另一块硬盘或 U 盘）。"
        )
    return "本机数据还从未成功备份过。请到“设置”查看备份结果，再点“立即备份”。"
