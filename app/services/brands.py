"""Innovation brands (品牌创建): “律师+”“调解+”“普法+”“公证+”“法援+”…; the plan asks for 1–2.

A brand is led by a department, with other units taking part; it moves 筹划中 → 创建中 →
已创建 one step at a time (and one step back to correct a mistake). 已创建 counts toward the
programme's brand goal and needs the outcomes written and at least one ledger entry attached
as evidence; while created, neither may be removed. Evidence is a live ledger entry of the lead
or of a participant unit. A milestone's due date lies in the range of a deadline (the
programme's year and some months past it, services.dates); it is marked done on a date in the
same range up to today (work before the programme does not count, and nothing is done in the
future).

Brands are the county's records: they are created and changed on the county correction
office's PC, which owns them (``owner_unit_id``) and sends them out in its packages; every
other PC only reads them. Every refusal is a Chinese message and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Brand,
    BrandEvidence,
    BrandMilestone,
    BrandParticipant,
    BrandStatus,
    EntryKind,
    GoalMetric,
    LedgerEntry,
    Unit,
    UnitKind,
)
from app.services.dates import DatePurpose, DateRange, range_for
from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.services.goals import goal_figures
from app.services.ledger import EntryRow, LedgerFilter, count_entries, list_entries
from app.services.settings import local_unit

STATUS_LABELS = {
    BrandStatus.PLANNED: "筹划中",
    BrandStatus.BUILDING: "创建中",
    BrandStatus.CREATED: "已创建",
}
FORWARD = {BrandStatus.PLANNED: BrandStatus.BUILDING, BrandStatus.BUILDING: BrandStatus.CREATED}
BACK = {BrandStatus.BUILDING: BrandStatus.PLANNED, BrandStatus.CREATED: BrandStatus.BUILDING}
SUGGESTED_NAMES = ("律师+", "调解+", "普法+", "公证+", "法援+")
PARTICIPANT_KINDS = (UnitKind.DEPARTMENT, UnitKind.JUDICIAL_OFFICE, UnitKind.CORRECTION_SECTION)
MAX_NAME_CHARS = 30
MAX_DESCRIPTION_CHARS = 2000
MAX_OUTCOMES_CHARS = 4000
MAX_MILESTONE_CHARS = 100
MAX_PARTICIPANTS = 30
CANDIDATE_LIMIT = 500


# ---------------------------------------------------------------- plain rows for the page
@dataclass(frozen=True)
class UnitChoice:
    """A unit a brand may name (lead: departments; participants: more kinds)."""

    id: int
    name: str
    kind: UnitKind


@dataclass(frozen=True)
class BrandRow:
    """A brand as the page lists it."""

    id: int
    name: str
    lead_unit_id: int
    lead: str
    participant_ids: tuple[int, ...]
    participants: tuple[str, ...]
    status: BrandStatus
    description: str
    outcomes: str
    milestones_done: int
    milestones_total: int
    evidence_count: int
    owner_unit_id: int | None

    @property
    def status_label(self) -> str:
        """筹划中, 创建中 or 已创建."""
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class MilestoneRow:
    """A milestone of a brand."""

    id: int
    title: str
    due_date: date | None
    done_on: date | None

    def overdue(self, today: date) -> bool:
        """Not done and past its due date."""
        return self.done_on is None and self.due_date is not None and today > self.due_date


@dataclass(frozen=True)
class EvidenceRow:
    """A ledger entry attached to a brand (``deleted``: the entry was deleted since)."""

    entry_id: int
    entry_date: date
    unit: str
    kind: str
    title: str
    deleted: bool


@dataclass(frozen=True)
class BrandDetail:
    """A brand with its milestones (by due date) and evidence (by entry date)."""

    brand: BrandRow
    milestones: list[MilestoneRow]
    evidence: list[EvidenceRow]


@dataclass(frozen=True)
class BrandSummary:
    """Brands created against the programme's goal (target from its BRAND_COUNT goal)."""

    created: int
    building: int
    planned: int
    goal_title: str = ""
    target_min: float | None = None
    target_max: float | None = None
    measure_unit: str = "个"

    @property
    def met(self) -> bool:
        """True when enough brands are created (False without a goal)."""
        return self.target_min is not None and self.created >= self.target_min

    @property
    def target_text(self) -> str:
        """The target as the plan states it: ``1–2 个``; empty without a goal."""
        if self.target_min is None:
            return ""
        low = f"{self.target_min:g}"
        if self.target_max is not None and self.target_max != self.target_min:
            low += f"–{self.target_max:g}"
        return f"{low} {self.measure_unit}"


