"""The county's aggregate for the city office: per unit and in total, what the ledger shows.

Only figures travel up (entries, subjects served, photos, pairing visits, indicator completion,
agreement signing): no correction subject's identity leaves the county.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from app.models import AggregateReport, EntryAttachment, LedgerEntry, Unit
from app.services.agreements import signing_rate
from app.services.period import period_of_programme
from app.services.progress import department_progress, indicator_progress, programme_window
from app.services.settings import current_programme
from app.services.visits import is_visit


class _Counted(NamedTuple):
    entries: int
    served: int
    visits: int


def aggregate_figures(session: Session, programme_id: int, as_of: date) -> dict[str, Any]:
    """Totals and one row per unit with ledger entries or indicators, for the programme's year
    up to ``as_of``."""
    first, last = programme_window(session, programme_id, as_of)
    live = (LedgerEntry.deleted.is_(False), LedgerEntry.entry_date.between(first, last))

    def grouped(*where: ColumnElement[bool]) -> dict[int | None, tuple[int, int, int]]:
        return {
            owner: (n, int(served or 0), int(visits or 0))
            for owner, n, served, visits in session.execute(
                select(
                    LedgerEntry.owner_unit_id,
                    func.count(),
                    func.sum(LedgerEntry.subjects_served),
                    func.sum(case((is_visit(), 1), else_=0)),
                )
                .where(LedgerEntry.entry_date.between(first, last), *where)
                .group_by(LedgerEntry.owner_unit_id)
            )
        }

    # Every row from the covering index (owner, kind, date, subjects served), minus the few
    # deleted ones from their partial index, as ``progress.indicator_progress`` counts: testing
    # ``deleted`` row by row reads the table (1,000,000 entries: bench/province_bench.py).
    dead = grouped(LedgerEntry.deleted.is_(True))
    per_unit = {}
    for owner, found in grouped().items():
        live_counts = _Counted(
            *(a - b for a, b in zip(found, dead.get(owner, (0, 0, 0)), strict=True))
        )
        if live_counts.entries:  # a unit whose entries are all deleted has none
            per_unit[owner] = live_counts
    photos = dict(
        session.execute(
            select(LedgerEntry.owner_unit_id, func.count(EntryAttachment.id))
            .join(EntryAttachment, EntryAttachment.entry_id == LedgerEntry.id)
            .where(*live, EntryAttachment.deleted.is_(False))
            .group_by(LedgerEntry.owner_unit_id)
        ).all()
    )
    progress = {p.department_id: p for p in department_progress(
        session, programme_id, as_of, indicator_progress(session, programme_id, as_of))}  # fmt: skip
    units = session.scalars(
        select(Unit).where(Unit.deleted.is_(False)).order_by(Unit.sort_order, Unit.id)
    ).all()
    rows = []
    for unit in units:
        if unit.id not in per_unit and unit.id not in progress:
            continue
        counted, done = per_unit.get(unit.id), progress.get(unit.id)
        rows.append({
            "unit_uuid": unit.uuid, "name": unit.name, "kind": unit.kind.value,
            "entries": counted.entries if counted else 0,
            "subjects_served": int(counted.served) if counted else 0,
            "pairing_visits": int(counted.visits) if counted else 0,
            "photos": photos.get(unit.id, 0),
            "completion": round(done.completion, 4) if done else None,
            "indicators": done.indicators if done else 0,
            "indicators_met": done.indicators_met if done else 0,
        })  # fmt: skip
    signing = signing_rate(session, programme_id)
    keys = ("entries", "subjects_served", "pairing_visits", "photos")
    return {
        "as_of": as_of.isoformat(),
        "units": rows,
        "totals": {key: sum(r[key] for r in rows) for key in keys},
        "agreements": {"signed": signing.signed, "required": signing.required},
    }


def refresh_aggregate(
    session: Session, me: Unit, as_of: date | None = None
) -> AggregateReport | None:
    """Create or refresh the county's aggregate of the current programme as of a date."""
    programme = current_programme(session)
    if programme is None:
        return None
    as_of = as_of or period_of_programme(programme).as_of(date.today())
    report = session.scalar(
        select(AggregateReport).where(
            AggregateReport.programme_id == programme.id, AggregateReport.as_of == as_of,
            AggregateReport.owner_unit_id == me.id,
        )
    )  # fmt: skip
    figures = aggregate_figures(session, programme.id, as_of)
    if report is None:
        report = AggregateReport(programme_id=programme.id, as_of=as_of, owner_unit_id=me.id)
        session.add(report)
    report.title = f"{me.name} {programme.title} 汇总（截至 {as_of:%Y年%m月%d日}）"
    if report.figures != figures:
        report.figures = figures
    session.flush()
    return report


def latest_aggregates(session: Session) -> list[AggregateReport]:
    """Aggregates received (or made) here, newest first."""
    return list(
        session.scalars(
            select(AggregateReport)
            .where(AggregateReport.deleted.is_(False))
            .order_by(AggregateReport.as_of.desc(), AggregateReport.id.desc())
        )
    )
