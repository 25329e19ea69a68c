"""The shape of the ledger's workbooks: one sheet per entry kind, one column per item.

The import template, the ledger export and the import itself share this layout, so that an
export (with full names) can be edited and imported back. Each kind's sheet has the common
items (日期, 填报单位, 标题, 结对司法所, 服务矫正对象人数), then the kind's form fields (labels
from the form definition), the correction subject's four items where the form has one, and
情况说明 and 照片文件 last. The export adds 序号 first and 台账编号 last (the entry's UUID: a row
that keeps it changes that entry when imported back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import EntryKind, SubjectCategory, Unit, UnitKind
from app.services.forms import FieldDef, parse_fields
from app.services.ledger import (
    LEDGER_UNIT_KINDS,
    MAX_BODY_CHARS,
    MAX_SUBJECTS_SERVED,
    MAX_TITLE_CHARS,
)

SERIAL_HEADER = "序号"  # the export's row number: ignored by the import
UUID_KEY = "uuid"
UUID_HEADER = "台账编号"
PHOTO_SEPARATOR = "、"
FIELD_PREFIX = "field:"
MAX_SHEET_TITLE = 31  # Excel's limit
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# sheets of the workbooks that hold no entries
INSTRUCTIONS_TITLE = "填写说明"
CHOICES_TITLE = "选项"
EXPORT_NOTES_TITLE = "导出说明"
ERRORS_TITLE = "错误"
NON_ENTRY_SHEETS = frozenset({INSTRUCTIONS_TITLE, CHOICES_TITLE, EXPORT_NOTES_TITLE, ERRORS_TITLE})

FIELD_WIDTHS = {
    "text": 20,
    "longtext": 36,
    "integer": 10,
    "amount": 14,
    "date": 12,
    "choice": 16,
    "bool": 8,
}


@dataclass(frozen=True)
class Column:
    """One column of a kind's sheet."""

    key: str  # entry_date, unit, title, …, subject_name, …, or "field:<name>"
    header: str
    type: str  # text, longtext, integer, amount, date, choice, bool
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    width: int = 14
    field: FieldDef | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class KindSheet:
    """The sheet of one entry kind."""

    kind_id: int
    code: str
    name: str
    title: str
    min_photos: int
    columns: tuple[Column, ...]
    description: str = ""

    def column(self, key: str) -> Column | None:
        """The column of an item (a form error's key), or None."""
        for column in self.columns:
            if column.key in (key, FIELD_PREFIX + key):
                return column
        return None


def sheet_title(name: str, taken: set[str]) -> str:
    """A kind's name as a sheet title: Excel's forbidden characters removed, at most 31
    characters, unique among ``taken`` (which receives it)."""
    base = _SHEET_FORBIDDEN.sub("", name).strip("'") or "台账"
    title = base[:MAX_SHEET_TITLE]
    number = 2
    while title in taken or title in NON_ENTRY_SHEETS:
        suffix = f"（{number}）"
        title = base[: MAX_SHEET_TITLE - len(suffix)] + suffix
        number += 1
    taken.add(title)
    return title


def unit_names(session: Session) -> tuple[list[str], list[str]]:
    """The names of the live units that keep a ledger (填报单位, ``LEDGER_UNIT_KINDS``) and
    of the judicial offices (结对司法所, 所属司法所)."""
    units = session.execute(
        select(Unit.name, Unit.kind).where(Unit.deleted.is_(False)).order_by(Unit.sort_order)
    ).all()
    return (
        [n for n, k in units if k in LEDGER_UNIT_KINDS],
        [n for n, k in units if k == UnitKind.JUDICIAL_OFFICE],
    )


def kind_sheets(session: Session, *, export: bool = False) -> list[KindSheet]:
    """The sheets of every live entry kind, in display order (``export``: with 序号 and
    台账编号)."""
    units, offices = unit_names(session)
    kinds = session.scalars(
        select(EntryKind).where(EntryKind.deleted.is_(False)).order_by(EntryKind.sort_order)
    )
    taken: set[str] = set()
    return [
        _kind_sheet(k, sheet_title(k.name, taken), units, offices, export=export) for k in kinds
    ]


def _kind_sheet(
    kind: EntryKind, title: str, units: list[str], offices: list[str], *, export: bool
) -> KindSheet:
    fields = parse_fields(kind.fields)
    columns: list[Column] = []
    if export:
        columns.append(Column("serial", SERIAL_HEADER, "integer", width=7))
    columns += [
        Column("entry_date", "日期", "date", True, help="活动日期，如 2018-07-02", width=12),
        Column("unit", "填报单位", "choice", True, tuple(units), "从列表中选择", width=20),
        Column("title", "标题", "text", True, help=f"不超过 {MAX_TITLE_CHARS} 字", width=30),
        Column("paired_office", "结对司法所", "choice", False, tuple(offices), width=14),
        Column(
            "subjects_served", "服务矫正对象人数", "integer", help="整数，不填为 0", width=10,
            minimum=0, maximum=MAX_SUBJECTS_SERVED,
        ),
    ]  # fmt: skip
    common = {c.header for c in columns} | {"情况说明", "照片文件", UUID_HEADER}
    subject_field: FieldDef | None = None
    for f in fields:
        if f.type == "subject":
            subject_field = f
            continue
        header = f.label if f.label not in common else f"{f.label}（{f.name}）"
        common.add(header)
        columns.append(
            Column(
                FIELD_PREFIX + f.name, header, f.type, f.required,
                ("是", "否") if f.type == "bool" else f.choices, f.help,
                FIELD_WIDTHS.get(f.type, 14), f, f.min, f.max,
            )
        )  # fmt: skip
    if subject_field is not None:
        label = subject_field.label
        columns += [
            Column("subject_name", f"{label}姓名", "text", subject_field.required, width=12,
                   help="社区矫正对象的姓名；按姓名和身份证号码找到已登记的对象，没有则新登记"),
            Column("subject_category", "矫正类别", "choice", subject_field.required,
                   tuple(c.value for c in SubjectCategory), width=14),
            Column("id_number", "身份证号码", "text", help="18 位身份证号码", width=22),
            Column("subject_office", "矫正对象所属司法所", "choice", False, tuple(offices), width=16),
        ]  # fmt: skip
    columns += [
        Column("body", "情况说明", "longtext", help=f"不超过 {MAX_BODY_CHARS} 字", width=40),
        Column(
            "photos", "照片文件", "text", kind.min_photos > 0,
            help=f"照片或 PDF 的文件名，多个用“{PHOTO_SEPARATOR}”分隔；文件放在工作簿所在的文件夹中",
            width=24,
        ),
    ]  # fmt: skip
    if export:
        columns.append(
            Column(UUID_KEY, UUID_HEADER, "text", help="导出的台账的编号：保留则导入时修改该条台账",
                   width=12)
        )  # fmt: skip
    return KindSheet(
        kind.id, kind.code, kind.name, title, kind.min_photos, tuple(columns), kind.description
    )
