"""Work ledger (工作台账): saving, deleting, finding and counting entries.

Entries are validated against their kind's form definition; every problem is reported at
once (FormErrors) and nothing is saved. Lists are read in pages with SQL sorting so that
100,000 entries stay quick; identity numbers are masked in everything listed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    Subquery,
    and_,
    column,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from app.models import (
    Attachment,
    CorrectionSubject,
    Duty,
    EntryAttachment,
    EntryKind,
    EntryVerification,
    Indicator,
    LedgerEntry,
    Programme,
    SubjectCategory,
    Unit,
    UnitKind,
)
from app.services import audit, concurrency, period_locks, unit_scope
from app.services.accounts import may, require
from app.services.attachments import AttachmentStore
from app.services.dates import DatePurpose, DateRange, range_for
from app.services.errors import ValidationError
from app.services.forms import FieldDef, FormErrors, clean_values, parse_date_text, parse_fields
from app.services.idcard import mask_id_number
from app.services.settings import for_another_unit, local_unit
from app.services.subjects import SubjectInput, check_subject_input, find_or_create_subject
from app.services.verification import verifications

MAX_SUBJECTS_SERVED = 10000
MAX_TITLE_CHARS = 200
MAX_BODY_CHARS = 5000
MAX_CAPTION_CHARS = 200  # a photo's caption on an entry
PAIRED_OFFICE_KIND = UnitKind.JUDICIAL_OFFICE  # an entry's 结对司法所
ENTERS_FOR_OTHER_UNITS = (UnitKind.COUNTY_OFFICE, UnitKind.CITY_OFFICE)
"""The PCs that register entries for other units (any other PC only for its own unit)."""
LEDGER_UNIT_KINDS = frozenset(
    {
        UnitKind.DEPARTMENT,
        UnitKind.JUDICIAL_OFFICE,
        UnitKind.CORRECTION_SECTION,
        UnitKind.COUNTY_OFFICE,
    }
)
"""The units that keep a work ledger (填报单位): every unit of the county, 局科室, 司法所,
社区矫正科 and 县矫正办 alike; the city office only receives the county's figures. The form, the
import template and the service offer the same ones."""
NOT_A_LEDGER_UNIT = "“{name}”不填报工作台账，{what}请从下拉列表中选择本县的单位。"

_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")


@dataclass(frozen=True, kw_only=True)
class PhotoInput:
    """A photo or PDF on an entry: a new file (``path``) or one already stored."""

    caption: str = ""
    path: Path | None = None
    attachment_id: int | None = None


@dataclass(kw_only=True)
class EntryInput:
    """Everything the entry form or the command line provides."""

    kind_id: int | None
    unit_id: int | None
    entry_date: date | str | None
    title: str
    paired_office_id: int | None = None
    subjects_served: int | str | None = 0
    body: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    subject: SubjectInput | None = None
    photos: list[PhotoInput] = field(default_factory=list)
    programme_id: int | None = None
    # the revision the form was opened with (EntryDetail.revision): a save finding another
    # one stored is refused with concurrency.ConcurrentEdit; None: no check (command line)
    expected_revision: int | None = None


@dataclass(frozen=True)
class PhotoView:
    """A stored photo as the form shows it."""

    attachment_id: int
    sha256: str
    original_name: str
    media_type: str
    caption: str


@dataclass(frozen=True)
class EntryDetail:
    """One entry for its own edit form (the only place an identity number is unmasked)."""

    id: int
    kind_id: int
    unit_id: int | None
    entry_date: date
    title: str
    paired_office_id: int | None
    subjects_served: int
    body: str
    values: dict[str, Any]
    subject: SubjectInput | None
    photos: tuple[PhotoView, ...]
    deleted: bool
    revision: int = 0  # as read: carried back to the save (EntryInput.expected_revision)


@dataclass(frozen=True)
class EntryRow:
    """One line of the ledger list (identity number masked)."""

    id: int
    entry_date: date
    unit: str
    kind: str
    title: str
    paired_office: str
    subjects_served: int
    subject: str
    photo_count: int
    first_photo_sha: str | None
    deleted: bool
    revision: int = 0  # as listed: a delete from the list is refused once it changed
    verification: str = ""  # the county's 核实: 已核实, 存疑, 存疑（已说明）, or ""
    verification_note: str = ""  # its date, reason and the unit's answer (VerificationView.note)
    verification_reason: str = ""  # the county's reason (a doubt's), or ""


@dataclass(kw_only=True)
class LedgerFilter:
    """What the ledger list is narrowed to; None means no restriction."""

    unit_id: int | None = None
    kind_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    indicator_id: int | None = None
    paired_office_id: int | None = None
    text: str = ""
    include_deleted: bool = False
    # the dates of the programme shown (``programme.entry_window``): entries belong to the
    # programme whose period holds their date, whatever the other conditions
    window: tuple[date, date] | None = None


SORT_KEYS = (
    "entry_date",
    "unit",
    "kind",
    "title",
    "paired_office",
    "subjects_served",
    "subject",
    "photo_count",
    "verification",
)


# ---------------------------------------------------------------- saving


def _parse_date(value: date | str | None) -> date:
    if isinstance(value, date):
        return parse_date_text(value.isoformat(), "日期", "entry_date", latest=date.today())
    text = (value or "").strip()
    if not text:
        raise ValidationError("请填写日期。", "entry_date")
    return parse_date_text(text, "日期", "entry_date", latest=date.today())


def check_entry_date(value: date | str | None, dates: DateRange) -> date:
    """An entry's date as the form and an import accept it: a real day from 2000 to today,
    inside ``dates`` (the programme's ``DatePurpose.WORK`` range); else ValidationError."""
    entry_date = _parse_date(value)
    dates.check(entry_date, field="entry_date", label="日期")
    return entry_date


def check_title(title: str) -> str:
    """An entry's title as stored (runs of spaces made one): required, at most
    ``MAX_TITLE_CHARS``; else ValidationError."""
    title = " ".join(title.split())
    if not title:
        raise ValidationError("请填写标题。", "title")
    if len(title) > MAX_TITLE_CHARS:
        raise ValidationError(f"标题不能超过 {MAX_TITLE_CHARS} 个字。", "title")
    return title


def check_paired_office(kind: UnitKind | None) -> None:
    """An entry's 结对司法所 must be a judicial office (``kind``: the unit's, None: no such unit)."""
    if kind != PAIRED_OFFICE_KIND:
        raise ValidationError("结对司法所无效。", "paired_office")


def missing_subject(fields: list[FieldDef], has_subject: bool) -> str | None:
    """The message when the form requires a correction subject and the entry has none."""
    subject_field = next((f for f in fields if f.type == "subject"), None)
    if subject_field is not None and subject_field.required and not has_subject:
        return f"请填写“{subject_field.label}”。"
    return None


def parse_subjects_served(value: int | str | None) -> int:
    """服务矫正对象人数 as typed or stored: a whole number from 0 to ``MAX_SUBJECTS_SERVED``
    (empty: 0); else ValidationError."""
    text = "" if value is None else str(value).strip()
    if not text:
        return 0
    try:
        number = int(text)
    except ValueError:
        raise ValidationError("服务矫正对象人数必须是整数。", "subjects_served") from None
    if number < 0:
        raise ValidationError("服务矫正对象人数不能为负数。", "subjects_served")
    if number > MAX_SUBJECTS_SERVED:
        raise ValidationError(
            f"服务矫正对象人数不能大于 {MAX_SUBJECTS_SERVED}。", "subjects_served"
        )
    return number


def kind_fields(session: Session, kind_id: int) -> tuple[EntryKind, list[FieldDef]]:
    """An entry kind and its parsed form fields."""
    kind = session.get(EntryKind, kind_id)
    if kind is None or kind.deleted:
        raise ValidationError("请选择活动类型。", "kind")
    return kind, parse_fields(kind.fields)


def _dated(
    session: Session, existing: LedgerEntry | None, data: EntryInput, errors: dict[str, str]
) -> tuple[date | None, int | None]:
    """The entry's date and the programme it belongs to: the one whose period holds the date
    (``programme.programme_for_entry``), whatever year the page shows; an error in ``errors``
    when no programme's dates reach it."""
    from app.services.programme import no_programme_message, programme_for_entry

    fallback = (existing.programme_id if existing is not None else None) or data.programme_id
    try:
        day = _parse_date(data.entry_date)
    except ValidationError as exc:
        errors[exc.field or "entry_date"] = exc.message
        return None, fallback
    if session.scalar(select(func.count()).select_from(Programme)) == 0:
        try:  # no programme yet: the plain range (see services.dates)
            range_for(session, None, DatePurpose.WORK).check(day, field="entry_date", label="日期")
        except ValidationError as exc:
            errors["entry_date"] = exc.message
        return day, fallback
    programme = programme_for_entry(session, day)
    if programme is None:
        errors["entry_date"] = no_programme_message(session, day)
        return None, fallback
    return day, programme.id


def save_entry(
    session: Session, store: AttachmentStore, entry_id: int | None, data: EntryInput
) -> int:
    """Validate and save an entry (new when ``entry_id`` is None); return its id.

    Raises FormErrors naming every bad field. New photo files are checked and copied into
    the store; the caller's session decides whether the records are committed.
    """
    require(session, "ledger.edit")
    errors: dict[str, str] = {}

    def attempt(fn: Callable[..., _T], *args: Any) -> _T | None:
        try:
            return fn(*args)
        except FormErrors as exc:
            errors.update(exc.errors)
        except ValidationError as exc:
            errors[exc.field or "general"] = exc.message
        return None

    kind_and_fields = (
        attempt(kind_fields, session, data.kind_id) if data.kind_id is not None else None
    )
    if data.kind_id is None:
        errors["kind"] = "请选择活动类型。"
    existing = session.get(LedgerEntry, entry_id) if entry_id is not None else None
    if entry_id is not None and existing is None:
        raise ValidationError("该台账已不存在。")
    if existing is not None:
        unit_scope.check_own(session, existing.owner_unit_id, "这条台账")
    unit = session.get(Unit, data.unit_id) if data.unit_id is not None else None
    if unit is None or unit.deleted:
        errors["unit"] = "请选择填报单位。"
    elif existing is not None and existing.owner_unit_id != unit.id:
        owner = session.get_one(Unit, existing.owner_unit_id)
        errors["unit"] = (
            f"这条台账由{owner.name}填报，填报单位不能更改；"
            "如确属填错单位，请删除后以正确的单位重新登记。"
        )
    else:
        here = local_unit(session)
        if here is not None and here.kind not in ENTERS_FOR_OTHER_UNITS and unit.id != here.id:
            errors["unit"] = (
                f"当前用户属于{here.name}，只能登记{here.name}的台账。"
                if for_another_unit(session)
                else f"本机是{here.name}的电脑，只能登记{here.name}的台账（其他单位的台账在其电脑上登记，再用数据包报送）。"
            )
        elif existing is None and unit.kind not in LEDGER_UNIT_KINDS:
            errors["unit"] = NOT_A_LEDGER_UNIT.format(name=unit.name, what="填报单位")
    entry_date, programme_id = _dated(session, existing, data, errors)
    if unit is not None and "unit" not in errors and entry_date is not None:
        # a period whose summary the county adopted is closed (services.period_locks)
        days = [entry_date] + ([existing.entry_date] if existing is not None else [])
        period_locks.check_open(session, unit.id, *days)
    title = attempt(check_title, data.title)
    subjects_served = attempt(parse_subjects_served, data.subjects_served)
    if data.paired_office_id is not None:
        office = session.get(Unit, data.paired_office_id)
        attempt(check_paired_office, office.kind if office is not None else None)
    if len(data.body) > MAX_BODY_CHARS:
        errors["body"] = f"情况说明不能超过 {MAX_BODY_CHARS} 个字。"
    values: dict[str, Any] = {}
    subject_field: FieldDef | None = None
    if kind_and_fields is not None:
        kind, fields = kind_and_fields
        field_dates = range_for(session, programme_id, DatePurpose.FORM_FIELD)
        values = attempt(clean_values, fields, data.values, field_dates) or {}
        subject_field = next((f for f in fields if f.type == "subject"), None)
        if (problem := missing_subject(fields, data.subject is not None)) is not None:
            errors["subject_name"] = problem
        if subject_field is not None and data.subject is not None:
            attempt(check_subject_input, data.subject)
        if len(data.photos) < kind.min_photos:
            errors["photos"] = f"“{kind.name}”至少要附 {kind.min_photos} 张照片。"
    for photo in data.photos:
        if len(photo.caption) > MAX_CAPTION_CHARS:
            errors["photos"] = f"照片说明不能超过 {MAX_CAPTION_CHARS} 个字。"
    if errors:
        raise FormErrors(errors)
    # each of these is None only with an error reported above
    assert unit is not None and data.kind_id is not None and title is not None
    assert entry_date is not None and subjects_served is not None

    subject_id = None
    if subject_field is not None and data.subject is not None:
        subject_id = attempt(find_or_create_subject, session, data.subject, unit.id)
    stored: list[tuple[int, str]] = []
    photo_problems = []
    for photo in data.photos:
        if photo.path is not None:
            try:
                result = store.add(session, photo.path, unit.id)
            except ValidationError as exc:
                photo_problems.append(exc.message)
                continue
            stored.append((result.attachment_id, photo.caption))
        else:
            assert photo.attachment_id is not None  # a new file or one already stored
            stored.append((photo.attachment_id, photo.caption))
    if photo_problems:
        errors["photos"] = "\n".join(photo_problems)
    if errors:
        raise FormErrors(errors)

    if existing is None:
        entry = LedgerEntry(owner_unit_id=unit.id, programme_id=programme_id)
        session.add(entry)
    else:  # the owner stays: a change made here to another unit's entry is a local edit
        entry = existing
    with concurrency.editing(
        session, entry, data.expected_revision if existing is not None else None,
        shown=ENTRY_SHOWN,
    ):  # fmt: skip
        if entry.programme_id != programme_id:
            entry.programme_id = programme_id
        entry.kind_id = data.kind_id
        entry.entry_date = entry_date
        entry.title = title
        entry.paired_office_id = data.paired_office_id
        entry.subjects_served = subjects_served
        entry.body = data.body.strip()
        entry.values = values
        entry.subject_id = subject_id
        session.flush()
        _set_photos(session, entry, stored)
        session.flush()
    return entry.id


def entry_fields(session: Session, entry: LedgerEntry) -> dict[str, str]:
    """An entry's form values by their labels and its photos, as the conflict dialog shows
    them (concurrency.snapshot's extra)."""
    shown: dict[str, str] = {}
    kind = session.get(EntryKind, entry.kind_id) if entry.kind_id is not None else None
    labels = {f.name: f.label for f in parse_fields(kind.fields)} if kind is not None else {}
    for key, value in (entry.values or {}).items():
        text = "、".join(map(str, value)) if isinstance(value, list) else str(value)
        shown[labels.get(key, key)] = text if text else "（空）"
    if entry.id is not None:
        names = [
            link.caption or attachment.original_name
            for link, attachment in session.execute(
                select(EntryAttachment, Attachment)
                .join(Attachment, EntryAttachment.attachment_id == Attachment.id)
                .where(EntryAttachment.entry_id == entry.id, EntryAttachment.deleted.is_(False))
                .order_by(EntryAttachment.sort_order)
            )
        ]
        shown["照片"] = f"{len(names)} 张" + (f"：{'、'.join(names)}" if names else "")
    return shown


ENTRY_SHOWN = concurrency.Shown(
    extra=entry_fields,
    omit=("values",),
    labels={"kind_id": "活动类型", "subjects_served": "服务矫正对象人数", "body": "情况说明",
            "programme_id": "年度", "subject_id": "社区矫正对象"},
)  # fmt: skip
"""An entry in the conflict dialog: its form's labels, values and photos."""


def _set_photos(session: Session, entry: LedgerEntry, photos: list[tuple[int, str]]) -> None:
    """Link the entry to these photos (attachment id, caption) in this order (a change of
    them is a change of the entry: its revision moves)."""
    existing = {link.attachment_id: link for link in session.scalars(
        select(EntryAttachment).where(EntryAttachment.entry_id == entry.id)
    )}  # fmt: skip
    wanted = set()
    for order, (attachment_id, caption) in enumerate(photos):
        if attachment_id in wanted:
            continue
        wanted.add(attachment_id)
        link = existing.get(attachment_id)
        if link is None:
            link = EntryAttachment(
                entry_id=entry.id, attachment_id=attachment_id, owner_unit_id=entry.owner_unit_id
            )
            session.add(link)
        link.caption, link.sort_order, link.deleted = caption.strip(), order, False
    for attachment_id, link in existing.items():
        if attachment_id not in wanted:
            link.deleted = True
    concurrency.touch_if_parts_changed(session, entry, EntryAttachment)
    session.flush()


def entry_year(session: Session, entry_id: int) -> int | None:
    """The year of the programme an entry belongs to, or None."""
    return session.scalar(
        select(Programme.year)
        .join(LedgerEntry, LedgerEntry.programme_id == Programme.id)
        .where(LedgerEntry.id == entry_id)
    )


def delete_entry(session: Session, entry_id: int, expected_revision: int | None = None) -> None:
    """Soft-delete an entry (its photos stay in the store; undo with :func:`restore_entry`).
    ``expected_revision``: the one listed; refused (ConcurrentEdit) when it changed since."""
    require(session, "ledger.edit")
    entry = session.get(LedgerEntry, entry_id)
    if entry is not None:
        unit_scope.check_own(session, entry.owner_unit_id, "这条台账")
        concurrency.check(session, entry, expected_revision, shown=ENTRY_SHOWN)
        period_locks.check_open(session, entry.owner_unit_id or 0, entry.entry_date)
        entry.deleted = True


def restore_entry(session: Session, entry_id: int) -> None:
    """Undo a delete."""
    require(session, "ledger.edit")
    entry = session.get(LedgerEntry, entry_id)
    if entry is not None:
        unit_scope.check_own(session, entry.owner_unit_id, "这条台账")
        period_locks.check_open(session, entry.owner_unit_id or 0, entry.entry_date)
        entry.deleted = False


def get_entry(session: Session, entry_id: int) -> EntryDetail:
    """An entry with everything its edit form needs."""
    entry = session.get(LedgerEntry, entry_id)
    if entry is None:
        raise ValidationError("该台账已不存在。")
    unit_scope.check_sees(session, entry.owner_unit_id, "这条台账")
    subject = None
    if entry.subject is not None:
        s = entry.subject
        whole = may(session, "ledger.edit")  # who may not edit it sees the number masked
        number = s.id_number if whole else mask_id_number(s.id_number)
        subject = SubjectInput(
            name=s.name,
            category=s.category.value,
            id_number=number,
            office_id=s.office_id,
            revision_of=(s.id, s.revision),
        )
        if s.id_number and whole:  # the entry's own form shows it whole
            audit.record(session, "show_id_number", "在台账表单中显示社区矫正对象的完整身份证号",
                         record=s)  # fmt: skip
    photos = tuple(
        PhotoView(a.id, a.sha256, a.original_name, a.media_type, link.caption)
        for link, a in session.execute(
            select(EntryAttachment, Attachment)
            .join(Attachment, EntryAttachment.attachment_id == Attachment.id)
            .where(EntryAttachment.entry_id == entry.id, EntryAttachment.deleted.is_(False))
            .order_by(EntryAttachment.sort_order)
        )
    )
    return EntryDetail(
        entry.id, entry.kind_id, entry.owner_unit_id, entry.entry_date, entry.title, entry.paired_office_id,
        entry.subjects_served, entry.body, dict(entry.values or {}), subject, photos, entry.deleted,
        entry.revision,
    )  # fmt: skip


def purge_unused_files(session: Session, store: AttachmentStore) -> int:
    """Remove stored files that no live record uses any more; return how many.

    A file linked to any entry that is not deleted (or to an agreement or summary) is kept,
    whatever other entries that used it have been deleted.
    """
    from app.models import Agreement, SummaryPhoto

    live_entry = and_(EntryAttachment.deleted.is_(False), LedgerEntry.deleted.is_(False))
    used = (
        set(session.scalars(
            select(EntryAttachment.attachment_id).join(LedgerEntry, EntryAttachment.entry_id == LedgerEntry.id)
            .where(live_entry)
        ))
        | set(session.scalars(select(Agreement.scan_attachment_id).where(Agreement.scan_attachment_id.is_not(None))))
        | set(session.scalars(select(SummaryPhoto.attachment_id).where(SummaryPhoto.deleted.is_(False))))
    )  # fmt: skip
    removed = 0
    with store.within(session):  # a server's store: removed when the session commits
        for attachment in session.scalars(select(Attachment).where(Attachment.id.not_in(used))):
            if store.has(attachment.sha256):
                store.remove_files(attachment.sha256)
                removed += 1
    return removed


# ---------------------------------------------------------------- finding


def _filtered(query: Select[*_Ts], flt: LedgerFilter, session: Session) -> Select[*_Ts]:
    conditions: list[ColumnElement[bool]] = []
    if not flt.include_deleted:
        conditions.append(LedgerEntry.deleted.is_(False))
    seen = unit_scope.seen_unit_id(session)  # a department's user on a shared database
    if seen is not None:
        conditions.append(LedgerEntry.owner_unit_id == seen)
    if flt.unit_id is not None:
        conditions.append(LedgerEntry.owner_unit_id == flt.unit_id)
    if flt.kind_id is not None:
        conditions.append(LedgerEntry.kind_id == flt.kind_id)
    if flt.date_from is not None:
        conditions.append(LedgerEntry.entry_date >= flt.date_from)
    if flt.date_to is not None:
        conditions.append(LedgerEntry.entry_date <= flt.date_to)
    if flt.window is not None:
        conditions.append(LedgerEntry.entry_date.between(*flt.window))
    if flt.paired_office_id is not None:
        conditions.append(LedgerEntry.paired_office_id == flt.paired_office_id)
    if flt.indicator_id is not None:
        row = session.execute(
            select(Indicator.entry_kind_id, Duty.department_id)
            .join(Duty, Indicator.duty_id == Duty.id)
            .where(Indicator.id == flt.indicator_id)
        ).first()
        if row is None or row[0] is None:
            conditions.append(LedgerEntry.id.is_(None))  # counts nothing
        else:
            conditions += [LedgerEntry.kind_id == row[0], LedgerEntry.owner_unit_id == row[1]]
    text = flt.text.strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                LedgerEntry.title.like(pattern, escape="\\"),
                LedgerEntry.body.like(pattern, escape="\\"),
            )
        )
    return query.where(*conditions)


