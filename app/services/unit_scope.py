"""Whose records the acting unit may write when several units share one database (the county's
server): the acting unit is the logged-in user's (``settings.local_unit``). A unit other than
the county (or the city office), which keep others' records, writes only its own records, as
its own PC's packages carry only those (``sync.rights``), and the county's own decisions
(核实, 受理, 采用, 解锁) stay the county's. A unit's own PC (no user of another unit) is left
exactly as before."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.models import SyncedRecord, Unit, UnitKind
from app.services.errors import UserError
from app.services.settings import for_another_unit, local_unit

KEEPS_OTHERS = frozenset({UnitKind.COUNTY_OFFICE, UnitKind.CITY_OFFICE})
"""The units whose PCs keep other units' records (enter them, correct them)."""


def check_own(session: Session, owner_unit_id: int | None, what: str) -> None:
    """Refuse (UserError, before anything is written) to write ``what`` (e.g. 「这条台账」) of
    the unit ``owner_unit_id`` unless the acting unit is that unit or keeps others' records.
    Only for a user of another unit than the database's (a shared database): a unit's own PC
    works exactly as before (its packages carry only its own records, ``sync.rights``)."""
    if not for_another_unit(session):
        return
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


def seen_unit_id(session: Session) -> int | None:
    """The one unit whose records (ledger entries) the acting user sees when several units
    share the database: their own unit, unless it keeps others' records; None (everything in
    the database, as on a unit's own PC) otherwise."""
    if not for_another_unit(session):
        return None
    here = local_unit(session)
    return here.id if here is not None and here.kind not in KEEPS_OTHERS else None


def check_sees(session: Session, owner_unit_id: int | None, what: str) -> None:
    """Refuse to show ``what`` of another unit to a user who sees only their own unit's
    (:func:`seen_unit_id`)."""
    seen = seen_unit_id(session)
    if seen is None or owner_unit_id in (None, seen):
        return
    owner, here = session.get(Unit, owner_unit_id), local_unit(session)
    raise UserError(
        f"{what}属于{owner.name if owner else '其他单位'}，"
        f"{here.name if here else '本单位'}的用户只能查看本单位的。"
    )


def county_deciding(session: Session, what: str) -> Unit | None:
    """The county office deciding ``what`` (e.g. 「阶段总结由县矫正办采用、退回」); any other
    acting unit sharing the database is refused. None without a unit set up; a unit's own PC
    is left as before (what it decides there never travels: ``sync.rights``)."""
    here = local_unit(session)
    if here is not None and here.kind != UnitKind.COUNTY_OFFICE and for_another_unit(session):
        raise UserError(f"{what}，{here.name}不能办理。")
    return here


def refuse_other_units_records(session: Session, _context: object, _instances: object) -> None:
    """``before_flush``: a user of another unit than the database's (a department on the
    county's shared server) writes only records its unit owns, whichever service is called —
    what its own PC could send in a package (``sync.rights``: another unit's rows in a package
    are refused or kept aside). Shared content (a photo's file record, named by its content)
    is any unit's. The services refuse first with their own messages; this is the net."""
    seen = seen_unit_id(session)
    if seen is None:
        return
    for record in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(record, SyncedRecord) or _shared_content(record):
            continue
        if record in session.dirty and not session.is_modified(record):
            continue
        owners = {record.owner_unit_id, *inspect(record).attrs.owner_unit_id.history.deleted}
        others = owners - {None, seen}
        if others:
            owner = session.get(Unit, min(o for o in others if o is not None))
            here = local_unit(session)
            raise UserError(
                f"这项记录属于{owner.name if owner else '其他单位'}，"
                f"{here.name if here else '本单位'}的用户只能修改本单位的记录。"
            )


def _shared_content(record: SyncedRecord) -> bool:
    rule = vars(type(record)).get("__exchange__")
    return bool(getattr(rule, "shared_content", False))
