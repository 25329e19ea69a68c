"""Phase summaries (阶段总结): a department's summary of a phase or of the whole year.

A summary starts as a draft whose sections are pre-filled with figures from the ledger; the
clerk rewrites them in words and picks captioned photos from the department's own entries.
草稿 → 已提交 (frozen, dated; late if after the deadline) → 已退回 (by the county, with a
comment; editing reopens it as a draft) or 已采用. The county's decision is a separate record
it owns (``SummaryReview``) about one submitted revision, so it travels back to the department.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Table, case, func, select, update
from sqlalchemy.orm import Session

from app.models import (
    EntryAttachment,
    EntryKind,
    LedgerEntry,
    Pairing,
    Phase,
    PhaseSummary,
    ReviewDecision,
    SummaryPhoto,
    SummaryReview,
    SummaryStatus,
    Unit,
)
from app.services import audit, concurrency, unit_scope
from app.services.accounts import require
from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.services.goals import departments
from app.services.period import programme_period
from app.services.progress import IndicatorProgress, indicator_progress
from app.services.visits import UNNAMED_OFFICE, is_visit
from app.services.wording import cn_date

SECTIONS = ("基本情况", "主要做法与成效", "好经验好做法", "典型案例", "存在问题", "下步打算")
REQUIRED_SECTIONS = ("基本情况", "主要做法与成效")
MAX_SECTION_CHARS = 6000
MAX_PHOTOS = 60
MAX_CAPTION_CHARS = 60
YEAR = "全年"
STATUS_LABELS = {
    None: "未开始",
    SummaryStatus.DRAFT: "草稿",
    SummaryStatus.SUBMITTED: "已提交",
    SummaryStatus.RETURNED: "已退回",
    SummaryStatus.ACCEPTED: "已采用",
}


# ---------------------------------------------------------------- figures from the ledger
@dataclass(frozen=True)
class KindFigure:
    """Entries of one kind: in the period, and in the year so far."""

    kind: str
    period_count: int
    year_count: int
    period_served: int
    year_served: int


@dataclass(frozen=True)
class VisitFigure:
    """走访 (see :mod:`app.services.visits`) to one office."""

    office: str
    period_count: int
    year_count: int


@dataclass(frozen=True)
class IndicatorFigure:
    """An indicator of the department against its annual target (year so far)."""

    name: str
    measure_unit: str
    target: float
    actual: float | None
    weight: float

    @property
    def ratio(self) -> float | None:
        """Actual over target, None when not computable."""
        if self.actual is None:
            return None
        return 1.0 if self.target <= 0 else self.actual / self.target


FROZEN_AT_SUBMISSION = "submitted"  # the snapshot taken when the summary was submitted
FROZEN_AT_UPGRADE = (
    "upgrade"  # submitted before snapshots existed: frozen when the program upgraded
)


@dataclass
class SummaryFigures:
    """What the ledger shows for a department and a period, and for the year to its end.

    ``frozen`` says where the figures come from: "" computed now from the ledger (a draft), or
    a snapshot kept with the submitted summary (FROZEN_AT_SUBMISSION, FROZEN_AT_UPGRADE) taken
    on ``frozen_on``.
    """

    department: str
    period_name: str
    period_start: date
    period_end: date
    year_start: date
    kinds: list[KindFigure] = field(default_factory=list)
    visits: list[VisitFigure] = field(default_factory=list)
    indicators: list[IndicatorFigure] = field(default_factory=list)
    paired_offices: list[str] = field(default_factory=list)
    photos_available: int = 0
    frozen: str = ""
    frozen_on: date | None = None

    @property
    def period_entries(self) -> int:
        """Entries in the period."""
        return sum(k.period_count for k in self.kinds)

    @property
    def year_entries(self) -> int:
        """Entries in the year up to the period's end."""
        return sum(k.year_count for k in self.kinds)

    @property
    def period_served(self) -> int:
        """Correction subjects served (人次) in the period."""
        return sum(k.period_served for k in self.kinds)

    @property
    def year_served(self) -> int:
        """Correction subjects served (人次) in the year so far."""
        return sum(k.year_served for k in self.kinds)

    @property
    def period_visits(self) -> int:
        """走访 in the period: the one count the table and the text both print."""
        return sum(v.period_count for v in self.visits)

    @property
    def year_visits(self) -> int:
        """走访 in the year up to the period's end."""
        return sum(v.year_count for v in self.visits)

    @property
    def whole_year(self) -> bool:
        """The period starts with the year (one set of columns says it all)."""
        return self.period_start <= self.year_start

    @property
    def completion(self) -> float | None:
        """Weighted completion of the indicators (each capped at 100%)."""
        known = [i for i in self.indicators if i.ratio is not None]
        weight = sum(i.weight for i in known)
        if not weight:
            return None
        return sum(i.weight * min(i.ratio or 0.0, 1.0) for i in known) / weight


