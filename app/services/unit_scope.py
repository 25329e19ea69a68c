"""Whose records the acting unit may write. On a unit's own PC the unit is the database's; on
the county's shared server it is the logged-in user's (``settings.local_unit``), so the same
rules hold when several units work in one database: a unit other than the county (or the city
office), which keep others' records, writes only its own records, and the county's own
decisions (核实, 受理, 采用, 解锁) stay the county's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Unit, UnitKind
from app.services.errors import UserError
from app.services.settings import local_unit

KEEPS_OTHERS = frozenset({UnitKind.COUNTY_OFFICE, UnitKind.CITY_OFFICE})
"""The units whose PCs keep other units' records (enter them, correct them)."""


def check_own(session: Session, owner_unit_id: int | None, what: str) -> None:
    """Refuse (UserError, before anything is written) to write ``what`` (e.g. 「这条台账」) of
    the unit ``owner_unit_id`` unless the acting unit is that unit or keeps others' records.
    Without a unit set up (a fresh database, the program itself) nothing is refused."""
    here = local_unit(session)
    if here is None or owner_unit_id is None or owner_unit_id == here.id:
        return
    if here.kind in KEEPS_OTHERS:
        return
    owner = session.get(Unit, owner_unit_id)
    raise UserError(
        f"{what}属于{owner.name if owner else '其他单位'}，{here.name}只能修改本单位的，"
        "不能修改或删除其他单位的。"
    )


def county_deciding(session: Session, what: str) -> Unit | None:
    """The county office deciding ``what`` (e.g. 「阶段总结由县矫正办采用、退回」); any other
    acting unit is refused. None without a unit set up (as before units were checked)."""
    here = local_unit(session)
    if here is not None and here.kind != UnitKind.COUNTY_OFFICE:
        raise UserError(f"{what}，{here.name}不能办理。")
    return here
