"""Meetings: the monthly meetings of middle-level cadres (中层干部月度例会) and the other kinds
the template lists (动员部署会, 座谈会, 推进会…): each department reports its progress and
problems, the meeting takes decisions with a responsible unit and a due date.

Types (:func:`meeting_types`): the template's ``[meetings] types`` with their full names (the
minutes' title), and ``monthly``, the one kind the plan asks for every month. Only meetings of
that kind fill a month (missing months, the county report's chapter, the assessment's
missed-report rule); the others are listed and minuted like any meeting but never count as that
month's 例会.

A meeting belongs to the programme whose year contains its date, and to the unit whose PC
recorded it (``owner_unit_id``): only that PC changes it, its reports and its decisions.

Missing months (:func:`missing_months`): the plan asks for a meeting every month. A month is
*due* from the first whole month of the programme's period (青田's, from 2018-06-28: July; a
period from 12-01: December) — not before the month its first phase starts — through the month
of the period's last day, once the month is over: on 2018-07-31 July is still open,
on 2018-08-01 July is due. A due month with no (live) meeting dated inside it is missing. A
monthly meeting counts for the month of its date (one on 2018-06-30 is June's); a month with
two simply has two.

Decisions (:func:`open_decisions`): not done is open; an open decision is overdue from the day
after its due date (due 2018-07-10: overdue on 2018-07-11, not on 2018-07-10).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Meeting, MeetingDecision, MeetingReport, Phase, Programme, Unit, UnitKind
from app.models.meeting import DEFAULT_MEETING_TYPE, MEETING_TYPE_LENGTH
from app.services import concurrency
from app.services.accounts import require
from app.services.dates import DatePurpose, programme_date_range, programme_span
from app.services.documents import from_template, template_section
from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.services.period import programme_period

MAX_CHAIR = 50  # the column's length
MAX_LOCATION = 100  # the column's length
MAX_ATTENDEES = 1000
MAX_NOTES = 3000
MAX_REPORT_CHARS = 3000  # progress, and problems, each
MAX_DECISION_CHARS = 500
MAX_DECISIONS = 50
REPORTING_KINDS = (UnitKind.CORRECTION_SECTION, UnitKind.DEPARTMENT)
RESPONSIBLE_KINDS = (UnitKind.COUNTY_OFFICE, UnitKind.CORRECTION_SECTION, UnitKind.DEPARTMENT,
                     UnitKind.JUDICIAL_OFFICE)  # fmt: skip
DEFAULT_FULL_NAME = "大帮教工作中层干部月度例会"  # a programme without a template's [meetings]


# ---------------------------------------------------------------- types (the template's)
@dataclass(frozen=True)
class MeetingType:
    """A kind of meeting: its name (stored on the meeting) and its full name, which the
    minutes' title and opening use (大帮教工作动员部署会 → 大帮教工作动员部署会纪要)."""

    name: str
    full_name: str


@dataclass(frozen=True)
class MeetingTypes:
    """The kinds of meeting a programme records, in the template's order, and the ``monthly``
    one (the 例会 the plan asks for every month)."""

    types: tuple[MeetingType, ...]
    monthly: str

    @property
    def names(self) -> list[str]:
        """The names, in order (the editor's choices)."""
        return [t.name for t in self.types]

    def full_name(self, name: str) -> str:
        """The full name of a type; a name no longer listed stands for itself."""
        return next((t.full_name for t in self.types if t.name == name), name)

    def short_name(self, name: str) -> str:
        """How the minutes call the meeting in a sentence: 例会 for the monthly kind, else
        the type's name (座谈会)."""
        return "例会" if name == self.monthly else name


DEFAULT_TYPES = MeetingTypes((MeetingType(DEFAULT_MEETING_TYPE, DEFAULT_FULL_NAME),),
                             DEFAULT_MEETING_TYPE)  # fmt: skip


def types_from_section(section: dict[str, object]) -> MeetingTypes:
    """The types a template's ``[meetings]`` table lists (checked when the template is read);
    the default (月度例会 only) when it lists none."""
    listed = section.get("types")
    if not isinstance(listed, list) or not listed:
        return DEFAULT_TYPES
    types = tuple(
        MeetingType(str(t["name"]), str(t.get("full_name") or t["name"]))
        for t in listed
        if isinstance(t, dict) and t.get("name")
    )
    monthly = section.get("monthly")
    return MeetingTypes(types, str(monthly) if monthly else types[0].name)


