"""What the 数据交换 page shows, read in one session: this PC's identity and identification
code, the units it can send packages to, the office it joins and the units it registers (with
the codes of those joined), new keys waiting for confirmation, open conflicts, the history of
packages and changes of keys, and the latest county aggregate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import PackageLog, Unit, UnitKind
from app.services.settings import database_unit, get_setting
from app.sync import identity, registration
from app.sync.conflicts import OpenConflict, open_conflicts
from app.sync.history import recent
from app.sync.keys import PendingKeys, can_rotate, pending_keys

# Who registers whom: an office registers the units that report to it.
REGISTERED_BY: dict[UnitKind, tuple[UnitKind, ...]] = {
    UnitKind.COUNTY_OFFICE: (UnitKind.DEPARTMENT, UnitKind.JUDICIAL_OFFICE,
                             UnitKind.CORRECTION_SECTION),
    UnitKind.CITY_OFFICE: (UnitKind.COUNTY_OFFICE,),
}  # fmt: skip


@dataclass(frozen=True)
class Recipient:
    """A unit this PC can send packages to, with the identification code of its keys."""

    name: str
    code: str


@dataclass
class ExchangeOverview:
    """Everything the 数据交换 page shows (history rows detached from the session)."""

    unit_name: str
    unit_kind: UnitKind | None
    code: str  # this PC's identification code: the fingerprint of its public keys
    instance: str
    renewed: str | None  # why this PC took a new instance id, if it did
    recipients: list[Recipient] = field(default_factory=list)
    upper: str | None = None  # the office this PC's unit reports to (joins)
    upper_joined: bool = False
    registrable: list[str] = field(default_factory=list)  # units this PC registers
    joined: dict[str, str] = field(default_factory=dict)  # of those, joined ones → their code
    # of those not joined, the ones holding a credential not used yet → the day it was made
    awaiting: dict[str, str] = field(default_factory=dict)
    pending_keys: list[PendingKeys] = field(default_factory=list)  # new PCs' keys to confirm
    can_rotate: bool = False  # this office may replace its own keys
    conflicts: list[OpenConflict] = field(default_factory=list)
    history: list[PackageLog] = field(default_factory=list)
    aggregate: tuple[str, dict[str, Any]] | None = None


def exchange_overview(session: Session) -> ExchangeOverview:
    """Read what the 数据交换 page shows."""
    from app.services.aggregate import latest_aggregates

    me = database_unit(session)
    keys = identity.key_pairs(session).public()
    overview = ExchangeOverview(
        unit_name=me.name if me else "",
        unit_kind=me.kind if me else None,
        code=keys.fingerprint(),
        instance=identity.instance_uuid(session),
        renewed=get_setting(session, identity.MOVED),
    )
    known = set(identity.registered_units(session))
    units = session.scalars(
        select(Unit).where(Unit.deleted.is_(False)).order_by(Unit.sort_order, Unit.id)
    ).all()
    for unit in units:
        peer = identity.peer_keys(session, unit.uuid) if unit.uuid in known else None
        if peer is not None:
            overview.recipients.append(Recipient(unit.name, peer.fingerprint()))
    if me is not None:
        if me.parent is not None and not me.parent.deleted:
            overview.upper = me.parent.name
            overview.upper_joined = me.parent.uuid in known
        kinds = REGISTERED_BY.get(me.kind, ())
        overview.registrable = [u.name for u in units if u.kind in kinds and u.parent_id == me.id]
        overview.joined = {
            r.name: r.code for r in overview.recipients if r.name in overview.registrable
        }
        for unit in units:
            if unit.name in overview.registrable and unit.name not in overview.joined:
                issued = registration.token_issued(session, unit.uuid)
                if issued and registration.has_unused_token(session, unit.uuid):
                    overview.awaiting[unit.name] = issued
        overview.can_rotate = can_rotate(me)
    overview.pending_keys = pending_keys(session)
    overview.conflicts = open_conflicts(session)
    overview.history = recent(session)
    session.expunge_all()
    aggregates = latest_aggregates(session)
    if aggregates:
        overview.aggregate = (aggregates[0].title, aggregates[0].figures)
    return overview
