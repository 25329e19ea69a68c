"""Supervision and rectification (督查整改).

The inspecting office (县矫正办) records an inspection with its findings; a finding may raise a
rectification item for a responsible unit, with a deadline. Both records are the inspecting
office's own. 待整改 → 整改中 → 已整改 is reported by the responsible unit as a
``RectificationUpdate`` it owns (so it travels up in the unit's package; the county may also
record one on the unit's behalf). Only the inspecting office closes an item (已销号, from
已整改) or refuses to close it: a send-back (退回整改) is the office's own update with status
整改中 and the reason as its text, so it travels down to the unit. ``effective_status`` combines
the item with its latest update.

The inspecting office corrects or deletes (soft, with restore for undo) its inspections and
items; nothing closed (已销号) is deleted. A deleted inspection hides its items everywhere.
Dates are bounded (services.dates): an inspection lies in the programme's year; a deadline,
and the reports, send-backs and closing that follow it, in the deadline range.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, object_session

from app.models import (
    Inspection,
    RectificationItem,
    RectificationStatus,
    RectificationUpdate,
    Unit,
    UnitKind,
)
from app.services import concurrency
from app.services.accounts import require
from app.services.dates import DatePurpose, DateRange, range_for
from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.services.wording import cn_date

MAX_INSPECTORS_CHARS = 200
MAX_FINDING_CHARS = 500
MAX_TEXT_CHARS = 2000
STATUS_LABELS = {
    RectificationStatus.PENDING: "待整改",
    RectificationStatus.IN_PROGRESS: "整改中",
    RectificationStatus.RECTIFIED: "已整改",
    RectificationStatus.CLOSED: "已销号",
}
OPEN = (RectificationStatus.PENDING, RectificationStatus.IN_PROGRESS)  # not yet rectified
REPORTABLE = (RectificationStatus.IN_PROGRESS, RectificationStatus.RECTIFIED)


# ---------------------------------------------------------------- recording
@dataclass(kw_only=True)
class FindingInput:
    """One finding of an inspection; ``rectify`` raises a rectification item for it."""

    text: str
    rectify: bool = False
    responsible_unit_id: int | None = None
    deadline: date | None = None


@dataclass(kw_only=True)
class InspectionInput:
    """What the 新建督查 form collects."""

    inspection_date: date | None
    inspectors: str
    inspected_unit_id: int | None
    findings: list[FindingInput] = field(default_factory=list)
    programme_id: int | None = None


def _unit_problem(session: Session, unit_id: int | None, what: str) -> str | None:
    """Why ``unit_id`` cannot be inspected or made responsible, or None."""
    if unit_id is None:
        return f"请选择{what}。"
    unit = session.get(Unit, unit_id)
    if unit is None or unit.deleted:
        return f"没有这个{what}。"
    if unit.kind == UnitKind.CITY_OFFICE:
        return f"{what}不能是市矫正办。"
    return None


def _deadlines(session: Session, programme_id: int | None) -> DateRange:
    """The range of deadlines and of what follows them (reports, send-backs, closing)."""
    return range_for(session, programme_id, DatePurpose.DEADLINE)


def _inspection_date_problem(session: Session, programme_id: int | None, on: date | None
                             ) -> str | None:  # fmt: skip
    if on is None:
        return "请填写督查日期。"
    return range_for(session, programme_id, DatePurpose.WORK).problem(on, "督查日期")


def _item_problems(
    session: Session, finding: str, unit_id: int | None, deadline: date | None,
    inspected_on: date | None, programme_id: int | None,
) -> dict[str, str]:  # fmt: skip
    """Problems of a rectification item's fields, keyed finding / responsible_unit / deadline."""
    errors: dict[str, str] = {}
    if not finding.strip():
        errors["finding"] = "请填写需要整改的问题。"
    elif len(finding.strip()) > MAX_FINDING_CHARS:
        errors["finding"] = f"问题不能超过 {MAX_FINDING_CHARS} 字。"
    problem = _unit_problem(session, unit_id, "责任单位")
    if problem:
        errors["responsible_unit"] = problem
    if deadline is None:
        errors["deadline"] = "请填写整改期限。"
    elif problem := _deadlines(session, programme_id).problem(deadline, "整改期限"):
        errors["deadline"] = problem
    elif inspected_on is not None and deadline < inspected_on:
        errors["deadline"] = f"整改期限不能早于督查日期（{cn_date(inspected_on)}）。"
    return errors