def entry_kind_ids(session: Session, flt: LedgerFilter) -> set[int]:
    """The kinds of the entries the filter selects."""
    query = _filtered(select(LedgerEntry.kind_id).distinct(), flt, session)
    return set(session.scalars(query))


def entry_unit_ids(session: Session, flt: LedgerFilter) -> set[int]:
    """The units whose entries the filter selects (the units keeping a ledger there)."""
    query = _filtered(select(LedgerEntry.owner_unit_id).distinct(), flt, session)
    return {unit_id for unit_id in session.scalars(query) if unit_id is not None}


def count_entries(session: Session, flt: LedgerFilter) -> int:
    """How many entries the filter selects."""
    return (
        session.scalar(_filtered(select(func.count()).select_from(LedgerEntry), flt, session)) or 0
    )


def _photo_counts(entry_ids: list[int] | None = None) -> Subquery:
    query = (
        select(
            EntryAttachment.entry_id,
            func.count().label("n"),
            func.min(Attachment.sha256).label("sha"),
        )
        .join(Attachment, EntryAttachment.attachment_id == Attachment.id)
        .where(EntryAttachment.deleted.is_(False))
    )
    if entry_ids is not None:
        query = query.where(EntryAttachment.entry_id.in_(entry_ids))
    return query.group_by(EntryAttachment.entry_id).subquery()


