"""Numbered versions of a unit's data as it flows to others (the county's reference data above
all): each package says which version it brings and from which version it starts, so a
recipient that missed one is told which package it needs instead of silently diverging."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Unit
from app.services.settings import get_setting, set_setting
from app.sync import history
from app.sync.package import PackageError
from app.sync.records import travelling_tables

VERSION = "exchange.data_version"  # this unit's data: current version number
VERSION_AT = "exchange.data_version_at"  # when that version was cut
APPLIED = "exchange.data_version_in:"  # + sender unit uuid → version applied here


def publish(session: Session, me: Unit) -> int:
    """The current version of this unit's data, cut anew when anything changed since the last."""
    version = int(get_setting(session, VERSION) or 0)
    cut = get_setting(session, VERSION_AT)
    since = datetime.fromisoformat(cut) if cut else None
    for table in travelling_tables():
        query = select(table.c.id).where(table.c.owner_unit_id == me.id).limit(1)
        if since is not None:
            query = query.where(table.c.updated_at > since)
        if session.scalar(query) is not None:
            version += 1
            set_setting(session, VERSION, str(version))
            set_setting(session, VERSION_AT, datetime.now(UTC).isoformat())
            break
    return version


def block(
    session: Session, recipient_uuid: str, confirmed: int | None, version: int
) -> dict[str, Any]:
    """The manifest's ``data_version``: this version, the version the package starts from (that
    of the newest package the recipient confirmed; 0 for a full package) and the version each
    earlier package to this recipient brought."""
    earlier = history.sent(session, recipient_uuid)
    since = next((p.reference_version for p in earlier if p.sequence == confirmed), 0)
    return {
        "version": version,
        "since": since if confirmed else 0,
        "packages": [[p.sequence, p.reference_version] for p in earlier],
    }


def check(
    session: Session, sender: Unit, sequence: int, data_version: dict[str, Any] | None
) -> None:
    """Refuse a package that starts beyond the version applied here, naming the one missing."""
    if not data_version:
        return
    have = int(get_setting(session, APPLIED + sender.uuid) or 0)
    since = int(data_version.get("since", 0))
    if since <= have:
        return
    needed = [seq for seq, ver in data_version.get("packages", []) if ver > have and seq < sequence]
    hint = (
        f"请先导入{sender.name}发给本单位的第 {min(needed)} 号数据包，"
        if needed
        else "请先导入之前漏掉的数据包，"
    )
    raise PackageError(
        f"本机收到的“{sender.name}”数据为第 {have} 版，而这个数据包（第 {sequence} 号）只包含"
        f"第 {since} 版之后的变化，缺少第 {have + 1} 至第 {since} 版。{hint}"
        f"或请{sender.name}勾选“导出全部记录”重新导出。已拒绝导入，本机数据未改变。"
    )


def applied(session: Session, sender: Unit, data_version: dict[str, Any] | None) -> int:
    """Record the version a package brought (in the import's transaction); the version now here."""
    have = int(get_setting(session, APPLIED + sender.uuid) or 0)
    brought = int((data_version or {}).get("version", 0))
    if brought > have:
        set_setting(session, APPLIED + sender.uuid, str(brought))
    return max(have, brought)