def _new_item(
    inspection: Inspection, finding: str, unit_id: int | None, deadline: date | None
) -> RectificationItem:
    return RectificationItem(
        inspection=inspection, finding=finding.strip(), responsible_unit_id=unit_id,
        deadline=deadline, status=RectificationStatus.PENDING,
        owner_unit_id=inspection.owner_unit_id,
    )  # fmt: skip


def record_inspection(
    session: Session, data: InspectionInput, owner_unit_id: int | None
) -> Inspection:
    """Record an inspection by this PC's unit and a rectification item for every finding marked
    ``rectify``. Every problem is named (a finding's as ``finding_N``); nothing is saved."""
    require(session, "inspection.edit")
    errors: dict[str, str] = {}
    if owner_unit_id is None:
        errors[""] = "本机尚未设定所属单位，不能登记督查。"
    problem = _inspection_date_problem(session, data.programme_id, data.inspection_date)
    if problem:
        errors["inspection_date"] = problem
    inspectors = data.inspectors.strip()
    if not inspectors:
        errors["inspectors"] = "请填写督查人员。"
    elif len(inspectors) > MAX_INSPECTORS_CHARS:
        errors["inspectors"] = f"督查人员不能超过 {MAX_INSPECTORS_CHARS} 字。"
    problem = _unit_problem(session, data.inspected_unit_id, "被督查单位")
    if problem:
        errors["inspected_unit"] = problem
    inspected_on = None if "inspection_date" in errors else data.inspection_date
    for number, finding in enumerate(data.findings, start=1):
        if finding.rectify:
            found = _item_problems(session, finding.text, finding.responsible_unit_id,
                                   finding.deadline, inspected_on, data.programme_id)  # fmt: skip
        elif not finding.text.strip():
            found = {"finding": "请填写问题内容（不需要的行可删除）。"}
        elif len(finding.text.strip()) > MAX_FINDING_CHARS:
            found = {"finding": f"问题不能超过 {MAX_FINDING_CHARS} 字。"}
        else:
            found = {}
        if found:
            errors[f"finding_{number}"] = f"第 {number} 条问题：" + "".join(found.values())
    if errors:
        raise FormErrors(errors)
    texts = [f.text.strip() for f in data.findings]
    inspection = Inspection(
        programme_id=data.programme_id, inspection_date=data.inspection_date,
        inspectors=inspectors, inspected_unit_id=data.inspected_unit_id,
        findings="\n".join(f"{n}．{t}" for n, t in enumerate(texts, start=1)) if len(texts) > 1
        else "".join(texts), owner_unit_id=owner_unit_id,
    )  # fmt: skip
    session.add(inspection)
    for finding in data.findings:
        if finding.rectify:
            session.add(_new_item(inspection, finding.text, finding.responsible_unit_id,
                                  finding.deadline))  # fmt: skip
    session.flush()
    return inspection


def _check_owner(session: Session, record: Inspection | RectificationItem,
                 by_unit_id: int | None, action: str) -> None:  # fmt: skip
    """Refuse ``action`` unless ``by_unit_id`` is the inspecting office that recorded it."""
    if by_unit_id is None or record.owner_unit_id != by_unit_id:
        raise ValidationError(f"只有督查单位（{_unit_name(session, record.owner_unit_id)}）"
                              f"才能{action}。")  # fmt: skip


