"""Work ledger (工作台账) as an Excel workbook.

One row per entry, the header in row 1 (so the sheet re-imports cleanly), the common items
first and then one column per form field of the kinds exported. Rows are streamed from the
database in batches into a write-only workbook, so 100,000 entries need little memory.
Identity numbers are written masked only (the list rows already carry the masked form), and
correction subjects' names masked too (王*), also where a title, text field, description or
photo name repeats them, unless the clerk asks for full names (``full_names``, which
:func:`app.services.privacy.may_export_full_names` must allow). The file is readable by its
owner only where the platform allows.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CorrectionSubject, EntryKind, Indicator, LedgerEntry, Unit
from app.reports.xlsx_file import save_workbook
from app.services import audit
from app.services.accounts import require
from app.services.errors import UserError, ValidationError
from app.services.forms import FieldDef, parse_fields
from app.services.ledger import EntryRow, LedgerFilter, entry_extras, entry_kind_ids, iter_entries
from app.services.privacy import FULL_NAMES_REFUSED, mask_name, may_export_full_names, name_masker

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

SHEET_TITLE = "工作台账"
NOTES_TITLE = "导出说明"
MASK_NOTE = "社区矫正对象姓名、身份证号码及表单中的个人信息（如申请人）已脱敏"
FULL_NAMES_NOTE = (
    "身份证号码已脱敏；含社区矫正对象完整姓名及表单中的个人信息（经确认导出），请妥善保管，不得外传"
)
TEXT_FIELDS = frozenset({"text", "longtext"})  # free text, where a name may be repeated
BATCH_SIZE = 1000
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"
PHOTO_SEPARATOR = "、"

# Common columns before the form fields, and the two after them: header and width.
LEADING_COLUMNS = (
    ("序号", 7),
    ("日期", 12),
    ("填报单位", 18),
    ("活动类型", 18),
    ("标题", 36),
    ("结对司法所", 12),
    ("服务矫正对象人数", 10),
    ("社区矫正对象", 30),
)
TRAILING_COLUMNS = (("情况说明", 50), ("照片文件", 30))
FIELD_WIDTHS = {
    "text": 20,
    "longtext": 40,
    "integer": 10,
    "amount": 14,
    "date": 12,
    "choice": 14,
    "bool": 8,
}
MAX_HEADER_WIDTH = 30


@dataclass
class _FieldColumn:
    """A column for one form field (shared by kinds whose field has the same name and label)."""

    name: str
    label: str
    type: str
    header: str
    kind_names: list[str]


def _display_width(text: str) -> int:
    """Width in Latin characters: Chinese characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _kinds_exported(session: Session, flt: LedgerFilter) -> list[EntryKind]:
    """The entry kinds (in their display order) that have at least one exported entry."""
    kind_ids = entry_kind_ids(session, flt)
    query = (
        select(EntryKind)
        .where(EntryKind.id.in_(kind_ids))
        .order_by(EntryKind.sort_order, EntryKind.id)
    )
    return list(session.scalars(query))


def _plan_field_columns(
    kinds: list[EntryKind],
) -> tuple[list[_FieldColumn], dict[int, list[tuple[int, FieldDef]]]]:
    """The form-field columns, and for each kind id: (column index, field) pairs."""
    columns: list[_FieldColumn] = []
    by_key: dict[tuple[str, str], int] = {}
    per_kind: dict[int, list[tuple[int, FieldDef]]] = {}
    for kind in kinds:
        placed = []
        for f in parse_fields(kind.fields):
            if f.type == "subject":
                continue
            key = (f.name, f.label)
            if key not in by_key:
                by_key[key] = len(columns)
                columns.append(_FieldColumn(f.name, f.label, f.type, f.label, []))
            index = by_key[key]
            if kind.name not in columns[index].kind_names:
                columns[index].kind_names.append(kind.name)
            placed.append((index, f))
        per_kind[kind.id] = placed
    # Different fields with the same label (e.g. 参加人次 of two kinds) get the kinds' names
    # added, so that every header is unique; so does a label equal to a common column.
    taken = {h for h, _ in LEADING_COLUMNS + TRAILING_COLUMNS}
    label_count: dict[str, int] = {}
    for column in columns:
        label_count[column.label] = label_count.get(column.label, 0) + 1
    for index, column in enumerate(columns):
        if label_count[column.label] > 1 or column.label in taken:
            column.header = f"{column.label}（{'、'.join(column.kind_names)}）"
            if column.header in taken:
                column.header = f"{column.label}（{column.name}）"
        if column.header in taken:
            column.header = f"{column.header}（{index + 1}）"
        taken.add(column.header)
    return columns, per_kind


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

    def header(self, value: str) -> Any:
        cell = WriteOnlyCell(self.sheet, value)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
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


