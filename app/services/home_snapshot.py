"""首页's last figures, kept beside the database so that the next start can paint them at once
(marked as being updated) while the database layer is still being imported.

The snapshot is ``<database file>.home.json``: display text and numbers of 首页's top half only
(the programme line, the goal and phase cards, each department's bar, the legend and the count
of overdue items). It never holds a ledger entry, an overdue item's text or anything about a
correction subject, and it is readable by its owner only (as the database file is). It is used only when it was
written by this program (``FORMAT`` and version) for the same database, unit, programme and year
and schema (:func:`database_key`, read with the standard library's ``sqlite3``, so nothing here
imports SQLAlchemy); anything else, or anything unreadable, is ignored.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sqlite3
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from app.services.private_files import write_private_text

FORMAT = 1  # raise when what a snapshot holds, or how it is painted, changes
SUFFIX = ".home.json"
MAX_BYTES = 256 * 1024  # a snapshot is a few KB; anything larger is not ours

log = logging.getLogger("bangjiao.snapshot")


@dataclass(frozen=True)
class CardFigure:
    """A figure card: its key (a goal metric's value, or ``phase``), figure, detail, colour."""

    key: str
    value: str
    detail: str
    status: str | None = None


@dataclass(frozen=True)
class BarFigure:
    """A department's bar: completion 0–1 (may exceed 1), colour and tooltip."""

    unit_id: int
    name: str
    completion: float
    status: str
    tooltip: str


@dataclass
class HomeFigures:
    """What 首页 paints above its two lists, as display text (no personal data)."""

    window_title: str = ""
    banner: str = ""
    summary: str = ""
    cards: list[CardFigure] = field(default_factory=list)
    bars: list[BarFigure] = field(default_factory=list)
    year_elapsed: float = 0.0
    legend: str = ""
    scope_note: bool = False
    overdue_title: str = ""
    county_buttons: bool = False  # 预览进度通报 and 打印催办单 (the county office's PC)
    backup_warning: str = ""  # no backup for a week (app.services.backup.schedule)


@dataclass(frozen=True)
class Snapshot:
    """Figures read back, with when they were written."""

    figures: HomeFigures
    written: datetime


@functools.cache
def program_version() -> str:
    """Which build of the program this is: a frozen build by its executable (size and time,
    new at every install or upgrade), a source checkout by its newest module (≈ 2 ms)."""
    if getattr(sys, "frozen", False):
        stat = Path(sys.executable).stat()
        return f"frozen:{stat.st_size}:{stat.st_mtime_ns}"
    code = Path(__file__).resolve().parents[1]  # the app package
    return f"source:{max(p.stat().st_mtime_ns for p in code.rglob('*.py'))}"


def snapshot_path(db_file: Path) -> Path:
    """Where the snapshot of ``db_file`` is kept: beside it."""
    return db_file.with_name(db_file.name + SUFFIX)


def database_key(connection: Any) -> dict[str, str]:
    """What a snapshot must agree with: the schema revision, this PC's unit, its exchange
    identity and the current programme (uuid and year), read through a DB-API connection."""

    def one(sql: str, *params: str) -> str:
        row = connection.execute(sql, params).fetchone()
        return "" if row is None or row[0] is None else str(row[0])

    def setting(key: str) -> str:
        return one("SELECT value FROM local_settings WHERE key = ?", key)

    programme = setting("current_programme_uuid")
    year = one("SELECT year FROM programmes WHERE uuid = ?", programme) if programme else ""
    if not year:  # as settings.current_programme: else the newest
        programme = one("SELECT uuid FROM programmes WHERE deleted = 0 ORDER BY year DESC LIMIT 1")
        year = one("SELECT year FROM programmes WHERE uuid = ?", programme) if programme else ""
    return {
        "schema": one("SELECT version_num FROM alembic_version"),
        "unit": setting("local_unit_uuid"),
        "instance": setting("exchange.instance_uuid"),
        "programme": programme,
        "year": year,
    }


def _read_key(db_file: Path) -> dict[str, str] | None:
    """:func:`database_key` of a database file opened read-only, or None if it cannot be."""
    uri = db_file.resolve().as_uri() + "?mode=ro"  # file:///C:/… on Windows; % # ? escaped
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=0.5)
    except sqlite3.Error:
        return None
    try:
        return database_key(connection)
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def write_snapshot(db_file: Path, key: dict[str, str], figures: HomeFigures) -> None:
    """Keep ``figures`` beside ``db_file`` (replacing the last ones); a failure (a read-only
    folder, a full disk) only means no snapshot at the next start."""
    path = snapshot_path(db_file)
    data = {
        "format": FORMAT,
        "program": program_version(),
        "written": datetime.now().isoformat(timespec="seconds"),
        "key": key,
        "figures": asdict(figures),
    }
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        write_private_text(temp, json.dumps(data, ensure_ascii=False))  # owner only
        os.replace(temp, path)
    except OSError as exc:
        log.info("首页快照未能保存：%s", type(exc).__name__)
        temp.unlink(missing_ok=True)


def save_home_snapshot(database: Any, figures: HomeFigures) -> None:
    """Keep ``figures`` as the snapshot of the open ``database`` (an ``app.services.database``
    ``Database``; nothing for a server database). The key is read through one of its pooled
    connections: a second handle on the file, once closed, would drop this process's locks."""
    db_file = database.file
    if db_file is None:
        return
    connection = database.engine.raw_connection()
    try:
        key = database_key(connection.driver_connection)
    except sqlite3.Error as exc:
        log.info("首页快照未能保存：%s", type(exc).__name__)
        return
    finally:
        connection.close()
    write_snapshot(db_file, key, figures)


def remove_snapshot(db_file: Path) -> None:
    """Forget the snapshot of ``db_file`` (e.g. when the database was replaced)."""
    snapshot_path(db_file).unlink(missing_ok=True)


def _figures(raw: dict[str, Any]) -> HomeFigures:
    cards = [CardFigure(**c) for c in raw.pop("cards")]
    bars = [BarFigure(**b) for b in raw.pop("bars")]
    figures = HomeFigures(cards=cards, bars=bars, **raw)
    if not all(isinstance(v, str) for v in (figures.summary, figures.banner, figures.legend)):
        raise TypeError("text expected")
    return figures


def read_snapshot(db_file: Path) -> Snapshot | None:
    """The snapshot of ``db_file`` if it can be trusted for this database as it is now (same
    program, database, unit, exchange identity, programme, year and schema); else None."""
    path = snapshot_path(db_file)
    try:
        if not db_file.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        if data.get("format") != FORMAT or data.get("program") != program_version():
            return None
        key = _read_key(db_file)
        if key is None or not key["unit"] or not key["programme"] or data.get("key") != key:
            return None
        return Snapshot(_figures(dict(data["figures"])), datetime.fromisoformat(data["written"]))
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