def _owned_inspection(session: Session, inspection_id: int, by_unit_id: int | None,
                      action: str = "为这次督查添加整改事项") -> Inspection:  # fmt: skip
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or inspection.deleted:
        raise ValidationError("没有这次督查。")
    _check_owner(session, inspection, by_unit_id, action)
    return inspection


def add_item(
    session: Session, inspection_id: int, finding: str, responsible_unit_id: int | None,
    deadline: date | None, by_unit_id: int | None,
) -> RectificationItem:  # fmt: skip
    """Add a rectification item to an inspection recorded by ``by_unit_id``."""
    require(session, "inspection.edit")
    inspection = _owned_inspection(session, inspection_id, by_unit_id)
    errors = _item_problems(session, finding, responsible_unit_id, deadline,
                            inspection.inspection_date, inspection.programme_id)  # fmt: skip
    if errors:
        raise FormErrors(errors)
    item = _new_item(inspection, finding, responsible_unit_id, deadline)
    session.add(item)
    session.flush()
    return item


# ---------------------------------------------------------------- corrections and deletion
MAX_FINDINGS_CHARS = 5000


@dataclass(kw_only=True)
class InspectionEdit:
    """What the 修改督查 form changes (its items are changed one by one)."""

    inspection_date: date | None
    inspectors: str
    inspected_unit_id: int | None
    findings: str = ""
    expected_revision: int | None = None  # as opened (InspectionRow.revision): 已被他人修改


def _later_dates(session: Session, inspection: Inspection) -> list[tuple[date, str]]:
    """Dates recorded after the inspection that it must not follow: its live items' deadlines,
    the reports on them and their closing."""
    items = [i for i in inspection.items if not i.deleted]
    found = [(i.deadline, "整改期限") for i in items]
    found += [(i.closed_on, "销号日期") for i in items if i.closed_on is not None]
    for updates in _updates(session, [i.id for i in items]).values():
        found += [(u.reported_on, "整改进展的报告日期") for u in updates]
    return sorted(found)


def update_inspection(
    session: Session, inspection_id: int, data: InspectionEdit, by_unit_id: int | None
) -> None:
    """Correct an inspection recorded by ``by_unit_id``: its date (not after its items'
    deadlines or the reports on them), inspectors, inspected unit and findings. Every problem
    is named (FormErrors); nothing is saved then."""
    require(session, "inspection.edit")
    inspection = _owned_inspection(session, inspection_id, by_unit_id, "修改这次督查")
    errors: dict[str, str] = {}
    problem = _inspection_date_problem(session, inspection.programme_id, data.inspection_date)
    later = _later_dates(session, inspection)
    if problem:
        errors["inspection_date"] = problem
    elif later and data.inspection_date is not None and data.inspection_date > later[0][0]:
        when, what = later[0]
        errors["inspection_date"] = f"督查日期不能晚于{what}（{cn_date(when)}）。"
    inspectors = data.inspectors.strip()
    if not inspectors:
        errors["inspectors"] = "请填写督查人员。"
    elif len(inspectors) > MAX_INSPECTORS_CHARS:
        errors["inspectors"] = f"督查人员不能超过 {MAX_INSPECTORS_CHARS} 字。"
    problem = _unit_problem(session, data.inspected_unit_id, "被督查单位")
    if problem:
        errors["inspected_unit"] = problem
    findings = data.findings.strip()
    if len(findings) > MAX_FINDINGS_CHARS:
        errors["findings"] = f"督查发现的问题不能超过 {MAX_FINDINGS_CHARS} 字。"
    if errors:
        raise FormErrors(errors)
    assert data.inspection_date is not None and data.inspected_unit_id is not None  # else above
    with concurrency.editing(session, inspection, data.expected_revision, shown=INSPECTION_SHOWN):
        inspection.inspection_date, inspection.inspectors = data.inspection_date, inspectors
        inspection.inspected_unit_id, inspection.findings = data.inspected_unit_id, findings
        session.flush()