def period_of(
    session: Session, programme_id: int, phase_id: int | None, as_of: date | None = None
) -> tuple[str, date, date]:
    """The period a summary covers, as (name, first day, last day).

    A phase with a deadline reports the work done until it is due: from the day after the
    programme's previous deadline (the assessment period's start when there is none) to its
    deadline. A phase without a deadline covers its own dates; the year (全年) the programme's
    assessment period. ``as_of`` (the
    day the summary is written, or a chosen date) ends the period earlier: a summary never
    counts past the day it is written.
    """
    period = programme_period(session, programme_id)
    first, last = period.assessment_start, period.assessment_end
    if phase_id is not None:
        phase = session.get(Phase, phase_id)
        if phase is None:
            raise ValidationError("没有这个阶段。", "phase")
        name, start, end = phase.name, phase.start_date, phase.end_date
        if phase.deadline is not None:
            end = phase.deadline
            earlier = session.scalar(
                select(func.max(Phase.deadline)).where(
                    Phase.programme_id == programme_id, Phase.deleted.is_(False),
                    Phase.id != phase.id, Phase.deadline < phase.deadline)
            )  # fmt: skip
            start = earlier + timedelta(days=1) if earlier is not None else first
    else:
        name, start, end = YEAR, first, last
    if as_of is not None and as_of < end:
        end = max(as_of, start)
    return name, min(start, end), end


def period_label(session: Session, programme_id: int, phase_id: int | None) -> str:
    """How a period is offered to the clerk: its name and the days its summary covers (see
    :func:`period_of`), with the deadline, e.g. "总结提升（统计 2018年1月1日至10月15日，
    10月15日前报送）"."""
    name, start, end = period_of(session, programme_id, phase_id)
    last = f"{end.month}月{end.day}日" if end.year == start.year else cn_date(end)
    text = f"{name}（统计 {cn_date(start)}至{last}"
    phase = session.get(Phase, phase_id) if phase_id is not None else None
    if phase is not None and phase.deadline is not None:
        text += f"，{phase.deadline.month}月{phase.deadline.day}日前报送"
    return text + "）"


def summary_figures(
    session: Session, programme_id: int, department_id: int, phase_id: int | None,
    progress: list[IndicatorProgress] | None = None, as_of: date | None = None,
) -> SummaryFigures:  # fmt: skip
    """The department's figures, computed now from the ledger, for the period (ending at
    ``as_of`` when earlier: see :func:`period_of`) and the year (the assessment period, or from
    the phase's start when that is earlier) up to the period's end (``progress``: every
    indicator's progress to that very end, if the caller has it)."""
    name, start, end = period_of(session, programme_id, phase_id, as_of)
    year_start = min(programme_period(session, programme_id).assessment_start, start)
    department = session.get_one(Unit, department_id)
    live = (LedgerEntry.owner_unit_id == department_id, LedgerEntry.deleted.is_(False),
            LedgerEntry.entry_date.between(year_start, end))  # fmt: skip
    in_period = LedgerEntry.entry_date >= start
    rows = session.execute(
        select(
            EntryKind.name,
            func.count(),
            func.sum(case((in_period, 1), else_=0)),
            func.coalesce(func.sum(LedgerEntry.subjects_served), 0),
            func.coalesce(func.sum(case((in_period, LedgerEntry.subjects_served), else_=0)), 0),
        )
        .join(EntryKind, EntryKind.id == LedgerEntry.kind_id)
        .where(*live)
        .group_by(EntryKind.id)
        .order_by(EntryKind.sort_order)
    ).all()
    kinds = [KindFigure(kind, int(p or 0), int(y), int(ps or 0), int(ys or 0))
             for kind, y, p, ys, ps in rows]  # fmt: skip
    office = Unit.__table__.alias("office")
    visits = [
        VisitFigure(office_name or UNNAMED_OFFICE, int(p or 0), int(y))
        for office_name, y, p in session.execute(
            select(office.c.name, func.count(), func.sum(case((in_period, 1), else_=0)))
            .outerjoin(office, office.c.id == LedgerEntry.paired_office_id)
            .where(*live, is_visit())
            .group_by(office.c.id)
            .order_by(office.c.id.is_(None), office.c.sort_order)
        )
    ]
    paired = list(
        session.scalars(
            select(Unit.name)
            .join(Pairing, Pairing.office_id == Unit.id)
            .where(Pairing.department_id == department_id, Pairing.programme_id == programme_id,
                   Pairing.deleted.is_(False))
            .order_by(Unit.sort_order)
        )
    )  # fmt: skip
    indicators = [
        IndicatorFigure(i.name, i.measure_unit, i.target, i.actual, i.weight)
        for i in (
            progress if progress is not None else indicator_progress(session, programme_id, end)
        )
        if i.department_id == department_id
    ]
    photos = session.scalar(
        select(func.count(EntryAttachment.id))
        .join(LedgerEntry, LedgerEntry.id == EntryAttachment.entry_id)
        .where(*live, in_period, EntryAttachment.deleted.is_(False))
    ) or 0  # fmt: skip
    return SummaryFigures(department.name, name, start, end, year_start, kinds, visits,
                          indicators, paired, photos)  # fmt: skip


