"""结对部门评价: each township judicial office rates the departments it is paired with.

A judicial office rates each department it is paired with (挂钩结对) once per programme, on its
own PC, item by item as the template's ``[assessment.peer_rating]`` lists them (names and full
marks are data; without a list, one overall score out of 100). The rating travels up to the
county in the office's packages; once it has left in a package it never changes. The county
reads the ratings (:func:`ratings_for`, :func:`average_rating`, :func:`rating_status`) and never
writes one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.models import Direction, PackageLog, Pairing, PeerRating, Unit, UnitKind
from app.services.dates import DateRange
from app.services.errors import ValidationError
from app.services.period import programme_period

MAX_COMMENT_CHARS = 300
MAX_ITEMS = 12


@dataclass(frozen=True)
class RatingItem:
    """One item of the rating form: its code (stored), its name and its full marks."""

    code: str
    name: str
    max: float


DEFAULT_ITEMS = (RatingItem("overall", "总体评价", 100.0),)
"""The form when the template lists no items: one overall score out of 100."""


@dataclass(frozen=True)
class RatingRow:
    """A rating as the pages show it."""

    id: int
    uuid: str
    office_id: int
    office: str
    department_id: int
    department: str
    scores: dict[str, float]
    total: float
    comment: str
    rated_on: date
    sent: bool


@dataclass(frozen=True)
class PairStatus:
    """One pairing of a programme and its rating, if the office has made one."""

    office_id: int
    office: str
    department_id: int
    department: str
    rating: RatingRow | None


# ---------------------------------------------------------------- the items (template data)


def check_items_section(section: object) -> str | None:
    """Why a template's ``[assessment.peer_rating]`` table is wrong (Chinese), or None."""
    if not isinstance(section, Mapping):
        return "[assessment.peer_rating] 应是一个表"
    items = section.get("items", [])
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        return f"结对部门评价的项目（items）应是不超过 {MAX_ITEMS} 项的列表"
    codes: set[str] = set()
    for item in items:
        if not isinstance(item, Mapping):
            return "结对部门评价的每个项目应写明 code、name、max"
        code, name, top = item.get("code"), item.get("name"), item.get("max")
        if not isinstance(code, str) or not code or code in codes:
            return f"结对部门评价项目“{name}”的 code 缺少或重复"
        if not isinstance(name, str) or not name.strip():
            return f"结对部门评价项目“{code}”缺少名称（name）"
        if isinstance(top, bool) or not isinstance(top, int | float) or not 0 < top <= 100:
            return f"结对部门评价项目“{name}”的满分（max）应在 0 到 100 之间"
        codes.add(code)
    return None


def items_from_section(section: Mapping[str, Any] | None) -> tuple[RatingItem, ...]:
    """The rating items of a template's ``[assessment.peer_rating]`` (DEFAULT_ITEMS without
    any, or when the table is wrong)."""
    if not section or check_items_section(section) is not None:
        return DEFAULT_ITEMS
    items = tuple(
        RatingItem(str(i["code"]), str(i["name"]).strip(), float(i["max"]))
        for i in section.get("items", [])
    )
    return items or DEFAULT_ITEMS


def rating_items(session: Session, programme_id: int) -> tuple[RatingItem, ...]:
    """The rating form of a programme: its template's items."""
    from app.services.documents import from_template, template_section

    def make(s: Session, pid: int) -> tuple[RatingItem, ...]:
        section = template_section(s, pid, "assessment").get("peer_rating")
        return items_from_section(section if isinstance(section, Mapping) else None)

    return from_template(session, programme_id, "peer_rating", make, DEFAULT_ITEMS)


def full_marks(items: tuple[RatingItem, ...]) -> float:
    """The highest total a rating can have."""
    return sum(item.max for item in items)


# ---------------------------------------------------------------- rules


def rating_dates(session: Session, programme_id: int) -> DateRange:
    """The dates a rating may carry: the programme's own and assessment periods."""
    period = programme_period(session, programme_id)
    return DateRange(
        earliest=min(period.start, period.assessment_start),
        latest=max(period.end, period.assessment_end),
        period_end=period.end,
    )


def item_field(code: str) -> str:
    """The field name of an item in errors (``item:<code>``)."""
    return f"item:{code}"