INSPECTION_SHOWN = concurrency.Shown(
    labels={"inspection_date": "督查日期", "inspectors": "督查人员", "inspected_unit_id": "被督查单位",
            "findings": "督查发现的问题", "programme_id": "年度"},
)  # fmt: skip
ITEM_SHOWN = concurrency.Shown(
    labels={"finding": "问题", "responsible_unit_id": "责任单位", "deadline": "整改期限",
            "inspection_id": "督查", "closed_on": "销号日期"},
)  # fmt: skip


def delete_inspection(
    session: Session, inspection_id: int, by_unit_id: int | None,
    expected_revision: int | None = None,
) -> None:  # fmt: skip
    """Delete (soft) an inspection recorded by ``by_unit_id``; its items vanish with it (undo
    with :func:`restore_inspection`). Refused when one of its items is closed (已销号), or
    when it changed since ``expected_revision`` (the one listed)."""
    require(session, "inspection.edit")
    inspection = _owned_inspection(session, inspection_id, by_unit_id, "删除这次督查")
    concurrency.check(session, inspection, expected_revision, shown=INSPECTION_SHOWN)
    if any(i.status == RectificationStatus.CLOSED for i in inspection.items if not i.deleted):
        raise ValidationError("这次督查有已销号的整改事项，不能删除。", "status")
    inspection.deleted = True
    session.flush()


def restore_inspection(session: Session, inspection_id: int, by_unit_id: int | None) -> None:
    """Undo :func:`delete_inspection` (its items come back as they were)."""
    require(session, "inspection.edit")
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise ValidationError("没有这次督查。")
    _check_owner(session, inspection, by_unit_id, "恢复这次督查")
    inspection.deleted = False
    session.flush()


def _owned_item(session: Session, item_id: int, by_unit_id: int | None, action: str
                ) -> RectificationItem:  # fmt: skip
    item = _item(session, item_id)
    _check_owner(session, item, by_unit_id, action)
    return item


def update_item(
    session: Session, item_id: int, finding: str, responsible_unit_id: int | None,
    deadline: date | None, by_unit_id: int | None, expected_revision: int | None = None,
) -> None:  # fmt: skip
    """Correct a rectification item's finding, responsible unit or deadline (not once closed,
    nor its unit once that unit has reported on it); ``expected_revision``: as opened."""
    require(session, "inspection.edit")
    item = _owned_item(session, item_id, by_unit_id, "修改这项整改事项")
    if item.status == RectificationStatus.CLOSED:
        raise ValidationError("这项整改已销号，不能修改。", "status")
    errors = _item_problems(session, finding, responsible_unit_id, deadline,
                            item.inspection.inspection_date, item.inspection.programme_id)  # fmt: skip
    reported = any(u.owner_unit_id == item.responsible_unit_id
                   for u in _updates(session, [item.id])[item.id])  # fmt: skip
    if "responsible_unit" not in errors and responsible_unit_id != item.responsible_unit_id \
            and reported:  # fmt: skip
        errors["responsible_unit"] = (
            f"{_unit_name(session, item.responsible_unit_id)}已报告过这项整改的进展，不能更换责任单位；"
            "如确需更换，请删除本事项后重新添加。"
        )
    if errors:
        raise FormErrors(errors)
    assert responsible_unit_id is not None and deadline is not None  # reported above otherwise
    with concurrency.editing(session, item, expected_revision, shown=ITEM_SHOWN):
        item.finding, item.responsible_unit_id, item.deadline = (
            finding.strip(), responsible_unit_id, deadline)  # fmt: skip
        session.flush()