# ---------------------------------------------------------------- the frozen snapshot
SNAPSHOT_VERSION = 1
MAX_SNAPSHOT_ROWS = 500  # kinds, visits, indicators, paired offices: each list at most
MAX_SNAPSHOT_TEXT = 200
MAX_SNAPSHOT_NUMBER = 1e12
_SNAPSHOT_KEYS = {
    "version", "frozen", "frozen_on", "department", "period_name", "period_start", "period_end",
    "year_start", "kinds", "visits", "indicators", "paired_offices", "photos_available",
}  # fmt: skip
_ROW_KEYS = {
    "kinds": ("kind", "period_count", "year_count", "period_served", "year_served"),
    "visits": ("office", "period_count", "year_count"),
    "indicators": ("name", "measure_unit", "target", "actual", "weight"),
}


def figures_snapshot(figures: SummaryFigures, frozen: str, on: date) -> dict[str, Any]:
    """The figures as JSON, kept with the submitted summary (``frozen``: why, ``on``: when)."""
    f = figures
    return {
        "version": SNAPSHOT_VERSION, "frozen": frozen, "frozen_on": on.isoformat(),
        "department": f.department, "period_name": f.period_name,
        "period_start": f.period_start.isoformat(), "period_end": f.period_end.isoformat(),
        "year_start": f.year_start.isoformat(),
        "kinds": [{"kind": k.kind, "period_count": k.period_count, "year_count": k.year_count,
                   "period_served": k.period_served, "year_served": k.year_served}
                  for k in f.kinds],
        "visits": [{"office": v.office, "period_count": v.period_count,
                    "year_count": v.year_count} for v in f.visits],
        "indicators": [{"name": i.name, "measure_unit": i.measure_unit, "target": i.target,
                        "actual": i.actual, "weight": i.weight} for i in f.indicators],
        "paired_offices": list(f.paired_offices),
        "photos_available": f.photos_available,
    }  # fmt: skip


def figures_from_snapshot(data: dict[str, Any]) -> SummaryFigures:
    """The figures a snapshot keeps (one that :func:`snapshot_problem` accepts)."""
    return SummaryFigures(
        data["department"], data["period_name"], date.fromisoformat(data["period_start"]),
        date.fromisoformat(data["period_end"]), date.fromisoformat(data["year_start"]),
        [KindFigure(**k) for k in data["kinds"]], [VisitFigure(**v) for v in data["visits"]],
        [IndicatorFigure(**i) for i in data["indicators"]], list(data["paired_offices"]),
        data["photos_available"], data["frozen"], date.fromisoformat(data["frozen_on"]),
    )  # fmt: skip


