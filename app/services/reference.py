"""Reference data: units, pairings, duties and indicators — listing and editing.

Rows are handed to the UI as plain dataclasses, so nothing lazy-loads after the session ends.
Every change is validated here; a ValidationError carries a Chinese message and the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from app.models import (
    Duty,
    EntryKind,
    Indicator,
    IndicatorMeasure,
    Pairing,
    Programme,
    SyncedRecord,
    Unit,
    UnitKind,
)
from app.services import concurrency
from app.services.accounts import require
from app.services.errors import ValidationError
from app.services.forms import COMMON_SUM_FIELDS, FieldDef, parse_fields

UNIT_KIND_LABELS: dict[UnitKind, str] = {
    UnitKind.CITY_OFFICE: "市矫正办",
    UnitKind.COUNTY_OFFICE: "县矫正办",
    UnitKind.CORRECTION_SECTION: "社区矫正科",
    UnitKind.DEPARTMENT: "局科室",
    UnitKind.JUDICIAL_OFFICE: "司法所",
}

MEASURE_LABELS: dict[IndicatorMeasure, str] = {
    IndicatorMeasure.COUNT: "按台账条数",
    IndicatorMeasure.SUM: "按字段求和",
    IndicatorMeasure.MANUAL: "手工填报",
}

MEASURE_UNITS = ["次", "人次", "件", "场", "元", "人", "篇", "个", "%"]


@dataclass(frozen=True)
class UnitRow:
    """A unit as the organisation page shows it."""

    id: int
    name: str
    kind: UnitKind
    parent_name: str
    responsible_person: str
    phone: str
    paired_with: str
    revision: int = 0  # as listed: carried to a save or delete (已被他人修改)

    @property
    def kind_label(self) -> str:
        """The kind in Chinese."""
        return UNIT_KIND_LABELS[self.kind]


@dataclass(frozen=True)
class PairingRow:
    """One department–office pairing."""

    id: int
    department_id: int
    department: str
    office_id: int
    office: str
    note: str


@dataclass(frozen=True)
class DutyRow:
    """A duty of a department."""

    id: int
    department_id: int
    text: str
    sort_order: int
    indicator_count: int
    revision: int = 0  # as listed: carried to a save or delete (已被他人修改)


@dataclass(frozen=True)
class IndicatorRow:
    """An indicator of a duty."""

    id: int
    duty_id: int
    name: str
    measure_unit: str
    annual_target: float
    weight: float
    measure: IndicatorMeasure
    entry_kind_id: int | None
    entry_kind_name: str
    sum_field: str
    value_unit_id: int | None = None  # a manual indicator entered by its department's PC
    revision: int = 0  # as listed: carried to a save or delete (已被他人修改)


@dataclass(frozen=True)
class KindRow:
    """A ledger entry kind, for choosing which one an indicator counts."""

    id: int
    code: str
    name: str
    sum_fields: tuple[tuple[str, str], ...] = ()  # (code, label) an indicator can sum


def summable_fields(fields: list[FieldDef]) -> tuple[tuple[str, str], ...]:
    """What an indicator of a kind with these form fields can sum: 服务矫正对象人数 and numbers."""
    return (
        ("subjects_served", COMMON_SUM_FIELDS["subjects_served"]),
        *tuple((f.name, f.label) for f in fields if f.is_numeric),
    )


def _alive(model: type[SyncedRecord]) -> ColumnElement[bool]:
    return model.deleted.is_(False)


# ---------------------------------------------------------------- units


def list_units(
    session: Session, kind: UnitKind | None = None, programme_id: int | None = None
) -> list[UnitRow]:
    """Every unit (optionally of one kind) in display order, with its pairings in
    ``programme_id`` (each partner named once, whichever years it was paired in when None)."""
    parent = aliased(Unit)
    query = (
        select(Unit, parent.name)
        .outerjoin(parent, Unit.parent_id == parent.id)
        .where(_alive(Unit))
        .order_by(Unit.sort_order, Unit.id)
    )
    if kind is not None:
        query = query.where(Unit.kind == kind)
    partners: dict[int, list[str]] = {}
    for row in list_pairings(session, programme_id):
        for unit_id, partner in ((row.department_id, row.office), (row.office_id, row.department)):
            names = partners.setdefault(unit_id, [])
            if partner not in names:  # the same pairing copied into each year
                names.append(partner)
    return [
        UnitRow(
            unit.id,
            unit.name,
            unit.kind,
            parent_name or "",
            unit.responsible_person,
            unit.phone,
            "、".join(partners.get(unit.id, [])),
            unit.revision,
        )
        for unit, parent_name in session.execute(query)
    ]


MAX_UNIT_NAME_CHARS = 100
MAX_DUTY_CHARS = 500


def check_unit_name(name: str) -> str:
    """A unit's name as stored (trimmed): required, at most ``MAX_UNIT_NAME_CHARS``."""
    name = name.strip()
    if not name:
        raise ValidationError("单位名称不能为空。", field="name")
    if len(name) > MAX_UNIT_NAME_CHARS:
        raise ValidationError(f"单位名称不能超过 {MAX_UNIT_NAME_CHARS} 个字。", field="name")
    return name