@dataclass(kw_only=True)
class BrandInput:
    """What the brand form provides."""

    name: str
    lead_unit_id: int | None
    participant_ids: list[int] = field(default_factory=list)
    description: str = ""
    outcomes: str = ""


@dataclass(frozen=True)
class EvidenceChoices:
    """Ledger entries that may be attached (newest first), and how many match in all."""

    rows: list[EntryRow]
    total: int


# ---------------------------------------------------------------- who may change brands
def can_edit(session: Session) -> bool:
    """True on the county correction office's PC, which keeps the brands."""
    me = local_unit(session)
    return me is not None and me.kind == UnitKind.COUNTY_OFFICE


def _acting_unit(session: Session) -> Unit:
    me = local_unit(session)
    if me is None or me.kind != UnitKind.COUNTY_OFFICE:
        where = f"本机单位（{me.name}）" if me is not None else "本机"
        raise ValidationError(f"品牌由县矫正办登记和维护，{where}只能查看。", "unit")
    return me


def _brand(session: Session, brand_id: int, writing: bool = True) -> Brand:
    brand = session.get(Brand, brand_id)
    if brand is None or brand.deleted:
        raise ValidationError("没有这个品牌，可能已被删除。", "brand")
    if writing:
        me = _acting_unit(session)
        if brand.owner_unit_id is not None and brand.owner_unit_id != me.id:
            owner = session.get_one(Unit, brand.owner_unit_id)
            raise ValidationError(f"这个品牌由{owner.name}登记，只能在{owner.name}修改。", "brand")
    return brand


# ---------------------------------------------------------------- brands
def unit_choices(session: Session) -> tuple[list[UnitChoice], list[UnitChoice]]:
    """The units a brand may name: (lead departments, possible participants), in order."""
    units = session.scalars(
        select(Unit).where(Unit.deleted.is_(False), Unit.kind.in_(PARTICIPANT_KINDS))
        .order_by(Unit.sort_order, Unit.id)
    ).all()  # fmt: skip
    order = {kind: n for n, kind in enumerate(PARTICIPANT_KINDS)}
    choices = sorted((UnitChoice(u.id, u.name, u.kind) for u in units),
                     key=lambda c: order[c.kind])  # fmt: skip
    return [c for c in choices if c.kind == UnitKind.DEPARTMENT], choices


def _same_name(name: str) -> str:
    return "".join(name.split()).replace("＋", "+").casefold()


def _check_brand(
    session: Session, programme_id: int | None, data: BrandInput, brand: Brand | None
) -> tuple[str, list[int]]:
    """The cleaned name and participants; FormErrors naming every problem."""
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = "请填写品牌名称，例如“法援+”。"
    elif len(name) > MAX_NAME_CHARS:
        errors["name"] = f"品牌名称不能超过 {MAX_NAME_CHARS} 个字。"
    else:
        others = session.scalars(
            select(Brand.name).where(Brand.deleted.is_(False), Brand.programme_id == programme_id,
                                     Brand.id != (brand.id if brand else -1))
        )  # fmt: skip
        if any(_same_name(other) == _same_name(name) for other in others):
            errors["name"] = f"已有名为“{name}”的品牌。"
    lead = session.get(Unit, data.lead_unit_id) if data.lead_unit_id is not None else None
    if lead is None or lead.deleted:
        errors["lead_unit"] = "请选择牵头科室。"
    elif lead.kind != UnitKind.DEPARTMENT:
        errors["lead_unit"] = f"“{lead.name}”不是局科室；牵头单位须是局科室。"
    participants: list[int] = []
    problems: list[str] = []
    for unit_id in data.participant_ids:
        unit = session.get(Unit, unit_id)
        if unit is None or unit.deleted:
            problems.append("参与单位中有已不存在的单位。")
        elif unit.kind not in PARTICIPANT_KINDS:
            problems.append(f"“{unit.name}”不能作为参与单位（只能是局科室、司法所或社区矫正科）。")
        elif lead is not None and unit_id == lead.id:
            problems.append(f"“{unit.name}”已是牵头科室，不必再列为参与单位。")
        elif unit_id in participants:
            problems.append(f"“{unit.name}”重复列出。")
        else:
            participants.append(unit_id)
    if len(participants) > MAX_PARTICIPANTS:
        problems.append(f"参与单位最多 {MAX_PARTICIPANTS} 个。")
    if problems:
        errors["participants"] = "".join(dict.fromkeys(problems))
    if len(data.description.strip()) > MAX_DESCRIPTION_CHARS:
        errors["description"] = f"品牌简介不能超过 {MAX_DESCRIPTION_CHARS} 字。"
    if len(data.outcomes.strip()) > MAX_OUTCOMES_CHARS:
        errors["outcomes"] = f"创建成效不能超过 {MAX_OUTCOMES_CHARS} 字。"
    if brand is not None and brand.status == BrandStatus.CREATED and not data.outcomes.strip():
        errors["outcomes"] = "已创建的品牌须保留创建成效；如需清空，请先撤销“已创建”。"
    if brand is not None and lead is not None and "participants" not in errors:
        allowed = {lead.id, *participants}
        stranded = sorted({unit for unit, _title in _evidence_owners(session, brand.id)
                           if unit is not None and unit not in allowed})  # fmt: skip
        if stranded:
            names = "、".join(session.get_one(Unit, u).name for u in stranded)
            errors["participants"] = (f"{names}的台账是本品牌的佐证；请先移除这些佐证，"
                                      "再取消其牵头或参与。")  # fmt: skip
    if errors:
        raise FormErrors(errors)
    return name, participants