def check_types_section(section: object) -> str | None:
    """What is wrong with a template's ``[meetings]`` table, or None."""
    if not isinstance(section, dict):
        return "[meetings] 应为表"
    listed = section.get("types")
    if not isinstance(listed, list) or not listed:
        return "[meetings] 缺少会议类型（types）"
    names: list[str] = []
    for item in listed:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            return "[meetings] 有会议类型没有名称（name）"
        if len(name) > MEETING_TYPE_LENGTH:
            return f"会议类型“{name}”超过 {MEETING_TYPE_LENGTH} 个字"
        if name in names:
            return f"会议类型“{name}”重复"
        names.append(name)
    if section.get("monthly") not in names:
        return "[meetings] 的 monthly（每月召开的例会）不在会议类型中"
    return None


def meeting_types(session: Session, programme_id: int | None) -> MeetingTypes:
    """The kinds of meeting of a programme: its template's ``[meetings]`` (月度例会 only
    without one)."""
    return from_template(
        session, programme_id, "meetings",
        lambda s, pid: types_from_section(template_section(s, pid, "meetings")), DEFAULT_TYPES,
    )  # fmt: skip


def check_meeting_type(types: MeetingTypes, name: object) -> None:
    """A ValidationError (field ``meeting_type``) unless ``name`` is one of the types."""
    if name not in types.names:
        raise ValidationError(f"会议类型应为{'、'.join(types.names)}之一。", "meeting_type")


# ---------------------------------------------------------------- input and choices
@dataclass(kw_only=True)
class ReportInput:
    """A unit's report at the meeting."""

    unit_id: int
    progress: str = ""
    problems: str = ""

    def is_blank(self) -> bool:
        """Neither progress nor problems: no report (not stored)."""
        return not (self.progress.strip() or self.problems.strip())


@dataclass(kw_only=True)
class DecisionInput:
    """A decision; ``id`` is set for one already stored (None for a new one)."""

    text: str
    responsible_unit_id: int | None = None
    due_date: date | None = None
    done: bool = False
    id: int | None = None


@dataclass(kw_only=True)
class MeetingInput:
    """Everything the editor holds about a meeting."""

    programme_id: int | None
    meeting_date: date
    chair: str
    meeting_type: str = DEFAULT_MEETING_TYPE
    attendees: str = ""
    location: str = ""
    notes: str = ""
    reports: list[ReportInput] = field(default_factory=list)
    decisions: list[DecisionInput] = field(default_factory=list)
    # the revision the editor was opened with (load_meeting): a newer one stored is refused
    # with concurrency.ConcurrentEdit; None: no check
    expected_revision: int | None = None


@dataclass(frozen=True)
class UnitChoice:
    """A unit offered in the editor."""

    id: int
    name: str


def _units(session: Session, kinds: tuple[UnitKind, ...]) -> list[Unit]:
    return list(
        session.scalars(
            select(Unit)
            .where(Unit.kind.in_(kinds), Unit.deleted.is_(False))
            .order_by(Unit.sort_order, Unit.id)
        )
    )


def reporting_units(session: Session) -> list[UnitChoice]:
    """The units that report at a meeting: 社区矫正科 and the departments, in display order."""
    return [UnitChoice(u.id, u.name) for u in _units(session, REPORTING_KINDS)]


def responsible_units(session: Session) -> list[UnitChoice]:
    """The units a decision may be given to."""
    return [UnitChoice(u.id, u.name) for u in _units(session, RESPONSIBLE_KINDS)]


def month_label(month: date) -> str:
    """2018年7月."""
    return f"{month.year}年{month.month}月"


# ---------------------------------------------------------------- saving
def _check_owner(record: Meeting, local_unit_id: int | None) -> None:
    if record.owner_unit_id is not None and record.owner_unit_id != local_unit_id:
        raise ValidationError("这次会议由其他单位登记，只能在登记单位的电脑上修改。", "owner")


def _live_meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.deleted:
        raise ValidationError("这次例会已被删除。", "meeting")
    return meeting