def delete_item(
    session: Session, item_id: int, by_unit_id: int | None, expected_revision: int | None = None
) -> None:
    """Delete (soft) a rectification item that is not closed (undo with :func:`restore_item`);
    refused when it changed since ``expected_revision`` (the one listed)."""
    require(session, "inspection.edit")
    item = _owned_item(session, item_id, by_unit_id, "删除这项整改事项")
    concurrency.check(session, item, expected_revision, shown=ITEM_SHOWN)
    if item.status == RectificationStatus.CLOSED:
        raise ValidationError("这项整改已销号，不能删除。", "status")
    item.deleted = True
    session.flush()


def restore_item(session: Session, item_id: int, by_unit_id: int | None) -> None:
    """Undo :func:`delete_item`."""
    require(session, "inspection.edit")
    item = session.get(RectificationItem, item_id)
    if item is None:
        raise ValidationError("没有这项整改事项。")
    _check_owner(session, item, by_unit_id, "恢复这项整改事项")
    if item.inspection.deleted:
        raise ValidationError("这项整改所属的督查已删除，请先恢复督查。")
    item.deleted = False
    session.flush()


# ---------------------------------------------------------------- status
def _unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    return unit.name if unit else "督查单位"


def _updates(session: Session, item_ids: Iterable[int]) -> dict[int, list[RectificationUpdate]]:
    """Each item's live updates, oldest first (by report date, then as recorded)."""
    ids = list(item_ids)
    result: dict[int, list[RectificationUpdate]] = {i: [] for i in ids}
    if not ids:
        return result
    query = (
        select(RectificationUpdate)
        .where(RectificationUpdate.item_id.in_(ids), RectificationUpdate.deleted.is_(False))
        .order_by(RectificationUpdate.reported_on, RectificationUpdate.created_at,
                  RectificationUpdate.id)
    )  # fmt: skip
    for update in session.scalars(query):
        result[update.item_id].append(update)
    return result


def latest_update(session: Session, item: RectificationItem) -> RectificationUpdate | None:
    """The newest report on the item (a unit's progress, or the inspector's send-back)."""
    updates = _updates(session, [item.id])[item.id]
    return updates[-1] if updates else None


def _combine(item: RectificationItem, latest: RectificationUpdate | None) -> RectificationStatus:
    if item.status == RectificationStatus.CLOSED or latest is None:
        return item.status
    return latest.status


def effective_status(item: RectificationItem) -> RectificationStatus:
    """已销号 when the inspector closed the item; else the latest update's status (a
    send-back reads 整改中); else the item's own (待整改)."""
    session = object_session(item)
    return _combine(item, latest_update(session, item) if session is not None else None)


def _item(session: Session, item_id: int) -> RectificationItem:
    item = session.get(RectificationItem, item_id)
    if item is None or item.deleted or item.inspection.deleted:
        raise ValidationError("没有这项整改事项。")
    return item


def _date_problem(session: Session, item: RectificationItem, on: date | None,
                  latest: RectificationUpdate | None, what: str) -> str | None:  # fmt: skip
    if on is None:
        return f"请填写{what}。"
    problem = _deadlines(session, item.inspection.programme_id).problem(on, what)
    if problem:
        return problem
    if on < item.inspection.inspection_date:
        return f"{what}不能早于督查日期（{cn_date(item.inspection.inspection_date)}）。"
    if latest is not None and on < latest.reported_on:
        return f"{what}不能早于上一次报告的日期（{cn_date(latest.reported_on)}）。"
    return None