_SUBJECT_ORDER = table("subject_order", column("subject_id"), column("place"))
"""A temporary table of the connection: each subject's place in the order of their names."""


def _subject_rank(session: Session, subject_id: SQLColumnExpression[Any]) -> tuple[Any, Any]:
    """The join and the sort column that put entries in the order of their subjects' names
    (entries without one first). Names are sealed, so SQL cannot order them: the few subjects
    are put in order here, into a temporary table the entries join by primary key (as fast
    as ordering by a plain name column was, where a CASE over 300 subjects cost 3× as much)."""
    names = session.execute(select(CorrectionSubject.id, CorrectionSubject.name)).all()
    ranked = sorted(names, key=lambda row: (row.name, row.id))
    session.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS subject_order "
            "(subject_id INTEGER PRIMARY KEY, place INTEGER NOT NULL)"
        )
    )
    session.execute(delete(_SUBJECT_ORDER))
    if ranked:
        session.execute(
            insert(_SUBJECT_ORDER),
            [{"subject_id": row.id, "place": place} for place, row in enumerate(ranked, 1)],
        )
    return _SUBJECT_ORDER.c.subject_id == subject_id, func.coalesce(_SUBJECT_ORDER.c.place, 0)


def _ordered_ids(
    session: Session, flt: LedgerFilter, sort_key: str, descending: bool
) -> Select[int]:
    """Phase 1 of a list: the ids in order, joining only what the sort key needs."""
    query = select(LedgerEntry.id)
    column: SQLColumnExpression[Any]
    if sort_key == "unit":
        owner = aliased(Unit)
        query = query.join(owner, LedgerEntry.owner_unit_id == owner.id)
        column = owner.sort_order
    elif sort_key == "kind":
        query = query.join(EntryKind, LedgerEntry.kind_id == EntryKind.id)
        column = EntryKind.sort_order
    elif sort_key == "paired_office":
        office = aliased(Unit)
        query = query.outerjoin(office, LedgerEntry.paired_office_id == office.id)
        column = office.sort_order
    elif sort_key == "subject":
        # names are sealed (app.models.sealed): SQL cannot order them, so the few subjects
        # are put in order here and the entries sorted by their subject's place
        joined, column = _subject_rank(session, LedgerEntry.subject_id)
        query = query.outerjoin(_SUBJECT_ORDER, joined)
    elif sort_key == "verification":
        query = query.outerjoin(EntryVerification, EntryVerification.entry_id == LedgerEntry.id)
        column = func.coalesce(EntryVerification.status, "")
    elif sort_key == "photo_count":
        counts = (
            select(EntryAttachment.entry_id, func.count().label("n"))
            .where(EntryAttachment.deleted.is_(False))
            .group_by(EntryAttachment.entry_id)
            .subquery()
        )
        query = query.outerjoin(counts, counts.c.entry_id == LedgerEntry.id)
        column = func.coalesce(counts.c.n, 0)
    elif sort_key in ("title", "subjects_served"):
        column = getattr(LedgerEntry, sort_key)
    elif flt.text.strip() and session.get_bind().dialect.name == "sqlite":
        # a substring search reads every row anyway: scan and sort the matches
        # (the unary + stops SQLite walking the date index with one look-up per row; it is
        # SQLite's idiom only: PostgreSQL has no unary + on a date, and plans this itself)
        column = literal_column("+ledger_entries.entry_date")
    else:
        column = LedgerEntry.entry_date
    order = column.desc() if descending else column.asc()
    tie = LedgerEntry.id.desc() if descending else LedgerEntry.id.asc()
    return _filtered(query, flt, session).order_by(order, tie)


