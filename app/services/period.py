"""A programme's own period and its assessment period: what "time gone", indicator actuals,
phase windows and overdue items are measured against — never 1 January, and never the PC's
clock for a programme that is over (``as_of`` clamps a date into the period)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.models import Programme
from app.services.wording import cn_date


@dataclass(frozen=True)
class ProgrammePeriod:
    """The programme's first and last day and the period its work is assessed on."""

    start: date
    end: date
    assessment_start: date
    assessment_end: date

    def ended(self, today: date) -> bool:
        """Whether the programme is over on ``today`` (the day after its last day onwards)."""
        return today > self.end

    def as_of(self, today: date) -> date:
        """The date its figures are taken at on ``today``: ``today`` within the programme's
        period, its last day once it is over, its first day before it starts."""
        return min(max(today, self.start), self.end)

    def closing(self, today: date) -> date:
        """The date overdue items are judged at on ``today``: ``today`` within the period (or
        before it), the day after its last day once it is over — what was still undone when
        it closed, never days counted on by the PC's clock."""
        return min(today, self.end + timedelta(days=1))

    def assessed_until(self, as_of: date) -> date:
        """The last day whose work counts as of ``as_of`` (within the assessment period)."""
        return min(as_of, self.assessment_end)

    def elapsed(self, as_of: date) -> float:
        """The share of the assessment period gone by ``as_of``: 0 on its first day (and
        before), 1 on its last day (and after)."""
        span = (self.assessment_end - self.assessment_start).days
        if as_of >= self.assessment_end:
            return 1.0
        if as_of <= self.assessment_start or span <= 0:
            return 0.0
        return (as_of - self.assessment_start).days / span

    @property
    def label(self) -> str:
        """The programme's period: 2018年6月28日至12月31日."""
        return span_label(self.start, self.end)

    @property
    def assessment_label(self) -> str:
        """The assessment period, as :attr:`label`."""
        return span_label(self.assessment_start, self.assessment_end)

    @property
    def assessed_apart(self) -> bool:
        """Whether the assessment period differs from the programme's period."""
        return (self.assessment_start, self.assessment_end) != (self.start, self.end)

    @property
    def periods_label(self) -> str:
        """The programme's period, and its assessment period where that differs:
        2019年1月1日至12月31日；考核期：2018年12月1日至2019年11月30日."""
        if not self.assessed_apart:
            return self.label
        return f"{self.label}；考核期：{self.assessment_label}"


def span_label(start: date, end: date) -> str:
    """2018年6月28日至12月31日 (the year repeated only when it changes)."""
    last = f"{end.month}月{end.day}日" if end.year == start.year else cn_date(end)
    return f"{cn_date(start)}至{last}"


def period_of_programme(programme: Programme) -> ProgrammePeriod:
    """The programme's period (see ``Programme.period`` for a record without its dates)."""
    start, end = programme.period
    assessment_start, assessment_end = programme.assessment_period
    return ProgrammePeriod(start, end, assessment_start, assessment_end)


def programme_period(session: Session, programme_id: int) -> ProgrammePeriod:
    """The period of the programme ``programme_id``."""
    return period_of_programme(session.get_one(Programme, programme_id))


def judged_on(session: Session, programme_id: int | None, today: date) -> date:
    """The day overdue is judged on for ``programme_id`` (``ProgrammePeriod.closing``);
    ``today`` when there is no programme."""
    if programme_id is None:
        return today
    return programme_period(session, programme_id).closing(today)