def _evidence_owners(session: Session, brand_id: int) -> list[tuple[int | None, str]]:
    return [
        (unit_id, title)
        for unit_id, title in session.execute(
            select(LedgerEntry.owner_unit_id, LedgerEntry.title)
            .join(BrandEvidence, BrandEvidence.entry_id == LedgerEntry.id)
            .where(BrandEvidence.brand_id == brand_id, BrandEvidence.deleted.is_(False))
        )
    ]


def _set_participants(session: Session, brand: Brand, unit_ids: list[int]) -> None:
    """Keep exactly these participants (a removed one is a tombstone; re-adding revives it)."""
    rows = {p.unit_id: p for p in session.scalars(
        select(BrandParticipant).where(BrandParticipant.brand_id == brand.id))}  # fmt: skip
    for unit_id, row in rows.items():
        if row.deleted == (unit_id in unit_ids):
            row.deleted = unit_id not in unit_ids
    for unit_id in unit_ids:
        if unit_id not in rows:
            session.add(BrandParticipant(brand_id=brand.id, unit_id=unit_id,
                                         owner_unit_id=brand.owner_unit_id))  # fmt: skip


def create_brand(session: Session, programme_id: int, data: BrandInput) -> int:
    """A new brand (筹划中) of the programme; returns its id."""
    me = _acting_unit(session)
    name, participants = _check_brand(session, programme_id, data, None)
    brand = Brand(programme_id=programme_id, name=name, lead_unit_id=data.lead_unit_id,
                  description=data.description.strip(), outcomes=data.outcomes.strip(),
                  status=BrandStatus.PLANNED, owner_unit_id=me.id)  # fmt: skip
    session.add(brand)
    session.flush()
    _set_participants(session, brand, participants)
    session.flush()
    return brand.id


def update_brand(session: Session, brand_id: int, data: BrandInput) -> None:
    """Change a brand's name, units, description or outcomes."""
    brand = _brand(session, brand_id)
    name, participants = _check_brand(session, brand.programme_id, data, brand)
    assert data.lead_unit_id is not None  # _check_brand requires one
    brand.name, brand.lead_unit_id = name, data.lead_unit_id
    brand.description, brand.outcomes = data.description.strip(), data.outcomes.strip()
    _set_participants(session, brand, participants)
    session.flush()


def delete_brand(session: Session, brand_id: int) -> None:
    """Delete a brand entered by mistake (not a created one), with its parts."""
    brand = _brand(session, brand_id)
    if brand.status == BrandStatus.CREATED:
        raise ValidationError("已创建的品牌不能删除；如确属误登，请先撤销“已创建”。", "status")
    brand.deleted = True
    _delete_parts(session, BrandParticipant, brand.id)
    _delete_parts(session, BrandMilestone, brand.id)
    _delete_parts(session, BrandEvidence, brand.id)
    session.flush()