def _validate(session: Session, data: MeetingInput, today: date) -> dict[str, str]:
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    programme = session.get(Programme, data.programme_id)
    if programme is None or programme.deleted:
        add("meeting_date", "没有这个实施方案。")
        deadlines = None  # the range of the decisions' due dates
    else:
        try:
            check_meeting_type(meeting_types(session, programme.id), data.meeting_type)
        except ValidationError as exc:
            add("meeting_type", exc.message)
        span = programme_span(programme)
        deadlines = programme_date_range(programme.year, DatePurpose.DEADLINE, span)
        problem = programme_date_range(programme.year, span=span).problem(
            data.meeting_date, "例会日期"
        )
        if problem:
            add("meeting_date", problem)
        elif data.meeting_date > today:
            add("meeting_date", "例会日期不能晚于今天：会议召开后再登记。")
    chair = data.chair.strip()
    if not chair:
        add("chair", "请填写主持人。")
    for key, label, value, limit in (
        ("chair", "主持人", chair, MAX_CHAIR),
        ("location", "会议地点", data.location.strip(), MAX_LOCATION),
        ("attendees", "参会人员", data.attendees.strip(), MAX_ATTENDEES),
        ("notes", "其他事项", data.notes.strip(), MAX_NOTES),
    ):
        if len(value) > limit:
            add(key, f"{label}不能超过 {limit} 字。")

    names = {u.id: u.name for u in reporting_units(session)}
    seen: set[int] = set()
    for report in data.reports:
        name = names.get(report.unit_id)
        if name is None:
            add("reports", "汇报单位应为社区矫正科或局科室。")
            continue
        if report.unit_id in seen:
            add("reports", f"{name}的汇报填写了两次，请合并为一条。")
        seen.add(report.unit_id)
        for label, text in (("工作进展", report.progress), ("存在问题", report.problems)):
            if len(text.strip()) > MAX_REPORT_CHARS:
                add("reports", f"{name}的“{label}”不能超过 {MAX_REPORT_CHARS} 字。")

    responsible = {u.id for u in responsible_units(session)}
    if len(data.decisions) > MAX_DECISIONS:
        add("decisions", f"议定事项最多 {MAX_DECISIONS} 项。")
    for number, decision in enumerate(data.decisions, start=1):
        text = decision.text.strip()
        if not text:
            add("decisions", f"第 {number} 项议定事项请填写内容。")
        elif len(text) > MAX_DECISION_CHARS:
            add("decisions", f"第 {number} 项议定事项不能超过 {MAX_DECISION_CHARS} 字。")
        if (
            decision.responsible_unit_id is not None
            and decision.responsible_unit_id not in responsible
        ):
            add("decisions", f"第 {number} 项议定事项的责任单位不存在。")
        if decision.due_date is None:
            continue
        label = f"第 {number} 项议定事项的完成时限"
        problem = deadlines.problem(decision.due_date, label) if deadlines else None
        if problem:
            add("decisions", problem)
        elif decision.due_date < data.meeting_date:
            add("decisions", f"{label}不能早于例会日期。")
    return {key: "；".join(messages) for key, messages in errors.items()}


def save_meeting(
    session: Session, meeting_id: int | None, data: MeetingInput, local_unit_id: int | None,
    today: date,
) -> Meeting:  # fmt: skip
    """Create (``meeting_id`` None) or update a meeting with its reports and decisions.

    Every problem is named at once (FormErrors, keyed by field: meeting_type, meeting_date,
    chair, location, attendees, notes, reports, decisions); nothing is saved then. A report with neither
    progress nor problems is no report. Reports and decisions left out are deleted (soft).
    """
    require(session, "meeting.edit")
    meeting = None if meeting_id is None else _live_meeting(session, meeting_id)
    if meeting is not None:
        _check_owner(meeting, local_unit_id)
    errors = _validate(session, data, today)
    if errors:
        raise FormErrors(errors)
    if meeting is None:
        meeting = Meeting(owner_unit_id=local_unit_id)
        session.add(meeting)
        expected = None
    else:
        expected = data.expected_revision
    with concurrency.editing(session, meeting, expected, shown=MEETING_SHOWN):
        _save_meeting(session, meeting, data)
    return meeting


def _meeting_parts(session: Session, meeting: Meeting) -> dict[str, str]:
    """A meeting's reports and decisions as the conflict dialog shows them."""
    names = {u.id: u.name for u in session.scalars(select(Unit))}
    reports = [
        f"{names.get(r.unit_id, '')}：{r.progress}" + (f"（问题：{r.problems}）" if r.problems else "")
        for r in _live_reports(session, meeting.id)
    ] if meeting.id is not None else []  # fmt: skip
    decisions = [
        d.text + (f"（{names.get(d.responsible_unit_id, '')}）" if d.responsible_unit_id else "")
        + (f"，{d.due_date.isoformat()}前" if d.due_date else "") + ("，已完成" if d.done else "")
        for d in _live_decisions(session, meeting.id)
    ] if meeting.id is not None else []  # fmt: skip
    return {
        "各单位汇报": "；".join(reports) or "（空）",
        "议定事项": "；".join(decisions) or "（空）",
    }


