"""Work ledger (工作台账) as an Excel workbook.

One sheet per entry kind exported, with only that kind's columns, in the shape of the import
template (``app.services.ledger_columns``: 序号 first and 台账编号 last), so that an export with
full names can be edited and imported back (``ledger import``); long text wrapped, each sheet
fit to the page width when printed. Rows are streamed from the database in date order, in
batches, into a write-only workbook, so 100,000 entries need little memory.
Identity numbers are written masked only (the list rows already carry the masked form), and
correction subjects' names masked too (王*), also where a title, text field, description or
photo name repeats them, unless the clerk asks for full names (``full_names``, which
:func:`app.services.privacy.may_export_full_names` must allow). The file is readable by its
owner only where the platform allows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from app.models import CorrectionSubject, EntryKind, Indicator, LedgerEntry, Unit
from app.reports.ledger_template import set_print_layout, style_header
from app.reports.xlsx_file import save_workbook
from app.services import audit
from app.services.accounts import require
from app.services.errors import UserError, ValidationError
from app.services.forms import FieldDef
from app.services.idcard import mask_id_number
from app.services.ledger import EntryRow, LedgerFilter, entry_extras, entry_kind_ids, iter_entries
from app.services.ledger_columns import (
    EXPORT_NOTES_TITLE,
    FIELD_PREFIX,
    PHOTO_SEPARATOR,
    Column,
    KindSheet,
    kind_sheets,
)
from app.services.privacy import FULL_NAMES_REFUSED, mask_name, may_export_full_names, name_masker

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

NOTES_TITLE = EXPORT_NOTES_TITLE
MASK_NOTE = "社区矫正对象姓名、身份证号码及表单中的个人信息（如申请人）已脱敏"
FULL_NAMES_NOTE = (
    "身份证号码已脱敏；含社区矫正对象完整姓名及表单中的个人信息（经确认导出），请妥善保管，不得外传"
)
TEXT_FIELDS = frozenset({"text", "longtext"})  # free text, where a name may be repeated
BATCH_SIZE = 1000
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"
WRAP = Alignment(wrap_text=True, vertical="top")


def _clean_text(value: Any) -> str:
    text: str = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text[:32767]


class _Cells:
    """Makes the cells of one sheet with the right types and number formats."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet

    def text(self, value: Any) -> Any:
        """A string cell (never a formula, whatever it starts with); None when empty."""
        if value is None or value == "":
            return None
        text = _clean_text(value)
        if text.startswith("=") or text in ERROR_CODES:
            cell = WriteOnlyCell(self.sheet, text)
            cell.data_type = "s"
            return cell
        return text or None

    def date(self, value: date | None) -> Any:
        if value is None:
            return None
        cell = WriteOnlyCell(self.sheet, value)
        cell.number_format = DATE_FORMAT
        return cell

    def datetime(self, value: datetime) -> Any:
        cell = WriteOnlyCell(self.sheet, value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell

    def amount(self, value: float) -> Any:
        cell = WriteOnlyCell(self.sheet, value)
        cell.number_format = AMOUNT_FORMAT
        return cell

    def header(self, value: str, required: bool = False) -> Any:
        cell = WriteOnlyCell(self.sheet, value)
        style_header(cell, required)
        return cell

    def wrapped(self, value: Any) -> Any:
        """Long text, wrapped in its cell; None when empty."""
        cell = self.text(value)
        if cell is None:
            return None
        if isinstance(cell, str):
            cell = WriteOnlyCell(self.sheet, cell)
        cell.alignment = WRAP
        return cell

    def field(self, f: FieldDef, value: Any) -> Any:
        """A stored form value as a typed cell (anything unexpected is written as text)."""
        if value is None or value == "":
            return None
        if f.type == "bool":
            return "是" if value else "否"
        if f.type == "integer" and not isinstance(value, bool):
            try:
                return int(value)
            except (TypeError, ValueError):
                return self.text(value)
        if f.type == "amount":
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                return self.text(value)
            return self.amount(float(number)) if number.is_finite() else self.text(value)
        if f.type == "date":
            try:
                return self.date(date.fromisoformat(str(value)))
            except ValueError:
                return self.text(value)
        return self.text(value)


_Named = TypeVar("_Named", Unit, EntryKind, Indicator)


@dataclass(frozen=True)
class _Subject:
    name: str
    category: str
    masked_number: str
    office: str


def _subjects(session: Session, ids: list[int]) -> dict[int, _Subject]:
    """The correction subject of each of these entries that has one (number masked)."""
    office = aliased(Unit)
    query = (
        select(
            LedgerEntry.id, CorrectionSubject.name, CorrectionSubject.category,
            CorrectionSubject.id_number, office.name,
        )
        .join(CorrectionSubject, LedgerEntry.subject_id == CorrectionSubject.id)
        .outerjoin(office, CorrectionSubject.office_id == office.id)
        .where(LedgerEntry.id.in_(ids))
    )  # fmt: skip
    return {
        entry_id: _Subject(
            name or "", category.value if category else "", mask_id_number(number or ""),
            office_name or "",
        )
        for entry_id, name, category, number, office_name in session.execute(query)
    }  # fmt: skip


def _filter_words(session: Session, flt: LedgerFilter) -> list[tuple[str, str]]:
    """The filter as a person reads it."""

    def name_of(
        model: type[_Named],
        record_id: int | None,
        everything: str,
    ) -> str:
        if record_id is None:
            return everything
        record = session.get(model, record_id)
        return record.name if record is not None else f"（编号 {record_id}，已不存在）"

    if flt.date_from and flt.date_to:
        dates = f"{flt.date_from.isoformat()} 至 {flt.date_to.isoformat()}"
    elif flt.date_from:
        dates = f"{flt.date_from.isoformat()} 起"
    elif flt.date_to:
        dates = f"截至 {flt.date_to.isoformat()}"
    else:
        dates = "不限"
    words = [
        ("单位", name_of(Unit, flt.unit_id, "全部单位")),
        ("活动类型", name_of(EntryKind, flt.kind_id, "全部类型")),
        ("日期范围", dates),
        ("关键词", flt.text.strip() or "无"),
    ]
    if flt.paired_office_id is not None:
        words.append(("结对司法所", name_of(Unit, flt.paired_office_id, "")))
    if flt.indicator_id is not None:
        words.append(("考核指标", name_of(Indicator, flt.indicator_id, "")))
    if flt.include_deleted:
        words.append(("已删除的台账", "包括在内"))
    return words


def _start_sheet(sheet: WriteOnlyWorksheet, kind: KindSheet) -> None:
    """Widths, print layout and the header row of a kind's sheet."""
    for index, column in enumerate(kind.columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    set_print_layout(sheet)
    cells = _Cells(sheet)
    sheet.append([cells.header(c.header, c.required) for c in kind.columns])


def _write_ledger_sheets(
    session: Session,
    flt: LedgerFilter,
    workbook: Workbook,
    batch_size: int,
    progress: Callable[[int], None] | None,
    seen_names: set[str] | None,
) -> int:
    """Write one sheet per exported kind and every row; return the number of rows written.
    ``seen_names``: None for full names, else a set that receives the names masked."""
    exported = entry_kind_ids(session, flt)
    sheets: dict[int, tuple[KindSheet, WriteOnlyWorksheet, _Cells]] = {}
    for kind in kind_sheets(session, export=True):
        if kind.kind_id in exported:
            sheet = workbook.create_sheet(kind.title)
            _start_sheet(sheet, kind)
            sheets[kind.kind_id] = (kind, sheet, _Cells(sheet))
    per_sheet: dict[int, int] = dict.fromkeys(sheets, 0)
    written = 0

    def flush(batch: list[EntryRow]) -> None:
        nonlocal written
        ids = [row.id for row in batch]
        extras = entry_extras(session, ids)
        details = {
            entry_id: (kind_id, uuid)
            for entry_id, kind_id, uuid in session.execute(
                select(LedgerEntry.id, LedgerEntry.kind_id, LedgerEntry.uuid).where(
                    LedgerEntry.id.in_(ids)
                )
            )
        }
        subjects = _subjects(session, ids)
        names = [x.name for x in subjects.values() if x.name] if seen_names is not None else []
        if seen_names is not None:
            seen_names.update(names)
        hide = name_masker(names)  # nothing to hide with full names

        def hidden(value: Any) -> Any:
            return hide(value) if isinstance(value, str) else value

        for row in batch:
            kind_id, uuid = details[row.id]
            if kind_id not in sheets:  # a kind deleted since: not exported
                continue
            kind, sheet, cells = sheets[kind_id]
            per_sheet[kind_id] += 1
            sheet.append(
                [
                    _cell(cells, column, row, extras.get(row.id, ("", {}, [])),
                          subjects.get(row.id), uuid, per_sheet[kind_id], hidden, seen_names)
                    for column in kind.columns
                ]
            )  # fmt: skip
            written += 1
        if progress is not None:
            progress(written)

    batch: list[EntryRow] = []
    for row in iter_entries(session, flt, "entry_date", descending=False):
        batch.append(row)
        if len(batch) >= batch_size:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    for kind_id, (kind, sheet, _cells) in sheets.items():
        last = get_column_letter(len(kind.columns))
        sheet.auto_filter.ref = f"A1:{last}{per_sheet[kind_id] + 1}"
    return written


def _cell(
    cells: _Cells,
    column: Column,
    row: EntryRow,
    extras: tuple[str, dict[str, Any], list[str]],
    subject: _Subject | None,
    uuid: str,
    serial: int,
    hidden: Callable[[Any], Any],
    seen_names: set[str] | None,
) -> Any:
    """The cell of one column of an entry's row (names masked unless ``seen_names`` is None)."""
    key = column.key
    body, values, photos = extras
    if key.startswith(FIELD_PREFIX):
        f = column.field
        assert f is not None  # a form field's column
        value = values.get(f.name)
        if f.personal and seen_names is not None and isinstance(value, str) and value:
            value = mask_name(value)  # a person's data (申请人…): masked like names
        if f.type in TEXT_FIELDS:
            value = hidden(value)
        if f.type == "longtext":
            return cells.wrapped(value)
        return cells.field(f, value)
    name = subject.name if subject is not None else ""
    if name and seen_names is not None:
        name = mask_name(name)
    plain: dict[str, Any] = {
        "serial": serial,
        "unit": row.unit,
        "title": hidden(row.title),
        "paired_office": row.paired_office,
        "subjects_served": int(row.subjects_served or 0),
        "subject_name": name,
        "subject_category": subject.category if subject is not None else "",
        "id_number": subject.masked_number if subject is not None else "",
        "subject_office": subject.office if subject is not None else "",
        "photos": hidden(PHOTO_SEPARATOR.join(photos)),
        "uuid": uuid,
    }
    if key == "entry_date":
        return cells.date(row.entry_date)
    if key == "body":
        return cells.wrapped(hidden(body))
    value = plain.get(key)
    return value if isinstance(value, int) else cells.text(value)


def _write_notes_sheet(
    session: Session,
    flt: LedgerFilter,
    sheet: WriteOnlyWorksheet,
    rows: int,
    seen_names: set[str] | None,
) -> None:
    hide = name_masker(seen_names or ())  # a keyword may be a subject's name
    cells = _Cells(sheet)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 48
    sheet.append([cells.header("项目"), cells.header("内容")])
    sheet.append(["导出时间", cells.datetime(datetime.now().replace(microsecond=0))])
    for label, words in _filter_words(session, flt):
        sheet.append([label, cells.text(hide(words))])
    sheet.append(["台账条数", rows])
    sheet.append(["说明", MASK_NOTE if seen_names is not None else FULL_NAMES_NOTE])
    sheet.append(["导出程序", "大帮教工作台"])


def _discard(workbook: Workbook) -> None:
    """Close an abandoned write-only workbook's sheets and remove their temporary files."""
    for sheet in workbook.worksheets:
        with contextlib.suppress(Exception):  # best effort: the original error matters
            if not sheet.closed:
                sheet.close()
            writer = getattr(sheet, "_writer", None)
            if writer is not None:
                writer.cleanup()


def export_ledger_xlsx(
    session: Session,
    flt: LedgerFilter,
    out_path: Path,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    full_names: bool = False,
) -> int:
    """Write the filtered ledger (sorted by date) to an .xlsx file; return the rows written.

    ``progress`` (if given) is called with the number of rows written after every batch;
    an exception it raises (e.g. the user cancelled) stops the export. The file is written
    beside its destination first and then moved into place, so a failed or cancelled export
    never leaves half a file (nor replaces a good one).

    Correction subjects' names are masked (王*) unless ``full_names``, which the acting user
    must be allowed (:func:`~app.services.privacy.may_export_full_names`, else UserError
    before anything is written).
    """
    require(session, "ledger.export")
    if full_names and not may_export_full_names(session):
        raise UserError(FULL_NAMES_REFUSED)
    seen_names: set[str] | None = None if full_names else set()
    out_path = Path(out_path)
    folder = out_path.parent
    if not folder.is_dir():
        raise ValidationError(f"文件夹“{folder}”不存在，无法导出。", "out")
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "大帮教工作台"
    workbook.properties.title = "工作台账"
    try:
        rows = _write_ledger_sheets(
            session, flt, workbook, max(1, batch_size), progress, seen_names
        )
        _write_notes_sheet(session, flt, workbook.create_sheet(NOTES_TITLE), rows, seen_names)
    except BaseException:
        _discard(workbook)
        raise
    save_workbook(workbook, out_path, private=True)
    what = "含社区矫正对象完整姓名，身份证号码已脱敏" if full_names else MASK_NOTE
    audit.record(session, "export", f"导出工作台账 Excel（{rows} 条，{what}）")
    return rows