def _snapshot_value(key: str, value: Any) -> str | None:
    """Why one value of a snapshot's row is wrong, or None."""
    if key in ("kind", "office", "name", "measure_unit"):
        ok = type(value) is str and len(value) <= MAX_SNAPSHOT_TEXT
        return None if ok else "应为不超过 200 字的文字"
    if key in ("target", "actual", "weight"):
        if value is None and key == "actual":
            return None
        ok = type(value) in (int, float) and math.isfinite(value)
        return None if ok and abs(value) <= MAX_SNAPSHOT_NUMBER else "应为合理的数字"
    ok = type(value) is int and 0 <= value <= MAX_SNAPSHOT_NUMBER
    return None if ok else "应为不小于 0 的整数"


def snapshot_problem(data: Any) -> str | None:
    """Why ``data`` is no snapshot of :func:`figures_snapshot` (shape, numbers, sizes), or
    None. Said in Chinese, naming the part, never a value."""
    if type(data) is not dict or set(data) != _SNAPSHOT_KEYS:
        return "不是完整的统计数据（项目不全或有多余的项目）"
    if data["version"] != SNAPSHOT_VERSION:
        return "的版本不是本程序能读的版本"
    if data["frozen"] not in (FROZEN_AT_SUBMISSION, FROZEN_AT_UPGRADE):
        return "的冻结方式不是允许的选项"
    for key in ("frozen_on", "period_start", "period_end", "year_start"):
        try:
            date.fromisoformat(data[key])
        except (TypeError, ValueError):
            return f"中的 {key} 不是有效的日期"
    if date.fromisoformat(data["period_start"]) > date.fromisoformat(data["period_end"]):
        return "的统计期间起止颠倒"
    for key in ("department", "period_name"):
        if _snapshot_value("name", data[key]) is not None:
            return f"中的 {key} 应为不超过 200 字的文字"
    if _snapshot_value("photos_available", data["photos_available"]) is not None:
        return "中的 photos_available 应为不小于 0 的整数"
    offices = data["paired_offices"]
    if type(offices) is not list or len(offices) > MAX_SNAPSHOT_ROWS:
        return f"中的 paired_offices 应为不超过 {MAX_SNAPSHOT_ROWS} 项的列表"
    if any(_snapshot_value("office", o) is not None for o in offices):
        return "中的 paired_offices 应为不超过 200 字的文字"
    for part, keys in _ROW_KEYS.items():
        rows = data[part]
        if type(rows) is not list or len(rows) > MAX_SNAPSHOT_ROWS:
            return f"中的 {part} 应为不超过 {MAX_SNAPSHOT_ROWS} 行的列表"
        for number, row in enumerate(rows, start=1):
            if type(row) is not dict or set(row) != set(keys):
                return f"中的 {part} 第 {number} 行项目不全或有多余的项目"
            for key in keys:
                why = _snapshot_value(key, row[key])
                if why is not None:
                    return f"中的 {part} 第 {number} 行的 {key} {why}"
    return None


def figures_of(
    session: Session, summary: PhaseSummary, today: date | None = None
) -> SummaryFigures:
    """The figures a summary prints: the snapshot kept since it was submitted, else (a draft)
    computed now, up to ``today`` (the day it is written). A submitted summary without a
    snapshot (sent by an older program) counts only entries up to the day it was submitted."""
    if summary.figures:
        return figures_from_snapshot(summary.figures)
    as_of = summary.submitted_on if summary.status == SummaryStatus.SUBMITTED else None
    as_of = as_of or today or date.today()
    return summary_figures(session, summary.programme_id, summary.department_id,
                           summary.phase_id, as_of=as_of)  # fmt: skip


def freeze_unfrozen(session: Session, today: date) -> int:
    """Give each submitted summary without a snapshot (submitted before the program kept one)
    the figures of the entries dated up to the day it was submitted, frozen ``today`` and
    marked so (FROZEN_AT_UPGRADE). Nothing else changes — not the revision either: every office
    freezes its own copy when it upgrades. How many were frozen."""
    table = cast(Table, PhaseSummary.__table__)
    waiting = session.execute(
        select(table.c.id, table.c.programme_id, table.c.department_id, table.c.phase_id,
               table.c.submitted_on)
        .where(table.c.status == SummaryStatus.SUBMITTED.value, table.c.figures.is_(None),
               table.c.deleted.is_(False))
    ).all()  # fmt: skip
    for row in waiting:
        figures = summary_figures(session, row.programme_id, row.department_id, row.phase_id,
                                  as_of=row.submitted_on or today)  # fmt: skip
        session.execute(
            update(table).where(table.c.id == row.id).values(
                figures=figures_snapshot(figures, FROZEN_AT_UPGRADE, today),
                updated_at=table.c.updated_at, revision=table.c.revision)
        )  # fmt: skip
    return len(waiting)