def report_progress(
    session: Session, item_id: int, status: RectificationStatus, evidence: str, on: date | None,
    by_unit_id: int | None,
) -> RectificationUpdate:  # fmt: skip
    """The responsible unit reports 整改中, or 已整改 with its evidence and date. The update is
    the responsible unit's even when the inspecting office records it on the unit's behalf."""
    require(session, "inspection.edit")
    item = _item(session, item_id)
    if by_unit_id is None or by_unit_id not in (item.responsible_unit_id, item.owner_unit_id):
        raise ValidationError(
            f"只有责任单位（{_unit_name(session, item.responsible_unit_id)}）才能报告这项整改的进展。"
        )
    latest = latest_update(session, item)
    current = _combine(item, latest)
    if current == RectificationStatus.CLOSED:
        raise ValidationError("这项整改已销号，不能再报告进展。", "status")
    if current == RectificationStatus.RECTIFIED:
        raise ValidationError(
            "已报告整改完成，正等待督查单位销号；如被退回整改，可再报告。", "status"
        )
    if status not in REPORTABLE:
        raise ValidationError("只能报告“整改中”或“已整改”。", "status")
    errors: dict[str, str] = {}
    text = evidence.strip()
    if status == RectificationStatus.RECTIFIED and not text:
        errors["evidence"] = "报告“已整改”时请写明整改情况和佐证材料。"
    elif len(text) > MAX_TEXT_CHARS:
        errors["evidence"] = f"整改情况不能超过 {MAX_TEXT_CHARS} 字。"
    problem = _date_problem(session, item, on, latest, "报告日期")
    if problem:
        errors["reported_on"] = problem
    if errors:
        raise FormErrors(errors)
    update = RectificationUpdate(item_id=item.id, status=status, evidence=text, reported_on=on,
                                 owner_unit_id=item.responsible_unit_id)  # fmt: skip
    session.add(update)
    session.flush()
    return update


def _decidable(session: Session, item_id: int, by_unit_id: int | None, action: str
               ) -> tuple[RectificationItem, RectificationUpdate]:  # fmt: skip
    item = _item(session, item_id)
    if by_unit_id is None or by_unit_id != item.owner_unit_id:
        raise ValidationError(
            f"只有督查单位（{_unit_name(session, item.owner_unit_id)}）才能{action}。"
        )
    latest = latest_update(session, item)
    current = _combine(item, latest)
    if current == RectificationStatus.CLOSED:
        raise ValidationError("这项整改已经销号。", "status")
    if current != RectificationStatus.RECTIFIED or latest is None:
        raise ValidationError(f"责任单位报告“已整改”后才能{action}（现为“{STATUS_LABELS[current]}”）。",
                              "status")  # fmt: skip
    return item, latest


def close_item(session: Session, item_id: int, on: date | None, by_unit_id: int | None) -> None:
    """销号: the inspecting office accepts the reported rectification; the item keeps the
    evidence and date it accepted."""
    require(session, "inspection.close")
    item, latest = _decidable(session, item_id, by_unit_id, "销号")
    problem = _date_problem(session, item, on, latest, "销号日期")
    if problem:
        raise ValidationError(problem, "closed_on")
    item.status = RectificationStatus.CLOSED
    item.evidence, item.rectified_on, item.closed_on = latest.evidence, latest.reported_on, on
    session.flush()


def send_back(
    session: Session, item_id: int, reason: str, on: date | None, by_unit_id: int | None
) -> RectificationUpdate:
    """退回整改: the inspecting office refuses to close the item; it is 整改中 again, with the
    reason (the office's own update, which travels down to the unit)."""
    require(session, "inspection.close")
    item, latest = _decidable(session, item_id, by_unit_id, "退回整改")
    errors: dict[str, str] = {}
    text = reason.strip()
    if not text:
        errors["reason"] = "请写明退回整改的理由。"
    elif len(text) > MAX_TEXT_CHARS:
        errors["reason"] = f"理由不能超过 {MAX_TEXT_CHARS} 字。"
    problem = _date_problem(session, item, on, latest, "退回日期")
    if problem:
        errors["reported_on"] = problem
    if errors:
        raise FormErrors(errors)
    update = RectificationUpdate(item_id=item.id, status=RectificationStatus.IN_PROGRESS,
                                 evidence=text, reported_on=on, owner_unit_id=item.owner_unit_id)  # fmt: skip
    session.add(update)
    item.status, item.rectified_on = RectificationStatus.IN_PROGRESS, None
    session.flush()
    return update


