"""Correction subjects (社区矫正对象): kept minimal, identity numbers checked and masked."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CorrectionSubject, SubjectCategory, Unit, UnitKind
from app.services import concurrency
from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.services.idcard import mask_id_number, normalise_id_number

MAX_NAME_CHARS = 50


@dataclass(frozen=True, kw_only=True)
class SubjectInput:
    """What a form says about a correction subject."""

    name: str
    category: str
    id_number: str = ""
    office_id: int | None = None
    # (subject id, revision) as the form read it: the subject's category and office, changed
    # by another clerk's save meanwhile, are not overwritten silently (concurrency)
    revision_of: tuple[int, int] | None = None


@dataclass(frozen=True)
class SubjectView:
    """A subject as shown outside its own edit form (identity number masked)."""

    id: int
    name: str
    category: str
    masked_id: str
    office: str

    def label(self) -> str:
        """One line: name, category and masked number."""
        parts = [self.name, self.category]
        if self.masked_id:
            parts.append(self.masked_id)
        return " ".join(parts)


def check_subject_input(data: SubjectInput) -> tuple[str, SubjectCategory, str]:
    """Name, category and identity number checked without the database.

    Raises FormErrors naming every bad item (``subject_name``, ``subject_category``, ``id_number``).
    """
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["subject_name"] = "请填写社区矫正对象姓名。"
    elif len(name) > MAX_NAME_CHARS:
        errors["subject_name"] = f"姓名不能超过 {MAX_NAME_CHARS} 个字。"
    category = None
    try:
        category = SubjectCategory(data.category)
    except ValueError:
        errors["subject_category"] = "请选择矫正类别（管制、缓刑、假释、暂予监外执行）。"
    id_number = ""
    try:
        id_number = normalise_id_number(data.id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.message
    if errors:
        raise FormErrors(errors)
    assert category is not None  # reported above otherwise
    return name, category, id_number


SUBJECT_OFFICE_KIND = UnitKind.JUDICIAL_OFFICE  # the office a subject belongs to


def check_subject_office(kind: UnitKind | None) -> None:
    """A subject's office must be a judicial office (``kind``: the unit's, None: no such unit)."""
    if kind != SUBJECT_OFFICE_KIND:
        raise ValidationError("请选择矫正对象所属司法所。", "subject_office")


def check_same_person(registered_name: str, name: str, id_number: str) -> None:
    """One identity number is one person: refuse ``name`` for a number already registered
    under ``registered_name``."""
    if registered_name != name:
        raise ValidationError(
            f"身份证号码 {mask_id_number(id_number)} 已登记为“{registered_name}”，与所填姓名不符。",
            "id_number",
        )


def registered_under(
    session: Session, id_numbers: Collection[str]
) -> dict[str, list[tuple[str, str, int | None]]]:
    """The live subjects registered under each of ``id_numbers``: (uuid, name, owner unit id)."""
    found: dict[str, list[tuple[str, str, int | None]]] = {}
    if not id_numbers:
        return found
    query = select(
        CorrectionSubject.id_number,
        CorrectionSubject.uuid,
        CorrectionSubject.name,
        CorrectionSubject.owner_unit_id,
    ).where(CorrectionSubject.deleted.is_(False), CorrectionSubject.id_number.in_(id_numbers))
    for number, uuid, name, owner in session.execute(query):
        found.setdefault(number, []).append((uuid, name, owner))
    return found


def find_or_create_subject(session: Session, data: SubjectInput, owner_unit_id: int | None) -> int:
    """The subject with this identity number (or name and office), creating it if new.

    Raises FormErrors / ValidationError (fields ``subject_name``, ``subject_category``,
    ``id_number``, ``subject_office``).
    """
    name, category, id_number = check_subject_input(data)
    if data.office_id is not None:
        office = session.get(Unit, data.office_id)
        check_subject_office(office.kind if office is not None else None)
    query = select(CorrectionSubject).where(CorrectionSubject.deleted.is_(False))
    if id_number:
        query = query.where(CorrectionSubject.id_number == id_number)
    else:
        query = query.where(
            CorrectionSubject.name == name,
            CorrectionSubject.office_id.is_(data.office_id)
            if data.office_id is None
            else CorrectionSubject.office_id == data.office_id,
            CorrectionSubject.id_number == "",
        )
    subject = session.scalar(query)
    if subject is None:
        subject = CorrectionSubject(
            name=name,
            category=category,
            id_number=id_number,
            office_id=data.office_id,
            owner_unit_id=owner_unit_id,
        )
        session.add(subject)
        session.flush()
    else:
        check_same_person(subject.name, name, id_number)
        read = data.revision_of
        expected = read[1] if read is not None and read[0] == subject.id else None
        with concurrency.editing(session, subject, expected, shown=SUBJECT_SHOWN):
            if subject.category != category:
                subject.category = category
            if data.office_id is not None and subject.office_id != data.office_id:
                subject.office_id = data.office_id
    return subject.id


SUBJECT_SHOWN = concurrency.Shown(
    omit=("name", "id_number"),  # the same person: only what a form may change is shown
    labels={"category": "矫正类别", "office_id": "所属司法所"},
)


def subject_view(subject: CorrectionSubject, office_name: str = "") -> SubjectView:
    """The masked view of a subject."""
    return SubjectView(
        subject.id,
        subject.name,
        subject.category.value,
        mask_id_number(subject.id_number),
        office_name,
    )