def check_scores(items: tuple[RatingItem, ...], scores: Mapping[str, object]) -> float:
    """The total of ``scores`` (item code → points) when every item of the form has points
    between 0 and its full marks and no other item is there; else a ValidationError naming the
    item's field."""
    known = {item.code for item in items}
    stray = [code for code in scores if code not in known]
    if stray:
        raise ValidationError(f"评价项目“{stray[0]}”不是本年度评价表中的项目。", "scores")
    total = 0.0
    for item in items:
        value = scores.get(item.code)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValidationError(f"请给“{item.name}”打分。", item_field(item.code))
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ValidationError(
                    f"“{item.name}”的得分应为数字。", item_field(item.code)
                ) from None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ValidationError(f"“{item.name}”的得分应为数字。", item_field(item.code))
        if not 0 <= value <= item.max:
            raise ValidationError(
                f"“{item.name}”的得分应在 0 到 {item.max:g} 分之间。", item_field(item.code)
            )
        total += float(value)
    return round(total, 2)


def check_comment(comment: object) -> str:
    """The comment, trimmed, when it is text of at most 300 characters; else ValidationError."""
    if not isinstance(comment, str):
        raise ValidationError("评价意见应为文字。", "comment")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValidationError(f"评价意见最多 {MAX_COMMENT_CHARS} 个字。", "comment")
    return comment


def is_paired(session: Session, programme_id: int, office_id: int, department_id: int) -> bool:
    """Whether the office and the department are paired (挂钩结对) in the programme."""
    found = session.scalar(
        select(Pairing.id).where(
            Pairing.programme_id == programme_id,
            Pairing.office_id == office_id,
            Pairing.department_id == department_id,
            Pairing.deleted.is_(False),
        )
    )
    return found is not None


def paired_departments(session: Session, programme_id: int, office_id: int) -> list[Unit]:
    """The departments an office is paired with in a programme, in the units' order."""
    return list(
        session.scalars(
            select(Unit)
            .join(Pairing, Pairing.department_id == Unit.id)
            .where(
                Pairing.programme_id == programme_id,
                Pairing.office_id == office_id,
                Pairing.deleted.is_(False),
                Unit.deleted.is_(False),
            )
            .order_by(Unit.sort_order, Unit.id)
        )
    )


def can_rate(session: Session) -> bool:
    """True on a township judicial office's PC, the only one that rates departments."""
    from app.services.settings import local_unit

    me = local_unit(session)
    return me is not None and me.kind == UnitKind.JUDICIAL_OFFICE


def is_sent(session: Session, rating: PeerRating) -> bool:
    """Whether the rating, as it stands, has left this PC in a package (any package exported
    after its last change carries it)."""
    last_sent = _last_sent(session)
    return last_sent is not None and _naive(last_sent) >= _naive(rating.updated_at)


def _office(session: Session, unit_id: int | None) -> Unit:
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    if unit is None or unit.kind != UnitKind.JUDICIAL_OFFICE:
        raise ValidationError("只有结对司法所能在本所电脑上评价结对部门，本机不能填写。")
    return unit


def _checked(
    session: Session, programme_id: int, scores: Mapping[str, object], comment: str, on: date
) -> tuple[dict[str, float], float, str]:
    items = rating_items(session, programme_id)
    total = check_scores(items, scores)
    clean = {item.code: float(str(scores[item.code]).strip()) for item in items}
    comment = check_comment(comment)
    rating_dates(session, programme_id).check(on, field="rated_on", label="评价日期")
    return clean, total, comment


def record_rating(
    session: Session,
    programme_id: int,
    *,
    unit_id: int | None,
    department_id: int | None,
    scores: Mapping[str, object],
    comment: str = "",
    rated_on: date,
) -> int:
    """Record ``unit_id``'s (this PC's office's) rating of a paired department; its id.
    Refused (ValidationError naming the field) when this PC is no judicial office, the
    department is not paired with it, it has rated the department already this programme, an
    item's points are missing or outside 0…full marks, the comment is over 300 characters or
    the date outside the programme's periods."""
    office = _office(session, unit_id)
    department = session.get(Unit, department_id) if department_id is not None else None
    if department is None or department.deleted:
        raise ValidationError("请选择要评价的结对部门。", "department")
    if not is_paired(session, programme_id, office.id, department.id):
        raise ValidationError(
            f"“{department.name}”不是本所的结对部门，只能评价与本所挂钩结对的部门。", "department"
        )
    existing = session.scalar(
        select(PeerRating.id).where(
            PeerRating.programme_id == programme_id,
            PeerRating.office_id == office.id,
            PeerRating.department_id == department.id,
        )
    )
    if existing is not None:
        raise ValidationError(f"本所已评价过“{department.name}”：每年度只评价一次。", "department")
    clean, total, comment = _checked(session, programme_id, scores, comment, rated_on)
    rating = PeerRating(
        programme_id=programme_id, office_id=office.id, department_id=department.id,
        scores=clean, total=total, comment=comment, rated_on=rated_on, owner_unit_id=office.id,
    )  # fmt: skip
    session.add(rating)
    session.flush()
    return rating.id


