"""走访: the one definition of a pairing visit, used by every figure that counts visits.

A 走访 is a live ledger entry of the 挂钩结对走访 kind (the forms file's code ``pairing_visit``);
the office visited is the entry's 结对司法所 (an entry that names none is still a visit, of an
office not named). Entries of other kinds that name a paired office are work done with that
office, not visits: the summaries' tables, their drafted text and the county's aggregate for
the city all count visits through :func:`is_visit`, so they cannot disagree.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from app.models import EntryKind, LedgerEntry

VISIT_KIND = "pairing_visit"
UNNAMED_OFFICE = "未注明司法所"


def is_visit() -> ColumnElement[bool]:
    """The condition on ``LedgerEntry`` rows that are 走访 (callers add ``deleted`` and dates)."""
    return LedgerEntry.kind_id.in_(select(EntryKind.id).where(EntryKind.code == VISIT_KIND))