def draft_sections(figures: SummaryFigures) -> dict[str, str]:
    """Opening text for each section, from the figures; the clerk rewrites it in words."""
    f = figures
    period = (f"{cn_date(f.period_start)}至{cn_date(f.period_end)}" if f.period_name != YEAR
              else f"{f.period_start.year}年")  # fmt: skip
    done = "；".join(f"{k.kind} {k.period_count} 次" for k in f.kinds if k.period_count)
    basic = (
        f"{period}，{f.department}共记录大帮教工作台账 {f.period_entries} 条"
        + (f"（{done}）" if done else "")
        + f"，服务社区矫正对象 {f.period_served} 人次。"
    )
    if f.period_name != YEAR:
        basic += f"全年累计台账 {f.year_entries} 条，服务 {f.year_served} 人次。"
    if f.paired_offices:
        basic += (f"本部门与{'、'.join(f.paired_offices)}挂钩结对，"
                  f"期间走访结对司法所 {f.period_visits} 次。")  # fmt: skip
    targets = []
    for item in f.indicators:
        actual = "—" if item.actual is None else f"{item.actual:g}"
        ratio = "" if item.ratio is None else f"，完成 {item.ratio * 100:.0f}%"
        targets.append(f"{item.name}：年度目标 {item.target:g}{item.measure_unit}，"
                       f"已完成 {actual}{item.measure_unit}{ratio}")  # fmt: skip
    practice = "主要量化指标完成情况：" + "；".join(targets) + "。" if targets else ""
    short = [i.name for i in f.indicators if i.ratio is not None and i.ratio < 1]
    problems = f"{'、'.join(short)}等指标尚未完成年度目标。" if short else ""
    return {
        "基本情况": basic,
        "主要做法与成效": practice,
        "好经验好做法": "",
        "典型案例": "",
        "存在问题": problems,
        "下步打算": "",
    }


# ---------------------------------------------------------------- lifecycle
def deadline_for(session: Session, programme_id: int, phase_id: int | None) -> date | None:
    """When the summary is due: the phase's deadline; for the year, the programme's last one."""
    if phase_id is not None:
        phase = session.get(Phase, phase_id)
        return phase.deadline if phase else None
    return session.scalar(
        select(func.max(Phase.deadline)).where(
            Phase.programme_id == programme_id, Phase.deleted.is_(False)
        )
    )


def latest_review(session: Session, summary: PhaseSummary) -> SummaryReview | None:
    """The county's decision on the summary as it now stands, if any."""
    return session.scalar(
        select(SummaryReview)
        .where(SummaryReview.summary_id == summary.id, SummaryReview.deleted.is_(False),
               SummaryReview.summary_revision == summary.revision)
        .order_by(SummaryReview.id.desc())
        .limit(1)
    )  # fmt: skip


def status_of(session: Session, summary: PhaseSummary | None) -> SummaryStatus | None:
    """草稿 / 已提交, or the county's 已退回 / 已采用 about the submitted version."""
    if summary is None:
        return None
    if summary.status == SummaryStatus.SUBMITTED:
        review = latest_review(session, summary)
        if review is not None:
            return SummaryStatus(review.decision.value)
    return summary.status


def find_summary(
    session: Session, programme_id: int, department_id: int, phase_id: int | None
) -> PhaseSummary | None:
    """The department's summary for the phase (or the year), if one was started."""
    query = select(PhaseSummary).where(
        PhaseSummary.programme_id == programme_id, PhaseSummary.department_id == department_id,
        PhaseSummary.deleted.is_(False),
        PhaseSummary.phase_id.is_(None) if phase_id is None else PhaseSummary.phase_id == phase_id,
    )  # fmt: skip
    return session.scalar(query.order_by(PhaseSummary.id).limit(1))