def _rows_for(session: Session, entry_ids: list[int]) -> list[EntryRow]:
    """Phase 2: the display columns of just these entries, in the given order."""
    if not entry_ids:
        return []
    owner, office = aliased(Unit), aliased(Unit)
    photos = _photo_counts(entry_ids)
    query = (
        select(
            LedgerEntry.id, LedgerEntry.entry_date, owner.name, EntryKind.name, LedgerEntry.title, office.name,
            LedgerEntry.subjects_served, CorrectionSubject.name, CorrectionSubject.category,
            CorrectionSubject.id_number, func.coalesce(photos.c.n, 0), photos.c.sha, LedgerEntry.deleted,
            LedgerEntry.revision,
        )
        .select_from(LedgerEntry)
        .join(owner, LedgerEntry.owner_unit_id == owner.id)
        .join(EntryKind, LedgerEntry.kind_id == EntryKind.id)
        .outerjoin(office, LedgerEntry.paired_office_id == office.id)
        .outerjoin(CorrectionSubject, LedgerEntry.subject_id == CorrectionSubject.id)
        .outerjoin(photos, photos.c.entry_id == LedgerEntry.id)
        .where(LedgerEntry.id.in_(entry_ids))
    )  # fmt: skip
    by_id = {row[0]: _row(tuple(row)) for row in session.execute(query)}
    marks = verifications(session, entry_ids)
    return [
        replace(
            by_id[i],
            verification=marks[i].label(),
            verification_note=marks[i].note(),
            verification_reason=marks[i].reason,
        )
        if i in marks
        else by_id[i]
        for i in entry_ids
        if i in by_id
    ]