_Part = TypeVar("_Part", BrandParticipant, BrandMilestone, BrandEvidence)


def _delete_parts(session: Session, model: type[_Part], brand_id: int) -> None:
    for row in session.scalars(select(model).where(model.brand_id == brand_id,
                                                   model.deleted.is_(False))):  # fmt: skip
        row.deleted = True


def live_evidence_count(session: Session, brand_id: int) -> int:
    """Evidence entries attached and not deleted from the ledger."""
    return session.scalar(
        select(func.count()).select_from(BrandEvidence)
        .join(LedgerEntry, LedgerEntry.id == BrandEvidence.entry_id)
        .where(BrandEvidence.brand_id == brand_id, BrandEvidence.deleted.is_(False),
               LedgerEntry.deleted.is_(False))
    ) or 0  # fmt: skip


def set_status(session: Session, brand_id: int, status: BrandStatus) -> None:
    """Move a brand one step forward or back; 已创建 needs outcomes and evidence."""
    brand = _brand(session, brand_id)
    current = brand.status
    label = STATUS_LABELS[status]
    if status == current:
        raise ValidationError(f"品牌已是“{label}”。", "status")
    if status == BrandStatus.CREATED and current == BrandStatus.PLANNED:
        raise ValidationError("请先把品牌设为“创建中”，再确认“已创建”。", "status")
    if status == BrandStatus.PLANNED and current == BrandStatus.CREATED:
        raise ValidationError("请先撤销“已创建”（设为“创建中”），再改回“筹划中”。", "status")
    if status == BrandStatus.CREATED:
        errors = {}
        if not brand.outcomes.strip():
            errors["outcomes"] = "确认“已创建”前，请先在“编辑…”中填写创建成效。"
        if not live_evidence_count(session, brand.id):
            errors["evidence"] = "确认“已创建”前，请至少从工作台账添加一条佐证。"
        if errors:
            raise FormErrors(errors)
    brand.status = status
    session.flush()


# ---------------------------------------------------------------- milestones
def _dates(session: Session, brand: Brand) -> DateRange:
    """The range of a milestone's due and done dates: they may run past the programme's year
    as a deadline does (services.dates)."""
    return range_for(session, brand.programme_id, DatePurpose.DEADLINE)


def _milestone(session: Session, milestone_id: int) -> tuple[BrandMilestone, Brand]:
    milestone = session.get(BrandMilestone, milestone_id)
    if milestone is None or milestone.deleted:
        raise ValidationError("没有这个节点，可能已被删除。", "milestone")
    return milestone, _brand(session, milestone.brand_id)


def _check_milestone(session: Session, brand: Brand, title: str, due_date: date | None) -> str:
    errors = {}
    title = " ".join(title.split())
    if not title:
        errors["title"] = "请填写节点名称。"
    elif len(title) > MAX_MILESTONE_CHARS:
        errors["title"] = f"节点名称不能超过 {MAX_MILESTONE_CHARS} 个字。"
    if due_date is None:
        errors["due_date"] = "请选择计划完成日期。"
    elif problem := _dates(session, brand).problem(due_date, "计划完成日期"):
        errors["due_date"] = problem
    if errors:
        raise FormErrors(errors)
    return title


def add_milestone(session: Session, brand_id: int, title: str, due_date: date | None) -> int:
    """A new milestone at the end of the brand's list; returns its id."""
    brand = _brand(session, brand_id)
    title = _check_milestone(session, brand, title, due_date)
    last = session.scalar(
        select(func.max(BrandMilestone.sort_order)).where(BrandMilestone.brand_id == brand.id)
    )
    milestone = BrandMilestone(brand_id=brand.id, title=title, due_date=due_date,
                               sort_order=(last or 0) + 1, owner_unit_id=brand.owner_unit_id)  # fmt: skip
    session.add(milestone)
    session.flush()
    return milestone.id


def update_milestone(
    session: Session, milestone_id: int, title: str, due_date: date | None
) -> None:
    """Change a milestone's name or due date."""
    milestone, brand = _milestone(session, milestone_id)
    milestone.title = _check_milestone(session, brand, title, due_date)
    milestone.due_date = due_date
    session.flush()