def _subject_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The correction subject's name of each of these entries that has one."""
    query = (
        select(LedgerEntry.id, CorrectionSubject.name)
        .join(CorrectionSubject, LedgerEntry.subject_id == CorrectionSubject.id)
        .where(LedgerEntry.id.in_(ids))
    )
    return {entry_id: name for entry_id, name in session.execute(query) if name}


def _masked_subject(label: str, name: str | None) -> str:
    """The subject column's text (name, category, masked number) with the name masked."""
    if not name or not label:
        return label
    if label.startswith(name):
        return mask_name(name) + label[len(name) :]
    return name_masker([name])(label)


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


def _write_ledger_sheet(
    session: Session,
    flt: LedgerFilter,
    sheet: WriteOnlyWorksheet,
    batch_size: int,
    progress: Callable[[int], None] | None,
    seen_names: set[str] | None,
) -> int:
    """Write the header and every row; return the number of rows written. ``seen_names``:
    None for full names, else a set that receives the names masked."""
    cells = _Cells(sheet)
    field_columns, per_kind = _plan_field_columns(_kinds_exported(session, flt))
    headers = [(h, w) for h, w in LEADING_COLUMNS]
    for column in field_columns:
        width = max(FIELD_WIDTHS.get(column.type, 14), _display_width(column.header) // 2 + 2)
        headers.append((column.header, min(width, MAX_HEADER_WIDTH)))
    headers += list(TRAILING_COLUMNS)
    for index, (_, width) in enumerate(headers, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"  # the header repeats on every printed page
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.append([cells.header(h) for h, _ in headers])

    n_fields = len(field_columns)
    written = 0

    def flush(batch: list[EntryRow]) -> None:
        nonlocal written
        ids = [row.id for row in batch]
        extras = entry_extras(session, ids)
        kind_of = dict(
            session.execute(
                select(LedgerEntry.id, LedgerEntry.kind_id).where(LedgerEntry.id.in_(ids))
            ).all()
        )
        names = _subject_names(session, ids) if seen_names is not None else {}
        if seen_names is not None:
            seen_names.update(names.values())
        hide = name_masker(names.values())  # nothing to hide with full names

        def hidden(value: Any) -> Any:
            return hide(value) if isinstance(value, str) else value

        for row in batch:
            body, values, photos = extras.get(row.id, ("", {}, []))
            field_cells: list[Any] = [None] * n_fields
            for index, f in per_kind.get(kind_of[row.id], []):  # every row's kind was just read
                value = values.get(f.name)
                if f.personal and seen_names is not None and isinstance(value, str) and value:
                    value = mask_name(value)  # a person's data (申请人…): masked like names
                field_cells[index] = cells.field(
                    f, hidden(value) if f.type in TEXT_FIELDS else value
                )
            subject = row.subject
            if seen_names is not None:
                subject = _masked_subject(subject, names.get(row.id))
            written += 1
            sheet.append(
                [
                    written,
                    cells.date(row.entry_date),
                    cells.text(row.unit),
                    cells.text(row.kind),
                    cells.text(hidden(row.title)),
                    cells.text(row.paired_office),
                    int(row.subjects_served or 0),
                    cells.text(subject),
                    *field_cells,
                    cells.text(hidden(body)),
                    cells.text(hidden(PHOTO_SEPARATOR.join(photos))),
                ]
            )
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
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{written + 1}"
    return written


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
    workbook.properties.title = SHEET_TITLE
    try:
        ledger_sheet = workbook.create_sheet(SHEET_TITLE)
        rows = _write_ledger_sheet(
            session, flt, ledger_sheet, max(1, batch_size), progress, seen_names
        )
        _write_notes_sheet(session, flt, workbook.create_sheet(NOTES_TITLE), rows, seen_names)
    except BaseException:
        _discard(workbook)
        raise
    save_workbook(workbook, out_path, private=True)
    what = "含社区矫正对象完整姓名，身份证号码已脱敏" if full_names else MASK_NOTE
    audit.record(session, "export", f"导出工作台账 Excel（{rows} 条，{what}）")
    return rows