def start_summary(
    session: Session, programme_id: int, department_id: int, phase_id: int | None,
    today: date | None = None,
) -> PhaseSummary:  # fmt: skip
    """The department's summary for the period, started as a pre-filled draft (figures up to
    ``today``) if need be."""
    require(session, "summary.draft")
    unit_scope.check_own(session, department_id, "这份阶段总结")
    found = find_summary(session, programme_id, department_id, phase_id)
    if found is not None:
        return found
    figures = summary_figures(session, programme_id, department_id, phase_id,
                              as_of=today or date.today())  # fmt: skip
    summary = PhaseSummary(
        programme_id=programme_id, phase_id=phase_id, department_id=department_id,
        status=SummaryStatus.DRAFT, sections=draft_sections(figures), owner_unit_id=department_id,
    )  # fmt: skip
    session.add(summary)
    session.flush()
    return summary


@dataclass(frozen=True)
class PhotoChoice:
    """A photo of the department's ledger that a summary may show."""

    attachment_id: int
    sha256: str
    entry_title: str
    entry_date: date
    caption: str


def candidate_photos(session: Session, summary: PhaseSummary) -> list[PhotoChoice]:
    """Photos (images, not PDFs) of the department's live entries in the summary's period."""
    from app.models import Attachment

    _name, start, end = period_of(session, summary.programme_id, summary.phase_id)
    rows = session.execute(
        select(Attachment.id, Attachment.sha256, LedgerEntry.title, LedgerEntry.entry_date,
               EntryAttachment.caption)
        .join(EntryAttachment, EntryAttachment.attachment_id == Attachment.id)
        .join(LedgerEntry, LedgerEntry.id == EntryAttachment.entry_id)
        .where(LedgerEntry.owner_unit_id == summary.department_id, LedgerEntry.deleted.is_(False),
               EntryAttachment.deleted.is_(False), LedgerEntry.entry_date.between(start, end),
               Attachment.media_type.like("image/%"))
        .order_by(LedgerEntry.entry_date, EntryAttachment.sort_order)
    ).all()  # fmt: skip
    seen: set[int] = set()
    result = []
    for attachment_id, sha, title, when, caption in rows:
        if attachment_id not in seen:
            seen.add(attachment_id)
            result.append(PhotoChoice(attachment_id, sha, title, when, caption or title))
    return result


def chosen_photos(session: Session, summary: PhaseSummary) -> list[tuple[SummaryPhoto, str]]:
    """The summary's photos in order, with each file's SHA-256."""
    from app.models import Attachment

    return [
        (photo, sha)
        for photo, sha in session.execute(
            select(SummaryPhoto, Attachment.sha256)
            .join(Attachment, Attachment.id == SummaryPhoto.attachment_id)
            .where(SummaryPhoto.summary_id == summary.id, SummaryPhoto.deleted.is_(False))
            .order_by(SummaryPhoto.sort_order, SummaryPhoto.id)
        )
    ]


def _editable(session: Session, summary: PhaseSummary) -> None:
    status = status_of(session, summary)
    if status == SummaryStatus.SUBMITTED:
        raise ValidationError("总结已提交，不能再修改；县矫正办退回后才能修改。", "status")
    if status == SummaryStatus.ACCEPTED and not _unlocked(session, summary):
        raise ValidationError(
            "总结已被县矫正办采用，不能再修改（县矫正办解锁本阶段台账后才能修改并重新提交）。",
            "status",
        )


def _unlocked(session: Session, summary: PhaseSummary) -> bool:
    """Adopted, then its period unlocked by the county (for the summary as it stands): the
    department corrects and resubmits it, and the next adoption closes the period again."""
    from app.services.period_locks import summary_unlocked

    return summary_unlocked(session, summary)


def section_problems(sections: dict[str, str]) -> dict[str, str]:
    """What is wrong with a summary's sections, keyed by section (``sections`` for names that
    are no section): only the sections of SECTIONS, each at most MAX_SECTION_CHARS."""
    errors: dict[str, str] = {}
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        errors["sections"] = f"没有这些栏目：{'、'.join(sorted(unknown))}。"
    for name in SECTIONS:
        if len(sections.get(name, "")) > MAX_SECTION_CHARS:
            errors[name] = f"“{name}”不能超过 {MAX_SECTION_CHARS} 字。"
    return errors