# ---------------------------------------------------------------- lists
@dataclass(frozen=True)
class ItemRow:
    """A rectification item as the page lists it, with its effective status."""

    id: int
    inspection_id: int
    inspection_date: date
    inspecting_unit_id: int | None
    finding: str
    responsible_unit_id: int
    responsible_unit: str
    deadline: date
    status: RectificationStatus
    latest_text: str  # the latest report's evidence, or the send-back's reason
    reported_on: date | None  # the latest report's date
    sent_back: bool  # the latest update is the inspector's send-back
    closed_on: date | None
    revision: int = 0  # as listed: carried to a correction or delete (已被他人修改)

    @property
    def status_label(self) -> str:
        """待整改, 整改中…"""
        return STATUS_LABELS[self.status]

    def overdue(self, today: date) -> bool:
        """Not rectified and past the deadline (the deadline day itself is not overdue)."""
        return self.status in OPEN and today > self.deadline

    def days_overdue(self, today: date) -> int:
        """Days past the deadline while not rectified, else 0."""
        return (today - self.deadline).days if self.overdue(today) else 0


def _item_rows(session: Session, items: list[RectificationItem]) -> list[ItemRow]:
    updates = _updates(session, [i.id for i in items])
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    rows = []
    for item in items:
        latest = updates[item.id][-1] if updates[item.id] else None
        rows.append(
            ItemRow(
                item.id, item.inspection_id, item.inspection.inspection_date, item.owner_unit_id,
                item.finding, item.responsible_unit_id, names.get(item.responsible_unit_id, ""),
                item.deadline, _combine(item, latest), latest.evidence if latest else "",
                latest.reported_on if latest else None,
                bool(latest and latest.owner_unit_id != item.responsible_unit_id
                     and latest.owner_unit_id == item.owner_unit_id),
                item.closed_on, item.revision,
            )
        )  # fmt: skip
    return rows


def _items_query(programme_id: int | None = None) -> Select[RectificationItem]:
    query = (
        select(RectificationItem)
        .join(Inspection, Inspection.id == RectificationItem.inspection_id)
        .where(RectificationItem.deleted.is_(False), Inspection.deleted.is_(False))
        .order_by(Inspection.inspection_date, RectificationItem.deadline, RectificationItem.id)
    )
    if programme_id is not None:
        query = query.where(
            (Inspection.programme_id == programme_id) | Inspection.programme_id.is_(None)
        )
    return query


def list_items(session: Session, inspection_id: int, unit_id: int | None = None) -> list[ItemRow]:
    """An inspection's rectification items (only ``unit_id``'s when given), by deadline."""
    query = _items_query().where(RectificationItem.inspection_id == inspection_id)
    if unit_id is not None:
        query = query.where(RectificationItem.responsible_unit_id == unit_id)
    return _item_rows(session, list(session.scalars(query)))


def all_items(session: Session, programme_id: int | None = None) -> list[ItemRow]:
    """Every live rectification item (of the programme's inspections and undated ones)."""
    return _item_rows(session, list(session.scalars(_items_query(programme_id))))


def overdue_items(session: Session, today: date, programme_id: int | None = None) -> list[ItemRow]:
    """Items not rectified and past their deadline on ``today``, most overdue first."""
    rows = [r for r in all_items(session, programme_id) if r.overdue(today)]
    return sorted(rows, key=lambda r: (r.deadline, r.id))


@dataclass(frozen=True)
class UpdateRow:
    """One line of an item's history."""

    reported_on: date
    status: RectificationStatus
    text: str
    by: str
    sent_back: bool

    @property
    def label(self) -> str:
        """What happened: 报告整改中 / 报告已整改 / 退回整改 / 销号."""
        if self.status == RectificationStatus.CLOSED:
            return "销号"
        return "退回整改" if self.sent_back else "报告" + STATUS_LABELS[self.status]


