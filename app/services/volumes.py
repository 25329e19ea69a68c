"""台账 volumes (台账卷): a unit's ledger entries of a period bound as a volume for inspectors,
each entry with its 档号 in the style of DA/T 22 (年度-保管期限-机构代码-件号).

An entry's 档号 is assigned the first time it is bound (``archive_numbers``) and kept: binding
the same period again prints the same numbers, an entry added later gets the next 件号 of its
year, 保管期限 and unit, and a deleted entry keeps its number (nobody else gets it). 保管期限
and the units' 机构代码 are data: the template's ``[archive]`` table (``retention``,
``retention_by_kind`` by kind code, ``codes`` by unit name), with defaults. What a volume shows
is for inspectors: correction subjects' names and identity numbers masked (王*,
3311**********1234), also inside titles and text, and personal form fields masked. Each entry
carries the county's 核实 mark (``app.services.verification``: 已核实, or 存疑 with its reason
and the unit's answer), if it has one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.models import ArchiveNumber, EntryAttachment, LedgerEntry, Unit
from app.models.archive import archive_number_text
from app.services.errors import UserError
from app.services.forms import display_value, parse_fields
from app.services.idcard import mask_id_number
from app.services.privacy import mask_name, name_masker
from app.services.verification import VerificationView

if TYPE_CHECKING:
    from app.services.attachments import AttachmentStore

DEFAULT_RETENTION = "D10"
RETENTION_LABELS = {"Y": "永久", "D30": "定期30年", "D10": "定期10年"}
_CODE = re.compile(r"^[A-Z0-9]{1,20}$")


@dataclass(frozen=True)
class VolumePhoto:
    """A file attached to an entry: a photo is printed (reduced) with its caption."""

    sha256: str
    caption: str
    name: str
    is_image: bool


@dataclass(frozen=True)
class VolumeEntry:
    """One entry (件) of a volume, as inspectors read it."""

    archive_number: str
    item_number: int
    retention: str
    entry_date: date
    kind: str
    title: str
    fields: tuple[tuple[str, str], ...]  # (label, value) in the form's order
    body: str
    photos: tuple[VolumePhoto, ...]
    verification: VerificationView | None = None  # the county's 核实 mark, names masked


@dataclass(frozen=True)
class Volume:
    """What a 台账卷 prints: cover, contents and the entries in date order."""

    unit: str
    unit_full_name: str
    org_code: str
    fonds: str
    date_from: date
    date_to: date
    volume_number: int
    retentions: tuple[str, ...]  # 保管期限 codes present, e.g. ("D10",)
    entries: tuple[VolumeEntry, ...]
    made_on: date
    store: AttachmentStore

    @property
    def retention_text(self) -> str:
        """保管期限 in words: 定期10年 (several joined by 、)."""
        return (
            "、".join(RETENTION_LABELS.get(r, r) for r in self.retentions)
            or RETENTION_LABELS[DEFAULT_RETENTION]
        )

    @property
    def photo_count(self) -> int:
        """Photos printed in the volume."""
        return sum(1 for e in self.entries for p in e.photos if p.is_image)


@dataclass(frozen=True)
class ArchiveRules:
    """The template's ``[archive]`` table, checked, with defaults."""

    retention: str
    retention_by_kind: dict[str, str]
    codes: dict[str, str]
    fonds: str

    def org_code(self, unit: Unit) -> str:
        """The unit's 机构代码: the template's, else DW and its number (DW07)."""
        return self.codes.get(unit.name) or f"DW{unit.id:02d}"

    def retention_of(self, kind_code: str) -> str:
        """The 保管期限 of an entry of this kind."""
        return self.retention_by_kind.get(kind_code, self.retention)


def _retention(value: object, where: str) -> str:
    text = str(value).strip().upper()
    if text not in RETENTION_LABELS:
        raise UserError(
            f"模板 [archive] 中{where}的保管期限“{value}”无效，应为 Y（永久）、D30（定期30年）或 D10（定期10年）。"
        )
    return text