def save_unit(
    session: Session,
    unit_id: int | None,
    *,
    name: str,
    kind: UnitKind,
    parent_id: int | None,
    responsible_person: str = "",
    phone: str = "",
    owner_unit_id: int | None = None,
    expected_revision: int | None = None,
) -> int:
    """Create (``unit_id`` None) or update a unit; return its id. ``expected_revision``: the
    one the form was opened with (a newer one stored: concurrency.ConcurrentEdit)."""
    require(session, "reference.edit")
    name = check_unit_name(name)
    clash = session.scalar(select(Unit).where(Unit.name == name, Unit.id != (unit_id or 0)))
    if clash is not None:
        raise ValidationError(f"已有名为“{name}”的单位。", field="name")
    if unit_id is not None and parent_id == unit_id:
        raise ValidationError("上级单位不能是它自己。", field="parent")
    unit = session.get(Unit, unit_id) if unit_id is not None else Unit(owner_unit_id=owner_unit_id)
    if unit is None:
        raise ValidationError("该单位已不存在。")
    if unit_id is None:
        unit.sort_order = (session.scalar(select(func.max(Unit.sort_order))) or 0) + 1
        session.add(unit)
    with concurrency.editing(session, unit, expected_revision if unit_id is not None else None):
        unit.name = name
        unit.kind = kind
        unit.parent_id = parent_id
        unit.responsible_person = responsible_person.strip()
        unit.phone = phone.strip()
        session.flush()
    return unit.id


def delete_unit(session: Session, unit_id: int, expected_revision: int | None = None) -> None:
    """Soft-delete a unit that has no duties or pairings left (refused when it changed since
    ``expected_revision``, the one listed)."""
    require(session, "reference.edit")
    in_use = session.scalar(
        select(func.count())
        .select_from(Pairing)
        .where(_alive(Pairing), (Pairing.department_id == unit_id) | (Pairing.office_id == unit_id))
    ) or session.scalar(
        select(func.count()).select_from(Duty).where(_alive(Duty), Duty.department_id == unit_id)
    )
    if in_use:
        raise ValidationError("该单位还有职责或挂钩结对，请先删除它们。")
    unit = session.get(Unit, unit_id)
    if unit is not None:
        concurrency.check(session, unit, expected_revision)
        unit.deleted = True


# ---------------------------------------------------------------- pairings


def list_pairings(session: Session, programme_id: int | None = None) -> list[PairingRow]:
    """Every live pairing, department by department."""
    dept, office = aliased(Unit), aliased(Unit)
    query = (
        select(Pairing, dept.name, office.name)
        .join(dept, Pairing.department_id == dept.id)
        .join(office, Pairing.office_id == office.id)
        .where(_alive(Pairing))
        .order_by(dept.sort_order, office.sort_order)
    )
    if programme_id is not None:
        query = query.where(Pairing.programme_id == programme_id)
    return [
        PairingRow(p.id, p.department_id, d, p.office_id, o, p.note)
        for p, d, o in session.execute(query)
    ]


def add_pairing(
    session: Session,
    programme_id: int,
    department_id: int,
    office_id: int,
    owner_unit_id: int | None,
) -> int:
    """Pair a department with a judicial office."""
    require(session, "reference.edit")
    department, office = session.get(Unit, department_id), session.get(Unit, office_id)
    if department is None or department.kind != UnitKind.DEPARTMENT:
        raise ValidationError("请选择一个局科室。", field="department")
    if office is None or office.kind != UnitKind.JUDICIAL_OFFICE:
        raise ValidationError("请选择一个司法所。", field="office")
    existing = session.scalar(
        select(Pairing).where(
            Pairing.programme_id == programme_id,
            Pairing.department_id == department_id,
            Pairing.office_id == office_id,
        )
    )
    if existing is not None and not existing.deleted:
        raise ValidationError(f"“{department.name}”已与“{office.name}”结对。")
    if existing is not None:
        existing.deleted = False
        return existing.id
    pairing = Pairing(
        programme_id=programme_id,
        department_id=department_id,
        office_id=office_id,
        owner_unit_id=owner_unit_id,
    )
    session.add(pairing)
    session.flush()
    return pairing.id