MEETING_SHOWN = concurrency.Shown(
    extra=_meeting_parts,
    labels={"meeting_date": "会议日期", "chair": "主持人", "attendees": "参会人员",
            "location": "地点", "notes": "备注", "meeting_type": "会议类型", "programme_id": "年度"},
)  # fmt: skip


def _save_meeting(session: Session, meeting: Meeting, data: MeetingInput) -> None:
    meeting.programme_id = data.programme_id
    meeting.meeting_type = data.meeting_type
    meeting.meeting_date = data.meeting_date
    meeting.chair = data.chair.strip()
    meeting.attendees = data.attendees.strip()
    meeting.location = data.location.strip()
    meeting.notes = data.notes.strip()
    session.flush()
    owner = meeting.owner_unit_id

    stored: dict[int, MeetingReport] = {}
    report: MeetingReport | None
    for report in session.scalars(
        select(MeetingReport).where(MeetingReport.meeting_id == meeting.id)
        .order_by(MeetingReport.deleted, MeetingReport.id)
    ):  # fmt: skip
        stored.setdefault(report.unit_id, report)  # a live one first, else a deleted one revived
    kept: set[int] = set()
    for item in data.reports:
        if item.is_blank():
            continue
        progress, problems = item.progress.strip(), item.problems.strip()
        report = stored.get(item.unit_id)
        if report is None:
            report = MeetingReport(meeting_id=meeting.id, unit_id=item.unit_id, owner_unit_id=owner)
            session.add(report)
        report.progress, report.problems, report.deleted = progress, problems, False
        kept.add(item.unit_id)
    for unit_id, report in stored.items():
        if unit_id not in kept and not report.deleted:
            report.deleted = True

    current = {
        d.id: d
        for d in session.scalars(
            select(MeetingDecision).where(MeetingDecision.meeting_id == meeting.id,
                                          MeetingDecision.deleted.is_(False))
        )
    }  # fmt: skip
    for order, wanted in enumerate(data.decisions):
        decision = current.pop(wanted.id, None) if wanted.id is not None else None
        if decision is None:
            decision = MeetingDecision(meeting_id=meeting.id, owner_unit_id=owner)
            session.add(decision)
        decision.text = wanted.text.strip()
        decision.responsible_unit_id = wanted.responsible_unit_id
        decision.due_date = wanted.due_date
        decision.done = wanted.done
        decision.sort_order = order
    for decision in current.values():
        decision.deleted = True
    concurrency.touch_if_parts_changed(session, meeting, MeetingReport, MeetingDecision)
    session.flush()


def load_meeting(session: Session, meeting_id: int) -> MeetingInput:
    """A stored meeting as the editor holds it (reports in the units' order)."""
    meeting = _live_meeting(session, meeting_id)
    order = {u.id: n for n, u in enumerate(reporting_units(session))}
    reports = sorted(
        (
            ReportInput(unit_id=r.unit_id, progress=r.progress, problems=r.problems)
            for r in _live_reports(session, meeting.id)
        ),
        key=lambda r: order.get(r.unit_id, len(order)),
    )
    decisions = [
        DecisionInput(
            text=d.text,
            responsible_unit_id=d.responsible_unit_id,
            due_date=d.due_date,
            done=d.done,
            id=d.id,
        )
        for d in _live_decisions(session, meeting.id)
    ]
    return MeetingInput(
        programme_id=meeting.programme_id,
        meeting_date=meeting.meeting_date,
        chair=meeting.chair,
        meeting_type=meeting.meeting_type,
        attendees=meeting.attendees,
        location=meeting.location,
        notes=meeting.notes,
        reports=reports,
        decisions=decisions,
        expected_revision=meeting.revision,
    )


def _live_reports(session: Session, meeting_id: int) -> list[MeetingReport]:
    return list(
        session.scalars(
            select(MeetingReport)
            .where(MeetingReport.meeting_id == meeting_id, MeetingReport.deleted.is_(False))
            .order_by(MeetingReport.id)
        )
    )


def _live_decisions(session: Session, meeting_id: int) -> list[MeetingDecision]:
    return list(
        session.scalars(
            select(MeetingDecision)
            .where(MeetingDecision.meeting_id == meeting_id, MeetingDecision.deleted.is_(False))
            .order_by(MeetingDecision.sort_order, MeetingDecision.id)
        )
    )


