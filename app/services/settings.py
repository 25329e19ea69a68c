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


def database_unit(session: Session) -> Unit | None:
    """The unit this database belongs to, once set up (the local setting): the unit its
    packages are made as, its keys' and backups' unit, whoever is logged in."""
    value = get_setting(session, LOCAL_UNIT)
    return session.scalar(select(Unit).where(Unit.uuid == value)) if value else None


def acting_unit_uuid(session: Session) -> str | None:
    """The uuid of the unit the acting user works for when their account names one (several
    units sharing a server database), else None (the database's own unit)."""
    return getattr(session.info.get("actor"), "unit_uuid", None) or None


def local_unit(session: Session) -> Unit | None:
    """The unit the work in ``session`` is done for: the acting user's unit when their account
    names one (a department's clerk on the county's shared server), else the database's own
    (:func:`database_unit`). Every service that scopes by "this PC's unit" asks this."""
    value = acting_unit_uuid(session)
    if value is None:
        return database_unit(session)
    return session.scalar(select(Unit).where(Unit.uuid == value))


def for_another_unit(session: Session) -> bool:
    """Whether the acting user works for another unit than the database's own."""
    value = acting_unit_uuid(session)
    return value is not None and value != get_setting(session, LOCAL_UNIT)


def acting_label(session: Session) -> str:
    """Who is refused, in a message: 本机 on a unit's own PC, the unit's name for a user of
    another unit sharing the database (where 本机 would name the county)."""
    if for_another_unit(session):
        unit = local_unit(session)
        return unit.name if unit else "本机"
    return "本机"


def require_database_unit(session: Session, what: str = "数据交换") -> None:
    """Refuse (before anything is written) what only the database's own unit does — the
    exchange of packages, keys and credentials, made as that unit — to a user of another
    unit sharing the database."""
    if for_another_unit(session):
        mine, own = local_unit(session), database_unit(session)
        raise UserError(
            f"{what}以本库单位（{own.name if own else '本库单位'}）的名义办理，"
            f"{mine.name if mine else '其他单位'}的用户不能办理。请由本库单位的用户登录后办理。"
        )


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