def mark_milestone_done(
    session: Session, milestone_id: int, done_on: date | None, today: date | None = None
) -> None:
    """Mark a milestone done on ``done_on`` (from 1 January of the programme's year to today),
    or not done again with None."""
    milestone, brand = _milestone(session, milestone_id)
    if done_on is not None:
        today = today or date.today()
        _dates(session, brand).check(done_on, field="done_on", label="完成日期")
        if done_on > today:
            raise ValidationError("完成日期不能晚于今天。", "done_on")
    milestone.done_on = done_on
    session.flush()


def delete_milestone(session: Session, milestone_id: int) -> None:
    """Remove a milestone."""
    milestone, _brand_row = _milestone(session, milestone_id)
    milestone.deleted = True
    session.flush()


# ---------------------------------------------------------------- evidence
def evidence_unit_ids(session: Session, brand: Brand) -> list[int]:
    """Units whose entries may be evidence: the lead, then the participants."""
    participants = session.scalars(
        select(BrandParticipant.unit_id).join(Unit, Unit.id == BrandParticipant.unit_id)
        .where(BrandParticipant.brand_id == brand.id, BrandParticipant.deleted.is_(False))
        .order_by(Unit.sort_order, Unit.id)
    )  # fmt: skip
    return [brand.lead_unit_id, *participants]


def _attached(session: Session, brand_id: int) -> dict[int, BrandEvidence]:
    return {e.entry_id: e for e in session.scalars(
        select(BrandEvidence).where(BrandEvidence.brand_id == brand_id))}  # fmt: skip


def attach_evidence(session: Session, brand_id: int, entry_ids: list[int]) -> int:
    """Attach ledger entries as evidence; all or none. Returns how many were attached."""
    brand = _brand(session, brand_id)
    allowed = set(evidence_unit_ids(session, brand))
    attached = _attached(session, brand.id)
    problems: list[str] = []
    if not entry_ids:
        problems.append("请至少勾选一条台账。")
    for entry_id in dict.fromkeys(entry_ids):
        entry = session.get(LedgerEntry, entry_id)
        if entry is None:
            problems.append("所选台账不存在。")
        elif entry.deleted:
            problems.append(f"“{entry.title}”已被删除，不能作为佐证。")
        elif entry.owner_unit_id not in allowed:
            owner = session.get_one(Unit, entry.owner_unit_id)
            problems.append(f"“{entry.title}”是{owner.name}的台账，{owner.name}"
                            "不是本品牌的牵头或参与单位。")  # fmt: skip
        elif entry_id in attached and not attached[entry_id].deleted:
            problems.append(f"“{entry.title}”已是本品牌的佐证。")
    if problems:
        raise ValidationError("\n".join(dict.fromkeys(problems)), "evidence")
    for entry_id in dict.fromkeys(entry_ids):
        if entry_id in attached:
            attached[entry_id].deleted = False
        else:
            session.add(BrandEvidence(brand_id=brand.id, entry_id=entry_id,
                                      owner_unit_id=brand.owner_unit_id))  # fmt: skip
    session.flush()
    return len(set(entry_ids))


def detach_evidence(session: Session, brand_id: int, entry_id: int) -> None:
    """Remove an entry from the brand's evidence (a created brand keeps at least one)."""
    brand = _brand(session, brand_id)
    row = _attached(session, brand.id).get(entry_id)
    if row is None or row.deleted:
        raise ValidationError("这条台账不是本品牌的佐证。", "evidence")
    entry = session.get_one(LedgerEntry, entry_id)
    last = not entry.deleted and live_evidence_count(session, brand.id) <= 1
    if brand.status == BrandStatus.CREATED and last:
        raise ValidationError("已创建的品牌至少要保留一条佐证；如需更换，请先添加新的佐证。",
                              "evidence")  # fmt: skip
    row.deleted = True
    session.flush()