def save_summary(
    session: Session, summary_id: int, sections: dict[str, str], photos: list[tuple[int, str]],
    expected_revision: int | None = None,
) -> None:  # fmt: skip
    """Save the text and the chosen photos ``(attachment id, caption)`` of a draft (or of a
    returned summary, which becomes a draft again). Every problem is named; nothing is saved.
    ``expected_revision``: the one the editor was opened with (a newer one stored:
    concurrency.ConcurrentEdit)."""
    require(session, "summary.draft")
    summary = session.get_one(PhaseSummary, summary_id)
    unit_scope.check_own(session, summary.department_id, "这份阶段总结")
    _editable(session, summary)
    errors = section_problems(sections)
    allowed = {p.attachment_id for p in candidate_photos(session, summary)}
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = f"最多选 {MAX_PHOTOS} 张照片。"
    elif len({a for a, _ in photos}) != len(photos):
        errors["photos"] = "同一张照片选了两次。"
    for number, (attachment_id, caption) in enumerate(photos, start=1):
        if attachment_id not in allowed:
            errors["photos"] = f"第 {number} 张照片不是本部门本期台账中的照片。"
        elif not caption.strip():
            errors["photos"] = f"请为第 {number} 张照片填写说明。"
        elif len(caption.strip()) > MAX_CAPTION_CHARS:
            errors["photos"] = f"第 {number} 张照片的说明不能超过 {MAX_CAPTION_CHARS} 字。"
    if errors:
        raise FormErrors(errors)
    with concurrency.editing(session, summary, expected_revision, shown=SUMMARY_SHOWN):
        _save_draft(session, summary, sections, photos)


def _summary_parts(session: Session, summary: PhaseSummary) -> dict[str, str]:
    """A summary's sections by their titles and its photos' captions (the conflict dialog)."""
    shown = {name: (summary.sections or {}).get(name, "") or "（空）" for name in SECTIONS}
    captions = [photo.caption for photo, _sha in chosen_photos(session, summary)]
    shown["图片资料"] = f"{len(captions)} 张" + (f"：{'、'.join(captions)}" if captions else "")
    return shown


SUMMARY_SHOWN = concurrency.Shown(
    extra=_summary_parts, omit=("sections", "figures", "status", "submitted_on")
)


def _save_draft(
    session: Session, summary: PhaseSummary, sections: dict[str, str],
    photos: list[tuple[int, str]],
) -> None:  # fmt: skip
    summary.sections = {name: sections.get(name, "").strip() for name in SECTIONS}
    summary.status = SummaryStatus.DRAFT
    summary.figures = None  # a draft's figures are computed live until it is submitted again
    current = {p.attachment_id: p for p, _sha in chosen_photos(session, summary)}
    for order, (attachment_id, caption) in enumerate(photos):
        photo = current.pop(attachment_id, None)
        if photo is None:
            photo = SummaryPhoto(summary_id=summary.id, attachment_id=attachment_id,
                                 owner_unit_id=summary.department_id)  # fmt: skip
            session.add(photo)
        photo.caption, photo.sort_order = caption.strip(), order
    for photo in current.values():
        photo.deleted = True
    concurrency.touch_if_parts_changed(session, summary, SummaryPhoto)
    session.flush()


def submit_summary(session: Session, summary_id: int, on: date) -> None:
    """Freeze the summary — its text and a snapshot of its figures up to ``on`` — and date it
    (late when after the deadline)."""
    require(session, "summary.submit")
    summary = session.get_one(PhaseSummary, summary_id)
    unit_scope.check_own(session, summary.department_id, "这份阶段总结")
    _editable(session, summary)
    missing = {name: f"请填写“{name}”。" for name in REQUIRED_SECTIONS
               if not (summary.sections or {}).get(name, "").strip()}  # fmt: skip
    if missing:
        raise FormErrors(missing)
    figures = summary_figures(session, summary.programme_id, summary.department_id,
                              summary.phase_id, as_of=on)  # fmt: skip
    summary.figures = figures_snapshot(figures, FROZEN_AT_SUBMISSION, on)
    summary.status = SummaryStatus.SUBMITTED
    summary.submitted_on = on
    session.flush()
    audit.record(session, "submit", "提交阶段总结", record=summary)