def delete_meeting(
    session: Session, meeting_id: int, local_unit_id: int | None,
    expected_revision: int | None = None,
) -> None:  # fmt: skip
    """Delete (soft) a meeting with its reports and decisions (refused when it changed since
    ``expected_revision``, the one listed)."""
    require(session, "meeting.edit")
    meeting = _live_meeting(session, meeting_id)
    _check_owner(meeting, local_unit_id)
    concurrency.check(session, meeting, expected_revision, shown=MEETING_SHOWN)
    meeting.deleted = True
    records: list[MeetingReport | MeetingDecision] = [
        *_live_reports(session, meeting_id),
        *_live_decisions(session, meeting_id),
    ]
    for record in records:
        record.deleted = True
    session.flush()


def mark_decision_done(
    session: Session, decision_id: int, local_unit_id: int | None, done: bool = True
) -> None:
    """Mark a decision done (or open again)."""
    require(session, "meeting.edit")
    decision = session.get(MeetingDecision, decision_id)
    if decision is None or decision.deleted or decision.meeting.deleted:
        raise ValidationError("这项议定事项已被删除。", "decision")
    _check_owner(decision.meeting, local_unit_id)
    decision.done = done
    session.flush()


# ---------------------------------------------------------------- lists
@dataclass(frozen=True)
class MeetingRow:
    """A meeting as the page lists it."""

    id: int
    meeting_date: date
    chair: str
    location: str
    reports: int
    reporting_units: int
    decisions: int
    open_decisions: int
    overdue_decisions: int
    owner_unit_id: int | None
    meeting_type: str = DEFAULT_MEETING_TYPE
    monthly: bool = True  # of the kind that fills a month (月度例会)
    revision: int = 0  # as listed: a delete is refused once it changed


@dataclass(frozen=True)
class DecisionRow:
    """A decision with its meeting, as the page lists it."""

    id: int
    meeting_id: int
    meeting_date: date
    text: str
    responsible: str
    due_date: date | None
    done: bool
    overdue: bool
    owner_unit_id: int | None


def list_meetings(session: Session, programme_id: int, today: date) -> list[MeetingRow]:
    """The programme's meetings of every type, newest first, with counts of reports and
    decisions; ``monthly`` marks those that fill their month (月度例会)."""
    monthly = meeting_types(session, programme_id).monthly
    meetings = session.scalars(
        select(Meeting)
        .where(Meeting.programme_id == programme_id, Meeting.deleted.is_(False))
        .order_by(Meeting.meeting_date.desc(), Meeting.id.desc())
    ).all()
    total = len(reporting_units(session))
    rows = []
    for meeting in meetings:
        reports = len(_live_reports(session, meeting.id))
        decisions = _live_decisions(session, meeting.id)
        pending = [d for d in decisions if not d.done]
        overdue = sum(bool(d.due_date and d.due_date < today) for d in pending)
        rows.append(MeetingRow(meeting.id, meeting.meeting_date, meeting.chair, meeting.location,
                               reports, total, len(decisions), len(pending), overdue,
                               meeting.owner_unit_id, meeting.meeting_type,
                               meeting.meeting_type == monthly, meeting.revision))  # fmt: skip
    return rows


def open_decisions(
    session: Session, today: date, programme_id: int | None = None
) -> list[DecisionRow]:
    """Decisions not done (of one programme's meetings, or all): those with a due date first,
    soonest first, then the others by meeting date. Overdue when ``today`` is past the due date."""
    responsible = Unit.__table__.alias("responsible")
    query = (
        select(MeetingDecision, Meeting.meeting_date, Meeting.owner_unit_id, responsible.c.name)
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .outerjoin(responsible, responsible.c.id == MeetingDecision.responsible_unit_id)
        .where(MeetingDecision.done.is_(False), MeetingDecision.deleted.is_(False),
               Meeting.deleted.is_(False))
        .order_by(MeetingDecision.due_date.is_(None), MeetingDecision.due_date,
                  Meeting.meeting_date, MeetingDecision.sort_order)
    )  # fmt: skip
    if programme_id is not None:
        query = query.where(Meeting.programme_id == programme_id)
    rows = []
    for d, when, owner, name in session.execute(query):
        overdue = bool(d.due_date and d.due_date < today)
        rows.append(DecisionRow(d.id, d.meeting_id, when, d.text, name or "", d.due_date, d.done,
                                overdue, owner))  # fmt: skip
    return rows


