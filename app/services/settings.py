"""Settings local to this installation: the unit this PC belongs to, the current programme."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import LocalSetting, Programme, Unit
from app.services.errors import UserError

LOCAL_UNIT = "local_unit_uuid"
CURRENT_PROGRAMME = "current_programme_uuid"


def get_setting(session: Session, key: str) -> str | None:
    """The stored value of ``key``, or None."""
    row = session.get(LocalSetting, key)
    return row.value if row else None


def set_setting(session: Session, key: str, value: str) -> None:
    """Store ``value`` under ``key``."""
    row = session.get(LocalSetting, key)
    if row is None:
        session.add(LocalSetting(key=key, value=value))
    else:
        row.value = value


def local_unit(session: Session) -> Unit | None:
    """The unit this installation belongs to, once set up."""
    value = get_setting(session, LOCAL_UNIT)
    return session.scalar(select(Unit).where(Unit.uuid == value)) if value else None


def current_programme(session: Session) -> Programme | None:
    """The programme the app works on: the chosen one, else the newest."""
    value = get_setting(session, CURRENT_PROGRAMME)
    if value:
        programme = session.scalar(select(Programme).where(Programme.uuid == value))
        if programme is not None:
            return programme
    return session.scalar(
        select(Programme).where(Programme.deleted.is_(False)).order_by(Programme.year.desc())
    )


def required_programme(session: Session) -> Programme:
    """:func:`current_programme`, refused in Chinese when the database has none yet."""
    programme = current_programme(session)
    if programme is None:
        raise UserError("数据库中还没有实施方案。")
    return programme