def change_rating(
    session: Session,
    rating_id: int,
    *,
    unit_id: int | None,
    scores: Mapping[str, object],
    comment: str,
    rated_on: date,
) -> None:
    """Correct a rating not yet sent (same rules as :func:`record_rating`); refused once it
    has left in a package, or on another unit's PC."""
    office = _office(session, unit_id)
    rating = session.get(PeerRating, rating_id)
    if rating is None or rating.deleted or rating.office_id != office.id:
        raise ValidationError("该评价不存在，或不是本所的评价。")
    if is_sent(session, rating):
        raise ValidationError("该评价已随数据包报送县矫正办，不能再修改。")
    clean, total, comment = _checked(session, rating.programme_id, scores, comment, rated_on)
    rating.scores, rating.total, rating.comment, rating.rated_on = clean, total, comment, rated_on
    session.flush()


# ---------------------------------------------------------------- reading


def ratings_for(
    session: Session,
    programme_id: int,
    *,
    office_id: int | None = None,
    department_id: int | None = None,
) -> list[RatingRow]:
    """The programme's ratings here (of one office or one department if given), by
    department then office."""
    office, department = aliased(Unit), aliased(Unit)
    query = (
        select(PeerRating, office.name, department.name)
        .join(office, office.id == PeerRating.office_id)
        .join(department, department.id == PeerRating.department_id)
        .where(PeerRating.programme_id == programme_id, PeerRating.deleted.is_(False))
        .order_by(department.sort_order, department.id, office.sort_order, office.id)
    )
    if office_id is not None:
        query = query.where(PeerRating.office_id == office_id)
    if department_id is not None:
        query = query.where(PeerRating.department_id == department_id)
    last_sent = _last_sent(session)
    return [_row(r, o, d, last_sent) for r, o, d in session.execute(query)]


def _row(rating: PeerRating, office: str, department: str, last_sent: Any) -> RatingRow:
    return RatingRow(
        id=rating.id, uuid=rating.uuid, office_id=rating.office_id, office=office,
        department_id=rating.department_id, department=department,
        scores={k: float(v) for k, v in (rating.scores or {}).items()}, total=rating.total,
        comment=rating.comment, rated_on=rating.rated_on,
        sent=last_sent is not None and _naive(last_sent) >= _naive(rating.updated_at),
    )  # fmt: skip


def _last_sent(session: Session) -> Any:
    """When this PC last exported a package (None: never)."""
    return session.scalar(
        select(PackageLog.at).where(PackageLog.direction == Direction.SENT)
        .order_by(PackageLog.at.desc()).limit(1)
    )  # fmt: skip


def _naive(value: Any) -> Any:
    return value.replace(tzinfo=None) if getattr(value, "tzinfo", None) else value


def average_rating(session: Session, programme_id: int, unit_id: int) -> float | None:
    """The average total of the ratings a department has received in the programme (on the
    form's scale, see :func:`full_marks`), None when no office has rated it yet."""
    totals = [r.total for r in ratings_for(session, programme_id, department_id=unit_id)]
    return round(sum(totals) / len(totals), 2) if totals else None


def rating_status(session: Session, programme_id: int) -> list[PairStatus]:
    """Every pairing of the programme with the office's rating of the department, or None
    where the office has not rated it (here: at the county, not yet received)."""
    ratings = {(r.office_id, r.department_id): r for r in ratings_for(session, programme_id)}
    office, department = aliased(Unit), aliased(Unit)
    rows = session.execute(
        select(office.id, office.name, department.id, department.name)
        .select_from(Pairing)
        .join(office, office.id == Pairing.office_id)
        .join(department, department.id == Pairing.department_id)
        .where(Pairing.programme_id == programme_id, Pairing.deleted.is_(False),
               office.deleted.is_(False), department.deleted.is_(False))
        .order_by(department.sort_order, department.id, office.sort_order, office.id)
    )  # fmt: skip
    return [
        PairStatus(o_id, o_name, d_id, d_name, ratings.get((o_id, d_id)))
        for o_id, o_name, d_id, d_name in rows
    ]