# id, date, unit, kind, title, paired office, served, subject's name, category and identity
# number, photo count, first photo's sha256, deleted, revision
_EntryValues = tuple[
    int, date, str, str, str, str | None, int,
    str | None, SubjectCategory | None, str | None, int, str | None, bool, int,
]  # fmt: skip


def _row(values: _EntryValues) -> EntryRow:
    (
        entry_id,
        entry_date,
        unit,
        kind,
        title,
        office,
        served,
        s_name,
        s_cat,
        s_id,
        n,
        sha,
        deleted,
        revision,
    ) = values
    subject = ""
    if s_name:
        subject = " ".join(
            p for p in (s_name, s_cat.value if s_cat else "", mask_id_number(s_id or "")) if p
        )
    return EntryRow(
        entry_id,
        entry_date,
        unit,
        kind,
        title,
        office or "",
        served,
        subject,
        n,
        sha,
        deleted,
        revision,
    )


def list_entries(
    session: Session,
    flt: LedgerFilter,
    sort_key: str = "entry_date",
    descending: bool = True,
    offset: int = 0,
    limit: int = 200,
    after: EntryRow | None = None,
) -> list[EntryRow]:
    """One page of the filtered, sorted list (ids sorted first, then only the page is read).

    In date order, ``after`` (the last row shown) continues from that row through the date
    index instead of skipping ``offset`` rows — constant time however deep the page.
    """
    if after is not None and sort_key == "entry_date" and not flt.text.strip():
        key = tuple_(LedgerEntry.entry_date, LedgerEntry.id)
        bound = tuple_(literal(after.entry_date), literal(after.id))
        query = _ordered_ids(session, flt, sort_key, descending).where(
            key < bound if descending else key > bound
        )
        return _rows_for(session, list(session.scalars(query.limit(limit))))
    query = _ordered_ids(session, flt, sort_key, descending).offset(offset).limit(limit)
    return _rows_for(session, list(session.scalars(query)))