def item_history(session: Session, item_id: int) -> list[UpdateRow]:
    """Every report on the item and every send-back, oldest first; then its 销号."""
    item = _item(session, item_id)
    names: dict[int | None, str] = dict(session.execute(select(Unit.id, Unit.name)).all())
    rows = [
        UpdateRow(u.reported_on, u.status, u.evidence, names.get(u.owner_unit_id, ""),
                  u.owner_unit_id == item.owner_unit_id and u.owner_unit_id != item.responsible_unit_id)
        for u in _updates(session, [item.id])[item.id]
    ]  # fmt: skip
    if item.status == RectificationStatus.CLOSED and item.closed_on is not None:
        rows.append(UpdateRow(item.closed_on, RectificationStatus.CLOSED, "",
                              names.get(item.owner_unit_id, ""), False))  # fmt: skip
    return rows


@dataclass(frozen=True)
class InspectionRow:
    """An inspection with its items' counts, as the page lists it."""

    id: int
    inspection_date: date
    inspectors: str
    inspected_unit_id: int
    inspected_unit: str
    findings: str
    owner_unit_id: int | None
    items: int
    open: int  # not yet closed (已销号)
    overdue: int
    revision: int = 0  # as listed: carried to a correction or delete (已被他人修改)


def list_inspections(
    session: Session, today: date, programme_id: int | None = None, unit_id: int | None = None
) -> list[InspectionRow]:
    """Inspections, newest first, with counts of their items on ``today``; with ``unit_id``,
    only those of that unit (inspected, or responsible for an item) and its items."""
    query = (
        select(Inspection, Unit.name)
        .join(Unit, Unit.id == Inspection.inspected_unit_id)
        .where(Inspection.deleted.is_(False))
        .order_by(Inspection.inspection_date.desc(), Inspection.id.desc())
    )
    if programme_id is not None:
        query = query.where(
            (Inspection.programme_id == programme_id) | Inspection.programme_id.is_(None)
        )
    by_inspection: dict[int, list[ItemRow]] = {}
    for row in all_items(session, programme_id):
        if unit_id is None or row.responsible_unit_id == unit_id:
            by_inspection.setdefault(row.inspection_id, []).append(row)
    result = []
    for inspection, name in session.execute(query):
        items = by_inspection.get(inspection.id, [])
        if unit_id is not None and inspection.inspected_unit_id != unit_id and not items:
            continue
        result.append(
            InspectionRow(
                inspection.id, inspection.inspection_date, inspection.inspectors,
                inspection.inspected_unit_id, name, inspection.findings, inspection.owner_unit_id,
                len(items), sum(r.status != RectificationStatus.CLOSED for r in items),
                sum(r.overdue(today) for r in items), inspection.revision,
            )
        )  # fmt: skip
    return result


@dataclass(frozen=True)
class UnitCounts:
    """A responsible unit's rectification items for a dashboard or bulletin."""

    unit_id: int
    unit: str
    total: int
    open: int  # not yet closed (待整改, 整改中, 已整改 awaiting 销号)
    overdue: int
    closed: int


def unit_counts(session: Session, today: date, programme_id: int | None = None) -> list[UnitCounts]:
    """Per responsible unit (in display order): items in all, open, overdue on ``today``, closed."""
    rows = all_items(session, programme_id)
    units = session.execute(
        select(Unit.id, Unit.name).where(Unit.id.in_({r.responsible_unit_id for r in rows}))
        .order_by(Unit.sort_order, Unit.id)
    ).all()  # fmt: skip
    result = []
    for unit_id, name in units:
        mine = [r for r in rows if r.responsible_unit_id == unit_id]
        closed = sum(r.status == RectificationStatus.CLOSED for r in mine)
        result.append(UnitCounts(unit_id, name, len(mine), len(mine) - closed,
                                 sum(r.overdue(today) for r in mine), closed))  # fmt: skip
    return result