def candidate_entries(
    session: Session, brand_id: int, unit_id: int | None = None, text: str = "",
    limit: int = CANDIDATE_LIMIT,
) -> EvidenceChoices:  # fmt: skip
    """Live entries of the lead or a participant (or of ``unit_id``, one of them) that are not
    yet evidence, newest first, at most ``limit``; ``total`` counts every match."""
    brand = _brand(session, brand_id, writing=False)
    allowed = evidence_unit_ids(session, brand)
    units = [u for u in allowed if unit_id is None or u == unit_id]
    attached = {e for e, row in _attached(session, brand.id).items() if not row.deleted}
    rows: list[EntryRow] = []
    total = 0
    for unit in units:
        flt = LedgerFilter(unit_id=unit, text=text)
        total += count_entries(session, flt)
        rows += list_entries(session, flt, limit=limit + len(attached))
    fresh = [r for r in rows if r.id not in attached]
    fresh.sort(key=lambda r: (r.entry_date, r.id), reverse=True)
    # fetching ``len(attached)`` more than needed finds every attached entry that matches
    return EvidenceChoices(fresh[:limit], total - (len(rows) - len(fresh)))


# ---------------------------------------------------------------- the 品牌创建 page
def list_brands(session: Session, programme_id: int) -> list[BrandRow]:
    """The programme's brands in the order they were entered."""
    brands = session.scalars(
        select(Brand).where(Brand.deleted.is_(False), Brand.programme_id == programme_id)
        .order_by(Brand.id)
    ).all()  # fmt: skip
    return [_row(session, brand) for brand in brands]


def _row(session: Session, brand: Brand) -> BrandRow:
    participants = session.execute(
        select(Unit.id, Unit.name).join(BrandParticipant, BrandParticipant.unit_id == Unit.id)
        .where(BrandParticipant.brand_id == brand.id, BrandParticipant.deleted.is_(False))
        .order_by(Unit.sort_order, Unit.id)
    ).all()  # fmt: skip
    done, total = session.execute(
        select(func.count(BrandMilestone.done_on), func.count())
        .where(BrandMilestone.brand_id == brand.id, BrandMilestone.deleted.is_(False))
    ).one()  # fmt: skip
    return BrandRow(
        brand.id, brand.name, brand.lead_unit_id, brand.lead_unit.name,
        tuple(p.id for p in participants), tuple(p.name for p in participants), brand.status,
        brand.description, brand.outcomes, int(done), int(total),
        live_evidence_count(session, brand.id), brand.owner_unit_id,
    )  # fmt: skip


def brand_detail(session: Session, brand_id: int) -> BrandDetail:
    """A brand with its milestones and evidence."""
    brand = _brand(session, brand_id, writing=False)
    milestones = [
        MilestoneRow(m.id, m.title, m.due_date, m.done_on)
        for m in session.scalars(
            select(BrandMilestone)
            .where(BrandMilestone.brand_id == brand.id, BrandMilestone.deleted.is_(False))
            .order_by(BrandMilestone.due_date, BrandMilestone.sort_order, BrandMilestone.id)
        )
    ]
    evidence = [
        EvidenceRow(*values)
        for values in session.execute(
            select(LedgerEntry.id, LedgerEntry.entry_date, Unit.name, EntryKind.name,
                   LedgerEntry.title, LedgerEntry.deleted)
            .join(BrandEvidence, BrandEvidence.entry_id == LedgerEntry.id)
            .join(Unit, Unit.id == LedgerEntry.owner_unit_id)
            .join(EntryKind, EntryKind.id == LedgerEntry.kind_id)
            .where(BrandEvidence.brand_id == brand.id, BrandEvidence.deleted.is_(False))
            .order_by(LedgerEntry.entry_date, LedgerEntry.id)
        )
    ]  # fmt: skip
    return BrandDetail(_row(session, brand), milestones, evidence)


def brand_summary(session: Session, programme_id: int) -> BrandSummary:
    """How many brands are created (the goals' own figure) against the programme's goal."""
    counts = {
        status: int(n)
        for status, n in session.execute(
            select(Brand.status, func.count())
            .where(Brand.deleted.is_(False), Brand.programme_id == programme_id)
            .group_by(Brand.status)
        )
    }  # fmt: skip
    goal = next((g for g in goal_figures(session, programme_id)
                 if g.metric == GoalMetric.BRAND_COUNT), None)  # fmt: skip
    building, planned = counts.get(BrandStatus.BUILDING, 0), counts.get(BrandStatus.PLANNED, 0)
    if goal is None:
        return BrandSummary(counts.get(BrandStatus.CREATED, 0), building, planned)
    return BrandSummary(goal.done, building, planned, goal.title, goal.target_min,
                        goal.target_max, goal.measure_unit)  # fmt: skip