def delete_pairing(session: Session, pairing_id: int) -> None:
    """Soft-delete a pairing."""
    require(session, "reference.edit")
    pairing = session.get(Pairing, pairing_id)
    if pairing is not None:
        pairing.deleted = True


# ---------------------------------------------------------------- duties and indicators


def list_duties(session: Session, programme_id: int, department_id: int) -> list[DutyRow]:
    """A department's duties in the plan's order."""
    counts = (
        select(Indicator.duty_id, func.count().label("n"))
        .where(_alive(Indicator))
        .group_by(Indicator.duty_id)
        .subquery()
    )
    query = (
        select(Duty, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.duty_id == Duty.id)
        .where(Duty.programme_id == programme_id, Duty.department_id == department_id)
        .where(_alive(Duty))
        .order_by(Duty.sort_order, Duty.id)
    )
    return [
        DutyRow(d.id, d.department_id, d.text, d.sort_order, n, d.revision)
        for d, n in session.execute(query)
    ]


def save_duty(
    session: Session,
    duty_id: int | None,
    *,
    text: str,
    programme_id: int | None = None,
    department_id: int | None = None,
    owner_unit_id: int | None = None,
    expected_revision: int | None = None,
) -> int:
    """Create or update a duty's text; return its id (``expected_revision``: see
    :func:`save_unit`)."""
    require(session, "reference.edit")
    text = " ".join(text.split())
    if not text:
        raise ValidationError("职责内容不能为空。", field="text")
    if len(text) > MAX_DUTY_CHARS:
        raise ValidationError(f"职责内容不能超过 {MAX_DUTY_CHARS} 个字。", field="text")
    if duty_id is not None:
        duty = session.get(Duty, duty_id)
        if duty is None or duty.deleted:
            raise ValidationError("该职责已不存在。")
        with concurrency.editing(session, duty, expected_revision):
            duty.text = text
            session.flush()
        return duty.id
    if programme_id is None or department_id is None:
        raise ValidationError("请先选择科室。", field="department")
    last = session.scalar(
        select(func.max(Duty.sort_order)).where(
            Duty.programme_id == programme_id, Duty.department_id == department_id
        )
    )
    duty = Duty(
        programme_id=programme_id,
        department_id=department_id,
        text=text,
        sort_order=(last if last is not None else -1) + 1,
        owner_unit_id=owner_unit_id,
    )
    session.add(duty)
    session.flush()
    return duty.id


def delete_duty(session: Session, duty_id: int, expected_revision: int | None = None) -> None:
    """Soft-delete a duty together with its indicators (refused when it changed since
    ``expected_revision``, the one listed)."""
    require(session, "reference.edit")
    duty = session.get(Duty, duty_id)
    if duty is None:
        return
    concurrency.check(session, duty, expected_revision)
    duty.deleted = True
    for indicator in duty.indicators:
        indicator.deleted = True


def list_indicators(session: Session, duty_id: int) -> list[IndicatorRow]:
    """A duty's indicators in order."""
    query = (
        select(Indicator, EntryKind.name)
        .outerjoin(EntryKind, Indicator.entry_kind_id == EntryKind.id)
        .where(Indicator.duty_id == duty_id, _alive(Indicator))
        .order_by(Indicator.sort_order, Indicator.id)
    )
    return [
        IndicatorRow(
            i.id,
            i.duty_id,
            i.name,
            i.measure_unit,
            i.annual_target,
            i.weight,
            i.measure,
            i.entry_kind_id,
            kind_name or "",
            i.sum_field,
            i.value_unit_id,
            i.revision,
        )
        for i, kind_name in session.execute(query)
    ]


def list_entry_kinds(session: Session) -> list[KindRow]:
    """Ledger entry kinds an indicator can count."""
    query = select(EntryKind).where(_alive(EntryKind)).order_by(EntryKind.sort_order)
    return [
        KindRow(k.id, k.code, k.name, summable_fields(parse_fields(k.fields)))
        for k in session.scalars(query)
    ]


def parse_number(text: str, label: str, field: str) -> float:
    """A non-negative number typed by a user, or a ValidationError naming ``label``."""
    cleaned = text.strip().replace(",", "").replace("，", "")
    if not cleaned:
        raise ValidationError(f"请填写{label}。", field=field)
    try:
        value = float(cleaned)
    except ValueError:
        raise ValidationError(f"{label}必须是数字。", field=field) from None
    if not math.isfinite(value):
        raise ValidationError(f"{label}必须是数字。", field=field)
    if value < 0:
        raise ValidationError(f"{label}不能为负数。", field=field)
    return value