def _month_start(value: date) -> date:
    return value.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def due_months(session: Session, programme_id: int, today: date) -> list[date]:
    """The months (their first days) that should have had a meeting by ``today``: the whole
    months of the programme's period (its first month when it starts on the 1st, else the
    month after), through the month of its last day, each once it is over. A programme whose
    start was never set (a database from before periods) starts with its first phase's month
    instead, as it always did."""
    from app.models import Programme

    period = programme_period(session, programme_id)
    month = _month_start(period.start)
    if period.start.day != 1:
        month = _next_month(month)
    if session.get_one(Programme, programme_id).start_date is None:
        first = session.scalar(
            select(func.min(Phase.start_date)).where(
                Phase.programme_id == programme_id, Phase.deleted.is_(False)
            )
        )
        if first is not None and period.start <= first <= period.end:
            month = max(month, _month_start(first))
    last = _month_start(period.end)
    months = []
    while month <= last and month < _month_start(today):
        months.append(month)
        month = _next_month(month)
    return months


def missing_months(session: Session, programme_id: int, today: date) -> list[date]:
    """The due months (their first days) with no monthly meeting (月度例会) recorded — a
    meeting of another type never fills a month; see the module's docstring."""
    monthly = meeting_types(session, programme_id).monthly
    held = {
        _month_start(when)
        for when in session.scalars(
            select(Meeting.meeting_date).where(
                Meeting.programme_id == programme_id, Meeting.deleted.is_(False),
                Meeting.meeting_type == monthly,
            )
        )
    }  # fmt: skip
    return [month for month in due_months(session, programme_id, today) if month not in held]


# ---------------------------------------------------------------- minutes (纪要) for the PDF
@dataclass(frozen=True)
class MinutesReport:
    """A unit's report in the minutes."""

    unit: str
    progress: str
    problems: str


@dataclass(frozen=True)
class MinutesDecision:
    """A decision in the minutes."""

    text: str
    responsible: str
    due_date: date | None


@dataclass
class MeetingMinutes:
    """What the minutes PDF shows, read in one session (plain values, safe in a thread)."""

    issuer: str
    programme_title: str
    meeting_date: date
    location: str
    chair: str
    attendees: str
    notes: str
    reports: list[MinutesReport] = field(default_factory=list)
    decisions: list[MinutesDecision] = field(default_factory=list)
    full_name: str = DEFAULT_FULL_NAME  # 大帮教工作中层干部月度例会, 大帮教工作座谈会…
    short_name: str = "例会"  # how the text calls it: 例会, 座谈会…
    monthly: bool = True  # the month's 例会 (the title gives the month under it)

    @property
    def title(self) -> str:
        """大帮教工作中层干部月度例会纪要, 大帮教工作动员部署会纪要…"""
        return f"{self.full_name}纪要"

    @property
    def file_name(self) -> str:
        """例会纪要-2018-07-05.pdf, 座谈会纪要-2018-07-20.pdf"""
        return f"{self.short_name}纪要-{self.meeting_date:%Y-%m-%d}.pdf"


def meeting_minutes(session: Session, meeting_id: int) -> MeetingMinutes:
    """The minutes of a meeting: its particulars, the reports in the units' order, decisions."""
    meeting = _live_meeting(session, meeting_id)
    programme = session.get(Programme, meeting.programme_id) if meeting.programme_id else None
    names = {u.id: u.name for u in session.scalars(select(Unit))}
    data = load_meeting(session, meeting_id)
    types = meeting_types(session, meeting.programme_id)
    return MeetingMinutes(
        issuer=(template_section(session, programme.id, "minutes").get("issuer") or programme.issuer)
        if programme else "",
        programme_title=programme.title if programme else "",
        meeting_date=meeting.meeting_date, location=meeting.location, chair=meeting.chair,
        attendees=meeting.attendees, notes=meeting.notes,
        reports=[MinutesReport(names.get(r.unit_id, ""), r.progress, r.problems) for r in data.reports],
        decisions=[MinutesDecision(d.text, names.get(d.responsible_unit_id, "") if d.responsible_unit_id else "",
                                   d.due_date) for d in data.decisions],
        full_name=types.full_name(meeting.meeting_type),
        short_name=types.short_name(meeting.meeting_type),
        monthly=meeting.meeting_type == types.monthly,
    )  # fmt: skip
