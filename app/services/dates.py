"""Which dates make sense: every date a clerk types is bounded by the programme's year.

One rule for the forms, the command line and imports alike. A record of work done (a ledger
entry, a meeting, an inspection, a signing) lies inside the programme's year; a deadline set
during the year (a decision's or a rectification's due date, a milestone) may run some months
past it, since a finding made in December is put right in the new year. A date written inside a
ledger form (legal aid approved, a report published) may also lie in the year before.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.models import Programme
from app.services.errors import ValidationError
from app.services.settings import current_programme
from app.services.wording import cn_date

DEADLINE_MARGIN_MONTHS = 6


class DatePurpose(enum.StrEnum):
    """What a date field holds, which decides its range."""

    WORK = "work"  # when something was done, issued, signed, held or found
    DEADLINE = "deadline"  # when something is due
    FORM_FIELD = "form_field"  # a date inside a ledger form (an approval, a publication)


@dataclass(frozen=True, kw_only=True)
class DateRange:
    """The dates a field accepts, both ends included."""

    earliest: date
    latest: date
    period_end: date | None = None  # where the programme's own period ends (deadlines run on)

    def contains(self, value: date) -> bool:
        """Whether ``value`` lies inside the range."""
        return self.earliest <= value <= self.latest

    def clamp(self, value: date) -> date:
        """``value``, or the nearer end when it lies outside."""
        return min(max(value, self.earliest), self.latest)

    def default(self, today: date) -> date:
        """The date a new record starts with: ``today`` moved into the programme's period."""
        return min(max(today, self.earliest), self.period_end or self.latest)

    def problem(self, value: date, label: str = "日期") -> str | None:
        """A Chinese sentence when ``value`` is outside the range, else None."""
        if self.contains(value):
            return None
        return f"{label}应在{cn_date(self.earliest)}至{cn_date(self.latest)}之间。"

    def check(self, value: date, *, field: str, label: str = "日期") -> None:
        """Raise a ValidationError naming ``field`` when ``value`` is outside the range."""
        message = self.problem(value, label)
        if message is not None:
            raise ValidationError(message, field)


def _add_months(value: date, months: int) -> date:
    month = value.month - 1 + months
    year = value.year + month // 12
    month = month % 12 + 1
    day = min(value.day, 28) if month == 2 else min(value.day, 30 if month in (4, 6, 9, 11) else 31)
    return date(year, month, day)


def programme_date_range(
    year: int, purpose: DatePurpose = DatePurpose.WORK, span: tuple[date, date] | None = None
) -> DateRange:
    """The range of ``purpose`` dates for a programme of ``year`` whose own and assessment
    periods together cover ``span`` (beyond the calendar year, e.g. an assessment from the
    previous 1 December)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    if span is not None:
        start, end = min(start, span[0]), max(end, span[1])
    latest = end
    if purpose in (DatePurpose.DEADLINE, DatePurpose.FORM_FIELD):
        latest = _add_months(end, DEADLINE_MARGIN_MONTHS)
    if purpose is DatePurpose.FORM_FIELD:  # e.g. legal aid approved the year before the entry
        start = min(start, date(year - 1, 1, 1))
    return DateRange(earliest=start, latest=latest, period_end=end)


def unbounded_range(today: date) -> DateRange:
    """A wide range for a PC that has no programme yet (ten years either side of today)."""
    return DateRange(earliest=date(today.year - 10, 1, 1), latest=date(today.year + 10, 12, 31))


def range_for(
    session: Session, programme_id: int | None, purpose: DatePurpose = DatePurpose.WORK
) -> DateRange:
    """The range of ``purpose`` dates for a record of the programme ``programme_id`` (the
    current programme when None); :func:`unbounded_range` when there is no programme."""
    programme = session.get(Programme, programme_id) if programme_id is not None else None
    if programme is None:
        programme = current_programme(session)
    if programme is None:
        return unbounded_range(date.today())
    return programme_date_range(programme.year, purpose, programme_span(programme))


def programme_span(programme: Programme) -> tuple[date, date]:
    """The first and last day of the programme's own and assessment periods together."""
    (start, end), (first, last) = programme.period, programme.assessment_period
    return min(start, first), max(end, last)