def save_indicator(
    session: Session,
    indicator_id: int | None,
    *,
    duty_id: int,
    name: str,
    measure_unit: str,
    annual_target: str | float,
    weight: str | float,
    measure: IndicatorMeasure,
    entry_kind_id: int | None,
    sum_field: str = "",
    owner_unit_id: int | None = None,
    entered_by_department: bool = False,
    expected_revision: int | None = None,
) -> int:
    """Create or update an indicator after checking every field; return its id. A manual
    indicator's values are entered by the county office, or by the duty's department when
    ``entered_by_department``."""
    require(session, "reference.edit")
    name = name.strip()
    if not name:
        raise ValidationError("指标名称不能为空。", field="name")
    measure_unit = measure_unit.strip()
    if not measure_unit:
        raise ValidationError("请填写计量单位，例如 次、人次、件、场、元。", field="measure_unit")
    target = parse_number(str(annual_target), "年度目标", "annual_target")
    weight_value = parse_number(str(weight), "权重", "weight")
    if weight_value > 100:
        raise ValidationError("权重不能超过 100。", field="weight")
    if measure != IndicatorMeasure.MANUAL and entry_kind_id is None:
        raise ValidationError("请选择计入的台账类型。", field="entry_kind")
    sum_field = sum_field.strip()
    if measure == IndicatorMeasure.SUM and not sum_field:
        raise ValidationError("按字段求和时请选择求和字段。", field="sum_field")
    if measure == IndicatorMeasure.SUM:
        kind = session.get(EntryKind, entry_kind_id)
        allowed = dict(summable_fields(parse_fields(kind.fields))) if kind else {}
        if sum_field not in allowed:
            raise ValidationError("求和字段不是该台账类型的数值项，请重新选择。", field="sum_field")
    department_id = session.scalar(select(Duty.department_id).where(Duty.id == duty_id))
    if indicator_id is not None:
        indicator = session.get(Indicator, indicator_id)
        if indicator is None or indicator.deleted:
            raise ValidationError("该指标已不存在。")
    else:
        last = session.scalar(
            select(func.max(Indicator.sort_order)).where(Indicator.duty_id == duty_id)
        )
        indicator = Indicator(
            duty_id=duty_id,
            owner_unit_id=owner_unit_id,
            sort_order=(last if last is not None else -1) + 1,
        )
        session.add(indicator)
    expected = expected_revision if indicator_id is not None else None
    with concurrency.editing(session, indicator, expected):
        indicator.name = name
        indicator.measure_unit = measure_unit
        indicator.annual_target = target
        indicator.weight = weight_value
        indicator.measure = measure
        indicator.entry_kind_id = entry_kind_id if measure != IndicatorMeasure.MANUAL else None
        indicator.sum_field = sum_field if measure == IndicatorMeasure.SUM else ""
        manual_by_department = measure == IndicatorMeasure.MANUAL and entered_by_department
        indicator.value_unit_id = department_id if manual_by_department else None
        session.flush()
    return indicator.id


def delete_indicator(
    session: Session, indicator_id: int, expected_revision: int | None = None
) -> None:
    """Soft-delete an indicator (refused when it changed since ``expected_revision``)."""
    require(session, "reference.edit")
    indicator = session.get(Indicator, indicator_id)
    if indicator is not None:
        concurrency.check(session, indicator, expected_revision)
        indicator.deleted = True


def department_weight_total(session: Session, programme_id: int, department_id: int) -> float:
    """Sum of the weights of a department's live indicators (a scheme usually totals 100)."""
    total = session.scalar(
        select(func.sum(Indicator.weight))
        .join(Duty, Indicator.duty_id == Duty.id)
        .where(Duty.programme_id == programme_id, Duty.department_id == department_id)
        .where(_alive(Duty), _alive(Indicator))
    )
    return float(total or 0)


def programme_title(session: Session, programme_id: int) -> str:
    """The title of a programme."""
    programme = session.get(Programme, programme_id)
    return programme.title if programme else ""


def indicator_choices(session: Session, programme_id: int) -> list[tuple[int, int, str]]:
    """(indicator id, department id, name) of every live indicator, in plan order."""
    query = (
        select(Indicator.id, Duty.department_id, Indicator.name)
        .join(Duty, Indicator.duty_id == Duty.id)
        .join(Unit, Duty.department_id == Unit.id)
        .where(Duty.programme_id == programme_id, _alive(Duty), _alive(Indicator))
        .order_by(Unit.sort_order, Duty.sort_order, Indicator.sort_order)
    )
    return [
        (indicator_id, department_id, name)
        for indicator_id, department_id, name in session.execute(query)
    ]
