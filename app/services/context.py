"""What the app is working on: this PC's unit and the current programme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Phase, UnitKind
from app.services.dates import (
    DatePurpose,
    DateRange,
    programme_date_range,
    programme_span,
    unbounded_range,
)
from app.services.settings import current_programme, local_unit


@dataclass(frozen=True)
class PhaseRow:
    """A phase of the programme."""

    id: int
    name: str
    start_date: date
    end_date: date
    deadline: date | None
    deadline_task: str


@dataclass(frozen=True)
class WorkContext:
    """This installation's unit and programme, read once per window."""

    local_unit_id: int | None
    local_unit_name: str
    local_unit_kind: UnitKind | None
    programme_id: int | None
    programme_title: str
    programme_issuer: str
    programme_year: int | None
    phases: tuple[PhaseRow, ...] = ()
    owns_reference_data: bool = True  # this PC's unit keeps the units, duties and indicators
    programme_span: tuple[date, date] | None = None  # its own and assessment periods together

    def current_phase(self, today: date) -> PhaseRow | None:
        """The phase whose dates contain ``today``."""
        return next((p for p in self.phases if p.start_date <= today <= p.end_date), None)

    def date_range(self, purpose: DatePurpose = DatePurpose.WORK) -> DateRange:
        """The dates a field of ``purpose`` accepts (the programme's year, see services.dates)."""
        if self.programme_year is None:
            return unbounded_range(date.today())
        return programme_date_range(self.programme_year, purpose, self.programme_span)


def load_context(session: Session) -> WorkContext:
    """Read the unit and programme this installation works with."""
    unit = local_unit(session)
    programme = current_programme(session)
    phases: tuple[PhaseRow, ...] = ()
    if programme is not None:
        query = (
            select(Phase)
            .where(Phase.programme_id == programme.id, Phase.deleted.is_(False))
            .order_by(Phase.sort_order)
        )
        phases = tuple(
            PhaseRow(p.id, p.name, p.start_date, p.end_date, p.deadline, p.deadline_task)
            for p in session.scalars(query)
        )
    return WorkContext(
        local_unit_id=unit.id if unit else None,
        local_unit_name=unit.name if unit else "",
        local_unit_kind=unit.kind if unit else None,
        programme_id=programme.id if programme else None,
        programme_title=programme.title if programme else "",
        programme_issuer=programme.issuer if programme else "",
        programme_year=programme.year if programme else None,
        phases=phases,
        owns_reference_data=programme is None or unit is None or programme.owner_unit_id == unit.id,
        programme_span=programme_span(programme) if programme else None,
    )
