"""What the app is working on: this PC's unit, the current programme and the programme being
viewed (an earlier year chosen in the banner, read-only; see :func:`refuse_changes`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session

from app.models import Phase, Programme, UnitKind
from app.services.dates import (
    DatePurpose,
    DateRange,
    programme_date_range,
    programme_span,
    unbounded_range,
)
from app.services.errors import UserError
from app.services.settings import current_programme, database_unit, for_another_unit, local_unit


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
    # this PC's unit keeps the units, duties and indicators (and the year shown is the current one)
    owns_reference_data: bool = True
    programme_span: tuple[date, date] | None = None  # its own and assessment periods together
    current_programme_id: int | None = None  # the PC's current programme (设置, 开始新年度)
    read_only_note: str = ""  # viewing another year than the current one: why it is read-only
    # the database's own unit when the logged-in user works for another one (several units
    # sharing the county's server database); "" on a unit's own PC
    database_unit_name: str = ""

    @property
    def read_only(self) -> bool:
        """Whether the programme shown is another year than the current one (view and print
        only: see :func:`refuse_changes`)."""
        return bool(self.read_only_note)

    def current_phase(self, today: date) -> PhaseRow | None:
        """The phase whose dates contain ``today``."""
        return next((p for p in self.phases if p.start_date <= today <= p.end_date), None)

    def date_range(self, purpose: DatePurpose = DatePurpose.WORK) -> DateRange:
        """The dates a field of ``purpose`` accepts (the programme's year, see services.dates)."""
        if self.programme_year is None:
            return unbounded_range(date.today())
        return programme_date_range(self.programme_year, purpose, self.programme_span)


def load_context(session: Session, programme_id: int | None = None) -> WorkContext:
    """Read the unit and programme this installation works with: the programme
    ``programme_id`` when given (a year chosen in the banner), else the current one. Another
    year than the current one is read-only (``WorkContext.read_only_note``)."""
    unit = local_unit(session)
    shared = database_unit(session) if for_another_unit(session) else None
    current = current_programme(session)
    programme = current
    if programme_id is not None:
        chosen = session.get(Programme, programme_id)
        if chosen is not None and not chosen.deleted:
            programme = chosen
    note = ""
    if programme is not None and current is not None and programme.id != current.id:
        note = f"正在查看{programme.year}年度（只读）"
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
        owns_reference_data=not note
        and (programme is None or unit is None or programme.owner_unit_id == unit.id),
        programme_span=programme_span(programme) if programme else None,
        current_programme_id=current.id if current else None,
        read_only_note=note,
        database_unit_name=shared.name if shared is not None else "",
    )


# ---------------------------------------------------------------- viewing another year

_READ_ONLY = "read_only_note"


def refuse_changes(session: Session, note: str) -> None:
    """Make ``session`` refuse any change (UserError naming ``note``, e.g.
    "正在查看2018年度（只读）"): an earlier year is viewed and printed, never edited. A change
    is refused at its flush, before anything is written, so the database stays as it was."""
    session.info[_READ_ONLY] = note


def _refusal(note: str) -> UserError:
    return UserError(
        f"{note}：这一年度只能查看和打印，不能修改。请在窗口顶部切换回当前年度后再修改。"
    )


@event.listens_for(Session, "before_flush")
def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    note = session.info.get(_READ_ONLY)
    if note and (session.new or session.deleted or any(
        session.is_modified(obj) for obj in session.dirty
    )):  # fmt: skip
        raise _refusal(note)


@event.listens_for(Session, "do_orm_execute")
def _refuse_statement(state: ORMExecuteState) -> None:
    note = state.session.info.get(_READ_ONLY)
    if note and (state.is_insert or state.is_update or state.is_delete):
        raise _refusal(note)