def iter_entries(
    session: Session,
    flt: LedgerFilter,
    sort_key: str = "entry_date",
    descending: bool = False,
    batch: int = 1000,
) -> Iterator[EntryRow]:
    """Every filtered entry, streamed in batches (for exports)."""
    ids = list(session.scalars(_ordered_ids(session, flt, sort_key, descending)))
    for start in range(0, len(ids), batch):
        yield from _rows_for(session, ids[start : start + batch])


def entry_extras(
    session: Session, entry_ids: list[int]
) -> dict[int, tuple[str, dict[str, Any], list[str]]]:
    """For exports: each entry's body, form values and photo file names."""
    out: dict[int, tuple[str, dict[str, Any], list[str]]] = {}
    for entry_id, body, values in session.execute(
        select(LedgerEntry.id, LedgerEntry.body, LedgerEntry.values).where(
            LedgerEntry.id.in_(entry_ids)
        )
    ):
        out[entry_id] = (body, dict(values or {}), [])
    for entry_id, name in session.execute(
        select(EntryAttachment.entry_id, Attachment.original_name)
        .join(Attachment, EntryAttachment.attachment_id == Attachment.id)
        .where(EntryAttachment.entry_id.in_(entry_ids), EntryAttachment.deleted.is_(False))
        .order_by(EntryAttachment.entry_id, EntryAttachment.sort_order)
    ):
        out[entry_id][2].append(name)
    return out