def archive_rules(session: Session, programme_id: int | None) -> ArchiveRules:
    """保管期限 and 机构代码 from the programme's template (``[archive]``), with defaults."""
    from app.services.documents import template_section

    section = template_section(session, programme_id, "archive") if programme_id else {}
    retention = _retention(section.get("retention", DEFAULT_RETENTION), "retention")
    by_kind = {
        str(k): _retention(v, f"活动类型 {k} ")
        for k, v in dict(section.get("retention_by_kind", {}) or {}).items()
    }
    codes: dict[str, str] = {}
    for name, code in dict(section.get("codes", {}) or {}).items():
        text = str(code).strip().upper()
        if not _CODE.match(text):
            raise UserError(
                f"模板 [archive.codes] 中“{name}”的机构代码“{code}”无效，应为不超过 20 位的大写字母或数字。"
            )
        codes[str(name)] = text
    return ArchiveRules(retention, by_kind, codes, str(section.get("fonds", "") or "").strip())


def _check_request(date_from: date, date_to: date, volume_number: int) -> None:
    if date_from > date_to:
        raise UserError(f"起始日期 {date_from} 晚于截止日期 {date_to}。")
    if not 1 <= volume_number <= 9999:
        raise UserError("卷号应为 1 到 9999 之间的整数。")


def _entries(session: Session, unit_id: int, date_from: date, date_to: date) -> list[LedgerEntry]:
    query = (
        select(LedgerEntry)
        .where(
            LedgerEntry.owner_unit_id == unit_id,
            LedgerEntry.deleted.is_(False),
            LedgerEntry.entry_date >= date_from,
            LedgerEntry.entry_date <= date_to,
        )
        .order_by(LedgerEntry.entry_date, LedgerEntry.id)
        .options(
            selectinload(LedgerEntry.kind),
            selectinload(LedgerEntry.subject),
            selectinload(LedgerEntry.paired_office),
            selectinload(LedgerEntry.attachments).selectinload(EntryAttachment.attachment),
        )
    )
    return list(session.scalars(query))


def assign_archive_numbers(
    session: Session, entries: list[LedgerEntry], rules: ArchiveRules, unit: Unit
) -> dict[int, ArchiveNumber]:
    """Each entry's 档号 (entry id → row): those it has, and for the others (in the order
    given: by date) the next 件号 of their year, 保管期限 and unit. Flushes the new rows."""
    ids = [e.id for e in entries]
    numbers: dict[int, ArchiveNumber] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in session.scalars(select(ArchiveNumber).where(ArchiveNumber.entry_id.in_(chunk))):
            numbers[row.entry_id] = row
    org_code = rules.org_code(unit)
    last: dict[tuple[int, str], int] = {}
    for entry in entries:
        if entry.id in numbers:
            continue
        year, retention = entry.entry_date.year, rules.retention_of(entry.kind.code)
        key = (year, retention)
        if key not in last:
            last[key] = (
                session.scalar(
                    select(func.coalesce(func.max(ArchiveNumber.item_number), 0)).where(
                        ArchiveNumber.year == year,
                        ArchiveNumber.retention == retention,
                        ArchiveNumber.org_code == org_code,
                    )
                )
                or 0
            )
        last[key] += 1
        row = ArchiveNumber(
            entry_id=entry.id, year=year, retention=retention, org_code=org_code,
            item_number=last[key],
        )  # fmt: skip
        session.add(row)
        numbers[entry.id] = row
    session.flush()
    return numbers


def _fields(entry: LedgerEntry, mask: Any) -> tuple[tuple[str, str], ...]:
    """The entry's fields as the form labels them; names and numbers masked."""
    rows: list[tuple[str, str]] = [
        ("活动类型", entry.kind.name),
        ("日期", f"{entry.entry_date.year}年{entry.entry_date.month}月{entry.entry_date.day}日"),
    ]
    if entry.paired_office is not None:
        rows.append(("结对司法所", entry.paired_office.name))
    if entry.subjects_served:
        rows.append(("服务矫正对象人数", f"{entry.subjects_served}人"))
    subject = entry.subject
    if subject is not None:
        rows.append(("社区矫正对象", mask_name(subject.name)))
        rows.append(("矫正类别", str(subject.category.value)))
        if subject.id_number:
            rows.append(("身份证号码", mask_id_number(subject.id_number)))
    values = entry.values or {}
    for f in parse_fields(entry.kind.fields):
        if f.type == "subject":
            continue  # shown above, masked
        text = display_value(f, values.get(f.name))
        if not text:
            continue
        if f.personal:
            text = mask_name(text)
        rows.append((f.label, mask(text)))
    return tuple(rows)