def review_summary(
    session: Session, summary_id: int, decision: ReviewDecision, comment: str, on: date,
    reviewer_unit_id: int | None,
) -> SummaryReview:  # fmt: skip
    """The county returns (with a comment) or accepts the submitted summary (its review
    owned by the county: ``reviewer_unit_id`` counts only where no unit is set up)."""
    require(session, "summary.review")
    county = unit_scope.county_deciding(session, "阶段总结由县矫正办采用、退回")
    if county is not None:
        reviewer_unit_id = county.id
    summary = session.get(PhaseSummary, summary_id)
    if summary is None or status_of(session, summary) != SummaryStatus.SUBMITTED:
        raise ValidationError("只能审核已提交、尚未处理的总结。", "status")
    if decision == ReviewDecision.RETURNED and not comment.strip():
        raise ValidationError("退回时请写明需要修改的地方。", "comment")
    review = SummaryReview(summary_id=summary.id, summary_revision=summary.revision,
                           decision=decision, comment=comment.strip(), decided_on=on,
                           owner_unit_id=reviewer_unit_id)  # fmt: skip
    session.add(review)
    session.flush()
    adopted = decision != ReviewDecision.RETURNED
    audit.record(session, "adopt" if adopted else "return",
                 "采用阶段总结" if adopted else "退回阶段总结", record=summary)  # fmt: skip
    return review


# ---------------------------------------------------------------- the 阶段总结 page
@dataclass(frozen=True)
class SummaryRow:
    """A department's summary for the chosen period, as the page lists it."""

    department_id: int
    department: str
    summary_id: int | None
    status: SummaryStatus | None
    deadline: date | None
    submitted_on: date | None
    comment: str
    unlocked: bool = False  # adopted, and its period's entries unlocked by the county since

    @property
    def status_label(self) -> str:
        """草稿, 已提交…"""
        return STATUS_LABELS[self.status]

    @property
    def state_label(self) -> str:
        """What the list shows: the status, and 已采用（已解锁） once the county has unlocked
        the adopted summary's entries (services.period_locks)."""
        return "已采用（已解锁）" if self.unlocked else self.status_label

    @property
    def late(self) -> bool:
        """Submitted after the deadline."""
        return bool(self.deadline and self.submitted_on and self.submitted_on > self.deadline)

    def overdue(self, today: date) -> bool:
        """Not (or no longer) submitted and the deadline has passed."""
        waiting = self.status in (None, SummaryStatus.DRAFT, SummaryStatus.RETURNED)
        return bool(self.deadline and waiting and today > self.deadline)


def summary_rows(session: Session, programme_id: int, phase_id: int | None) -> list[SummaryRow]:
    """Every department with its summary's status for the period (started or not)."""
    from app.services.period_locks import locked_periods

    deadline = deadline_for(session, programme_id, phase_id)
    rows = []
    for department in departments(session):
        summary = find_summary(session, programme_id, department.id, phase_id)
        status = status_of(session, summary)
        review = latest_review(session, summary) if summary else None
        # an adopted summary locks its period unless the county unlocked it since
        unlocked = (
            summary is not None
            and status == SummaryStatus.ACCEPTED
            and all(p.summary_id != summary.id for p in locked_periods(session, department.id))
        )
        rows.append(
            SummaryRow(
                department.id, department.name, summary.id if summary else None, status,
                deadline, summary.submitted_on if summary and status != SummaryStatus.DRAFT else None,
                review.comment if review else "", unlocked,
            )
        )  # fmt: skip
    return rows


def phase_by_name(session: Session, programme_id: int, name: str | None) -> int | None:
    """The phase id for a name; None for 全年. Unknown names are refused with the known ones."""
    if name in (None, "", YEAR):
        return None
    phases = session.scalars(
        select(Phase).where(Phase.programme_id == programme_id, Phase.deleted.is_(False))
        .order_by(Phase.sort_order)
    ).all()  # fmt: skip
    for phase in phases:
        if phase.name == name:
            return phase.id
    known = "、".join([*(p.name for p in phases), YEAR])
    raise ValidationError(f"没有名为“{name}”的阶段。可选：{known}。", "phase")


def summary_phase(session: Session, programme_id: int) -> int | None:
    """The phase whose summaries are due (the one with a deadline), else None (全年)."""
    return session.scalar(
        select(Phase.id)
        .where(Phase.programme_id == programme_id, Phase.deleted.is_(False),
               Phase.deadline.is_not(None))
        .order_by(Phase.deadline.desc())
        .limit(1)
    )  # fmt: skip