def _marks(session: Session, entry_ids: list[int]) -> dict[int, VerificationView]:
    """The entries' 核实 marks (with the answers to them), by entry id."""
    from app.services.verification import verifications

    marks: dict[int, VerificationView] = {}
    for start in range(0, len(entry_ids), 500):
        marks.update(verifications(session, entry_ids[start : start + 500]))
    return marks


def _masked(mark: VerificationView | None, clean: Any) -> VerificationView | None:
    """A mark as inspectors read it: names and numbers in the reason and answer masked."""
    if mark is None:
        return None
    return replace(mark, reason=clean(mark.reason), answer=clean(mark.answer))


def build_volume(
    session: Session, store: AttachmentStore, unit_id: int, date_from: date, date_to: date,
    volume_number: int = 1, *, made_on: date | None = None,
) -> Volume:  # fmt: skip
    """The volume of ``unit_id``'s entries dated ``date_from``–``date_to`` (inclusive):
    assigns the 档号 not yet assigned (needs ``ledger.export``; the caller commits) and
    records the binding in the audit log. Refused in Chinese when there is nothing to bind."""
    from app.services import audit
    from app.services.accounts import require
    from app.services.settings import current_programme

    _check_request(date_from, date_to, volume_number)
    require(session, "ledger.export")
    unit = session.get(Unit, unit_id)
    if unit is None or unit.deleted:
        raise UserError("找不到该单位。")
    programme = current_programme(session)
    rules = archive_rules(session, programme.id if programme else None)
    entries = _entries(session, unit_id, date_from, date_to)
    if not entries:
        raise UserError(
            f"{unit.name}在 {date_from} 至 {date_to} 期间没有台账，无法装订台账卷。请检查单位和日期。"
        )
    numbers = assign_archive_numbers(session, entries, rules, unit)
    names = {e.subject.name for e in entries if e.subject is not None}
    for e in entries:  # personal form fields (申请人…) are names too
        for f in parse_fields(e.kind.fields):
            if f.personal and isinstance((e.values or {}).get(f.name), str):
                names.add(e.values[f.name])
    mask = name_masker(names)
    marks = _marks(session, [e.id for e in entries])
    ids = {e.subject.id_number for e in entries if e.subject is not None and e.subject.id_number}

    def clean(text: str) -> str:
        text = mask(text)
        for number in ids:
            text = text.replace(number, mask_id_number(number))
        return text

    items = []
    for e in entries:
        number = numbers[e.id]
        photos = tuple(
            VolumePhoto(
                sha256=link.attachment.sha256,
                caption=clean(link.caption),
                name=clean(link.attachment.original_name),
                is_image=link.attachment.media_type.startswith("image/"),
            )
            for link in e.attachments
            if not link.deleted and not link.attachment.deleted
        )
        items.append(
            VolumeEntry(
                archive_number=number.text,
                item_number=number.item_number,
                retention=number.retention,
                entry_date=e.entry_date,
                kind=e.kind.name,
                title=clean(e.title),
                fields=tuple((k, clean(v)) for k, v in _fields(e, mask)),
                body=clean(e.body or ""),
                photos=photos,
                verification=_masked(marks.get(e.id), clean),
            )
        )
    retentions = tuple(sorted({i.retention for i in items}, key=list(RETENTION_LABELS).index))
    audit.record(
        session, "export",
        f"打印台账卷（{unit.name}，{date_from}至{date_to}，第{volume_number}卷，{len(items)}件）",
        table="units", record=unit,
    )  # fmt: skip
    return Volume(
        unit=unit.name, unit_full_name=unit.name,
        org_code=rules.org_code(unit), fonds=rules.fonds, date_from=date_from, date_to=date_to,
        volume_number=volume_number, retentions=retentions, entries=tuple(items),
        made_on=made_on or date.today(), store=store,
    )  # fmt: skip


__all__ = [
    "RETENTION_LABELS",
    "ArchiveRules",
    "Volume",
    "VolumeEntry",
    "VolumePhoto",
    "archive_number_text",
    "archive_rules",
    "assign_archive_numbers",
    "build_volume",
]
